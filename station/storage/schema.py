"""The database schema (SQLAlchemy Core), the one definition used on SQLite and PostgreSQL.

Times: ``*_ns`` columns are session-clock nanoseconds (see :mod:`station.core.clock`); the session
row's ``utc_start`` and ``clock_start_ns`` anchor them to UTC. ``*_utc`` columns are ISO-8601 UTC
strings. Landmarks are stored one row per observation, ``data`` = float32 little-endian array of
N x 4 (x, y, z, visibility) in normalised image coordinates (see :mod:`station.core.messages`).
Sensor samples are one row per sample; ``values`` is the list of channel values whose names and
units are in the device's row of ``devices`` (``info.channels`` / ``info.units``).

The schema is general on purpose: any exercise adds events with its own ``kind`` and ``payload``,
any device adds samples under its own ``device_id``; neither needs a migration. Files that live
beside the database (Parquet streams, an opted-in video, reports) are referenced from ``files`` by a
path relative to the data directory.

Changing this module needs a new Alembic revision in ``station/storage/migrations/versions`` (the
migrations, not ``metadata.create_all``, create and upgrade databases; a test checks they agree).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
)

SCHEMA_VERSION = 4
"""Number of the newest Alembic revision this code knows (revision ids are ``"0001"``, ``"0002"``...)."""

# 64-bit ids on PostgreSQL (a clinic accumulates billions of sample rows); SQLite's rowid is 64-bit
# already and only ``INTEGER PRIMARY KEY`` autoincrements there.
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

participants = Table(
    "participants",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("birth_year", Integer),
    Column("birth_month", Integer),
    Column("dominant_hand", String(8)),
    Column("notes", Text, nullable=False, default=""),
    Column("created_utc", String(40), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("participant", String(64), ForeignKey("participants.code"), nullable=False, index=True),
    Column("utc_start", String(40), nullable=False),
    Column("clock_start_ns", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # recording | complete | stopped | interrupted | failed
    Column("ended_utc", String(40)),
    Column("header", JSON, nullable=False),
    Column("notes", Text, nullable=False, default=""),
    # provenance (see station.core.provenance): what produced the data, whether a simulator did, where
    Column("source", String(128), nullable=False, server_default=""),
    Column("simulated", Boolean, nullable=False, server_default=false()),
    Column("place", String(16), nullable=False, server_default="clinic"),
)

trials = Table(
    "trials",
    metadata,
    Column("session_id", String(36), ForeignKey("sessions.id"), primary_key=True),
    Column("trial", Integer, primary_key=True),
    Column("exercise", String(64), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("t_start_ns", BigInteger, nullable=False),
    Column("t_end_ns", BigInteger),
    Column("reps", Integer),
    Column("result", JSON),
    Column("source", String(128), nullable=False, server_default=""),
    Column("simulated", Boolean, nullable=False, server_default=false()),
    Column("place", String(16), nullable=False, server_default="clinic"),
    Column("status", String(16), nullable=False, server_default="complete"),  # complete | failed
    Column("reason", Text),  # why a trial failed (its source failed or gave no usable frames)
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False),
    Column("trial", Integer, nullable=False),
    Column("t_ns", BigInteger, nullable=False),
    Column("exercise", String(64), nullable=False),
    Column("rep", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("value", Float),
    Column("unit", String(32), nullable=False, default=""),
    Column("payload", JSON, nullable=False),
    Index("ix_events_session", "session_id", "trial"),
)

metrics = Table(
    "metrics",
    metadata,
    Column("session_id", String(36), ForeignKey("sessions.id"), primary_key=True),
    Column("trial", Integer, primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("exercise", String(64), nullable=False),
    Column("value", Float),
    Column("text", String(256)),
    Column("unit", String(32), nullable=False, default=""),
    Column("definition", Text, nullable=False, default=""),
)

samples = Table(
    "samples",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False),
    Column("trial", Integer, nullable=False),
    Column("device_id", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("t_ns", BigInteger, nullable=False),
    Column("t_arrival_ns", BigInteger, nullable=False),
    Column("device_time_us", BigInteger),
    Column("flags", Integer, nullable=False),
    Column("values", JSON, nullable=False),
    Index("ix_samples_session", "session_id", "device_id", "t_ns"),
)

landmarks = Table(
    "landmarks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False),
    Column("trial", Integer, nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("frame_seq", BigInteger, nullable=False),
    Column("t_ns", BigInteger, nullable=False),
    Column("kind", String(8), nullable=False),  # hand | pose
    Column("person", Integer, nullable=False),
    Column("handedness", String(8)),
    Column("score", Float, nullable=False),
    Column("model", String(64), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_landmarks_session", "session_id", "trial", "t_ns"),
)

devices = Table(
    "devices",
    metadata,
    Column("session_id", String(36), ForeignKey("sessions.id"), primary_key=True),
    Column("device_id", String(32), primary_key=True),
    Column("info", JSON, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("utc", String(40), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", JSON, nullable=False),
    Index("ix_audit_utc", "utc"),
)

calibrations = Table(
    "calibrations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False, index=True),
    Column("key", String(128), nullable=False),  # what was calibrated: a device serial, a camera id
    Column("kind", String(32), nullable=False),  # loadcell | intrinsics | workspace | latency ...
    Column("method", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("params", JSON, nullable=False),
    Column("residual", Float),
    Column("residual_unit", String(32), nullable=False, default=""),
    Column("created_utc", String(40), nullable=False),
    Column("software_version", String(32), nullable=False),
)

files = Table(
    "files",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),  # landmarks_parquet | samples_parquet | video | report ...
    Column("path", String(512), nullable=False),  # relative to the data directory
    Column("bytes", BigInteger),
    Column("sha256", String(64)),
    Column("created_utc", String(40), nullable=False),
    Column("meta", JSON, nullable=False),
)

meta = Table(
    "station_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)
