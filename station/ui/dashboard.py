"""The therapist's dashboard: participant, plan and difficulty, start/pause/stop, live charts, status,
notes, end summary and history.

The dashboard never runs a session itself: ``start_requested(participant, plan)`` is emitted and the
window (composition in :mod:`station.session.build`) builds and starts a :class:`~station.session.control.SessionController`.
Database reads (participants, history) and writes (notes) run on short worker threads; results come
back through a queued Qt signal, so the UI never blocks on I/O.
"""

from __future__ import annotations

import html
import logging
import math
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
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
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import exercises
from station.core import InputError
from station.plans import HistoryRow, PlanItem, SensorySettings, SessionPlan, check_code, load_plan, save_plan
from station.session import SessionSummary
from station.session.model import ViewState, headline
from station.ui.charts import LiveCharts
from station.ui.palette import GREEN, INK, ORANGE, PAPER, STATE_COLOURS, VERMILLION

log = logging.getLogger(__name__)

STYLE = f"""
QWidget {{ font-size: 13px; color: {INK}; }}
QWidget#dashboard {{ background: {PAPER}; }}
QPushButton {{ padding: 6px 12px; border-radius: 6px; border: 1px solid #8a8a8a; background: white; }}
QPushButton:disabled {{ color: #9a9a9a; background: #eeeeee; }}
QPushButton#start {{ background: {GREEN}; color: white; font-weight: bold; font-size: 16px; min-width: 96px; min-height: 36px; }}
QPushButton#pause {{ background: {ORANGE}; color: {INK}; font-weight: bold; font-size: 16px; min-width: 96px; min-height: 36px; }}
QPushButton#stop {{ background: {VERMILLION}; color: white; font-weight: bold; font-size: 16px; min-width: 96px; min-height: 36px; }}
QPushButton#start:disabled, QPushButton#pause:disabled, QPushButton#stop:disabled {{ background: #d9d9d9; color: #8a8a8a; }}
QLabel#banner {{ font-size: 15px; font-weight: bold; }}
QLabel#error {{ color: {VERMILLION}; }}
QFrame#card {{ background: white; border: 1px solid #d0ccc0; border-radius: 8px; }}
"""


class _Relay(QObject):
    """Carries results of worker threads back to the UI thread (queued connection)."""

    done = Signal(object, object)  # (callback, result)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "–" if not math.isfinite(v) else f"{v:.3g}"
    if isinstance(v, tuple | list):
        return ",".join(_fmt(x) for x in v)
    return "–" if v is None else str(v)


