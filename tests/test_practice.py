"""Practice by place (``station.practice``): how often, how long, what improved, per place — on SQLite and PostgreSQL.

Sessions are written row by row with known times and history metrics, so every figure has a known answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from station.core import SessionMeta
from station.practice import describe, practice_by_place
from station.storage import open_database
from station.storage import schema as S
from tests._storage_db import ENGINES, make_url


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    for url in make_url(request.param, tmp_path):
        d = open_database(url)
        try:
            yield d
        finally:
            d.dispose()


def _session(db, day: str, place: str, exercise: str, metric: str, value: float, minutes: float, *,  # type: ignore[no-untyped-def]
             simulated: bool = False, status: str = "complete") -> str:
    sid = str(uuid.uuid4())
    meta = SessionMeta(sid, "P-030", datetime.fromisoformat(f"{day}T10:00:00+00:00").astimezone(UTC), 0, "test", {}, {})
    db.create_session(meta, source="simulated" if simulated else "camera:0", simulated=simulated, place=place)
    db.end_session(sid, status)
    with db.engine.begin() as c:
        c.execute(insert(S.trials).values(session_id=sid, trial=0, exercise=exercise, settings={}, t_start_ns=0,
                                          t_end_ns=int(minutes * 60e9), reps=1, result={}, source="camera:0", simulated=simulated,
                                          place=place, status="complete"))
        c.execute(insert(S.metrics).values(session_id=sid, trial=0, name=metric, exercise=exercise, value=value, unit="", definition=""))
    return sid


def test_practice_by_place_counts_and_changes(db) -> None:  # type: ignore[no-untyped-def]
    _session(db, "2026-11-02", "clinic", "posture", "upright_share_pct", 40.0, 5.0)
    _session(db, "2026-11-03", "home", "brushing", "brushed_share_pct", 50.0, 2.0)
    _session(db, "2026-11-03", "home", "brushing", "brushed_share_pct", 60.0, 2.0)
    _session(db, "2026-11-05", "home", "brushing", "brushed_share_pct", 80.0, 2.0)
    _session(db, "2026-11-04", "school", "posture", "upright_share_pct", 70.0, 20.0)
    _session(db, "2026-11-06", "school", "posture", "upright_share_pct", 55.0, 25.0)
    _session(db, "2026-11-07", "home", "brushing", "brushed_share_pct", 99.0, 2.0, simulated=True)  # never a child's result
    _session(db, "2026-11-08", "home", "brushing", "brushed_share_pct", 0.0, 2.0, status="failed")  # left out too
    pr = practice_by_place(db, "P-030")
    assert set(pr) == {"clinic", "home", "school"}
    home = pr["home"]
    assert (home.sessions, home.days, home.minutes) == (3, 2, 6.0)
    (ch,) = home.changes
    assert (ch.exercise, ch.metric, ch.first, ch.last, ch.sessions, ch.better) == ("brushing", "brushed_share_pct", 50.0, 80.0, 3, True)
    school = pr["school"]
    assert school.minutes == 45.0 and school.changes[0].better is False  # upright time went down
    assert pr["clinic"].changes[0].better is None  # one session: no change to judge
    lines = describe(home)
    assert lines[0] == "home: 3 sessions on 2 days, 6 min of practice"
    assert "Tooth brushing: Two minutes brushed 50 -> 80 % (better)" in lines[1]
    since = practice_by_place(db, "P-030", since="2026-11-05")
    assert set(since) == {"home", "school"} and since["home"].sessions == 1
    assert practice_by_place(db, "P-999") == {}
