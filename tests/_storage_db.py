"""Database fixtures shared by the storage, export and report tests: every test runs on SQLite and
on a real PostgreSQL server.

PostgreSQL comes from the environment variable ``MOTOR_STATION_TEST_PG`` (a URL such as
``postgresql://station:station@127.0.0.1/station_test``; ``.ci/run`` installs and starts the server and
sets it). Each test gets its own schema (dropped afterwards), so tests never see each other's rows.

Without the variable the PostgreSQL cases FAIL when ``CI`` is set (CI must never pass them silently)
and are SKIPPED locally with the reason printed by ``-ra``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ENV = "MOTOR_STATION_TEST_PG"
ENGINES = ["sqlite", "postgresql"]


def _pg_base() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        msg = f"PostgreSQL tests need {PG_ENV}=postgresql://USER:PW@HOST/DB (.ci/run sets it)"
        if os.environ.get("CI"):
            pytest.fail(msg + " — CI must run them")
        pytest.skip(msg)
    return url


def make_url(engine: str, tmp_path: Path) -> Iterator[str]:
    """Yield a fresh, empty database URL for ``engine`` (``sqlite`` or ``postgresql``)."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'station.db'}"
        return
    from sqlalchemy import create_engine, text

    base = _pg_base()
    sa_url = "postgresql+psycopg://" + base.split("://", 1)[1]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sa_url)
    try:
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        sep = "&" if "?" in base else "?"
        try:
            yield f"{base}{sep}options=-csearch_path%3D{schema}"
        finally:
            with admin.begin() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        admin.dispose()


def record_demo_session(db, participant: str = "P-001", *, seconds: float = 6.0, seed: int = 0, day: int = 1):  # type: ignore[no-untyped-def]
    """A real session of the simulated child (tracing + jumps) recorded through the session runner,
    on a fake clock (runs at full speed); returns the session id."""
    from datetime import UTC, datetime

    from station.core import FakeClock
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner

    clock = FakeClock(start_ns=day * 10**12, utc_start=datetime(2026, 3, day, 9, 30, tzinfo=UTC))
    runner = SessionRunner(db, participant, clock, pacing="own", config={"source": "simulated"})
    return runner.run(simulated_trials(DemoOptions(seconds=seconds, seed=seed))).session_id


def record_sensor_session(db, participant: str = "P-002", *, n: int = 300, rate_hz: float = 100.0):  # type: ignore[no-untyped-def]
    """A grip session written through the Recorder: a device, its calibration, ``n`` force samples
    (one flagged gap), rep events and metrics; returns ``(session_id, samples)``."""
    from datetime import UTC, datetime

    from exercises.base import ExerciseResult
    from station.core import CalibrationRecord, DeviceInfo, SampleFlag, ScoreEvent, SensorSample, SessionMeta
    from station.storage import Recorder

    sid = f"grip-{participant}"
    t0 = 5 * 10**12
    db.create_session(SessionMeta(sid, participant, datetime(2026, 3, 20, 14, 0, tzinfo=UTC), t0, "0.1.0", {}, {"source": "grip"}))
    info = DeviceInfo("grip0", "grip", "MSG-1", "SN0042", "1.2.0", ("force",), ("N",), rate_hz, "sim://grip", "msp/1")
    rec = Recorder(db, sid)
    rec.record_device(info)
    rec.record_calibration(CalibrationRecord("SN0042", "loadcell", "two-point", {"gain": 0.0123, "offset": -4.0}, 0.08, "N",
                                             datetime(2026, 3, 1, tzinfo=UTC), "0.1.0", 3))
    ts = t0 + 10**9
    rec.begin_trial(0, "grip_squeeze", {"hold_s": 2.0}, ts)
    dt = int(1e9 / rate_hz)
    samples = []
    for i in range(n):
        f = 100.0 * max(0.0, __import__("math").sin(i / n * 3 * 3.14159))
        samples.append(SensorSample("grip0", i, ts + i * dt, ts + i * dt + 200_000, i * int(1e6 / rate_hz), (f,), ("force",), ("N",),
                                    SampleFlag.GAP_BEFORE if i == n // 2 else SampleFlag.NONE))
    rec.record_samples(0, samples)
    events = [ScoreEvent(ts + (k * n // 3 + n // 6) * dt, "grip_squeeze", 0, k + 1, "squeeze", 100.0, "N", {"hold_s": 0.5}) for k in range(3)]
    rec.record_events(events)
    res = ExerciseResult("grip_squeeze", 3, {"peak_n": 100.0, "time_in_zone_s": 0.5}, events, {"peak_n": "N", "time_in_zone_s": "s"},
                         {"peak_n": "highest force in the trial", "time_in_zone_s": "total time in the zone"})
    rec.end_trial(0, res, ts + (n - 1) * dt)
    rec.close()
    db.end_session(sid)
    return sid, samples


def stored_samples(db, session_id: str | None = None, **filters):  # type: ignore[no-untyped-def]
    """Every stored sample (read back through the stream reader) as a dict like the old one-row-per-sample
    layout: session_id, trial, device_id, seq, t_ns, t_arrival_ns, device_time_us, flags, values."""
    from sqlalchemy import select

    from station.storage import schema as S
    from station.storage.streams import read_samples

    with db.engine.connect() as c:
        sids = [session_id] if session_id else [r[0] for r in c.execute(select(S.sessions.c.id).order_by(S.sessions.c.id))]
    out = []
    for sid in sids:
        for b in read_samples(db, sid, **filters):
            vals = b.value_lists()
            for i in range(len(b)):
                out.append({"session_id": sid, "trial": int(b.trial[i]), "device_id": b.device_id, "seq": int(b.seq[i]),
                            "t_ns": int(b.t_ns[i]), "t_arrival_ns": int(b.t_arrival_ns[i]),
                            "device_time_us": None if b.device_time_null[i] else int(b.device_time_us[i]),
                            "flags": int(b.flags[i]), "values": vals[i]})
    return out


def stored_landmarks(db, session_id: str | None = None, **filters):  # type: ignore[no-untyped-def]
    """Every stored landmark observation (through the stream reader) as a dict like the old layout's rows,
    ``data`` being the N x 4 float32 array."""
    from sqlalchemy import select

    from station.storage import schema as S
    from station.storage.streams import read_landmarks

    with db.engine.connect() as c:
        sids = [session_id] if session_id else [r[0] for r in c.execute(select(S.sessions.c.id).order_by(S.sessions.c.id))]
    out = []
    for sid in sids:
        for b in read_landmarks(db, sid, **filters):
            for i in range(len(b)):
                out.append({"session_id": sid, "trial": int(b.trial[i]), "source_id": b.source_id[i], "kind": b.kind[i],
                            "frame_seq": int(b.frame_seq[i]), "t_ns": int(b.t_ns[i]), "person": int(b.person[i]),
                            "handedness": b.handedness[i], "score": float(b.score[i]), "model": b.model[i],
                            "width": int(b.width[i]), "height": int(b.height[i]), "data": b.landmarks(i)})
    return out
