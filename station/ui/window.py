"""The station's windows: the therapist's dashboard and the child's view, in one window or two screens.

One screen: one window, the child view on the left and the dashboard on the right (a splitter).
Several screens (``child_screen`` given): the child view is its own window, full screen on that
monitor, and the dashboard stays on the therapist's screen.

A single :class:`~PySide6.QtCore.QTimer` (``hz``, default 30) pulls one :class:`ViewState` from the
live model, draws the child view and updates the charts; nothing else touches the widgets.
Keys (ignored while typing in a text field): Space start / pause / resume, Esc stop, F11 full screen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QWidget

from exercises.contract import Pictogram
from station.plans import SessionPlan
from station.session.control import SessionController
from station.session.model import LiveModel, grip_zone
from station.ui.child_view import ChildView
from station.ui.dashboard import Dashboard, difficulty_words

log = logging.getLogger(__name__)

SessionFactory = Callable[[str, SessionPlan], tuple[SessionController, LiveModel]]
"""Builds (controller, model) for a participant code and a plan (see :func:`station.session.build.make_session_factory`)."""


class ChildWindow(QWidget):
    """The child view alone, for a second monitor or TV."""

    def __init__(self, view: ChildView) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Motor Station — play"))
        from PySide6.QtWidgets import QVBoxLayout

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(view)
        self.view = view


class StationWindow(QMainWindow):
    """Dashboard + child view, the refresh timer and the session lifecycle."""

    def __init__(
        self,
        factory: SessionFactory,
        db: Any = None,
        *,
        child_screen: int | None = None,
        hz: float = 30.0,
        clock_ns: Callable[[], int] | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("Motor Station"))
        self.factory = factory
        self.controller: SessionController | None = None
        self.session_ids: list[str] = []
        """Every session started in this window, in order (``station run`` reports them when it ends)."""
        self.model: LiveModel | None = None
        self.dashboard = Dashboard(db)
        self.child_view = ChildView()
        self.child_window: ChildWindow | None = None
        self._clock_ns = clock_ns or time.perf_counter_ns
        self._t_start = time.monotonic()
        self._finished_shown = False
        self._starting = False
        self._idle_ticks = 0
        self.refresh_ms: list[float] = []
        self.latency_ms: list[float] = []
        """Movement-to-screen latency per new frame: frame time to the refresh that draws it (ms)."""
        self._last_obs_t: int | None = None
        self._chart_key: tuple[object, ...] | None = None
        if child_screen is None:
            split = QSplitter(Qt.Orientation.Horizontal)
            split.addWidget(self.child_view)
            split.addWidget(self.dashboard)
            split.setStretchFactor(0, 5)
            split.setStretchFactor(1, 6)
            split.setSizes([700, 900])
            self.setCentralWidget(split)
        else:
            self.setCentralWidget(self.dashboard)
            self.child_window = ChildWindow(self.child_view)
            screens = QGuiApplication.screens()
            if 0 <= child_screen < len(screens):
                geo = screens[child_screen].geometry()
                self.child_window.setGeometry(geo)
                self.child_window.setScreen(screens[child_screen])
                self._child_full = True
            else:
                log.warning("screen %d not found (%d screen(s)): the child view opens as a normal window", child_screen, len(screens))
                self.child_window.resize(1280, 720)
                self._child_full = False
        self.dashboard.start_requested.connect(self.start_session)
        self.dashboard.pause_requested.connect(self.toggle_pause)
        self.dashboard.stop_requested.connect(self.stop_session)
        self.dashboard.difficulty_requested.connect(self.step_difficulty)
        # Window shortcuts: text fields claim Space while typing (ShortcutOverride), so notes stay typeable
        self.shortcuts = []
        for key in (Qt.Key.Key_Space, Qt.Key.Key_Escape, Qt.Key.Key_F11, Qt.Key.Key_B, Qt.Key.Key_R, Qt.Key.Key_D, Qt.Key.Key_P):
            for w in (self, self.child_window) if self.child_window is not None else (self,):
                sc = QShortcut(QKeySequence(key), w)
                sc.setContext(Qt.ShortcutContext.WindowShortcut)
                sc.activated.connect(lambda key=key: self.handle_key(key))
                self.shortcuts.append(sc)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(max(1, round(1000 / hz)))
        self.timer.timeout.connect(self.refresh)
        self.timer.start()  # the child view animates while waiting, too
        from station.ui.person_picker import attach_person_picker  # issue 16: who is scored, click to choose

        self.person_picker = attach_person_picker(self)

    def show_all(self) -> None:
        self.show()
        if self.child_window is not None:
            if self._child_full:
                self.child_window.showFullScreen()
            else:
                self.child_window.show()

    # -- session lifecycle -----------------------------------------------------------------------
    def start_session(self, participant: str, plan: SessionPlan) -> None:
        """Build the session on a worker thread (opening devices and loading models may take seconds:
        the UI must not freeze), then start it."""
        if self._starting or (self.controller is not None and self.controller.running):
            return
        self._starting = True
        self.dashboard.start_btn.setEnabled(False)
        self.dashboard.banner.setText(self.tr("Preparing…"))
        self.dashboard.run_in_background(lambda: self.factory(participant, plan), lambda res: self._start_built(participant, res))

    def _start_built(self, participant: str, res: object) -> None:
        self._starting = False
        if isinstance(res, BaseException):  # bad plan or unavailable source: show it, keep the station open
            self.dashboard.error_label.setText(str(res))
            self.dashboard.set_running(False)
            self.dashboard.banner.setText(self.tr("Ready"))
            return
        self.controller, self.model = res  # type: ignore[misc]
        assert self.controller is not None
        self.session_ids.append(self.controller.runner.session_id)
        self._finished_shown = False
        self.dashboard.charts.reset()
        self.controller.start()
        self.dashboard.set_running(True)
        self.dashboard.load_history(participant)

    def toggle_pause(self) -> None:
        if self.controller is not None and self.controller.running:
            self.controller.toggle_pause()
            self.dashboard.set_running(True, self.controller.paused)

    def stop_session(self) -> None:
        if self.controller is not None and self.controller.running:
            self.controller.stop()

    def step_difficulty(self, steps: int) -> None:
        if self.controller is None:
            return
        res = self.controller.step_difficulty(steps)
        if res is None:
            self.dashboard.error_label.setText(self.tr("no trial left to change"))
        else:
            i, new = res
            self.dashboard.error_label.setText("")
            spec = self.controller.trials[i].spec
            self.dashboard.difficulty_label.setText(self.tr("trial {n}: ").format(n=i + 1) + difficulty_words(spec.exercise, new))

    def handle_key(self, key: int) -> bool:
        if key == Qt.Key.Key_Space:
            if self.controller is None or not self.controller.running:
                if self.controller is None or self.model is None or self.model.phase in ("done", "error", "idle"):
                    self.dashboard.start_btn.click()
            else:
                self.toggle_pause()
            return True
        if key == Qt.Key.Key_Escape:
            self.stop_session()
            return True
        if key in (Qt.Key.Key_B, Qt.Key.Key_R) and self.controller is not None and self.controller.running:
            # B: a calm-down break (pauses the trial, the breathing balloon; B again resumes); R: repeat the instruction
            self.controller.toggle_break() if key == Qt.Key.Key_B else self.controller.repeat_instruction()
            return True
        if key in (Qt.Key.Key_D, Qt.Key.Key_P) and self.controller is not None and self.controller.running:
            # a picture-schedule routine: D = the child did this step (therapist's mark), P = a prompt was given
            from exercises.routine import THERAPIST

            THERAPIST.put("done" if key == Qt.Key.Key_D else "prompt")
            return True
        if key == Qt.Key.Key_F11:
            target = self.child_window if self.child_window is not None else self
            if target.isFullScreen():
                target.showNormal()
            else:
                target.showFullScreen()
            return True
        return False

    # -- the refresh -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """One UI refresh: copy the model's state and draw it (runs on the UI thread's timer)."""
        if self.model is None:
            self._idle_ticks += 1
            if self._idle_ticks % 3 == 0:  # the waiting screen needs no more than 10 frames a second
                self.child_view.idle_pictogram = self._next_pictogram()
                self.child_view.show_idle(time.monotonic() - self._t_start)
            return
        t0 = time.perf_counter()
        v = self.model.view()
        trail = None
        if "balance" in v.inputs:
            t, xy = self.model.cop.snapshot()
            if len(t):
                trail = xy[t >= t[-1] - 2_000_000_000]
        self.child_view.cop_trail = trail
        self.child_view.show_state(self.controller.break_view(v) if self.controller is not None else v, time.monotonic() - self._t_start)
        tol = v.settings.get("tolerance") if "hand" in v.inputs else None
        chart_key = (v.session_id, v.trial)
        if chart_key != self._chart_key:  # a new trial: nothing of the previous one stays on the charts
            self._chart_key = chart_key
            self.dashboard.charts.reset()
        self.dashboard.charts.set_deviation_unit(v.settings.get("mode") in ("tabletop", "physical"))
        self.dashboard.charts.set_tolerance(float(tol) if isinstance(tol, int | float) else None)
        zone = grip_zone(v.live, v.settings) if "grip" in v.inputs else None
        self.dashboard.charts.set_grip_zone(zone, v.grip_unit)
        self.dashboard.charts.update_from(self.model, float(tol) if isinstance(tol, int | float) else None, zone, v.cop_unit)
        lat = (self.model.clock.now_ns() - v.obs_t_ns) / 1e6 if v.obs_t_ns is not None and v.phase == "play" else None
        if lat is not None and v.obs_t_ns != self._last_obs_t:  # frame time -> on screen, once per new frame
            self._last_obs_t = v.obs_t_ns
            self.latency_ms.append(lat)
            del self.latency_ms[:-1000]
        self.dashboard.show_view(v, lat)
        running = self.controller is not None and self.controller.running
        self.dashboard.set_running(running, self.controller.paused if self.controller else False)
        if not running and v.phase in ("done", "error") and not self._finished_shown:
            self._finished_shown = True
            self._on_finished()
        self.refresh_ms.append((time.perf_counter() - t0) * 1e3)
        del self.refresh_ms[:-300]

    def _next_pictogram(self) -> Pictogram | None:
        """The picture of the first exercise of the plan being composed (the waiting screen shows it)."""
        import exercises

        d = self.dashboard
        name = d.plan_items[0].exercise if d.plan_items else d.exercise.currentText()
        c = exercises.contract_of(name) if name else None
        return c.pictogram if c is not None else None

    def _on_finished(self) -> None:
        assert self.controller is not None and self.model is not None
        summary = self.controller.summary
        v = self.model.view()
        if summary is not None:
            self.dashboard.session_id = summary.session_id
            self.dashboard.show_summary(summary, [it.stars for it in v.schedule])
            self.dashboard.save_notes()
            self.dashboard.load_history(summary.participant)
            self.dashboard.refresh_participants()

    def save_screenshots(self, path: str | Path) -> list[Path]:
        """Render the station window to ``path`` and the child view alone to ``<stem>_child<suffix>``."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.refresh()
        QApplication.processEvents()  # let layouts settle before rendering
        self.refresh()
        out = []
        if not self.grab().save(str(p)):
            raise OSError(f"cannot write screenshot {p}")
        out.append(p)
        child = p.with_name(f"{p.stem}_child{p.suffix}")
        if not self.child_view.grab().save(str(child)):
            raise OSError(f"cannot write screenshot {child}")
        out.append(child)
        return out

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop the session (data kept), wait for the worker, save notes."""
        self.timer.stop()
        if self.controller is not None:
            self.controller.stop()
            if not self.controller.join(timeout_s):
                log.warning("session worker still running after %.0f s", timeout_s)
        th = self.dashboard.save_notes()
        if th is not None:
            th.join(timeout_s)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        if self.child_window is not None:
            self.child_window.close()
        super().closeEvent(event)
