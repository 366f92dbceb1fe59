"""Shared machinery of the body (pose) exercises: person selection, gating, filtering, rep counting.

Conventions
-----------
Input
    :class:`~station.core.PoseObservation` landmarks (BlazePose 33) in normalised, unmirrored image
    coordinates. Every geometric quantity here is computed in **pixels** (``x * width``,
    ``y * height``) so that angles and ratios are the same for portrait and landscape frames; image
    ``y`` grows downward, so "up" is negative ``y``.
Scale
    Signals are joint angles (degrees) or lengths divided by a body length measured on the same
    person (leg, arm or trunk length, the robust maximum over the recent window), so counts do not
    depend on image size, distance to the camera or the child's size.
Time
    ``t_ns`` of the frame on the session clock. Filters are designed for the frame rate measured
    from the frames themselves (median interval), never from a nominal rate, and work from 10 to
    60 fps.

Machinery (definitions version 1)
---------------------------------
Person selection
    Of the people in ``inp.poses`` (optionally only those whose centre lies in ``region``), the one
    with the largest bounding box of landmarks visible above ``min_visibility`` (in pixels^2).
Visibility gating
    A frame is used only when every landmark the exercise's signal needs is visible above
    ``min_visibility`` (bilateral signals use the better-visible side, or both when both are seen).
    Gated frames neither start nor end a repetition.
Pause
    When nobody is found (or the signal is gated) for ``pause_after_s`` seconds, counting pauses:
    the repetition in progress is dropped (a ``paused`` event), the filter restarts and the signal
    range is forgotten (the person may come back elsewhere, or be someone else); a new repetition
    must start from the rest position after the person is back (``resumed`` event).
Filtering
    A causal 2nd-order Butterworth low-pass (:func:`scipy.signal.butter`; per frame one step of the
    :func:`scipy.signal.sosfilt` recursion, started in steady state) at ``cutoff_hz`` (clamped to
    0.45 x the measured frame rate).
Repetition (:class:`CycleCounter`)
    The filtered signal's range is tracked over the last ``range_window_s`` seconds (running min and
    max). A repetition is rest -> active -> rest: the signal leaves the rest side when it passes
    ``enter_frac`` of the range away from the rest extreme, and the repetition completes when it comes
    back within ``exit_frac`` of the rest extreme (hysteresis). It counts only if the range is at least
    ``min_range`` (in the signal's own scale-free unit) and it lasted at least ``min_cycle_s``.
"""

from __future__ import annotations

import abc
import logging
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import Field, ValidationInfo, field_validator

from exercises.base import Exercise, Settings, SettingsModel, StepInput
from exercises.contract import Contract, Knob, Metric, Pictogram, Presets, QualityCountStars, SimulatedChild, Sound, SoundCue
from station.core import PoseObservation, ScoreEvent

log = logging.getLogger(__name__)

# BlazePose landmark indices.
NOSE = 0
L_SH, R_SH, L_EL, R_EL, L_WR, R_WR = 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANK, R_ANK = 23, 24, 25, 26, 27, 28
L_HEEL, R_HEEL, L_FOOT, R_FOOT = 29, 30, 31, 32


# --------------------------------------------------------------------------------------------
# geometry
# --------------------------------------------------------------------------------------------
def to_pixels(obs: PoseObservation) -> NDArray[np.float64]:
    """Landmarks of ``obs`` in pixels (33 x 2, x right, y down)."""
    return obs.xy_px()


def angle_deg(a: NDArray[np.float64], b: NDArray[np.float64], c: NDArray[np.float64]) -> float:
    """Angle ABC in degrees (0..180) between the segments B->A and B->C."""
    v1x, v1y = a[0] - b[0], a[1] - b[1]
    v2x, v2y = c[0] - b[0], c[1] - b[1]
    return math.degrees(math.atan2(abs(v1x * v2y - v1y * v2x), v1x * v2x + v1y * v2y))


