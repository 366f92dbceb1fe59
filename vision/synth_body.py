"""Synthetic pose landmarks: a simulated child doing gross-motor work with a known count.

The skeleton is a standing child facing the camera (BlazePose's 33 landmarks, person's left on the
image right), feet at ``y = floor``. Motions are functions of time that move joints; each generator
returns the frames and the ground truth (event times), so exercises can be tested for exact counts.

Jumps (bunny hops in place)
    Each cycle: stand, crouch (hips and everything above drop by ``crouch`` of the frame height,
    knees bend forward), take-off, a ballistic flight of ``flight_s`` seconds whose peak lifts the
    whole body by ``height`` of the frame height, landing crouch, recover. Ground truth: take-off and
    landing times per jump.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from station.core import PoseObservation, TrackedFrame

MODEL = "synthetic.pose/1"

# Standing child, facing the camera, normalised to a 640x480 frame (x in widths, y in heights).
STANDING = np.array(
    [
        (0.500, 0.220),  # 0 nose
        (0.490, 0.205), (0.485, 0.205), (0.480, 0.205),  # 1-3 right eye inner/eye/outer (image left)
        (0.510, 0.205), (0.515, 0.205), (0.520, 0.205),  # 4-6 left eye
        (0.470, 0.215), (0.530, 0.215),  # 7 right ear, 8 left ear
        (0.492, 0.240), (0.508, 0.240),  # 9, 10 mouth
        (0.560, 0.320), (0.440, 0.320),  # 11 left shoulder, 12 right shoulder
        (0.580, 0.450), (0.420, 0.450),  # 13, 14 elbows
        (0.590, 0.560), (0.410, 0.560),  # 15, 16 wrists
        (0.595, 0.585), (0.405, 0.585),  # 17, 18 pinkies
        (0.590, 0.590), (0.410, 0.590),  # 19, 20 index
        (0.582, 0.575), (0.418, 0.575),  # 21, 22 thumbs
        (0.540, 0.580), (0.460, 0.580),  # 23, 24 hips
        (0.545, 0.740), (0.455, 0.740),  # 25, 26 knees
        (0.545, 0.880), (0.455, 0.880),  # 27, 28 ankles
        (0.540, 0.900), (0.460, 0.900),  # 29, 30 heels
        (0.555, 0.910), (0.445, 0.910),  # 31, 32 foot index
    ],
    dtype=np.float64,
)
UPPER = np.r_[0:25]  # head, arms, hips: move with the trunk
KNEES = np.array([25, 26])
FEET = np.r_[27:33]


@dataclass(frozen=True)
class JumpTruth:
    """Ground truth of a generated jump series (session-clock ns)."""

    takeoff_ns: NDArray[np.int64]
    landing_ns: NDArray[np.int64]

    @property
    def count(self) -> int:
        return int(self.takeoff_ns.size)


def _pose_frame(
    i: int, t_ns: int, pts: NDArray[np.float64], image_size: tuple[int, int], rng: np.random.Generator, jitter: float, source_id: str
) -> TrackedFrame:
    lm = np.zeros((33, 3), dtype=np.float32)
    lm[:, :2] = pts + rng.normal(0, jitter, pts.shape)
    vis = np.full(33, 0.98, dtype=np.float32)
    obs = PoseObservation(
        source_id=source_id,
        frame_seq=i,
        t_ns=t_ns,
        landmarks=lm,
        image_size=image_size,
        visibility=vis,
        score=0.97,
        model=MODEL,
    )
    return TrackedFrame(source_id, i, t_ns, image_size, poses=(obs,))


def jumps_stream(
    n_jumps: int = 5,
    *,
    fps: float = 30.0,
    period_s: float = 1.4,
    flight_s: float = 0.36,
    height: float = 0.07,
    crouch: float = 0.05,
    lead_s: float = 1.0,
    tail_s: float = 1.0,
    image_size: tuple[int, int] = (640, 480),
    t0_ns: int = 0,
    jitter: float = 0.002,
    dropout: float = 0.0,
    seed: int = 0,
    source_id: str = "synthetic-pose",
) -> tuple[list[TrackedFrame], JumpTruth]:
    """Generate ``n_jumps`` two-footed jumps in place (bunny hops) with known take-off/landing times.

    ``period_s`` is the time from one take-off to the next; the child stands still for ``lead_s``
    before the first and ``tail_s`` after the last jump. Frames dropped with probability ``dropout``
    have no pose (never the ones in flight, so the truth stays observable).
    """
    if not 0 < flight_s < period_s:
        raise ValueError("flight_s must be positive and shorter than period_s")
    rng = np.random.default_rng(seed)
    dur = lead_s + n_jumps * period_s + tail_s
    n = round(dur * fps)
    takeoff = lead_s + np.arange(n_jumps) * period_s + (period_s - flight_s) / 2
    landing = takeoff + flight_s
    g_peak = height
    frames: list[TrackedFrame] = []
    for i in range(n):
        t = i / fps
        lift = 0.0  # whole-body upward displacement (frame heights)
        sink = 0.0  # crouch depth of trunk (frame heights)
        in_flight = False
        for to, la in zip(takeoff, landing, strict=True):
            if to <= t <= la:
                u = (t - to) / flight_s
                lift = 4 * g_peak * u * (1 - u)
                in_flight = True
            # crouch before take-off and after landing, 0.25 s each, raised-cosine shaped
            for c0 in (to - 0.25, la):
                if c0 <= t <= c0 + 0.25:
                    sink = max(sink, crouch * 0.5 * (1 - np.cos(2 * np.pi * (t - c0) / 0.25)))
        pts = STANDING.copy()
        pts[UPPER, 1] += sink
        pts[KNEES, 1] += sink * 0.5
        pts[KNEES, 0] += np.sign(pts[KNEES, 0] - 0.5) * sink * 0.4  # knees apart as they bend
        pts[:, 1] -= lift
        t_ns = int(t0_ns + round(t * 1e9))
        if dropout > 0 and not in_flight and rng.random() < dropout:
            frames.append(TrackedFrame(source_id, i, t_ns, image_size))
            continue
        frames.append(_pose_frame(i, t_ns, pts, image_size, rng, jitter, source_id))
    to_ns = (t0_ns + np.round(takeoff * 1e9)).astype(np.int64)
    la_ns = (t0_ns + np.round(landing * 1e9)).astype(np.int64)
    return frames, JumpTruth(to_ns, la_ns)
