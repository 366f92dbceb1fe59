"""A fixed-size, thread-safe ring buffer of timestamped rows, for live views.

Producers ``append`` rows; the UI copies a consistent snapshot with :meth:`RingBuffer.snapshot` on a
timer. Rows are stored in a preallocated NumPy array: appending is O(1), never reallocates and never
``np.roll``s.
"""

from __future__ import annotations

import threading

import numpy as np
from numpy.typing import NDArray


class RingBuffer:
    """Holds the last ``capacity`` rows of ``(t_ns, v0, v1, ...)``.

    Parameters
    ----------
    capacity: number of rows kept.
    width: number of value columns per row (time is kept separately as int64 nanoseconds).
    """

    def __init__(self, capacity: int, width: int = 1) -> None:
        if capacity < 1 or width < 1:
            raise ValueError("capacity and width must be at least 1")
        self._t = np.zeros(capacity, dtype=np.int64)
        self._v = np.full((capacity, width), np.nan, dtype=np.float64)
        self._n = 0  # total rows ever appended
        self._lock = threading.Lock()
        self.capacity = capacity
        self.width = width

    def append(self, t_ns: int, *values: float) -> None:
        if len(values) != self.width:
            raise ValueError(f"expected {self.width} values, got {len(values)}")
        with self._lock:
            i = self._n % self.capacity
            self._t[i] = t_ns
            self._v[i] = values
            self._n += 1

    def __len__(self) -> int:
        return min(self._n, self.capacity)

    @property
    def total(self) -> int:
        """Rows appended since creation (including those overwritten)."""
        return self._n

    def snapshot(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Copies of the kept rows, oldest first: ``(t_ns[n], values[n, width])``."""
        with self._lock:
            n, cap = self._n, self.capacity
            if n <= cap:
                return self._t[:n].copy(), self._v[:n].copy()
            i = n % cap
            return (
                np.concatenate((self._t[i:], self._t[:i])),
                np.concatenate((self._v[i:], self._v[:i])),
            )

    def latest(self) -> tuple[int, NDArray[np.float64]] | None:
        """The newest row, or ``None`` when empty."""
        with self._lock:
            if self._n == 0:
                return None
            i = (self._n - 1) % self.capacity
            return int(self._t[i]), self._v[i].copy()

    def clear(self) -> None:
        with self._lock:
            self._n = 0
