"""One Euro filtering of landmark streams, with explicit gap handling.

The One Euro filter (Casiez, Roussel & Vogel, CHI 2012) is a first-order low-pass filter whose cut-off
rises with speed: ``fc = min_cutoff + beta * |dx/dt|``. Slow movement is smoothed hard (jitter goes),
fast movement passes with little lag.

Conventions
-----------
* Positions are normalised image units (0..1 of width/height) and speeds normalised units per
  second; cut-offs are in Hz. Time is ``t_ns`` of the session clock (the frame's capture time).
* One filter per landmark coordinate (x, y, z of every landmark, and world x, y, z in metres), and one
  filter bank per *track*: a hand is tracked by its handedness, a person by its index.
* Gaps: when a track is missing for ``k`` processed frames, its next observation is marked with
  ``gap_frames = k``. Nothing is ever invented for the missing frames. If the gap is longer than
  ``max_gap_s`` the filter restarts from the new observation (no smoothing across a long gap, no
  catch-up transient); a short gap is bridged using the real elapsed time.
* Visibility, scores, model and latency pass through unchanged; only positions are filtered.

Children-tuned defaults
-----------------------
Children's hand movement while tracing is faster and jerkier than adults' (more sub-movements and
sudden corrections), and the camera sees a small child's hand with more landmark jitter. The defaults
(``min_cutoff = 1.5 Hz``, ``beta = 4.0``, ``d_cutoff = 1.0 Hz``) were chosen on the project's
simulated tracing child (:mod:`vision.synth_hand`: minimum-jerk sweep with bursts, 9 Hz tremor,
white landmark jitter): they remove most of the jitter and halve tremor while the lag on the fastest
sweeps stays below one frame at 30 fps (see ``tests/test_vision_smoothing.py``). Set
``SmoothingSettings(enabled=False)`` to score raw landmarks.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from station.core import HandObservation, PoseObservation, TrackedFrame


@dataclass(frozen=True)
class SmoothingSettings:
    """Parameters of the landmark filter (see the module docstring for units)."""

    enabled: bool = True
    min_cutoff: float = 1.5
    """Hz: cut-off at rest."""
    beta: float = 4.0
    """Cut-off increase per unit of speed (Hz per normalised unit/s)."""
    d_cutoff: float = 1.0
    """Hz: cut-off of the speed estimate."""
    max_gap_s: float = 0.5
    """A track missing for longer than this restarts its filter."""


def _alpha(cutoff: NDArray[np.float64] | float, dt: float) -> NDArray[np.float64] | float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """A vectorised One Euro filter: one independent filter per element of the array it is given.

    Parameters
    ----------
    min_cutoff: Hz.  beta: Hz per (unit/s).  d_cutoff: Hz.
    """

    def __init__(self, min_cutoff: float = 1.5, beta: float = 4.0, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError("cut-offs must be positive and beta non-negative")
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self._x: NDArray[np.float64] | None = None
        self._dx: NDArray[np.float64] | None = None
        self._t_ns: int | None = None

    def reset(self) -> None:
        self._x = self._dx = None
        self._t_ns = None

    def __call__(self, t_ns: int, x: NDArray[np.floating]) -> NDArray[np.float64]:
        """Filtered value of ``x`` observed at ``t_ns`` (ns); times must increase."""
        xv = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t_ns is None or self._x.shape != xv.shape or t_ns <= self._t_ns:
            # First sample (or a shape change / non-increasing time): start from the observation.
            self._x = xv.copy()
            self._dx = np.zeros_like(xv)
            self._t_ns = t_ns
            return self._x.copy()
        dt = (t_ns - self._t_ns) / 1e9
        assert self._dx is not None
        dx = (xv - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = self._dx + a_d * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        a = _alpha(cutoff, dt)
        self._x = self._x + a * (xv - self._x)
        self._t_ns = t_ns
        return self._x.copy()


class _Track:
    def __init__(self, s: SmoothingSettings) -> None:
        self.pos = OneEuroFilter(s.min_cutoff, s.beta, s.d_cutoff)
        self.world = OneEuroFilter(s.min_cutoff, s.beta, s.d_cutoff)
        self.last_t_ns: int | None = None
        self.missing = 0


class LandmarkSmoother:
    """Filters the observations of successive :class:`TrackedFrame` s (one per processed frame).

    Call :meth:`__call__` with every tracked frame in time order, *including* frames without
    detections (they count the gap). Returns a new ``TrackedFrame`` with filtered landmarks and
    ``gap_frames`` set.
    """

    def __init__(self, settings: SmoothingSettings | None = None) -> None:
        self.settings = settings or SmoothingSettings()
        self._tracks: dict[tuple[str, str], _Track] = {}
        self.gaps = 0
        """Number of gaps closed so far (a track that came back after missing frames)."""
        self.restarts = 0
        """Gaps longer than ``max_gap_s`` (the filter restarted)."""

    def reset(self) -> None:
        self._tracks.clear()

    def _key(self, obs: HandObservation | PoseObservation) -> tuple[str, str]:
        if isinstance(obs, HandObservation):
            return ("hand", obs.handedness)
        return ("pose", str(obs.person))

    def _filter(self, obs: HandObservation | PoseObservation, tr: _Track) -> HandObservation | PoseObservation:
        s = self.settings
        gap = tr.missing
        if tr.last_t_ns is not None and (obs.t_ns - tr.last_t_ns) > s.max_gap_s * 1e9:
            tr.pos.reset()
            tr.world.reset()
            self.restarts += 1
        if gap:
            self.gaps += 1
        tr.missing = 0
        tr.last_t_ns = obs.t_ns
        if not s.enabled:
            return dataclasses.replace(obs, gap_frames=gap) if gap != obs.gap_frames else obs
        lm = tr.pos(obs.t_ns, obs.landmarks).astype(obs.landmarks.dtype)
        world = tr.world(obs.t_ns, obs.world).astype(obs.world.dtype) if obs.world is not None else None
        return dataclasses.replace(obs, landmarks=lm, world=world, gap_frames=gap)

    def __call__(self, tf: TrackedFrame) -> TrackedFrame:
        seen: set[tuple[str, str]] = set()
        hands: list[HandObservation] = []
        poses: list[PoseObservation] = []
        for obs in (*tf.hands, *tf.poses):
            key = self._key(obs)
            if key in seen:  # two hands with the same label in one frame: pass the second through
                (hands if isinstance(obs, HandObservation) else poses).append(obs)  # type: ignore[arg-type]
                continue
            seen.add(key)
            tr = self._tracks.get(key)
            if tr is None:
                tr = self._tracks[key] = _Track(self.settings)
            out = self._filter(obs, tr)
            if isinstance(out, HandObservation):
                hands.append(out)
            else:
                poses.append(out)
        for key, tr in self._tracks.items():
            if key not in seen and tr.last_t_ns is not None:
                tr.missing += 1
        return dataclasses.replace(tf, hands=tuple(hands), poses=tuple(poses))

    def stream(self, frames: Iterable[TrackedFrame]) -> Iterator[TrackedFrame]:
        """Filter a whole stream lazily."""
        for tf in frames:
            yield self(tf)
