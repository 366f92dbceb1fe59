"""The block mixer every audio backend pulls from (the sound card's callback, the WAV renderer).

Voices are added from any thread and start at the beginning of the next block the backend renders, so a
sound starts at most one block after it was asked for (plus the device's output latency). When a voice's
first sample is mixed, its :class:`Onset` gets the session-clock time of that block's first sample.
Volume and the maximum loudness apply to the sum: the mix is scaled by ``volume`` and never leaves
``ceiling`` (a per-block peak limiter), whatever the prompts or chimes hold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


@dataclass
class Onset:
    """When a sound actually started, on the session clock (ns).

    ``t_event_ns``: the time of what it answers (a scored event, a phase change); ``t_request_ns``: when the
    service was asked (the listener ran); ``t_onset_ns``: the first sample's time at the output (``None``
    until mixed, and for ever when nothing plays it)."""

    sound: str
    key: str
    clip: str
    t_event_ns: int
    t_request_ns: int
    trial: int = -1
    kind: str = ""
    rep: int = -1
    t_onset_ns: int | None = None
    _mixed: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    on_mark: Callable[[int], None] | None = field(default=None, repr=False, compare=False)
    """Called with the onset time once the first sample is mixed (on the mixing thread: keep it short)."""

    @property
    def delay_ns(self) -> int | None:
        """Event-to-sound delay (``None`` until the sound started)."""
        return None if self.t_onset_ns is None else self.t_onset_ns - self.t_event_ns

    def wait(self, timeout: float) -> int | None:
        self._mixed.wait(timeout)
        return self.t_onset_ns

    def mark(self, t_ns: int) -> None:
        self.t_onset_ns = t_ns
        self._mixed.set()
        if self.on_mark is not None:
            self.on_mark(t_ns)


@dataclass
class _Voice:
    samples: NDArray[np.float32]
    gain: float
    onset: Onset | None
    pos: int = 0


class Mixer:
    """Sums voices block by block; thread-safe :meth:`add`, :meth:`render` on the audio thread."""

    def __init__(self, rate: int, block: int, volume: float = 1.0, ceiling: float = 1.0) -> None:
        self.rate = rate
        self.block = block
        self.volume = volume
        self.ceiling = ceiling
        self._lock = threading.Lock()
        self._pending: list[_Voice] = []
        self._active: list[_Voice] = []
        self.blocks = 0
        self.limited_blocks = 0
        """Blocks the loudness ceiling had to turn down."""

    def add(self, samples: NDArray[np.float32], gain: float = 1.0, onset: Onset | None = None) -> None:
        with self._lock:
            self._pending.append(_Voice(samples, gain, onset))

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending or self._active)

    def render(self, n: int, t_ns: int) -> NDArray[np.float32]:
        """The next ``n`` samples; ``t_ns`` is the session-clock time of the first one at the output."""
        with self._lock:
            new, self._pending = self._pending, []
        for v in new:
            if v.onset is not None:
                v.onset.mark(t_ns)
        self._active.extend(new)
        out = np.zeros(n, np.float32)
        keep = []
        for v in self._active:
            chunk = v.samples[v.pos:v.pos + n]
            out[:len(chunk)] += chunk * v.gain
            v.pos += len(chunk)
            if v.pos < len(v.samples):
                keep.append(v)
        self._active = keep
        out *= self.volume
        peak = float(np.abs(out).max()) if n else 0.0
        if peak > self.ceiling:
            out *= self.ceiling / peak
            self.limited_blocks += 1
        self.blocks += 1
        return out
