"""One Euro filtering of landmark streams, with explicit gap handling.

The One Euro filter (Casiez, Roussel & Vogel, CHI 2012) is a first-order low-pass filter whose cut-off
rises with speed: ``fc = min_cutoff + beta * |dx/dt|``. Slow movement is smoothed hard (jitter goes),
fast movement passes with little lag.

Conventions
-----------
* Positions are normalised image units (0..1 of width/height) and speeds normalised units per
  second; cut-offs are in Hz. Time is ``t_ns`` of the session clock (the frame's capture time).
* One filter per landmark coordinate (x, y, z of every landmark, and world x, y, z in metres), and one
  filter bank per *track*: a hand is tracked by its handedness, a person by position (each person of
  a frame continues the nearest person track of the previous frames, within 0.2 of the image; the
  index a multi-person backend gives is not stable from frame to frame, and filtering two people in
  one track would blend them).
* Gaps: a track's next observation after missing source frames carries ``gap_frames = k``, the
  number of source frames (by sequence number) since its previous observation minus one. That
  counts frames where the model found nothing, frames dropped by a live pipeline (the latest-frame
  slot) and frames lost while a camera was unplugged (:class:`vision.sources.CameraSource` keeps
  its sequence numbers counting through a loss). Nothing is ever invented for missing frames. If
  the gap is longer than ``max_gap_s`` the filter restarts from the new observation (no smoothing
  across a long gap, no catch-up transient); a short gap is bridged using the real elapsed time.
* Visibility, scores, model and latency pass through unchanged; only positions are filtered.

Children-tuned defaults
-----------------------
Children's hand movement while tracing is faster and jerkier than adults' (more sub-movements and
sudden corrections), so the filter must follow fast strokes with little lag while still calming the
model's landmark jitter when the hand is nearly still. The defaults (``min_cutoff = 1.0 Hz``,
``beta = 40``, ``d_cutoff = 1.0 Hz``) were chosen on the project's simulated tracing child
(:mod:`vision.synth_hand`: a 4 s circle of 0.6 frame heights at 30 fps, fingertip speeds 240 px/s
median, 490 px/s peak at 640x480) and on a still hand with 0.003 (about 2 px) white jitter:

==================  =========================  =========================
min_cutoff, beta    lag RMS on the fast circle  jitter RMS at rest (2.4 raw)
==================  =========================  =========================
1.0 Hz, 10          6.2 px                     0.9 px
1.0 Hz, 40          2.7 px                     1.1 px
1.0 Hz, 80          1.7 px                     1.3 px
3.0 Hz, 40          2.3 px                     1.4 px
==================  =========================  =========================

so the filter halves jitter at rest and lags by about a third of one frame's movement at the median
tracing speed (``tests/test_vision_smoothing.py`` checks both). World landmarks (metres) go through
the same filter; at body speeds (1-3 m/s) it barely smooths them while moving. Set
``SmoothingSettings(enabled=False)`` to score raw landmarks.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from station.core import HandObservation, Observation, PoseObservation, TrackedFrame
from station.core.messages import FloatArray


@dataclass(frozen=True)
class SmoothingSettings:
    """Parameters of the landmark filter (see the module docstring for units)."""

    enabled: bool = True
    min_cutoff: float = 1.0
    """Hz: cut-off at rest."""
    beta: float = 40.0
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

    def __init__(self, min_cutoff: float = 1.0, beta: float = 40.0, d_cutoff: float = 1.0) -> None:
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


def _like(x: NDArray[np.float64], like: FloatArray) -> FloatArray:
    """``x`` (a fresh filtered array) in the float dtype of the observation it replaces."""
    return x.astype(np.float32) if like.dtype == np.float32 else x


class _Track:
    def __init__(self, s: SmoothingSettings) -> None:
        self.pos = OneEuroFilter(s.min_cutoff, s.beta, s.d_cutoff)
        self.world = OneEuroFilter(s.min_cutoff, s.beta, s.d_cutoff)
        self.last_t_ns: int | None = None
        self.last_seq: int | None = None


class LandmarkSmoother:
    """Filters the observations of successive :class:`TrackedFrame` s (one per processed frame).

    Call :meth:`__call__` with every tracked frame in time order. Returns a new ``TrackedFrame`` with filtered landmarks and
    ``gap_frames`` set.
    """

    def __init__(self, settings: SmoothingSettings | None = None) -> None:
        self.settings = settings or SmoothingSettings()
        self._tracks: dict[tuple[str, str], _Track] = {}
        self._pose_centres: dict[tuple[str, str], NDArray[np.float64]] = {}
        self._next_pose = 0
        self.gaps = 0
        """Number of gaps closed so far (a track that came back after missing frames)."""
        self.restarts = 0
        """Gaps longer than ``max_gap_s`` (the filter restarted)."""

    def reset(self) -> None:
        self._tracks.clear()
        self._pose_centres.clear()
        self._next_pose = 0

    def _key(self, obs: HandObservation | PoseObservation) -> tuple[str, str]:
        if isinstance(obs, HandObservation):
            return ("hand", obs.handedness)
        return ("pose", str(obs.person))

    def _pose_keys(self, poses: tuple[PoseObservation, ...]) -> list[tuple[str, str]]:
        """Track keys of the people of one frame: the nearest earlier person track (greedy, by landmark
        centre in normalised image coordinates, within 0.2), else a new track."""
        if len(poses) <= 1 and len(self._pose_centres) <= 1:
            keys = [("pose", "0")] * len(poses)
        else:
            centres = [np.asarray(p.landmarks[:, :2], dtype=np.float64).mean(axis=0) for p in poses]
            pairs = sorted((float(np.hypot(*(c - prev))), i, k) for i, c in enumerate(centres)
                           for k, prev in self._pose_centres.items())
            keys_by_i: dict[int, tuple[str, str]] = {}
            used: set[tuple[str, str]] = set()
            for d, i, k in pairs:
                if d <= 0.2 and i not in keys_by_i and k not in used:
                    keys_by_i[i] = k
                    used.add(k)
            for i in range(len(poses)):
                if i not in keys_by_i:
                    self._next_pose += 1
                    keys_by_i[i] = ("pose", str(self._next_pose))
            keys = [keys_by_i[i] for i in range(len(poses))]
        for k, p in zip(keys, poses, strict=True):
            self._pose_centres[k] = np.asarray(p.landmarks[:, :2], dtype=np.float64).mean(axis=0)
        return keys

    def _filter(self, obs: HandObservation | PoseObservation, tr: _Track, seq: int) -> HandObservation | PoseObservation:
        s = self.settings
        gap = max(0, seq - tr.last_seq - 1) if tr.last_seq is not None else 0
        if tr.last_t_ns is not None and (obs.t_ns - tr.last_t_ns) > s.max_gap_s * 1e9:
            tr.pos.reset()
            tr.world.reset()
            self.restarts += 1
        if gap:
            self.gaps += 1
        tr.last_seq = seq
        tr.last_t_ns = obs.t_ns
        if not s.enabled:
            return dataclasses.replace(obs, gap_frames=gap) if gap != obs.gap_frames else obs
        lm = _like(tr.pos(obs.t_ns, obs.landmarks), obs.landmarks)
        world = _like(tr.world(obs.t_ns, obs.world), obs.world) if obs.world is not None else None
        return dataclasses.replace(obs, landmarks=lm, world=world, gap_frames=gap)

    def __call__(self, tf: TrackedFrame) -> TrackedFrame:
        seen: set[tuple[str, str]] = set()
        hands: list[HandObservation] = []
        poses: list[PoseObservation] = []
        pose_keys = iter(self._pose_keys(tf.poses))
        observations: tuple[Observation, ...] = (*tf.hands, *tf.poses)
        for obs in observations:
            key = self._key(obs) if isinstance(obs, HandObservation) else next(pose_keys)
            if key in seen:  # two hands with the same label in one frame: pass the second through
                if isinstance(obs, HandObservation):
                    hands.append(obs)
                else:
                    poses.append(obs)
                continue
            seen.add(key)
            tr = self._tracks.get(key)
            if tr is None:
                tr = self._tracks[key] = _Track(self.settings)
            out = self._filter(obs, tr, tf.seq)
            if isinstance(out, HandObservation):
                hands.append(out)
            else:
                poses.append(out)
        return dataclasses.replace(tf, hands=tuple(hands), poses=tuple(poses))

    def stream(self, frames: Iterable[TrackedFrame]) -> Iterator[TrackedFrame]:
        """Filter a whole stream lazily."""
        for tf in frames:
            yield self(tf)
