"""Streams in blocks: ``sample_blocks`` and ``landmark_blocks`` (compressed columnar payloads).

Revision ID: 0003
Revises: 0002

The old one-row-per-sample tables stay; their rows are re-packed into blocks in batches after this
revision is applied (:func:`station.storage.streams.repack`, run by ``open_database`` and by
``station db repack``), each batch in its own transaction, so a killed re-pack resumes where it
stopped. Readers read both layouts the same way meanwhile.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _block_columns() -> list[sa.Column]:
    return [
        sa.Column("t_first_ns", sa.BigInteger, nullable=False),
        sa.Column("t_last_ns", sa.BigInteger, nullable=False),
        sa.Column("seq_first", sa.BigInteger, nullable=False),
        sa.Column("seq_last", sa.BigInteger, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("codec", sa.String(16), nullable=False),
        sa.Column("crc32", sa.BigInteger, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "sample_blocks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("device_id", sa.String(32), nullable=False),
        *_block_columns(),
    )
    op.create_index("ix_sample_blocks_session", "sample_blocks", ["session_id", "device_id", "t_first_ns"])
    op.create_table(
        "landmark_blocks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(36), sa.ForeignKey("sessions.id"), nullable=False),
        sa.Column("trial", sa.Integer, nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        *_block_columns(),
    )
    op.create_index("ix_landmark_blocks_session", "landmark_blocks", ["session_id", "trial", "t_first_ns"])
    meta = sa.table("station_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="3"))


def downgrade() -> None:
    op.drop_table("landmark_blocks")
    op.drop_table("sample_blocks")
    meta = sa.table("station_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="2"))
