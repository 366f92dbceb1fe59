"""The therapist's dashboard: participant, plan and difficulty, start/pause/stop, the state of the trial at
a glance, live charts, notes, end summary and history.

What the therapist reads during play (all from the exercise's contract, never from a table keyed by
exercise name):

- **headline values**: the contract's ``headline`` metrics (2-4), each with its label and unit. A value
  is the exercise's live value of the same name; the declared count (the first ``count`` metric that
  is better when higher) is the units done so far; the sway area of a ``cop`` chart is the live 95 %
  ellipse; anything else is known at the end of the trial (shown ``–`` until then, then the result);
- **the goal as a bar**: repetitions against the target, else the path traced, else the hold filling;
  the bar never goes down within a trial;
- **badges** for the inputs the trial uses (a grip trial shows no camera badge);
- **the last three units** (reps, jumps, holds) as a word and a shape, with their flags in the words
  the exercise declares (``Contract.flags``: "hips high", not ``hips_piked``);
- the chart the exercise declares (``contract.chart``).

The dashboard never runs a session itself: ``start_requested(participant, plan)`` is emitted and the
window (composition in :mod:`station.session.build`) builds and starts a :class:`~station.session.control.SessionController`.
Database reads (participants, history) and writes (notes) run on short worker threads; results come
back through a queued Qt signal, so the UI never blocks on I/O.

Every string shown goes through ``self.tr`` (translation-ready; no translation is installed yet).
"""

from __future__ import annotations

import html
import logging
import math
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import exercises
from exercises.contract import Contract, Metric, quality_of, settings_of, stars_text
from station.core import InputError
from station.plans import (
    HistoryRow,
    PlanItem,
    SensorySettings,
    SessionPlan,
    check_code,
    describe_difficulty,
    load_plan,
    save_plan,
)
from station.session import SessionSummary
from station.session.model import ScheduleItem, ViewState
from station.ui.charts import LiveCharts
from station.ui.palette import BLUE, GREEN, INK, ORANGE, PAPER, SKY, STATE_COLOURS, VERMILLION

log = logging.getLogger(__name__)

STYLE = f"""
QWidget {{ font-size: 13px; color: {INK}; }}
QWidget#dashboard {{ background: {PAPER}; }}
QPushButton {{ padding: 5px 10px; border-radius: 6px; border: 1px solid #8a8a8a; background: white; }}
QPushButton:disabled {{ color: #9a9a9a; background: #eeeeee; }}
QPushButton#start {{ background: {GREEN}; color: white; font-weight: bold; font-size: 15px; min-width: 86px; min-height: 32px; }}
QPushButton#pause {{ background: {ORANGE}; color: {INK}; font-weight: bold; font-size: 15px; min-width: 86px; min-height: 32px; }}
QPushButton#stop {{ background: {VERMILLION}; color: white; font-weight: bold; font-size: 15px; min-width: 86px; min-height: 32px; }}
QPushButton#start:disabled, QPushButton#pause:disabled, QPushButton#stop:disabled {{ background: #d9d9d9; color: #8a8a8a; }}
QLabel#banner {{ font-size: 15px; font-weight: bold; }}
QLabel#error {{ color: {VERMILLION}; }}
QFrame#card {{ background: white; border: 1px solid #d0ccc0; border-radius: 8px; }}
QFrame#tile {{ background: white; border: 1px solid #d0ccc0; border-radius: 8px; }}
QLabel#tileValue {{ font-size: 22px; font-weight: bold; }}
QLabel#tileCaption {{ color: #555; font-size: 12px; }}
QLabel#muted {{ color: #666; font-size: 12px; }}
QLabel#help {{ color: #666; font-size: 11px; }}
QProgressBar {{ border: 1px solid #b8b4a8; border-radius: 6px; background: white; text-align: center; min-height: 22px; font-weight: bold; }}
QProgressBar::chunk {{ background: {SKY}; border-radius: 5px; }}
"""

STATE_WORDS = {"streaming": "OK", "connected": "OK", "waiting": "waiting", "opened": "opening", "reconnecting": "reconnecting",
               "stalled": "no data", "lost": "lost", "disconnected": "unplugged", "failed": "FAILED", "ended": "ended",
               "closed": "closed", "calibrated": "calibrated", "stale": "calibration old", "not saving": "NOT SAVING",
               "saving": "saving"}
"""How a stream state reads on a badge."""

CAMERA_INPUTS = ("hand", "pose")
"""Input kinds a camera (or video, or the simulated child) feeds; every other kind is a device."""

QUALITY_WORDS = (("good", "●", GREEN), ("fair", "▲", ORANGE), ("poor", "✖", VERMILLION), ("not scored", "◆", "#888888"))
"""A unit's quality as a word and a shape (never colour alone): good >= 0.8 > fair >= 0.5 > poor, as the chart."""


class _Relay(QObject):
    """Carries results of worker threads back to the UI thread (queued connection)."""

    done = Signal(object, object)  # (callback, result)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "–" if not math.isfinite(v) else f"{v:.3g}"
    if isinstance(v, tuple | list):
        return ",".join(_fmt(x) for x in v)
    return "–" if v is None else str(v)


def ctr(text: str) -> str:
    """A word an exercise declares in its contract (label, unit, help, flag, title) in the station's language
    (the ``Contract`` context that ``scripts/i18n_update.py`` fills from the exercise registry)."""
    return QCoreApplication.translate("Contract", text) if text else text


def difficulty_words(exercise: str, settings: Mapping[str, Any]) -> str:
    """:func:`station.plans.describe_difficulty` in the station's language (``Banda 0.024 alturas de imagen``)."""
    return describe_difficulty(exercise, settings, ctr)


