"""The session clock: one monotonic host clock, injectable for tests.

Conventions
-----------
* Every timestamp in the project is an ``int`` of **nanoseconds on the session clock** (``t_ns``).
  Live, the session clock is :func:`time.perf_counter_ns` (monotonic, not wall time); tests inject a
  :class:`FakeClock` they advance by hand.
* The clock is tied to UTC **once**, when a session starts (:meth:`SessionClock.anchor`): the pair
  ``(utc_start, clock_start_ns)`` goes into the session header, and any ``t_ns`` maps to UTC as
  ``utc_start + (t_ns - clock_start_ns)``. Wall-clock time is never used for intervals.
* MediaPipe's video mode needs strictly increasing integer milliseconds: :class:`MonotonicMs`
  derives them from ``t_ns`` and bumps by 1 ms when two frames fall in the same millisecond.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class SessionClock(Protocol):
    """What every component needs of a clock."""

    def now_ns(self) -> int:
        """Current time on the session clock, in nanoseconds."""
        ...

    def sleep_until(self, t_ns: int) -> None:
        """Block until the clock reads at least ``t_ns`` (returns at once if it already does)."""
        ...

    def anchor(self) -> tuple[datetime, int]:
        """Read UTC and the session clock together: ``(utc_now, t_ns)``."""
        ...


class SystemClock:
    """The live clock: :func:`time.perf_counter_ns`, anchored to UTC on request."""

    def now_ns(self) -> int:
        return time.perf_counter_ns()

    def sleep_until(self, t_ns: int) -> None:
        remaining = t_ns - time.perf_counter_ns()
        if remaining > 0:
            time.sleep(remaining / 1e9)

    def anchor(self) -> tuple[datetime, int]:
        # Take the monotonic reading between two UTC readings and use their midpoint: the pair is
        # then good to the time of one system call (microseconds).
        u0 = datetime.now(UTC)
        t = time.perf_counter_ns()
        u1 = datetime.now(UTC)
        return u0 + (u1 - u0) / 2, t


class FakeClock:
    """A clock that moves only when told to. Thread-safe.

    ``sleep_until`` advances the clock instead of sleeping, so paced code runs at full speed in
    tests while seeing exactly the times it would see live.
    """

    def __init__(self, start_ns: int = 0, utc_start: datetime | None = None) -> None:
        self._t = start_ns
        self._start = start_ns
        self._utc = utc_start or datetime(2026, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def now_ns(self) -> int:
        with self._lock:
            return self._t

    def advance(self, ns: int) -> int:
        """Move the clock forward by ``ns`` nanoseconds; returns the new time."""
        if ns < 0:
            raise ValueError(f"a clock cannot go backwards (advance by {ns} ns)")
        with self._lock:
            self._t += ns
            return self._t

    def set(self, t_ns: int) -> None:
        """Move the clock forward to ``t_ns``."""
        with self._lock:
            if t_ns < self._t:
                raise ValueError(f"a clock cannot go backwards ({t_ns} < {self._t} ns)")
            self._t = t_ns

    def sleep_until(self, t_ns: int) -> None:
        with self._lock:
            if t_ns > self._t:
                self._t = t_ns

    def anchor(self) -> tuple[datetime, int]:
        with self._lock:
            return self._utc + timedelta(microseconds=(self._t - self._start) / 1000), self._t


def to_utc(t_ns: int, utc_start: datetime, clock_start_ns: int) -> datetime:
    """Map a session-clock time to UTC through the session header's anchor."""
    return utc_start + timedelta(microseconds=(t_ns - clock_start_ns) / 1000)


class MonotonicMs:
    """Strictly increasing integer milliseconds from nanosecond timestamps (for MediaPipe).

    >>> m = MonotonicMs()
    >>> m(1_000_000), m(1_400_000), m(5_000_000)
    (1, 2, 5)
    """

    def __init__(self) -> None:
        self._last: int | None = None
        self.bumps = 0

    def __call__(self, t_ns: int) -> int:
        ms = t_ns // 1_000_000
        if self._last is not None and ms <= self._last:
            ms = self._last + 1
            self.bumps += 1
        self._last = ms
        return ms


class MonotonicGuard:
    """Counts and rejects timestamps that do not increase (a stream must be monotonic).

    ``accept(t_ns)`` returns ``False`` (and counts a violation) for a time not after the last one.
    """

    def __init__(self) -> None:
        self._last: int | None = None
        self.violations = 0

    def accept(self, t_ns: int) -> bool:
        if self._last is not None and t_ns <= self._last:
            self.violations += 1
            return False
        self._last = t_ns
        return True
