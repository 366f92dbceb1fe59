"""The database schema (SQLAlchemy Core), the one definition used on SQLite and PostgreSQL.

Times: ``*_ns`` columns are session-clock nanoseconds (see :mod:`station.core.clock`); the session
row's ``utc_start`` and ``clock_start_ns`` anchor them to UTC. ``*_utc`` columns are ISO-8601 UTC
strings. Streams are stored in *blocks* (:mod:`station.storage.streams`): ``sample_blocks`` hold about half
a second of one device's samples of one trial, ``landmark_blocks`` of one source's hand or pose
observations, each row with its first/last time and sequence number, count, flags summary and the
columns as one compressed payload (format named by ``codec``, :mod:`station.storage.codec`; CRC-32
beside it). Sample channel names and units are in the device's row of ``devices``
(``info.channels`` / ``info.units``); landmarks are N x 4 float32 (x, y, z, visibility) in
normalised image coordinates (see :mod:`station.core.messages`).

The tables ``samples`` and ``landmarks`` hold the old layout, one row per sample / observation
(``values`` a JSON list; ``data`` the float32 N x 4 array as bytes): nothing writes them any more;
databases from before revision 0003 are re-packed from them into blocks
(:func:`station.storage.streams.repack`), and readers read whatever is left there the same way.

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
    UniqueConstraint,
    false,
)

SCHEMA_VERSION = 6
"""Number of the newest Alembic revision this code knows (revision ids are ``"0001"``, ``"0002"``...):
0003 stream blocks, 0004 goals (new tables only), 0005 provenance, 0006 home practice (keys, pairings, bundles)."""

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

sample_blocks = Table(
    "sample_blocks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False),
    Column("trial", Integer, nullable=False),
    Column("device_id", String(32), nullable=False),
    Column("t_first_ns", BigInteger, nullable=False),  # earliest t_ns in the block
    Column("t_last_ns", BigInteger, nullable=False),  # latest t_ns in the block
    Column("seq_first", BigInteger, nullable=False),  # seq of the first sample written
    Column("seq_last", BigInteger, nullable=False),  # seq of the last sample written
    Column("n", Integer, nullable=False),
    Column("flags", Integer, nullable=False),  # OR of the samples' flags
    Column("codec", String(16), nullable=False),
    Column("crc32", BigInteger, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Index("ix_sample_blocks_session", "session_id", "device_id", "t_first_ns"),
)

landmark_blocks = Table(
    "landmark_blocks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id"), nullable=False),
    Column("trial", Integer, nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # hand | pose
    Column("t_first_ns", BigInteger, nullable=False),
    Column("t_last_ns", BigInteger, nullable=False),
    Column("seq_first", BigInteger, nullable=False),  # frame_seq of the first observation
    Column("seq_last", BigInteger, nullable=False),
    Column("n", Integer, nullable=False),
    Column("flags", Integer, nullable=False),  # reserved (0)
    Column("codec", String(16), nullable=False),
    Column("crc32", BigInteger, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Index("ix_landmark_blocks_session", "session_id", "trial", "t_first_ns"),
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

# -- treatment goals (revision 0004): append-only; a goal's text is never overwritten -------------
goals = Table(
    "goals",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("participant", String(64), ForeignKey("participants.code"), nullable=False, index=True),
    Column("created_utc", String(40), nullable=False),
)

goal_versions = Table(
    "goal_versions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("goal_id", String(36), ForeignKey("goals.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("utc", String(40), nullable=False),
    Column("spec", JSON, nullable=False),  # the whole goal as written (see station.goals.GoalSpec)
    UniqueConstraint("goal_id", "version", name="uq_goal_versions_goal_version"),
)

goal_events = Table(
    "goal_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("goal_id", String(36), ForeignKey("goals.id"), nullable=False, index=True),
    Column("utc", String(40), nullable=False),
    Column("kind", String(16), nullable=False),  # created | edited | achieved | retired
    Column("version", Integer, nullable=False),
    Column("detail", JSON, nullable=False),
)

# -- home practice (revision 0006): station keys, pairings, imported practice bundles -------------
station_keys = Table(
    "station_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),  # first 32 hex digits of SHA-256 of the raw public key
    Column("public_key", String(64), nullable=False),  # Ed25519 raw public key, base64
    Column("role", String(16), nullable=False),  # own | home | clinic
    Column("created_utc", String(40), nullable=False),
)

pairings = Table(
    "pairings",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("participant", String(64), ForeignKey("participants.code"), nullable=False, index=True),
    Column("token", String(64), nullable=False, unique=True),  # one-time pairing code of a home-plan export
    Column("role", String(16), nullable=False),  # home (a family's station, seen from the clinic) | clinic (seen from home)
    Column("key_id", String(32)),  # the paired station's key; NULL until the pairing file comes back
    Column("created_utc", String(40), nullable=False),
    Column("paired_utc", String(40)),
)

imported_bundles = Table(
    "imported_bundles",
    metadata,
    Column("bundle_id", String(64), primary_key=True),  # SHA-256 of the signed body
    Column("participant", String(64), ForeignKey("participants.code"), nullable=False, index=True),
    Column("key_id", String(32), nullable=False),
    Column("imported_utc", String(40), nullable=False),
    Column("file_name", String(256), nullable=False),
    Column("sessions", JSON, nullable=False),  # ids of the sessions the bundle added
    Column("counts", JSON, nullable=False),  # rows added per table
)
