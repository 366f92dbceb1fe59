"""Home practice that returns to the clinic: station keys, pairings and imported practice bundles (new tables only).

Revision ID: 0006
Revises: 0005 (provenance)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "station_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_utc", sa.String(40), nullable=False),
    )
    op.create_table(
        "pairings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("participant", sa.String(64), sa.ForeignKey("participants.code"), nullable=False),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(32)),
        sa.Column("created_utc", sa.String(40), nullable=False),
        sa.Column("paired_utc", sa.String(40)),
    )
    op.create_index("ix_pairings_participant", "pairings", ["participant"])
    op.create_table(
        "imported_bundles",
        sa.Column("bundle_id", sa.String(64), primary_key=True),
        sa.Column("participant", sa.String(64), sa.ForeignKey("participants.code"), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("imported_utc", sa.String(40), nullable=False),
        sa.Column("file_name", sa.String(256), nullable=False),
        sa.Column("sessions", sa.JSON, nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
    )
    op.create_index("ix_imported_bundles_participant", "imported_bundles", ["participant"])
    meta = sa.table("station_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="6"))


def downgrade() -> None:
    op.drop_index("ix_imported_bundles_participant", "imported_bundles")
    op.drop_table("imported_bundles")
    op.drop_index("ix_pairings_participant", "pairings")
    op.drop_table("pairings")
    op.drop_table("station_keys")
    meta = sa.table("station_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="5"))
