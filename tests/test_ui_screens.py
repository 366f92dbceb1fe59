"""Every screen constructed offscreen, driven by a real (simulated-child) session, and rendered to
test-artifacts/ (look at them). pytest-qt, real widgets, real SQLite."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from exercises.base import StepInput
from station.core import EventBus, FakeClock, SensorSample
from station.plans import PlanItem, SessionPlan
from station.session import LiveState, SessionRunner
from station.session.build import RunOptions, build_trials
from station.session.control import SessionController, schedule_of
from station.session.model import LiveModel, ScheduleItem
from station.storage import open_database
from station.ui.child_view import ChildView
from station.ui.window import StationWindow


def _wait_for(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


class GatedFactory:
    """Session factory (like :func:`station.session.build.make_session_factory`) on a fake clock, whose feeds
    stop at input ``gate_at`` until :meth:`release` so a screen can be captured mid-play."""

    def __init__(self, db, gate_at: int | None = 90, countdown_s: float = 0.0) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self.gate_at = gate_at
        self.countdown_s = countdown_s
        self.reached = threading.Event()
        self.gate = threading.Event()
        self.clock = FakeClock(start_ns=10**12)
        self.controller: SessionController | None = None

    def release(self) -> None:
        self.gate.set()

    def _gated(self, inner: Callable[[int], Iterable[StepInput]]) -> Callable[[int], Iterable[StepInput]]:
        def feed(t0: int) -> Iterable[StepInput]:
            for i, inp in enumerate(inner(t0)):
                if i == self.gate_at and not self.gate.is_set():
                    self.reached.set()
                    self.gate.wait(30)
                yield inp

        return feed

    def __call__(self, participant: str, plan: SessionPlan) -> tuple[SessionController, LiveModel]:
        trials, _hook = build_trials(plan, RunOptions(simulated=True), self.clock, EventBus())
        for t in trials:
            t.spec.feed = self._gated(t.spec.feed)
        model = LiveModel(self.clock, schedule_of(trials), source_label="simulated")
        runner = SessionRunner(self.db, participant, self.clock, pacing="own")
        self.controller = SessionController(runner, trials, model, countdown_s=self.countdown_s, celebrate_s=0.5)
        return self.controller, model


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    d = open_database(f"sqlite:///{tmp_path / 'ui.db'}")
    yield d
    d.dispose()


def _window(qtbot, factory, db) -> StationWindow:  # type: ignore[no-untyped-def]
    win = StationWindow(factory, db)
    qtbot.addWidget(win)
    win.resize(1600, 900)
    win.show()
    return win


def _save(widget, path: Path) -> QImage:  # type: ignore[no-untyped-def]
    img = widget.grab().toImage()
    assert img.save(str(path)), path
    return img


def _count_colour(img: QImage, hex_colour: str, tol: int = 30, step: int = 3) -> int:
    """Pixels close to a colour (sampled every ``step`` pixels)."""
    c = QColor(hex_colour)
    ptr = img.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(ptr.constBits(), dtype=np.uint8).reshape(ptr.height(), ptr.bytesPerLine())[:, : ptr.width() * 3]
    rgb = arr.reshape(ptr.height(), ptr.width(), 3)[::step, ::step].astype(int)
    d = np.abs(rgb - np.array([c.red(), c.green(), c.blue()])).max(axis=2)
    return int((d <= tol).sum())


def _finish(win: StationWindow, factory: GatedFactory, qtbot) -> None:  # type: ignore[no-untyped-def]
    factory.release()
    assert factory.controller is not None and factory.controller.join(60)
    win.refresh()
    qtbot.waitUntil(lambda: win.dashboard.history_table.rowCount() > 0, timeout=10_000)


def test_tracing_session_screens(qtbot, db, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    factory = GatedFactory(db)
    win = _window(qtbot, factory, db)
    d = win.dashboard
    d.participant.setEditText("P-201")
    d.set_plan(SessionPlan(participant="P-201", items=[
        PlanItem(exercise="tracing", settings={"shape": "wave", "tolerance": 0.04}, duration_s=12, rest_s=3),
        PlanItem(exercise="bunny_hops", reps=5),
    ]))
    assert d.plan_list.count() == 2
    d.notes.setPlainText("good focus; one prompt to slow down")
    d.start_btn.click()
    qtbot.waitUntil(factory.reached.is_set, timeout=30_000)  # the session is built on a worker thread
    win.refresh()
    v = win.model.view()  # type: ignore[union-attr]
    assert v.phase == "play" and v.exercise == "tracing" and v.hands
    x, _y = win.dashboard.charts.dev_curve.getData()
    assert x is not None and len(x) == 90 and np.all(np.diff(x) > 0) and 0 < x[-1] < 4
    img = _save(win, artifacts / "ui_tracing_window.png")
    child = _save(win.child_view, artifacts / "ui_tracing_child.png")
    assert img.width() >= 1500
    assert _count_colour(child, "#0072B2", tol=40) > 100  # the dashed centre line of the path (blue)
    assert _count_colour(child, "#8CCBF0", tol=25) > 500  # the tolerance band (sky blue over the sky)
    assert _count_colour(child, "#F0E442") > 50  # the bee (yellow)
    # the bee is drawn at the fingertip, unmirrored: only a live camera is mirrored (this is the simulated child)
    assert not win.child_view.mirrored
    area = win.child_view._area()
    tip = v.hands[0].landmarks[8]
    px = int(area.left() + tip[0] * area.width())
    py = int(area.top() + tip[1] * area.height())
    patch = child.copy(px - 15, py - 15, 30, 30)
    assert _count_colour(patch, "#F0E442", step=1) > 30

    _finish(win, factory, qtbot)
    v = win.model.view()  # type: ignore[union-attr]
    assert v.phase == "done" and [it.stars for it in v.schedule] == [3, 3]
    assert d.summary_table.rowCount() == 2 and d.summary_table.item(1, 2).text() == "5"
    assert d.history_table.rowCount() == 2
    _save(win, artifacts / "ui_done_window.png")
    done = _save(win.child_view, artifacts / "ui_done_child.png")
    assert _count_colour(done, "#F0E442") > 500  # big stars
    qtbot.waitUntil(lambda: db.session(v.session_id)["notes"] == "good focus; one prompt to slow down", timeout=10_000)


def test_bunny_hops_screen(qtbot, db, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    factory = GatedFactory(db, gate_at=150)
    win = _window(qtbot, factory, db)
    win.dashboard.participant.setEditText("P-202")
    win.dashboard.set_plan(SessionPlan(items=[PlanItem(exercise="bunny_hops", reps=6)]))
    win.dashboard.start_btn.click()
    qtbot.waitUntil(factory.reached.is_set, timeout=30_000)  # the session is built on a worker thread
    win.refresh()
    v = win.model.view()  # type: ignore[union-attr]
    assert v.poses and v.reps >= 2
    assert not win.dashboard.charts.dev_plot.isVisibleTo(win) and win.dashboard.charts.reps_plot.isVisibleTo(win)
    ys = np.concatenate([m.getData()[1] for m in win.dashboard.charts.reps_marks.values()])
    assert sorted(ys) == list(range(1, v.reps + 1))
    _save(win, artifacts / "ui_hops_window.png")
    child = _save(win.child_view, artifacts / "ui_hops_child.png")
    assert _count_colour(child, "#CC79A7") > 100  # the purple figure over the body
    assert _count_colour(child, "#009E73") > 100  # filled rep dots
    _finish(win, factory, qtbot)


def test_keyboard_space_starts_and_pauses_esc_stops(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    factory = GatedFactory(db, gate_at=30)
    win = _window(qtbot, factory, db)
    win.dashboard.participant.setEditText("P-203")
    win.dashboard.set_plan(SessionPlan(items=[PlanItem(exercise="tracing", duration_s=10)]))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)  # window shortcuts need the active window
    qtbot.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(factory.reached.is_set, timeout=30_000)  # the session is built on a worker thread
    ctl = factory.controller
    assert ctl is not None and ctl.running
    qtbot.keyClick(win, Qt.Key.Key_Space)
    assert ctl.paused
    win.refresh()
    assert win.dashboard.pause_btn.text().endswith("Resume")
    # typing a space in the notes does not pause/resume
    win.dashboard.notes.setFocus()
    qtbot.keyClick(win.dashboard.notes, Qt.Key.Key_Space)
    assert ctl.paused and win.dashboard.notes.toPlainText() == " "
    win.setFocus()
    qtbot.keyClick(win, Qt.Key.Key_Escape)
    factory.release()
    assert ctl.join(30)
    assert ctl.summary is not None and ctl.summary.status == "stopped"


def test_difficulty_buttons_step_the_next_trial(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    factory = GatedFactory(db, gate_at=20)
    win = _window(qtbot, factory, db)
    win.dashboard.participant.setEditText("P-204")
    win.dashboard.set_plan(SessionPlan(items=[PlanItem(exercise="tracing", duration_s=3, settings={"tolerance": 0.05}),
                                              PlanItem(exercise="tracing", duration_s=3, settings={"tolerance": 0.05})]))
    win.dashboard.start_btn.click()
    qtbot.waitUntil(factory.reached.is_set, timeout=30_000)  # the session is built on a worker thread
    win.dashboard.harder_btn.click()
    win.dashboard.harder_btn.click()
    ctl = factory.controller
    assert ctl is not None
    assert ctl.trials[0].spec.settings["tolerance"] == 0.05  # the trial being played is not changed
    assert ctl.trials[1].spec.settings["tolerance"] == pytest.approx(0.032)
    assert "trial 2" in win.dashboard.difficulty_label.text()
    _finish(win, factory, qtbot)


def test_plan_editor_round_trip_and_bad_input(qtbot, db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(qtbot, GatedFactory(db), db)
    d = win.dashboard
    d.exercise.setCurrentText("tracing")
    d._settings_edits["shape"].setText("zigzag")
    d.reps_spin.setValue(0)
    d.duration_spin.setValue(20)
    d._add_item()
    d.exercise.setCurrentText("bunny_hops")
    d.reps_spin.setValue(8)
    d._add_item()
    assert d.plan_list.count() == 2 and d.error_label.text() == ""
    d.participant.setEditText("P-300")
    path = d.save_plan_file(tmp_path / "p.toml")
    d.plan_items.clear()
    d.load_plan_file(path)
    assert [(i.exercise, i.settings, i.reps) for i in d.plan_items] == [("tracing", {"shape": "zigzag"}, None), ("bunny_hops", {}, 8)]
    d.exercise.setCurrentText("tracing")
    d._settings_edits["tolerance"].setText("-1")
    d._add_item()
    assert "tolerance" in d.error_label.text() and d.plan_list.count() == 2
    d.participant.setEditText("Anna Smith")
    d.start_btn.click()
    assert "participant code" in d.error_label.text() and win.controller is None


def _sensor_model(kind: str) -> LiveModel:
    """A live model fed with device samples (grip force ramp / CoP sway), as a device trial would."""
    clock = FakeClock()
    name = {"grip": "grip_squeeze", "balance": "balance_quiet_stance"}[kind]
    sched = [ScheduleItem("tracing", "Tracing", ("hand",), None, {}, stars=3),
             ScheduleItem(name, name, (kind,), None, {"zone_lo_n": 100.0, "zone_hi_n": 140.0} if kind == "grip" else {}),
             ScheduleItem("bunny_hops", "Bunny hops", ("pose",), 5, {})]
    model = LiveModel(clock, sched)
    model.begin_trial(1)
    model.start_play(0)
    rng = np.random.default_rng(3)
    x = y = 0.0
    for k in range(600):
        t = 10_000_000 * k
        clock.set(t)
        if kind == "grip":
            f = 125.0 * (1 - np.exp(-k / 80)) + rng.normal(0, 1.5)
            s = SensorSample("grip0", k, t, t, None, (f,), ("force",), ("N",))
        else:
            x = 0.97 * x + rng.normal(0, 1.2)
            y = 0.97 * y + rng.normal(0, 2.0)
            s = SensorSample("balance0", k, t, t, None, (x, y), ("cop_x", "cop_y"), ("mm", "mm"))
        model.on_input(StepInput(t, samples=(s,)))
        model.on_update(LiveState("s", 1, 3, name, name, "sim", t / 1e9, {}, 0, [], k + 1))
    return model


@pytest.mark.parametrize("kind", ["grip", "balance"])
def test_device_games_and_charts(qtbot, kind: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    from station.ui.charts import LiveCharts

    model = _sensor_model(kind)
    view = ChildView()
    qtbot.addWidget(view)
    view.resize(1000, 640)
    v = model.view()
    if kind == "balance":
        _t, xy = model.cop.snapshot()
        view.cop_trail = xy[-200:]
    view.show_state(v, 1.0)
    child = _save(view, artifacts / f"ui_{kind}_child.png")
    charts = LiveCharts()
    qtbot.addWidget(charts)
    charts.resize(900, 600)
    charts.show_kinds(v.inputs)
    zone = (102.0, 138.0) if kind == "grip" else None
    charts.set_grip_zone(zone)
    charts.update_from(model, grip_zone=zone, cop_unit=v.cop_unit)
    _save(charts, artifacts / f"ui_{kind}_charts.png")
    if kind == "grip":
        assert _count_colour(child, "#E69F00") > 300  # the balloon, in the target zone (orange, smiling)
        x, _y = charts.grip_curve.getData()
        assert len(x) == 600 and charts.zone.getRegion() == pytest.approx((102.0, 138.0))
    else:
        assert _count_colour(child, "#009E73") > 100  # the turtle
        assert np.isfinite(charts.sway_area) and charts.sway_area > 0
        ex, _ey = charts.cop_ellipse.getData()
        assert len(ex) == 91


@pytest.mark.parametrize("phase", ["idle", "countdown", "paused", "rest", "celebrate"])
def test_phase_screens(qtbot, phase: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    sched = [ScheduleItem("tracing", "Tracing", ("hand",), None, {"shape": "circle"}, stars=2),
             ScheduleItem("bunny_hops", "Bunny hops", ("pose",), 5, {}),
             ScheduleItem("grip_squeeze", "Grip", ("grip",), None, {})]
    model = LiveModel(clock, sched)
    model.begin_trial(1)
    model.set_phase(phase, until_ns=4_000_000_000)  # type: ignore[arg-type]
    clock.advance(1_600_000_000)  # 40 % of the phase has passed
    view = ChildView()
    qtbot.addWidget(view)
    view.resize(1000, 640)
    v = model.view()
    assert v.phase_progress == pytest.approx(0.4) and v.phase_remaining_s == pytest.approx(2.4)
    view.show_state(v, 0.7)
    img = _save(view, artifacts / f"ui_phase_{phase}.png")
    colour = {"idle": "#009E73", "countdown": "#F0E442", "paused": "#0072B2", "rest": "#E69F00", "celebrate": "#F0E442"}[phase]
    assert _count_colour(img, colour) > 200


def test_history_shows_when_a_known_participant_is_chosen(qtbot, db) -> None:  # type: ignore[no-untyped-def]
    from station.demo import DemoOptions, simulated_trials

    SessionRunner(db, "P-500", FakeClock(), pacing="own").run(simulated_trials(DemoOptions(seconds=4)))
    win = _window(qtbot, GatedFactory(db), db)
    win.dashboard.participant.setEditText("P-500")
    qtbot.waitUntil(lambda: win.dashboard.history_table.rowCount() == 2, timeout=10_000)
    t = win.dashboard.history_table
    assert t.item(0, 5).text() in ("tracing", "jumps", "bunny_hops")
    # the simulated child's trials are marked, never shown as the child's own results
    assert t.item(0, 1).text().endswith("SIMULATED") and t.item(0, 2).text() == "simulated" and t.item(0, 3).text() == "clinic"


def test_deviation_chart_is_in_millimetres_on_a_calibrated_sheet(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Screen tracing: frame heights shown as %; tabletop/physical: the exercise's mm, band and axis alike."""
    from station.ui.charts import LiveCharts

    charts = LiveCharts()
    qtbot.addWidget(charts)
    axis = charts.dev_plot.getPlotItem().getAxis("left")
    charts.set_tolerance(0.03)
    assert charts.band.getRegion() == pytest.approx((0.0, 3.0)) and "frame height" in axis.labelText
    charts.set_deviation_unit(True)
    charts.set_tolerance(5.0)
    assert charts.band.getRegion() == pytest.approx((0.0, 5.0)) and axis.labelText == "mm"
    charts.set_deviation_unit(True)  # unchanged: nothing redrawn
    charts.set_tolerance(5.0)
    assert charts.band.getRegion() == pytest.approx((0.0, 5.0))
    charts.set_deviation_unit(False)
    charts.set_tolerance(5.0)  # same number, other unit: the band is redrawn
    assert charts.band.getRegion() == pytest.approx((0.0, 500.0)) and "frame height" in axis.labelText


