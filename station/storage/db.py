"""Opening the database and the small synchronous operations around a session.

Bulk streams go through :class:`station.storage.recorder.Recorder` (its own thread); this module does
what happens once per session: create the schema, register participants, open and close sessions.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from station.core import InputError, SessionMeta
from station.storage import schema as S

log = logging.getLogger(__name__)


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


def header_json(meta: SessionMeta) -> dict[str, Any]:
    """The session header as JSON-serialisable data."""
    d = asdict(meta)
    return json.loads(json.dumps(d, default=str))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


class Database:
    """An opened station database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def ensure_participant(self, code: str, **fields: Any) -> None:
        with self.engine.begin() as c:
            if c.execute(select(S.participants.c.code).where(S.participants.c.code == code)).first() is None:
                c.execute(insert(S.participants).values(code=code, notes="", created_utc=utc_now(), **fields))

    def create_session(self, meta: SessionMeta) -> None:
        self.ensure_participant(meta.participant)
        with self.engine.begin() as c:
            c.execute(
                insert(S.sessions).values(
                    id=meta.session_id,
                    participant=meta.participant,
                    utc_start=meta.utc_start.isoformat(),
                    clock_start_ns=meta.clock_start_ns,
                    status="recording",
                    header=header_json(meta),
                    notes="",
                )
            )

    def update_header(self, meta: SessionMeta) -> None:
        with self.engine.begin() as c:
            c.execute(update(S.sessions).where(S.sessions.c.id == meta.session_id).values(header=header_json(meta)))

    def end_session(self, session_id: str, status: str = "complete") -> None:
        with self.engine.begin() as c:
            c.execute(update(S.sessions).where(S.sessions.c.id == session_id).values(status=status, ended_utc=utc_now()))

    def mark_interrupted(self) -> list[str]:
        """Mark sessions left in ``recording`` by a crashed process as ``interrupted``; returns their ids."""
        with self.engine.begin() as c:
            ids = [r[0] for r in c.execute(select(S.sessions.c.id).where(S.sessions.c.status == "recording"))]
            if ids:
                c.execute(update(S.sessions).where(S.sessions.c.id.in_(ids)).values(status="interrupted"))
        return ids

    def audit(self, action: str, **detail: Any) -> None:
        with self.engine.begin() as c:
            c.execute(insert(S.audit).values(utc=utc_now(), action=action, detail=json.loads(json.dumps(detail, default=str))))

    def session(self, session_id: str) -> dict[str, Any]:
        with self.engine.connect() as c:
            row = c.execute(select(S.sessions).where(S.sessions.c.id == session_id)).mappings().first()
        if row is None:
            raise InputError(f"unknown session '{session_id}'", fix="list sessions with: station sessions list")
        return dict(row)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Database:
    """Open (and create or check) the database at ``url`` (``sqlite:///path`` or ``postgresql://...``).

    Raises :class:`InputError` when it cannot connect or was written by a newer schema version.
    """
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
    try:
        engine = create_engine(url, **kwargs)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise InputError("cannot use database URL", where=url, fix=f"use sqlite:///PATH or postgresql://USER@HOST/DB ({exc})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        S.metadata.create_all(engine)
        with engine.begin() as c:
            row = c.execute(select(S.meta.c.value).where(S.meta.c.key == "schema_version")).first()
            if row is None:
                c.execute(insert(S.meta).values(key="schema_version", value=str(S.SCHEMA_VERSION)))
            elif int(row[0]) > S.SCHEMA_VERSION:
                raise InputError(
                    f"database was written by a newer Motor Station (schema {row[0]}, this one knows {S.SCHEMA_VERSION})",
                    where=url,
                    fix="upgrade Motor Station",
                )
    except OperationalError as exc:
        raise InputError("cannot open database", where=url, fix=f"check the URL and that the server runs ({exc.orig})") from None
    if engine.dialect.name == "sqlite":
        db_path = Path(url[len("sqlite:///") :])
        for p in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
            if p.exists():
                os.chmod(p, 0o600)
    return Database(engine, url)