class Dashboard(QWidget):
    """Controls, live charts, status, notes, summary and history."""

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

        root = QVBoxLayout(self)
        root.setContentsMargins(10, 8, 10, 8)
        root.setSpacing(8)

        # -- top bar: who, what is running, controls, status ---------------------------------------
        top = QHBoxLayout()
        top.addWidget(QLabel("Participant"))
        self.participant = QComboBox()
        self.participant.setEditable(True)
        self.participant.setMinimumWidth(120)
        self.participant.setToolTip("Pseudonymous code only (e.g. P-017), never a name")
        top.addWidget(self.participant)
        self.banner = QLabel("Ready")
        self.banner.setObjectName("banner")
        top.addWidget(self.banner, 1)
        root.addLayout(top)
        mid = QHBoxLayout()
        self.start_btn = QPushButton("▶ Start")
        self.start_btn.setObjectName("start")
        self.start_btn.setToolTip("Start the plan (Space)")
        self.pause_btn = QPushButton("❚❚ Pause")
        self.pause_btn.setObjectName("pause")
        self.pause_btn.setToolTip("Pause / resume (Space)")
        self.stop_btn = QPushButton("■ Stop")
        self.stop_btn.setObjectName("stop")
        self.stop_btn.setToolTip("End the trial and the session; everything recorded is kept (Esc)")
        self.start_btn.clicked.connect(self._on_start)
        self.pause_btn.clicked.connect(self.pause_requested.emit)
        self.stop_btn.clicked.connect(self.stop_requested.emit)
        self.easier_btn = QPushButton("− easier")
        self.harder_btn = QPushButton("+ harder")
        for b, d in ((self.easier_btn, -1), (self.harder_btn, +1)):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setToolTip("Step the difficulty of the next trial (tolerances, targets, holds)")
            b.clicked.connect(lambda _=False, d=d: self.difficulty_requested.emit(d))
        mid.addWidget(QLabel("Difficulty (next trial):"))
        mid.addWidget(self.easier_btn)
        mid.addWidget(self.harder_btn)
        self.difficulty_label = QLabel("")
        mid.addWidget(self.difficulty_label, 1)
        self.sensory: SensorySettings | None = None  # the child's sound, language and sensory settings (#22)
        self.sound_btn = QPushButton("Sound and language…")
        self.sound_btn.clicked.connect(self._sound_dialog)
        mid.addWidget(self.sound_btn)
        for b in (self.start_btn, self.pause_btn, self.stop_btn):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            mid.addWidget(b)
        root.addLayout(mid)
        self.status_label = QLabel("")
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        root.addWidget(self.status_label)

        self.metrics_label = QLabel("")
        self.metrics_label.setTextFormat(Qt.TextFormat.RichText)
        root.addWidget(self.metrics_label)
        self.goals_label = QLabel("")  # quiet: one grey line, where the child stands on their goals
        self.goals_label.setStyleSheet("color:#777")
        root.addWidget(self.goals_label)

        self.charts = LiveCharts()
        root.addWidget(self.charts, 5)

        # -- bottom: plan / summary / history tabs, notes ----------------------------------------
        bottom = QHBoxLayout()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._plan_tab(), "Plan")
        self.summary_table = self._table(["trial", "exercise", "reps", "stars", "main metrics"])
        self.tabs.addTab(self.summary_table, "Summary")
        self.history_table = self._table(["date (UTC)", "status", "source", "place", "trial", "exercise", "reps", "metric", "value"])
        from station.ui.goals import GoalsPanel

        self.goals_panel = GoalsPanel()
        self.goals_panel.new_goal.connect(self.open_goal_form)
        history_tab = QWidget()
        hl = QVBoxLayout(history_tab)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addWidget(self.goals_panel, 2)
        hl.addWidget(self.history_table, 3)
        self.tabs.addTab(history_tab, "History")
        self.goal_dialog: Any = None
        self._goals_key: tuple[Any, ...] | None = None
        bottom.addWidget(self.tabs, 3)
        notes_box = QVBoxLayout()
        notes_box.addWidget(QLabel("Notes (saved with the session)"))
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Observations, prompts given, mood…")
        notes_box.addWidget(self.notes)
        bottom.addLayout(notes_box, 1)
        root.addLayout(bottom, 3)

        self.error_label = QLabel("")
        self.error_label.setObjectName("error")
        root.addWidget(self.error_label)
        # live labels change text 30 times a second: their size must not depend on it, or every
        # change re-lays out (and repaints) the whole dashboard
        for lab in (self.banner, self.status_label, self.metrics_label, self.goals_label, self.difficulty_label, self.error_label):
            lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            lab.setMinimumHeight(lab.fontMetrics().height() + 6)
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
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    def _plan_tab(self) -> QWidget:
        w = QWidget()
        lay = QHBoxLayout(w)
        left = QVBoxLayout()
        form = QFormLayout()
        self.exercise = QComboBox()
        self.exercise.addItems(exercises.names())
        self.exercise.currentTextChanged.connect(self._build_settings_form)
        form.addRow("Exercise", self.exercise)
        self.reps_spin = QSpinBox()
        self.reps_spin.setRange(0, 500)
        self.reps_spin.setSpecialValueText("no target")
        form.addRow("Repetitions", self.reps_spin)
        self.duration_spin = QDoubleSpinBox()
        self.duration_spin.setRange(0, 3600)
        self.duration_spin.setSuffix(" s")
        self.duration_spin.setSpecialValueText("until done")
        self.duration_spin.setValue(30)
        form.addRow("Duration", self.duration_spin)
        self.rest_spin = QDoubleSpinBox()
        self.rest_spin.setRange(0, 600)
        self.rest_spin.setSuffix(" s")
        self.rest_spin.setValue(5)
        form.addRow("Rest after", self.rest_spin)
        left.addLayout(form)
        self.settings_frame = QFrame()
        self.settings_form = QGridLayout(self.settings_frame)
        self.settings_form.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.settings_frame)
        add = QPushButton("Add to plan ↓")
        add.clicked.connect(self._add_item)
        left.addWidget(add)
        left.addStretch(1)
        lay.addLayout(left, 1)
        right = QVBoxLayout()
        self.plan_list = QListWidget()
        right.addWidget(self.plan_list)
        row = QHBoxLayout()
        for text, fn in (("Remove", self._remove_item), ("↑", lambda: self._move(-1)), ("↓", lambda: self._move(1)),
                         ("Load…", self._load_dialog), ("Save…", self._save_dialog)):
            b = QPushButton(text)
            b.clicked.connect(fn)
            row.addWidget(b)
        right.addLayout(row)
        lay.addLayout(right, 1)
        self._build_settings_form(self.exercise.currentText())
        return w

    def _build_settings_form(self, name: str) -> None:
        while self.settings_form.count():
            item = self.settings_form.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self._settings_edits.clear()
        self._defaults.clear()
        if not name:
            return
        cls = exercises.get(name)
        for k, (fname, field) in enumerate(cls.Settings.model_fields.items()):
            default = _fmt(field.default) if field.default is not None else ""
            edit = QLineEdit(default)
            edit.setToolTip(field.description or f"{fname} (default {default})")
            self._settings_edits[fname] = edit
            self._defaults[fname] = default
            self.settings_form.addWidget(QLabel(fname), k // 2, (k % 2) * 2)
            self.settings_form.addWidget(edit, k // 2, (k % 2) * 2 + 1)

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
            bits = [f"{k}={_fmt(v)}" for k, v in it.settings.items()]
            if it.reps:
                bits.append(f"{it.reps} reps")
            if it.duration_s:
                bits.append(f"{it.duration_s:g} s")
            if it.rest_s:
                bits.append(f"rest {it.rest_s:g} s")
            self.plan_list.addItem(f"{i + 1}. {it.title()}  ({', '.join(bits) or 'defaults'})")

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
        path, _ = QFileDialog.getOpenFileName(self, "Load plan", "", "Plans (*.toml)")
        if path:
            try:
                self.load_plan_file(path)
            except InputError as exc:
                self.error_label.setText(str(exc))

    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save plan", "plan.toml", "Plans (*.toml)")
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
        self.pause_btn.setText("▶ Resume" if paused else "❚❚ Pause")
        self.stop_btn.setEnabled(running)
        self.participant.setEnabled(not running)
        self.easier_btn.setEnabled(running)
        self.harder_btn.setEnabled(running)

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
            self.goals_label.setText(f"goals unavailable: {items}")
            return
        from station.ui.goals import status_line

        self.goals_panel.show_progress(items)
        self.goals_label.setText(html.escape(status_line(items)))

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
            self.error_label.setText(f"past trials unavailable: {trials}")
            return
        from PySide6.QtWidgets import QDialog

        from station.ui.goals import GoalForm

        dlg = QDialog(self)
        dlg.setWindowTitle(f"New goal for {code}")
        lay = QVBoxLayout(dlg)
        form = GoalForm(code, trials, db=self.db, run=self.run_in_background)
        lay.addWidget(form)
        form.saved.connect(lambda _g: (dlg.accept(), self.load_goals(code)))
        self.goal_dialog = dlg
        dlg.setModal(False)
        dlg.show()

    def show_history(self, rows: Any) -> None:
        if isinstance(rows, Exception):
            self.error_label.setText(f"history unavailable: {rows}")
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
            shown = headline(spec.exercise, res.metrics, res.units)
            st = stars[i] if i < len(stars) else None
            for j, v in enumerate((str(i + 1), spec.label or spec.exercise, str(res.reps), "★" * (st or 0), "; ".join(shown))):
                t.setItem(i, j, QTableWidgetItem(v))
        self.tabs.setCurrentWidget(self.summary_table)

    def save_notes(self) -> threading.Thread | None:
        if self.db is None or self.session_id is None:
            return None
        from station.plans import save_notes

        sid, text = self.session_id, self.notes.toPlainText()
        return self.run_in_background(lambda: save_notes(self.db, sid, text), lambda res: None)

    # -- live refresh ----------------------------------------------------------------------------
    def show_view(self, v: ViewState, display_latency_ms: float | None) -> None:
        """Labels from the latest view (called by the window's timer)."""
        if v.session_id:
            self.session_id = v.session_id
            key = (v.session_id, v.trial, v.phase == "done")
            if key != self._goals_key:  # a trial ended: where the child stands now (real trials only)
                self._goals_key = key
                try:
                    self.load_goals(check_code(self.participant.currentText()))
                except InputError:
                    pass
        phase = {"idle": "Ready", "countdown": f"Get ready… {math.ceil(v.phase_remaining_s)}", "play": "Playing",
                 "paused": "Paused", "celebrate": "Well done!", "rest": f"Rest {math.ceil(v.phase_remaining_s)} s",
                 "done": "Session complete", "error": "Session failed", "retry": "Trial failed (no score)"}[v.phase]
        n = len(v.schedule)
        what = f"Trial {min(v.trial + 1, n)}/{n}: {v.label}" if n else v.label
        self.banner.setText(f"{phase} — {what}  ·  {v.elapsed_s:4.1f} s  ·  reps {v.reps}" + (f"/{v.target_reps}" if v.target_reps else ""))
        if v.exercise:
            from station.plans import describe_difficulty

            self.difficulty_label.setText(describe_difficulty(v.exercise, v.settings))
        self.charts.show_kinds(v.inputs, reps=(v.contract is not None and v.contract.chart == "reps") or bool(v.target_reps) or v.reps > 0)
        parts = []
        for st in v.status:
            colour = STATE_COLOURS.get(st.state, INK)
            parts.append(f"<span style='color:{colour}'>●</span> {st.name}: {st.state}" + (f" {st.rate_hz:.0f} Hz" if st.rate_hz else ""))
        if v.tracking_fps:
            parts.append(f"tracking {v.tracking_fps:.0f} fps")
        if v.inference_ms is not None:
            parts.append(f"inference {v.inference_ms:.0f} ms")
        if display_latency_ms is not None:
            parts.append(f"to screen {display_latency_ms:.0f} ms")
        if v.tracker:
            parts.append(html.escape(v.tracker))
        self.status_label.setText(" · ".join(parts) or "<span style='color:#888'>no input yet</span>")
        live = "  ".join(f"<b>{k}</b> {_fmt(val)}" for k, val in v.live.items() if not k.startswith("_"))  # "_": for the child view
        sway = self.charts.sway_area
        if math.isfinite(sway):
            live += f"  <b>sway ellipse</b> {sway:.3g} {v.cop_unit}²"
        self.metrics_label.setText(live)
        if v.error:
            self.error_label.setText(v.error)


def _remembered_sensory(code: str | None) -> SensorySettings | None:
    """The sensory settings last chosen for this child (#22), ``None`` without a valid code or a choice."""
    from station.plans import child_sensory

    try:
        return child_sensory(code) if code else None
    except InputError:
        return None
