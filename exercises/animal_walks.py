"""Animal walks (bear walk, crab walk): walk cycles, limb pattern and posture flags.

No standard defines how to score animal walks; these are the project's own definitions, versioned
with ``definitions_version`` and published in ``exercises/DEFINITIONS.md``.

Conventions: the camera sees the child from the side, walking across the frame (either direction).
Geometry is in pixels (image ``y`` down); lengths are divided by the trunk length (running maximum
over 10 s of the shoulder-to-hip distance), so nothing depends on image size or the child's size.
Time is the frame's ``t_ns`` on the session clock. Person selection, visibility gating, pausing,
filtering and the hysteresis counter are those of :mod:`exercises.body`.

Definitions (version 2: frames count only with the hands on the floor, ``_on_all_fours``)
-----------------------
Hand signal, foot signal
    ``(x_left_wrist - x_right_wrist) / trunk`` and ``(x_left_ankle - x_right_ankle) / trunk``,
    low-pass filtered (``cutoff_hz``). While walking, each oscillates once per walk cycle (the left
    limb ahead, then the right limb ahead, then the left again).
Step and walk cycle
    A step is a peak of the hand signal on one side after a peak on the other side: the signal
    enters the top (or bottom) ``zone_frac`` of its running range (``range_window_s``) after having
    been in the bottom (or top) one, the range being at least ``min_range`` trunk lengths (the
    first step is the first zone entered). A walk cycle is two successive steps (left limb ahead,
    then right limb ahead), lasting at least ``min_cycle_s``; starting from hands side by side,
    ``n`` full left-right swings are ``n`` cycles. ``reps`` = walk cycles of the
    hands (frames with a wrist below ``min_visibility`` are skipped); the same count on the foot
    signal is reported as ``foot_cycles``.
Limb pattern (reported, never called wrong)
    Per cycle, the Pearson correlation ``r`` of the filtered hand and foot signals over the cycle:
    ``same-side`` when ``r >= 0.5`` (each hand moves with the foot of its own side),
    ``cross-body`` when ``r <= -0.5`` (each hand with the opposite foot), else ``mixed``.
Posture flags (per cycle, from the median over the cycle)
    Bear walk: ``knees_on_floor`` when the knees are less than 0.3 shank lengths above the ankles
    (crawling); ``hips_low`` when the hips are more than 0.2 trunk lengths below the shoulders.
    Crab walk: ``hips_down`` when the hips are less than 0.4 trunk lengths above the floor (the
    lowest wrist/ankle level), i.e. not lifted. Quality = 1 - 0.4 per flag.
Distance
    Horizontal travel of the mid-hip over each cycle, trunk lengths.
"""

from __future__ import annotations

import logging
import math
from typing import Annotated, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from exercises.base import Settings, SettingsModel
from exercises.body import (
    L_ANK,
    L_HIP,
    L_KNEE,
    L_SH,
    L_WR,
    R_ANK,
    R_HIP,
    R_KNEE,
    R_SH,
    R_WR,
    AlternationCounter,
    CounterSettings,
    Cycle,
    LowPass,
    RepExercise,
    RobustMax,
    dist,
    rep_contract,
)
from exercises.contract import Knob
from exercises.registry import register
from exercises.simulated import Walk
from station.core import ScoreEvent

log = logging.getLogger(__name__)

WALK_FLAGS = {"knees_on_floor": "knees on the floor", "hips_low": "hips too low"}
"""Plain-language words of the walks' quality flags (see :attr:`exercises.contract.Contract.flags`)."""


class WalkSettings(CounterSettings):
    min_visibility: float = Field(0.3, ge=0.0, le=1.0, description="landmark visibility needed (far-side limbs are dim)")
    cutoff_hz: float = Field(3.0, gt=0.2, le=30.0, description="low-pass cut-off of the limb signals, Hz")
    zone_frac: float = Field(0.3, gt=0.0, lt=0.5, description="a step enters the top or bottom zone_frac of the range")
    min_range: Annotated[float, Knob("Stride", "trunk lengths", step=0.05, harder=1, help="how far each limb must swing to count a step")] = Field(0.15, gt=0.0, le=10.0, description="smallest limb-signal range that counts, trunk lengths")
    min_cycle_s: float = Field(0.4, ge=0.0, le=30.0, description="shortest walk cycle that counts, s")