def test_physical_pegboard_is_drawn_over_the_camera_image_where_the_board_is(qtbot, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    """With the camera's workspace calibration the child sees the real board's holes ringed on the
    camera image, at the pixels the calibration maps them to (mirrored like the image), pegs filled."""
    from calibration.workspace import Workspace
    from station.workspaces import ActiveWorkspace

    # a camera at 640x480 seeing the board at 0.5 mm per pixel, board origin at pixel (100, 80)
    ws = Workspace(np.array([[0.5, 0, -50.0], [0, 0.5, -40.0], [0, 0, 1]]), (640, 480), 0.1, "aruco", "board")
    active = ActiveWorkspace("cam0", "ok", ws, ws.to_record("cam0", "test"))
    import exercises

    settings = exercises.get("pegboard").parse_settings(
        {"mode": "physical", "board": "nine_hole", "center": "120,75", "spacing": 32, "dish": "30,75"}).model_dump()
    clock = FakeClock()
    model = LiveModel(clock, [ScheduleItem("pegboard", "Pegboard", ("hand",), None, settings, plane_to_image=active.plane_to_image())],
                      source_label="camera")  # a live camera: mirrored
    model.begin_trial(0)
    model.start_play(0)
    model.push_frame(np.full((480, 640, 3), 90, np.uint8), 0)
    # two pegs in, in holes 0 and 8 (not the first two): the child sees them where they are
    model.on_update(LiveState("s", 0, 1, "Pegboard", "pegboard", "camera", 1.0, {"pegs_in_board": 2.0, "_occupied_mask": float(0b100000001)},
                              2, [], 10))
    view = ChildView()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    v = model.view()
    view.show_state(v, 1.0)
    img = _save(view, artifacts / "ui_pegboard_physical_child.png")
    area = view._area()
    # the centre hole (120, 75) mm -> pixel (340, 230) -> normalised (0.53125, 0.479): drawn there, not
    # grey; the child view is a mirror, so x counts from the right edge of the image area
    from PySide6.QtCore import QPointF

    q = QPointF(area.right() - 340 / 640 * area.width(), area.top() + 230 / 480 * area.height())
    around = [img.pixelColor(int(q.x()) + dx, int(q.y()) + dy) for dx in (-3, 0, 3) for dy in (-3, 0, 3)]
    assert all(c.blue() < 70 and c.red() > c.blue() + 20 for c in around), (q, [c.name() for c in around])  # a brown hole, not grey
    # pegs stand in holes 0 and 8, not in hole 1: a peg is drawn above its hole, in the hole's colour
    board = exercises.create("pegboard", settings).board_image((640, 480), np.asarray(active.plane_to_image()))
    assert board is not None
    holes = board[0]

    def peg_above(k: int) -> bool:
        hx, hy = holes[k]
        top = QPointF(area.right() - hx * area.width(), area.top() + hy * area.height())
        pitch = np.hypot(*((holes[1] - holes[0]) * [area.width(), area.height()]))
        c = img.pixelColor(int(top.x()), int(top.y() - 0.3 * pitch))  # the peg's body, above the hole
        return abs(c.red() - 90) + abs(c.green() - 90) + abs(c.blue() - 90) > 60

    assert peg_above(0) and peg_above(8) and not peg_above(1)
    # and nothing is drawn far from the board (near the bottom of the image: plain camera grey)
    far = QPointF(area.right() - 0.02 * area.width(), area.top() + 0.95 * area.height())
    c = img.pixelColor(int(far.x()), int(far.y()))
    assert abs(c.red() - 90) < 25 and abs(c.green() - 90) < 25
    # without a mapping (no workspace, no corners) a physical board is not drawn at all
    model2 = LiveModel(clock, [ScheduleItem("pegboard", "Pegboard", ("hand",), None, settings)])
    model2.begin_trial(0)
    model2.start_play(0)
    model2.push_frame(np.full((480, 640, 3), 90, np.uint8), 0)
    view.show_state(model2.view(), 1.0)
    img2 = view.grab().toImage()
    c2 = img2.pixelColor(int(q.x()), int(q.y()))
    assert abs(c2.red() - 90) < 25 and abs(c2.green() - 90) < 25 and abs(c2.blue() - 90) < 25