def unit_shown(unit: str) -> str:
    """A unit as the dashboard writes it beside a value (``mm^2`` -> ``mm²``; counts and fractions bare)."""
    return {"mm^2": "mm²", "frame_height": "frame heights", "count": "", "0..1": "", "fraction": "%", "1/min": "/min"}.get(unit, unit)


def value_shown(v: float | None, unit: str) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    if unit == "fraction":
        v = 100.0 * v
    if abs(v) >= 100 or v == int(v):
        return f"{v:.0f}"
    return f"{v:.3g}"


def quality_word(q: float | None) -> tuple[str, str, str]:
    """(word, shape, colour) of a unit's quality (0..1 or ``None``)."""
    if q is None or not math.isfinite(q):
        return QUALITY_WORDS[3]
    return QUALITY_WORDS[0] if q >= 0.8 else QUALITY_WORDS[1] if q >= 0.5 else QUALITY_WORDS[2]


def headline_values(contract: Contract, live: Mapping[str, float], reps: int, *, result: Mapping[str, Any] | None = None,
                    sway_area: float = math.nan) -> list[tuple[Metric, float | None]]:
    """The values of the contract's headline metrics now (see the module docstring), in declaration order."""
    out: list[tuple[Metric, float | None]] = []
    count = next((m for m in contract.headline if m.unit == "count" and m.higher_is_better), None)
    for m in list(contract.headline)[:4]:
        v: Any = None
        if result is not None and isinstance(result.get(m.name), int | float):
            v = result[m.name]
        elif isinstance(live.get(m.name), int | float) and math.isfinite(live[m.name]):
            v = live[m.name]
        elif m is count:
            v = reps
        elif contract.chart == "cop" and m.unit == "mm^2" and math.isfinite(sway_area):
            v = sway_area
        out.append((m, None if v is None or isinstance(v, bool) else float(v)))
    return out