def _pattern(r: float) -> str:
    if not math.isfinite(r):
        return "unknown"
    return "same-side" if r >= 0.5 else "cross-body" if r <= -0.5 else "mixed"


class _AnimalWalk(RepExercise):
    """Shared counting of bear and crab walks (see the module docstring)."""

    starts_upright = False
    definitions_version = "2"
    Settings: ClassVar[type[Settings]] = WalkSettings
    settings: WalkSettings
    counter: AlternationCounter
    rest_high = True
    signal_unit = "trunk lengths"
    signal_definition = "left minus right wrist x / trunk length (feet when the wrists are hidden)"

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        s = self.settings
        self._trunk = RobustMax(10.0)
        self._shank = RobustMax(10.0)
        self._floor = RobustMax(3.0)
        self._lp_feet = LowPass(s.cutoff_hz, reset_after_s=s.pause_after_s)
        self.feet = AlternationCounter(zone_frac=s.zone_frac, min_range=s.min_range, min_cycle_s=s.min_cycle_s,
                                       window_s=s.range_window_s)
        self.foot_cycles = 0
        self._hand_v = math.nan
        self._reset_features()

    def _make_counter(self) -> AlternationCounter:
        s: WalkSettings = self.settings
        return AlternationCounter(zone_frac=s.zone_frac, min_range=s.min_range, min_cycle_s=s.min_cycle_s,
                                  window_s=s.range_window_s)

    def _reset_features(self) -> None:
        self._pairs: list[tuple[float, float]] = []
        self._posture: list[tuple[float, float, float]] = []
        self._hip_x: list[float] = []

    def _on_pause(self) -> list[ScoreEvent]:
        self.feet.reset()
        self.feet.range.clear()
        self._lp_feet.reset()
        return super()._on_pause()

    def _signal(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> float | None:
        thr = self._min_vis

        def ok(*idx: int) -> bool:
            return vis is None or min(float(vis[i]) for i in idx) >= thr

        if not ok(L_SH, L_HIP) and not ok(R_SH, R_HIP):
            return None
        trunk = self._trunk.push(t_ns, max(dist(pts[L_SH], pts[L_HIP]), dist(pts[R_SH], pts[R_HIP])))
        if trunk <= 0:
            return None
        hands = ok(L_WR, R_WR)
        feet = ok(L_ANK, R_ANK)
        if not hands and not feet:
            return None
        if not self._on_all_fours(pts, trunk, hands, feet):
            return None  # hands not on the floor: standing, walking, dancing is not an animal walk
        dh = (pts[L_WR, 0] - pts[R_WR, 0]) / trunk if hands else math.nan
        df = math.nan
        if feet:
            df = self._lp_feet(t_ns, (pts[L_ANK, 0] - pts[R_ANK, 0]) / trunk)
            if self.feet.update(t_ns, df) is not None:
                self.foot_cycles += 1
        self._hand_v = dh
        # posture for the flags
        floor = self._floor.push(t_ns, max(pts[L_WR, 1], pts[R_WR, 1], pts[L_ANK, 1], pts[R_ANK, 1]))
        shank = self._shank.push(t_ns, max(dist(pts[L_KNEE], pts[L_ANK]), dist(pts[R_KNEE], pts[R_ANK])))
        hip_y = 0.5 * (pts[L_HIP, 1] + pts[R_HIP, 1])
        sh_y = 0.5 * (pts[L_SH, 1] + pts[R_SH, 1])
        knee_clear = (0.5 * (pts[L_ANK, 1] + pts[R_ANK, 1]) - 0.5 * (pts[L_KNEE, 1] + pts[R_KNEE, 1])) / max(shank, 1e-9)
        self._posture.append((knee_clear, (hip_y - sh_y) / trunk, (floor - hip_y) / trunk))
        self._hip_x.append(0.5 * (pts[L_HIP, 0] + pts[R_HIP, 0]) / trunk)
        if not hands:
            return None  # the walk cycle is counted on the hands; the feet were counted above
        self._pairs.append((dh, df))
        return dh

    @staticmethod
    def _on_all_fours(pts: NDArray[np.float64], trunk: float, hands: bool, feet: bool) -> bool:
        """Hands on the floor: the wrists within 0.6 trunk lengths of the ankles' height (or, with
        the feet hidden, at least 0.7 trunk lengths below the hips)."""
        if not hands:
            return feet and abs(0.5 * (pts[L_HIP, 1] + pts[R_HIP, 1]) - 0.5 * (pts[L_ANK, 1] + pts[R_ANK, 1])) / trunk < 1.2
        wr_y = 0.5 * (pts[L_WR, 1] + pts[R_WR, 1])
        if feet:
            return abs(0.5 * (pts[L_ANK, 1] + pts[R_ANK, 1]) - wr_y) / trunk < 0.6
        return (wr_y - 0.5 * (pts[L_HIP, 1] + pts[R_HIP, 1])) / trunk >= 0.7

    def _flags(self, knee_clear: float, hip_below_sh: float, hip_above_floor: float) -> list[str]:
        return []

    def _quality(self, cycle: Cycle) -> tuple[float, list[str], dict[str, float]]:
        extra: dict[str, float] = {}
        flags: list[str] = []
        pattern = "unknown"
        if len(self._pairs) >= 4:
            arr = np.asarray(self._pairs, dtype=np.float64)
            good = np.isfinite(arr).all(axis=1)
            if good.sum() >= 4 and np.std(arr[good, 0]) > 0 and np.std(arr[good, 1]) > 0:
                r = float(np.corrcoef(arr[good, 0], arr[good, 1])[0, 1])
                extra["hand_foot_r"] = r
                pattern = _pattern(r)
        if self._posture:
            med = np.median(np.asarray(self._posture), axis=0)
            flags = self._flags(float(med[0]), float(med[1]), float(med[2]))
            extra.update(knee_clearance_shanks=float(med[0]), hip_below_shoulder_trunks=float(med[1]),
                         hip_above_floor_trunks=float(med[2]))
        if len(self._hip_x) >= 2:
            extra["distance_trunks"] = abs(self._hip_x[-1] - self._hip_x[0])
        self._reset_features()
        return max(0.0, 1.0 - 0.4 * len(flags)), [*flags, f"pattern:{pattern}"], extra

    def live(self) -> dict[str, float]:
        out = super().live()
        out["foot_cycles"] = float(self.foot_cycles)
        out["steps"] = float(self.counter.steps)
        return out

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m, u, d = super()._metrics()
        patterns = [f.split(":", 1)[1] for r in self.rep_list for f in r.flags if f.startswith("pattern:")]
        counts = {p: patterns.count(p) for p in ("same-side", "cross-body", "mixed", "unknown")}
        main = max(counts, key=lambda k: counts[k]) if patterns else None
        dist_tr = [r.extra["distance_trunks"] for r in self.rep_list if "distance_trunks" in r.extra]
        m.update({
            "foot_cycles": self.foot_cycles,
            "limb_pattern": main,
            "pattern_counts": ";".join(f"{k}={v}" for k, v in counts.items() if v),
            "distance_trunks": float(np.sum(dist_tr)) if dist_tr else None,
        })
        u.update({"foot_cycles": "count", "limb_pattern": "", "pattern_counts": "", "distance_trunks": "trunk lengths"})
        d.update({
            "foot_cycles": "full oscillations of (left - right ankle x) / trunk length",
            "limb_pattern": "most frequent per-cycle limb pattern: same-side (r >= 0.5), cross-body (r <= -0.5), mixed",
            "pattern_counts": "cycles of each limb pattern",
            "distance_trunks": "horizontal travel of the mid-hip summed over the cycles, trunk lengths",
        })
        return m, u, d


@register
class BearWalk(_AnimalWalk):
    """Bear walk: hands and feet on the floor, knees off the floor, hips high."""

    name = "bear_walk"
    title = "Bear walk"
    contract = rep_contract("crouch", Walk("bear"), 0.1, 0.2, flags=WALK_FLAGS)

    def _flags(self, knee_clear: float, hip_below_sh: float, hip_above_floor: float) -> list[str]:
        flags = []
        if knee_clear < 0.3:
            flags.append("knees_on_floor")
        if hip_below_sh > 0.2:
            flags.append("hips_low")
        return flags


@register
class CrabWalk(_AnimalWalk):
    """Crab walk: belly up, hands behind, hips lifted off the floor."""

    name = "crab_walk"
    title = "Crab walk"
    contract = rep_contract("crouch", Walk("crab"), 0.1, 0.2, flags=WALK_FLAGS)

    def _flags(self, knee_clear: float, hip_below_sh: float, hip_above_floor: float) -> list[str]:
        return ["hips_down"] if hip_above_floor < 0.4 else []