def dist(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Euclidean distance between two points (pixels)."""
    return math.hypot(a[0] - b[0], a[1] - b[1])


def visible(vis: NDArray[np.floating] | None, idx: Sequence[int], threshold: float) -> bool:
    """Whether all landmarks ``idx`` are visible above ``threshold`` (``vis=None``: always)."""
    if vis is None:
        return True
    return bool(min(float(vis[i]) for i in idx) >= threshold)


def parse_region(text: str) -> tuple[float, float, float, float] | None:
    """Parse ``"x0,y0,x1,y1"`` (normalised image coordinates) or ``""`` (whole frame)."""
    if not text.strip():
        return None
    parts = [float(p) for p in text.split(",")]
    if len(parts) != 4:
        raise ValueError("region must be 'x0,y0,x1,y1' in 0..1 of the frame")
    x0, y0, x1, y1 = parts
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise ValueError("region must satisfy 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1")
    return x0, y0, x1, y1


def person_area_px(obs: PoseObservation, min_visibility: float = 0.5) -> float:
    """Bounding-box area (pixels^2) of the landmarks of ``obs`` visible above ``min_visibility``."""
    pts = obs.xy_px()
    if obs.visibility is not None:
        pts = pts[obs.visibility >= min_visibility]
    if len(pts) < 2:
        return 0.0
    span = pts.max(axis=0) - pts.min(axis=0)
    return float(span[0] * span[1])


def select_person(
    poses: Sequence[PoseObservation], *, min_visibility: float = 0.5, region: tuple[float, float, float, float] | None = None
) -> PoseObservation | None:
    """The largest person (bounding box of visible landmarks) among ``poses``, optionally in ``region``."""
    if len(poses) == 1 and region is None:
        return poses[0]
    best: PoseObservation | None = None
    best_area = 0.0
    for p in poses:
        if region is not None:
            lm = p.landmarks[:, :2]
            if p.visibility is not None:
                good = p.visibility >= min_visibility
                if good.any():
                    lm = lm[good]
            cx, cy = float(np.mean(lm[:, 0])), float(np.mean(lm[:, 1]))
            if not (region[0] <= cx <= region[2] and region[1] <= cy <= region[3]):
                continue
        area = person_area_px(p, min_visibility)
        if best is None or area > best_area:
            best, best_area = p, area
    return best


def _box(obs: PoseObservation, min_visibility: float) -> tuple[float, float, float, bool]:
    """``(centre x, centre y, size, upright)`` in pixels of the landmarks of ``obs`` visible above
    ``min_visibility`` (all landmarks when fewer than three are); size = the larger box side,
    upright = the trunk within 45 degrees of vertical, shoulders above the hips, and the box not much
    wider than tall (arms spread are fine; a wide, flat false detection on furniture is not)."""
    pts = obs.xy_px()
    if obs.visibility is not None:
        good = obs.visibility >= min_visibility
        if good.sum() >= 3:
            pts = pts[good]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    w, h = hi - lo
    xy = obs.xy_px()
    sh, hip = 0.5 * (xy[11] + xy[12]), 0.5 * (xy[23] + xy[24])
    trunk_up = hip[1] - sh[1] > abs(hip[0] - sh[0])  # shoulders above the hips, within 45 deg of vertical
    return float(0.5 * (lo[0] + hi[0])), float(0.5 * (lo[1] + hi[1])), float(max(w, h)), bool(trunk_up and h > 0.6 * w)


def _trunk(obs: PoseObservation) -> float:
    """Mid-shoulder to mid-hip distance in pixels: a person's size that raising the arms, crouching
    or turning over in a flip hardly changes (the association measure of :class:`Participant`)."""
    p = obs.xy_px()
    return float(np.hypot(*(0.5 * (p[11] + p[12]) - 0.5 * (p[23] + p[24]))))


class Participant:
    """The one person a trial scores: chosen once, then followed frame to frame; nobody else is scored.

    Choice (during the first ``choose_s`` (2 s, the countdown) from the first frame with a plausible
    person, re-made every frame, then kept: a detector may miss the child in the very first frame) among the plausible people (landmark box at least ``min_size`` of the frame
    height, centred in ``region`` when one is set, and standing (see :func:`_box`) for the
    exercises that start standing (``upright``; not push-ups, sit-ups, animal walks)): the person
    nearest ``point`` (a therapist's click, 0..1 of the frame) when given, else the largest, most
    central one (box size x (1 - |x - 0.5|)). A false detection on furniture (a wide, small box,
    seen on real footage of an empty room) is never chosen.
    Following: each frame, among the people whose trunk (mid-shoulder to mid-hip) is within
    ``size_ratio x (1 + gap)`` of the participant's (median of the last second) and whose box centre moved at most
    ``1.5 + speed x gap`` participant trunk lengths since the participant was last seen (``gap``
    seconds), the nearest. Nobody
    matching: the frame is "participant not found" and scored on no one; whoever else is in view is
    ignored, however large.
    """

    def __init__(self, *, min_visibility: float, region: tuple[float, float, float, float] | None = None,
                 point: tuple[float, float] | None = None, min_size: float = 0.1, size_ratio: float = 2.0,
                 speed: float = 6.0, upright: bool = True, choose_s: float = 2.0) -> None:
        self.min_vis = min_visibility
        self.choose_ns = int(choose_s * 1e9)
        self.first_ns: int | None = None
        self.upright = upright
        self.region = region
        self.point = point
        self.min_size = min_size
        self.size_ratio = size_ratio
        self.speed = speed
        self.chosen = False
        self.switched = False
        """Set by :meth:`pick` when the choice moved to another person (during the countdown)."""
        self.last: tuple[float, float, float, bool] | None = None
        self.last_ns = 0
        self._size: tuple[int, int] | None = None
        self._heights: deque[tuple[int, float]] = deque()

    def reset(self) -> None:
        self.chosen = False
        self.first_ns = None
        self.last = None
        self._heights.clear()

    def _plausible(self, obs: PoseObservation, choosing: bool) -> tuple[float, float, float, bool] | None:
        b = _box(obs, self.min_vis)
        w, h = obs.image_size
        if choosing and b[2] < self.min_size * h:
            return None  # too small to be chosen; once chosen, the size ratio decides
        if self.region is not None and not (self.region[0] * w <= b[0] <= self.region[2] * w
                                            and self.region[1] * h <= b[1] <= self.region[3] * h):
            return None
        return b

    def pick(self, t_ns: int, poses: Sequence[PoseObservation]) -> PoseObservation | None:
        choosing = not self.chosen or (self.first_ns is not None and t_ns - self.first_ns < self.choose_ns)
        boxes = [(p, b) for p in poses if (b := self._plausible(p, not self.chosen)) is not None]
        if choosing and self.upright:
            boxes = [(p, b) for p, b in boxes if b[3]]
        if not boxes:
            return None
        if choosing:
            if self.first_ns is None:
                self.first_ns = t_ns
            w, h = boxes[0][0].image_size
            if self.point is not None:
                px, py = self.point[0] * w, self.point[1] * h
                p, b = min(boxes, key=lambda pb: math.hypot(pb[1][0] - px, pb[1][1] - py) / pb[1][2])
            else:
                p, b = max(boxes, key=lambda pb: pb[1][2] * (1.0 - abs(pb[1][0] / w - 0.5)))
            if self.chosen and self.last is not None:
                self.switched = math.hypot(b[0] - self.last[0], b[1] - self.last[1]) > 0.5 * max(b[2], self.last[2])
            self.chosen = True
            self._heights.clear()  # the choice may change during the countdown
            return self._keep(t_ns, p, b)
        assert self.last is not None
        ref = float(np.median([x for _, x in self._heights]))
        gap_s = (t_ns - self.last_ns) / 1e9
        reach = (1.5 + self.speed * gap_s) * ref
        best: tuple[float, PoseObservation, tuple[float, float, float, bool]] | None = None
        ratio = self.size_ratio * (1.0 + gap_s)  # the longer unseen, the more the distance to the camera may change
        for p, b in boxes:
            if not 1.0 / ratio <= _trunk(p) / ref <= ratio:
                continue
            d = math.hypot(b[0] - self.last[0], b[1] - self.last[1])
            if d <= reach and (best is None or d < best[0]):
                best = (d, p, b)
        if best is None:
            return None
        return self._keep(t_ns, best[1], best[2])

    def where(self) -> tuple[float, float, float] | None:
        """Where the participant was last seen: box centre x, y and size in 0..1 of the frame (size
        relative to the frame height), ``None`` before the choice (what the dashboard highlights)."""
        if self.last is None or self._size is None:
            return None
        w, h = self._size
        return self.last[0] / w, self.last[1] / h, self.last[2] / h

    def _keep(self, t_ns: int, p: PoseObservation, b: tuple[float, float, float, bool]) -> PoseObservation:
        self.last = b
        self.last_ns = t_ns
        self._size = p.image_size
        self._heights.append((t_ns, _trunk(p)))
        while self._heights and self._heights[0][0] < t_ns - 1_000_000_000:
            self._heights.popleft()
        return p


class Level:
    """The camera's roll (tilt about its viewing axis) estimated from the body while the person stands,
    and the landmarks rotated so that the floor is level and "up" is straight up in the image.

    Estimate
        In every standing frame (a side with shoulder, hip, knee and ankle visible; every visible knee
        straighter than ``straight_knee_deg``; the ankle->hip and hip->shoulder directions within
        ``straight_body_deg`` of each other: a straight body, not a lean or a bend) the direction of
        the body's axis, mid-ankle -> mid-shoulder, measured from the image's vertical (positive: the
        image content turned counter-clockwise as seen on the screen, as ``cv2.getRotationMatrix2D``
        turns it). The tilt is the median of these directions over the first ``window_s`` seconds
        with standing frames (the countdown, when the child stands still), then kept for the trial;
        until then, the median so far. A person stands straight within a few degrees, so the median
        of a second of standing is the camera's roll to about a degree; a tilt under ``dead_deg``
        is taken as level (no rotation), and no more than ``max_deg`` is ever applied.
    Floor
        The floor line is then horizontal in the rotated coordinates; exercises that measure heights
        (jumps, squat depth) measure them along the rotated vertical.
    A fixed tilt (``camera_tilt_deg``, e.g. from a calibration) replaces the estimate.
    """

    def __init__(self, *, fixed_deg: float | None = None, window_s: float = 1.0, dead_deg: float = 2.0,
                 max_deg: float = 35.0, straight_knee_deg: float = 160.0, straight_body_deg: float = 12.0) -> None:
        self.fixed_deg = fixed_deg
        self.window_ns = int(window_s * 1e9)
        self.dead_deg = dead_deg
        self.max_deg = max_deg
        self.straight_knee_deg = straight_knee_deg
        self.straight_body_deg = straight_body_deg
        self.samples: list[float] = []
        self.first_ns: int | None = None
        self.frozen = fixed_deg is not None
        self.tilt_deg = 0.0 if fixed_deg is None else float(fixed_deg)
        self._cos, self._sin = math.cos(math.radians(self.tilt_deg)), math.sin(math.radians(self.tilt_deg))

    @staticmethod
    def _direction(v: NDArray[np.float64]) -> float:
        """Angle (degrees) of an upward image vector from the image's vertical (screen counter-clockwise > 0)."""
        return math.degrees(math.atan2(-float(v[0]), -float(v[1])))

    def standing_tilt(self, pts: NDArray[np.float64], vis: NDArray[np.float64] | None, min_vis: float) -> float | None:
        """The body axis's direction in this frame when the person stands straight, else ``None``."""
        ok = sides(vis, (L_SH, L_HIP, L_KNEE, L_ANK), (R_SH, R_HIP, R_KNEE, R_ANK), min_vis)
        if not ok:
            return None
        legs = [(L_SH, L_HIP, L_KNEE, L_ANK), (R_SH, R_HIP, R_KNEE, R_ANK)]
        if any(angle_deg(pts[legs[s][1]], pts[legs[s][2]], pts[legs[s][3]]) < self.straight_knee_deg for s in ok):
            return None
        sh = np.mean([pts[legs[s][0]] for s in ok], axis=0)
        hip = np.mean([pts[legs[s][1]] for s in ok], axis=0)
        ank = np.mean([pts[legs[s][3]] for s in ok], axis=0)
        lower, upper = self._direction(hip - ank), self._direction(sh - hip)
        if abs(lower - upper) > self.straight_body_deg:
            return None
        d = self._direction(sh - ank)
        return d if abs(d) <= self.max_deg else None

    def update(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None, min_vis: float) -> None:
        if self.frozen:
            return
        d = self.standing_tilt(pts, vis, min_vis)
        if d is None:
            return
        if self.first_ns is None:
            self.first_ns = t_ns
        self.samples.append(d)
        est = float(np.median(self.samples))
        self.tilt_deg = est if abs(est) >= self.dead_deg else 0.0
        self._cos, self._sin = math.cos(math.radians(self.tilt_deg)), math.sin(math.radians(self.tilt_deg))
        if t_ns - self.first_ns >= self.window_ns and len(self.samples) >= 5:
            self.frozen = True

    def apply(self, pts: NDArray[np.float64], image_size: tuple[int, int]) -> NDArray[np.float64]:
        """``pts`` (pixels) turned back by the tilt about the image centre (unchanged when level)."""
        if self.tilt_deg == 0.0:
            return pts
        cx, cy = 0.5 * image_size[0], 0.5 * image_size[1]
        x, y = pts[:, 0] - cx, pts[:, 1] - cy
        out = pts.copy()
        out[:, 0] = cx + x * self._cos - y * self._sin
        out[:, 1] = cy + x * self._sin + y * self._cos
        return out


# --------------------------------------------------------------------------------------------
# signals
# --------------------------------------------------------------------------------------------
class LowPass:
    """Causal Butterworth low-pass of a frame-rate signal.

    Designed with :func:`scipy.signal.butter` (second-order sections) and started in steady state
    with :func:`scipy.signal.sosfilt_zi`; each sample then takes one step of the same direct-form-II
    transposed recursion as :func:`scipy.signal.sosfilt` (identical output, without the per-call
    overhead of a scipy call per frame). The frame rate is measured from the first ``n_rate`` frame intervals (median); until then
    samples pass through unfiltered. A gap longer than ``reset_after_s`` restarts the filter.
    """

    def __init__(self, cutoff_hz: float, order: int = 2, n_rate: int = 5, reset_after_s: float = 1.0) -> None:
        self.cutoff_hz = cutoff_hz
        self.order = order
        self.n_rate = n_rate
        self.reset_after_ns = int(reset_after_s * 1e9)
        self.rate_hz: float | None = None
        self._dts: list[int] = []
        self._last_t: int | None = None
        self._sos: NDArray[np.float64] | None = None
        self._zi: NDArray[np.float64] | None = None
        self._state: list[list[float]] = []
        self._coef: list[tuple[float, ...]] = []

    def reset(self) -> None:
        """Forget the filter state (keep the measured rate)."""
        self._zi = None
        self._last_t = None

    def _design(self) -> None:
        from scipy.signal import butter

        self.rate_hz = 1e9 / float(np.median(self._dts))
        fc = min(self.cutoff_hz, 0.45 * self.rate_hz)
        self._sos = np.asarray(butter(self.order, fc, btype="low", fs=self.rate_hz, output="sos"), dtype=np.float64)

    def __call__(self, t_ns: int, v: float) -> float:
        if self._last_t is not None:
            dt = t_ns - self._last_t
            if dt > self.reset_after_ns:
                self._zi = None
            elif dt > 0 and self._sos is None:
                self._dts.append(dt)
                if len(self._dts) >= self.n_rate:
                    self._design()
        self._last_t = t_ns
        if self._sos is None:
            return v
        if self._zi is None:
            from scipy.signal import sosfilt_zi

            self._zi = sosfilt_zi(self._sos) * v
            self._state = [list(map(float, z)) for z in self._zi]
            self._coef = [tuple(map(float, sec)) for sec in self._sos]
            return v
        # one step of scipy.signal.sosfilt (direct form II transposed), without its per-call overhead
        x = v
        for z, (b0, b1, b2, _a0, a1, a2) in zip(self._state, self._coef, strict=True):
            y = b0 * x + z[0]
            z[0] = b1 * x - a1 * y + z[1]
            z[1] = b2 * x - a2 * y
            x = y
        return x


class SlidingRange:
    """Running minimum and maximum over the last ``window_ns`` (monotonic deques, O(1) amortised)."""

    def __init__(self, window_s: float) -> None:
        self.window_ns = int(window_s * 1e9)
        self._min: deque[tuple[int, float]] = deque()
        self._max: deque[tuple[int, float]] = deque()

    def clear(self) -> None:
        self._min.clear()
        self._max.clear()

    def push(self, t_ns: int, v: float) -> None:
        while self._min and self._min[-1][1] >= v:
            self._min.pop()
        self._min.append((t_ns, v))
        while self._max and self._max[-1][1] <= v:
            self._max.pop()
        self._max.append((t_ns, v))
        cutoff = t_ns - self.window_ns
        while self._min[0][0] < cutoff:
            self._min.popleft()
        while self._max[0][0] < cutoff:
            self._max.popleft()

    @property
    def lo(self) -> float:
        return self._min[0][1] if self._min else math.nan

    @property
    def hi(self) -> float:
        return self._max[0][1] if self._max else math.nan


class RobustMax:
    """Running maximum of a length over a window, after a 3-sample median (one-frame spikes ignored)."""

    def __init__(self, window_s: float) -> None:
        self._rng = SlidingRange(window_s)
        self._last: deque[float] = deque(maxlen=3)

    def push(self, t_ns: int, v: float) -> float:
        self._last.append(v)
        self._rng.push(t_ns, sorted(self._last)[len(self._last) // 2])
        return self._rng.hi

    @property
    def value(self) -> float:
        return self._rng.hi

    def clear(self) -> None:
        """Forget the window (e.g. the floor changed: the child jumped down from a box)."""
        self._rng.clear()
        self._last.clear()


class FrameLog:
    """Per-frame features of the last ``window_s`` seconds, to judge a completed cycle over exactly its
    own frames (``start_ns``..``end_ns``)."""

    def __init__(self, window_s: float = 15.0) -> None:
        self.window_ns = int(window_s * 1e9)
        self.rows: deque[tuple[int, tuple[float, ...]]] = deque()

    def push(self, t_ns: int, *values: float) -> None:
        self.rows.append((t_ns, tuple(float(v) for v in values)))
        while self.rows and self.rows[0][0] < t_ns - self.window_ns:
            self.rows.popleft()

    def between(self, t0_ns: int, t1_ns: int) -> NDArray[np.float64]:
        """Rows with ``t0 <= t <= t1`` as an array (frames x values); empty (0 x 0) when none."""
        got = [v for t, v in self.rows if t0_ns <= t <= t1_ns]
        return np.asarray(got, dtype=np.float64) if got else np.zeros((0, 0))

    def clear(self) -> None:
        self.rows.clear()


@dataclass(frozen=True)
class Cycle:
    """One completed repetition of a :class:`CycleCounter` (session-clock ns)."""

    start_ns: int
    """When the signal left the rest side."""
    turn_ns: int
    """When the signal was at its active extreme."""
    end_ns: int
    """When the signal came back to the rest side."""
    extreme: float
    """Signal value at the active extreme."""
    depth: float
    """How far the repetition went, 0..1 of the range at completion (1 = the deepest seen)."""
    range: float
    """Signal range (max - min over the window) at completion."""

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9


class CycleCounter:
    """Counts rest -> active -> rest cycles of a scalar signal with adaptive hysteresis.

    Parameters
    ----------
    rest_high:
        ``True`` when the rest position is the high end of the signal (e.g. elbow extended).
    enter_frac, exit_frac:
        Fractions of the current range, measured from the rest extreme, that the signal must pass to
        become active, and come back within to complete the cycle (``exit_frac < enter_frac``).
    min_range:
        Minimum range (signal units) for anything to count: motion smaller than this is rest.
    min_cycle_s:
        Shortest repetition (rest -> rest) that counts, seconds.
    window_s:
        Window of the running min/max, seconds.
    """

    def __init__(
        self, *, rest_high: bool, enter_frac: float, exit_frac: float, min_range: float, min_cycle_s: float, window_s: float
    ) -> None:
        if not 0 < exit_frac < enter_frac < 1:
            raise ValueError("need 0 < exit_frac < enter_frac < 1")
        self.rest_high = rest_high
        self.enter_frac = enter_frac
        self.exit_frac = exit_frac
        self.min_range = min_range
        self.min_cycle_ns = int(min_cycle_s * 1e9)
        self.range = SlidingRange(window_s)
        self.state = "unknown"
        self.progress = 0.0
        self._start_ns = 0
        self._turn_ns = 0
        self._extreme = 0.0
        self._last_rest_ns = 0

    def reset(self) -> None:
        """Pause: drop the cycle in progress; a new cycle must start from rest."""
        self.state = "unknown"
        self.progress = 0.0

    def update(self, t_ns: int, v: float) -> Cycle | None:
        """Feed one filtered sample; returns the cycle completed by it, if any."""
        self.range.push(t_ns, v)
        lo, hi = self.range.lo, self.range.hi
        rng = hi - lo
        if rng < self.min_range:
            self.progress = 0.0
            if self.state != "active":
                self.state = "rest"
                self._last_rest_ns = t_ns
            return None
        # 0 at the rest extreme, 1 at the active extreme
        p = (hi - v) / rng if self.rest_high else (v - lo) / rng
        self.progress = p
        if self.state == "unknown":
            if p <= self.exit_frac:
                self.state = "rest"
                self._last_rest_ns = t_ns
            return None
        if self.state == "rest":
            if p <= self.exit_frac:
                self._last_rest_ns = t_ns
            elif p >= self.enter_frac:
                self.state = "active"
                self._start_ns = self._last_rest_ns
                self._turn_ns = t_ns
                self._extreme = v
            return None
        # active
        if (v < self._extreme) == self.rest_high and v != self._extreme:
            self._extreme = v
            self._turn_ns = t_ns
        if p <= self.exit_frac:
            self.state = "rest"
            self._last_rest_ns = t_ns
            if t_ns - self._start_ns < self.min_cycle_ns:
                return None
            depth = (hi - self._extreme) / rng if self.rest_high else (self._extreme - lo) / rng
            return Cycle(self._start_ns, self._turn_ns, t_ns, self._extreme, float(depth), float(rng))
        return None


# --------------------------------------------------------------------------------------------
# exercise base classes
# --------------------------------------------------------------------------------------------
def _region_validator(v: str) -> str:
    parse_region(v)
    return v


class BodySettings(Settings):
    """Settings shared by every body exercise (see the module docstring for definitions)."""

    min_visibility: float = Field(0.5, ge=0.0, le=1.0, description="landmark visibility needed to use a frame")
    pause_after_s: float = Field(1.0, gt=0.0, le=60.0, description="seconds without the person before counting pauses")
    region: str = Field("", description="'x0,y0,x1,y1' (0..1 of the frame): follow only people centred there; '' = whole frame")
    participant: str = Field("", description="'x,y' (0..1 of the frame, e.g. a dashboard click): the participant is the person nearest this point; '' = the largest, most central")
    min_person_size: float = Field(0.1, ge=0.0, le=1.0, description="smallest person (landmark box, fraction of the frame height) that can be the participant")
    camera_tilt_deg: float | None = Field(None, ge=-45.0, le=45.0, description="the camera's roll in degrees (image turned counter-clockwise > 0); None = estimated from the child standing (exercises.body.Level)")

    @field_validator("region")
    @classmethod
    def _check_region(cls, v: str) -> str:
        return _region_validator(v)

    @field_validator("participant")
    @classmethod
    def _check_participant(cls, v: str) -> str:
        if v.strip():
            try:
                x, y = (float(a) for a in v.split(","))
            except ValueError:
                raise ValueError("participant must be 'x,y' with two numbers 0..1, or empty") from None
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ValueError("participant must be 'x,y' with both numbers 0..1")
        return v


class CounterSettings(BodySettings):
    """Settings shared by every signal counter (defaults are overridden per exercise)."""

    cutoff_hz: float = Field(4.0, gt=0.2, le=30.0, description="low-pass cut-off of the signal, Hz")
    min_range: Annotated[float, Knob("Range", "signal units", step=0.05, harder=1, help="how large a movement must be to count")] = Field(0.3, gt=0.0, le=1000.0, description="smallest signal range that counts (signal units)")
    min_cycle_s: float = Field(0.5, ge=0.0, le=30.0, description="shortest repetition that counts, s")
    range_window_s: float = Field(10.0, ge=1.0, le=600.0, description="window of the running signal range, s")


class RepSettings(CounterSettings):
    """Settings of a rest -> active -> rest counter (:class:`CycleCounter`)."""

    enter_frac: float = Field(0.55, gt=0.0, lt=1.0, description="fraction of the range from rest to become active")
    exit_frac: float = Field(0.3, gt=0.0, lt=1.0, description="fraction of the range from rest to complete the rep")

    @field_validator("exit_frac")
    @classmethod
    def _check_fracs(cls, v: float, info: ValidationInfo) -> float:
        enter = info.data.get("enter_frac")
        if enter is not None and not v < enter:
            raise ValueError("exit_frac must be smaller than enter_frac")
        return v


class BodyExercise(Exercise):
    """Base of the pose exercises: person selection, visibility gating and pausing.

    Subclasses implement :meth:`_frame` (called with the followed person's landmarks in pixels and
    their visibility; return ``None`` when the frame is gated) and :meth:`_on_pause`.
    """

    inputs = ("pose",)
    Settings: ClassVar[type[Settings]] = BodySettings
    settings: BodySettings
    starts_upright: ClassVar[bool] = True
    """The child stands at the start of a trial (the participant is chosen among standing people)."""

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        s: BodySettings = self.settings
        self._region = parse_region(s.region)
        point: tuple[float, float] | None = None
        if s.participant.strip():  # 'x,y', checked by BodySettings
            px, py = (float(x) for x in s.participant.split(","))
            point = (px, py)
        self.participant = Participant(min_visibility=s.min_visibility, region=self._region, point=point,
                                       min_size=s.min_person_size, upright=self.starts_upright)
        self.level = Level(fixed_deg=s.camera_tilt_deg)
        self._chosen_point: tuple[float, float] | None = None
        self._min_vis = s.min_visibility
        self._pause_ns = int(s.pause_after_s * 1e9)
        self._last_valid_ns: int | None = None
        self.paused = False
        self.frames = 0
        self.frames_used = 0
        self.frames_no_person = 0
        self.frames_gated = 0
        self.paused_ns = 0
        self._pause_start_ns = 0
        self.image_size: tuple[int, int] | None = None

    def choose_participant(self, x: float, y: float) -> None:
        """A therapist's click (``x, y`` in 0..1 of the frame, e.g. from the dashboard's person picker):
        from the next frame on, the participant is the person nearest this point, chosen afresh as at
        the start of a trial (the ``participant`` setting's rule), and scoring restarts on them.
        Safe to call from another thread: the choice is applied by the thread that steps the exercise."""
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValueError(f"participant point must be 0..1 of the frame, got {x:.3f},{y:.3f}")
        self._chosen_point = (float(x), float(y))

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        if inp.frame_seq is None and not inp.poses:
            return []  # a sensor-only step
        point, self._chosen_point = self._chosen_point, None
        if point is not None:
            self.participant.point = point
            self.participant.reset()
            self._restart_scoring()
        self.frames += 1
        events: list[ScoreEvent] = []
        person = self.participant.pick(inp.t_ns, inp.poses) if inp.poses else None
        if self.participant.switched:
            # a better participant appeared during the countdown: start the scoring afresh on them, as
            # if the trial had begun now (nothing measured on the other person is kept)
            self._restart_scoring()
        used: list[ScoreEvent] | None = None
        if person is None:
            self.frames_no_person += 1
        else:
            self.image_size = person.image_size
            pts = person.xy_px()
            vis = None if person.visibility is None else np.asarray(person.visibility, dtype=np.float64)
            self.level.update(inp.t_ns, pts, vis, self._min_vis)
            used = self._frame(inp.t_ns, self.level.apply(pts, person.image_size), vis)
            if used is None:
                self.frames_gated += 1
        if used is None:
            if not self.paused and self._last_valid_ns is not None and inp.t_ns - self._last_valid_ns >= self._pause_ns:
                self.paused = True
                self._pause_start_ns = self._last_valid_ns
                ended = self._on_pause()
                why = "no_person" if person is None else "low_visibility"
                events.append(self.event(inp.t_ns, "paused", rep=self.reps(), reason=why))
                events.extend(ended)
            return events
        self.frames_used += 1
        if self.paused:
            self.paused = False
            self.paused_ns += inp.t_ns - self._pause_start_ns
            events.append(self.event(inp.t_ns, "resumed", rep=self.reps(), paused_s=(inp.t_ns - self._pause_start_ns) / 1e9))
        self._last_valid_ns = inp.t_ns
        events.extend(used)
        return events

    def _restart_scoring(self) -> None:
        """Re-create the scoring state (every filter, window and counter) and keep the trial's clock,
        events, frame counts and the participant."""
        keep = {k: getattr(self, k) for k in ("participant", "level", "events", "t_first_ns", "t_last_ns", "frames",
                                               "frames_used", "frames_no_person", "frames_gated")}
        type(self).__init__(self, self.settings, trial=self.trial)  # type: ignore[misc]
        for k, v in keep.items():
            setattr(self, k, v)
        self.participant.switched = False

    @abc.abstractmethod
    def _frame(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> list[ScoreEvent] | None:
        """Score one frame of the followed person; ``None`` when the frame is gated (not used)."""

    def _on_pause(self) -> list[ScoreEvent]:
        """The person has been gone for ``pause_after_s``: drop (or end) anything in progress."""
        return []

    def _tracking_metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m: dict[str, float | int | str | None] = {
            "frames": self.frames,
            "frames_used": self.frames_used,
            "frames_no_person": self.frames_no_person,
            "frames_low_visibility": self.frames_gated,
            "paused_s": self.paused_ns / 1e9,
            "duration_s": self.duration_s,
            "camera_tilt_deg": round(self.level.tilt_deg, 2),
        }
        u = {"frames": "count", "frames_used": "count", "frames_no_person": "count", "frames_low_visibility": "count",
             "paused_s": "s", "duration_s": "s", "camera_tilt_deg": "deg"}
        d = {
            "frames": "camera frames seen in the trial",
            "frames_used": "frames with the followed person and every needed landmark visible",
            "frames_no_person": "frames where the participant was not found (nobody, or only other people, in view): scored on no one",
            "frames_low_visibility": "frames skipped because a needed landmark was below min_visibility",
            "paused_s": "time counting was paused because the person was gone for pause_after_s or more",
            "duration_s": "time from the first to the last frame of the trial",
            "camera_tilt_deg": "the camera's roll the landmarks were turned back by (estimated from the child standing, or set); 0 = level",
        }
        return m, u, d


@dataclass
class Rep:
    """One counted repetition with its quality."""

    cycle: Cycle
    quality: float
    flags: list[str] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)


def rep_contract(pictogram: Pictogram, sim: SimulatedChild, easier_range: float, harder_range: float,
                 flags: Mapping[str, str] | None = None) -> Contract:
    """The contract of a repetition exercise (:class:`RepExercise`): repetitions with quality, the dots
    game, the repetitions chart, stars from count and mean quality; presets move ``min_range``."""
    return Contract(
        headline=(Metric("reps", "Repetitions", "count", True), Metric("mean_quality", "Mean quality", "0..1", True),
                  Metric("cadence_per_min", "Cadence", "1/min", None)),
        history="reps",
        events=("rep", "incomplete", "paused", "resumed"),
        quality_events=("rep",),
        game="reps", pictogram=pictogram, chart="reps", stars=QualityCountStars(), sim=sim,
        sounds=(SoundCue(Sound.DONE, "rep"), SoundCue(Sound.GOOD, "rep", min_quality=0.8), SoundCue(Sound.TRY_AGAIN, "incomplete")),
        presets=Presets(easier={"min_range": easier_range}, harder={"min_range": harder_range}),
        flags=dict(flags or {}),
    )


class RepExercise(BodyExercise):
    """A body exercise counted as cycles of one scale-free signal (:class:`CycleCounter`).

    Subclasses define ``rest_high`` and ``signal_unit``, implement :meth:`_signal` (return the raw
    signal, or ``None`` when gated) and :meth:`_quality` (score a completed cycle from the features
    they gathered in :meth:`_signal` since the last rep; reset them there).
    """

    Settings: ClassVar[type[Settings]] = RepSettings
    settings: CounterSettings
    rest_high: ClassVar[bool] = True
    signal_unit: ClassVar[str] = ""
    signal_definition: ClassVar[str] = ""
    rep_kind: ClassVar[str] = "rep"

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        s: CounterSettings = self.settings
        self.rs = s
        self._lp = LowPass(s.cutoff_hz, reset_after_s=s.pause_after_s)
        self.counter: CycleCounter | AlternationCounter = self._make_counter()
        self.rep_list: list[Rep] = []
        self.rejected = 0
        self.not_exercise: dict[str, int] = {}
        self.last_signal = math.nan

    @abc.abstractmethod
    def _signal(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> float | None:
        """The raw (unfiltered) signal of this frame, or ``None`` when the frame is gated."""

    def _make_counter(self) -> CycleCounter | AlternationCounter:
        """The counter of this exercise's signal (a :class:`CycleCounter` from :class:`RepSettings`)."""
        s = self.settings
        if not isinstance(s, RepSettings):
            raise TypeError(f"{type(self).__name__}: the cycle counter needs RepSettings, got {type(s).__name__}; override _make_counter")
        return CycleCounter(rest_high=self.rest_high, enter_frac=s.enter_frac, exit_frac=s.exit_frac,
                            min_range=s.min_range, min_cycle_s=s.min_cycle_s, window_s=s.range_window_s)

    def _quality(self, cycle: Cycle) -> tuple[float, list[str], dict[str, float]]:
        """``(quality 0..1, flags, extra payload)`` of a completed cycle; reset per-rep features."""
        return 1.0, [], {}

    def _reject(self, cycle: Cycle) -> str | None:
        """Why a completed cycle did not complete the movement that defines the exercise (``None``: it
        counts). A rejected cycle is an ``incomplete`` event: the child tried and fell short."""
        return None

    def _not_this_exercise(self, cycle: Cycle) -> str | None:
        """Why a completed cycle of the signal is movement that is not this exercise at all (walking,
        a jump landing, standing up), ``None`` when it is the exercise. Such a cycle is neither a rep
        nor ``incomplete``: no event, counted in ``cycles_not_exercise`` only."""
        return None

    def _frame(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> list[ScoreEvent] | None:
        raw = self._signal(t_ns, pts, vis)
        if raw is None or not math.isfinite(raw):
            return None
        v = self._lp(t_ns, raw)
        self.last_signal = v
        cyc = self.counter.update(t_ns, v)
        if cyc is None:
            return []
        other = self._not_this_exercise(cyc)
        if other is not None:
            self.not_exercise[other] = self.not_exercise.get(other, 0) + 1
            self._reset_features()
            return []
        why = self._reject(cyc)
        if why is not None:
            self.rejected += 1
            self._reset_features()
            return [self.event(t_ns, "incomplete", rep=len(self.rep_list), reason=why, start_ns=cyc.start_ns)]
        q, flags, extra = self._quality(cyc)
        q = float(min(1.0, max(0.0, q)))
        self.rep_list.append(Rep(cyc, q, flags, extra))
        n = len(self.rep_list)
        prev = self.rep_list[-2].cycle.start_ns if n > 1 else None
        payload = {
            "start_ns": cyc.start_ns, "turn_ns": cyc.turn_ns, "duration_s": round(cyc.duration_s, 4),
            "cycle_s": None if prev is None else round((cyc.start_ns - prev) / 1e9, 4),
            "depth": round(cyc.depth, 4), "flags": ",".join(flags),
        }
        payload.update({k: round(float(x), 4) for k, x in extra.items()})
        return [self.event(t_ns, self.rep_kind, rep=n, value=q, unit="quality", **payload)]

    def _on_pause(self) -> list[ScoreEvent]:
        self.counter.reset()
        self.counter.range.clear()  # whoever comes back (or where) sets a fresh range
        self._lp.reset()
        self._reset_features()
        return []

    def _reset_features(self) -> None:
        """Forget per-rep features gathered so far (override when there are some)."""

    def reps(self) -> int:
        return len(self.rep_list)

    def live(self) -> dict[str, float]:
        last_q = self.rep_list[-1].quality if self.rep_list else math.nan
        return {
            "reps": float(len(self.rep_list)),
            "progress": float(self.counter.progress),
            "paused": float(self.paused),
            "last_quality": last_q,
            "signal": self.last_signal,
        }

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        reps = self.rep_list
        starts = np.array([r.cycle.start_ns for r in reps], dtype=np.float64)
        cyc = np.diff(starts) / 1e9 if len(reps) > 1 else np.array([])
        durs = np.array([r.cycle.duration_s for r in reps])
        flags: dict[str, int] = {}
        for r in reps:
            for f in r.flags:
                flags[f] = flags.get(f, 0) + 1
        m: dict[str, float | int | str | None] = {
            "reps": len(reps),
            "mean_cycle_s": float(cyc.mean()) if cyc.size else None,
            "sd_cycle_s": float(cyc.std(ddof=1)) if cyc.size > 1 else None,
            "mean_rep_s": float(durs.mean()) if durs.size else None,
            "cadence_per_min": float(60.0 / cyc.mean()) if cyc.size else None,
            "mean_quality": float(np.mean([r.quality for r in reps])) if reps else None,
            "flags": ";".join(f"{k}={v}" for k, v in sorted(flags.items())),
            "cycle_times_s": ",".join(f"{x:.3f}" for x in cyc),
            "qualities": ",".join(f"{r.quality:.2f}" for r in reps),
            "incomplete": self.rejected,
            "cycles_not_exercise": ";".join(f"{k}={v}" for k, v in sorted(self.not_exercise.items())),
        }
        u = {"reps": "count", "mean_cycle_s": "s", "sd_cycle_s": "s", "mean_rep_s": "s", "cadence_per_min": "1/min",
             "mean_quality": "0..1", "flags": "", "cycle_times_s": "s", "qualities": "0..1", "incomplete": "count",
             "cycles_not_exercise": ""}
        d = {
            "reps": f"completed rest->active->rest cycles of the signal ({self.signal_definition}) with hysteresis",
            "mean_cycle_s": "mean time between the starts of successive repetitions",
            "sd_cycle_s": "sample standard deviation of the cycle times",
            "mean_rep_s": "mean time from leaving rest to coming back to rest",
            "cadence_per_min": "repetitions per minute, 60 / mean_cycle_s",
            "mean_quality": "mean of the per-repetition quality scores",
            "flags": "quality flags and how many repetitions raised each",
            "cycle_times_s": "every cycle time, comma-separated",
            "qualities": "every repetition's quality, comma-separated",
            "incomplete": "cycles of the signal rejected as not a full repetition (see the exercise's definition)",
            "cycles_not_exercise": "cycles of the signal that were movement other than the exercise (reason=count), not reps",
        }
        tm, tu, td = self._tracking_metrics()
        m.update(tm)
        u.update(tu)
        d.update(td)
        return m, u, d


def sides(vis: NDArray[np.float64] | None, left: Sequence[int], right: Sequence[int], threshold: float) -> list[int]:
    """Which body sides (0 = person's left, 1 = right) have all their landmarks visible."""
    out = []
    if visible(vis, left, threshold):
        out.append(0)
    if visible(vis, right, threshold):
        out.append(1)
    return out


def upright(pts: NDArray[np.float64], side: int, max_tilt_deg: float = 40.0) -> bool:
    """Whether the trunk (hip -> shoulder of ``side``) points up within ``max_tilt_deg`` of vertical."""
    sh, hp = (L_SH, L_HIP) if side == 0 else (R_SH, R_HIP)
    dx, dy = pts[sh, 0] - pts[hp, 0], pts[hp, 1] - pts[sh, 1]  # dy > 0: shoulder above hip
    return bool(dy > 0 and math.degrees(math.atan2(abs(dx), dy)) <= max_tilt_deg)


class AlternationCounter:
    """Counts steps and cycles of a signal that swings between two sides (e.g. left limb ahead,
    right limb ahead), with the same interface as :class:`CycleCounter`.

    A *step* is an entry into the high zone (within ``zone_frac`` of the running maximum) or the low
    zone (within ``zone_frac`` of the running minimum) from the other zone (or, for the first step,
    from neither); the range must be at least ``min_range``. A *cycle* is two steps (one swing to
    each side) and is returned when its second step is taken, if the two steps took at least
    ``min_cycle_s``. Starting from a neutral position, ``n`` full swings give ``n`` cycles.
    """

    def __init__(self, *, zone_frac: float, min_range: float, min_cycle_s: float, window_s: float) -> None:
        if not 0 < zone_frac < 0.5:
            raise ValueError("need 0 < zone_frac < 0.5")
        self.zone_frac = zone_frac
        self.min_range = min_range
        self.min_cycle_ns = int(min_cycle_s * 1e9)
        self.range = SlidingRange(window_s)
        self.side = 0  # +1 high zone, -1 low zone, 0 none yet
        self.steps = 0
        self.progress = 0.0
        self._step_ns: list[int] = []
        self._extreme = 0.0
        self._extreme_ns = 0

    def reset(self) -> None:
        self.side = 0
        self._step_ns = []
        self.progress = 0.0

    def update(self, t_ns: int, v: float) -> Cycle | None:
        self.range.push(t_ns, v)
        lo, hi = self.range.lo, self.range.hi
        rng = hi - lo
        if rng < self.min_range:
            return None
        p = (v - lo) / rng
        self.progress = p
        zone = 1 if p >= 1 - self.zone_frac else -1 if p <= self.zone_frac else 0
        if zone == 0 or zone == self.side:
            if zone != 0 and ((zone > 0 and v > self._extreme) or (zone < 0 and v < self._extreme)):
                self._extreme, self._extreme_ns = v, t_ns
            return None
        self.side = zone
        self.steps += 1
        self._extreme, self._extreme_ns = v, t_ns
        self._step_ns.append(t_ns)
        if len(self._step_ns) < 2:
            return None
        start = self._step_ns[0]
        self._step_ns = []
        if t_ns - start < self.min_cycle_ns:
            return None
        return Cycle(start, t_ns, t_ns, v, 1.0, float(rng))
