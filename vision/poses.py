"""Animal poses from BlazePose landmarks: a rule classifier, a hold-time tracker and generated poses.

The "copy the animals" game (:mod:`exercises.copy_animals`) asks a child to make the poses

``bird``      both arms out to the sides, about shoulder height
``frog``      a squat (both knees bent, both feet on the floor)
``flamingo``  one foot lifted off the floor
``giraffe``   both arms straight up
``star``      a jumping-jack star: arms up and out, feet wide apart

and ``neutral`` (standing, arms down) between them; every other posture is ``unknown``.

Normalisation (definitions version 1)
-------------------------------------
Landmarks in pixels (x right, y down). Position: every length is measured from the person's own
joints (never from the frame). Scale: lengths are divided by the **torso length** (mid-shoulder to
mid-hip, pixels). Mirroring: every feature is symmetric (the larger/smaller of the left and right
values), so a child facing the camera, its mirror image and a left/right swap of the tracker give the
same features and the same label.

Features (torso lengths unless said)
    ``upright``: the trunk within 45 degrees of vertical, shoulders above the hips.
    ``raise_lo``/``raise_hi``: the lower/higher of the two wrists' heights above its shoulder.
    ``reach_lo``: the smaller of the two wrists' horizontal distances from the body midline.
    ``knee_angle``: the larger (straighter) of the two hip-knee-ankle angles, degrees.
    ``foot_lift``: the height of the higher ankle above the lower one.
    ``feet_apart``: horizontal distance between the ankles.
Rules, in this order (the first that holds is the label; not upright: ``unknown``)
    flamingo  foot_lift > 0.3 and knee_angle > 150 (one foot up, the standing leg straight), whatever
              the arms do (a lifted foot is the most distinctive sign)
    star      raise_lo > 0.25 and reach_lo > 0.55 and feet_apart > 0.75
    giraffe   raise_lo > 0.7 and reach_lo < 0.55
    bird      -0.45 < raise_lo and raise_hi < 0.5 and reach_lo > 0.95
    frog      knee_angle < 130 and foot_lift < 0.45 (a three-quarter view lowers the nearer foot)
    neutral   raise_hi < -0.35 and knee_angle > 150 and foot_lift < 0.15 and feet_apart < 0.75
    unknown   otherwise (a transition or a posture outside the game), or when a needed landmark's
              visibility is below ``min_visibility`` (shoulders and hips always; wrists for the arm
              poses and neutral; knees and ankles for the leg poses, star and neutral).
Hold
    :class:`PoseTracker` accepts a pose when the frame labels agree on it for ``hold_s`` seconds
    (frames labelled ``unknown`` for at most ``gap_s`` inside the hold are tolerated). After a pose is
    accepted, the same pose is accepted again only after ``neutral`` was held; a different pose may
    follow directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

ANIMALS: tuple[str, ...] = ("bird", "frog", "flamingo", "giraffe", "star")
NEUTRAL = "neutral"
UNKNOWN = "unknown"
LABELS: tuple[str, ...] = (*ANIMALS, NEUTRAL, UNKNOWN)

L_SH, R_SH, L_WR, R_WR = 11, 12, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANK, R_ANK = 23, 24, 25, 26, 27, 28
TORSO = (L_SH, R_SH, L_HIP, R_HIP)
LEGS = (L_KNEE, R_KNEE, L_ANK, R_ANK)


@dataclass(frozen=True, slots=True)
class PoseFeatures:
    raise_lo: float
    raise_hi: float
    reach_lo: float
    knee_angle: float
    foot_lift: float
    feet_apart: float
    legs_seen: bool
    arms_seen: bool = True
    upright: bool = True


def _angle(a: NDArray[np.float64], b: NDArray[np.float64], c: NDArray[np.float64]) -> float:
    u, v = a - b, c - b
    nu, nv = float(np.hypot(*u)), float(np.hypot(*v))
    if nu < 1e-9 or nv < 1e-9:
        return 180.0
    return math.degrees(math.acos(max(-1.0, min(1.0, float(u @ v) / (nu * nv)))))


def features(pts: NDArray[np.float64], vis: NDArray[np.float64] | None = None, min_visibility: float = 0.5) -> PoseFeatures | None:
    """The scale- and mirror-free features of one frame (``pts`` 33 x 2 pixels); ``None`` when the
    shoulders and hips are not seen or the torso has no length."""
    if vis is not None and min(float(vis[i]) for i in TORSO) < min_visibility:
        return None
    sh = 0.5 * (pts[L_SH] + pts[R_SH])
    hip = 0.5 * (pts[L_HIP] + pts[R_HIP])
    torso = float(np.hypot(*(sh - hip)))
    if not math.isfinite(torso) or torso < 1e-6:
        return None
    upright = float(hip[1] - sh[1]) > 0.7 * torso
    mid_x = 0.5 * (sh[0] + hip[0])
    arms_seen = vis is None or min(float(vis[i]) for i in (L_WR, R_WR)) >= min_visibility
    if arms_seen:
        raises = [(pts[s, 1] - pts[w, 1]) / torso for s, w in ((L_SH, L_WR), (R_SH, R_WR))]
        reaches = [abs(pts[w, 0] - mid_x) / torso for w in (L_WR, R_WR)]
    else:
        raises = reaches = [math.nan, math.nan]
    legs_seen = vis is None or min(float(vis[i]) for i in LEGS) >= min_visibility
    if legs_seen:
        knee = max(_angle(pts[L_HIP], pts[L_KNEE], pts[L_ANK]), _angle(pts[R_HIP], pts[R_KNEE], pts[R_ANK]))
        lift = abs(float(pts[L_ANK, 1] - pts[R_ANK, 1])) / torso
        apart = abs(float(pts[L_ANK, 0] - pts[R_ANK, 0])) / torso
    else:
        knee, lift, apart = math.nan, math.nan, math.nan
    return PoseFeatures(min(raises), max(raises), min(reaches), knee, lift, apart, legs_seen, arms_seen, upright)


def classify_features(f: PoseFeatures | None) -> str:
    """The label of one frame's features (the rules of the module docstring)."""
    if f is None or not f.upright:
        return UNKNOWN
    legs, arms = f.legs_seen, f.arms_seen
    if legs and f.foot_lift > 0.3 and f.knee_angle > 150.0:
        return "flamingo"
    if legs and arms and f.raise_lo > 0.25 and f.reach_lo > 0.55 and f.feet_apart > 0.75:
        return "star"
    if arms and f.raise_lo > 0.7 and f.reach_lo < 0.55:
        return "giraffe"
    if arms and -0.45 < f.raise_lo and f.raise_hi < 0.5 and f.reach_lo > 0.95:
        return "bird"
    if not legs:
        return UNKNOWN
    if f.knee_angle < 130.0 and f.foot_lift < 0.45:
        return "frog"
    if arms and f.raise_hi < -0.35 and f.knee_angle > 150.0 and f.foot_lift < 0.15 and f.feet_apart < 0.75:
        return NEUTRAL
    return UNKNOWN


