"""Crash safety: a session process killed with SIGKILL loses at most the last second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from station.recovery import integrity_check, recover_interrupted
from station.storage import open_database
from station.storage import schema as S


def _landmark_count(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    db = open_database(f"sqlite:///{db_path}")
    try:
        with db.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(S.landmarks)).scalar_one())
    finally:
        db.dispose()


def test_sigkill_mid_recording_loses_at_most_the_last_second(station_home: Path) -> None:
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home))
    p = subprocess.Popen([sys.executable, "-m", "station", "demo", "--headless"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_path = station_home / "station.db"
    deadline = time.monotonic() + 60
    while _landmark_count(db_path) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.poll() is None, "the demo ended before it could be killed"
    kill_ns = time.perf_counter_ns()  # CLOCK_MONOTONIC: the same clock the child stamps with
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)

    db = open_database(f"sqlite:///{db_path}")
    assert integrity_check(db) == []
    with db.engine.connect() as c:
        (sid, status) = c.execute(select(S.sessions.c.id, S.sessions.c.status)).one()
        last_t = c.execute(select(func.max(S.landmarks.c.t_ns))).scalar_one()
        n = c.execute(select(func.count()).select_from(S.landmarks)).scalar_one()
    assert status == "recording"
    assert n >= 60
    lost_s = (kill_ns - last_t) / 1e9
    assert 0 <= lost_s <= 1.0, f"the newest stored frame is {lost_s:.2f} s older than the kill"
    # next start: the orphaned session is marked, its data stays readable
    assert recover_interrupted(db) == [sid]
    assert db.session(sid)["status"] == "interrupted"
    assert recover_interrupted(db) == []


def test_recovery_leaves_live_sessions_alone(tmp_path: Path) -> None:
    from station.core import FakeClock
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner

    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    seen: list[list[str]] = []
    runner = SessionRunner(db, "P-9", FakeClock())

    def during(state):  # type: ignore[no-untyped-def]
        if state.steps == 5 and state.trial == 0:
            seen.append(recover_interrupted(db))  # our own process is alive: nothing to mark

    runner.on_update = during
    summary = runner.run(simulated_trials(DemoOptions(seconds=4)))
    assert seen == [[]]
    assert db.session(summary.session_id)["status"] == "complete"
