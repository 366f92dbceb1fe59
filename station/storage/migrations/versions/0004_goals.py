"""Treatment goals per participant: goals, their append-only versions and events (new tables only).

Revision ID: 0004
Revises: 0003 (stream blocks)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("participant", sa.String(64), sa.ForeignKey("participants.code"), nullable=False),
        sa.Column("created_utc", sa.String(40), nullable=False),
    )
    op.create_index("ix_goals_participant", "goals", ["participant"])
    op.create_table(
        "goal_versions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("goal_id", sa.String(36), sa.ForeignKey("goals.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("utc", sa.String(40), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.UniqueConstraint("goal_id", "version", name="uq_goal_versions_goal_version"),
    )
    op.create_table(
        "goal_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("goal_id", sa.String(36), sa.ForeignKey("goals.id"), nullable=False),
        sa.Column("utc", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_goal_events_goal_id", "goal_events", ["goal_id"])
    meta = sa.table("station_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="4"))


def downgrade() -> None:
    op.drop_index("ix_goal_events_goal_id", "goal_events")
    op.drop_table("goal_events")
    op.drop_table("goal_versions")
    op.drop_index("ix_goals_participant", "goals")
    op.drop_table("goals")
    meta = sa.table("station_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="3"))