def classify(pts: NDArray[np.float64], vis: NDArray[np.float64] | None = None, min_visibility: float = 0.5) -> str:
    """The label of one frame (``pts``: 33 x 2 landmarks in pixels, x right, y down)."""
    return classify_features(features(pts, vis, min_visibility))


@dataclass(frozen=True, slots=True)
class Accepted:
    """A pose accepted by the tracker: held from ``start_ns`` (first frame) to ``t_ns`` (acceptance)."""

    label: str
    start_ns: int
    t_ns: int


class PoseTracker:
    """Hold-time acceptance of frame labels (see the module docstring)."""

    def __init__(self, hold_s: float = 0.5, gap_s: float = 0.15) -> None:
        self.hold_ns = int(hold_s * 1e9)
        self.gap_ns = int(gap_s * 1e9)
        self.reset()

    def reset(self) -> None:
        self._cand: str | None = None
        self._cand_start = 0
        self._cand_last = 0
        self._done = False  # the current candidate has been accepted
        self.last_accepted: str | None = None
        self.current: str = UNKNOWN
        """The label of the latest frame."""
        self.holding: float = 0.0
        """Fraction 0..1 of the hold of the current candidate (for feedback)."""

    def push(self, t_ns: int, label: str) -> Accepted | None:
        """One frame's label; returns the pose accepted at this frame, if any."""
        self.current = label
        if label == UNKNOWN:
            if self._cand is not None and t_ns - self._cand_last > self.gap_ns:
                self._cand, self._done, self.holding = None, False, 0.0
            return None
        if label != self._cand:
            self._cand, self._cand_start, self._done = label, t_ns, False
        self._cand_last = t_ns
        held = t_ns - self._cand_start
        self.holding = min(1.0, held / self.hold_ns) if self.hold_ns > 0 else 1.0
        if self._done or held < self.hold_ns:
            return None
        self._done = True
        if label == NEUTRAL:
            self.last_accepted = NEUTRAL
            return Accepted(NEUTRAL, self._cand_start, t_ns)
        if label == self.last_accepted:
            return None  # the same pose again needs a neutral between
        self.last_accepted = label
        return Accepted(label, self._cand_start, t_ns)


