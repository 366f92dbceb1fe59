"""The one rule for participant codes and birth dates, used by every entry point (CLI, plans, the
dashboard, the demo, imports) and enforced again by storage before anything is written.

Children's data is health data: the station stores pseudonymous codes, never names. A code is

- 2 to 32 characters: ASCII letters, digits, ``-`` and ``_``, starting with a letter or a digit;
- no spaces, dots, slashes or other characters (``Emma Johnson``, ``emma.johnson`` and
  ``../../etc/passwd`` are refused: they are names or paths, and codes become folder and file names);
- at least one digit (``P-017``, ``S12``): a pseudonymous code is numbered, a name is not, so
  ``EmmaJohnson`` or ``Emma_Johnson`` is refused too.

Codes beginning with ``DEMO-`` are reserved for the demo and the simulated child
(:data:`DEMO_PARTICIPANT`), so a simulated session can never sit in a real child's history.

A birth date is a year and a month (nothing finer is kept), not in the future and at most 100 years ago.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from station.core.errors import InputError

CODE_MIN, CODE_MAX = 2, 32
CODE_RE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_-]{{{CODE_MIN - 1},{CODE_MAX - 1}}}$")
DEMO_PREFIX = "DEMO-"
DEMO_PARTICIPANT = "DEMO-001"
"""The code under which the demo and the simulated child record (reserved: see :func:`is_demo_code`)."""

CODE_FIX = ("use a pseudonymous code such as P-017: 2-32 letters, digits, '-' or '_', with at least one digit; "
            "no spaces, dots or slashes, never a name")


def check_participant_code(code: str) -> str:
    """The code, stripped of surrounding blanks, or :class:`InputError` saying what is wrong with it."""
    if not isinstance(code, str):
        raise InputError("a participant code must be text", where=repr(code), fix=CODE_FIX)
    c = code.strip()
    if not c:
        raise InputError("the participant code is empty", fix=CODE_FIX)
    if any(ch.isspace() for ch in c):
        why = "has a space (it looks like a name)"
    elif "/" in c or "\\" in c or ".." in c:
        why = "has a slash or '..' (it looks like a path)"
    elif "." in c:
        why = "has a dot (it looks like a name or an e-mail address)"
    elif len(c) > CODE_MAX:
        why = f"is longer than {CODE_MAX} characters"
    elif len(c) < CODE_MIN:
        why = f"is shorter than {CODE_MIN} characters"
    elif not CODE_RE.match(c):
        why = "has characters other than letters, digits, '-' and '_'"
    elif not any(ch.isdigit() for ch in c):
        why = "has no digit (a pseudonymous code is numbered; a name is not)"
    else:
        return c
    raise InputError(f"invalid participant code '{c}': it {why}", fix=CODE_FIX)


def is_demo_code(code: str) -> bool:
    """Whether ``code`` is reserved for the demo and the simulated child."""
    return code.upper().startswith(DEMO_PREFIX)


def check_birth(year: int, month: int, *, today: datetime | None = None) -> tuple[int, int]:
    """``(year, month)`` if plausible (not in the future, at most 100 years ago), else :class:`InputError`."""
    now = today or datetime.now(UTC)
    if not 1 <= month <= 12:
        raise InputError(f"birth month {month} is not a month", where=f"{year:04d}-{month:02d}", fix="give YYYY-MM, e.g. 2019-05")
    if (year, month) > (now.year, now.month):
        raise InputError("the birth date is in the future", where=f"{year:04d}-{month:02d}", fix="give YYYY-MM, e.g. 2019-05")
    if year < now.year - 100:
        raise InputError("the birth date is more than 100 years ago", where=f"{year:04d}-{month:02d}",
                         fix="check the year (YYYY-MM, e.g. 2019-05)")
    return year, month


def parse_birth(text: str, *, today: datetime | None = None) -> tuple[int, int]:
    """``"2019-05"`` -> ``(2019, 5)``, checked by :func:`check_birth`."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if m is None:
        raise InputError("a birth date is YYYY-MM", where=text, fix="e.g. 2019-05 (only year and month are kept)")
    return check_birth(int(m.group(1)), int(m.group(2)), today=today)
