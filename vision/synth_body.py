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
    distance: float = 0.0
    """Forward travel of every jump, frame widths."""

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
    forward: float = 0.0,
    frog: bool = False,
) -> tuple[list[TrackedFrame], JumpTruth]:
    """Generate ``n_jumps`` two-footed jumps (bunny hops) with known take-off/landing times.

    ``period_s`` is the time from one take-off to the next; the child stands still for ``lead_s``
    before the first and ``tail_s`` after the last jump. Frames dropped with probability ``dropout``
    have no pose (never the ones in flight, so the truth stays observable). ``forward`` moves the
    whole body that many frame widths to the right during each flight (frog jumps, long jump: the
    truth's ``distance`` is ``forward`` per jump); ``frog`` makes the crouches deep with both hands
    down on the floor.
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
        shift = 0.0  # forward travel (frame widths)
        in_flight = False
        for to, la in zip(takeoff, landing, strict=True):
            if t > la:
                shift += forward
            if to <= t <= la:
                u = (t - to) / flight_s
                lift = 4 * g_peak * u * (1 - u)
                shift += forward * u
                in_flight = True
            # crouch before take-off and after landing, 0.25 s each, raised-cosine shaped
            for c0 in (to - 0.25, la):
                if c0 <= t <= c0 + 0.25:
                    sink = max(sink, crouch * 0.5 * (1 - np.cos(2 * np.pi * (t - c0) / 0.25)))
        pts = STANDING.copy()
        pts[UPPER, 1] += sink
        pts[KNEES, 1] += sink * 0.5
        pts[KNEES, 0] += np.sign(pts[KNEES, 0] - 0.5) * sink * 0.4  # knees apart as they bend
        if frog and crouch > 0:
            # deep frog crouch: hands come down to the floor in front of the feet
            down = sink / crouch
            hands = np.r_[15:23]
            pts[hands, 1] += (0.89 - pts[hands, 1]) * down
            pts[hands, 0] += 0.04 * down
            pts[[13, 14], 1] += (0.75 - pts[[13, 14], 1]) * down
        pts[:, 0] += shift
        pts[:, 1] -= lift
        t_ns = int(t0_ns + round(t * 1e9))
        if dropout > 0 and not in_flight and rng.random() < dropout:
            frames.append(TrackedFrame(source_id, i, t_ns, image_size))
            continue
        frames.append(_pose_frame(i, t_ns, pts, image_size, rng, jitter, source_id))
    to_ns = (t0_ns + np.round(takeoff * 1e9)).astype(np.int64)
    la_ns = (t0_ns + np.round(landing * 1e9)).astype(np.int64)
    return frames, JumpTruth(to_ns, la_ns, forward)


# ------------------------------------------------------------------------------------------------
# Exercises with a known repetition count (keyframe motions) and animal walks (side view)
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RepTruth:
    """Ground truth of a generated repetition series: rep start/end times (session-clock ns)."""

    start_ns: NDArray[np.int64]
    end_ns: NDArray[np.int64]
    pattern: str = ""
    """Limb pattern of a generated animal walk (``same-side``, ``cross-body``), else ``""``."""

    @property
    def count(self) -> int:
        return int(self.start_ns.size)


def skeleton(j: dict[str, tuple[float, float]], facing: float = 0.0) -> NDArray[np.float64]:
    """Fill the 33 BlazePose landmarks from key joints.

    ``j`` maps ``nose, l_sh, r_sh, l_el, r_el, l_wr, r_wr, l_hip, r_hip, l_knee, r_knee, l_ank, r_ank``
    to (x, y) in frame units; face, hand and foot points are placed around them. ``facing`` is the
    direction the toes point along x (+1 right, -1 left, 0 toward the camera).
    """
    p = np.zeros((33, 2))
    nx, ny = j["nose"]
    eye_dx = 0.01 if facing == 0 else 0.004
    p[0] = (nx, ny)
    p[1:4] = [(nx - eye_dx * k / 2, ny - 0.015) for k in (1, 2, 3)]
    p[4:7] = [(nx + eye_dx * k / 2, ny - 0.015) for k in (1, 2, 3)]
    p[7], p[8] = (nx - 0.03, ny - 0.005), (nx + 0.03, ny - 0.005)
    p[9], p[10] = (nx - 0.008, ny + 0.02), (nx + 0.008, ny + 0.02)
    names = ["l_sh", "r_sh", "l_el", "r_el", "l_wr", "r_wr"]
    for k, n in enumerate(names):
        p[11 + k] = j[n]
    for side, (wr, el) in enumerate((("l_wr", "l_el"), ("r_wr", "r_el"))):
        w, e = np.asarray(j[wr]), np.asarray(j[el])
        d = w - e
        d = d / max(np.hypot(*d), 1e-9) * 0.025
        p[17 + side] = w + d
        p[19 + side] = w + d * 1.1
        p[21 + side] = w + d * 0.6
    for k, n in enumerate(["l_hip", "r_hip", "l_knee", "r_knee", "l_ank", "r_ank"]):
        p[23 + k] = j[n]
    for side, a in enumerate(("l_ank", "r_ank")):
        ax, ay = j[a]
        toe = facing if facing != 0 else (1 if side == 0 else -1) * 0.3
        p[29 + side] = (ax - 0.012 * (facing or 0), ay + 0.02)
        p[31 + side] = (ax + 0.03 * toe, ay + 0.03)
    return p


def _front(hip_drop: float = 0.0, arm_raise: float = 0.0, spread: float = 0.0, knee_bend: float = 0.0) -> NDArray[np.float64]:
    """A child facing the camera: ``hip_drop`` (frame heights), ``arm_raise`` 0..1 (down .. overhead),
    ``spread`` (extra half-distance between the ankles, frame widths), ``knee_bend`` (knees forward/out)."""
    p = STANDING.copy()
    p[UPPER, 1] += hip_drop
    p[KNEES, 1] += hip_drop * 0.5
    p[KNEES, 0] += np.sign(p[KNEES, 0] - 0.5) * knee_bend
    ang = np.pi * arm_raise  # 0 = hanging, pi = overhead
    for sh, el, wr, sgn in ((11, 13, 15, 1.0), (12, 14, 16, -1.0)):
        for idx, r in ((el, 0.13), (wr, 0.24)):
            p[idx] = p[sh] + (sgn * r * np.sin(ang) * 0.75, r * np.cos(ang))
        for idx in ((17, 19, 21) if sh == 11 else (18, 20, 22)):
            p[idx] = p[wr] + (sgn * 0.015 * np.sin(ang) * 0.75, 0.02 * np.cos(ang))
    for k, sgn in (((25, 27, 29, 31), 1.0), ((26, 28, 30, 32), -1.0)):
        p[k[0], 0] += sgn * spread * 0.5
        for idx in k[1:]:
            p[idx, 0] += sgn * spread
    return p


def _side(kind: str, s: float, sag: float = 0.0) -> NDArray[np.float64]:
    """Side-view keyframes (facing +x) of ``pushup`` / ``situp`` / ``squat`` at depth ``s`` in 0..1."""
    if kind == "pushup":
        # plank: shoulders above wrists; depth lowers the shoulders toward the floor
        floor = 0.80
        sh_y = floor - 0.22 + 0.14 * s
        elbow_out = 0.07 * np.sin(np.pi * 0.5 * s)
        # a straight body line from the shoulder (x 0.65) to the ankle (x 0.18) + sag (frame heights)
        hip_y = sh_y + (0.65 - 0.42) / (0.65 - 0.18) * (floor - 0.02 - sh_y) + sag
        knee_y = sh_y + (0.65 - 0.30) / (0.65 - 0.18) * (floor - 0.02 - sh_y) + sag * 0.5
        j = {"nose": (0.70, sh_y - 0.04), "l_sh": (0.65, sh_y), "r_sh": (0.645, sh_y + 0.004),
             "l_wr": (0.66, floor), "r_wr": (0.655, floor),
             "l_el": (0.655 - elbow_out, (sh_y + floor) / 2), "r_el": (0.65 - elbow_out, (sh_y + floor) / 2 + 0.003),
             "l_hip": (0.42, hip_y), "r_hip": (0.415, hip_y + 0.004),
             "l_knee": (0.30, knee_y), "r_knee": (0.295, knee_y + 0.002),
             "l_ank": (0.18, floor - 0.02), "r_ank": (0.175, floor - 0.018)}
        return skeleton(j, facing=1.0)
    if kind == "situp":
        # lying on the back, knees bent; the trunk rotates about the hip from 0 to 75 degrees
        floor = 0.80
        hip = np.array([0.50, floor - 0.04])
        a = np.deg2rad(5 + 70 * s)
        sh = hip + 0.22 * np.array([-np.cos(a), -np.sin(a)])
        nose = hip + 0.31 * np.array([-np.cos(a), -np.sin(a)])
        d = np.array([0.004, 0.003])  # the far side, a little behind
        el = sh + np.array([0.04, 0.05])
        wr = el + np.array([0.06, 0.02])
        j = {"nose": tuple(nose), "l_sh": tuple(sh), "r_sh": tuple(sh + d), "l_el": tuple(el),
             "r_el": tuple(el + d), "l_wr": tuple(wr), "r_wr": tuple(wr + d),
             "l_hip": tuple(hip), "r_hip": tuple(hip + d), "l_knee": (0.62, floor - 0.17),
             "r_knee": (0.624, floor - 0.167), "l_ank": (0.72, floor - 0.02), "r_ank": (0.724, floor - 0.018)}
        return skeleton(j, facing=1.0)
    raise ValueError(f"unknown side keyframe '{kind}'")


EXERCISE_POSES = ("jumping_jacks", "squats", "pushups", "situps")


def exercise_stream(
    exercise: str,
    n_reps: int = 5,
    *,
    fps: float = 30.0,
    period_s: float = 1.2,
    rest_s: float = 0.3,
    lead_s: float = 1.0,
    tail_s: float = 1.0,
    image_size: tuple[int, int] = (640, 480),
    t0_ns: int = 0,
    jitter: float = 0.002,
    dropout: float = 0.0,
    seed: int = 0,
    source_id: str = "synthetic-pose",
) -> tuple[list[TrackedFrame], RepTruth]:
    """Generate ``n_reps`` repetitions of ``exercise`` (one of :data:`EXERCISE_POSES`) with known times.

    Each repetition moves from the rest pose to the full pose and back with a raised-cosine profile
    over ``period_s - rest_s`` seconds, then rests ``rest_s``. Frames dropped with probability
    ``dropout`` carry no pose (the frame itself still arrives, as from a tracker that lost the person).
    """
    if exercise not in EXERCISE_POSES:
        raise ValueError(f"exercise must be one of {EXERCISE_POSES}")
    if not 0 <= rest_s < period_s:
        raise ValueError("rest_s must be in [0, period_s)")
    rng = np.random.default_rng(seed)
    move = period_s - rest_s
    starts = lead_s + np.arange(n_reps) * period_s
    n = round((lead_s + n_reps * period_s + tail_s) * fps)
    frames: list[TrackedFrame] = []
    for i in range(n):
        t = i / fps
        k = int(np.searchsorted(starts, t, side="right")) - 1
        s = 0.0
        if 0 <= k < n_reps and t - starts[k] < move:
            s = 0.5 * (1 - np.cos(2 * np.pi * (t - starts[k]) / move))
        if exercise == "jumping_jacks":
            pts = _front(arm_raise=0.05 + 0.9 * s, spread=0.09 * s)
            pts[:, 1] -= 0.02 * np.sin(np.pi * s)  # a small hop in and out
        elif exercise == "squats":
            pts = _front(hip_drop=0.16 * s, knee_bend=0.05 * s, arm_raise=0.05 + 0.4 * s)
        else:
            pts = _side("pushup" if exercise == "pushups" else "situp", s)
        t_ns = int(t0_ns + round(t * 1e9))
        if dropout > 0 and rng.random() < dropout:
            frames.append(TrackedFrame(source_id, i, t_ns, image_size))
            continue
        frames.append(_pose_frame(i, t_ns, pts, image_size, rng, jitter, source_id))
    st = (t0_ns + np.round(starts * 1e9)).astype(np.int64)
    en = (t0_ns + np.round((starts + move) * 1e9)).astype(np.int64)
    return frames, RepTruth(st, en)


def animal_walk_stream(
    kind: str,
    n_cycles: int = 6,
    *,
    pattern: str = "cross-body",
    fps: float = 30.0,
    period_s: float = 1.2,
    stride: float = 0.08,
    lead_s: float = 1.0,
    tail_s: float = 1.0,
    knees_down: bool = False,
    hips_down: bool = False,
    image_size: tuple[int, int] = (640, 480),
    t0_ns: int = 0,
    jitter: float = 0.002,
    dropout: float = 0.0,
    seed: int = 0,
    source_id: str = "synthetic-pose",
) -> tuple[list[TrackedFrame], RepTruth]:
    """A child doing ``bear`` or ``crab`` walk across the frame, seen from the side (walking to +x).

    Each limb swings forward and back by ``stride`` (frame widths) about the moving body, one full
    swing per ``period_s`` (one walk cycle); a hand or foot is lifted while it swings forward.
    ``pattern`` ``cross-body`` moves each hand with the opposite foot, ``same-side`` with the foot of
    its own side. Bear: hands and feet on the floor, hips high (``knees_down`` puts the knees on the
    floor: a crawl). Crab: belly up, hands behind the hips, hips lifted (``hips_down`` lets them sag
    to the floor). Truth: the start and end time of every cycle.
    """
    if kind not in ("bear", "crab"):
        raise ValueError("kind must be 'bear' or 'crab'")
    if pattern not in ("cross-body", "same-side"):
        raise ValueError("pattern must be 'cross-body' or 'same-side'")
    rng = np.random.default_rng(seed)
    dur = lead_s + n_cycles * period_s + tail_s
    n = round(dur * fps)
    floor = 0.85
    speed = stride * 2 / period_s * 0.5
    frames: list[TrackedFrame] = []
    # phase of each limb (fraction of a cycle): left hand 0, right hand 0.5
    foot_l = 0.5 if pattern == "cross-body" else 0.0
    phases = {"l_wr": 0.0, "r_wr": 0.5, "l_ank": foot_l, "r_ank": (foot_l + 0.5) % 1.0}
    for i in range(n):
        t = i / fps
        moving = lead_s <= t < lead_s + n_cycles * period_s
        tc = min(max(t - lead_s, 0.0), n_cycles * period_s)
        bx = 0.15 + speed * tc
        off = {}
        lift = {}
        for limb, ph in phases.items():
            u = (tc / period_s + ph) % 1.0 if moving else 0.0
            # a limb swings forward (lifted) then back, starting and ending beside the other one
            off[limb] = stride * 0.5 * np.sin(2 * np.pi * u) if moving else 0.0
            lift[limb] = 0.02 * np.cos(2 * np.pi * u) if moving and (u < 0.25 or u > 0.75) else 0.0
        if kind == "bear":
            hip_y = floor - (0.10 if knees_down else 0.30)
            sh_y = floor - 0.22
            j = {"nose": (bx + 0.33, sh_y + 0.04), "l_sh": (bx + 0.28, sh_y), "r_sh": (bx + 0.275, sh_y + 0.004),
                 "l_hip": (bx + 0.05, hip_y), "r_hip": (bx + 0.045, hip_y + 0.004)}
            for side in ("l", "r"):
                wx = bx + 0.29 + off[f"{side}_wr"]
                ax = bx + 0.02 + off[f"{side}_ank"]
                j[f"{side}_wr"] = (wx, floor - lift[f"{side}_wr"])
                j[f"{side}_el"] = ((wx + j[f"{side}_sh"][0]) / 2 - 0.01, (floor + sh_y) / 2)
                j[f"{side}_ank"] = (ax, floor - 0.02 - lift[f"{side}_ank"])
                knee_y = floor - 0.02 if knees_down else floor - 0.15
                j[f"{side}_knee"] = ((ax + j[f"{side}_hip"][0]) / 2 + 0.05, knee_y - lift[f"{side}_ank"])
            pts = skeleton(j, facing=1.0)
        else:  # crab: feet first (+x), hands behind
            hip_y = floor - (0.04 if hips_down else 0.17)
            sh_y = floor - 0.22
            j = {"nose": (bx - 0.02, sh_y - 0.08), "l_sh": (bx + 0.01, sh_y), "r_sh": (bx + 0.005, sh_y + 0.004),
                 "l_hip": (bx + 0.16, hip_y), "r_hip": (bx + 0.155, hip_y + 0.004)}
            for side in ("l", "r"):
                wx = bx - 0.03 + off[f"{side}_wr"]
                ax = bx + 0.36 + off[f"{side}_ank"]
                j[f"{side}_wr"] = (wx, floor - lift[f"{side}_wr"])
                j[f"{side}_el"] = ((wx + j[f"{side}_sh"][0]) / 2 - 0.01, (floor + sh_y) / 2)
                j[f"{side}_ank"] = (ax, floor - 0.02 - lift[f"{side}_ank"])
                j[f"{side}_knee"] = ((ax + j[f"{side}_hip"][0]) / 2, floor - 0.24 - lift[f"{side}_ank"])
            pts = skeleton(j, facing=1.0)
        t_ns = int(t0_ns + round(t * 1e9))
        if dropout > 0 and rng.random() < dropout:
            frames.append(TrackedFrame(source_id, i, t_ns, image_size))
            continue
        frames.append(_pose_frame(i, t_ns, pts, image_size, rng, jitter, source_id))
    # each limb pair swings once each way per period: cycle k spans [lead + k P, lead + (k+1) P)
    st = lead_s + np.arange(n_cycles) * period_s
    return frames, RepTruth((t0_ns + np.round(st * 1e9)).astype(np.int64),
                            (t0_ns + np.round((st + period_s) * 1e9)).astype(np.int64), pattern)


def one_leg_stream(
    holds_s: tuple[float, ...] = (3.0,),
    *,
    side: str = "left",
    fps: float = 30.0,
    gap_s: float = 1.5,
    lead_s: float = 1.0,
    tail_s: float = 1.0,
    lift: float = 0.08,
    image_size: tuple[int, int] = (640, 480),
    t0_ns: int = 0,
    jitter: float = 0.002,
    dropout: float = 0.0,
    seed: int = 0,
    source_id: str = "synthetic-pose",
) -> tuple[list[TrackedFrame], RepTruth]:
    """A child facing the camera standing on one leg: the ``side`` foot lifts by ``lift`` (frame
    heights) for each duration in ``holds_s``, with ``gap_s`` on both feet between holds; the lift
    and touch-down take 0.15 s each. Truth: lift-off and touch-down times of every hold."""
    rng = np.random.default_rng(seed)
    ramp = 0.15
    starts, t = [], lead_s
    for h in holds_s:
        starts.append(t)
        t += h + 2 * ramp + gap_s
    dur = t - gap_s + tail_s
    n = round(dur * fps)
    ank, knee = (27, 25) if side == "left" else (28, 26)
    foot = (29, 31) if side == "left" else (30, 32)
    frames: list[TrackedFrame] = []
    for i in range(n):
        tt = i / fps
        h = 0.0
        for s0, hold in zip(starts, holds_s, strict=True):
            if s0 <= tt < s0 + ramp:
                h = (tt - s0) / ramp
            elif s0 + ramp <= tt < s0 + ramp + hold:
                h = 1.0
            elif s0 + ramp + hold <= tt < s0 + 2 * ramp + hold:
                h = 1.0 - (tt - s0 - ramp - hold) / ramp
        pts = STANDING.copy()
        pts[[ank, *foot], 1] -= lift * h
        pts[knee, 1] -= lift * 0.5 * h
        pts[knee, 0] += (0.02 if side == "left" else -0.02) * h
        t_ns = int(t0_ns + round(tt * 1e9))
        if dropout > 0 and rng.random() < dropout:
            frames.append(TrackedFrame(source_id, i, t_ns, image_size))
            continue
        frames.append(_pose_frame(i, t_ns, pts, image_size, rng, jitter, source_id))
    # truth at half-way through each ramp (where a mid-height threshold would see it)
    st = np.array([s + ramp / 2 for s in starts])
    en = np.array([s + ramp * 1.5 + h for s, h in zip(starts, holds_s, strict=True)])
    return frames, RepTruth((t0_ns + np.round(st * 1e9)).astype(np.int64), (t0_ns + np.round(en * 1e9)).astype(np.int64))
