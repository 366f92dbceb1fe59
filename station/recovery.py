"""Recovery after a crash: find sessions a dead process left in ``recording`` and mark them.

A station process that is killed (SIGKILL, power loss) leaves its session row in status
``recording``; everything the recorder committed (all but at most the last flush interval) is in the
database. On the next start, :func:`recover_interrupted` marks such sessions ``interrupted`` — but
only those recorded by *this* host whose process is gone, so a clinic's several stations sharing one
PostgreSQL database never mark each other's live sessions.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

from sqlalchemy import select, text, update

from station.storage import Database
from station.storage import schema as S

log = logging.getLogger(__name__)


def _host_hash() -> str:
    return uuid.uuid5(uuid.NAMESPACE_DNS, socket.gethostname()).hex[:12]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def recover_interrupted(db: Database) -> list[str]:
    """Mark this host's orphaned ``recording`` sessions as ``interrupted``; returns their ids."""
    me = _host_hash()
    with db.engine.connect() as c:
        rows = c.execute(select(S.sessions.c.id, S.sessions.c.header).where(S.sessions.c.status == "recording")).all()
    orphans = []
    for sid, header in rows:
        host = (header or {}).get("host", {})
        pid = host.get("pid")
        if host.get("hostname_hash") == me and isinstance(pid, int) and pid != os.getpid() and not _alive(pid):
            orphans.append(sid)
    if orphans:
        with db.engine.begin() as c:
            c.execute(update(S.sessions).where(S.sessions.c.id.in_(orphans)).values(status="interrupted"))
        for sid in orphans:
            log.warning("session %s was interrupted (its process is gone); its recorded data is kept", sid)
    return orphans


def integrity_check(db: Database) -> list[str]:
    """SQLite's ``PRAGMA integrity_check`` (``[]`` when healthy); PostgreSQL: a connectivity check."""
    with db.engine.connect() as c:
        if db.is_sqlite:
            out = [r[0] for r in c.execute(text("PRAGMA integrity_check"))]
            return [] if out == ["ok"] else out
        c.execute(text("SELECT 1"))
    return []
