"""Crash safety: a session process killed with SIGKILL loses at most the last second."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _storage_db import make_url, stored_samples
from sqlalchemy import func, select

from station.recovery import integrity_check, recover_interrupted
from station.storage import open_database
from station.storage import schema as S
from station.storage.streams import count_stored


def _landmark_count(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    db = open_database(f"sqlite:///{db_path}")
    try:
        with db.engine.connect() as c:
            return int(count_stored(c, "landmarks"))
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
        last_t = c.execute(select(func.max(S.landmark_blocks.c.t_last_ns))).scalar_one()
        n = count_stored(c, "landmarks")
    assert status == "recording"
    assert n >= 60
    lost_s = (kill_ns - last_t) / 1e9
    assert 0 <= lost_s <= 1.0, f"the newest stored frame is {lost_s:.2f} s older than the kill"
    db.dispose()
    # the next start of the station marks the orphaned session; its data stays readable
    r = subprocess.run([sys.executable, "-m", "station", "demo", "--headless", "--fast", "--seconds", "2"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    db = open_database(f"sqlite:///{db_path}")
    try:
        assert db.session(sid)["status"] == "interrupted"
        with db.engine.connect() as c:
            assert count_stored(c, "landmarks", session_id=sid) == n
        assert recover_interrupted(db) == []
        assert integrity_check(db) == []
    finally:
        db.dispose()


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    yield from make_url("postgresql", tmp_path)


def test_sigkill_mid_recording_on_postgresql(pg_url: str, station_home: Path) -> None:
    """A clinic's shared PostgreSQL (``MOTOR_STATION_DB``): the killed station's committed rows stay,
    the newest within 1 s of the kill; the server rolls back what was in flight; the next start
    (same host, the process gone) marks the session interrupted."""
    url = pg_url
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home), MOTOR_STATION_DB=url)
    log_path = station_home.parent / "demo-stderr.txt"

    def count() -> int:
        try:
            db = open_database(url)
        except Exception:  # the schema is being migrated by the demo right now
            return 0
        try:
            with db.engine.connect() as c:
                return int(count_stored(c, "landmarks"))
        except Exception:  # tables not created yet
            return 0
        finally:
            db.dispose()

    with open(log_path, "w") as err:
        p = subprocess.Popen([sys.executable, "-m", "station", "demo", "--headless"], env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 90
            while count() < 60 and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.1)
            assert p.poll() is None, f"the demo ended before it could be killed: {log_path.read_text()[-2000:]}"
            kill_ns = time.perf_counter_ns()
        finally:
            p.send_signal(signal.SIGKILL)  # never leave it running, whatever failed above
            p.wait(timeout=30)

    db = open_database(url)
    try:
        assert integrity_check(db) == []
        with db.engine.connect() as c:
            (sid, status) = c.execute(select(S.sessions.c.id, S.sessions.c.status)).one()
            last_t = c.execute(select(func.max(S.landmark_blocks.c.t_last_ns))).scalar_one()
            n = count_stored(c, "landmarks")
        assert status == "recording" and n >= 60
        lost_s = (kill_ns - last_t) / 1e9
        assert 0 <= lost_s <= 1.0, f"the newest stored frame is {lost_s:.2f} s older than the kill"
    finally:
        db.dispose()
    r = subprocess.run([sys.executable, "-m", "station", "demo", "--headless", "--fast", "--seconds", "2"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    db = open_database(url)
    try:
        assert db.session(sid)["status"] == "interrupted"
        with db.engine.connect() as c:
            assert count_stored(c, "landmarks", session_id=sid) == n
        assert recover_interrupted(db) == []
    finally:
        db.dispose()


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

    runner.updated.connect(during)
    summary = runner.run(simulated_trials(DemoOptions(seconds=4)))
    assert seen == [[]]
    assert db.session(summary.session_id)["status"] == "complete"


# A writer that is killed while it holds a transaction open (inserting sample blocks), or while it commits: the same as a power
# cut for everything not yet committed. The child prints how many rows its recorder had committed;
# after the kill every one of them must be there, and nothing half-written.
_WRITER = r"""
import sys, time, threading
from sqlalchemy import event
from station.core import FakeClock, SampleFlag, SensorSample
from station.session import SessionRunner, host_info
from station.core import SessionMeta
from station.storage import open_database, Recorder
from datetime import UTC, datetime

db = open_database(sys.argv[1])
mode = sys.argv[2]
sid = "00000000-0000-4000-8000-00000000000" + sys.argv[3]
db.create_session(SessionMeta(session_id=sid, participant="P-KILL-1", utc_start=datetime.now(UTC), clock_start_ns=0,
                              software_version="test", host=host_info(), config={}, devices=()))
rec = Recorder(db, sid, flush_s=0.02)
n_events = [0]
_out = threading.Lock()

def say(msg):  # one write per line, never interleaved between the two threads
    with _out:
        sys.stdout.write(msg + "\n")
        sys.stdout.flush()

@event.listens_for(db.engine, "before_cursor_execute")
def _inside(conn, cursor, statement, params, context, executemany):
    if "INSERT INTO sample_blocks" in statement:
        n_events[0] += 1
        if mode == "mid-insert" and n_events[0] == 8:
            say("IN_TX")
            time.sleep(30)  # hold the transaction open: the kill lands inside it

