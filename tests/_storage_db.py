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
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
