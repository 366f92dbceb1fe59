"""The dashboard at the two screen sizes the station meets (1366x768 laptops, 1920x1080 monitors), for
every exercise family, mid-play with the real simulated child: no widget clipped, no text cut off,
headline values with labels from the contract, the goal bar, badges only for the inputs the trial uses.
Screenshots go to test-artifacts/ (look at them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QLabel, QProgressBar, QPushButton, QScrollArea, QWidget
from test_ui_screens import GatedFactory, _finish, _save, _sensor_model

import exercises
from station.plans import PlanItem, SessionPlan
from station.ui.dashboard import _fmt
from station.ui.window import StationWindow

FAMILIES = {
    "tracing": PlanItem(exercise="tracing", settings={"shape": "wave", "tolerance": 0.04}, duration_s=12),
    "pegboard": PlanItem(exercise="pegboard", duration_s=20),
    "reps": PlanItem(exercise="pushups", reps=8),
    "jumps": PlanItem(exercise="bunny_hops", reps=6),
    "grip": PlanItem(exercise="grip_squeeze", duration_s=10),
    "balance": PlanItem(exercise="balance_quiet_stance", duration_s=10),
}
SIZES = ((1366, 768), (1920, 1080))


def _inside_scroller(w: QWidget, top: QWidget) -> bool:
    p = w.parentWidget()
    while p is not None and p is not top:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def clipped(win: QWidget) -> list[str]:
    """Widgets outside the window and texts that do not fit their widget (widgets inside a scroll area
    scroll, so only the scroll area itself is checked)."""
    bad = []
    frame = win.rect()
    for area in win.findChildren(QScrollArea):  # a form that needs sideways scrolling is cut off
        if area.isVisibleTo(win) and area.widget() is not None and area.widget().width() > area.viewport().width() + 1:
            bad.append(f"scroll area content {area.widget().width()} px wide in a {area.viewport().width()} px view")
    for w in win.findChildren(QWidget):
        if not w.isVisibleTo(win) or w.window() is not win or _inside_scroller(w, win):
            continue
        r = QRect(w.mapTo(win, QPoint(0, 0)), w.size())
        if not frame.contains(r):
            bad.append(f"{type(w).__name__} {w.objectName()!r} at {r.getRect()} outside the window {frame.getRect()}")
        if isinstance(w, QLabel) and w.text():
            need = w.heightForWidth(w.width()) if w.wordWrap() else w.sizeHint().height()
            wide = 0 if w.wordWrap() else w.sizeHint().width()
            if need > w.height() + 1 or wide > w.width() + 1:
                bad.append(f"label {w.text()[:60]!r}: needs {wide}x{need}, has {w.width()}x{w.height()}")
        elif isinstance(w, QPushButton) and w.text():
            h = w.sizeHint()
            if h.width() > w.width() + 1 or h.height() > w.height() + 1:
                bad.append(f"button {w.text()!r}: needs {h.width()}x{h.height()}, has {w.width()}x{w.height()}")
        elif isinstance(w, QProgressBar) and w.format():
            need_w = w.fontMetrics().horizontalAdvance(w.text()) + 8
            if need_w > w.width():
                bad.append(f"bar text {w.text()!r} needs {need_w} px, has {w.width()}")
    return bad


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    from station.storage import open_database

    d = open_database(f"sqlite:///{tmp_path / 'ui.db'}")
    yield d
    d.dispose()


def open_mid_play(qtbot, db, family: str, prepare: Callable[[StationWindow], None] | None = None):  # type: ignore[no-untyped-def]
    """The station window with ``family``'s plan item playing (gated mid-trial), or a device trial's live
    model fed directly (no serial port here). ``prepare(win)`` runs before the window is shown.
    Returns ``(window, factory, device)``."""
    item = FAMILIES[family]
    factory = GatedFactory(db, gate_at=120)
    win = StationWindow(factory, db)
    qtbot.addWidget(win)
    if prepare is not None:
        prepare(win)
    win.resize(*SIZES[0])
    win.show()
    d = win.dashboard
    d.participant.setEditText("P-401")
    d.set_plan(SessionPlan(items=[item]))
    device = family in ("grip", "balance")
    if device:  # a device trial: the live model fed with the device's samples (no serial port in this test)
        win.model = _sensor_model(family)
        win.model.set_stream("simulated", "stalled")  # a camera stream the trial does not use: no badge for it
        win.model.set_stream(f"{family}0", "streaming")
    else:
        d.start_btn.click()
        qtbot.waitUntil(factory.reached.is_set, timeout=60_000)
    return win, factory, device


def check_both_sizes(win: StationWindow, artifacts: Path, family: str, tag: str) -> None:
    """At 1366x768 and 1920x1080: the window takes the size, a screenshot is saved, and no widget is clipped."""
    for w, h in SIZES:
        win.resize(w, h)
        for _ in range(3):
            QApplication.processEvents()
            win.refresh()
        _save(win, artifacts / f"ui_layout_{tag}{family}_{w}x{h}.png")
        assert win.width() == w and win.height() == h
        problems = clipped(win)
        assert not problems, f"{family} {tag}at {w}x{h}:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("family", list(FAMILIES))
def test_dashboard_fits_both_screen_sizes_mid_play(qtbot, db, family: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    item = FAMILIES[family]
    contract = exercises.contract_of(item.exercise)
    assert contract is not None
    win, factory, device = open_mid_play(qtbot, db, family)
    d = win.dashboard
    check_both_sizes(win, artifacts, family, "")
    v = win.model.view()  # type: ignore[union-attr]
    # the tiles carry the contract's labels, in its order
    shown = [t.caption.text() for t in d.tiles if t.isVisibleTo(win)]
    assert [s.removesuffix(" (at the end)") for s in shown] == [m.label for m in list(contract.headline)[:4]]
    # the chart the exercise declares, alone
    charts = d.charts
    declared = {"deviation": charts.dev_plot, "reps": charts.reps_plot, "force": charts.grip_plot, "cop": charts.cop_plot}[contract.chart]
    assert declared.isVisibleTo(win) and sum(p.isVisibleTo(win) for p in declared.parent().findChildren(type(declared))) == 1
    # badges: only for the inputs the trial uses
    badges = [b.text() for b in d.badges if b.isVisibleTo(win)]
    camera = any(k in ("hand", "pose") for k in v.inputs)
    assert camera == any(b.startswith(("Simulated child", "Camera", "Video")) for b in badges), badges
    assert device == any(b.startswith(f"{family}0") for b in badges), badges
    # the plan editor shows the settings the trial uses
    for k, val in v.settings.items():
        assert d._settings_edits[k].text() == _fmt(val), k
        assert d._settings_edits[k].isReadOnly() or device, k  # read-only while the session runs (no controller here)
    if not device:  # and the trial's own target and length (the form's default is 30 s, no target)
        assert (d.reps_spin.value(), d.duration_spin.value()) == (item.reps or 0, item.duration_s or 0.0)
        assert d.reps_spin.isReadOnly() and d.duration_spin.isReadOnly()
    if not device:
        _finish(win, factory, qtbot)


def test_goal_bar_never_goes_down_and_flags_read_as_words(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    """Push-ups with a hips-high flag: the last reps read 'hips high', not the flag's name; the goal bar only grows."""
    factory = GatedFactory(db, gate_at=None)
    win = StationWindow(factory, db)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    d = win.dashboard
    from station.core import FakeClock, ScoreEvent
    from station.session import LiveState
    from station.session.model import LiveModel, ScheduleItem

    clock = FakeClock()
    model = LiveModel(clock, [ScheduleItem("pushups", "Push-ups", ("pose",), 4, {})], source_label="camera")
    model.begin_trial(0)
    model.start_play(0)
    values = []
    for k in range(1, 4):
        ev = ScoreEvent(k * 10**9, "pushups", 0, k, "rep", 0.6, "quality", {"quality": 0.6, "flags": "hips_piked"})
        model.on_update(LiveState("s", 0, 1, "Push-ups", "pushups", "camera", float(k), {"progress": 0.9 / k}, k, [ev], 10 * k))
        d.show_view(model.view(), None)
        values.append(d.goal_bar.value())
    assert values == sorted(values) and values[-1] == 750  # 3 of 4
    text = d.reps_label.text()
    assert "hips high" in text and "hips_piked" not in text and "fair" in text


