"""Hand measures shared by the fine-motor exercises (pinch aperture, finger curl, grip point).

Conventions
-----------
* Input: one :class:`station.core.HandObservation`. When the tracker supplies **world** landmarks
  (MediaPipe's metric 3-D hand model), aperture and curl are computed from them: they do not change
  when the hand turns toward or away from the camera (with image landmarks a thumbs-up seen from
  the front foreshortens the hand and inflates every ratio). Otherwise (the simulated hand, old
  recordings) they use the 2-D image landmarks in isotropic frame-height units (x scaled by the
  frame's aspect ratio). Either way distances are divided by the **hand size**, the wrist (0) to
  middle-finger MCP (9) distance, so every measure is dimensionless and independent of how far the
  hand is from the camera.
* ``aperture`` = thumb tip (4) to index tip (8) distance / hand size.
* ``curl`` = mean distance of the four fingertips (8, 12, 16, 20) to the palm centre (mean of
  0, 5, 9, 13, 17) / hand size: about 1.0 for an open hand and 0.2-0.45 for a fist or thumbs-up
  (measured with MediaPipe world landmarks on ``media/hand/open_palm.mp4`` and
  ``fist_to_thumbs_up.mp4``); below about 0.45 the fingers are curled into the palm (a palmar /
  whole-hand grasp).
* ``grip point`` = midpoint of thumb tip and index tip (normalised image coordinates), where a
  pinched peg is.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from numpy.typing import NDArray

from station.core import HandObservation

log = logging.getLogger(__name__)

_TIPS = (8, 12, 16, 20)
_PALM = (0, 5, 9, 13, 17)


def iso_xy(hand: HandObservation) -> NDArray[np.float64]:
    """21 x 2 landmarks in isotropic frame-height units (x times width/height)."""
    w, h = hand.image_size
    return np.asarray(hand.landmarks[:, :2], dtype=np.float64) * np.array([w / h, 1.0])


def hand_size(p: NDArray[np.float64]) -> float:
    """Wrist to middle-MCP distance of iso landmarks (frame heights); at least 1e-6."""
    return max(float(np.hypot(*(p[9] - p[0]))), 1e-6)


def aperture(p: NDArray[np.float64]) -> float:
    """Thumb-tip to index-tip distance in hand sizes."""
    return float(np.hypot(*(p[4] - p[8]))) / hand_size(p)


def curl(p: NDArray[np.float64]) -> float:
    """Mean fingertip-to-palm-centre distance in hand sizes."""
    palm = p[list(_PALM)].mean(axis=0)
    d = p[list(_TIPS)] - palm
    return float(np.hypot(d[:, 0], d[:, 1]).mean()) / hand_size(p)


def grip_point(hand: HandObservation) -> NDArray[np.float64]:
    """Midpoint of thumb tip and index tip, normalised image coordinates."""
    lm = np.asarray(hand.landmarks[:, :2], dtype=np.float64)
    return (lm[4] + lm[8]) / 2


class Hysteresis:
    """A two-threshold switch: becomes ``on`` when the value drops below ``on_below`` and ``off``
    when it rises above ``off_above`` (``on_below < off_above``); values in between keep the state."""

    def __init__(self, on_below: float, off_above: float) -> None:
        if not on_below < off_above:
            raise ValueError("on_below must be smaller than off_above")
        self.on_below = on_below
        self.off_above = off_above
        self.on = False

    def update(self, value: float) -> bool | None:
        """Feed a value; returns ``True`` on a switch on, ``False`` on a switch off, else ``None``."""
        if not self.on and value < self.on_below:
            self.on = True
            return True
        if self.on and value > self.off_above:
            self.on = False
            return False
        return None


def measures(hand: HandObservation) -> tuple[float, float, float, float]:
    """``(aperture, curl, grip_x, grip_y)`` of one hand in a single pass with plain floats.

    Aperture and curl from the world landmarks when present, else from the image landmarks (same
    definitions as :func:`aperture` and :func:`curl`, which take image landmarks); the grip point in
    normalised image coordinates. About ten times cheaper than NumPy for 21 points, which matters in
    per-frame scoring.
    """
    lm = hand.landmarks[:, :2].tolist()
    gx, gy = (lm[4][0] + lm[8][0]) / 2, (lm[4][1] + lm[8][1]) / 2
    if hand.world is not None:
        wl = hand.world.tolist()
        xs, ys, zs = [p[0] for p in wl], [p[1] for p in wl], [p[2] for p in wl]
    else:
        w, h = hand.image_size
        ax = w / h
        xs, ys, zs = [p[0] * ax for p in lm], [p[1] for p in lm], [0.0] * len(lm)

    def dist(i: int, j: int) -> float:
        return math.sqrt((xs[i] - xs[j]) ** 2 + (ys[i] - ys[j]) ** 2 + (zs[i] - zs[j]) ** 2)

    hs = max(dist(9, 0), 1e-6)
    ap = dist(4, 8) / hs
    px, py, pz = (sum(v[i] for i in _PALM) / 5 for v in (xs, ys, zs))
    cu = sum(math.sqrt((xs[i] - px) ** 2 + (ys[i] - py) ** 2 + (zs[i] - pz) ** 2) for i in _TIPS) / 4 / hs
    return ap, cu, gx, gy
