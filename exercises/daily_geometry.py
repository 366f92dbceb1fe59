"""Body points shared by the daily-living exercises (tooth brushing, hand to mouth, seated posture).

Conventions
-----------
* Points are in **isotropic frame-height units**: normalised image x times width/height, y down, so a
  distance means the same along x and y.
* ``shoulder width`` = distance of the pose's shoulders (11, 12): the body's own ruler; distances
  divided by it do not change with the child's distance to the camera.
* ``mouth`` = midpoint of the pose's mouth corners (9, 10).
* ``hand point`` = palm centre of the hand landmarks (mean of 0, 5, 9, 13, 17) when a hand was found,
  else the midpoint of the pose's wrist and index (15/19 left, 16/20 right) of the side asked for (or
  the wrist nearer the mouth).
* ``hand roll`` = angle of the knuckle line (index MCP 5 -> little-finger MCP 17) in the image plane,
  degrees, measured against the same line at a reference time: only roll **in the camera's image
  plane** is seen; a hand tipping toward or away from the camera is not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from exercises.contract import CountStars, TrialOutcome, TrialScore
from station.core import HandObservation, PoseObservation

VIS_MIN = 0.5
"""Pose landmarks below this visibility are treated as not seen."""


def iso(o: PoseObservation | HandObservation) -> NDArray[np.float64]:
    w, h = o.image_size
    return np.asarray(o.landmarks[:, :2], dtype=np.float64) * np.array([w / h, 1.0])


def seen(pose: PoseObservation, *idx: int) -> bool:
    if pose.visibility is None:
        return True
    return all(float(pose.visibility[i]) >= VIS_MIN for i in idx)


def shoulder_width(p: NDArray[np.float64]) -> float:
    return max(float(np.hypot(*(p[11] - p[12]))), 1e-6)


def mouth(p: NDArray[np.float64]) -> NDArray[np.float64]:
    return (p[9] + p[10]) / 2


def pick_pose(poses: Sequence[PoseObservation]) -> PoseObservation | None:
    """The followed person (index 0) with shoulders and mouth seen, or ``None``."""
    for o in poses:
        if o.person == 0 and seen(o, 9, 10, 11, 12):
            return o
    return None


def hand_point(pose_p: NDArray[np.float64], hands: Sequence[HandObservation], side: str = "any") -> tuple[NDArray[np.float64] | None, HandObservation | None]:
    """``(point, hand)`` of the hand nearest the mouth (``side`` ``left``/``right``/``any``; anatomical)."""
    m = mouth(pose_p)
    cands = [h for h in hands if side == "any" or h.handedness.lower() == side]
    if cands:
        pts = [(iso(h)[[0, 5, 9, 13, 17]].mean(axis=0), h) for h in cands]
        return min(pts, key=lambda ph: float(np.hypot(*(ph[0] - m))))
    options = {"left": ((15, 19),), "right": ((16, 20),), "any": ((15, 19), (16, 20))}[side]
    pts2 = [(pose_p[a] + pose_p[b]) / 2 for a, b in options]
    return min(pts2, key=lambda q: float(np.hypot(*(q - m)))), None


def knuckle_angle(hand: HandObservation) -> float:
    """Angle of the knuckle line (5 -> 17) in the image plane, degrees in (-180, 180]."""
    p = iso(hand)
    d = p[17] - p[5]
    return math.degrees(math.atan2(float(d[1]), float(d[0])))


def angle_diff(a: float, b: float) -> float:
    """Smallest absolute difference of two angles, degrees."""
    d = (a - b + 180.0) % 360.0 - 180.0
    return abs(d)


class ShareStars:
    """Stars from a share in the live values (``key``, 0..1): 1-3 stars as every rule
    (:class:`exercises.contract.TrialScore`); without the live value, repetitions against the target."""

    def __init__(self, key: str) -> None:
        self.key = key

    def score(self, o: TrialOutcome) -> TrialScore:
        v = o.live.get(self.key)
        if v is not None and math.isfinite(v):
            return TrialScore.of(float(v))
        return CountStars().score(o)
