"""The Qt-free bridge between a session and the screens: live model, controller (countdown, pause,
rest, target reps, difficulty), sway ellipse. Real sessions on a fake clock, real SQLite."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest
from _storage_db import stored_landmarks
from sqlalchemy import select

from devices.balance import WII_BALANCE_BOARD, BalanceBoard
from exercises.base import StepInput
from station.core import FakeClock, SensorSample
from station.plans import PlanItem
from station.session import SessionRunner, TrialSpec
from station.session.control import PlannedTrial, SessionController, schedule_of
from station.session.feeds import simulated_feed
from station.session.model import LiveModel, sway_ellipse
from station.storage import open_database
from station.storage import schema as S


def _wait_for(cond: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


class PhaseLog(LiveModel):
    def __init__(self, *a, **k) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*a, **k)
        self.phases: list[str] = []

    def set_phase(self, phase, until_ns=None) -> None:  # type: ignore[no-untyped-def]
        if not self.phases or self.phases[-1] != phase:
            self.phases.append(phase)
        super().set_phase(phase, until_ns)

    def start_play(self, t0_ns: int) -> None:
        self.phases.append("play")
        super().start_play(t0_ns)


def _planned(item: PlanItem, feed: Callable[[int], Iterable[StepInput]] | None = None) -> PlannedTrial:
    spec = TrialSpec(item.exercise, dict(item.settings), feed or simulated_feed(item.exercise, item.settings, duration_s=item.duration_s, reps=item.reps), label=item.exercise, source="synthetic")
    return PlannedTrial.from_item(item, spec)


def _controller(tmp_path: Path, trials: list[PlannedTrial], countdown_s: float = 3.0) -> tuple[SessionController, PhaseLog, object]:
    db = open_database(f"sqlite:///{tmp_path / 'live.db'}")
    clock = FakeClock(start_ns=10**12)
    model = PhaseLog(clock, schedule_of(trials), source_label="simulated")
    runner = SessionRunner(db, "P-100", clock, pacing="own")
    return SessionController(runner, trials, model, countdown_s=countdown_s), model, db


def _rows(db, table, **where):  # type: ignore[no-untyped-def]
    if table is S.landmarks:  # observations, read back from their blocks
        return stored_landmarks(db, **where)
    q = select(table)
    for k, v in where.items():
        q = q.where(getattr(table.c, k) == v)
    with db.engine.connect() as c:
        return list(c.execute(q).mappings())


def test_plan_runs_with_countdown_celebration_rest_and_stars(tmp_path: Path) -> None:
    trials = [
        _planned(PlanItem(exercise="tracing", settings={"shape": "circle"}, duration_s=8, rest_s=2)),
        _planned(PlanItem(exercise="bunny_hops", reps=4)),
    ]
    ctl, model, db = _controller(tmp_path, trials)
    ctl.start()
    assert ctl.join(60)
    assert ctl.error is None and ctl.summary is not None and ctl.summary.status == "complete"
    assert [*model.phases, model.phase] == ["countdown", "play", "celebrate", "rest", "countdown", "play", "done"]
    v = model.view()
    assert [it.stars for it in v.schedule] == [3, 3]  # the simulated child traces well and hops 4 times
    (_, tr), (_, hops) = ctl.summary.results
    assert tr.metrics["completion"] >= 0.9 and hops.reps == 4
    # the charts of the last trial: one reps row per counted hop, cumulative
    t, vals = model.reps.snapshot()
    assert list(vals[:, 0]) == [1.0, 2.0, 3.0, 4.0] and np.all(np.diff(t) > 0)
    # the trial's play started after its countdown: no step of trial 1 is earlier than 3 s after its begin
    trows = _rows(db, S.trials, session_id=ctl.summary.session_id)
    lm = _rows(db, S.landmarks, session_id=ctl.summary.session_id, trial=1)
    assert min(r["t_ns"] for r in lm) - trows[1]["t_start_ns"] >= 3e9 + 2.5e9 + 2e9 - 1e6  # celebrate + rest + countdown
    db.dispose()


def test_target_reps_end_the_trial_early(tmp_path: Path) -> None:
    item = PlanItem(exercise="bunny_hops", reps=2)
    long_feed = simulated_feed("bunny_hops", reps=8)
    ctl, _model, db = _controller(tmp_path, [_planned(item, long_feed)], countdown_s=0)
    ctl.start()
    assert ctl.join(60)
    (_, res), = ctl.summary.results  # type: ignore[union-attr]
    assert res.reps == 2
    n_full = sum(1 for _ in long_feed(0))
    n_done = len(_rows(db, S.landmarks, session_id=ctl.summary.session_id))  # type: ignore[union-attr]
    assert 0 < n_done < n_full / 2
    db.dispose()


def test_pause_suspends_the_child_and_does_not_count_toward_duration(tmp_path: Path) -> None:
    item = PlanItem(exercise="tracing", duration_s=4.0)
    inner = simulated_feed("tracing", duration_s=20.0)  # 18 s of input, bounded to 4 s of play
    reached, gate = threading.Event(), threading.Event()

    def gated(t0: int) -> Iterable[StepInput]:
        for i, inp in enumerate(inner(t0)):
            if i == 60:  # 2 s into play
                reached.set()
                gate.wait(20)
            yield inp

    ctl, model, db = _controller(tmp_path, [_planned(item, gated)], countdown_s=0)
    ctl.start()
    assert reached.wait(20)
    ctl.pause()
    gate.set()
    _wait_for(lambda: model.phase == "paused")
    t_paused = ctl.clock.now_ns()
    _wait_for(lambda: ctl.clock.now_ns() - t_paused > 5e9)  # the fake clock runs on while paused
    ctl.resume()
    assert ctl.join(60)
    assert ctl.summary is not None and ctl.summary.status == "complete"
    t = np.array(sorted(r["t_ns"] for r in _rows(db, S.landmarks, session_id=ctl.summary.session_id)))
    gaps = np.diff(t)
    assert gaps.max() > 5e9 and (gaps > 1e9).sum() == 1  # one pause, then the child goes on where it stopped
    active = (t[-1] - t[0] - gaps.max()) / 1e9
    assert 3.8 <= active <= 4.1  # 4 s of play, the pause not counted
    assert len(t) == pytest.approx(4 * 30, abs=3)
    db.dispose()


def test_stop_while_paused_ends_promptly_and_keeps_data(tmp_path: Path) -> None:
    reached = threading.Event()
    inner = simulated_feed("tracing", duration_s=20.0)

    def feed(t0: int) -> Iterable[StepInput]:
        for i, inp in enumerate(inner(t0)):
            if i == 30:
                reached.set()
                _wait_for(lambda: ctl.paused)  # hold the child here until the therapist pressed pause
            yield inp

    ctl, model, db = _controller(tmp_path, [_planned(PlanItem(exercise="tracing"), feed),
                                            _planned(PlanItem(exercise="bunny_hops"))], countdown_s=0)
    ctl.start()
    assert reached.wait(20)
    ctl.pause()
    _wait_for(lambda: model.phase == "paused")
    ctl.stop()
    assert ctl.join(20)
    assert ctl.summary is not None and ctl.summary.status == "stopped" and len(ctl.summary.results) == 1
    assert len(_rows(db, S.landmarks, session_id=ctl.summary.session_id)) == 30
    assert model.view().phase == "done"
    db.dispose()


def test_difficulty_step_applies_to_the_next_trial_and_is_recorded(tmp_path: Path) -> None:
    trials = [_planned(PlanItem(exercise="tracing", settings={"tolerance": 0.04}, duration_s=3))]
    ctl, model, db = _controller(tmp_path, trials, countdown_s=0)
    i, new = ctl.step_difficulty(+1)  # type: ignore[misc]
    assert i == 0 and new["tolerance"] == pytest.approx(0.032)
    assert model.view().settings["tolerance"] == pytest.approx(0.032)
    ctl.start()
    assert ctl.join(60)
    (row,) = _rows(db, S.trials, session_id=ctl.summary.session_id)  # type: ignore[union-attr]
    assert row["settings"]["tolerance"] == pytest.approx(0.032)
    assert ctl.step_difficulty(-1) is None  # nothing left to change
    db.dispose()


def test_a_failing_feed_is_reported_not_raised(tmp_path: Path) -> None:
    def broken(t0: int) -> Iterable[StepInput]:
        yield StepInput(t0 + 1)
        raise OSError("camera unplugged")

    ctl, model, db = _controller(tmp_path, [_planned(PlanItem(exercise="tracing"), broken)], countdown_s=0)
    ctl.start()
    assert ctl.join(20)
    # recorded as a failed trial (not raised, not 'complete'): no stars, the child sees 'let's try again'
    assert ctl.summary is not None and ctl.summary.status == "failed" and "camera unplugged" in (ctl.summary.failure or "")
    v = model.view()
    assert v.phase == "error" and "camera unplugged" in (v.error or "")
    assert [it.stars for it in v.schedule] == [None] and v.last_score is None
    from station.storage import schema as S

    (trial,) = db.rows(S.trials, ctl.summary.session_id)
    assert trial["status"] == "failed" and "camera unplugged" in trial["reason"]
    assert db.session(ctl.summary.session_id)["status"] == "failed"
    db.dispose()


def test_sensor_samples_feed_grip_and_cop_charts() -> None:
    clock = FakeClock()
    model = LiveModel(clock)
    model.begin_trial(0)
    from station.session import LiveState

    for k in range(50):
        t = 10_000_000 * k
        grip = SensorSample("grip0", k, t, t, None, (float(k),), ("force",), ("N",))
        cells = (10.0, 30.0, 10.0, 30.0)  # tl tr bl br: right-heavy, front = back
        board = SensorSample("balance0", k, t, t, None, (*cells, *WII_BALANCE_BOARD.cop(*cells)), BalanceBoard.CHANNELS,
                             BalanceBoard.UNITS)  # what the balance driver emits (it computes the CoP)
        model.on_input(StepInput(t, samples=(grip, board)))
        model.on_update(LiveState("s", 0, 1, "x", "x", "sim", t / 1e9, {}, 0, [], k + 1))
    v = model.view()
    assert v.grip == 49.0 and v.grip_unit == "N"
    assert v.cop == pytest.approx((433.0 / 2 * 0.5, 0.0)) and v.cop_unit == "mm"
    assert len(model.force) == 50 and len(model.cop) == 50
    assert {s.name: s.state for s in v.status} == {"grip0": "streaming", "balance0": "streaming"}
    assert v.status[0].rate_hz == pytest.approx(100.0)


def test_sway_ellipse_matches_gaussian_theory() -> None:
    rng = np.random.default_rng(1)
    sx, sy = 4.0, 1.5
    a = math.radians(30)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    xy = (rng.normal(size=(20000, 2)) * [sx, sy]) @ rot.T + [3.0, -2.0]
    outline, area = sway_ellipse(xy)
    assert area == pytest.approx(math.pi * 5.991 * sx * sy, rel=0.03)
    # about 95 % of the points fall inside the outline
    from matplotlib.path import Path as MplPath

    inside = MplPath(outline).contains_points(xy).mean()
    assert inside == pytest.approx(0.95, abs=0.01)
    assert sway_ellipse(np.array([[0.0, 0.0], [1.0, 1.0]]))[0].shape == (0, 2)


def test_grip_zone_from_live_values_or_settings() -> None:
    import exercises
    from station.session.model import grip_zone

    squeeze = exercises.get("grip_squeeze").parse_settings({"zone_lo_n": 40, "zone_hi_n": 80}).model_dump()
    assert grip_zone({}, squeeze) == (40.0, 80.0)
    tracking = exercises.get("grip_tracking").parse_settings({"tolerance_n": 3}).model_dump()
    assert grip_zone({"target_n": 30.0}, tracking) == (27.0, 33.0)  # a moving target +/- tolerance_n
    assert grip_zone({"target_n": math.nan}, {}) is None
    assert grip_zone({}, {"target_force": 100.0}) == pytest.approx((85.0, 115.0))
    assert grip_zone({}, exercises.get("grip_max").parse_settings({}).model_dump()) is None


def test_finished_session_marks_streams_ended() -> None:
    model = LiveModel(FakeClock())
    model.set_stream("camera", "streaming")
    model.set_stream("grip0", "reconnecting")
    model.finish(None)
    assert {s.name: s.state for s in model.view().status} == {"camera": "ended", "grip0": "reconnecting"}


@pytest.mark.slow
def test_camera_path_with_real_inference(tmp_path: Path, media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`station run --camera N` wiring (live pipeline, latest-frame slot, images for the child view), with the
    camera replaced by a real video paced in real time (there is no webcam on this machine)."""
    import vision.sources
    from station.core import SystemClock
    from station.plans import SessionPlan
    from station.session.build import RunOptions, make_session_factory

    video = media / "body" / "squats_5.mp4"
    monkeypatch.setattr(vision.sources, "CameraSource", lambda device, *, size=None, clock=None, bus=None, **_: (
        vision.sources.VideoFileSource(video, timing="own", clock=clock, bus=bus, source_id=f"camera{device}")))
    db = open_database(f"sqlite:///{tmp_path / 'cam.db'}")
    factory = make_session_factory(db, RunOptions(camera=0, countdown_s=0), clock=SystemClock())
    ctl, model = factory("P-400", SessionPlan(items=[PlanItem(exercise="squats", duration_s=2.5)]))
    assert ctl.runner.pacing == "external"
    ctl.start()
    _wait_for(lambda: model.view().image is not None and model.view().poses, timeout=60)
    v = model.view()
    assert v.image is not None and v.image.shape[2] == 3 and v.source_label == "camera"
    assert any(s.name == "camera" for s in v.status)
    assert ctl.join(60) and ctl.error is None
    assert ctl.summary is not None and ctl.summary.results[0][0].source == "camera:0"
    rows = _rows(db, S.landmarks, session_id=ctl.summary.session_id)
    assert len(rows) >= 3 and all("mediapipe" in r["model"] for r in rows)  # frames are dropped when tracking lags
    assert model.view().inference_ms is not None and model.view().tracking_fps > 3
    from vision.mp_tasks import mediapipe_info

    info = mediapipe_info()  # the dashboard's status line names backend, version and whether metrics may leave
    assert info.version in model.view().tracker and ("metrics" in model.view().tracker)
    db.dispose()


def test_a_storage_failure_is_shown_with_the_device_status() -> None:
    """The recorder's write error (full disk) reaches the therapist's status line, and its recovery too."""
    from station.session import LiveState

    model = LiveModel(FakeClock())
    model.begin_trial(0)
    model.on_update(LiveState("s", 0, 1, "x", "x", "sim", 0.1, {}, 0, [], 1, storage_error="database or disk is full"))
    status = {s.name: (s.state, s.detail) for s in model.view().status}
    assert status["storage"] == ("not saving", "database or disk is full")
    model.on_update(LiveState("s", 0, 1, "x", "x", "sim", 0.2, {}, 0, [], 2))
    assert {s.name: s.state for s in model.view().status}["storage"] == "saving"
