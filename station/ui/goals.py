"""Goals on the dashboard: the goal form (it reads like the sentence it builds, with a live preview of how
the child's past trials would have scored) and the small goals panel of the History tab.

Everything a goal is and how it is judged lives in :mod:`station.goals`; these widgets only edit a
:class:`~station.goals.GoalSpec` and show :class:`~station.goals.Evaluation` s. Database reads and writes
run on the dashboard's worker threads (``run_in_background``); the preview itself is pure and instant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

import exercises
from station.core import InputError
from station.goals import (
    Criterion,
    GoalSpec,
    Progress,
    TrialPoint,
    evaluate,
    goal_values,
    make_spec,
    propose_levels,
    summary_t_score,
)
from station.ui.palette import GREEN, VERMILLION

log = logging.getLogger(__name__)
Runner = Callable[[Callable[[], Any], Callable[[Any], None]], Any]


class GoalForm(QWidget):
    """``P-017 will reach [Mean deviation] [at most] [5] mm in [tracing] in [4] of the last [5] tries,
    with [mode=tabletop], by [2027-03-01]`` + GAS levels, with a live preview over the child's past trials."""

    saved = Signal(object)  # the stored Goal

    def __init__(self, participant: str, trials: list[TrialPoint] | None = None, *, db: Any = None,
                 run: Runner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.participant = participant
        self.trials = list(trials or [])
        self.db = db
        self._run = run
        self.spec: GoalSpec | None = None
        root = QVBoxLayout(self)
        root.addWidget(QLabel("<b>New goal</b> — it reads like the sentence it builds"))
        row1 = QHBoxLayout()
        row1.addWidget(QLabel(f"<b>{participant}</b> will reach"))
        self.metric_box = QComboBox()
        self.direction = QComboBox()
        self.direction.addItems(["at least", "at most"])
        self.threshold = QDoubleSpinBox()
        self.threshold.setDecimals(3)
        self.threshold.setRange(-1e6, 1e6)
        self.unit = QComboBox()
        for w in (self.metric_box, self.direction, self.threshold, self.unit):
            row1.addWidget(w)
        row1.addWidget(QLabel("in"))
        self.exercise = QComboBox()
        self.exercise.addItems(exercises.names())
        row1.addWidget(self.exercise)
        row1.addStretch(1)
        root.addLayout(row1)
        row2 = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.addItems(["in K of the last N tries", "in N sessions in a row", "as the best try of a session"])
        self.k = QSpinBox()
        self.k.setRange(1, 100)
        self.k.setValue(4)
        self.n = QSpinBox()
        self.n.setRange(1, 100)
        self.n.setValue(5)
        row2.addWidget(self.kind)
        row2.addWidget(QLabel("K"))
        row2.addWidget(self.k)
        row2.addWidget(QLabel("N"))
        row2.addWidget(self.n)
        row2.addWidget(QLabel(", with"))
        self.require = QLineEdit()
        self.require.setPlaceholderText("settings that must hold, e.g. mode=tabletop")
        row2.addWidget(self.require, 1)
        row2.addWidget(QLabel(", by"))
        self.by = QDateEdit(QDate.currentDate().addMonths(3))
        self.by.setDisplayFormat("yyyy-MM-dd")
        self.by.setCalendarPopup(True)
        row2.addWidget(self.by)
        root.addLayout(row2)
        row3 = QHBoxLayout()
        row3.addWidget(QLabel("GAS levels"))
        self.gas: list[QDoubleSpinBox] = []
        for lv in (-2, -1, 0, 1, 2):
            row3.addWidget(QLabel(f"{lv:+d}"))
            sb = QDoubleSpinBox()
            sb.setDecimals(3)
            sb.setRange(-1e6, 1e6)
            sb.setSpecialValueText("–")
            self.gas.append(sb)
            row3.addWidget(sb)
        self.use_gas = QPushButton("Propose from baseline")
        self.use_gas.setToolTip("-1 = the child's baseline (last 5 tries that count), 0 = the goal; the therapist edits them")
        self.use_gas.clicked.connect(self.propose)
        self.clear_gas = QPushButton("No levels")
        self.clear_gas.clicked.connect(self._clear_levels)
        row3.addWidget(self.use_gas)
        row3.addWidget(self.clear_gas)
        row3.addStretch(1)
        root.addLayout(row3)
        self.sentence = QLabel("")
        self.sentence.setWordWrap(True)
        self.sentence.setObjectName("goal_sentence")
        root.addWidget(self.sentence)
        self.preview = QLabel("")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        root.addWidget(self.preview)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.save_btn = QPushButton("Save goal")
        self.save_btn.clicked.connect(self.save)
        buttons.addWidget(self.save_btn)
        root.addLayout(buttons)
        self.error = QLabel("")
        self.error.setStyleSheet(f"color:{VERMILLION}")
        root.addWidget(self.error)
        for sb in self.gas:
            sb.setValue(sb.minimum())
        self.exercise.currentTextChanged.connect(self._metrics_of)
        self.metric_box.currentIndexChanged.connect(self._metric_chosen)
        for sig in (self.direction.currentIndexChanged, self.threshold.valueChanged, self.unit.currentIndexChanged,
                    self.kind.currentIndexChanged, self.k.valueChanged, self.n.valueChanged, self.require.textChanged,
                    self.by.dateChanged, *(sb.valueChanged for sb in self.gas)):
            sig.connect(self.update_preview)
        self._metrics_of(self.exercise.currentText())

    # -- building the spec --------------------------------------------------------------------------
    def _metrics_of(self, name: str) -> None:
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        for m in exercises.get(name).contract.headline:
            self.metric_box.addItem(f"{m.label} ({m.name})", m)
        self.metric_box.blockSignals(False)
        self._metric_chosen()

    def _metric_chosen(self) -> None:
        from station.goals import ALT_UNITS

        m = self.metric_box.currentData()
        if m is None:
            return
        self.unit.blockSignals(True)
        self.unit.clear()
        self.unit.addItems([m.unit, *ALT_UNITS.get(m.unit, ())])
        self.unit.blockSignals(False)
        self.direction.setCurrentIndex(1 if m.higher_is_better is False else 0)
        self.update_preview()

    def set_goal(self, exercise: str, metric: str, direction: str, threshold: float, *, unit: str | None = None,
                 criterion: str = "4-of-5", require: str = "", by: str | None = None) -> None:
        """Fill the form (tests, and editing an existing goal)."""
        self.exercise.setCurrentText(exercises.get(exercise).name)
        i = next(i for i in range(self.metric_box.count()) if self.metric_box.itemData(i).name == metric)
        self.metric_box.setCurrentIndex(i)
        if unit:
            self.unit.setCurrentText(unit)
        self.direction.setCurrentIndex(0 if direction == "at_least" else 1)
        self.threshold.setValue(threshold)
        c = Criterion.parse(criterion)
        self.kind.setCurrentIndex({"k-of-n": 0, "in-a-row": 1, "best": 2}[c.kind])
        self.n.setValue(c.n)
        self.k.setValue(c.k)
        self.require.setText(require)
        if by:
            self.by.setDate(QDate.fromString(by, "yyyy-MM-dd"))
        self.update_preview()

    def _criterion(self) -> Criterion:
        kind = self.kind.currentIndex()
        if kind == 0:
            return Criterion.parse(f"{self.k.value()}-of-{self.n.value()}")
        if kind == 1:
            return Criterion.parse(f"{self.n.value()}-in-a-row")
        return Criterion.parse("best")

    def _levels(self) -> list[float] | None:
        vals = [sb.value() for sb in self.gas]
        if all(sb.value() == sb.minimum() for sb in self.gas):
            return None
        return vals

    def build(self, *, with_levels: bool = True) -> GoalSpec:
        from exercises.registry import parse_sets

        m = self.metric_box.currentData()
        require = [p for p in self.require.text().replace(",", " ").split() if p]
        return make_spec(self.participant, exercise=self.exercise.currentText(), family=None, metric=m.name,
                         direction="at_least" if self.direction.currentIndex() == 0 else "at_most", threshold=self.threshold.value(),
                         criterion=self._criterion(), unit=self.unit.currentText(), target_date=self.by.date().toString("yyyy-MM-dd"),
                         settings=parse_sets(require), gas=self._levels() if with_levels else None)

    # -- preview ---------------------------------------------------------------------------------------
    def update_preview(self) -> None:
        try:
            spec = self.build()
        except InputError as exc:
            self.spec = None
            self.sentence.setText("")
            self.preview.setText("")
            self.error.setText(str(exc))
            self.save_btn.setEnabled(False)
            return
        self.error.setText("")
        self.save_btn.setEnabled(True)
        self.spec = spec
        self.sentence.setText(f"“{spec.sentence()}”")
        ev = evaluate(spec, self.trials)
        pts = goal_values(spec, self.trials)[-12:]
        marks = " ".join(f"<span style='color:{GREEN if spec.reaches(v) else VERMILLION}'>{'✔' if spec.reaches(v) else '✘'} {v:.3g}</span>"
                         for _, v in pts)
        head = (f"<b>On the past tries:</b> {ev.words(spec)}" + (" — <b>would be met</b>" if ev.met else "")
                + f" · {ev.n_trials} tries count · trend {ev.trend}" + ("" if ev.level is None else f" · GAS level {ev.level:+d}"))
        self.preview.setText(head + (f"<br>last tries: {marks}" if marks else "<br><i>no past tries count for this goal yet</i>"))

    def _clear_levels(self) -> None:
        """'No levels': every goal-attainment level back to its minimum."""
        for sb in self.gas:
            sb.setValue(sb.minimum())

    def propose(self) -> None:
        try:
            spec = self.build(with_levels=False)
        except InputError as exc:
            self.error.setText(str(exc))
            return
        levels = propose_levels(spec, self.trials)
        if levels is None:
            self.error.setText("no baseline to propose levels from (no tries count, or the baseline already reaches the goal)")
            return
        for sb, v in zip(self.gas, levels, strict=True):
            sb.setValue(v)

    def save(self) -> None:
        if self.spec is None or self.db is None:
            return
        from station.goals import add_goal

        spec, db = self.spec, self.db

        def done(res: Any) -> None:
            if isinstance(res, Exception):
                self.error.setText(f"not saved: {res}")
            else:
                self.saved.emit(res)

        if self._run is not None:
            self._run(lambda: add_goal(db, spec), done)
        else:
            done(add_goal(db, spec))


class GoalsPanel(QWidget):
    """The History tab's goals: one row per goal (in plain words), its trend and GAS level, the T-score."""

    new_goal = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel("Goals")
        top.addWidget(self.title, 1)
        self.add_btn = QPushButton("New goal…")
        self.add_btn.clicked.connect(self.new_goal.emit)
        top.addWidget(self.add_btn)
        lay.addLayout(top)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["goal", "trend", "GAS", "as written"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.table)

    def show_progress(self, items: list[Progress]) -> None:
        ts, n = summary_t_score(items)
        self.title.setText(f"Goals ({len(items)})" + (f" · GAS T-score {ts:.1f} over {n}" if ts is not None else ""))
        self.table.setRowCount(len(items))
        for i, p in enumerate(items):
            e, s = p.evaluation, p.goal.spec
            vals = [("✔ " if e.met else "") + e.words(s), e.trend, "–" if e.level is None else f"{e.level:+d}", s.sentence()]
            for j, v in enumerate(vals):
                self.table.setItem(i, j, QTableWidgetItem(v))


def status_line(items: list[Progress]) -> str:
    """The quiet one-line goals status shown during play."""
    if not items:
        return ""
    return "Goals: " + " · ".join(p.evaluation.words(p.goal.spec) for p in items)
