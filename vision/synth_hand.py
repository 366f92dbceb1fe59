"""Synthetic hand landmarks: a simulated child tracing a path with the index fingertip.

The generator is the project's ground truth for tracing: the *intended* fingertip path is known
exactly, and the generated fingertip departs from it by a documented drift and tremor.

Model
-----
* Progress along the path (arc length) follows a minimum-jerk profile over the trial
  (``s = 10 u^3 - 15 u^4 + 6 u^5``, ``u = t / duration``), modulated by slow sub-movements (children
  trace in bursts), kept monotonic.
* Lateral error: a smooth drift perpendicular to the path (sum of three sinusoids, peak
  ``drift`` in units of frame height) plus physiological tremor (``tremor_hz``, amplitude
  ``tremor``) plus landmark jitter (white noise, ``jitter``).
* The hand is a fixed 21-landmark pointing-hand shape translated so landmark 8 (index tip) is at
  the fingertip; hand length is ``hand_size`` of the frame height.

Coordinates are normalised image coordinates of the unmirrored image (x right, y down).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from station.core import HandObservation, TrackedFrame

MODEL = "synthetic.hand/1"

# A right hand pointing up, palm to camera, in hand-length units, index tip at the origin, y down.
_POINTING_HAND = np.array(
    [
        (0.05, 0.95),  # 0 wrist
        (-0.12, 0.82), (-0.22, 0.68), (-0.25, 0.56), (-0.22, 0.47),  # thumb 1-4
        (-0.05, 0.50), (-0.03, 0.32), (-0.015, 0.16), (0.0, 0.0),  # index 5-8
        (0.06, 0.52), (0.10, 0.45), (0.10, 0.58), (0.08, 0.62),  # middle 9-12 (curled)
        (0.15, 0.56), (0.19, 0.50), (0.18, 0.62), (0.16, 0.66),  # ring 13-16
        (0.22, 0.62), (0.25, 0.57), (0.24, 0.66), (0.22, 0.69),  # pinky 17-20
    ],
    dtype=np.float64,
)


@dataclass(frozen=True)
class TraceTruth:
    """Ground truth of a generated trace (times in ns, positions in normalised image units)."""

    t_ns: NDArray[np.int64]
    intended: NDArray[np.float64]
    """N x 2: the point on the path the child aimed at."""
    fingertip: NDArray[np.float64]
    """N x 2: the generated fingertip (intended + drift + tremor, before jitter)."""


def _resample_path(path: NDArray[np.float64], aspect: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative arc length (in frame-height units) and unit normals of a polyline."""
    p = np.asarray(path, dtype=np.float64)
    scale = np.array([aspect, 1.0])  # x is in widths: convert to heights for lengths
    d = np.diff(p * scale, axis=0)
    seg = np.hypot(d[:, 0], d[:, 1])
    s = np.concatenate(([0.0], np.cumsum(seg)))
    tang = np.gradient(p * scale, axis=0)
    tang /= np.maximum(np.hypot(tang[:, 0], tang[:, 1])[:, None], 1e-12)
    normal = np.stack((-tang[:, 1], tang[:, 0]), axis=1) / scale  # back to x-in-widths
    return s, normal


def tracing_stream(
    path: NDArray[np.float64],
    *,
    duration_s: float = 8.0,
    fps: float = 30.0,
    image_size: tuple[int, int] = (640, 480),
    t0_ns: int = 0,
    drift: float = 0.012,
    tremor: float = 0.002,
    tremor_hz: float = 9.0,
    jitter: float = 0.001,
    hand_size: float = 0.25,
    handedness: str = "Right",
    dropout: float = 0.0,
    seed: int = 0,
    source_id: str = "synthetic-hand",
) -> tuple[list[TrackedFrame], TraceTruth]:
    """Generate a tracing trial along ``path`` (N x 2 normalised image points, in drawing order).

    Returns one :class:`TrackedFrame` per frame (``hands`` empty on dropped frames, with
    probability ``dropout``) and the :class:`TraceTruth`.
    """
    rng = np.random.default_rng(seed)
    w, h = image_size
    aspect = w / h
    s_path, normals = _resample_path(path, aspect)
    n = max(2, round(duration_s * fps))
    t = np.arange(n) / fps
    u = t / t[-1]
    mj = 10 * u**3 - 15 * u**4 + 6 * u**5
    # Sub-movements: a slow modulation of progress, kept monotonic.
    k = rng.uniform(3, 6)
    prog = mj + 0.015 * np.sin(2 * np.pi * k * u) * np.sin(np.pi * u)
    prog = np.clip(np.maximum.accumulate(prog), 0.0, 1.0)
    s = prog * s_path[-1]
    intended = np.stack([np.interp(s, s_path, path[:, i]) for i in (0, 1)], axis=1)
    nrm = np.stack([np.interp(s, s_path, normals[:, i]) for i in (0, 1)], axis=1)
    phases = rng.uniform(0, 2 * np.pi, 3)
    freqs = np.array([0.23, 0.41, 0.67]) * (8.0 / max(duration_s, 1e-3))
    lateral = sum(np.sin(2 * np.pi * f * t + ph) for f, ph in zip(freqs, phases, strict=True)) / 3 * drift
    lateral = lateral + tremor * np.sin(2 * np.pi * tremor_hz * t + rng.uniform(0, 2 * np.pi))
    tip = intended + nrm * lateral[:, None]
    t_ns = (t0_ns + np.round(t * 1e9)).astype(np.int64)

    shape = _POINTING_HAND.copy()
    if handedness == "Left":
        shape[:, 0] *= -1
    offsets = shape * hand_size * np.array([1 / aspect, 1.0])
    frames: list[TrackedFrame] = []
    for i in range(n):
        hands: tuple[HandObservation, ...] = ()
        if not (dropout > 0 and rng.random() < dropout):
            lm = np.zeros((21, 3), dtype=np.float32)
            lm[:, :2] = tip[i] + offsets + rng.normal(0, jitter, (21, 2))
            hands = (
                HandObservation(
                    source_id=source_id,
                    frame_seq=i,
                    t_ns=int(t_ns[i]),
                    landmarks=lm,
                    image_size=image_size,
                    visibility=np.ones(21, dtype=np.float32),
                    score=0.98,
                    model=MODEL,
                    handedness="Left" if handedness == "Left" else "Right",
                ),
            )
        frames.append(TrackedFrame(source_id, i, int(t_ns[i]), image_size, hands=hands))
    return frames, TraceTruth(t_ns, intended, tip)
