"""A small hand-gesture classifier on MediaPipe hand landmarks: thumbs-up, fist, open hand.

Used where a child says "done" without words (the routine schedule): a thumbs-up held for a moment.

Conventions
-----------
* Input: one :class:`station.core.HandObservation` (21 landmarks). Shape measures (finger curl,
  thumb extension) use MediaPipe's metric **world** landmarks when present (they do not change when
  the hand turns toward the camera), else the image landmarks in isotropic frame-height units.
  Direction ("the thumb points up") always uses the **image** landmarks (y down), because "up" is
  the screen's up.
* ``size`` = wrist (0) to middle-finger MCP (9) distance; every distance is divided by it.
* ``curl`` = mean distance of the four fingertips (8, 12, 16, 20) to the palm centre (mean of
  0, 5, 9, 13, 17), in hand sizes: about 1 for an open hand, 0.2-0.55 for a fist.
* ``thumb_ext`` = thumb tip (4) to palm centre, in hand sizes.
* ``thumb_angle_deg`` = angle between the thumb (MCP 2 -> tip 4, image) and the screen's up, degrees.

Rules (version 1; thresholds checked on ``tests/media/hand/fist_to_thumbs_up.mp4`` and ``thumb_up.jpg``)
* ``thumbs_up``: fingers curled (``curl < curl_max``), thumb out (``thumb_ext >= thumb_min``), thumb
  within ``up_deg`` of straight up, and the thumb tip above every other fingertip in the image.
* ``fist``: fingers curled, not a thumbs-up.
* ``open``: ``curl >= open_min``.
* ``other``: anything else (half-open, pointing).

:class:`HoldDetector` turns per-frame labels into one "done" signal: the gesture held for ``hold_s``
seconds (frames with a short dropout of the hand keep the hold), re-armed only after the hand has left
the gesture for ``rearm_s``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from station.core import HandObservation

log = logging.getLogger(__name__)

Gesture = Literal["thumbs_up", "fist", "open", "other"]
_TIPS = (8, 12, 16, 20)
_PALM = (0, 5, 9, 13, 17)


@dataclass(frozen=True, slots=True)
class GestureRules:
    curl_max: float = 0.62
    """Fingers count as curled below this curl (hand sizes)."""
    thumb_min: float = 0.75
    """The thumb counts as extended from this thumb-tip-to-palm distance (hand sizes)."""
    up_deg: float = 50.0
    """Largest angle of the thumb from the screen's up, degrees."""
    open_min: float = 0.85
    """An open hand from this curl (hand sizes)."""


@dataclass(frozen=True, slots=True)
class HandShape:
    curl: float
    thumb_ext: float
    thumb_angle_deg: float
    thumb_on_top: bool
    gesture: Gesture


def shape(hand: HandObservation, rules: GestureRules = GestureRules()) -> HandShape:
    """Measures and gesture label of one hand (see the module docstring)."""
    w, h = hand.image_size
    img = np.asarray(hand.landmarks[:, :2], dtype=np.float64) * np.array([w / h, 1.0])
    p = np.asarray(hand.world, dtype=np.float64) if hand.world is not None else img
    size = max(float(np.linalg.norm(p[9] - p[0])), 1e-9)
    palm = p[list(_PALM)].mean(axis=0)
    curl = float(np.linalg.norm(p[list(_TIPS)] - palm, axis=1).mean()) / size
    thumb_ext = float(np.linalg.norm(p[4] - palm)) / size
    d = img[4] - img[2]
    norm = float(np.hypot(*d))
    angle = math.degrees(math.acos(max(-1.0, min(1.0, -d[1] / norm)))) if norm > 1e-9 else 180.0
    on_top = bool(img[4, 1] < img[list(_TIPS), 1].min())
    curled = curl < rules.curl_max
    g: Gesture
    if curled and thumb_ext >= rules.thumb_min and angle <= rules.up_deg and on_top:
        g = "thumbs_up"
    elif curled:
        g = "fist"
    elif curl >= rules.open_min:
        g = "open"
    else:
        g = "other"
    return HandShape(curl, thumb_ext, angle, on_top, g)


def classify(hand: HandObservation, rules: GestureRules = GestureRules()) -> Gesture:
    """The gesture of one hand."""
    return shape(hand, rules).gesture


class HoldDetector:
    """Fires once when ``target`` has been seen for ``hold_s`` seconds; re-arms after ``rearm_s`` without it.

    Feed :meth:`update` every frame (``gesture`` ``None`` = no hand in the frame). A dropout of the hand
    shorter than ``gap_s`` does not break a hold.
    """

    def __init__(self, target: Gesture = "thumbs_up", hold_s: float = 0.5, rearm_s: float = 0.3, gap_s: float = 0.25) -> None:
        self.target = target
        self.hold_ns = int(hold_s * 1e9)
        self.rearm_ns = int(rearm_s * 1e9)
        self.gap_ns = int(gap_s * 1e9)
        self._since: int | None = None
        self._last_seen: int | None = None
        self._armed = True
        self._away_since: int | None = None

    @property
    def holding(self) -> bool:
        return self._since is not None and self._armed

    def progress(self, t_ns: int) -> float:
        """How far the current hold is, 0..1."""
        if self._since is None or not self._armed or self.hold_ns <= 0:
            return 0.0
        return min(1.0, (t_ns - self._since) / self.hold_ns)

    def update(self, gesture: Gesture | None, t_ns: int) -> bool:
        """Feed one frame; ``True`` exactly when a hold completes."""
        if gesture == self.target:
            self._last_seen = t_ns
            self._away_since = None
            if self._since is None:
                self._since = t_ns
            if self._armed and t_ns - self._since >= self.hold_ns:
                self._armed = False
                return True
            return False
        if self._last_seen is not None and gesture is None and t_ns - self._last_seen <= self.gap_ns:
            return False  # a short dropout of the hand keeps the hold
        self._since = None
        if self._away_since is None:
            self._away_since = t_ns
        if not self._armed and t_ns - self._away_since >= self.rearm_ns:
            self._armed = True
        return False
