"""Generated landmark streams and videos for the executive-function and calm-down games.

Everything here is a **simulation with a known answer** (labelled ``synthetic.pose/1``): tests of the
scoring and the simulated child of ``station demo`` use it; nothing here validates a measurement on a
real child.

``PoseScript``
    A frame-by-frame body: keyframe poses (:func:`vision.poses.animal_pose`) with linear blends, hand
    targets for touches (head, shoulders, knees, toes), a vertical offset for jumps and a chest/shoulder
    rise for breathing, rendered to :class:`~station.core.TrackedFrame` objects at a fixed rate.
``breathing_video``
    Frames of a real still photo whose upper body is displaced at a known breathing rate (with noise
    and camera shake), for the breathing benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from station.core import PoseObservation, TrackedFrame
from vision.poses import animal_pose
from vision.synth_body import MODEL

# hand (wrist) targets relative to the standing skeleton, per body part (normalised frame coordinates)
L_WR, R_WR = 15, 16
PART_POINTS = {"head": (7, 8), "shoulders": (11, 12), "knees": (25, 26), "toes": (31, 32)}


def frame_of(i: int, t_ns: int, pts: NDArray[np.float64], image_size: tuple[int, int], rng: np.random.Generator,
             jitter: float = 0.002, source_id: str = "synthetic-pose") -> TrackedFrame:
    lm = np.zeros((33, 3), dtype=np.float32)
    lm[:, :2] = pts + rng.normal(0, jitter, pts.shape)
    obs = PoseObservation(source_id=source_id, frame_seq=i, t_ns=t_ns, landmarks=lm, image_size=image_size,
                          visibility=np.full(33, 0.98, dtype=np.float32), score=0.97, model=MODEL)
    return TrackedFrame(source_id, i, t_ns, image_size, poses=(obs,))


def touching(part: str, amount: float = 1.0) -> NDArray[np.float64]:
    """A standing child with both hands on ``part`` (head, shoulders, knees or toes); ``amount`` blends
    from neutral. Reaching the knees or toes bends the trunk forward (the hips and legs stay)."""
    p = animal_pose("neutral")
    a = max(0.0, min(1.0, amount))
    bend = {"head": 0.0, "shoulders": 0.0, "knees": 0.06, "toes": 0.10}[part]
    crouch = {"head": 0.0, "shoulders": 0.0, "knees": 0.02, "toes": 0.06}[part]
    p[0:23, 1] += (bend + crouch) * a  # the trunk leans forward: seen from the front, the shoulders come down
    p[23:25, 1] += crouch * a  # and the knees bend a little (the hips go down)
    p[25:27, 1] += crouch * 0.5 * a
    i, j = PART_POINTS[part]
    for wr, tgt, side in ((L_WR, i, 1.0), (R_WR, j, -1.0)):
        goal = p[tgt] + (0.0, -0.02 if part == "head" else 0.0)
        if part == "head":
            goal = p[tgt] + (side * 0.01, -0.015)
        p[wr] = p[wr] * (1 - a) + goal * a
        el = 13 if wr == L_WR else 14
        sh = 11 if wr == L_WR else 12
        p[el] = 0.5 * (p[sh] + p[wr]) + (side * 0.06, 0.0)
        for k in ((17, 19, 21) if wr == L_WR else (18, 20, 22)):
            p[k] = p[wr] + (0.0, 0.01)
    return p


@dataclass
class Key:
    t_s: float
    pts: NDArray[np.float64]


class PoseScript:
    """Keyframes of a body over time; :meth:`frames` renders them at ``fps`` (linear between keys)."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.lift: list[tuple[float, float, float]] = []  # jumps: (take-off s, flight s, height frame heights)

    def hold(self, t_s: float, pts: NDArray[np.float64]) -> None:
        self.keys.append(Key(t_s, pts))

    def jump(self, t_s: float, flight_s: float = 0.35, height: float = 0.08) -> None:
        self.lift.append((t_s, flight_s, height))

    def at(self, t_s: float) -> NDArray[np.float64]:
        ks = self.keys
        if not ks:
            p = animal_pose("neutral")
        elif t_s <= ks[0].t_s:
            p = ks[0].pts.copy()
        elif t_s >= ks[-1].t_s:
            p = ks[-1].pts.copy()
        else:
            k = max(i for i in range(len(ks)) if ks[i].t_s <= t_s)
            a, b = ks[k], ks[k + 1]
            w = (t_s - a.t_s) / max(1e-9, b.t_s - a.t_s)
            p = a.pts * (1 - w) + b.pts * w
        for t0, fl, h in self.lift:
            if t0 <= t_s <= t0 + fl:
                u = (t_s - t0) / fl
                p = p.copy()
                p[:, 1] -= 4 * h * u * (1 - u)
        return p

    def frames(self, duration_s: float, *, fps: float = 30.0, t0_ns: int = 0, image_size: tuple[int, int] = (640, 480),
               seed: int = 0, jitter: float = 0.002) -> Iterator[TrackedFrame]:
        rng = np.random.default_rng(seed)
        n = int(duration_s * fps)
        for i in range(n):
            t_s = i / fps
            yield frame_of(i, t0_ns + round(t_s * 1e9), self.at(t_s), image_size, rng, jitter)