def _child(qtbot, source: str, phase_to: str = "play"):  # type: ignore[no-untyped-def]
    """A child view showing a 640x480 camera image, left half red, right half blue, from ``source``."""
    import numpy as np

    from station.core import FakeClock
    from station.session.model import LiveModel, ScheduleItem
    from station.ui.child_view import ChildView

    model = LiveModel(FakeClock(), [ScheduleItem("pushups", "Push-ups", ("pose",), 5, {})], source_label=source)
    model.begin_trial(0)
    model.start_play(0)
    img = np.zeros((480, 640, 3), np.uint8)
    img[:, :320] = (0, 0, 230)  # BGR: red on the left of the filmed scene
    img[:, 320:] = (230, 0, 0)
    model.push_frame(img, 0)
    view = ChildView()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    return model, view


@pytest.mark.parametrize(("source", "mirrored"), [("video", False), ("camera", True), ("simulated", False)])
def test_only_a_live_camera_is_mirrored(qtbot, source: str, mirrored: bool) -> None:  # type: ignore[no-untyped-def]
    model, view = _child(qtbot, source)
    view.show_state(model.view(), 1.0)
    img = view.grab().toImage()
    area = view._area()
    left = img.pixelColor(int(area.left() + 0.1 * area.width()), int(area.center().y()))
    assert view.mirrored == mirrored
    assert (left.red() > left.blue()) == (not mirrored), (source, left.name())  # a recorded clip reads as filmed


def test_celebration_stays_off_the_child(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Stars and confetti in a band at the top: the camera image below it is drawn untouched."""
    import dataclasses

    model, view = _child(qtbot, "camera")
    v = dataclasses.replace(model.view(), phase="celebrate")
    view.show_state(v, 2.0)
    img = view.grab().toImage()
    area = view._area()
    for fy in (0.5, 0.7, 0.95):
        for fx in (0.1, 0.9):
            c = img.pixelColor(int(area.left() + fx * area.width()), int(area.top() + fy * area.height()))
            assert max(c.red(), c.blue()) > 200 and c.green() < 40, (fx, fy, c.name())  # pure image colour, no veil


def test_waiting_screen_shows_the_exercises_own_picture(qtbot) -> None:  # type: ignore[no-untyped-def]
    from station.ui.child_view import ChildView

    view = ChildView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    shots = {}
    for pic in (None, "balloon", "turtle"):
        view.idle_pictogram = pic  # type: ignore[assignment]
        view.show_idle(1.0)
        shots[pic] = view.grab().toImage()
    assert shots["balloon"] != shots["turtle"] and shots[None] != shots["balloon"]
