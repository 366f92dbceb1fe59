"""Jumping jacks, squats, push-ups (knee or full) and sit-ups, counted from pose landmarks.

Each is a :class:`~exercises.body.RepExercise`: one scale-free signal per frame, low-pass filtered,
counted as rest -> active -> rest cycles with adaptive hysteresis (see :mod:`exercises.body` for
person selection, visibility gating, pausing and the counter). Geometry is in pixels (image ``y``
down), so portrait and landscape videos give the same angles and ratios.

Definitions (version 2)
-----------------------
The normative text is ``exercises/DEFINITIONS.md`` ("Calisthenics (version 2): count and flag"):
per exercise, the movement that makes a rep (:meth:`_not_this_exercise`: other movement is neither a
rep nor ``incomplete``), the only reason a cycle is ``incomplete`` (:meth:`_reject`), and the form
flags that lower a rep's quality without withholding it. Signals as in version 1:

Push-ups (``pushups``)
    ``(y_wrist - y_shoulder) / arm length`` (running maximum, 10 s, of shoulder-elbow + elbow-wrist);
    rest = arms extended. Upright-trunk frames skipped. Quality = mean of ``clip((170 - min elbow) /
    80)`` and ``clip(1 - (180 - body line) / 40)``; variant ``knee`` when the knee angle < 130 deg.
Squats (``squats``)
    ``(y_ankle - y_hip) / leg length``, the leg length at least this frame's hip-ankle distance
    (version 3: the signal is at most 1); rest = standing. Quality = ``clip((170 - min knee) / 80)``,
    x 0.8 with ``knees_in``.
Jumping jacks (``jumping_jacks``)
    mean arm elevation / 180 deg + ankle spread / leg length; rest = closed. Quality = mean of
    ``clip(max elevation / 150)`` and ``clip(max spread / 0.4)``, x 0.85 with ``arms_asymmetric``,
    x 0.8 with ``knees_bent``.
Sit-ups (``situps``)
    trunk elevation above the horizontal, degrees; rest = lying. Quality = ``clip(max elevation /
    70)``, x 0.8 with ``legs_straight``.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Annotated, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from exercises.base import Settings, SettingsModel
from exercises.body import (
    L_ANK,
    L_EL,
    L_HIP,
    L_KNEE,
    L_SH,
    L_WR,
    R_ANK,
    R_EL,
    R_HIP,
    R_KNEE,
    R_SH,
    R_WR,
    Cycle,
    FrameLog,
    RepExercise,
    RepSettings,
    RobustMax,
    angle_deg,
    dist,
    rep_contract,
    sides,
    upright,
)
from exercises.contract import Knob
from exercises.registry import register
from exercises.simulated import Repeat

log = logging.getLogger(__name__)

_ARM = ((L_SH, L_EL, L_WR), (R_SH, R_EL, R_WR))
_LEG = ((L_HIP, L_KNEE, L_ANK), (R_HIP, R_KNEE, R_ANK))


def _lying_frac(pts: NDArray[np.float64], vis: NDArray[np.float64] | None, min_vis: float,
                left: tuple[int, int, int], right: tuple[int, int, int], max_deg: float) -> float:
    """1.0 when, on a side whose landmarks are visible, the line from ``a`` to ``b`` (or to ``c`` when
    ``b`` is hidden) is within ``max_deg`` of horizontal; 0.0 when it is not; NaN when no side is seen."""
    seen = []
    for a, b, c in (left, right):
        for end in (b, c):
            if vis is None or min(float(vis[a]), float(vis[end])) >= min_vis:
                dy, dx = abs(pts[end, 1] - pts[a, 1]), abs(pts[end, 0] - pts[a, 0])
                seen.append(math.degrees(math.atan2(dy, dx)) < max_deg)
                break
    return float(any(seen)) if seen else math.nan


def _clip01(x: float) -> float:
    return 0.0 if not math.isfinite(x) else min(1.0, max(0.0, x))


# --------------------------------------------------------------------------------------------
class PushUpSettings(RepSettings):
    min_range: Annotated[float, Knob("Depth", "arm lengths", step=0.05, harder=1, help="how far the shoulders must go down and up to count")] = Field(0.25, gt=0.0, le=10.0, description="smallest range of shoulder height / arm length")
    min_cycle_s: float = Field(0.25, ge=0.0, le=30.0, description="shortest repetition that counts, s")


@register
class PushUps(RepExercise):
    """Push-ups, knee or full (definitions in the module docstring)."""

    name = "pushups"
    starts_upright = False
    definitions_version = "2"
    title = "Push-ups"
    contract = rep_contract("crouch", Repeat("pushups"), 0.2, 0.35,
                            flags={"shallow": "not deep enough", "hips_sagging": "hips sagging", "hips_piked": "hips high"})
    Settings: ClassVar[type[Settings]] = PushUpSettings
    settings: PushUpSettings
    rest_high = True
    signal_unit = "arm lengths"
    signal_definition = "shoulder height above the wrist / arm length"

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self._arm = RobustMax(self.rs.range_window_s)
        self._log = FrameLog()
        self._reset_features()

    def _not_this_exercise(self, cycle: Cycle) -> str | None:
        rows = self._log.between(cycle.start_ns, cycle.end_ns)
        flat = rows[:, 0][np.isfinite(rows[:, 0])] if rows.size else rows
        if flat.size == 0 or float(np.mean(flat)) < 0.5:
            return "body_not_horizontal"
        return None

    def _reject(self, cycle: Cycle) -> str | None:
        return "elbows_did_not_bend" if self._min_elbow > 140.0 else None

    def _reset_features(self) -> None:
        self._min_elbow = math.inf
        self._min_line = math.inf
        self._line_sign = 0.0
        self._knee_frames = 0
        self._frames = 0

    def _signal(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> float | None:
        ok = sides(vis, (L_SH, L_EL, L_WR), (R_SH, R_EL, R_WR), self._min_vis)
        if not ok:
            return None
        # standing or kneeling upright never counts (judged on the sides whose hip is in view)
        trunk_sides = sides(vis, (L_SH, L_HIP), (R_SH, R_HIP), self._min_vis)
        if any(upright(pts, s) for s in trunk_sides):
            return None
        # a push-up is done with the body near horizontal: shoulder -> ankle (or knee) line within 45 degrees
        self._log.push(t_ns, _lying_frac(pts, vis, self._min_vis, (L_SH, L_ANK, L_KNEE), (R_SH, R_ANK, R_KNEE), 45.0))
        vals = []
        arm_len = 0.0
        for s in ok:
            sh, el, wr = _ARM[s]
            arm_len = max(arm_len, dist(pts[sh], pts[el]) + dist(pts[el], pts[wr]))
            self._min_elbow = min(self._min_elbow, angle_deg(pts[sh], pts[el], pts[wr]))
            vals.append(pts[wr, 1] - pts[sh, 1])
            # body line through the hip, to the knee or the ankle (whichever is visible; ankle preferred)
            hip, knee, ank = _LEG[s]
            if vis is None or vis[knee] >= self._min_vis:
                knee_ang = angle_deg(pts[hip], pts[knee], pts[ank]) if vis is None or vis[ank] >= self._min_vis else 180.0
                is_knee = knee_ang < 130.0
                end = knee if is_knee else ank
                line = angle_deg(pts[sh], pts[hip], pts[end])
                if line < self._min_line:
                    self._min_line = line
                    # hip below the shoulder-end line (image y down) = sagging
                    ax, ay = pts[end, 0] - pts[sh, 0], pts[end, 1] - pts[sh, 1]
                    t = ((pts[hip, 0] - pts[sh, 0]) * ax + (pts[hip, 1] - pts[sh, 1]) * ay) / max(ax * ax + ay * ay, 1e-9)
                    self._line_sign = pts[hip, 1] - (pts[sh, 1] + t * ay)
                self._knee_frames += int(is_knee)
                self._frames += 1
        ref = self._arm.push(t_ns, arm_len)
        if ref <= 0:
            return None
        return float(np.mean(vals)) / ref

    def _quality(self, cycle: Cycle) -> tuple[float, list[str], dict[str, float]]:
        flags: list[str] = []
        depth = _clip01((170.0 - self._min_elbow) / 80.0)
        if self._min_elbow > 110.0:
            flags.append("shallow")
        line_score = 1.0
        extra = {"min_elbow_deg": self._min_elbow}
        if math.isfinite(self._min_line):
            line_score = _clip01(1.0 - (180.0 - self._min_line) / 40.0)
            extra["body_line_deg"] = self._min_line
            if self._min_line < 150.0:
                flags.append("hips_sagging" if self._line_sign > 0 else "hips_piked")
        if self._frames:
            extra["knee_variant"] = float(self._knee_frames > self._frames / 2)
        self._reset_features()
        return 0.5 * depth + 0.5 * line_score, flags, extra


def _median3(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Running median over 3 rows (edges repeated) of each column, ignoring NaN (a frame where only one
    leg is seen has no left-right difference): one frame's glitch is smoothed away, also beside it."""
    if len(a) < 3:
        return a
    padded = np.concatenate([a[:1], a, a[-1:]])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 3, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN window stays NaN
        return np.asarray(np.nanmedian(windows, axis=-1), dtype=np.float64)


