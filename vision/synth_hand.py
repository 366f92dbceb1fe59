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


# -- a posable hand: pinch aperture and grasp type -----------------------------------------------
# Landmarks of a right hand, palm to the camera, fingers up, in *hand-size* units (hand size =
# wrist (0) to middle-finger MCP (9) distance = 1), wrist at the origin, y down. MCP joints of the
# fingers; the finger and thumb chains are built from them in :func:`posed_hand`.
_MCP = {5: (-0.30, -0.95), 9: (0.0, -1.0), 13: (0.25, -0.95), 17: (0.47, -0.85)}
_THUMB_CMC = (-0.32, -0.22)


def _chain(base: NDArray[np.float64], tip: NDArray[np.float64], bend: float) -> NDArray[np.float64]:
    """Three joints from ``base`` to ``tip`` (inclusive of tip, exclusive of base), bent sideways by
    ``bend`` (hand units) at the middle so fingers look like fingers rather than straight rods."""
    d = tip - base
    n = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
    return np.stack([base + d * f + n * bend * np.sin(np.pi * f) for f in (0.4, 0.7, 1.0)])


def posed_hand(
    grip_point: NDArray[np.float64] | tuple[float, float],
    *,
    aperture: float,
    grasp: str = "pinch",
    hand_size: float = 0.12,
    aspect: float = 4 / 3,
    handedness: str = "Right",
) -> NDArray[np.float32]:
    """21 x 3 landmarks (normalised image coordinates) of a hand posed around ``grip_point``.

    Parameters
    ----------
    grip_point: the point between thumb tip (4) and index tip (8), normalised image x, y.
    aperture: thumb-tip to index-tip distance in hand sizes (0.05 = closed pinch, ~1 = wide open).
    grasp: ``"pinch"`` (other fingers loosely flexed) or ``"palmar"`` (all fingers curled into the
        palm around the object, thumb across them; ``aperture`` is then ignored).
    hand_size: wrist-to-middle-MCP distance in frame heights.
    handedness: ``"Right"`` or ``"Left"`` (a left hand is the mirror image).
    """
    g = np.asarray(grip_point, dtype=np.float64)
    pts = np.zeros((21, 2))
    mcp = {k: np.array(v) for k, v in _MCP.items()}
    for k, v in mcp.items():
        pts[k] = v
    pts[1] = _THUMB_CMC
    if grasp == "palmar":
        palm = np.mean([mcp[5], mcp[9], mcp[13], mcp[17], np.zeros(2)], axis=0)
        for k in (5, 9, 13, 17):
            tip = mcp[k] + (palm - mcp[k]) * 0.55 + np.array([0.0, 0.05])
            pts[k + 1 : k + 4] = _chain(mcp[k], tip, -0.35)
        thumb_tip = mcp[9] + np.array([-0.05, 0.35])
        pts[2:5] = _chain(pts[1], thumb_tip, 0.1)
        anchor = (pts[4] + pts[8]) / 2
    else:
        a = float(np.clip(aperture, 0.0, 1.6))
        # index tip up-left of the MCP, thumb tip below it: they meet at the grip point
        meet = np.array([-0.55, -1.45])
        u = np.array([0.45, -0.9]) / np.hypot(0.45, -0.9)
        index_tip = meet + u * a / 2
        thumb_tip = meet - u * a / 2
        pts[6:9] = _chain(mcp[5], index_tip, 0.06)
        pts[2:5] = _chain(pts[1], thumb_tip, -0.12)
        for k in (9, 13, 17):
            pts[k + 1 : k + 4] = _chain(mcp[k], mcp[k] + np.array([-0.1, -0.45]), -0.15)
        anchor = (pts[4] + pts[8]) / 2
    pts -= anchor
    if handedness == "Left":
        pts[:, 0] *= -1
    lm = np.zeros((21, 3), dtype=np.float32)
    lm[:, 0] = g[0] + pts[:, 0] * hand_size / aspect
    lm[:, 1] = g[1] + pts[:, 1] * hand_size
    return lm


