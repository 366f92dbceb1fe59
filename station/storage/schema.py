"""The database schema (SQLAlchemy Core).

Times: ``*_ns`` columns are session-clock nanoseconds (see :mod:`station.core.clock`); the session
row's ``utc_start`` and ``clock_start_ns`` anchor them to UTC. ``*_utc`` columns are ISO-8601 UTC
strings. Landmarks are stored one row per observation, ``data`` = float32 little-endian array of
N x 4 (x, y, z, visibility) in normalised image coordinates (see :mod:`station.core.messages`).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
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
)

SCHEMA_VERSION = 1

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
    Column("status", String(16), nullable=False),  # recording | complete | stopped | interrupted
    Column("ended_utc", String(40)),
    Column("header", JSON, nullable=False),
    Column("notes", Text, nullable=False, default=""),
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
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
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
    Column("id", Integer, primary_key=True, autoincrement=True),
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
    Column("id", Integer, primary_key=True, autoincrement=True),
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
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("utc", String(40), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", JSON, nullable=False),
)

meta = Table(
    "station_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)
