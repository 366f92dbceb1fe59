"""Mapping a device's clock to the session clock with a jitter-robust linear fit.

Model: a sample measured at device time ``d`` (ns) arrives on the host at
``a = offset + slope * d + latency + jitter`` with ``jitter >= 0`` (USB polling, scheduling, the
serial line itself: a line can arrive late, never early). Least squares on every pair would fit the
*mean* delay and be dragged by late bursts; instead the fit follows the **lower envelope**: pairs are
grouped into blocks of :attr:`ClockFitter.block_ns` of device time, the least-delayed pair of each
block is kept, and a line is fitted through those block minima (least squares, then one pass that
drops minima more than 3 robust sigmas above the line). The result is the session time the sample
would have had with zero transport delay plus the minimum latency: ``t_ns = offset_ns + slope * d``,
stored in the session header as :class:`station.core.messages.ClockFit`.

Until two blocks are complete the fit is the minimum offset seen so far with slope 1. The mapped
time is never later than the sample's arrival and never goes backwards (:meth:`ClockFitter.map`).
"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np

from station.core.messages import ClockFit

log = logging.getLogger(__name__)


class ClockFitter:
    """Incremental lower-envelope fit of device time (µs) -> session time (ns).

    Parameters
    ----------
    device_id: the device the fit is for (carried into :class:`ClockFit`).
    block_ns: device-time span of one block (default 0.25 s).
    window_blocks: blocks kept (default 240, i.e. the last minute): old drift ages out.
    refit_every: refit after this many new blocks.
    """

    def __init__(self, device_id: str, *, block_ns: int = 250_000_000, window_blocks: int = 240, refit_every: int = 1) -> None:
        self.device_id = device_id
        self.block_ns = block_ns
        self.refit_every = refit_every
        self._blocks: deque[tuple[float, float]] = deque(maxlen=window_blocks)  # (device_ns rel, min offset)
        self._origin: int | None = None  # device ns of the first pair (keeps the fit well conditioned)
        self._block_id: int | None = None
        self._block_min: tuple[float, float] | None = None
        self._new_blocks = 0
        self.slope = 1.0
        self.intercept = 0.0  # offset at device time = origin
        self.residual_ns = 0.0
        self.n = 0
        self._last_out: int | None = None

    def reset(self) -> None:
        """Start over (the device clock was reset)."""
        self.__init__(self.device_id, block_ns=self.block_ns, window_blocks=self._blocks.maxlen or 240, refit_every=self.refit_every)  # type: ignore[misc]

    def add(self, device_time_us: int, arrival_ns: int) -> None:
        """Add one (device time, host arrival) pair."""
        d = device_time_us * 1000
        if self._origin is None:
            self._origin = d
            self.intercept = float(arrival_ns - d)
        rel = d - self._origin
        off = float(arrival_ns - d)
        self.n += 1
        bid = rel // self.block_ns
        if bid != self._block_id:
            if self._block_min is not None:
                self._blocks.append(self._block_min)
                self._new_blocks += 1
                if self._new_blocks >= self.refit_every:
                    self._refit()
            self._block_id = bid
            self._block_min = (float(rel), off)
        elif self._block_min is not None and off < self._block_min[1]:  # never None here: a new block sets it first
            self._block_min = (float(rel), off)
        if len(self._blocks) < 2:
            # no slope yet: the least delay seen so far
            cur = self._block_min[1] if self._block_min else off
            best = min([cur, *(b[1] for b in self._blocks)])
            self.intercept = best

    def _refit(self) -> None:
        self._new_blocks = 0
        if len(self._blocks) < 2:
            return
        arr = np.asarray(self._blocks, dtype=np.float64)
        x, y = arr[:, 0], arr[:, 1]
        keep = np.ones(len(x), dtype=bool)
        for _ in range(2):
            if keep.sum() < 2:
                break
            b, a = np.polyfit(x[keep], y[keep], 1)
            r = y - (a + b * x)
            mad = float(np.median(np.abs(r[keep] - np.median(r[keep])))) * 1.4826
            new_keep = r <= 3 * max(mad, 1000.0)
            if new_keep.sum() < 2 or np.array_equal(new_keep, keep):
                break
            keep = new_keep
        b, a = np.polyfit(x[keep], y[keep], 1)
        r = y[keep] - (a + b * x[keep])
        # shift the line down onto the envelope: no kept minimum lies below it
        a += float(r.min())
        self.slope = 1.0 + float(b)
        self.intercept = float(a)
        self.residual_ns = float(np.sqrt(np.mean((r - r.min()) ** 2)))

    def predict(self, device_time_us: int) -> int:
        """Session time (ns) of a device time, by the current fit."""
        d = device_time_us * 1000
        if self._origin is None:
            raise ValueError("no pairs yet")
        rel = d - self._origin
        return round(self._origin + rel + self.intercept + (self.slope - 1.0) * rel)

    def map(self, device_time_us: int, arrival_ns: int) -> int:
        """Add the pair and return the sample's session time: the fit's estimate, never after its
        arrival, never before the previous mapped time (+1 ns)."""
        self.add(device_time_us, arrival_ns)
        t = min(self.predict(device_time_us), arrival_ns)
        if self._last_out is not None and t <= self._last_out:
            t = self._last_out + 1
        self._last_out = t
        return t

    def fit(self) -> ClockFit:
        """The current fit as ``t_ns = offset_ns + slope * device_ns``."""
        origin = self._origin or 0
        offset = self.intercept - (self.slope - 1.0) * origin
        return ClockFit(self.device_id, self.slope, offset, self.residual_ns, self.n)
