"""Provenance of every session and trial: ``source``, ``simulated``, ``place``; a trial's ``status`` and ``reason``.

Existing sessions are marked simulated when their header says the simulated child or a simulator
produced them (``config.source == "simulated"``, a trial source ``synthetic`` / ``simulator:...``, or a
``sim://`` device URL). Self-contained: it imports nothing from the station.

Revision ID: 0005
Revises: 0004 (goals)
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _simulated(src: str) -> bool:
    s = (src or "").strip().lower()
    return s in ("simulated", "synthetic") or s.startswith(("simulated", "synthetic", "simulator:")) or "sim://" in s


def _header(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def upgrade() -> None:
    for table in ("sessions", "trials"):
        op.add_column(table, sa.Column("source", sa.String(128), nullable=False, server_default=""))
        op.add_column(table, sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()))
        op.add_column(table, sa.Column("place", sa.String(16), nullable=False, server_default="clinic"))
    op.add_column("trials", sa.Column("status", sa.String(16), nullable=False, server_default="complete"))
    op.add_column("trials", sa.Column("reason", sa.Text(), nullable=True))
    bind = op.get_bind()
    sessions = sa.table("sessions", sa.column("id", sa.String), sa.column("header", sa.Text),
                        sa.column("source", sa.String), sa.column("simulated", sa.Boolean))
    trials = sa.table("trials", sa.column("session_id", sa.String), sa.column("trial", sa.Integer),
                      sa.column("source", sa.String), sa.column("simulated", sa.Boolean))
    rows = bind.execute(sa.select(sessions.c.id, sa.cast(sessions.c.header, sa.Text))).all()
    for sid, raw in rows:
        cfg = _header(raw).get("config") or {}
        cfg = cfg if isinstance(cfg, dict) else {}
        tsrc = [str(t.get("source", "")) for t in cfg.get("trials") or [] if isinstance(t, dict)]
        top = str(cfg.get("source") or "")
        kinds: list[str] = []
        for s in tsrc or [top]:
            s = "simulated" if s == "synthetic" else s
            if s and s not in kinds:
                kinds.append(s)
        sim = _simulated(top) or any(_simulated(s) for s in tsrc)
        bind.execute(sessions.update().where(sessions.c.id == sid).values(source="+".join(kinds)[:128], simulated=sim))
        for i, s in enumerate(tsrc):
            bind.execute(trials.update().where(trials.c.session_id == sid, trials.c.trial == i)
                         .values(source=("simulated" if s == "synthetic" else s)[:128], simulated=_simulated(s) or _simulated(top)))
    meta = sa.table("station_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="5"))


def downgrade() -> None:
    with op.batch_alter_table("trials") as b:
        for col in ("reason", "status", "place", "simulated", "source"):
            b.drop_column(col)
    with op.batch_alter_table("sessions") as b:
        for col in ("place", "simulated", "source"):
            b.drop_column(col)
    meta = sa.table("station_meta", sa.column("key"), sa.column("value"))
    op.execute(meta.update().where(meta.c.key == "schema_version").values(value="4"))
