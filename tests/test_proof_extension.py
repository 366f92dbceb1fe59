"""Adding an exercise, a device kind or a tracker backend is one file: proof by throw-away plug-ins.

Each plug-in below is defined and registered inside the test only (the registries are restored
afterwards) and then runs through the real station with no other change: a session (the real runner,
builder and controller), the dashboard's live model and history, a report and an export; a device
kind through its simulator on a real pseudo-terminal, the generic driver, ``devices record`` and a
session; a tracker backend through ``station analyze --backend``.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
import pytest
from pydantic import Field

from devices import kinds as device_kinds
from devices.driver import SerialDevice
from exercises import registry
from exercises.base import Exercise, Settings
from exercises.contract import Contract, Knob, Metric, Presets, QualityCountStars, Sound, SoundCue
from exercises.simulated import DeviceChild, Jump
from station.core import FakeClock, ScoreEvent, StepInput, TrackedFrame
from station.storage import open_database

# -- a throw-away exercise ----------------------------------------------------------------------------


class WaveSettings(Settings):
    min_rise: Annotated[float, Knob("Rise", "frame heights", step=0.01, harder=1, help="how far the hips must rise")] = Field(
        0.03, gt=0.0, le=1.0)


class HipWaves(Exercise):
    """Counts hip rises above the standing height (a toy: what matters is what it declares)."""

    name = "hip_waves_test"
    title = "Hip waves (test)"
    inputs = ("pose",)
    Settings: ClassVar[type[Settings]] = WaveSettings
    contract = Contract(
        headline=(Metric("waves", "Waves", "count", True), Metric("mean_rise", "Mean rise", "frame heights", True)),
        history="waves",
        events=("wave",),
        quality_events=("wave",),
        game="reps", pictogram="jump", chart="reps", stars=QualityCountStars(), sim=Jump(),
        sounds=(SoundCue(Sound.DONE, "wave"),),
        presets=Presets(easier={"min_rise": 0.02}, harder={"min_rise": 0.05}),
    )

    def __init__(self, settings: Any = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.base: float | None = None
        self.up = False
        self.rises: list[float] = []
        self.peak = 0.0

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        if not inp.poses:
            return []
        y = float(np.mean(np.asarray(inp.poses[0].landmarks)[[23, 24], 1]))  # hips, image y down
        self.base = y if self.base is None else max(self.base, y) if not self.up else self.base
        rise = (self.base - y) if self.base is not None else 0.0
        s: WaveSettings = self.settings  # type: ignore[assignment]
        if not self.up and rise > s.min_rise:
            self.up, self.peak = True, rise
        elif self.up:
            self.peak = max(self.peak, rise)
            if rise < s.min_rise / 2:
                self.up = False
                self.rises.append(self.peak)
                return [self.event(inp.t_ns, "wave", rep=len(self.rises), value=min(1.0, self.peak / 0.1), unit="quality")]
        return []

    def live(self) -> dict[str, float]:
        return {"reps": float(len(self.rises))}

    def reps(self) -> int:
        return len(self.rises)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m: dict[str, float | int | str | None] = {"waves": len(self.rises),
                                                  "mean_rise": float(np.mean(self.rises)) if self.rises else None}
        return m, {"waves": "count", "mean_rise": "frame heights"}, {"waves": "hip rises counted", "mean_rise": "mean peak rise"}


@pytest.fixture
def hip_waves(monkeypatch: pytest.MonkeyPatch) -> str:
    registry.names()
    monkeypatch.setitem(registry._REGISTRY, HipWaves.name, HipWaves)
    return HipWaves.name


def test_a_new_exercise_runs_through_session_dashboard_history_report_and_export(hip_waves: str, tmp_path: Path) -> None:
    from station.export import export
    from station.plans import PlanItem, SessionPlan, history
    from station.report import render_html
    from station.session.build import RunOptions, build_trials
    from station.session.control import SessionController, schedule_of
    from station.session.model import LiveModel

    db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    clock = FakeClock()
    from station.core import EventBus
    from station.session import SessionRunner

    plan = SessionPlan(items=[PlanItem(exercise=hip_waves, reps=4)], participant="P-PROOF-1")
    trials, _ = build_trials(plan, RunOptions(simulated=True), clock, EventBus())  # its own simulated child plays it
    model = LiveModel(clock, schedule_of(trials), source_label="simulated")
    runner = SessionRunner(db, "P-PROOF-1", clock, pacing="own")
    ctl = SessionController(runner, trials, model, countdown_s=0.0, celebrate_s=0.0)
    ctl.start()
    assert ctl.join(60)
    assert ctl.error is None and ctl.summary is not None
    v = model.view()
    assert v.schedule[0].contract is HipWaves.contract and v.schedule[0].stars == 3  # its own star rule
    assert v.reps == 4
    ((_, result),) = ctl.summary.results
    assert result.metrics["waves"] == 4
    rows = history(db, "P-PROOF-1")
    assert [(r.exercise, r.main_metric, r.main_value, r.unit) for r in rows] == [(hip_waves, "waves", 4.0, "count")]
    html = render_html(db, ctl.summary.session_id)
    assert "waves" in html and "hip rises counted" in html
    out = export(db, [ctl.summary.session_id], "csv", tmp_path / "export")
    metrics = (out.out / "metrics.csv").read_text()
    assert hip_waves in metrics and "mean_rise" in metrics
    db.dispose()


# -- a throw-away device kind -------------------------------------------------------------------------


class PinchGauge(SerialDevice):
    """A pinch gauge: one channel ``pinch`` in newtons (the generic driver does the rest)."""

    kind: ClassVar[str] = "pinch"
    raw_channels: ClassVar[tuple[str, ...]] = ("pinch",)
    raw_units: ClassVar[tuple[str, ...]] = ("N",)
    plain_format = "pinch-plain"


def pinch_profile(cfg: Any, rng: random.Random) -> Callable[[float], tuple[float, ...]]:
    """Simulator profile ``press``: a 25 N press every 2 s, held 1 s."""
    return lambda t: (25.0 * (1.0 if t % 2.0 < 1.0 else 0.0) + rng.gauss(0.0, 0.1),)


class PinchPresses(Exercise):
    name = "pinch_presses_test"
    title = "Pinch presses (test)"
    inputs = ("pinch",)
    contract = Contract(
        headline=(Metric("presses", "Presses", "count", True),), history="presses", events=("press",), quality_events=("press",),
        game="grip", pictogram="balloon", chart="force", stars=QualityCountStars(), sim=DeviceChild("pinch", "press"),
    )

    def __init__(self, settings: Any = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.down = False
        self.n = 0

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        out = []
        for s in inp.samples:
            f = s.value("pinch")
            if not self.down and f > 15.0:
                self.down = True
            elif self.down and f < 5.0:
                self.down = False
                self.n += 1
                out.append(self.event(s.t_ns, "press", rep=self.n, value=1.0, unit="quality"))
        return out

    def live(self) -> dict[str, float]:
        return {"reps": float(self.n)}

    def reps(self) -> int:
        return self.n

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        return {"presses": self.n}, {"presses": "count"}, {"presses": "presses counted"}


@pytest.fixture
def pinch_kind(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    registry.names()
    device_kinds.kind_names()
    kind = device_kinds.DeviceKind("pinch", PinchGauge, ("pinch",), ("N",), ("pinch",), ("N",), (200.0,), ("press",),
                                   pinch_profile, "MS-SIM-PINCH", "pinch-plain", description="test pinch gauge")
    monkeypatch.setitem(device_kinds._KINDS, "pinch", kind)
    monkeypatch.setitem(registry._REGISTRY, PinchPresses.name, PinchPresses)
    yield "pinch"


def test_a_new_device_kind_runs_on_a_pty_through_the_driver_record_and_a_session(pinch_kind: str, tmp_path: Path) -> None:
    from devices.record import make_driver, record
    from devices.sim import PtySimulator, SimConfig
    from station.core import EventBus, SystemClock
    from station.plans import PlanItem, SessionPlan
    from station.session import SessionRunner
    from station.session.build import Devices, RunOptions, build_trials

    with PtySimulator(SimConfig(kind="pinch", rate_hz=100.0), link=tmp_path / "pinch") as sim:
        dev = make_driver(str(sim.path))  # the kind is detected from the simulator's hello
        assert isinstance(dev, PinchGauge)
        summary = record(dev, tmp_path / "pinch.csv", seconds=1.0)
        assert summary.samples > 50 and "pinch [N]" in (tmp_path / "pinch.csv").read_text().splitlines()[0]
    # a session with the simulated child pressing the gauge (its simulator profile, through the builder)
    db = open_database(f"sqlite:///{tmp_path / 'd.db'}")
    clock = SystemClock()
    bus = EventBus()
    opts = RunOptions(simulated=True)
    devices = Devices(opts, clock, bus)
    try:
        plan = SessionPlan(items=[PlanItem(exercise=PinchPresses.name, duration_s=2.5)])
        trials, _ = build_trials(plan, opts, clock, bus, devices)
        summary2 = SessionRunner(db, "P-PINCH-1", clock, pacing="external").run([t.spec for t in trials])
    finally:
        devices.close()
    (_, res), = summary2.results
    assert res.metrics["presses"] >= 1
    assert db.session(summary2.session_id)["status"] == "complete"
    db.dispose()


# -- a throw-away tracker backend --------------------------------------------------------------------


def test_a_new_tracker_backend_is_offered_by_every_command(tmp_path: Path) -> None:
    """A backend registered by name is discovered and chosen with ``--backend`` (here it replays a
    simulated child's landmarks in place of a model); an unknown name is one clear line."""
    from station.cli import main
    from vision.synth_body import exercise_stream
    from vision.trackers import backends, register_backend

    frames, truth = exercise_stream("squats", 4, seed=2)

    class Replayed:
        """Stands in for a model: gives each frame the landmarks the simulated child had at that time."""

        kinds = ("pose",)
        model = "replayed-test/1"

        def __init__(self, **_: Any) -> None:
            self.frames = iter(frames)

        def process(self, frame: Any) -> Any:
            tf = next(self.frames)
            poses = tuple(dataclasses.replace(p, source_id=frame.source_id, frame_seq=frame.seq, t_ns=frame.t_ns) for p in tf.poses)
            return TrackedFrame(frame.source_id, frame.seq, frame.t_ns, tf.image_size, (), poses)

        def close(self) -> None:
            pass

    register_backend("replayed-test", "pose", lambda clock=None, **opts: Replayed())
    assert "replayed-test" in backends()
    import cv2

    video = tmp_path / "blank.mp4"
    w = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 480))
    for _ in frames:
        w.write(np.zeros((480, 640, 3), np.uint8))
    w.release()
    out = tmp_path / "r.json"
    assert main(["analyze", str(video), "--exercise", "squats", "--backend", "replayed-test", "--json", str(out)]) == 0
    import json

    assert json.loads(out.read_text())["reps"] == len(truth.start_ns)
    assert main(["analyze", str(video), "--exercise", "squats", "--backend", "no-such-backend"]) == 2
