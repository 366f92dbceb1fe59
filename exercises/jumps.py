"""Jumps counted from a flight phase: bunny hops (``jumps``), frog jumps and the standing long jump.

Conventions: geometry in pixels of the followed person (image ``y`` down, so a rise is a decrease
of ``y``); lengths divided by the leg length (running maximum over 10 s of the hip-ankle distance,
3-sample median) so thresholds do not depend on the image size or the child; time is the frame's
``t_ns`` on the session clock. Person selection, visibility gating and pausing are those of
:mod:`exercises.body`.

Definitions (version 3)
-----------------------
Version 3 adds "not a jump" (feet spread changing: a jumping-jack hop) and the jump down whose
flight was not seen (``exercises/DEFINITIONS.md``, Jumps).

Floor baseline (version 4)
    For each ankle (landmarks 27, 28), the floor line estimated while the child stands
    (:class:`FloorLine`: the median ankle height over the standing-still frames of the last
    ``baseline_s`` seconds; the lowest position when there is none), in coordinates turned back by
    the camera's tilt (``exercises.body.Level``), so the floor is level and rises are vertical.
Flight
    Both ankles above their baselines by more than ``up`` x leg length for at least ``min_frames``
    consecutive used frames; the flight ends at the first frame where either ankle is back within
    ``down`` x leg length (hysteresis). Take-off time is the first frame of the run above ``up``;
    landing time the frame that ends the flight. One flight = one jump: a ``jump`` event stamped
    with the landing time, emitted once the landing has settled (0.2 s later, at the next take-off
    or at the end of the trial), ``value`` = quality 0..1, payload: flight time, peak rise,
    distance, flags. Flights shorter
    than ``min_flight_s`` or longer than ``max_flight_s`` are not jumps (``incomplete`` event).
Distance
    Horizontal displacement from the last frame on the floor before take-off to the settled
    landing (0.2 s after landing): for the long jump, from the leading toe (foot index 31/32) to the
    trailing heel (29/30), the standard measure; for frog jumps and hops, of the mid-ankle point. Reported in leg lengths, and in millimetres when the
    floor is calibrated (``floor_mm_per_px``: millimetres per pixel along the floor line) or the
    child's leg length is known (``leg_length_mm``, trochanter to floor).
Quality flags
    ``not_two_footed``: at peak, one ankle rose less than half as much as the other. Frog jumps:
    ``no_hand_touch`` when no wrist came within 0.25 leg lengths of the floor in the second before
    take-off, ``shallow_crouch`` when the smallest knee angle in that second was above 110 degrees.
    Quality = 1 - 0.35 per flag (at least 0).
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from exercises.base import Settings, SettingsModel
from exercises.body import (
    L_ANK,
    L_FOOT,
    L_HEEL,
    L_HIP,
    L_KNEE,
    L_WR,
    R_ANK,
    R_FOOT,
    R_HEEL,
    R_HIP,
    R_KNEE,
    R_WR,
    BodyExercise,
    BodySettings,
    RobustMax,
    angle_deg,
    dist,
)
from exercises.contract import Contract, Metric, Pictogram, QualityCountStars, SimulatedChild, Sound, SoundCue
from exercises.registry import register
from exercises.simulated import Jump
from station.core import ScoreEvent

log = logging.getLogger(__name__)

L_ANKLE, R_ANKLE = L_ANK, R_ANK  # names kept from version 1


class FloorLine:
    """Where one foot's floor is, in the image (pixels, ``y`` down), estimated while the child stands.

    Each frame's ankle height goes into a window of ``window_s``. The floor is the **median** ankle
    height over the window's *standing* frames (knees straight, the ankle within ``still`` leg lengths
    of its height in the frame before: standing still, not in a hop's flight or a squat), among those
    within ``near`` leg lengths of the lowest ankle position in the window (so the slow top of a high
    jump is never taken as floor). A median is not pulled by a single frame's landmark error, as the
    lowest position is (one noisy low frame raised every rise after it). Without a standing frame in
    the window (a series of hops from the start), or when the lowest ankle position is more than
    ``near`` below the median (the child came nearer the camera, or is on a lower floor), the floor is
    the lowest position (3-sample median), as in version 3.
    """

    def __init__(self, window_s: float, near: float = 0.06, still: float = 0.02) -> None:
        self.window_ns = int(window_s * 1e9)
        self.near = near
        self.still = still
        self._low = RobustMax(window_s)
        self._stand: deque[tuple[int, float]] = deque()
        self._prev: float | None = None

    def clear(self) -> None:
        self._low.clear()
        self._stand.clear()
        self._prev = None

    def push(self, t_ns: int, y: float, leg: float, standing: bool) -> float:
        low = self._low.push(t_ns, y)
        if standing and self._prev is not None and abs(y - self._prev) <= self.still * leg:
            self._stand.append((t_ns, y))
        self._prev = y
        while self._stand and self._stand[0][0] < t_ns - self.window_ns:
            self._stand.popleft()
        near = [v for _, v in self._stand if v >= low - self.near * leg]
        if not near:
            return low
        return float(np.median(near))


class JumpSettings(BodySettings):
    up: float = Field(0.12, gt=0.0, le=2.0, description="rise (leg lengths) of both ankles that starts a flight")
    down: float = Field(0.06, ge=0.0, le=2.0, description="rise (leg lengths) below which either ankle ends it")
    min_frames: int = Field(2, ge=1, le=100, description="consecutive frames above 'up' for a flight")
    baseline_s: float = Field(3.0, gt=0.0, le=600.0, description="window of the floor baseline, s")
    min_flight_s: float = Field(0.05, ge=0.0, le=5.0, description="shortest flight that is a jump, s")
    max_spread_change: float = Field(0.3, gt=0.0, le=10.0, description="change of the feet's spread (leg lengths) from take-off to landing above which a flight is a jumping-jack hop, not a jump")
    drop: float = Field(0.3, gt=0.0, le=10.0, description="how much lower (leg lengths) the feet must be after a flight not seen (the child out of view) to count it as a jump down")
    max_flight_s: float = Field(1.5, gt=0.0, le=10.0, description="longest flight that is a jump, s")
    floor_mm_per_px: float | None = Field(None, gt=0.0, le=1000.0, description="floor calibration, mm per pixel")
    leg_length_mm: float | None = Field(None, gt=0.0, le=2000.0, description="child's leg length, mm (distance scale)")


@dataclass
class JumpRecord:
    takeoff_ns: int
    landing_ns: int
    peak_rise: float
    distance_legs: float
    distance_mm: float | None
    quality: float
    flags: list[str] = field(default_factory=list)

    @property
    def flight_s(self) -> float:
        return (self.landing_ns - self.takeoff_ns) / 1e9


def jump_contract(headline: tuple[Metric, ...], pictogram: Pictogram, sim: SimulatedChild) -> Contract:
    """The contract of a flight-phase jump: jumps with quality, the dots game and chart, stars from count
    and mean quality; the first headline metric is the history metric."""
    return Contract(
        headline=headline,
        history=headline[0].name,
        events=("jump", "incomplete", "paused", "resumed"),
        quality_events=("jump",),
        game="reps", pictogram=pictogram, chart="reps", stars=QualityCountStars(), sim=sim,
        sounds=(SoundCue(Sound.DONE, "jump"), SoundCue(Sound.GOOD, "jump", min_quality=0.8), SoundCue(Sound.TRY_AGAIN, "incomplete")),
        flags={"not_two_footed": "not both feet together", "flight_not_seen": "jump not seen in the air",
               "no_hand_touch": "hands did not touch the floor", "shallow_crouch": "crouch not deep enough"},
    )


@register
class Jumps(BodyExercise):
    """Two-footed jumps in place (bunny hops); base of the other flight-phase jumps."""

    name = "jumps"
    title = "Bunny hops"
    contract = jump_contract((Metric("jumps", "Jumps", "count", True), Metric("mean_flight_s", "Mean flight time", "s", True),
                               Metric("mean_quality", "Mean quality", "0..1", True)), "jump", Jump())
    definitions_version = "4"
    Settings: ClassVar[type[Settings]] = JumpSettings
    settings: JumpSettings
    distance_kind: ClassVar[str] = "mid_ankle"

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: JumpSettings = self.settings
        self._leg = RobustMax(10.0)
        self._floor_l = FloorLine(self.s.baseline_s)
        self._floor_r = FloorLine(self.s.baseline_s)
        self._in_flight = False
        self._above = 0
        self._takeoff_ns = 0
        self._takeoff_pts: NDArray[np.float64] | None = None
        self._last_ground_pts: NDArray[np.float64] | None = None
        self._peak = 0.0
        self._peak_asym = 1.0
        self._height = 0.0
        self._pre: deque[tuple[int, float, float]] = deque()  # (t, min wrist clearance, knee angle) before take-off
        self.jumps: list[JumpRecord] = []
        self.rejected = 0
        self.settle_ns = 200_000_000
        self._pending: tuple[int, NDArray[np.float64], float] | None = None  # landing time, latest pts, leg
        self._last_used: tuple[int, float] | None = None  # time, lower ankle y / leg of the last used frame
        self._last_floor: tuple[int, float] | None = None  # the same, of the last frame on the floor
        self._off_ns: int | None = None  # first used frame off the floor since then
        self.not_jumps: dict[str, int] = {}
        self._unseen_flight = False
        self._spread: deque[tuple[int, float]] = deque()  # (t, ankle spread / leg), last 3 s

    # -- per frame -----------------------------------------------------------------------------
    def _frame(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> list[ScoreEvent] | None:
        need = (L_HIP, R_HIP, L_ANK, R_ANK)
        if vis is not None and min(float(vis[i]) for i in need) < self._min_vis:
            return None
        leg = self._leg.push(t_ns, max(dist(pts[L_HIP], pts[L_ANK]), dist(pts[R_HIP], pts[R_ANK])))
        if leg <= 0:
            return None
        la, ra = float(pts[L_ANK, 1]), float(pts[R_ANK, 1])
        events: list[ScoreEvent] = []
        low = max(la, ra) / leg  # the lower ankle, leg lengths
        prev, floor = self._last_used, self._last_floor
        if (prev is not None and floor is not None and self._pending is None
                and t_ns - prev[0] >= 150_000_000 and self.s.min_flight_s <= (t_ns - floor[0]) / 1e9 <= self.s.max_flight_s
                and min(la, ra) / leg - floor[1] >= self.s.drop):
            # out of view after leaving the floor, back on a floor clearly lower: a jump down (e.g. off
            # a box) whose flight was not seen; take-off = the first frame off the upper floor (the last
            # frame seen when none was), landing = the first frame seen again
            self._takeoff_ns = self._off_ns if self._off_ns is not None else prev[0]
            self._takeoff_pts = self._last_ground_pts
            self._peak, self._peak_asym = 0.0, 1.0
            self._in_flight, self._above = False, 0
            self._unseen_flight = True
            self._pending = (t_ns, pts, leg)
            self._floor_l.clear()
            self._floor_r.clear()
            self._last_floor = None
        straight = min(angle_deg(pts[L_HIP], pts[L_KNEE], pts[L_ANK]), angle_deg(pts[R_HIP], pts[R_KNEE], pts[R_ANK])) >= 155.0
        base_l, base_r = self._floor_l.push(t_ns, la, leg, straight), self._floor_r.push(t_ns, ra, leg, straight)
        self._spread.append((t_ns, abs(float(pts[L_ANK, 0] - pts[R_ANK, 0])) / leg))
        while self._spread and self._spread[0][0] < t_ns - 3_000_000_000:
            self._spread.popleft()
        rise_l, rise_r = (base_l - la) / leg, (base_r - ra) / leg
        self._height = min(rise_l, rise_r)
        self._observe(t_ns, pts, vis, leg, max(base_l, base_r))
        if not self._in_flight:
            if rise_l > self.s.up and rise_r > self.s.up:
                self._above += 1
                if self._above == 1:
                    self._takeoff_ns = t_ns
                    self._takeoff_pts = self._last_ground_pts
                    self._peak = 0.0
                    self._peak_asym = 1.0
                if self._above >= self.s.min_frames:
                    self._in_flight = True
            else:
                self._above = 0
                if max(rise_l, rise_r) < self.s.down:
                    self._last_ground_pts = pts
        if self._in_flight or self._above:
            hi, lo = max(rise_l, rise_r), min(rise_l, rise_r)
            if hi > self._peak:
                self._peak = hi
                self._peak_asym = lo / hi if hi > 0 else 1.0
        if self._pending is not None and (t_ns - self._pending[0] >= self.settle_ns or self._above):
            events.extend(self._landed(self._pending[0], self._pending[1], self._pending[2]))
            self._pending = None
        if self._in_flight and (rise_l < self.s.down or rise_r < self.s.down):
            self._in_flight = False
            self._above = 0
            self._pending = (t_ns, pts, leg)
        elif self._pending is not None:
            self._pending = (self._pending[0], pts, leg)  # keep the settled landing posture
        on_floor = not self._in_flight and not self._above and max(rise_l, rise_r) < self.s.down
        self._last_used = (t_ns, low)
        if on_floor:
            self._last_floor, self._off_ns = (t_ns, low), None
        elif self._off_ns is None:
            self._off_ns = t_ns
        return events

    def _observe(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None, leg: float, floor_y: float) -> None:
        """Keep one second of pre-take-off posture (wrist clearance to the floor, knee angle)."""
        if self._in_flight:
            return
        clear = min(floor_y - pts[L_WR, 1], floor_y - pts[R_WR, 1]) / leg
        knee = 0.5 * (angle_deg(pts[L_HIP], pts[L_KNEE], pts[L_ANK]) + angle_deg(pts[R_HIP], pts[R_KNEE], pts[R_ANK]))
        self._pre.append((t_ns, clear, knee))
        while self._pre and self._pre[0][0] < t_ns - 1_000_000_000:
            self._pre.popleft()

    def _distance_px(self, start: NDArray[np.float64], end: NDArray[np.float64]) -> float:
        a = 0.5 * (start[L_ANK, 0] + start[R_ANK, 0])
        b = 0.5 * (end[L_ANK, 0] + end[R_ANK, 0])
        return float(abs(b - a))

    def _flags(self) -> list[str]:
        return ["not_two_footed"] if self._peak_asym < 0.5 else []

    def _landed(self, t_ns: int, pts: NDArray[np.float64], leg: float) -> list[ScoreEvent]:
        flight_s = (t_ns - self._takeoff_ns) / 1e9
        if not self.s.min_flight_s <= flight_s <= self.s.max_flight_s:
            self.rejected += 1
            return [self.event(t_ns, "incomplete", rep=len(self.jumps), reason="flight_time", flight_s=flight_s)]
        start = self._takeoff_pts if self._takeoff_pts is not None else pts
        unseen, self._unseen_flight = self._unseen_flight, False
        spreads = [v for t, v in self._spread if self._takeoff_ns - 300_000_000 <= t <= t_ns]
        if spreads and max(spreads) - min(spreads) > self.s.max_spread_change:
            # the feet jumped apart or together: a jumping-jack hop, not this exercise (no event)
            self.not_jumps["feet_spread_changed"] = self.not_jumps.get("feet_spread_changed", 0) + 1
            return []
        d_px = self._distance_px(start, pts)
        d_legs = d_px / leg
        d_mm: float | None = None
        if self.s.floor_mm_per_px is not None:
            d_mm = d_px * self.s.floor_mm_per_px
        elif self.s.leg_length_mm is not None:
            d_mm = d_legs * self.s.leg_length_mm
        flags = self._flags()
        q = max(0.0, 1.0 - 0.35 * len(flags))
        if unseen:
            flags.append("flight_not_seen")  # timing from the frames around the gap; quality not judged
        rec = JumpRecord(self._takeoff_ns, t_ns, self._peak, d_legs, d_mm, q, flags)
        self.jumps.append(rec)
        return [self.event(
            t_ns, "jump", rep=len(self.jumps), value=q, unit="quality", takeoff_ns=self._takeoff_ns,
            flight_s=round(flight_s, 4), peak_rise_legs=round(self._peak, 4), distance_legs=round(d_legs, 4),
            distance_mm=None if d_mm is None else round(d_mm, 1), flags=",".join(flags),
        )]

    def _on_pause(self) -> list[ScoreEvent]:
        self._in_flight = False
        self._above = 0
        return self._flush()

    def _flush(self) -> list[ScoreEvent]:
        if self._pending is None:
            return []
        out = self._landed(*self._pending)
        self._pending = None
        return out

    def _finish(self) -> list[ScoreEvent]:
        return self._flush()

    # -- results ---------------------------------------------------------------------------------
    def live(self) -> dict[str, float]:
        return {"reps": float(len(self.jumps)), "height": self._height, "in_flight": float(self._in_flight),
                "paused": float(self.paused)}

    def reps(self) -> int:
        return len(self.jumps)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        j = self.jumps
        flights = [r.flight_s for r in j]
        starts = np.array([r.takeoff_ns for r in j], dtype=np.float64)
        cycles = np.diff(starts) / 1e9 if len(j) > 1 else np.array([])
        dists = [r.distance_legs for r in j]
        dmm = [r.distance_mm for r in j if r.distance_mm is not None]
        m: dict[str, float | int | str | None] = {
            "jumps": len(j),
            "mean_flight_s": float(np.mean(flights)) if flights else None,
            "mean_cycle_s": float(cycles.mean()) if cycles.size else None,
            "cycle_times_s": ",".join(f"{x:.3f}" for x in cycles),
            "mean_peak_rise_legs": float(np.mean([r.peak_rise for r in j])) if j else None,
            "best_distance_legs": float(max(dists)) if dists else None,
            "best_distance_mm": float(max(dmm)) if dmm else None,
            "mean_quality": float(np.mean([r.quality for r in j])) if j else None,
            "qualities": ",".join(f"{r.quality:.2f}" for r in j),
            "incomplete": self.rejected,
            "not_jumps": ";".join(f"{k}={v}" for k, v in sorted(self.not_jumps.items())),
        }
        u = {"not_jumps": "", "jumps": "count", "mean_flight_s": "s", "mean_cycle_s": "s", "cycle_times_s": "s", "mean_peak_rise_legs": "leg lengths",
             "best_distance_legs": "leg lengths", "best_distance_mm": "mm", "mean_quality": "0..1", "qualities": "0..1",
             "incomplete": "count"}
        d = {
            "jumps": "flight phases: both ankles above their floor baseline by more than 'up' x leg length for >= min_frames",
            "mean_flight_s": "mean time from take-off frame to landing frame",
            "mean_cycle_s": "mean time between successive take-offs",
            "cycle_times_s": "every time between successive take-offs, comma-separated",
            "mean_peak_rise_legs": "mean of the highest ankle rise above the floor baseline in each flight, leg lengths",
            "best_distance_legs": f"longest horizontal jump distance ({self.distance_kind}), leg lengths",
            "best_distance_mm": "longest jump distance in mm (needs floor_mm_per_px or leg_length_mm)",
            "mean_quality": "mean of per-jump quality, 1 - 0.35 per flag",
            "qualities": "every jump's quality, comma-separated",
            "incomplete": "flights rejected for a flight time outside min_flight_s..max_flight_s",
            "not_jumps": "flights that were another movement (feet jumping apart/together: jumping jacks), reason=count",
        }
        tm, tu, td = self._tracking_metrics()
        m.update(tm)
        u.update(tu)
        d.update(td)
        return m, u, d


@register
class BunnyHops(Jumps):
    """Bunny hops: the same exercise as ``jumps`` under its descriptive name."""

    name = "bunny_hops"
    title = "Bunny hops"


@register
class FrogJumps(Jumps):
    """Frog jumps: deep crouch with hands on the floor, then a two-footed jump forward."""

    name = "frog_jumps"
    title = "Frog jumps"
    contract = jump_contract((Metric("best_distance_legs", "Longest jump", "leg lengths", True), Metric("jumps", "Jumps", "count", True),
                               Metric("mean_quality", "Mean quality", "0..1", True)), "crouch", Jump(frog=True, forward=0.05))

    def _flags(self) -> list[str]:
        flags = super()._flags()
        before = [p for p in self._pre if p[0] <= self._takeoff_ns]
        if before:
            if min(p[1] for p in before) > 0.25:
                flags.append("no_hand_touch")
            if min(p[2] for p in before) > 110.0:
                flags.append("shallow_crouch")
        return flags


@register
class LongJump(Jumps):
    """Standing long jump: distance from the leading toe at take-off to the trailing heel at landing."""

    name = "long_jump"
    title = "Standing long jump"
    contract = jump_contract((Metric("best_distance_legs", "Longest jump", "leg lengths", True), Metric("jumps", "Jumps", "count", True),
                               Metric("mean_quality", "Mean quality", "0..1", True)), "jump", Jump(forward=0.15))
    distance_kind = "leading toe at take-off to trailing heel at landing"

    def _distance_px(self, start: NDArray[np.float64], end: NDArray[np.float64]) -> float:
        direction = math.copysign(1.0, (end[L_ANK, 0] + end[R_ANK, 0]) - (start[L_ANK, 0] + start[R_ANK, 0]))
        toe = max(direction * start[L_FOOT, 0], direction * start[R_FOOT, 0])
        heel = min(direction * end[L_HEEL, 0], direction * end[R_HEEL, 0])
        return float(max(0.0, heel - toe))