def _observation(lm: NDArray[np.float32], i: int, t_ns: int, image_size: tuple[int, int], handedness: str, source_id: str) -> HandObservation:
    return HandObservation(
        source_id=source_id, frame_seq=i, t_ns=t_ns, landmarks=lm, image_size=image_size,
        visibility=np.ones(21, dtype=np.float32), score=0.97, model=MODEL,
        handedness="Left" if handedness == "Left" else "Right",
    )


# -- finger tapping -----------------------------------------------------------------------------
@dataclass(frozen=True)
class TapTruth:
    """Ground truth of a generated finger-tapping trial."""

    tap_ns: NDArray[np.int64]
    """Times of the closures (thumb meets index), ns."""
    amplitude: NDArray[np.float64]
    """Peak aperture of the opening before each closure, hand sizes."""
    aperture: NDArray[np.float64]
    """Aperture per frame, hand sizes."""


def finger_tap_stream(
    *,
    n_taps: int = 15,
    rate_hz: float = 3.0,
    amplitude: float = 1.0,
    decrement: float = 0.0,
    closed: float = 0.05,
    fps: float = 30.0,
    image_size: tuple[int, int] = (640, 480),
    t0_ns: int = 0,
    lead_s: float = 0.5,
    jitter: float = 0.0,
    rate_jitter: float = 0.0,
    hand_size: float = 0.25,
    handedness: str = "Right",
    dropout: float = 0.0,
    seed: int = 0,
    source_id: str = "synthetic-hand",
) -> tuple[list[TrackedFrame], TapTruth]:
    """A thumb-index tapping trial with known taps.

    The hand starts closed, holds ``lead_s``, then makes ``n_taps`` open-close cycles; cycle ``k``
    opens to ``amplitude * (1 - decrement * k / (n_taps - 1))`` hand sizes (a linear amplitude
    decrement of ``decrement`` over the trial) with a raised-cosine profile and closes at the end of
    the cycle (the tap). Cycle lengths are ``1/rate_hz`` times ``1 + rate_jitter * N(0, 1)``.
    ``jitter`` is landmark noise in frame heights; ``dropout`` the probability of a frame without
    a hand.
    """
    rng = np.random.default_rng(seed)
    w, h = image_size
    aspect = w / h
    periods = np.maximum(0.25 / rate_hz, (1.0 / rate_hz) * (1 + rate_jitter * rng.normal(size=n_taps)))
    k = np.arange(n_taps)
    amps = amplitude * (1 - decrement * k / max(1, n_taps - 1))
    starts = lead_s + np.concatenate(([0.0], np.cumsum(periods)[:-1]))
    ends = starts + periods
    total = ends[-1] + 0.5
    n = int(total * fps) + 1
    t = np.arange(n) / fps
    ap = np.full(n, closed)
    for s0, e0, a in zip(starts, ends, amps, strict=True):
        m = (t >= s0) & (t < e0)
        ph = (t[m] - s0) / (e0 - s0)
        ap[m] = closed + (a - closed) * 0.5 * (1 - np.cos(2 * np.pi * ph))
    t_ns = (t0_ns + np.round(t * 1e9)).astype(np.int64)
    grip = np.array([0.5, 0.45])
    frames: list[TrackedFrame] = []
    for i in range(n):
        hands: tuple[HandObservation, ...] = ()
        if not (dropout > 0 and rng.random() < dropout):
            lm = posed_hand(grip, aperture=ap[i], hand_size=hand_size, aspect=aspect, handedness=handedness)
            if jitter:
                lm[:, :2] += rng.normal(0, jitter, (21, 2)).astype(np.float32)
            hands = (_observation(lm, i, int(t_ns[i]), image_size, handedness, source_id),)
        frames.append(TrackedFrame(source_id, i, int(t_ns[i]), image_size, hands=hands))
    tap_ns = (t0_ns + np.round(ends * 1e9)).astype(np.int64)
    return frames, TapTruth(tap_ns, amps, ap)


