"""Devices in sessions: the feed from a driver's queue to scoring steps, and the demo's simulated
grip and balance trials (recorded like any other session, simulators cleaned up)."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from devices.grip import GripDynamometer
from devices.sim import PtySimulator, SimConfig
from exercises import registry
from exercises.base import Exercise, StepInput
from station.core import ScoreEvent, SystemClock
from station.demo import BALANCE_EXERCISE, GRIP_EXERCISE, DemoOptions, DeviceDemo, demo_trials
from station.session import SessionRunner
from station.session.feeds import device_feed
from station.storage import open_database
from station.storage import schema as S
from station.storage.streams import count_stored


class _SampleCounter(Exercise):
    """Test stand-in for the grip/balance exercises another engineer writes: counts what it gets."""

    title = "count"
    inputs = ("grip",)

    def __init__(self, *a: object, **k: object) -> None:
        super().__init__(*a, **k)  # type: ignore[arg-type]
        self.n = 0
        self.channels: set[tuple[str, ...]] = set()

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        self.n += len(inp.samples)
        self.channels |= {s.channels for s in inp.samples}
        return []

    def live(self) -> dict[str, float]:
        return {"n": self.n}

    def reps(self) -> int:
        return 0

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        return {"samples": self.n, "channels": ";".join(",".join(c) for c in sorted(self.channels))}, {}, {}


@pytest.fixture
def fake_device_exercises(monkeypatch: pytest.MonkeyPatch) -> None:
    registry.names()  # load the real ones first; the stand-ins replace them for this test only
    for name in (GRIP_EXERCISE, BALANCE_EXERCISE):
        real = registry._REGISTRY[name]
        monkeypatch.setitem(registry._REGISTRY, name, type(name, (_SampleCounter,), {"name": name, "contract": real.contract,
                                                                          "inputs": real.inputs}))


def test_device_feed_delivers_every_sample_in_time_ordered_steps(tmp_path: Path) -> None:
    clock = SystemClock()
    with PtySimulator(SimConfig("grip", rate_hz=400), link=tmp_path / "g") as sim:
        dev = GripDynamometer(sim.path, clock=clock)
        dev.open()
        try:
            t0 = clock.now_ns()
            steps = list(device_feed(dev, 1.0, clock=clock, step_hz=40)(t0))
        finally:
            dev.close()
    t = [s.t_ns for s in steps]
    assert all(b > a for a, b in itertools.pairwise(t))
    assert 35 <= len(steps) <= 42
    samples = [x for s in steps for x in s.samples]
    seqs = [x.seq for x in samples]
    assert seqs == list(range(1, len(seqs) + 1))  # none lost, none repeated
    assert 350 <= len(samples) <= 450
    assert all(s.t_ns >= s.samples[-1].t_ns for s in steps if s.samples)


def test_device_feed_ends_before_the_session_deadline(tmp_path: Path) -> None:
    clock = SystemClock()
    dev = GripDynamometer("sim://grip?rate=100", clock=clock)
    dev.open()
    try:
        t0 = clock.now_ns()
        steps = list(device_feed(dev, 10.0, clock=clock, deadline_ns=t0 + 600_000_000, margin_s=0.25)(t0))
    finally:
        dev.close()
    assert steps and steps[-1].t_ns <= t0 + 400_000_000


def test_without_the_exercises_the_demo_starts_no_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("station.demo.registered", lambda name: False)
    with DeviceDemo(5) as dd:
        assert dd.active == () and dd.trials() == [] and dd.sims == {}
        assert [t.exercise for t in demo_trials(DemoOptions(seconds=5), dd)] == [t.exercise for t in demo_trials(DemoOptions(seconds=5))]


def test_demo_device_trials_are_recorded_like_any_session(tmp_path: Path, fake_device_exercises: None) -> None:
    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    clock = SystemClock()
    with DeviceDemo(None, clock=clock) as dd:
        links = [Path(s.path) for s in dd.sims.values()]
        assert len(links) == 2 and all(p.is_symlink() for p in links)
        trials = [t for t in dd.trials(seconds_budget=2.0)]
        assert [t.exercise for t in trials] == [GRIP_EXERCISE, BALANCE_EXERCISE]
        assert [t.devices[0].kind for t in trials] == ["grip", "balance"]
        t0 = time.monotonic()
        summary = SessionRunner(db, "P-DEV-1", clock, pacing="own").run(trials)
        wall = time.monotonic() - t0
    assert summary.status == "complete" and wall > 1.8  # two 1 s trials, paced in real time (no upper bound: load)
    assert not any(p.exists() or p.is_symlink() for p in links)  # simulators and links cleaned up
    assert not links[0].parent.exists()
    (_g_spec, g_res), (_b_spec, b_res) = summary.results
    assert g_res.metrics["channels"] == "force"
    assert b_res.metrics["channels"] == "tl,tr,bl,br,total,cop_x,cop_y"
    with db.engine.connect() as c:
        counts = {d: count_stored(c, "samples", session_id=summary.session_id, device_id=d) for d in ("grip0", "balance0")}
        devices = {r.device_id for r in c.execute(select(S.devices.c.device_id).where(S.devices.c.session_id == summary.session_id))}
    assert counts == {"grip0": g_res.metrics["samples"], "balance0": b_res.metrics["samples"]}
    assert counts["grip0"] > 50 and counts["balance0"] > 50
    assert devices == {"grip0", "balance0"}
    db.dispose()


def test_demo_protocol_shares_the_time_bound(fake_device_exercises: None) -> None:
    with DeviceDemo(20) as dd:
        trials = demo_trials(DemoOptions(seconds=20), dd)
        assert [t.exercise for t in trials] == ["tracing", "jumps", GRIP_EXERCISE, BALANCE_EXERCISE]
        total = sum(t.duration_s or 0 for t in trials)
        assert total < 20 + 4 * 0.5 + 0.01


def test_the_real_grip_and_balance_exercises_score_the_simulators(tmp_path: Path) -> None:
    """Once ``grip_squeeze`` and ``balance_quiet_stance`` are registered, the demo plays them through
    the pty simulators; their own scoring is tested by their author, here only that they receive
    the drivers' samples and produce a result."""
    names = registry.names()
    if GRIP_EXERCISE not in names or BALANCE_EXERCISE not in names:
        pytest.fail("the grip and balance exercises are registered in this tree; the demo must find them")
    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    clock = SystemClock()
    with DeviceDemo(None, clock=clock) as dd:
        assert dd.active == (GRIP_EXERCISE, BALANCE_EXERCISE)
        summary = SessionRunner(db, "P-DEV-2", clock).run(dd.trials(seconds_budget=3.0))
    assert summary.status == "complete"
    (_, g), (_, b) = summary.results
    assert g.exercise == GRIP_EXERCISE and b.exercise == BALANCE_EXERCISE
    assert any(v is not None for v in g.metrics.values()) and any(v is not None for v in b.metrics.values())
    with db.engine.connect() as c:
        n = count_stored(c, "samples", session_id=summary.session_id)
    assert n > 200  # 100 Hz x two devices x ~1.5 s each
    db.dispose()


def test_link_folders_of_killed_demos_are_removed(tmp_path: Path, fake_device_exercises: None) -> None:
    import subprocess
    import sys
    import tempfile

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    stale = Path(tempfile.gettempdir()) / f"motor-station-devices-{dead}-abc123"
    stale.mkdir()
    (stale / "grip").symlink_to("/dev/pts/99999")
    with DeviceDemo(None) as dd:
        assert dd.sims and not stale.exists()
        mine = Path(next(iter(dd.sims.values())).path).parent
        assert mine.name.startswith(f"motor-station-devices-{os.getpid()}-")
    assert not mine.exists()
