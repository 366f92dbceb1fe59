"""Foundation schema: participants, sessions, trials, events, metrics, samples, landmarks, devices, audit.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("birth_year", sa.Integer),
        sa.Column("birth_month", sa.Integer),
        sa.Column("dominant_hand", sa.String(8)),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("created_utc", sa.String(40), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("participant", sa.String(64), sa.ForeignKey("participants.code"), nullable=False),
        sa.Column("utc_start", sa.String(40), nullable=False),
        sa.Column("clock_start_ns", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ended_utc", sa.String(40)),
        sa.Column("header", sa.JSON, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
    )
    op.create_index("ix_sessions_participant", "sessions", ["participant"])
    op.create_table(
        "trials",
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("trial", sa.Integer, primary_key=True),
        sa.Column("exercise", sa.String(64), nullable=False),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("t_start_ns", sa.BigInteger, nullable=False),
        sa.Column("t_end_ns", sa.BigInteger),
        sa.Column("reps", sa.Integer),
        sa.Column("result", sa.JSON),
    )
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("t_ns", sa.BigInteger, nullable=False),
        sa.Column("exercise", sa.String(64), nullable=False),
        sa.Column("rep", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_events_session", "events", ["session_id", "trial"])
    op.create_table(
        "metrics",
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("trial", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("exercise", sa.String(64), nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("text", sa.String(256)),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("definition", sa.Text, nullable=False),
    )
    op.create_table(
        "samples",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("device_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("t_ns", sa.BigInteger, nullable=False),
        sa.Column("t_arrival_ns", sa.BigInteger, nullable=False),
        sa.Column("device_time_us", sa.BigInteger),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("values", sa.JSON, nullable=False),
    )
    op.create_index("ix_samples_session", "samples", ["session_id", "device_id", "t_ns"])
    op.create_table(
        "landmarks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("frame_seq", sa.BigInteger, nullable=False),
        sa.Column("t_ns", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("person", sa.Integer, nullable=False),
        sa.Column("handedness", sa.String(8)),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_landmarks_session", "landmarks", ["session_id", "trial", "t_ns"])
    op.create_table(
        "devices",
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), primary_key=True),
        sa.Column("device_id", sa.String(32), primary_key=True),
        sa.Column("info", sa.JSON, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("utc", sa.String(40), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "station_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(256), nullable=False),
    )
    op.bulk_insert(sa.table("station_meta", sa.column("key"), sa.column("value")), [{"key": "schema_version", "value": "1"}])


def downgrade() -> None:
    for t in ("station_meta", "audit", "devices", "landmarks", "samples", "metrics", "events", "trials", "sessions", "participants"):
        op.drop_table(t)