def confusion(truth: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> NDArray[np.int64]:
    """Confusion matrix (rows = truth, columns = prediction) over ``labels``."""
    idx = {k: i for i, k in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(truth, pred, strict=True):
        m[idx[t], idx[p]] += 1
    return m


def format_confusion(m: NDArray[np.int64], labels: Sequence[str] = LABELS) -> str:
    w = max(len(x) for x in labels) + 1
    rows = ["truth \\ pred".ljust(w + 4) + "".join(x[:8].rjust(9) for x in labels)]
    for i, k in enumerate(labels):
        if m[i].sum():
            rows.append(k.ljust(w + 4) + "".join(str(int(v)).rjust(9) for v in m[i]))
    return "\n".join(rows)


# -- generated poses ---------------------------------------------------------------------------
def animal_pose(label: str, *, amount: float = 1.0, lifted: str = "left", scale: float = 1.0, dx: float = 0.0,
                dy: float = 0.0) -> NDArray[np.float64]:
    """A generated child in pose ``label`` (normalised 640x480 frame coordinates, 33 x 2).

    ``amount`` 0..1 blends from neutral standing to the full pose (transitions); ``lifted`` names the
    foot a flamingo lifts; ``scale``/``dx``/``dy`` size and place the child in the frame."""
    from vision.synth_body import STANDING

    p = STANDING.copy()
    a = max(0.0, min(1.0, amount))

    def arm(sh: int, el: int, wr: int, sgn: float, ang: float) -> None:
        # ang 0 = hanging, pi/2 = out to the side, pi = overhead (sgn: the side's outward x)
        for idx, r in ((el, 0.12), (wr, 0.23)):
            p[idx] = p[sh] + (sgn * r * math.sin(ang) * 0.75, r * math.cos(ang))
        for idx in ((17, 19, 21) if sh == 11 else (18, 20, 22)):
            p[idx] = p[wr] + (sgn * 0.012 * math.sin(ang), 0.015 * math.cos(ang))

    if label == "bird":
        arm(11, 13, 15, 1.0, a * math.pi / 2)
        arm(12, 14, 16, -1.0, a * math.pi / 2)
    elif label == "giraffe":
        arm(11, 13, 15, 1.0, a * math.pi * 0.97)
        arm(12, 14, 16, -1.0, a * math.pi * 0.97)
    elif label == "star":
        arm(11, 13, 15, 1.0, a * math.pi * 0.75)
        arm(12, 14, 16, -1.0, a * math.pi * 0.75)
        for k, sgn in (((25, 27, 29, 31), 1.0), ((26, 28, 30, 32), -1.0)):
            p[k[0], 0] += sgn * 0.06 * a
            for idx in k[1:]:
                p[idx, 0] += sgn * 0.12 * a
    elif label == "frog":
        drop = 0.17 * a
        p[0:25, 1] += drop
        p[25:27, 1] += drop * 0.35
        p[25, 0] += 0.07 * a
        p[26, 0] -= 0.07 * a
        arm(11, 13, 15, 1.0, 0.25 * a)
        arm(12, 14, 16, -1.0, 0.25 * a)
    elif label == "flamingo":
        knee, foot = (25, (27, 29, 31)) if lifted == "left" else (26, (28, 30, 32))
        p[knee, 1] -= 0.06 * a
        p[knee, 0] += (0.03 if lifted == "left" else -0.03) * a
        for idx in foot:
            p[idx, 1] -= 0.17 * a
        arm(11, 13, 15, 1.0, 0.3 * a)
        arm(12, 14, 16, -1.0, 0.3 * a)
    elif label not in (NEUTRAL, UNKNOWN):
        raise ValueError(f"unknown animal pose {label!r}")
    centre = np.array([0.5, 0.9])
    return (p - centre) * scale + centre + (dx, dy)
