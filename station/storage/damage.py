"""Reading a damaged database: stored text that is not UTF-8, JSON that does not parse, values of the
wrong type (a flipped byte in a SQLite record header turns an integer into text or a blob).

By default such a value stops the command with :class:`DamagedDatabaseError` (an ``InputError``: one
line, exit code 2). Inside :func:`tolerant` the readers get a marked stand-in instead
(:class:`DamagedText`, :class:`DamagedJSON`), so a listing can skip the damaged rows, show everything
that is readable and say what it skipped (see :meth:`station.storage.db.Database.list_sessions`).

The two decoders are installed on every connection of the station's engines: the SQLite text factory
and SQLAlchemy's JSON deserializer (PostgreSQL hands over text that is valid by construction, so only
the JSON hook matters there).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import JSON, Float, Integer, LargeBinary, String, Table

from station.core import InputError

FIX = "move the file aside and restore a backup; `sqlite3 FILE .recover` can save what is readable"

_TOLERANT: contextvars.ContextVar[bool] = contextvars.ContextVar("motor_station_tolerant_reads", default=False)


class DamagedDatabaseError(InputError):
    """A stored value cannot be read: the database file is damaged."""

    def __init__(self, what: str, where: str | None = None) -> None:
        super().__init__(f"the database is damaged: {what}", where=where, fix=FIX)


class DamagedText(str):
    """Stored text that is not valid UTF-8, decoded with replacement characters; ``raw`` is the bytes."""

    raw: bytes


class DamagedJSON(dict[str, Any]):
    """A stored JSON value that does not parse; empty, with the stored text in ``raw``."""

    raw: str


@contextlib.contextmanager
def tolerant() -> Iterator[None]:
    """Within this block, damaged values are returned marked instead of raising."""
    token = _TOLERANT.set(True)
    try:
        yield
    finally:
        _TOLERANT.reset(token)


def text_factory(data: bytes) -> str:
    """SQLite text factory: strict UTF-8, or a :class:`DamagedText` inside :func:`tolerant`."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not _TOLERANT.get():
            raise DamagedDatabaseError(f"a stored text is not valid UTF-8 (byte 0x{data[exc.start]:02x} at {exc.start})") from None
        out = DamagedText(data.decode("utf-8", errors="replace"))
        out.raw = data
        return out


def json_deserializer(text: str) -> Any:
    """SQLAlchemy JSON deserializer: strict, or a :class:`DamagedJSON` inside :func:`tolerant`."""
    if isinstance(text, DamagedText):
        bad = DamagedJSON()
        bad.raw = text
        return bad
    try:
        return json.loads(text)
    except ValueError as exc:
        if not _TOLERANT.get():
            # json.loads also raises plain ValueErrors without .msg/.pos (an integer over Python's digit limit)
            why = f"{exc.msg} at character {exc.pos}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise DamagedDatabaseError(f"a stored JSON value does not parse ({why})") from None
        bad = DamagedJSON()
        bad.raw = text
        return bad


def damaged_columns(table: Table, row: Mapping[str, Any]) -> list[str]:
    """The columns of ``row`` (read from ``table``) whose value is damaged or of the wrong type."""
    bad: list[str] = []
    for name, value in row.items():
        if name not in table.c:
            continue
        if isinstance(value, DamagedText | DamagedJSON):
            bad.append(name)
            continue
        col = table.c[name]
        if value is None:
            if not col.nullable:
                bad.append(name)
            continue
        t = col.type
        if isinstance(t, JSON):
            ok = True
        elif isinstance(t, LargeBinary):
            ok = isinstance(value, bytes | bytearray | memoryview)
        elif isinstance(t, Integer):  # BigInteger included
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(t, Float):
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif isinstance(t, String):  # Text included
            ok = isinstance(value, str)
        else:
            ok = True
        if not ok:
            bad.append(name)
    return bad


def describe(table: Table, row: Mapping[str, Any], columns: list[str]) -> str:
    """``sessions row 9484087b (header)``: a damaged row named by its readable key columns."""
    key = [str(row[c.name])[:8] for c in table.primary_key.columns if c.name in row and c.name not in columns]
    who = f" {'/'.join(key)}" if key else ""
    return f"{table.name} row{who} ({', '.join(columns)})"
