"""Storage on SQLite and PostgreSQL: migrations, version checks, the threaded recorder, privacy."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, text

from exercises.base import ExerciseResult
from station.core import CalibrationRecord, DeviceInfo, HandObservation, InputError, ScoreEvent, SensorSample
from station.storage import Recorder, open_database
from station.storage import schema as S
from station.storage.db import Database


def _count(db: Database, table, **where) -> int:  # type: ignore[no-untyped-def]
    if table in (S.samples, S.landmarks):  # samples / observations stored, in blocks (or the old layout)
        from station.storage.streams import count_stored

        with db.engine.connect() as c:
            return count_stored(c, table.name, **where)
    q = select(func.count()).select_from(table)
    for k, v in where.items():
        q = q.where(table.c[k] == v)
    with db.engine.connect() as c:
        return int(c.execute(q).scalar_one())


def _poll(pred, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return bool(pred())


def _meta(db: Database, sid: str = "s-1", participant: str = "P-001"):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from station.core import SessionMeta

    m = SessionMeta(sid, participant, datetime(2026, 3, 4, 10, 0, tzinfo=UTC), 10**9, "0.1.0", {}, {})
    db.create_session(m)
    return m


def _hand(t_ns: int, seq: int) -> HandObservation:
    lm = np.linspace(0, 1, 63, dtype=np.float32).reshape(21, 3)
    return HandObservation("cam0", seq, t_ns, lm, (640, 480), visibility=np.full(21, 0.9, np.float32))


def test_migrations_create_exactly_the_declared_schema(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as c:
        mc = MigrationContext.configure(c, opts={"compare_type": True})
        assert compare_metadata(mc, S.metadata) == []
        assert mc.get_current_heads() == (f"{S.SCHEMA_VERSION:04d}",)
        assert c.execute(select(S.meta.c.value).where(S.meta.c.key == "schema_version")).scalar_one() == str(S.SCHEMA_VERSION)


def test_reopening_is_idempotent_and_keeps_rows(url: str) -> None:
    db = open_database(url)
    _meta(db)
    db.dispose()
    db = open_database(url)
    assert db.session("s-1")["participant"] == "P-001"
    db.dispose()


def test_database_from_a_newer_version_is_refused_and_untouched(url: str) -> None:
    db = open_database(url)
    with db.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    db.dispose()
    with pytest.raises(InputError, match="newer Motor Station"):
        open_database(url)
    from sqlalchemy import create_engine

    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with eng.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0099"
    eng.dispose()


def test_cli_refuses_a_newer_database_with_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    db = open_database(url)
    with db.engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    db.dispose()
    before = (tmp_path / "n.db").read_bytes()
    r = subprocess.run([sys.executable, "-m", "station", "sessions", "list", "--db", url], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "newer Motor Station" in r.stderr
    assert (tmp_path / "n.db").read_bytes() == before


def test_a_database_from_before_migrations_is_upgraded(tmp_path: Path) -> None:
    """Foundation databases were made by ``create_all`` with schema_version 1 and no alembic table."""
    from alembic import command

    from station.storage.db import _alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    from sqlalchemy import create_engine

    eng = create_engine(url)
    with eng.begin() as c:
        command.upgrade(_alembic_config(c), "0001")
        c.execute(text("DROP TABLE alembic_version"))
        c.execute(text("INSERT INTO participants (code, notes, created_utc) VALUES ('P-OLD-1', '', '2025-01-01')"))
    eng.dispose()
    db = open_database(url)
    assert db.participant("P-OLD-1")["code"] == "P-OLD-1"
    assert _count(db, S.calibrations) == 0  # the 0002 table exists now
    with db.engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == f"{S.SCHEMA_VERSION:04d}"


def test_unreachable_database_is_a_one_line_error_with_exit_2(tmp_path: Path) -> None:
    t0 = time.monotonic()
    with pytest.raises(InputError, match="cannot open the database"):
        open_database("postgresql://nobody:secret@127.0.0.1:9/none")
    assert time.monotonic() - t0 < 10
    r = subprocess.run([sys.executable, "-m", "station", "participants", "list", "--db", "postgresql://nobody:secret@127.0.0.1:9/none"],
                       capture_output=True, text=True, env=dict(os.environ, MOTOR_STATION_HOME=str(tmp_path / "h")))
    assert r.returncode == 2 and r.stderr.startswith("error: cannot open the database")
    assert r.stderr.count("\n") == 1 and "secret" not in r.stderr  # the password is never printed
    assert not (tmp_path / "h" / "station.db").exists()


def test_sqlite_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "station.db"
    db = open_database(f"sqlite:///{path}")
    _meta(db)
    for p in (path, path.with_name("station.db-wal")):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with db.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


def test_recorder_writes_every_stream_in_batches_and_loses_nothing_on_close(db: Database) -> None:
    _meta(db)
    rec = Recorder(db, "s-1", flush_s=0.2)
    info = DeviceInfo("grip0", "grip", "G1", "SN1", "1.0", ("force",), ("N",), 100.0)
    rec.record_device(info)
    rec.record_calibration(CalibrationRecord("SN1", "loadcell", "two-point", {"gain": 1.5}, 0.02, "N",
                                             __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC), "0.1.0"))
    rec.begin_trial(0, "grip_squeeze", {"hold_s": 3}, 10**9)
    n = 2000
    for i in range(n):
        rec.record_observations(0, hands=[_hand(10**9 + i * 33_000_000, i)])
        rec.record_samples(0, [SensorSample("grip0", i, 10**9 + i * 10_000_000, 10**9 + i * 10_000_000 + 5, i * 10_000, (float(i),), ("force",), ("N",))])
    rec.record_events([ScoreEvent(2 * 10**9, "grip_squeeze", 0, 1, "squeeze", 120.0, "N", {"hold_s": 0.8})])
    res = ExerciseResult("grip_squeeze", 1, {"peak_n": 123.4, "label": "ok", "bad": float("nan")}, [], {"peak_n": "N"},
                         {"peak_n": "highest force"})
    rec.end_trial(0, res, 3 * 10**9)
    rec.close()
    assert rec.pending == 0 and rec.write_errors == 0
    assert _count(db, S.landmarks) == n and _count(db, S.samples) == n
    assert _count(db, S.events) == 1 and _count(db, S.devices) == 1 and _count(db, S.calibrations) == 1
    tr = db.rows(S.trials, "s-1")[0]
    assert tr["t_end_ns"] == 3 * 10**9 and tr["reps"] == 1
    ms = {m["name"]: m for m in db.rows(S.metrics, "s-1")}
    assert ms["peak_n"]["value"] == 123.4 and ms["peak_n"]["unit"] == "N" and ms["peak_n"]["definition"] == "highest force"
    assert ms["label"]["text"] == "ok" and ms["bad"]["value"] is None
    ev = db.rows(S.events, "s-1")[0]
    assert ev["payload"] == {"hold_s": 0.8}


def test_recorder_commits_within_the_flush_interval_without_being_asked(db: Database) -> None:
    """What a crash can lose is bounded by the flush interval: rows reach the database on their own."""
    _meta(db)
    rec = Recorder(db, "s-1", flush_s=0.5)
    try:
        rec.begin_trial(0, "tracing", {}, 0)
        t0 = time.monotonic()
        rec.record_observations(0, hands=[_hand(1, 0)])
        assert _poll(lambda: _count(db, S.landmarks) == 1, timeout=30.0)
        assert time.monotonic() - t0 < 1.0
    finally:
        rec.close()


def test_producers_never_wait_and_rows_survive_a_failing_database(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """While the events table is gone the writer fails; producers still return at once and the rows
    stay queued; when the table is back they are written in order. The log says so once (not once
    per retry) and says when writing works again."""
    _meta(db)
    rec = Recorder(db, "s-1", flush_s=0.05)
    caplog.set_level(logging.WARNING, logger="station.storage.recorder")
    try:
        with db.engine.begin() as c:
            c.execute(text("ALTER TABLE events RENAME TO events_away"))
        t0 = time.perf_counter()
        rec.record_events([ScoreEvent(i, "jumps", 0, i, "jump", float(i)) for i in range(100)])
        assert time.perf_counter() - t0 < 0.05
        assert _poll(lambda: rec.write_errors >= 4)
        assert rec.pending == 100 and rec.last_error
        rec.record_events([ScoreEvent(100, "jumps", 0, 100, "jump", 100.0)])
        with db.engine.begin() as c:
            c.execute(text("ALTER TABLE events_away RENAME TO events"))
        assert _poll(lambda: rec.pending == 0)
    finally:
        rec.close()
    reps = [r["rep"] for r in db.rows(S.events, "s-1", order=("id",))]
    assert reps == list(range(101))
    ours = [r for r in caplog.records if r.name == "station.storage.recorder"]  # (psycopg logs its own warnings)
    errors = [r for r in ours if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "could not write" in errors[0].getMessage(), [r.getMessage() for r in errors]
    again = [r.getMessage() for r in ours if r.levelno == logging.WARNING]
    assert len(again) == 1 and "writing again after" in again[0] and "none lost" in again[0]


def test_sessions_and_participants_queries(db: Database) -> None:
    _meta(db, "aaaa-1111", "P-001")
    _meta(db, "bbbb-2222", "P-002")
    db.ensure_participant("P-003")
    db.update_participant("P-001", birth_year=2019, birth_month=5, dominant_hand="left")
    assert db.participant("P-001")["dominant_hand"] == "left"
    ps = {p["code"]: p for p in db.list_participants()}
    assert ps["P-001"]["n_sessions"] == 1 and ps["P-003"]["n_sessions"] == 0
    assert [s["id"] for s in db.list_sessions("P-002")] == ["bbbb-2222"]
    assert db.resolve_session("aaaa") == "aaaa-1111"
    with pytest.raises(InputError, match="unknown session"):
        db.session("zzzz")
    with pytest.raises(InputError, match="unknown participant"):
        db.participant("P-404")


def test_date_shift_is_consistent_per_participant(db: Database) -> None:
    shifts = [db.date_shift_days(f"P-{i:03d}") for i in range(20)]
    assert shifts == [db.date_shift_days(f"P-{i:03d}") for i in range(20)]
    assert all(36890 <= s < 36890 + 365 for s in shifts)
    assert len(set(shifts)) > 10


def test_forget_removes_every_row_of_a_participant_and_only_theirs(db: Database) -> None:
    for sid, code in (("s-1", "P-001"), ("s-2", "P-001"), ("s-3", "P-002")):
        _meta(db, sid, code)
        rec = Recorder(db, sid)
        rec.begin_trial(0, "tracing", {}, 0)
        rec.record_observations(0, hands=[_hand(1, 0)])
        rec.record_events([ScoreEvent(1, "tracing", 0, 1, "rep", 1.0)])
        rec.record_file("video", f"sessions/{sid}/video.mkv")
        rec.close()
    db.audit("export", format="csv", sessions=["s-1", "s-3"], participants=["P-001", "P-002"], out="/exports/x")
    out = db.forget_participant("P-001")
    assert sorted(out["sessions"]) == ["s-1", "s-2"]
    assert out["rows"]["landmark_blocks"] == 2 and out["rows"]["sessions"] == 2 and out["rows"]["participants"] == 1
    assert sorted(out["files"]) == ["sessions/s-1/video.mkv", "sessions/s-2/video.mkv"]
    for table in (S.landmarks, S.landmark_blocks, S.events, S.trials, S.files, S.sessions):
        assert _count(db, table) == 1
    with pytest.raises(InputError):
        db.participant("P-001")
    with db.engine.connect() as c:
        detail = c.execute(select(S.audit.c.detail).where(S.audit.c.action == "forget_participant")).scalar_one()
        export = c.execute(select(S.audit.c.detail).where(S.audit.c.action == "export")).scalar_one()
    assert "P-001" not in str(detail)
    assert export == {"format": "csv", "sessions": ["(forgotten)", "s-3"], "participants": ["(forgotten)", "P-002"], "out": "/exports/x"}
    assert out["exports"] == ["/exports/x"]
    assert out["rows"]["audit_entries_scrubbed"] == 1


def test_processes_opening_a_new_database_at_once_migrate_it_once(tmp_path: Path) -> None:
    """Two station processes starting together on a new SQLite file (a demo and a reader) must not
    both try to create the tables."""
    path = tmp_path / "race.db"
    code = f"from station.storage import open_database; db = open_database('sqlite:///{path}'); print(db.participant.__name__)"
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [e for _, e in results]
    db = open_database(f"sqlite:///{path}")
    with db.engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [f"{S.SCHEMA_VERSION:04d}"]
    db.dispose()