@event.listens_for(db.engine, "commit")
def _commit(conn):
    if mode == "at-commit" and n_events[0] >= 8:
        say("COMMITTING")

seq = 0
while True:
    if rec.pending > 4000:  # as fast as the writer goes, no faster
        time.sleep(0.002)
        continue
    rows = [SensorSample("grip0", seq + i, (seq + i) * 1000, (seq + i) * 1000, None, (float(seq + i),), ("force",), ("N",),
                         SampleFlag(0)) for i in range(2000)]
    seq += 2000
    rec.record_samples(0, rows)
    say(f"COMMITTED {rec.rows_written}")
    time.sleep(0.005)
"""


@pytest.mark.parametrize("mode", ["mid-insert", "at-commit"])
def test_writer_killed_inside_a_transaction_keeps_every_committed_row(url: str, mode: str) -> None:
    """On SQLite the cut is a power loss for the file; on PostgreSQL the server sees the connection
    drop and rolls the open transaction back. Either way every committed batch is kept, whole."""
    from station.core import FakeClock
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner

    committed = 0
    for round_ in range(2):  # two cuts in a row on the same database
        p = subprocess.Popen([sys.executable, "-c", _WRITER, url, mode, str(round_)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, cwd=Path(__file__).resolve().parents[1])
        assert p.stdout is not None
        deadline = time.monotonic() + 60
        marker = "IN_TX" if mode == "mid-insert" else "COMMITTING"
        committed_now = 0
        for line in p.stdout:
            m = re.fullmatch(r"COMMITTED (\d+)", line.strip())
            if m:
                committed_now = int(m.group(1))
            if line.strip() == marker or time.monotonic() > deadline:
                break
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        p.stdout.close()
        assert time.monotonic() <= deadline, "the writer never reached the point to kill it at"
        committed += committed_now

        db = open_database(url)
        try:
            assert integrity_check(db) == []
            with db.engine.connect() as c:
                n = count_stored(c, "samples")
            rows = [(r["session_id"], r["seq"], r["values"]) for r in stored_samples(db)]  # every block decodes
            assert n >= committed > 0, f"{committed} rows were committed before the cut, {n} are left"
            for _sid, seq, values in rows:  # readable, and each row whole
                assert values == [float(seq)]
            # per session, the kept rows are a gap-free prefix of what was sent (batches are atomic)
            by_session: dict[str, list[int]] = {}
            for sid_, seq, _ in rows:
                by_session.setdefault(sid_, []).append(seq)
            for seqs in by_session.values():
                assert sorted(seqs) == list(range(len(seqs)))
        finally:
            db.dispose()

    # the next start of a session (what `station demo` and `station run` do) marks both cut sessions
    db = open_database(url)
    try:
        runner = SessionRunner(db, "P-NEXT-1", FakeClock())
        summary = runner.run(simulated_trials(DemoOptions(seconds=2)))
        assert len(runner.recovered) == 2
        for sid_ in runner.recovered:
            assert db.session(sid_)["status"] == "interrupted"
        assert db.session(summary.session_id)["status"] == "complete"
        assert integrity_check(db) == []
    finally:
        db.dispose()


@pytest.mark.slow
def test_sigkill_of_station_run_is_marked_interrupted_by_the_next_run(station_home: Path) -> None:
    """The same through the therapist's app (`station run`, Qt offscreen): kill it mid-trial, start
    it again, and the first session is `interrupted` with its landmarks kept."""
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home), QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "station", "run", "--simulated", "--exercise", "tracing", "--start", "--countdown", "0"]
    p = subprocess.Popen([*cmd, "--quit-after", "60"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db_path = station_home / "station.db"
    deadline = time.monotonic() + 90
    while _landmark_count(db_path) < 30 and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.1)
    assert p.poll() is None, "station run ended before it could be killed"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    n_before = _landmark_count(db_path)
    r = subprocess.run([*cmd, "--quit-after", "2"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    db = open_database(f"sqlite:///{db_path}")
    try:
        assert integrity_check(db) == []
        with db.engine.connect() as c:
            rows = c.execute(select(S.sessions.c.id, S.sessions.c.status).order_by(S.sessions.c.utc_start)).all()
            first = rows[0][0]
            n = count_stored(c, "landmarks", session_id=first)
        assert rows[0][1] == "interrupted" and len(rows) == 2
        assert n == n_before >= 30
    finally:
        db.dispose()


def test_data_commands_show_a_killed_session_as_interrupted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`station sessions list` (any data command) opens the database through the same recovery:
    a session whose process was killed is listed as interrupted, not as still recording."""
    from station.cli import main

    url = f"sqlite:///{tmp_path / 'cut.db'}"
    p = subprocess.Popen([sys.executable, "-c", _WRITER, url, "mid-insert", "7"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True, cwd=Path(__file__).resolve().parents[1])
    assert p.stdout is not None
    deadline = time.monotonic() + 60
    for line in p.stdout:
        if line.startswith("IN_TX") or time.monotonic() > deadline:
            break
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    p.stdout.close()
    assert main(["sessions", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "P-KILL-1" in out and "interrupted" in out and "recording" not in out, out