def breathing_pose(t_s: float, rate_per_min: float, depth: float = 0.006, seed_phase: float = 0.0) -> NDArray[np.float64]:
    """A seated-still child whose shoulders and chest rise ``depth`` frame heights with each breath."""
    p = animal_pose("neutral")
    rise = depth * 0.5 * (1 - math.cos(2 * math.pi * rate_per_min / 60.0 * t_s + seed_phase))
    p[0:23, 1] -= rise
    return p


def breathing_video(image: NDArray[np.uint8], chest: tuple[float, float, float, float], rate_per_min: float, *,
                    duration_s: float = 40.0, fps: float = 15.0, depth_px: float = 3.0, noise: float = 2.0,
                    shake_px: float = 0.0, seed: int = 0) -> Iterator[tuple[float, NDArray[np.uint8]]]:
    """Frames ``(t_s, BGR image)`` of a still photo whose upper body moves at ``rate_per_min``.

    ``chest`` (x0, y0, x1, y1, fractions of the image) is the region displaced: inside it the image moves
    up by ``depth_px x 0.5 x (1 - cos(2 pi f t))`` pixels, tapering to zero over the region's lower third
    (the belly and the chair stay); the head above the region moves with the shoulders. ``noise`` is the
    standard deviation (grey levels) of per-pixel sensor noise; ``shake_px`` the amplitude of a random-walk
    camera shake of the whole frame (pixels). The breathing rate varies by +-3 % cycle to cycle."""
    import cv2

    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (int(chest[0] * w), int(chest[1] * h), int(chest[2] * w), int(chest[3] * h))
    ys = np.arange(h, dtype=np.float32)
    # displacement weight per row: 1 above the lower third of the region, tapering to 0 at its bottom
    taper_top = y0 + (y1 - y0) * 2 // 3
    wy = np.clip((y1 - ys) / max(1, y1 - taper_top), 0.0, 1.0)
    xs = np.arange(w, dtype=np.float32)
    wx = np.clip(np.minimum(xs - (x0 - 20), (x1 + 20) - xs) / 20.0, 0.0, 1.0)
    weight = np.outer(wy, wx).astype(np.float32)
    map_x, map_y = np.meshgrid(xs, ys)
    phase = 0.0
    shake = np.zeros(2)
    n = int(duration_s * fps)
    rate_jit = 1.0
    for i in range(n):
        t = i / fps
        f = rate_per_min / 60.0 * rate_jit
        phase += 2 * math.pi * f / fps
        if phase >= 2 * math.pi:
            phase -= 2 * math.pi
            rate_jit = 1.0 + rng.uniform(-0.03, 0.03)
        d = depth_px * 0.5 * (1 - math.cos(phase))
        if shake_px > 0:
            shake = 0.85 * shake + rng.normal(0, shake_px * 0.5, 2)
            shake = np.clip(shake, -shake_px, shake_px)
        mx = (map_x - shake[0]).astype(np.float32)
        my = (map_y + d * weight - shake[1]).astype(np.float32)
        img = np.asarray(cv2.remap(image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), dtype=np.uint8)
        if noise > 0:
            img = np.clip(img.astype(np.float32) + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
        yield t, img
