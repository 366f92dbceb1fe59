"""Cue onsets reported back by the child screen, and the therapist's "repeat the instruction" request.

A reaction time is measured from the moment the child could see the cue, not from the moment the
exercise decided to show it. The exercise publishes the cue it wants shown in its live values
(``cue_key``: a number unique in the process, see :func:`new_cue_key`); whatever draws the child's
screen calls :meth:`CueBoard.painted` with that key the first time it paints the cue, and a sound
player calls :meth:`CueBoard.sounded` when the cue's sound starts. The exercise reads the onsets back
(:meth:`CueBoard.onset`) before it scores a response and stores them in its ``cue`` events, with the
software path latency ``painted - scheduled`` (scheduled = the session-clock time of the frame at
which the exercise put the cue up). No Qt here: the board is plain data behind a lock.

Clock: live sessions run on :class:`~station.core.SystemClock` (``time.perf_counter_ns``), so a painter
reports ``time.perf_counter_ns()``; tests pass the time explicitly. Without a screen (batch scoring,
tests, the registry walk) no cue is ever reported painted and the exercise falls back to the scheduled
time, marking the cue ``onset_source="scheduled"``.

Repeat requests: :meth:`CueBoard.request_repeat` (the therapist's key) bumps a counter; an exercise
that can re-show its instruction compares the counter with the value it saw last.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exercises.base import Exercise
    from station.core import ScoreEvent

_serial = itertools.count(1)
_KEY_BITS = 20


@dataclass(frozen=True, slots=True)
class CueOnset:
    painted_ns: int | None
    sounded_ns: int | None


class CueBoard:
    """Thread-safe store of cue onsets (written by the screen and the sound player, read by exercises)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._lock = threading.Lock()
        self._painted: dict[int, int] = {}
        self._sounded: dict[int, int] = {}
        self._capacity = capacity
        self._repeat = 0

    def painted(self, key: int, t_ns: int | None = None) -> None:
        """The screen painted cue ``key`` at ``t_ns`` (session clock; now when omitted). First report wins."""
        self._put(self._painted, key, t_ns)

    def sounded(self, key: int, t_ns: int | None = None) -> None:
        """The cue's sound started at ``t_ns`` (session clock; now when omitted). First report wins."""
        self._put(self._sounded, key, t_ns)

    def _put(self, d: dict[int, int], key: int, t_ns: int | None) -> None:
        if key <= 0:
            return
        t = time.perf_counter_ns() if t_ns is None else int(t_ns)
        with self._lock:
            if key not in d:
                d[key] = t
                while len(d) > self._capacity:
                    d.pop(next(iter(d)))

    def onset(self, key: int) -> CueOnset:
        with self._lock:
            return CueOnset(self._painted.get(key), self._sounded.get(key))

    def request_repeat(self) -> int:
        """The therapist asks for the current instruction again; returns the new request count."""
        with self._lock:
            self._repeat += 1
            return self._repeat

    @property
    def repeats(self) -> int:
        with self._lock:
            return self._repeat


BOARD = CueBoard()
"""The process's board (one station window draws one child screen)."""


def new_cue_series() -> int:
    """A fresh series number for one exercise instance (cue keys of different trials never collide)."""
    return next(_serial)


def cue_key(series: int, index: int) -> int:
    """The key of cue ``index`` (0-based) of ``series``; exactly representable as a float live value."""
    return (series << _KEY_BITS) | (index + 1)


@dataclass(frozen=True, slots=True)
class ResolvedOnset:
    """A cue's onset as scored: the painted time when the screen reported it, else the scheduled one."""

    scheduled_ns: int
    painted_ns: int | None
    sounded_ns: int | None

    @property
    def t_ns(self) -> int:
        return self.painted_ns if self.painted_ns is not None else self.scheduled_ns

    @property
    def source(self) -> str:
        return "painted" if self.painted_ns is not None else "scheduled"

    @property
    def latency_ms(self) -> float | None:
        return None if self.painted_ns is None else (self.painted_ns - self.scheduled_ns) / 1e6

    def payload(self) -> dict[str, Any]:
        sound_ms = None if self.sounded_ns is None else round((self.sounded_ns - self.scheduled_ns) / 1e6, 2)
        return {"scheduled_ns": self.scheduled_ns, "painted_ns": self.painted_ns, "sounded_ns": self.sounded_ns,
                "onset_source": self.source, "paint_latency_ms": None if self.latency_ms is None else round(self.latency_ms, 2),
                "sound_latency_ms": sound_ms}


def resolve(board: CueBoard, key: int, scheduled_ns: int) -> ResolvedOnset:
    o = board.onset(key)
    painted = o.painted_ns if o.painted_ns is not None and o.painted_ns >= scheduled_ns else None
    return ResolvedOnset(scheduled_ns, painted, o.sounded_ns)


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue an exercise put on the child screen: its key, the frame time it went up, what it shows."""

    key: int
    scheduled_ns: int
    what: str


class CueTrack:
    """The cue one exercise instance has on the screen, and the onsets of the cues it took down."""

    def __init__(self, board: CueBoard) -> None:
        self.board = board
        self._series = new_cue_series()
        self._n = 0
        self.current: Cue | None = None
        self.latencies_ms: list[float] = []
        """Software path latency (painted - scheduled) of every cue reported painted, ms."""

    def put(self, t_ns: int, what: str) -> tuple[Cue, ResolvedOnset] | None:
        """Put a new cue up at frame time ``t_ns``; returns the one it replaced (closed), if any."""
        closed = self.close()
        self._n += 1
        self.current = Cue(cue_key(self._series, self._n), t_ns, what)
        return closed

    def close(self) -> tuple[Cue, ResolvedOnset] | None:
        """Take the current cue down; returns it with its resolved onset."""
        c, self.current = self.current, None
        if c is None:
            return None
        on = resolve(self.board, c.key, c.scheduled_ns)
        if on.latency_ms is not None:
            self.latencies_ms.append(on.latency_ms)
        return c, on

    def onset_ns(self) -> int | None:
        """Onset of the current cue as scored now (painted when reported, else scheduled)."""
        c = self.current
        return None if c is None else resolve(self.board, c.key, c.scheduled_ns).t_ns

    @property
    def live_key(self) -> float:
        return float(self.current.key) if self.current is not None else 0.0

    def summary(self) -> tuple[int, float | None]:
        """``(cues reported painted, median software path latency ms)``."""
        lat = sorted(self.latencies_ms)
        if not lat:
            return 0, None
        n = len(lat)
        return n, (lat[n // 2] if n % 2 else 0.5 * (lat[n // 2 - 1] + lat[n // 2]))


def cue_events(ex: Exercise, closed: tuple[Cue, ResolvedOnset] | None, rep: int) -> list[ScoreEvent]:
    """The ``cue`` event of a cue taken down (none when there was none): stamped with its onset as scored."""
    if closed is None:
        return []
    c, on = closed
    return [ex.event(on.t_ns, "cue", rep=rep, cue=c.what, key=c.key, **on.payload())]
