"""Synthetic landmarks for daily-living activities, each with its ground truth.

A child seated facing the camera (upper body: BlazePose's 33 landmarks, hips below the frame edge with
low visibility) and one hand (21 hand landmarks, :func:`vision.synth_hand.posed_hand`). Every generator
returns the :class:`~station.core.TrackedFrame` list and the truth the scoring must recover. These are
unit-test streams for the scoring, not validation: no real brushing, feeding or classroom clip is at hand.

Coordinates: normalised, unmirrored image coordinates (x right, y down); the child's right side is on
the image's left. Times: session-clock ns from ``t0_ns``; frames at ``fps``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from station.core import HandObservation, PoseObservation, TrackedFrame
from vision.synth_hand import posed_hand

MODEL_POSE = "synthetic.pose/1"
MODEL_HAND = "synthetic.hand/1"

# seated child, facing the camera, 640x480 frame
NOSE = np.array([0.50, 0.30])
SHOULDER_Y = 0.52
SHOULDER_HALF = 0.11  # half the shoulder width, frame widths
HIP_Y = 0.98
TRUNK = HIP_Y - SHOULDER_Y  # trunk length in the image when upright, frame heights
NECK = SHOULDER_Y - NOSE[1]  # shoulder line to nose when upright, frame heights
REST = np.array([0.40, 0.86])  # the right hand resting on the table (child's right = image left)


def _v(x: float, y: float) -> NDArray[np.float64]:
    """A 2-D offset (an array, so ``point + _v(dx, dy)`` adds rather than concatenates)."""
    return np.array([x, y], dtype=np.float64)


def seated(trunk_deg: float = 0.0, head_deg: float = 0.0, hand: NDArray[np.float64] | None = None) -> tuple[NDArray[np.float64], NDArray[np.float32]]:
    """33 x 2 pose points and visibilities of the seated child.

    ``trunk_deg``: forward flexion of the trunk about the hips (the shoulders come down by
    ``TRUNK * (1 - cos)`` in the frontal image); ``head_deg``: forward flexion of the neck (the nose
    comes down toward the shoulder line: ``NECK * cos``). ``hand``: where the right wrist is (default:
    resting on the table)."""
    t, hd = math.radians(trunk_deg), math.radians(head_deg)
    sh_y = HIP_Y - TRUNK * math.cos(t)
    nose = np.array([NOSE[0], sh_y - NECK * math.cos(hd)])
    p = np.zeros((33, 2))
    p[0] = nose
    for k in (1, 2, 3):
        p[k] = nose + _v(-0.008 * k, -0.02)
        p[3 + k] = nose + _v(0.008 * k, -0.02)
    p[7], p[8] = nose + _v(-0.035, -0.01), nose + _v(0.035, -0.01)
    p[9], p[10] = nose + _v(-0.012, 0.03), nose + _v(0.012, 0.03)
    p[11], p[12] = (0.5 + SHOULDER_HALF, sh_y), (0.5 - SHOULDER_HALF, sh_y)
    p[13], p[14] = (0.65, sh_y + 0.2), (0.35, sh_y + 0.2)
    wr_r = REST if hand is None else hand
    p[15], p[16] = (0.60, 0.86), wr_r
    for k, (base, d) in enumerate(((p[15], 1.0), (p[16], -1.0))):
        p[17 + k] = base + _v(0.0, 0.03)
        p[19 + k] = base + _v(0.0, 0.035)
        p[21 + k] = base + _v(-0.01 * d, 0.02)
    p[23], p[24] = (0.56, HIP_Y), (0.44, HIP_Y)
    p[25:33] = p[23:25].mean(axis=0) + _v(0.0, 0.1)
    vis = np.full(33, 0.97, dtype=np.float32)
    vis[23:] = 0.1  # hips and legs under the desk
    return p, vis


def mouth(trunk_deg: float = 0.0, head_deg: float = 0.0) -> NDArray[np.float64]:
    p, _ = seated(trunk_deg, head_deg)
    return (p[9] + p[10]) / 2


def _frame(i: int, t_ns: int, pose: NDArray[np.float64], vis: NDArray[np.float32], hand_lm: NDArray[np.float32] | None,
           image_size: tuple[int, int], rng: np.random.Generator, jitter: float) -> TrackedFrame:
    lm = np.zeros((33, 3), dtype=np.float32)
    lm[:, :2] = pose + rng.normal(0, jitter, pose.shape)
    po = PoseObservation("synthetic", i, t_ns, lm, image_size, visibility=vis, score=0.97, model=MODEL_POSE)
    hands: tuple[HandObservation, ...] = ()
    if hand_lm is not None:
        h = hand_lm.copy()
        h[:, :2] += rng.normal(0, jitter, (21, 2)).astype(np.float32)
        hands = (HandObservation("synthetic", i, t_ns, h, image_size, visibility=np.ones(21, np.float32), score=0.97,
                                 model=MODEL_HAND, handedness="Right"),)
    return TrackedFrame("synthetic", i, t_ns, image_size, hands=hands, poses=(po,))


def _rotate(lm: NDArray[np.float32], centre: NDArray[np.float64], deg: float, aspect: float) -> NDArray[np.float32]:
    """Rotate hand landmarks about ``centre`` by ``deg`` in the image plane (isotropic units)."""
    a = math.radians(deg)
    r = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    out = lm.copy()
    q = (lm[:, :2] - centre) * np.array([aspect, 1.0])
    q = q @ r.T
    out[:, :2] = (q / np.array([aspect, 1.0]) + centre).astype(np.float32)
    return out


def fist_at(point: NDArray[np.float64], aspect: float, hand_size: float = 0.09) -> NDArray[np.float32]:
    """A fist (whole-hand grasp around a brush or spoon handle) with its grip point at ``point``."""
    return posed_hand(point, aperture=0.0, grasp="palmar", hand_size=hand_size, aspect=aspect)


def thumbs_up_at(point: NDArray[np.float64], aspect: float, hand_size: float = 0.12) -> NDArray[np.float32]:
    """A thumbs-up: the fingers curled into the palm, the thumb straight up above them."""
    lm = posed_hand(point, aperture=0.0, grasp="palmar", hand_size=hand_size, aspect=aspect)
    cmc = lm[1, :2].astype(np.float64)
    for k, f in ((2, 0.35), (3, 0.7), (4, 1.0)):  # thumb from the CMC, up and a little out
        lm[k, 0] = cmc[0] + (-0.25 * f) * hand_size / aspect
        lm[k, 1] = cmc[1] - 1.5 * f * hand_size
    return lm


def open_hand_at(point: NDArray[np.float64], aspect: float, hand_size: float = 0.12) -> NDArray[np.float32]:
    return posed_hand(point, aperture=1.2, grasp="pinch", hand_size=hand_size, aspect=aspect)


# -- tooth brushing ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BrushTruth:
    brushing: list[tuple[float, float]] = field(default_factory=list)
    """Intervals (s from the start) in which the hand oscillates at the mouth."""

    def seconds_between(self, a: float, b: float) -> float:
        return sum(max(0.0, min(b, e) - max(a, s)) for s, e in self.brushing)


def brushing_stream(segments: Sequence[tuple[float, str]], *, freq_hz: float = 3.0, amp: float = 0.018, fps: float = 30.0,
                    image_size: tuple[int, int] = (640, 480), t0_ns: int = 0, seed: int = 0,
                    jitter: float = 0.0015) -> tuple[list[TrackedFrame], BrushTruth]:
    """Segments ``(seconds, mode)``: ``brush`` (fist at the mouth oscillating side to side at ``freq_hz``),
    ``still`` (fist held at the mouth), ``away`` (hand resting on the table), ``wave`` (oscillating at
    ``freq_hz`` in front of the chest, away from the mouth), ``slow`` (at the mouth, moving at 0.5 Hz),
    ``gone`` (no hand found: the tracker lost it)."""
    rng = np.random.default_rng(seed)
    aspect = image_size[0] / image_size[1]
    frames: list[TrackedFrame] = []
    truth: list[tuple[float, float]] = []
    t = 0.0
    i = 0
    m = mouth()
    for dur, mode in segments:
        if mode == "brush":
            truth.append((t, t + dur))
        n = round(dur * fps)
        for _ in range(n):
            tt = i / fps
            if mode in ("brush", "still", "slow"):
                f = 0.5 if mode == "slow" else freq_hz
                dx = amp * math.sin(2 * math.pi * f * tt) if mode != "still" else 0.0
                centre = m + _v(-0.03 + dx, 0.035)
            elif mode == "wave":
                centre = np.array([0.40 + amp * math.sin(2 * math.pi * freq_hz * tt), 0.70])
            else:
                centre = REST.copy()
            pose, vis = seated(hand=centre + _v(0.0, 0.06))
            hand = None if mode == "gone" else fist_at(centre, aspect)
            frames.append(_frame(i, t0_ns + round(tt * 1e9), pose, vis, hand, image_size, rng, jitter))
            i += 1
        t += n / fps
    return frames, BrushTruth(truth)


# -- hand to mouth ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedTruth:
    cycles: int
    tilted: tuple[bool, ...]
    """Per cycle: whether the hand rolled more than 45 degrees while carrying."""
    mouth_ns: tuple[int, ...]
    """Time the hand reached the mouth in each cycle."""


def _min_jerk(s: float) -> float:
    return 10 * s**3 - 15 * s**4 + 6 * s**5


def hand_to_mouth_stream(n: int, *, reach_s: float = 0.9, hold_s: float = 0.5, rest_s: float = 0.8, tilt_every: int = 0,
                         tilt_deg: float = 60.0, tremor: float = 0.0, fps: float = 30.0, image_size: tuple[int, int] = (640, 480),
                         t0_ns: int = 0, seed: int = 0, jitter: float = 0.0015) -> tuple[list[TrackedFrame], FeedTruth]:
    """``n`` cycles table -> mouth -> table with a minimum-jerk path (``tremor``: amplitude of an 8 Hz
    wobble added to the path, frame heights); every ``tilt_every``-th cycle rolls the hand by
    ``tilt_deg`` on the way up (a spoon tipping)."""
    rng = np.random.default_rng(seed)
    aspect = image_size[0] / image_size[1]
    m = mouth() + _v(-0.02, 0.04)
    a, b = REST.copy(), m
    frames: list[TrackedFrame] = []
    tilted: list[bool] = []
    at_mouth: list[int] = []
    i = 0

    def emit(c: NDArray[np.float64], roll: float) -> None:
        nonlocal i
        tt = i / fps
        c = c + tremor * math.sin(2 * math.pi * 8.0 * tt) * np.array([1.0, 0.4])
        pose, vis = seated(hand=c + _v(0.0, 0.06))
        hand = _rotate(posed_hand(c, aperture=0.12, grasp="pinch", hand_size=0.09, aspect=aspect), c, roll, aspect)
        frames.append(_frame(i, t0_ns + round(tt * 1e9), pose, vis, hand, image_size, rng, jitter))
        i += 1

    for k in range(n):
        tilt = bool(tilt_every) and (k + 1) % tilt_every == 0
        tilted.append(tilt)
        for _ in range(round(rest_s * fps)):
            emit(a, 0.0)
        nr = round(reach_s * fps)
        for j in range(nr):
            s = _min_jerk((j + 1) / nr)
            emit(a + (b - a) * s, tilt_deg * math.sin(math.pi * s) if tilt else 0.0)
        at_mouth.append(t0_ns + round((i - 1) / fps * 1e9))
        for _ in range(round(hold_s * fps)):
            emit(b, 0.0)
        for j in range(nr):
            s = _min_jerk((j + 1) / nr)
            emit(b + (a - b) * s, 0.0)
    for _ in range(round(rest_s * fps)):
        emit(a, 0.0)
    return frames, FeedTruth(n, tuple(tilted), tuple(at_mouth))


# -- gestures for the routine --------------------------------------------------------------------
def gesture_stream(segments: Sequence[tuple[float, str]], *, fps: float = 30.0, image_size: tuple[int, int] = (640, 480),
                   t0_ns: int = 0, seed: int = 0, jitter: float = 0.001) -> list[TrackedFrame]:
    """Segments ``(seconds, gesture)`` with gesture ``thumbs_up``, ``fist``, ``open`` or ``none`` (no hand)."""
    rng = np.random.default_rng(seed)
    aspect = image_size[0] / image_size[1]
    frames = []
    i = 0
    c = np.array([0.42, 0.55])
    for dur, g in segments:
        for _ in range(round(dur * fps)):
            tt = i / fps
            hand = {"thumbs_up": thumbs_up_at, "fist": lambda p, a: fist_at(p, a, 0.12), "open": open_hand_at}.get(g)
            lm = hand(c, aspect) if hand is not None else None
            frames.append(_frame(i, t0_ns + round(tt * 1e9), *seated(hand=c + _v(0.0, 0.1)), lm, image_size, rng, jitter))
            i += 1
    return frames


# -- seated posture ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PostureTruth:
    slumped: list[tuple[float, float]]
    """Intervals (s from the start) in which the child sits slumped."""
    duration_s: float


def posture_stream(segments: Sequence[tuple[float, float, float]], *, fps: float = 30.0, image_size: tuple[int, int] = (640, 480),
                   t0_ns: int = 0, seed: int = 0, jitter: float = 0.0015, slump_trunk_deg: float = 15.0,
                   slump_head_deg: float = 20.0) -> tuple[list[TrackedFrame], PostureTruth]:
    """Segments ``(seconds, trunk_deg, head_deg)``; a segment counts as slumped in the truth when its trunk
    flexion exceeds ``slump_trunk_deg`` or its head flexion ``slump_head_deg``. Transitions are instant."""
    rng = np.random.default_rng(seed)
    frames = []
    slumped = []
    t = 0.0
    i = 0
    for dur, trunk, head in segments:
        n = round(dur * fps)
        if trunk > slump_trunk_deg or head > slump_head_deg:
            slumped.append((t, t + n / fps))
        pose, vis = seated(trunk, head)
        for _ in range(n):
            frames.append(_frame(i, t0_ns + round(i / fps * 1e9), pose, vis, None, image_size, rng, jitter))
            i += 1
        t += n / fps
    return frames, PostureTruth(slumped, t)