# --------------------------------------------------------------------------------------------
class SquatSettings(RepSettings):
    min_range: Annotated[float, Knob("Depth", "leg lengths", step=0.05, harder=1, help="how far the hips must go down and up to count")] = Field(0.2, gt=0.0, le=10.0, description="smallest range of hip height / leg length")
    min_cycle_s: float = Field(0.25, ge=0.0, le=30.0, description="shortest repetition that counts, s")
    standing: float = Field(0.7, gt=0.0, le=1.5, description="hip height (leg lengths) a squat must start or end at: standing")
    max_foot_move: float = Field(0.1, gt=0.0, le=2.0, description="largest ankle travel during a squat, leg lengths (feet planted)")
    max_foot_lift: float = Field(0.4, gt=0.0, le=2.0, description="largest change of the left-right ankle height difference during a squat, leg lengths (no foot lifted)")


@register
class Squats(RepExercise):
    """Squats (definitions in the module docstring)."""

    name = "squats"
    definitions_version = "4"
    title = "Squats"
    contract = rep_contract("crouch", Repeat("squats"), 0.15, 0.3,
                            flags={"shallow": "not deep enough", "knees_in": "knees falling in"})
    Settings: ClassVar[type[Settings]] = SquatSettings
    settings: SquatSettings
    rest_high = True
    signal_unit = "leg lengths"
    signal_definition = "hip height above the ankle / leg length"

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self._leg = RobustMax(self.rs.range_window_s)
        self._log = FrameLog()
        self._reset_features()

    def _reset_features(self) -> None:
        self._min_knee = math.inf
        self._knees_in = False

    def _not_this_exercise(self, cycle: Cycle) -> str | None:
        rows = self._log.between(cycle.start_ns, cycle.end_ns)
        if len(rows) < 2:
            return "too_few_frames"
        s: SquatSettings = self.settings
        if float(rows[:, 2].max()) < s.standing:
            return "not_from_standing"
        # the lower ankle's height, the feet's mean x and the change of the left-right ankle height
        # difference (leg lengths), over the 3-frame running median: one frame's landmark glitch on a
        # small, far person is not a step, and one foot lifted (a kick) is not a squat (squats v4)
        feet = _median3(rows[:, [0, 1, 3]])
        feet_y = np.ptp(feet[:, 0])
        feet_x = np.ptp(feet[:, 1])
        both = feet[np.isfinite(feet[:, 2]), 2]
        lifted = float(np.ptp(both)) if len(both) else 0.0
        if feet_y > s.max_foot_move or feet_x > 2 * s.max_foot_move or lifted > s.max_foot_lift:
            return "feet_not_planted"
        if self._min_knee > 150.0:
            return "knees_straight"
        return None

    def _signal(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> float | None:
        ok = sides(vis, (L_SH, L_HIP, L_KNEE, L_ANK), (R_SH, R_HIP, R_KNEE, R_ANK), self._min_vis)
        if not ok or not any(upright(pts, s, 60.0) for s in ok):
            return None
        vals, leg = [], 0.0
        knee_angles = []
        for s in ok:
            hip, knee, ank = _LEG[s]
            leg = max(leg, dist(pts[hip], pts[ank]))
            vals.append(pts[ank, 1] - pts[hip, 1])
            knee_angles.append(angle_deg(pts[hip], pts[knee], pts[ank]))
        ka = float(np.mean(knee_angles))
        # the hip is never higher above the ankle than the leg is long: a reference below this frame's
        # leg (the running maximum lags a person chosen or found again at the bottom of a squat) is
        # raised to it, so the signal stays <= 1 and no spike widens the signal's range
        ref = max(self._leg.push(t_ns, leg), leg)
        if ref <= 0:
            return None
        ankles = [_LEG[s_][2] for s_ in ok]
        lift = (pts[L_ANK, 1] - pts[R_ANK, 1]) / ref if len(ok) == 2 else math.nan
        self._log.push(t_ns, max(pts[a, 1] for a in ankles) / ref, float(np.mean([pts[a, 0] for a in ankles])) / ref,
                       float(np.mean(vals)) / ref, lift)
        if ka < self._min_knee:
            self._min_knee = ka
            if len(ok) == 2:
                ank_sep = abs(pts[L_ANK, 0] - pts[R_ANK, 0])
                knee_sep = abs(pts[L_KNEE, 0] - pts[R_KNEE, 0])
                front = abs(pts[L_HIP, 0] - pts[R_HIP, 0]) > 0.2 * ref
                self._knees_in = bool(front and ank_sep > 0 and knee_sep < 0.7 * ank_sep)
        return float(np.mean(vals)) / ref

    def _quality(self, cycle: Cycle) -> tuple[float, list[str], dict[str, float]]:
        flags: list[str] = []
        q = _clip01((170.0 - self._min_knee) / 80.0)
        if self._min_knee > 120.0:
            flags.append("shallow")
        if self._knees_in:
            flags.append("knees_in")
            q *= 0.8
        extra = {"min_knee_deg": self._min_knee}
        self._reset_features()
        return q, flags, extra


# --------------------------------------------------------------------------------------------
class JackSettings(RepSettings):
    cutoff_hz: float = Field(4.0, gt=0.2, le=30.0, description="low-pass cut-off of the signal, Hz")
    min_range: Annotated[float, Knob("Spread", "body heights", step=0.05, harder=1, help="how wide arms and legs must open to count")] = Field(0.35, gt=0.0, le=10.0, description="smallest range of the spread signal")
    min_cycle_s: float = Field(0.25, ge=0.0, le=30.0, description="shortest repetition that counts, s")
    require: Literal["both", "arms", "legs", "either"] = Field(
        "both", description="which limbs must open for a rep: arms rise >= 60 deg and/or feet spread >= 0.12 leg lengths"
    )


@register
class JumpingJacks(RepExercise):
    """Jumping jacks (definitions in the module docstring)."""

    name = "jumping_jacks"
    definitions_version = "3"
    title = "Jumping jacks"
    contract = rep_contract("jump", Repeat("jumping_jacks"), 0.25, 0.45,
                            flags={"arms_low": "arms not high enough", "feet_together": "feet not apart",
                                   "arms_asymmetric": "arms uneven", "knees_bent": "knees bent"})
    Settings: ClassVar[type[Settings]] = JackSettings
    settings: JackSettings
    rest_high = False
    signal_unit = "spread (arm elevation / 180 deg + ankle spread / leg length)"
    signal_definition = "arm elevation / 180 deg + ankle spread / leg length"

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self._log = FrameLog()
        self._leg = RobustMax(self.rs.range_window_s)
        self._reset_features()

    def _reset_features(self) -> None:
        self._max_arm = 0.0
        self._max_arm_lr = [0.0, 0.0]
        self._max_spread = 0.0
        self._min_arm = math.inf
        self._min_spread = math.inf
        self._min_hip = math.inf

    def _not_this_exercise(self, cycle: Cycle) -> str | None:
        rows = self._log.between(cycle.start_ns, cycle.end_ns)
        if len(rows) < 2:
            return "too_few_frames"
        if float(rows[:, 2].max()) > 0.25:
            return "one_foot_lifted"
        # where the feet start and end: the median of the cycle's first and last three frames, so one
        # frame's landmark noise at the cycle's edge is not a displacement (jumping jacks v3)
        first, last = np.median(rows[:3, :2], axis=0), np.median(rows[-3:, :2], axis=0)
        if abs(last[0] - first[0]) > 0.3 or abs(last[1] - first[1]) > 0.3:
            return "not_in_place"
        return None

    def _reject(self, cycle: Cycle) -> str | None:
        arms = self._max_arm - self._min_arm >= 60.0
        legs = self._max_spread - self._min_spread >= 0.12
        need = self.settings.require
        ok = {"both": arms and legs, "arms": arms, "legs": legs, "either": arms or legs}[need]
        if ok:
            return None
        return "arms_did_not_rise" if not arms and need != "legs" else "feet_did_not_spread"

    _NEED = (L_SH, R_SH, L_WR, R_WR, L_HIP, R_HIP, L_ANK, R_ANK)

    def _signal(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> float | None:
        if vis is not None and min(float(vis[i]) for i in self._NEED) < self._min_vis:
            return None
        arm_l, arm_r = angle_deg(pts[L_HIP], pts[L_SH], pts[L_WR]), angle_deg(pts[R_HIP], pts[R_SH], pts[R_WR])
        arm = 0.5 * (arm_l + arm_r)
        self._max_arm_lr = [max(self._max_arm_lr[0], arm_l), max(self._max_arm_lr[1], arm_r)]
        leg = self._leg.push(t_ns, max(dist(pts[L_HIP], pts[L_ANK]), dist(pts[R_HIP], pts[R_ANK])))
        if leg <= 0:
            return None
        spread = abs(pts[L_ANK, 0] - pts[R_ANK, 0]) / leg
        self._log.push(t_ns, 0.5 * (pts[L_ANK, 0] + pts[R_ANK, 0]) / leg, max(pts[L_ANK, 1], pts[R_ANK, 1]) / leg,
                       abs(pts[L_ANK, 1] - pts[R_ANK, 1]) / leg)
        self._max_arm = max(self._max_arm, arm)
        self._max_spread = max(self._max_spread, spread)
        self._min_arm = min(self._min_arm, arm)
        self._min_spread = min(self._min_spread, spread)
        hip = 0.5 * (pts[L_ANK, 1] + pts[R_ANK, 1] - pts[L_HIP, 1] - pts[R_HIP, 1]) / leg
        self._min_hip = min(self._min_hip, hip)
        return arm / 180.0 + spread

    def _quality(self, cycle: Cycle) -> tuple[float, list[str], dict[str, float]]:
        flags: list[str] = []
        if self._max_arm < 140.0:
            flags.append("arms_low")
        if self._max_spread < 0.35:
            flags.append("feet_together")
        q = 0.5 * _clip01(self._max_arm / 150.0) + 0.5 * _clip01(self._max_spread / 0.4)
        if abs(self._max_arm_lr[0] - self._max_arm_lr[1]) > 30.0:
            flags.append("arms_asymmetric")
            q *= 0.85
        if self._min_hip < 0.6:
            flags.append("knees_bent")  # form, not a reason to withhold the rep (definitions version 2)
            q *= 0.8
        extra = {"max_arm_deg": self._max_arm, "max_spread_legs": self._max_spread, "min_hip_legs": self._min_hip}
        self._reset_features()
        return q, flags, extra


# --------------------------------------------------------------------------------------------
class SitUpSettings(RepSettings):
    min_range: Annotated[float, Knob("Sit-up angle", "degrees", step=5.0, harder=1, help="how far the trunk must rise to count")] = Field(25.0, gt=0.0, le=180.0, description="smallest range of trunk elevation, degrees")
    min_cycle_s: float = Field(0.4, ge=0.0, le=30.0, description="shortest repetition that counts, s")


@register
class SitUps(RepExercise):
    """Sit-ups (definitions in the module docstring)."""

    name = "situps"
    starts_upright = False
    definitions_version = "2"
    title = "Sit-ups"
    contract = rep_contract("jump", Repeat("situps"), 20.0, 35.0,
                            flags={"partial": "not all the way up", "legs_straight": "legs straight"})
    Settings: ClassVar[type[Settings]] = SitUpSettings
    settings: SitUpSettings
    rest_high = False
    signal_unit = "deg"
    signal_definition = "trunk elevation above horizontal, degrees"

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self._log = FrameLog()
        self._reset_features()

    def _not_this_exercise(self, cycle: Cycle) -> str | None:
        rows = self._log.between(cycle.start_ns, cycle.end_ns)
        if len(rows) == 0 or float(rows[:, 0].min()) > 35.0:
            return "not_from_lying"
        legs = rows[:, 1][np.isfinite(rows[:, 1])]
        if legs.size == 0 or float(np.mean(legs)) < 0.5:
            return "legs_not_on_floor"
        return None

    def _reject(self, cycle: Cycle) -> str | None:
        return "did_not_sit_up" if self._max_elev < 45.0 else None

    def _reset_features(self) -> None:
        self._max_elev = 0.0
        self._max_knee = 0.0

    def _signal(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> float | None:
        ok = sides(vis, (L_SH, L_HIP), (R_SH, R_HIP), self._min_vis)
        if not ok:
            return None
        elev = []
        for s in ok:
            sh, hip = (L_SH, L_HIP) if s == 0 else (R_SH, R_HIP)
            elev.append(math.degrees(math.atan2(pts[hip, 1] - pts[sh, 1], abs(pts[sh, 0] - pts[hip, 0]))))
            hip_, knee, ank = _LEG[s]
            if vis is None or min(vis[knee], vis[ank]) >= self._min_vis:
                self._max_knee = max(self._max_knee, angle_deg(pts[hip_], pts[knee], pts[ank]))
        e = float(np.mean(elev))
        legs = _lying_frac(pts, vis, self._min_vis, (L_HIP, L_ANK, L_KNEE), (R_HIP, R_ANK, R_KNEE), 35.0)
        self._log.push(t_ns, e, legs)
        self._max_elev = max(self._max_elev, e)
        return e

    def _quality(self, cycle: Cycle) -> tuple[float, list[str], dict[str, float]]:
        flags: list[str] = []
        q = _clip01(self._max_elev / 70.0)
        if self._max_elev < 60.0:
            flags.append("partial")
        if self._max_knee > 130.0:
            flags.append("legs_straight")
            q *= 0.8
        extra = {"max_elevation_deg": self._max_elev, "max_knee_deg": self._max_knee}
        self._reset_features()
        return q, flags, extra