# -- pegboard -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PegEvent:
    """One true event of a generated pegboard trial (positions in normalised image coordinates)."""

    t_ns: int
    kind: str
    """``grasp``, ``peg_placed``, ``peg_dropped``, ``peg_removed``."""
    hole: int | None
    hand: str
    position: tuple[float, float]


def _min_jerk_path(a: NDArray[np.float64], b: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    u = np.linspace(0, 1, max(2, n))
    s = 10 * u**3 - 15 * u**4 + 6 * u**5
    return a + (b - a) * s[:, None]


def pegboard_stream(
    holes: NDArray[np.float64],
    dish: tuple[float, float],
    *,
    protocol: str = "nhpt",
    n_pegs: int | None = None,
    grasp: str = "pinch",
    drops: tuple[int, ...] = (),
    placement_error: float = 0.0,
    handedness: str = "Right",
    fps: float = 30.0,
    image_size: tuple[int, int] = (640, 480),
    t0_ns: int = 0,
    transport_s: float = 0.9,
    return_s: float = 0.6,
    grasp_s: float = 0.25,
    hand_size: float = 0.12,
    jitter: float = 0.0,
    seed: int = 0,
    source_id: str = "synthetic-hand",
) -> tuple[list[TrackedFrame], list[PegEvent]]:
    """A pegboard trial by a simulated child with known grasp/place/drop/remove events.

    ``holes`` (K x 2) and ``dish`` are in normalised image coordinates. ``protocol="nhpt"`` places a
    peg in every hole in order, then takes them out in order back to the dish (Nine-Hole Peg Test);
    ``"place"`` only places ``n_pegs`` pegs (Purdue-style). Pegs whose ordinal (0-based, counting
    placement attempts) is in ``drops`` are released halfway between dish and hole, off to the side
    (a drop); the child then fetches a new peg for the same hole. ``placement_error`` offsets each
    release from the hole centre by that distance (frame heights) in a random direction.
    """
    rng = np.random.default_rng(seed)
    w, h = image_size
    aspect = w / h
    holes = np.asarray(holes, dtype=np.float64)
    dish_p = np.asarray(dish, dtype=np.float64)
    open_ap, closed_ap = 0.7, 0.05
    segs: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []  # (grip points, apertures)
    truth: list[PegEvent] = []
    t_cursor = 0.0

    def add(path: NDArray[np.float64], ap: NDArray[np.float64]) -> None:
        nonlocal t_cursor
        segs.append((path, ap))
        t_cursor += len(path) / fps

    def hold(p: NDArray[np.float64], seconds: float, ap0: float, ap1: float) -> float:
        """Stay at ``p`` while the aperture goes ap0 -> ap1; returns the time the change is half done."""
        n = max(2, round(seconds * fps))
        ap = ap0 + (ap1 - ap0) * (0.5 - 0.5 * np.cos(np.pi * np.linspace(0, 1, n)))
        t_half = t_cursor + (np.argmax(np.abs(ap - ap0) >= abs(ap1 - ap0) / 2)) / fps
        add(np.repeat(p[None], n, axis=0), ap)
        return t_half

    def move(a: NDArray[np.float64], b: NDArray[np.float64], seconds: float, ap: float) -> None:
        path = _min_jerk_path(a, b, round(seconds * fps))
        add(path, np.full(len(path), ap))

    def t_ns_of(t: float) -> int:
        return int(t0_ns + round(t * 1e9))

    hold(dish_p, 0.4, open_ap, open_ap)
    order = list(range(len(holes))) if n_pegs is None else [i % len(holes) for i in range(n_pegs)]
    attempt = 0
    for hole in order:
        while True:
            tg = hold(dish_p, grasp_s, open_ap, closed_ap)
            truth.append(PegEvent(t_ns_of(tg), "grasp", None, handedness, (float(dish_p[0]), float(dish_p[1]))))
            target = holes[hole]
            if attempt in drops:
                side = np.array([-(target - dish_p)[1], (target - dish_p)[0]])
                side = side / max(float(np.hypot(*side)), 1e-9) * 0.12
                drop_at = (dish_p + target) / 2 + side
                move(dish_p, drop_at, transport_s / 2, closed_ap)
                tr = hold(drop_at, grasp_s, closed_ap, open_ap)
                truth.append(PegEvent(t_ns_of(tr), "peg_dropped", None, handedness, (float(drop_at[0]), float(drop_at[1]))))
                move(drop_at, dish_p, return_s, open_ap)
                attempt += 1
                continue
            ang = rng.uniform(0, 2 * np.pi)
            release_at = target + placement_error * np.array([np.cos(ang) / aspect, np.sin(ang)])
            move(dish_p, release_at, transport_s, closed_ap)
            tr = hold(release_at, grasp_s, closed_ap, open_ap)
            truth.append(PegEvent(t_ns_of(tr), "peg_placed", hole, handedness, (float(release_at[0]), float(release_at[1]))))
            move(release_at, dish_p, return_s, open_ap)
            attempt += 1
            break
    if protocol == "nhpt":
        for hole in range(len(holes)):
            move(dish_p, holes[hole], return_s, open_ap)
            tg = hold(holes[hole], grasp_s, open_ap, closed_ap)
            truth.append(PegEvent(t_ns_of(tg), "grasp", hole, handedness, (float(holes[hole][0]), float(holes[hole][1]))))
            move(holes[hole], dish_p, transport_s, closed_ap)
            tr = hold(dish_p, grasp_s, closed_ap, open_ap)
            truth.append(PegEvent(t_ns_of(tr), "peg_removed", hole, handedness, (float(dish_p[0]), float(dish_p[1]))))
    hold(dish_p, 0.4, open_ap, open_ap)
    path = np.vstack([s[0] for s in segs])
    ap = np.concatenate([s[1] for s in segs])
    frames: list[TrackedFrame] = []
    for i in range(len(path)):
        t_ns = t_ns_of(i / fps)
        g = "palmar" if (grasp == "palmar" and ap[i] < (open_ap + closed_ap) / 2) else "pinch"
        lm = posed_hand(path[i], aperture=ap[i], grasp=g, hand_size=hand_size, aspect=aspect, handedness=handedness)
        if jitter:
            lm[:, :2] += rng.normal(0, jitter, (21, 2)).astype(np.float32)
        frames.append(TrackedFrame(source_id, i, t_ns, image_size, hands=(_observation(lm, i, t_ns, image_size, handedness, source_id),)))
    return frames, truth


# -- real-photo videos with a known fingertip path ----------------------------------------------
@dataclass(frozen=True)
class PhotoPathTruth:
    """Ground truth of :func:`photo_path_video`."""

    t_ns: NDArray[np.int64]
    """Frame times (file time, from 0)."""
    anchor: NDArray[np.float64]
    """N x 2: where the photo's anchor point (e.g. its measured index fingertip) is in each frame,
    normalised image coordinates (exact: the photo is placed at whole pixels)."""
    frame_size: tuple[int, int]


def photo_path_video(
    out_path: str,
    photo_bgr: NDArray[np.uint8],
    anchor_px: tuple[float, float],
    path: NDArray[np.float64],
    *,
    crop: tuple[int, int, int, int] | None = None,
    frame_size: tuple[int, int] = (1280, 720),
    fps: float = 30.0,
    duration_s: float = 4.0,
    feather_px: int = 24,
    background: NDArray[np.uint8] | None = None,
    seed: int = 0,
) -> PhotoPathTruth:
    """Write a video in which a real photograph moves so that ``anchor_px`` follows ``path``.

    Parameters
    ----------
    out_path: the MP4 to write (``mp4v``); it must not exist.
    photo_bgr: the photograph (e.g. ``media/hand/thumb_up.jpg``).
    anchor_px: the point of the photo that follows the path, photo pixels (x, y) — measure it on the
        still photo with the tracker, never guess it.
    path: M x 2 normalised image coordinates of the output frame (x right, y down), in order; the
        anchor moves along it at constant arc-length speed over ``duration_s``.
    crop: (x0, y0, x1, y1) part of the photo pasted (default: all of it).
    frame_size: (width, height) of the video.
    feather_px: width of the soft edge blending the pasted crop into the background.
    background: a BGR image of ``frame_size`` to paste onto (e.g. a printed sheet seen by the
        camera); default a gradient of the crop's border colour.

    The background is a smooth gradient of the crop's border colour with mild noise, so the photo's
    own background blends in and only the hand stands out. The photo is placed at whole pixels;
    :attr:`PhotoPathTruth.anchor` gives the exact anchor position of every frame.
    """
    from pathlib import Path as _Path

    import cv2

    if _Path(out_path).exists():
        raise FileExistsError(out_path)
    rng = np.random.default_rng(seed)
    W, H = frame_size
    x0, y0, x1, y1 = crop if crop is not None else (0, 0, photo_bgr.shape[1], photo_bgr.shape[0])
    patch = photo_bgr[y0:y1, x0:x1].astype(np.float32)
    ph, pw = patch.shape[:2]
    ax, ay = anchor_px[0] - x0, anchor_px[1] - y0
    border = np.median(np.concatenate([patch[0], patch[-1], patch[:, 0], patch[:, -1]]), axis=0)
    yy = np.linspace(-1, 1, H, dtype=np.float32)[:, None, None]
    if background is not None:
        if background.shape[:2] != (H, W):
            raise ValueError(f"background must be {W}x{H}")
        bg = background.astype(np.float32)
    else:
        bg = np.clip(border[None, None, :] * (1.0 + 0.12 * yy) + rng.normal(0, 3, (H, W, 3)).astype(np.float32), 0, 255)
    # feathered alpha: 1 inside, ramping to 0 over feather_px at the crop's edges
    ramp_x = np.clip(np.minimum(np.arange(pw), np.arange(pw)[::-1]) / max(feather_px, 1), 0, 1)
    ramp_y = np.clip(np.minimum(np.arange(ph), np.arange(ph)[::-1]) / max(feather_px, 1), 0, 1)
    alpha = (ramp_y[:, None] * ramp_x[None, :])[:, :, None].astype(np.float32)
    p = np.asarray(path, dtype=np.float64) * np.array([W, H])
    seg = np.hypot(*np.diff(p, axis=0).T)
    s = np.concatenate(([0.0], np.cumsum(seg)))
    n = max(2, round(duration_s * fps))
    su = np.linspace(0, s[-1], n)
    pts = np.stack((np.interp(su, s, p[:, 0]), np.interp(su, s, p[:, 1])), axis=1)
    writer = cv2.VideoWriter(str(out_path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (W, H))
    if not writer.isOpened():
        raise OSError(f"cannot write video {out_path}")
    anchors = np.zeros((n, 2))
    try:
        for i, (px, py) in enumerate(pts):
            left, top = round(px - ax), round(py - ay)
            anchors[i] = ((left + ax) / W, (top + ay) / H)
            frame = bg.copy()
            fx0, fy0, fx1, fy1 = max(0, left), max(0, top), min(W, left + pw), min(H, top + ph)
            if fx1 > fx0 and fy1 > fy0:
                sub = patch[fy0 - top : fy1 - top, fx0 - left : fx1 - left]
                a = alpha[fy0 - top : fy1 - top, fx0 - left : fx1 - left]
                frame[fy0:fy1, fx0:fx1] = a * sub + (1 - a) * frame[fy0:fy1, fx0:fx1]
            writer.write(frame.astype(np.uint8))
    finally:
        writer.release()
    t_ns = np.round(np.arange(n) / fps * 1e9).astype(np.int64)
    return PhotoPathTruth(t_ns, anchors, (W, H))
