"""Errors with a message a user can act on.

Every error raised for bad input says *what* is wrong, *where* (file, line, option) and *how to fix
it*. The CLI turns :class:`InputError` into a one-line message and exit code 2.
"""

from __future__ import annotations


class StationError(Exception):
    """Base class of the project's own errors."""


class InputError(StationError):
    """Bad input from a user: a missing file, a malformed option, an unknown name.

    Parameters
    ----------
    what:
        What is wrong, e.g. ``"cannot open video"``.
    where:
        Where it is wrong: a path, an option, ``file:line``. Optional.
    fix:
        How to fix it. Optional.
    """

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        text = what if where is None else f"{what}: {where}"
        if fix:
            text = f"{text} ({fix})"
        super().__init__(text)
