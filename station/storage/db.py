"""Opening the database and the small synchronous operations around a session.

Bulk streams go through :class:`station.storage.recorder.Recorder` (its own thread); this module does
what happens once per session: create the schema, register participants, open and close sessions.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, Text, cast, create_engine, delete, event, func, insert, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, InterfaceError, OperationalError, SQLAlchemyError

from station.core import InputError, SessionMeta, check_participant_code
from station.storage import damage
from station.storage import schema as S

log = logging.getLogger(__name__)


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


def header_json(meta: SessionMeta) -> dict[str, Any]:
    """The session header as JSON-serialisable data."""
    d = asdict(meta)
    return json.loads(json.dumps(d, default=str))


def _sqlite_text(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.text_factory = damage.text_factory  # damaged text: one line, or marked (storage.damage)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    _sqlite_text(dbapi_conn, _record)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    # keep the WAL file small: checkpoint every 1 MB (not 4 MB) and truncate it back to 1 MB after,
    # so the file beside the database does not hold 4 MB of old pages for ever
    cur.execute("PRAGMA wal_autocheckpoint=256")
    cur.execute("PRAGMA journal_size_limit=1048576")
    cur.close()


class Database:
    """An opened station database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.connect_url = url
        """The URL as given (may hold a password: never print it)."""
        self.url = _redact(url)
        """The URL with the password hidden (safe to print and log)."""
        self.damaged: list[str] = []
        """Rows the tolerant readers skipped because they are damaged (``sessions row 9484087b (header)``)."""

    def _readable(self, table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` without the damaged ones, which are noted in :attr:`damaged`."""
        out = []
        for r in rows:
            bad = damage.damaged_columns(table, r)
            if bad:
                self.damaged.append(damage.describe(table, r, bad))
            else:
                out.append(r)
        return out

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def ensure_participant(self, code: str, **fields: Any) -> None:
        """Register ``code`` if new. The code must pass the one participant-code rule (never a name)."""
        code = check_participant_code(code)
        with self.engine.begin() as c:
            if c.execute(select(S.participants.c.code).where(S.participants.c.code == code)).first() is None:
                c.execute(insert(S.participants).values(code=code, notes="", created_utc=utc_now(), **fields))

    def create_session(self, meta: SessionMeta, *, source: str = "", simulated: bool = False, place: str = "clinic") -> None:
        """Record a new session (status ``recording``) with its provenance (:mod:`station.core.provenance`)."""
        if check_participant_code(meta.participant) != meta.participant:
            raise InputError(f"participant code '{meta.participant}' has blanks around it", fix="give the code alone, e.g. P-017")
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
                    source=source[:128],
                    simulated=bool(simulated),
                    place=place,
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
        """The session row (header included); ``session_id`` may be a unique prefix of the id."""
        sid = self.resolve_session(session_id)
        with self.engine.connect() as c, damage.tolerant():
            row = c.execute(select(S.sessions).where(S.sessions.c.id == sid)).mappings().first()
        assert row is not None
        values = dict(row)
        bad = damage.damaged_columns(S.sessions, values)
        if bad:
            raise damage.DamagedDatabaseError(f"session {sid} cannot be read ({', '.join(bad)})")
        return values

    def resolve_session(self, session_id: str) -> str:
        """The full id of the session ``session_id`` names (the id, or a unique prefix of at least 4 characters)."""
        sid = session_id.strip()
        with self.engine.connect() as c:
            if c.execute(select(S.sessions.c.id).where(S.sessions.c.id == sid)).first() is not None:
                return sid
            found = [] if len(sid) < 4 else [r[0] for r in c.execute(select(S.sessions.c.id).where(S.sessions.c.id.startswith(sid, autoescape=True)).limit(2))]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise InputError(f"session id prefix '{sid}' is ambiguous", fix="give more characters of the id (station sessions list)")
        raise InputError(f"unknown session '{sid}'", fix="list sessions with: station sessions list")

    # -- participants --------------------------------------------------------------------------
    def participant(self, code: str) -> dict[str, Any]:
        """The participant row; :class:`InputError` when the code is unknown."""
        with self.engine.connect() as c:
            row = c.execute(select(S.participants).where(S.participants.c.code == code)).mappings().first()
        if row is None:
            raise InputError(f"unknown participant '{code}'", fix="list participants with: station participants list")
        return dict(row)

    def update_participant(self, code: str, **fields: Any) -> None:
        """Set some of ``birth_year``, ``birth_month``, ``dominant_hand``, ``notes`` of a known participant."""
        self.participant(code)
        allowed = {"birth_year", "birth_month", "dominant_hand", "notes"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"not participant fields: {sorted(bad)}")
        if fields:
            with self.engine.begin() as c:
                c.execute(update(S.participants).where(S.participants.c.code == code).values(**fields))

    def list_participants(self) -> list[dict[str, Any]]:
        """Participants with their number of sessions and first/last session start (UTC ISO)."""
        s = S.sessions
        q = (
            select(
                S.participants,
                func.count(s.c.id).label("n_sessions"),
                func.min(s.c.utc_start).label("first_utc"),
                func.max(s.c.utc_start).label("last_utc"),
            )
            .select_from(S.participants.outerjoin(s, s.c.participant == S.participants.c.code))
            .group_by(*S.participants.c)
            .order_by(S.participants.c.code)
        )
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    def list_sessions(self, participant: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Sessions, newest first, with ``n_trials``, ``exercises`` (in trial order) and total ``reps``."""
        t = S.trials
        q = select(S.sessions).order_by(S.sessions.c.utc_start.desc(), S.sessions.c.id)
        if participant is not None:
            q = q.where(S.sessions.c.participant == participant)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as c, damage.tolerant():  # damaged rows are skipped and noted in self.damaged
            rows = self._readable(S.sessions, [dict(r) for r in c.execute(q).mappings()])
            tq = select(t.c.session_id, t.c.trial, t.c.exercise, t.c.reps).order_by(t.c.session_id, t.c.trial)
            if participant is not None:
                tq = tq.where(t.c.session_id.in_([r["id"] for r in rows]))
            trials = self._readable(t, [dict(r) for r in c.execute(tq).mappings()])
        by: dict[str, list[tuple[str, int]]] = {}
        for tr in trials:
            by.setdefault(tr["session_id"], []).append((tr["exercise"], int(tr["reps"] or 0)))
        for r in rows:
            ts = by.get(r["id"], [])
            r["exercises"] = [n for n, _ in ts]
            r["n_trials"] = len(ts)
            r["reps"] = sum(n for _, n in ts)
        return rows

    def rows(self, table: Table, session_id: str, order: tuple[str, ...] = (), *, skip_damaged: bool = False) -> list[dict[str, Any]]:
        """All rows of ``table`` for one session (``order``: column names to sort by).

        A damaged value raises :class:`~station.storage.damage.DamagedDatabaseError`; with
        ``skip_damaged`` (listings for a person) damaged rows are left out and noted in :attr:`damaged`.
        """
        q = select(table).where(table.c.session_id == session_id)
        if order:
            q = q.order_by(*(table.c[o] for o in order))
        if not skip_damaged:
            with self.engine.connect() as c:
                return [dict(r) for r in c.execute(q).mappings()]
        with self.engine.connect() as c, damage.tolerant():
            return self._readable(table, [dict(r) for r in c.execute(q).mappings()])

    def metric_history(self, participant: str, names: list[str] | None = None, *,
                       include_simulated: bool = False) -> list[dict[str, Any]]:
        """Every numeric metric of a participant's sessions, oldest session first.

        Simulated sessions, failed sessions and failed trials are left out unless ``include_simulated``:
        a child's history holds only what that child did.

        Rows: ``session_id``, ``utc_start``, ``status``, ``simulated``, ``source``, ``place``, ``trial``,
        ``exercise``, ``name``, ``value``, ``unit``.
        """
        m, s, t = S.metrics, S.sessions, S.trials
        q = (
            select(m.c.session_id, s.c.utc_start, s.c.status, s.c.simulated, s.c.source, s.c.place, m.c.trial, m.c.exercise,
                   m.c.name, m.c.value, m.c.unit)
            .select_from(m.join(s, s.c.id == m.c.session_id)
                         .join(t, (t.c.session_id == m.c.session_id) & (t.c.trial == m.c.trial)))
            .where(s.c.participant == participant, m.c.value.is_not(None))
            .order_by(s.c.utc_start, m.c.trial, m.c.name)
        )
        if not include_simulated:
            q = q.where(s.c.simulated.is_(False), s.c.status != "failed", t.c.status != "failed")
        if names:
            q = q.where(m.c.name.in_(names))
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(q).mappings()]

    def left_out(self, participant: str) -> int:
        """How many of a participant's sessions :meth:`metric_history` leaves out (simulated or failed)."""
        s = S.sessions
        q = select(func.count()).select_from(s).where(s.c.participant == participant,
                                                      (s.c.simulated.is_(True)) | (s.c.status == "failed"))
        with self.engine.connect() as c:
            return int(c.execute(q).scalar_one())

    def metric_names(self) -> set[str]:
        """Names of every numeric metric recorded in this database."""
        with self.engine.connect() as c:
            return {r[0] for r in c.execute(select(S.metrics.c.name).where(S.metrics.c.value.is_not(None)).distinct())}

    def forget_participant(self, code: str) -> dict[str, Any]:
        """Delete a participant and every row that belongs to them, in one transaction.

        Returns what was removed: ``sessions`` (ids), ``rows`` (count per table) and ``files`` (paths
        relative to the data directory that the caller should delete), plus ``exports``: folders that
        earlier exports of this participant were written to (outside the station's reach; the caller
        should tell the user). The audit log records that a participant was forgotten, with counts
        but without the code; earlier audit entries keep their place with the code removed.
        """
        self.participant(code)
        removed: dict[str, int] = {}
        with self.engine.begin() as c:
            sids = [r[0] for r in c.execute(select(S.sessions.c.id).where(S.sessions.c.participant == code))]
            files = [r[0] for r in c.execute(select(S.files.c.path).where(S.files.c.session_id.in_(sids)))] if sids else []
            for table in (S.landmark_blocks, S.sample_blocks, S.landmarks, S.samples, S.events, S.metrics, S.trials, S.devices, S.calibrations, S.files):
                n = c.execute(delete(table).where(table.c.session_id.in_(sids))).rowcount if sids else 0
                removed[table.name] = int(n or 0)
            removed["sessions"] = int(c.execute(delete(S.sessions).where(S.sessions.c.participant == code)).rowcount or 0)
            gids = [r[0] for r in c.execute(select(S.goals.c.id).where(S.goals.c.participant == code))]
            for table in (S.goal_events, S.goal_versions):
                removed[table.name] = int(c.execute(delete(table).where(table.c.goal_id.in_(gids))).rowcount or 0) if gids else 0
            removed["goals"] = int(c.execute(delete(S.goals).where(S.goals.c.participant == code)).rowcount or 0)
            for table in (S.pairings, S.imported_bundles):  # home practice (0006): the pairings and bundle receipts
                removed[table.name] = int(c.execute(delete(table).where(table.c.participant == code)).rowcount or 0)
            removed["participants"] = int(c.execute(delete(S.participants).where(S.participants.c.code == code)).rowcount or 0)
            # earlier audit entries (exports) name the code: keep the entries, drop the code
            scrubbed = 0
            exports: list[str] = []
            for aid, action, detail in c.execute(select(S.audit.c.id, S.audit.c.action, S.audit.c.detail)
                                                 .where(cast(S.audit.c.detail, Text).contains(code, autoescape=True))).all():
                if action == "export" and code in (detail.get("participants") or []) and detail.get("out"):
                    exports.append(str(detail["out"]))
                new = _scrub(detail, code, set(sids))
                if new != detail:
                    c.execute(update(S.audit).where(S.audit.c.id == aid).values(detail=new))
                    scrubbed += 1
            removed["audit_entries_scrubbed"] = scrubbed
            c.execute(insert(S.audit).values(utc=utc_now(), action="forget_participant",
                                             detail={"sessions": len(sids), "rows": removed}))
        return {"sessions": sids, "rows": removed, "files": files, "exports": exports}

    # -- privacy helpers -------------------------------------------------------------------------
    def _secret(self) -> bytes:
        """A random per-database secret (created once) that keys date shifts."""
        with self.engine.begin() as c:
            row = c.execute(select(S.meta.c.value).where(S.meta.c.key == "date_shift_secret")).first()
            if row is None:
                value = secrets.token_hex(32)
                c.execute(insert(S.meta).values(key="date_shift_secret", value=value))
                return bytes.fromhex(value)
        return bytes.fromhex(row[0])

    def date_shift_days(self, code: str) -> int:
        """Days to subtract from every date of participant ``code`` when exports shift dates.

        Keyed by a secret kept in this database, so the shift is the same in every export of that
        participant and cannot be recomputed from the code alone. The shift is at least 101 years
        (dates land in 1925 or earlier, as BIDS recommends for shifted dates) plus 0-364 days.
        """
        h = hmac.new(self._secret(), code.encode("utf-8"), hashlib.sha256).digest()
        return 36890 + int.from_bytes(h[:4], "big") % 365

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def _scrub(value: Any, code: str, sids: set[str]) -> Any:
    """``value`` (JSON data) with the participant code and their session ids replaced by ``"(forgotten)"``."""
    if isinstance(value, dict):
        return {k: _scrub(v, code, sids) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, code, sids) for v in value]
    if isinstance(value, str) and (value == code or value in sids):
        return "(forgotten)"
    return value


MIGRATIONS = Path(__file__).with_name("migrations")


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _known_revisions() -> tuple[set[str], str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    revs = {r.revision for r in script.walk_revisions()}
    head = script.get_current_head()
    assert head is not None
    return revs, head


def _migrate(engine: Engine, url: str) -> None:
    """Bring the database to the newest schema with Alembic, or refuse a newer one.

    A database made before migrations existed (tables but no ``alembic_version``, station_meta
    ``schema_version`` 1) is stamped as revision ``0001`` and upgraded from there.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    known, head = _known_revisions()
    if engine.dialect.name == "sqlite":
        # Migrate through a rollback journal: in WAL mode every DDL statement appends whole pages to
        # the WAL (about 200 KB for a new database), which a nearly full disk may not have.
        # Only when this code will migrate: a newer database must stay byte for byte untouched.
        with engine.connect() as p:
            heads = tuple(MigrationContext.configure(p).get_current_heads())
            if heads:
                will_migrate = heads != (head,) and all(h in known for h in heads)
            else:
                legacy = None
                if "station_meta" in inspect(p).get_table_names():
                    row = p.execute(text("SELECT value FROM station_meta WHERE key = 'schema_version'")).first()
                    legacy = int(row[0]) if row else 1
                will_migrate = legacy is None or legacy <= S.SCHEMA_VERSION
            if will_migrate:
                p.exec_driver_sql("PRAGMA journal_mode=DELETE")
            p.commit()
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":  # several stations may start at once: one migrates
            c.execute(text("SELECT pg_advisory_xact_lock(7245190311)"))
        current = MigrationContext.configure(c).get_current_heads()
        tables = set(inspect(c).get_table_names())
        if not current and "station_meta" in tables:
            row = c.execute(text("SELECT value FROM station_meta WHERE key = 'schema_version'")).first()
            legacy = int(row[0]) if row else 1
            if legacy > S.SCHEMA_VERSION:
                current = (f"{legacy:04d}",)
            else:
                command.stamp(_alembic_config(c), f"{legacy:04d}")
                current = (f"{legacy:04d}",)
        unknown = [r for r in current if r not in known]
        if unknown:
            raise InputError(
                f"the database was written by a newer Motor Station (schema revision {', '.join(unknown)}; "
                f"this version knows up to {head})",
                where=_redact(url),
                fix="upgrade Motor Station on this computer, or use another database with --db",
            )
        if tuple(current) != (head,):
            log.info("migrating database %s from %s to %s", _redact(url), current or "empty", head)
            command.upgrade(_alembic_config(c), "head")


def _redact(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and url not in ("sqlite:///", "sqlite:///:memory:"):
        return Path(url[len("sqlite:///") :].split("?", 1)[0])
    return None


def open_database(url: str, *, repack: bool = True) -> Database:
    """Open the database at ``url`` (``sqlite:///path`` or ``postgresql://user:pw@host/db``), create or
    upgrade its schema with the migrations shipped in the package, and return it.

    Streams stored the old way (before revision 0003: one row per sample) are re-packed into blocks
    right after the upgrade (:func:`station.storage.streams.repack`, batch by batch, resumable), unless
    ``repack`` is false or another process is re-packing this database.

    Raises
    ------
    InputError
        When the URL is malformed, the database does not connect, or it was written by a newer
        version of Motor Station (nothing is written to it then).
    """
    kwargs: dict[str, Any] = {}
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    path = _sqlite_path(url)
    if url.startswith("sqlite"):
        if path is not None:
            if path.is_dir():
                raise InputError("the database path is a folder", where=str(path), fix="name a file, e.g. sqlite:///station.db")
            try:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise InputError("cannot create the database folder", where=str(path.parent), fix=exc.strerror) from None
            if not os.access(path.parent, os.W_OK):
                raise InputError("the database folder is not writable", where=str(path.parent), fix="choose another --db")
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
    elif url.startswith("postgresql"):
        kwargs["connect_args"] = {"connect_timeout": 5}
        kwargs["pool_pre_ping"] = True
    kwargs["json_deserializer"] = damage.json_deserializer
    try:
        engine = create_engine(url, **kwargs)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise InputError("cannot use database URL", where=_redact(url), fix=f"use sqlite:///PATH or postgresql://USER@HOST/DB ({exc})") from None
    if engine.dialect.name == "sqlite":
        if path is not None and not path.exists():  # create it owner-only before SQLite does
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    try:
        if engine.dialect.name == "sqlite":
            # a separate engine without the WAL pragma migrates (see _migrate); the file lock
            # serialises migrations of one SQLite file between processes
            lock_fd = os.open(path.with_name(path.name + ".lock"), os.O_CREAT | os.O_RDWR, 0o600) if path is not None else None
            migrator = create_engine(url, **kwargs)
            event.listen(migrator, "connect", _sqlite_text)
            try:
                if lock_fd is not None:
                    fcntl.flock(lock_fd, fcntl.LOCK_EX)
                _migrate(migrator, url)
            finally:
                migrator.dispose()
                if lock_fd is not None:
                    os.close(lock_fd)
            event.listen(engine, "connect", _sqlite_pragmas)
            with engine.connect():  # switch to WAL now (owner-only files are fixed below)
                pass
        else:
            _migrate(engine, url)
    except (DatabaseError, InterfaceError) as exc:
        engine.dispose()
        msg = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(getattr(exc, "orig", exc)).strip() else type(exc).__name__
        if engine.dialect.name == "sqlite" and not isinstance(exc, OperationalError):  # e.g. "file is not a database"
            raise InputError("the database file is damaged or is no SQLite database", where=_redact(url),
                             fix=f"move it aside or restore a backup ({msg})") from None
        raise InputError("cannot open the database", where=_redact(url), fix=f"check the URL and that the server runs: {msg}") from None
    except UnicodeDecodeError as exc:  # SQLite's own message quotes damaged schema text that is not UTF-8
        engine.dispose()
        raise InputError("the database file is damaged or is no SQLite database", where=_redact(url),
                         fix=f"move it aside or restore a backup (its schema holds text that is not UTF-8: {exc.reason})") from None
    except InputError:
        engine.dispose()
        raise
    if path is not None:
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if p.exists():
                os.chmod(p, 0o600)
    db = Database(engine, url)
    if repack:
        _repack_old_streams(db, path)
    return db


def _repack_old_streams(db: Database, path: Path | None) -> None:
    """Re-pack old-layout streams once (one process at a time: a file lock on SQLite, an advisory lock on PostgreSQL)."""
    from station.storage.streams import has_legacy_rows, repack

    if not has_legacy_rows(db):
        return
    if db.is_sqlite:
        fd = os.open(path.with_name(path.name + ".lock"), os.O_CREAT | os.O_RDWR, 0o600) if path is not None else None
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return  # another process is re-packing it
            _repack_logged(db, repack)
        finally:
            if fd is not None:
                os.close(fd)
        return
    with db.engine.connect() as c:
        if not c.execute(text("SELECT pg_try_advisory_lock(hashtext('motor-station repack ' || current_schema()))")).scalar():
            return
        try:
            _repack_logged(db, repack)
        finally:
            c.execute(text("SELECT pg_advisory_unlock(hashtext('motor-station repack ' || current_schema()))"))
            c.commit()


def _repack_logged(db: Database, repack: Any) -> None:
    log.warning("re-packing streams of earlier sessions into blocks (once; it resumes if interrupted)")
    rep = repack(db)
    log.info("re-packed %d samples and %d landmark observations into %d blocks in %.1f s",
                rep.sample_rows, rep.landmark_rows, rep.blocks, rep.seconds)
