"""Jumping jacks, squats, push-ups (knee or full) and sit-ups, counted from pose landmarks.

Each is a :class:`~exercises.body.RepExercise`: one scale-free signal per frame, low-pass filtered,
counted as rest -> active -> rest cycles with adaptive hysteresis (see :mod:`exercises.body` for
person selection, visibility gating, pausing and the counter). Geometry is in pixels (image ``y``
down), so portrait and landscape videos give the same angles and ratios.

Definitions (version 1)
-----------------------
Push-ups (``pushups``)
    Signal: shoulder height above the wrist, ``(y_wrist - y_shoulder) / arm length`` where arm length
    is the running maximum (10 s) of shoulder-elbow + elbow-wrist; rest = arms extended (high).
    Needs shoulder, elbow and wrist of one side. Frames where the trunk is upright (within 40
    degrees of vertical, shoulders above hips, judged where a hip is visible) are skipped, so
    standing up or kneeling upright never counts. Per rep: depth = smallest elbow angle
    (flag ``shallow`` above 110 degrees); body line = shoulder-hip-knee (knee push-up) or
    shoulder-hip-ankle (full push-up) angle, flag ``hips_sagging`` or ``hips_piked`` below 150
    degrees. The variant is ``knee`` when the knee angle is below 130 degrees. Quality = mean of
    depth score ``clip((170 - min elbow) / 80)`` and line score ``clip(1 - (180 - line) / 40)``.
Squats (``squats``)
    Signal: hip height above the ankle, ``(y_ankle - y_hip) / leg length`` (running maximum of the
    hip-ankle distance); rest = standing (high). Frames with the trunk not upright within 60 degrees
    are skipped. Per rep: depth = smallest knee angle (flag ``shallow`` above 120 degrees); in a
    front view, flag ``knees_in`` when the knees are closer together than 70% of the ankles at the
    bottom. Quality = ``clip((170 - min knee) / 80)``, x 0.8 with ``knees_in``.
Jumping jacks (``jumping_jacks``)
    Signal: mean arm elevation / 180 degrees (angle between shoulder->hip and shoulder->wrist) plus
    the ankle spread / leg length; rest = arms down, feet together (low). Needs both shoulders,
    wrists, hips and ankles. A cycle is a rep only when the arms rose by 60 degrees or more and the
    ankles spread by 0.12 leg lengths or more (``require`` = ``both``; or ``arms``, ``legs``,
    ``either``) and the hips stayed above 0.6 leg lengths (else ``incomplete``: ``squatting``). Per rep: flag ``arms_low`` when the arms never rose above 140 degrees,
    ``feet_together`` when the ankles never spread beyond 0.35 leg lengths. Quality = mean of
    ``clip(max elevation / 150)`` and ``clip(max spread / 0.4)``.
Sit-ups (``situps``)
    Signal: trunk elevation, the angle of hip->shoulder above the horizontal (0 lying, 90 upright),
    degrees; rest = lying (low). Per rep: flag ``partial`` when the elevation never reached 60 degrees,
    ``legs_straight`` when the knee angle was above 130 degrees. Quality = ``clip(max elevation / 70)``,
    x 0.8 with ``legs_straight``.
"""

from __future__ import annotations

import logging
import math
from typing import Annotated, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from exercises.base import Settings
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
    title = "Push-ups"
    contract = rep_contract("crouch", Repeat("pushups"), 0.2, 0.35)
    Settings: ClassVar[type[Settings]] = PushUpSettings
    rest_high = True
    signal_unit = "arm lengths"
    signal_definition = "shoulder height above the wrist / arm length"

    def __init__(self, settings: Settings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self._arm = RobustMax(self.rs.range_window_s)
        self._reset_features()

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
        if any(upright(pts, s) for s in sides(vis, (L_SH, L_HIP), (R_SH, R_HIP), self._min_vis)):
            return None
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


# --------------------------------------------------------------------------------------------
class SquatSettings(RepSettings):
    min_range: Annotated[float, Knob("Depth", "leg lengths", step=0.05, harder=1, help="how far the hips must go down and up to count")] = Field(0.2, gt=0.0, le=10.0, description="smallest range of hip height / leg length")
    min_cycle_s: float = Field(0.25, ge=0.0, le=30.0, description="shortest repetition that counts, s")


@register
class Squats(RepExercise):
    """Squats (definitions in the module docstring)."""

    name = "squats"
    title = "Squats"
    contract = rep_contract("crouch", Repeat("squats"), 0.15, 0.3)
    Settings: ClassVar[type[Settings]] = SquatSettings
    rest_high = True
    signal_unit = "leg lengths"
    signal_definition = "hip height above the ankle / leg length"

    def __init__(self, settings: Settings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self._leg = RobustMax(self.rs.range_window_s)
        self._reset_features()

    def _reset_features(self) -> None:
        self._min_knee = math.inf
        self._knees_in = False

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
        ref = self._leg.push(t_ns, leg)
        if ref <= 0:
            return None
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
    title = "Jumping jacks"
    contract = rep_contract("jump", Repeat("jumping_jacks"), 0.25, 0.45)
    Settings: ClassVar[type[Settings]] = JackSettings
    rest_high = False
    signal_unit = "spread (arm elevation / 180 deg + ankle spread / leg length)"
    signal_definition = "arm elevation / 180 deg + ankle spread / leg length"

    def __init__(self, settings: Settings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self._leg = RobustMax(self.rs.range_window_s)
        self._reset_features()

    def _reset_features(self) -> None:
        self._max_arm = 0.0
        self._max_spread = 0.0
        self._min_arm = math.inf
        self._min_spread = math.inf
        self._min_hip = math.inf

    def _reject(self, cycle: Cycle) -> str | None:
        arms = self._max_arm - self._min_arm >= 60.0
        legs = self._max_spread - self._min_spread >= 0.12
        if self._min_hip < 0.6:
            return "squatting"
        need = self.settings.require  # type: ignore[attr-defined]
        ok = {"both": arms and legs, "arms": arms, "legs": legs, "either": arms or legs}[need]
        if ok:
            return None
        return "arms_did_not_rise" if not arms and need != "legs" else "feet_did_not_spread"

    _NEED = (L_SH, R_SH, L_WR, R_WR, L_HIP, R_HIP, L_ANK, R_ANK)

    def _signal(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> float | None:
        if vis is not None and min(float(vis[i]) for i in self._NEED) < self._min_vis:
            return None
        arm = 0.5 * (angle_deg(pts[L_HIP], pts[L_SH], pts[L_WR]) + angle_deg(pts[R_HIP], pts[R_SH], pts[R_WR]))
        leg = self._leg.push(t_ns, max(dist(pts[L_HIP], pts[L_ANK]), dist(pts[R_HIP], pts[R_ANK])))
        if leg <= 0:
            return None
        spread = abs(pts[L_ANK, 0] - pts[R_ANK, 0]) / leg
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
        extra = {"max_arm_deg": self._max_arm, "max_spread_legs": self._max_spread}
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
    title = "Sit-ups"
    contract = rep_contract("jump", Repeat("situps"), 20.0, 35.0)
    Settings: ClassVar[type[Settings]] = SitUpSettings
    rest_high = False
    signal_unit = "deg"
    signal_definition = "trunk elevation above horizontal, degrees"

    def __init__(self, settings: Settings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self._reset_features()

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