class HeadlineTile(QFrame):
    """One headline value: big number with its unit, the label under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.setSpacing(0)
        self.value = QLabel("–")
        self.value.setObjectName("tileValue")
        self.caption = QLabel("")
        self.caption.setObjectName("tileCaption")
        self.caption.setWordWrap(True)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def show_value(self, text: str, caption: str, tooltip: str = "") -> None:
        if self.value.text() != text:
            self.value.setText(text)
        if self.caption.text() != caption:
            self.caption.setText(caption)
            self.setToolTip(tooltip)


class Dashboard(QWidget):
    """Controls, the trial at a glance, live charts, notes, summary and history."""

    start_requested = Signal(str, object)  # participant code, SessionPlan
    pause_requested = Signal()
    stop_requested = Signal()
    difficulty_requested = Signal(int)  # +1 harder / -1 easier

    def __init__(self, db: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.db = db
        self._relay = _Relay(self)  # deleted with the dashboard: late results are then dropped
        self._relay.done.connect(lambda cb, res: cb(res))
        self.plan_items: list[PlanItem] = []
        self._settings_edits: dict[str, QLineEdit] = {}
        self._defaults: dict[str, str] = {}
        self.session_id: str | None = None
        self._trial_key: tuple[Any, ...] | None = None
        self._progress_max = 0.0
        self._form_trial: tuple[Any, ...] | None = None
        self._results: dict[int, dict[str, Any]] = {}

        root = QVBoxLayout(self)
        root.setContentsMargins(10, 8, 10, 8)
        root.setSpacing(6)

        # -- top bar: who, what is running, controls -----------------------------------------------
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Participant")))
        self.participant = QComboBox()
        self.participant.setEditable(True)
        self.participant.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.participant.setMinimumContentsLength(16)  # codes up to 16 characters show whole
        self.participant.setToolTip(self.tr("Pseudonymous code only (e.g. P-017), never a name"))
        top.addWidget(self.participant)
        top.addStretch(1)
        self.start_btn = QPushButton(self.tr("▶ Start"))
        self.start_btn.setObjectName("start")
        self.start_btn.setToolTip(self.tr("Start the plan (Space)"))
        self.pause_btn = QPushButton(self.tr("❚❚ Pause"))
        self.pause_btn.setObjectName("pause")
        self.pause_btn.setToolTip(self.tr("Pause / resume (Space)"))
        self.stop_btn = QPushButton(self.tr("■ Stop"))
        self.stop_btn.setObjectName("stop")
        self.stop_btn.setToolTip(self.tr("End the trial and the session; everything recorded is kept (Esc)"))
        self.start_btn.clicked.connect(self._on_start)
        self.pause_btn.clicked.connect(self.pause_requested.emit)
        self.stop_btn.clicked.connect(self.stop_requested.emit)
        self.sensory: SensorySettings | None = None  # the child's sound, language and sensory settings (#22)
        self.sound_btn = QPushButton(self.tr("Sound and language…"))
        self.sound_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.sound_btn.clicked.connect(self._sound_dialog)
        top.addWidget(self.sound_btn)
        for b in (self.start_btn, self.pause_btn, self.stop_btn):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            top.addWidget(b)
        root.addLayout(top)
        self.banner = QLabel(self.tr("Ready"))
        self.banner.setObjectName("banner")
        root.addWidget(self.banner)

        # -- the trial at a glance: headline tiles, goal bar, badges, last reps --------------------
        glance = QFrame()
        glance.setObjectName("card")
        gl = QVBoxLayout(glance)
        gl.setContentsMargins(8, 6, 8, 6)
        gl.setSpacing(4)
        tiles = QHBoxLayout()
        tiles.setSpacing(6)
        self.tiles = [HeadlineTile() for _ in range(4)]
        for t in self.tiles:
            tiles.addWidget(t)
            t.hide()
        gl.addLayout(tiles)
        self.goal_bar = QProgressBar()
        self.goal_bar.setRange(0, 1000)
        self.goal_bar.setValue(0)
        self.goal_bar.setFormat(self.tr("No trial yet"))
        gl.addWidget(self.goal_bar)
        row = QHBoxLayout()
        row.setSpacing(4)
        self.badges: list[QLabel] = []
        self.badge_row = row
        for _ in range(5):
            badge = QLabel("")
            badge.hide()
            self.badges.append(badge)
            row.addWidget(badge)
        self.tech_label = QLabel("")  # frame rate, latency: small and grey, for the curious
        self.tech_label.setObjectName("muted")
        row.addWidget(self.tech_label, 1)
        gl.addLayout(row)
        self.reps_label = QLabel("")  # the last three units: word, shape and flags in plain language
        self.reps_label.setTextFormat(Qt.TextFormat.RichText)
        self.reps_label.setWordWrap(True)
        gl.addWidget(self.reps_label)
        diff = QHBoxLayout()
        self.easier_btn = QPushButton(self.tr("− easier"))
        self.harder_btn = QPushButton(self.tr("+ harder"))
        for b, d in ((self.easier_btn, -1), (self.harder_btn, +1)):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip(self.tr("Step the difficulty of the next trial (tolerances, targets, holds)"))
            b.clicked.connect(lambda _=False, d=d: self.difficulty_requested.emit(d))
        diff.addWidget(QLabel(self.tr("Next trial:")))
        diff.addWidget(self.easier_btn)
        diff.addWidget(self.harder_btn)
        self.difficulty_label = QLabel("")
        self.difficulty_label.setWordWrap(True)
        self.difficulty_label.setObjectName("muted")
        diff.addWidget(self.difficulty_label, 1)
        gl.addLayout(diff)
        self.goals_label = QLabel("")  # quiet: one grey line, where the child stands on their goals
        self.goals_label.setObjectName("muted")
        self.goals_label.setWordWrap(True)
        gl.addWidget(self.goals_label)
        self.goals_label.hide()
        root.addWidget(glance)
        # compatibility: the status and metrics lines of earlier versions are the badges and tiles now
        self.status_label = self.tech_label
        self.metrics_label = self.reps_label

        self.charts = LiveCharts()
        self.charts.setMinimumHeight(150)
        root.addWidget(self.charts, 5)

        # -- bottom: plan / summary / history tabs, notes ----------------------------------------
        bottom = QHBoxLayout()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._plan_tab(), self.tr("Plan"))
        self.summary_table = self._table([self.tr("trial"), self.tr("exercise"), self.tr("reps"), self.tr("stars"), self.tr("results")])
        self.tabs.addTab(self.summary_table, self.tr("Summary"))
        self.history_table = self._table([self.tr("date (UTC)"), self.tr("status"), self.tr("source"), self.tr("place"), self.tr("trial"),
                                          self.tr("exercise"), self.tr("reps"), self.tr("metric"), self.tr("value")])
        from station.ui.goals import GoalsPanel

        self.goals_panel = GoalsPanel()
        self.goals_panel.new_goal.connect(self.open_goal_form)
        history_tab = QWidget()
        hl = QVBoxLayout(history_tab)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addWidget(self.goals_panel, 2)
        hl.addWidget(self.history_table, 3)
        self.tabs.addTab(history_tab, self.tr("History"))
        self.goal_dialog: Any = None
        self._goals_key: tuple[Any, ...] | None = None
        bottom.addWidget(self.tabs, 3)
        notes_box = QVBoxLayout()
        notes_box.addWidget(QLabel(self.tr("Notes (saved with the session)")))
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText(self.tr("Observations, prompts given, mood…"))
        notes_box.addWidget(self.notes)
        bottom.addLayout(notes_box, 1)
        root.addLayout(bottom, 4)

        self.error_label = QLabel("")
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        root.addWidget(self.error_label)
        # live labels change text 30 times a second: their size must not depend on it, or every
        # change re-lays out (and repaints) the whole dashboard
        for lab in (self.banner, self.tech_label):
            lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            lab.setMinimumHeight(lab.fontMetrics().height() + 6)
        self.reps_label.setMinimumHeight(self.reps_label.fontMetrics().height() + 4)
        self.reps_label.hide()  # shown once a trial counts units one by one
        self.set_running(False)
        self.refresh_participants()
        # the chosen participant's history, shown before the session starts (debounced while typing)
        self._history_timer = QTimer(self)
        self._history_timer.setSingleShot(True)
        self._history_timer.setInterval(400)
        self._history_timer.timeout.connect(self._history_for_current)
        self.participant.editTextChanged.connect(lambda _t: self._history_timer.start())

    def _history_for_current(self) -> None:
        try:
            code = check_code(self.participant.currentText())
        except InputError:
            return
        self.load_history(code)

    # -- building blocks -------------------------------------------------------------------------
    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.verticalHeader().setVisible(False)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setWordWrap(True)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    def _plan_tab(self) -> QWidget:
        w = QWidget()
        lay = QHBoxLayout(w)
        lay.setContentsMargins(4, 4, 4, 4)
        # the form scrolls: every setting keeps its label, unit, range and help at any window size
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        left = QVBoxLayout(inner)
        left.setContentsMargins(0, 0, 4, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.exercise = QComboBox()
        self.exercise.addItems(exercises.names())
        self.exercise.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.exercise.setMinimumContentsLength(12)
        self.exercise.currentTextChanged.connect(self._build_settings_form)
        form.addRow(self.tr("Exercise"), self.exercise)
        self.exercise_title = QLabel("")
        self.exercise_title.setWordWrap(True)
        self.exercise_title.setObjectName("muted")
        form.addRow("", self.exercise_title)
        self.reps_spin = QSpinBox()
        self.reps_spin.setRange(0, 500)
        self.reps_spin.setSpecialValueText(self.tr("no target"))
        form.addRow(self.tr("Repetitions"), self.reps_spin)
        self.duration_spin = QDoubleSpinBox()
        self.duration_spin.setRange(0, 3600)
        self.duration_spin.setSuffix(" s")
        self.duration_spin.setSpecialValueText(self.tr("until done"))
        self.duration_spin.setValue(30)
        form.addRow(self.tr("Duration"), self.duration_spin)
        self.rest_spin = QDoubleSpinBox()
        self.rest_spin.setRange(0, 600)
        self.rest_spin.setSuffix(" s")
        self.rest_spin.setValue(5)
        form.addRow(self.tr("Rest after"), self.rest_spin)
        left.addLayout(form)
        presets = QHBoxLayout()
        presets.addWidget(QLabel(self.tr("Presets:")))
        self.easier_preset = QPushButton(self.tr("Easier"))
        self.harder_preset = QPushButton(self.tr("Harder"))
        self.easier_preset.clicked.connect(lambda: self.apply_preset("easier"))
        self.harder_preset.clicked.connect(lambda: self.apply_preset("harder"))
        presets.addWidget(self.easier_preset)
        presets.addWidget(self.harder_preset)
        presets.addStretch(1)
        left.addLayout(presets)
        self.form_note = QLabel("")  # "showing the settings trial 2 uses" while a session runs
        self.form_note.setObjectName("muted")
        self.form_note.setWordWrap(True)
        left.addWidget(self.form_note)
        self.settings_frame = QFrame()
        self.settings_form = QGridLayout(self.settings_frame)
        self.settings_form.setContentsMargins(0, 0, 0, 0)
        self.settings_form.setHorizontalSpacing(6)
        self.settings_form.setColumnStretch(1, 1)
        left.addWidget(self.settings_frame)
        self.advanced_btn = QToolButton()
        self.advanced_btn.setText(self.tr("Advanced settings"))
        self.advanced_btn.setCheckable(True)
        self.advanced_btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_btn.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_btn.toggled.connect(self._toggle_advanced)
        left.addWidget(self.advanced_btn)
        self.advanced_frame = QFrame()
        self.advanced_form = QGridLayout(self.advanced_frame)
        self.advanced_form.setContentsMargins(12, 0, 0, 0)
        self.advanced_form.setColumnStretch(1, 1)
        self.advanced_frame.hide()
        left.addWidget(self.advanced_frame)
        add = QPushButton(self.tr("Add to plan ↓"))
        add.clicked.connect(self._add_item)
        left.addWidget(add)
        left.addStretch(1)
        scroll.setWidget(inner)
        lay.addWidget(scroll, 3)
        right = QVBoxLayout()
        self.plan_list = QListWidget()
        self.plan_list.setWordWrap(True)
        right.addWidget(self.plan_list)
        row = QGridLayout()
        row.setSpacing(4)
        for k, (text, fn) in enumerate(((self.tr("Remove"), self._remove_item), ("↑", lambda: self._move(-1)), ("↓", lambda: self._move(1)),
                                        (self.tr("Load…"), self._load_dialog), (self.tr("Save…"), self._save_dialog))):
            b = QPushButton(text)
            b.clicked.connect(fn)
            row.addWidget(b, *((0, k) if k < 3 else (1, (k - 3) * 2 if k == 3 else 2)), *((1, 1) if k < 3 else (1, 2 if k == 3 else 1)))
        right.addLayout(row)
        lay.addLayout(right, 2)
        self._build_settings_form(self.exercise.currentText())
        return w

    def _toggle_advanced(self, on: bool) -> None:
        self.advanced_frame.setVisible(on)
        self.advanced_btn.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    @staticmethod
    def _range_text(s: Any) -> str:
        if s.lo is None and s.hi is None:
            return ""
        lo = "" if s.lo is None else f"{s.lo:g}"
        hi = "" if s.hi is None else f"{s.hi:g}"
        if lo and hi:
            return f"{lo}–{hi}"
        return f"≥ {lo}" if lo else f"≤ {hi}"

    def _build_settings_form(self, name: str) -> None:
        for grid in (self.settings_form, self.advanced_form):
            while grid.count():
                item = grid.takeAt(0)
                w = item.widget() if item is not None else None
                if w is not None:
                    w.hide()
                    w.deleteLater()
        self._settings_edits.clear()
        self._defaults.clear()
        if not name:
            return
        cls = exercises.get(name)
        contract = exercises.contract_of(name)
        self.exercise_title.setText(ctr(cls.title or name))
        if contract is not None and self._trial_key is None:  # before a session: the chart this exercise will show
            self.charts.show_chart(contract.chart)
        has_presets = contract is not None and bool(contract.presets.easier or contract.presets.harder)
        self.easier_preset.setEnabled(has_presets and bool(contract.presets.easier))  # type: ignore[union-attr]
        self.harder_preset.setEnabled(has_presets and bool(contract.presets.harder))  # type: ignore[union-attr]
        knobs = {s.name: s for s in settings_of(cls.Settings)}
        row = adv = 0
        for fname, field in cls.Settings.model_fields.items():
            default = _fmt(field.default) if field.default is not None else ""
            edit = QLineEdit(default)
            self._settings_edits[fname] = edit
            self._defaults[fname] = default
            k = knobs.get(fname)
            if k is not None:  # a difficulty setting: label, value, unit and range, one line of help
                lab = QLabel(ctr(k.label))
                lab.setToolTip(fname)
                edit.setToolTip(f"{ctr(k.help)} ({fname})")
                edit.setMaximumWidth(110)
                unit = QLabel(" ".join(x for x in (ctr(k.unit), self._range_text(k) and f"({self._range_text(k)})") if x))
                unit.setObjectName("muted")
                helpl = QLabel(ctr(k.help))
                helpl.setObjectName("help")
                helpl.setWordWrap(True)
                self.settings_form.addWidget(lab, row, 0)
                self.settings_form.addWidget(edit, row, 1)
                self.settings_form.addWidget(unit, row, 2)
                self.settings_form.addWidget(helpl, row + 1, 0, 1, 3)
                row += 2
            else:  # an internal setting: in the collapsed section, with its description
                lab = QLabel(fname)
                desc = QLabel(field.description or "")
                desc.setObjectName("help")
                desc.setWordWrap(True)
                edit.setToolTip(field.description or fname)
                self.advanced_form.addWidget(lab, adv, 0)
                self.advanced_form.addWidget(edit, adv, 1)
                self.advanced_form.addWidget(desc, adv + 1, 0, 1, 2)
                adv += 2
        self.advanced_btn.setVisible(adv > 0)

    def apply_preset(self, which: str) -> None:
        """Fill the form with the exercise's own easier or harder preset (``contract.presets``)."""
        contract = exercises.contract_of(self.exercise.currentText())
        if contract is None:
            return
        for k, v in (contract.presets.easier if which == "easier" else contract.presets.harder).items():
            if k in self._settings_edits:
                self._settings_edits[k].setText(_fmt(v))

    def show_trial_settings(self, exercise: str, settings: Mapping[str, Any], trial: int, running: bool,
                            item: ScheduleItem | None = None) -> None:
        """Put the settings a trial uses into the form (its exercise chosen; with ``item`` its target repetitions
        and duration too), read-only while it runs."""
        if not exercise:
            return
        if self.exercise.currentText() != exercise:
            self.exercise.setCurrentText(exercise)
        try:
            full = exercises.get(exercise).parse_settings(dict(settings)).model_dump()
        except Exception:  # settings the exercise no longer accepts: show them as given
            full = dict(settings)
        for k, edit in self._settings_edits.items():
            if k in full:
                edit.setText(_fmt(full[k]))
            edit.setReadOnly(running)
        if item is not None:  # the trial's own target and length, not the form's last values
            self.reps_spin.setValue(item.target_reps or 0)
            self.duration_spin.setValue(item.duration_s or 0.0)
        for w in (self.reps_spin, self.duration_spin):
            w.setReadOnly(running)
        self.form_note.setText(self.tr("Showing the settings trial {n} uses.").format(n=trial + 1) if running else "")

    # -- plan editing ----------------------------------------------------------------------------
    def current_item(self) -> PlanItem:
        """The exercise and settings in the form as a validated plan item (changed settings only)."""
        from pydantic import ValidationError

        settings = {k: e.text().strip() for k, e in self._settings_edits.items() if e.text().strip() != self._defaults.get(k)}
        try:
            return PlanItem(exercise=self.exercise.currentText(), settings=settings,
                            reps=self.reps_spin.value() or None, duration_s=self.duration_spin.value() or None,
                            rest_s=self.rest_spin.value())
        except ValidationError as exc:
            raise InputError("invalid plan item", where="; ".join(e["msg"] for e in exc.errors())) from None

    def _add_item(self) -> None:
        try:
            self.add_plan_item(self.current_item())
            self.error_label.setText("")
        except InputError as exc:
            self.error_label.setText(str(exc))

    def add_plan_item(self, item: PlanItem) -> None:
        self.plan_items.append(item)
        self._refresh_plan_list()

    def set_plan(self, plan: SessionPlan) -> None:
        self.plan_items = list(plan.items)
        self.sensory = plan.sensory
        self.exercise.setCurrentText(plan.items[0].exercise)
        if plan.participant:
            self.participant.setEditText(plan.participant)
        self._refresh_plan_list()

    def _refresh_plan_list(self) -> None:
        self.plan_list.clear()
        for i, it in enumerate(self.plan_items):
            bits = []
            try:
                shown = difficulty_words(it.exercise, it.settings)
            except InputError:
                shown = ""
            if shown:
                bits.append(shown)
            other = [k for k in it.settings if k not in {s.name for s in settings_of(exercises.get(it.exercise).Settings)}]
            bits += [f"{k} {_fmt(it.settings[k])}" for k in other]
            if it.reps:
                bits.append(self.tr("{n} reps").format(n=it.reps))
            if it.duration_s:
                bits.append(f"{round(it.duration_s, 1):g} s")
            if it.rest_s:
                bits.append(self.tr("rest {s} s").format(s=f"{it.rest_s:g}"))
            self.plan_list.addItem(f"{i + 1}. {ctr(it.title())}\n    {', '.join(bits) or self.tr('defaults')}")

    def _remove_item(self) -> None:
        i = self.plan_list.currentRow()
        if 0 <= i < len(self.plan_items):
            del self.plan_items[i]
            self._refresh_plan_list()

    def _move(self, d: int) -> None:
        i = self.plan_list.currentRow()
        j = i + d
        if 0 <= i < len(self.plan_items) and 0 <= j < len(self.plan_items):
            self.plan_items[i], self.plan_items[j] = self.plan_items[j], self.plan_items[i]
            self._refresh_plan_list()
            self.plan_list.setCurrentRow(j)

    def plan(self) -> SessionPlan:
        """The plan to run: the composed list, or the exercise in the form when the list is empty."""
        items = self.plan_items or [self.current_item()]
        code = self.participant.currentText().strip() or None
        return SessionPlan(name="plan", participant=code, items=items, sensory=self.sensory or _remembered_sensory(code))

    def _sound_dialog(self) -> None:
        from station.plans import remember_sensory
        from station.ui.prompts_dialog import SoundSettingsDialog

        code = self.participant.currentText().strip()
        dlg = SoundSettingsDialog(self.sensory or _remembered_sensory(code or None), self, code=code)
        if dlg.exec():
            self.sensory = dlg.settings()
            try:
                remember_sensory(code, self.sensory)
            except (InputError, OSError) as exc:  # no valid code yet: kept with this plan only
                self.error_label.setText(f"sound settings kept with this plan only: {exc}")

    def load_plan_file(self, path: str | Path) -> None:
        self.set_plan(load_plan(path))

    def save_plan_file(self, path: str | Path, overwrite: bool = True) -> Path:
        return save_plan(self.plan(), path, overwrite=overwrite)

    def _load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Load plan"), "", self.tr("Plans (*.toml)"))
        if path:
            try:
                self.load_plan_file(path)
            except InputError as exc:
                self.error_label.setText(str(exc))

    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save plan"), "plan.toml", self.tr("Plans (*.toml)"))
        if path:
            try:
                self.save_plan_file(path)
            except InputError as exc:
                self.error_label.setText(str(exc))

    # -- session control -------------------------------------------------------------------------
    def _on_start(self) -> None:
        try:
            code = check_code(self.participant.currentText())
            plan = self.plan()
        except InputError as exc:
            self.error_label.setText(str(exc))
            return
        self.error_label.setText("")
        self.start_requested.emit(code, plan)

    def set_running(self, running: bool, paused: bool = False) -> None:
        self.start_btn.setEnabled(not running)
        self.pause_btn.setEnabled(running)
        self.pause_btn.setText(self.tr("▶ Resume") if paused else self.tr("❚❚ Pause"))
        self.stop_btn.setEnabled(running)
        self.participant.setEnabled(not running)
        self.easier_btn.setEnabled(running)
        self.harder_btn.setEnabled(running)
        if not running and self._form_trial is not None:  # the session ended: the form is editable again
            self._form_trial = None
            for e in self._settings_edits.values():
                e.setReadOnly(False)
            self.reps_spin.setReadOnly(False)
            self.duration_spin.setReadOnly(False)
            self.form_note.setText("")

    # -- background database work ---------------------------------------------------------------
    def run_in_background(self, work: Callable[[], Any], done: Callable[[Any], None]) -> threading.Thread:
        """Run ``work`` on a worker thread; ``done(result)`` runs on the UI thread afterwards."""

        def target() -> None:
            try:
                res = work()
            except Exception as exc:  # reported in the UI, never raised on the worker thread
                log.exception("background task failed")
                res = exc
            try:
                self._relay.done.emit(done, res)
            except RuntimeError:  # the dashboard was closed meanwhile: nobody to show the result to
                log.debug("background result dropped: the dashboard is gone")

        th = threading.Thread(target=target, name="dashboard-io", daemon=True)
        th.start()
        return th

    def refresh_participants(self) -> None:
        if self.db is None:
            return
        from station.plans import participants

        def fill(codes: Any) -> None:
            if isinstance(codes, Exception):
                return
            current = self.participant.currentText()
            self.participant.clear()
            self.participant.addItems(codes)
            self.participant.setEditText(current)

        self.run_in_background(lambda: participants(self.db), fill)

    def load_history(self, code: str) -> threading.Thread | None:
        if self.db is None:
            return None
        from station.plans import history

        self.load_goals(code)
        return self.run_in_background(lambda: history(self.db, code), self.show_history)

    # -- goals -----------------------------------------------------------------------------------
    def load_goals(self, code: str) -> threading.Thread | None:
        """Evaluate the participant's goals on a worker thread, then show them (panel and status line)."""
        if self.db is None:
            return None
        from station.goals import progress

        db = self.db
        return self.run_in_background(lambda: progress(db, code), self.show_goals)

    def show_goals(self, items: Any) -> None:
        if isinstance(items, Exception):
            self.goals_label.setText(self.tr("goals unavailable: {e}").format(e=items))
            self.goals_label.show()
            return
        from station.ui.goals import status_line

        self.goals_panel.show_progress(items)
        self.goals_label.setText(html.escape(status_line(items)))
        self.goals_label.setVisible(bool(self.goals_label.text()))

    def open_goal_form(self) -> None:
        """The goal form for the chosen participant (their past trials loaded first, for the preview)."""
        try:
            code = check_code(self.participant.currentText())
        except InputError as exc:
            self.error_label.setText(str(exc))
            return
        if self.db is None:
            return
        from station.goals import load_trials

        db = self.db
        self.run_in_background(lambda: load_trials(db, code), lambda trials: self._show_goal_form(code, trials))

    def _show_goal_form(self, code: str, trials: Any) -> None:
        if isinstance(trials, Exception):
            self.error_label.setText(self.tr("past trials unavailable: {e}").format(e=trials))
            return
        from PySide6.QtWidgets import QDialog

        from station.ui.goals import GoalForm

        dlg = QDialog(self)
        dlg.setWindowTitle(self.tr("New goal for {code}").format(code=code))
        lay = QVBoxLayout(dlg)
        form = GoalForm(code, trials, db=self.db, run=self.run_in_background)
        lay.addWidget(form)
        def saved(_goal: object) -> None:
            dlg.accept()
            self.load_goals(code)

        form.saved.connect(saved)
        self.goal_dialog = dlg
        dlg.setModal(False)
        dlg.show()

    def show_history(self, rows: Any) -> None:
        if isinstance(rows, Exception):
            self.error_label.setText(self.tr("history unavailable: {e}").format(e=rows))
            return
        t = self.history_table
        t.setRowCount(len(rows))
        for i, r in enumerate(rows):
            assert isinstance(r, HistoryRow)
            vals = [r.utc_start[:16].replace("T", " "), r.marker, r.source or "–", r.place, str(r.trial + 1), r.exercise, _fmt(r.reps),
                    r.main_metric, f"{_fmt(r.main_value)} {r.unit}".strip()]
            for j, v in enumerate(vals):
                item = QTableWidgetItem(v)
                if r.simulated or r.trial_status == "failed" or r.status == "failed":  # greyed: not the child's result
                    item.setForeground(QColor("#8a8a8a"))
                t.setItem(i, j, item)

    def show_summary(self, summary: SessionSummary, stars: list[int | None]) -> None:
        t = self.summary_table
        t.setRowCount(len(summary.results))
        for i, (spec, res) in enumerate(summary.results):
            self._results[i] = dict(res.metrics)
            contract = exercises.contract_of(spec.exercise)
            if contract is not None:
                shown = [f"{ctr(m.label)} {value_shown(v, m.unit)} {ctr(unit_shown(m.unit))}".strip()
                         for m, v in headline_values(contract, {}, res.reps, result=res.metrics) if v is not None]
            else:
                shown = [f"{k} {_fmt(v)}" for k, v in list(res.metrics.items())[:4] if isinstance(v, int | float)]
            st = stars[i] if i < len(stars) else None
            try:
                title = exercises.get(spec.exercise).title or spec.exercise
            except InputError:
                title = spec.exercise
            for j, v in enumerate((str(i + 1), ctr(spec.label or title), str(res.reps), stars_text(st), " · ".join(shown))):
                t.setItem(i, j, QTableWidgetItem(v))
        t.resizeRowsToContents()
        self.tabs.setCurrentWidget(self.summary_table)

    def save_notes(self) -> threading.Thread | None:
        if self.db is None or self.session_id is None:
            return None
        from station.plans import save_notes

        sid, text = self.session_id, self.notes.toPlainText()
        return self.run_in_background(lambda: save_notes(self.db, sid, text), lambda res: None)

    # -- live refresh ----------------------------------------------------------------------------
    def _phase_words(self, v: ViewState) -> str:
        return {"idle": self.tr("Ready"), "countdown": self.tr("Get ready… {n}").format(n=math.ceil(v.phase_remaining_s)),
                "play": self.tr("Playing"), "paused": self.tr("Paused"), "celebrate": self.tr("Well done!"),
                "rest": self.tr("Rest {n} s").format(n=math.ceil(v.phase_remaining_s)), "done": self.tr("Session complete"),
                "error": self.tr("Session failed"), "retry": self.tr("Trial failed (no score)")}[v.phase]

    def show_view(self, v: ViewState, display_latency_ms: float | None) -> None:
        """The trial at a glance from the latest view (called by the window's timer)."""
        if v.session_id:
            self.session_id = v.session_id
            key = (v.session_id, v.trial, v.phase == "done")
            if key != self._goals_key:  # a trial ended: where the child stands now (real trials only)
                self._goals_key = key
                try:
                    self.load_goals(check_code(self.participant.currentText()))
                except InputError:
                    pass
        trial_key = (v.session_id, v.trial)
        if trial_key != self._trial_key:  # a new trial: its bar starts empty, its form shows its settings
            self._trial_key = trial_key
            self._progress_max = 0.0
        n = len(v.schedule)
        what = self.tr("Trial {i} of {n}: {label}").format(i=min(v.trial + 1, n), n=n, label=ctr(v.label)) if n else ctr(v.label)
        self.banner.setText(f"{self._phase_words(v)} — {what} · {v.elapsed_s:.0f} s")
        running = v.phase not in ("done", "error", "idle")
        if v.exercise and (trial_key, running) != self._form_trial and running:
            self._form_trial = (trial_key, running)
            item = v.schedule[v.trial] if 0 <= v.trial < len(v.schedule) else None
            self.show_trial_settings(v.exercise, v.settings, v.trial, running, item)
            self.difficulty_label.setText(difficulty_words(v.exercise, v.settings))
        contract = v.contract
        self.charts.show_chart(contract.chart if contract is not None else "reps", v.inputs)
        self._show_tiles(v, contract)
        self._show_goal(v, contract)
        self._show_badges(v, display_latency_ms)
        self._show_last_units(v, contract)
        if v.error:
            self.error_label.setText(v.error)

    def _show_tiles(self, v: ViewState, contract: Contract | None) -> None:
        if contract is None:
            for t in self.tiles:
                t.hide()
            return
        result = self._results.get(v.trial) if v.phase == "done" else None
        vals = headline_values(contract, v.live, v.reps, result=result, sway_area=self.charts.sway_area)
        for i, tile in enumerate(self.tiles):
            if i >= len(vals):
                tile.hide()
                continue
            m, val = vals[i]
            unit = ctr(unit_shown(m.unit))
            text = f"{value_shown(val, m.unit)} {unit}".strip() if val is not None else "–"
            later = "" if val is not None else self.tr(" (at the end)")
            tile.show_value(text, ctr(m.label) + later, self.tr("{label}, in {unit}").format(label=ctr(m.label), unit=ctr(m.unit or "count")))
            tile.show()

    def _show_goal(self, v: ViewState, contract: Contract | None) -> None:
        """The trial's goal as a bar that never goes down within the trial."""
        count = next((m for m in contract.headline if m.unit == "count" and m.higher_is_better), None) if contract else None
        label = ctr(count.label) if count is not None else self.tr("Done")
        comp = v.live.get("completion")
        fill = v.live.get("fill")
        if v.target_reps:
            frac = min(1.0, v.reps / v.target_reps)
            text = self.tr("{label} {n} of {target}").format(label=label, n=v.reps, target=v.target_reps)
        elif isinstance(comp, int | float) and math.isfinite(comp):
            frac = min(1.0, max(0.0, float(comp)))
            text = self.tr("Path traced {p} %").format(p=f"{100 * max(frac, self._progress_max):.0f}")
        elif isinstance(fill, int | float) and math.isfinite(fill):
            frac = min(1.0, max(0.0, float(fill)))
            text = self.tr("{label} {n} · hold {p} %").format(label=label, n=v.reps, p=f"{100 * frac:.0f}")
            self._progress_max = 0.0  # a hold fills and empties again: shown as it is, the count never drops
        elif (dur := self._duration(v)) is not None:
            frac = min(1.0, v.elapsed_s / dur)
            text = self.tr("Time {t} of {d} s").format(t=f"{min(v.elapsed_s, dur):.0f}", d=f"{dur:.0f}")
        else:
            frac = 0.0
            if not v.exercise:
                text = self.tr("No trial yet")
            elif count is not None:
                text = self.tr("{label} {n} (no target set)").format(label=label, n=v.reps)
            else:
                text = self.tr("No goal set for this trial · {t} s").format(t=f"{v.elapsed_s:.0f}")
        if v.phase in ("celebrate", "rest", "done") and (v.target_reps or comp is not None):
            frac = max(frac, self._progress_max)
        self._progress_max = max(self._progress_max, frac) if fill is None else frac
        self.goal_bar.setValue(round(1000 * self._progress_max))
        if self.goal_bar.format() != text:
            self.goal_bar.setFormat(text)

    @staticmethod
    def _duration(v: ViewState) -> float | None:
        item = v.schedule[v.trial] if 0 <= v.trial < len(v.schedule) else None
        return item.duration_s if item is not None and item.duration_s else None

    def _show_badges(self, v: ViewState, display_latency_ms: float | None) -> None:
        """One badge per input the trial uses (camera for hand/pose, each device for device inputs)."""
        camera = any(k in CAMERA_INPUTS for k in v.inputs)
        device = any(k not in CAMERA_INPUTS for k in v.inputs)
        shown = []
        kinds = [k for k in v.inputs if k not in CAMERA_INPUTS]
        devices = [st for st in v.status if st.name not in (v.source_label, "camera", "video", "simulated", "workspace", "storage")]
        # a device stream is named by its device id (grip0, balance0...): the trial's own kinds when the ids say so
        mine = [st for st in devices if any(k in st.name for k in kinds)] or devices
        for st in v.status:
            if st.name == "storage":
                if st.state != "not saving":
                    continue
            elif st in devices:
                if not device or st not in mine:
                    continue
            elif not camera:
                continue
            shown.append(st)
        for i, b in enumerate(self.badges):
            if i >= len(shown):
                b.hide()
                continue
            st = shown[i]
            colour = STATE_COLOURS.get(st.state, BLUE)
            dark = colour in (GREEN, VERMILLION, BLUE, "#888888")
            name = {"simulated": self.tr("Simulated child"), "video": self.tr("Video"), "camera": self.tr("Camera"),
                    "workspace": self.tr("Table calibration"), "storage": self.tr("Saving")}.get(st.name, st.name)
            text = f"{name}: {self.tr(STATE_WORDS.get(st.state, st.state))}"
            style = (f"background:{colour}; color:{'white' if dark else INK}; border-radius:9px; padding:2px 8px; "
                     "font-weight:bold;")
            if b.text() != text:
                b.setText(text)
                b.setToolTip(st.detail or st.state)
                b.setStyleSheet(style)
            b.show()
        parts = []
        if v.tracking_fps:
            parts.append(self.tr("tracking {n}/s").format(n=f"{v.tracking_fps:.0f}"))
        if display_latency_ms is not None:
            parts.append(self.tr("to screen {n} ms").format(n=f"{display_latency_ms:.0f}"))
        text = " · ".join(parts)
        if self.tech_label.text() != text:
            self.tech_label.setText(text)
            self.tech_label.setToolTip(v.tracker)

    def _show_last_units(self, v: ViewState, contract: Contract | None) -> None:
        """The last three units done (reps, jumps, holds): quality as a word and a shape, flags in words."""
        if contract is None or not contract.quality_events:
            if self.reps_label.text():
                self.reps_label.setText("")
            self.reps_label.hide()  # nothing counted one by one (a path, a stance): no empty row
            return
        self.reps_label.show()
        units = [e for e in v.events if e.kind in contract.quality_events][-3:]
        if not units:
            text = f"<span style='color:#777'>{html.escape(self.tr('Last three: none yet'))}</span>"
        else:
            bits = []
            for e in units:
                q = quality_of(e.kind, e.value, e.unit, e.payload, contract.quality_events)
                word, shape, colour = quality_word(q)
                flags = [contract.flag_label(f) for f in str(e.payload.get("flags") or "").split(",") if f.strip()]
                bits.append(f"<span style='color:{colour}'>{shape}</span> {html.escape(self.tr(word))}"
                            + (f": <i>{html.escape(', '.join(ctr(f) for f in flags))}</i>" if flags else ""))
            text = html.escape(self.tr("Last three:")) + " " + " &nbsp;·&nbsp; ".join(bits)
        if self.reps_label.text() != text:
            self.reps_label.setText(text)



def _remembered_sensory(code: str | None) -> SensorySettings | None:
    """The sensory settings last chosen for this child (#22), ``None`` without a valid code or a choice."""
    from station.plans import child_sensory

    try:
        return child_sensory(code) if code else None
    except InputError:
        return None
