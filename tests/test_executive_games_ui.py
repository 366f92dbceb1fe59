"""The child-screen games of copy-the-animals, stop-and-go and breathing, painted offscreen from real
exercise runs on their simulated children (test-artifacts/ui_exec_*.png: look at them), and the cue
onset reported back by the painter (the reaction-time path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QColor, QImage

import exercises
from exercises.cues import BOARD
from station.core import FakeClock
from station.session import LiveState
from station.session.model import LiveModel, ScheduleItem
from station.ui.child_view import ChildView


def _count(img: QImage, hex_colour: str, tol: int = 40) -> int:
    c = QColor(hex_colour)
    ptr = img.convertToFormat(QImage.Format.Format_RGB32).constBits()
    a = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), img.width(), 4)[..., :3].astype(int)
    want = np.array([c.blue(), c.green(), c.red()])
    return int((np.abs(a - want).sum(axis=2) < tol).sum())


def _play_until(name: str, stop: Callable[[dict[str, float]], bool], duration_s: float = 80.0, settings: dict | None = None):  # type: ignore[no-untyped-def]
    cls = exercises.get(name)
    ex = cls(cls.parse_settings(settings or {}))
    clock = FakeClock(start_ns=10**9)
    sched = [ScheduleItem(name, cls.title, tuple(cls.inputs), None, ex.settings.model_dump())]
    model = LiveModel(clock, sched)
    model.begin_trial(0)
    model.start_play(10**9)
    for inp in cls.contract.sim.inputs(ex.settings, t0_ns=10**9, duration_s=duration_s, reps=None, seed=3, image_size=(640, 480)):
        clock.set(inp.t_ns)
        new = ex.step(inp)
        model.on_input(inp)
        model.on_update(LiveState("s", 0, 1, cls.title, name, "synthetic", (inp.t_ns - 10**9) / 1e9, ex.live(), ex.reps(), new, 1))
        if stop(ex.live()):
            return ex, model
    raise AssertionError(f"{name}: the state was never reached")


def _shot(qtbot, model: LiveModel, path: Path) -> QImage:  # type: ignore[no-untyped-def]
    view = ChildView()
    qtbot.addWidget(view)
    view.resize(1000, 640)
    view.show_state(model.view(), 1.0)
    img = view.grab().toImage()
    assert img.save(str(path)), path
    return img


SCREENS = [
    ("copy_animals", "bird", lambda lv: lv["phase"] == 0 and lv["animal"] == 0, "#56B4E9"),
    ("copy_animals", "frog", lambda lv: lv["phase"] == 0 and lv["animal"] == 1, "#009E73"),
    ("copy_animals", "your_turn", lambda lv: lv["phase"] == 1 and lv["done"] >= 1, "#009E73"),
    ("stop_go", "rule", lambda lv: lv["phase"] == 0 and lv["block"] == 0, "#009E73"),
    ("stop_go", "go", lambda lv: lv["phase"] == 1 and lv["cue"] == 1, "#009E73"),
    ("stop_go", "nogo", lambda lv: lv["phase"] == 1 and lv["cue"] == 0, "#0072B2"),
    ("stop_go", "htks_rule", lambda lv: lv["phase"] == 0 and lv["block"] == 3, "#009E73"),
    ("stop_go", "opposites", lambda lv: lv["phase"] == 1 and lv["cue"] >= 2, "#D55E00"),
    ("breathing", "balloon", lambda lv: lv["pacer"] > 0.9, "#56B4E9"),
    ("breathing", "movement", lambda lv: lv["too_much_movement"] > 0.5, "#E69F00"),
]


@pytest.mark.parametrize(("name", "what", "stop", "colour"), SCREENS, ids=[f"{n}-{w}" for n, w, *_ in SCREENS])
def test_game_screens(qtbot, artifacts: Path, name: str, what: str, stop, colour: str) -> None:  # type: ignore[no-untyped-def]
    ex, model = _play_until(name, stop)
    img = _shot(qtbot, model, artifacts / f"ui_exec_{name}_{what}.png")
    assert _count(img, colour) > 400, f"{name}/{what}: its picture ({colour}) is not on the screen"
    key = int(ex.live().get("cue_key", 0))
    if name != "breathing":  # a cue on the screen was reported painted (first paint), with the clock of a live session
        assert key > 0 and BOARD.onset(key).painted_ns is not None


def test_pictograms_of_the_schedule(qtbot, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter

    from station.ui.pictograms import draw_pictogram

    img = QImage(480, 160, QImage.Format.Format_RGB32)
    img.fill(QColor("#FFFFFF"))
    p = QPainter(img)
    for k, name in enumerate(("animals", "stopgo", "breathe")):
        draw_pictogram(p, QRectF(10 + 160 * k, 10, 140, 140), name)  # type: ignore[arg-type]
    p.end()
    img.save(str(artifacts / "ui_exec_pictograms.png"))
    for k, colour in enumerate(("#56B4E9", "#009E73", "#56B4E9")):
        assert _count(img.copy(160 * k, 0, 160, 160), colour) > 100


def test_break_and_repeat_keys_in_the_station_window(qtbot, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    """B starts a calm-down break (the trial pauses, the child screen shows the breathing balloon), B again
    resumes; R asks the current exercise to show its instruction again; typing b or r in the notes does
    neither."""
    from PySide6.QtCore import Qt
    from test_ui_screens import GatedFactory

    from station.plans import PlanItem, SessionPlan
    from station.storage import open_database
    from station.ui.window import StationWindow

    db = open_database(f"sqlite:///{tmp_path / 'ui.db'}")
    factory = GatedFactory(db, gate_at=150)
    win = StationWindow(factory, db)
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    win.dashboard.participant.setEditText("P-219")
    win.dashboard.set_plan(SessionPlan(items=[PlanItem(exercise="copy_animals", duration_s=30)]))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    win.dashboard.start_btn.click()
    qtbot.waitUntil(factory.reached.is_set, timeout=30_000)
    ctl = factory.controller
    assert ctl is not None and ctl.running
    win.dashboard.notes.setFocus()
    qtbot.keyClicks(win.dashboard.notes, "br")
    assert not ctl.on_break and win.dashboard.notes.toPlainText() == "br"
    win.setFocus()
    repeats = BOARD.repeats
    qtbot.keyClick(win, Qt.Key.Key_R)
    assert BOARD.repeats == repeats + 1
    qtbot.keyClick(win, Qt.Key.Key_B)
    assert ctl.on_break and ctl.paused
    win.refresh()
    state = win.child_view.state
    assert state is not None and state.contract is not None and state.contract.game == "breathe"
    child = win.child_view.grab().toImage()
    child.save(str(artifacts / "ui_exec_break_child.png"))
    assert _count(child, "#56B4E9") > 2000  # the balloon
    qtbot.keyClick(win, Qt.Key.Key_B)
    assert not ctl.on_break and not ctl.paused and len(ctl.breaks) == 1
    win.refresh()
    assert win.child_view.state is not None and win.child_view.state.contract.game == "memory"  # type: ignore[union-attr]
    factory.release()
    assert ctl.join(60)
    assert ctl.summary is not None and ctl.summary.status == "complete"
    db.dispose()
