"""One-leg stance from pose landmarks: hold time from foot lift to touch-down, with clinical caps.

Conventions: the child faces the camera (or stands sideways); geometry in pixels (image ``y``
down); lengths divided by the leg length (running maximum over 10 s of the hip-ankle distance);
time is the frame's ``t_ns`` on the session clock. Person selection, visibility gating and pausing
are those of :mod:`exercises.body`.

Definitions (version 2)
-----------------------
Foot lift
    ``lift = (y_left_ankle - y_right_ankle) / leg length`` (3-sample median); a foot is lifted when
    ``|lift| > up`` for ``min_frames`` consecutive used frames, the higher ankle having also risen
    by more than ``up / 2`` above its own lowest position of the last 3 s (so a foot placed further
    back, higher in the image by perspective, is not a lift); the lifted side is the higher ankle.
    Lift-off time is the first frame of the run in which ``|lift|`` stayed at or above ``down``
    (version 2: the foot leaving the floor, not the frame it passed ``up``).
Touch-down
    The first used frame with ``|lift| < down`` (hysteresis), where the other foot is the higher
    one, or where the lifted ankle is back within ``down`` of the floor position it had at lift-off
    (so staggered feet, one higher in the image by perspective, do not keep a hold going; applied
    when the foot was seen rising by ``up`` from that floor, not to a foot already up when the trial
    started).
    Version 2 raised ``up`` from 0.08 to 0.2 and ``down`` from 0.04 to 0.1 leg lengths: feet
    standing staggered in a back or side view differ by 0.13-0.16 leg lengths in the image (measured
    on the real controls in ``tests/media/body``), a foot held off the floor by far more (0.64 on the
    real one-leg clip). Hold time = touch-down - lift-off, capped at the protocol's maximum.
Caps (the maxima clinical tests score)
    ``bot2``: 10 s (BOT-2 balance items "standing on one leg on a line / on a balance beam");
    ``mabc2``: 30 s (MABC-2 one-leg balance, age band 1, and the board balances of bands 2 and 3);
    ``custom``: ``cap_s``. Reaching the cap ends the attempt (``hold_done`` event); the child may
    then put the foot down.
Supporting foot
    ``stance_foot_moved`` is flagged, and the attempt ends there, when the supporting ankle moves
    more than ``max_stance_move`` leg lengths horizontally from where it was at lift-off (a hop or
    a step, which ends the attempt in both tests).
Standing, in place (version 2)
    A lift starts only while standing (hip at least ``standing`` = 0.7 leg lengths above the lower
    ankle). A hold during which the person crouches below that, or the hips travel more than
    ``max_hip_travel`` (0.4) leg lengths sideways from lift-off (walking, hopping away), is not a
    one-leg stance: ``incomplete`` (``not_standing`` / ``travelled``), counted in ``not_stance``.
    Measured on real footage: a squat seen from the side and a person walking out of view were
    holds in version 1.
Lost view
    When the person is gone for ``pause_after_s``, an attempt in progress ends at the last frame
    seen, flagged ``lost_view``.
Attempts
    Lifts held shorter than ``min_hold_s`` (0.5 s: a step) are not attempts (``incomplete`` event,
    ``short_lifts`` count). Quality per attempt = hold time / cap (1.0 for a full hold), halved with
    ``stance_foot_moved``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from exercises.base import Settings, SettingsModel
from exercises.body import L_ANK, L_HIP, R_ANK, R_HIP, BodyExercise, BodySettings, RobustMax, dist
from exercises.contract import Contract, Knob, Metric, Presets, QualityCountStars, Sound, SoundCue
from exercises.registry import register
from exercises.simulated import StandOnOneLeg
from station.core import ScoreEvent

log = logging.getLogger(__name__)

CAPS_S = {"bot2": 10.0, "mabc2": 30.0}


class StanceSettings(BodySettings):
    protocol: Literal["bot2", "mabc2", "custom"] = Field("mabc2", description="which test's cap applies")
    cap_s: float = Field(30.0, gt=0.0, le=600.0, description="cap for protocol=custom, s")
    up: float = Field(0.2, gt=0.0, le=2.0, description="ankle height difference (leg lengths) that is a lifted foot")
    down: float = Field(0.1, ge=0.0, le=2.0, description="difference below which the foot is down again")
    min_frames: int = Field(2, ge=1, le=100, description="consecutive frames above 'up' for a lift")
    max_stance_move: float = Field(0.25, gt=0.0, le=10.0, description="supporting-foot travel that ends an attempt, leg lengths")
    standing: float = Field(0.7, gt=0.0, le=1.5, description="hip height above the lower ankle (leg lengths) that is standing")
    max_hip_travel: float = Field(0.4, gt=0.0, le=10.0, description="hip travel during a hold that makes it a step, leg lengths")
    min_hold_s: Annotated[float, Knob("Shortest hold", "s", step=0.5, harder=1, help="a lift shorter than this is a step, not an attempt")] = Field(0.5, ge=0.0, le=60.0, description="shorter lifts (a step) are not attempts, s")


@dataclass
class Hold:
    side: str
    lift_ns: int
    down_ns: int
    hold_s: float
    capped: bool
    quality: float
    flags: list[str] = field(default_factory=list)


@register
class OneLegStance(BodyExercise):
    """One-leg stance (definitions in the module docstring)."""

    name = "one_leg_stance"
    definitions_version = "2"
    title = "Stand on one leg"
    contract = Contract(
        headline=(Metric("best_hold_s", "Longest hold", "s", True), Metric("mean_quality", "Mean quality", "0..1", True),
                  Metric("attempts", "Attempts", "count", None)),
        history="best_hold_s",
        events=("lift", "hold", "hold_done", "incomplete", "paused", "resumed"),
        quality_events=("hold",),
        game="reps", pictogram="jump", chart="reps", stars=QualityCountStars(), sim=StandOnOneLeg(),
        sounds=(SoundCue(Sound.CUE, "lift"), SoundCue(Sound.DONE, "hold"), SoundCue(Sound.GOOD, "hold_done"),
                SoundCue(Sound.TRY_AGAIN, "incomplete")),
        presets=Presets(easier={"min_hold_s": 0.3}, harder={"min_hold_s": 1.0}),
        flags={"stance_foot_moved": "standing foot moved", "lost_view": "stepped out of view"},
    )
    Settings: ClassVar[type[Settings]] = StanceSettings
    settings: StanceSettings

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: StanceSettings = self.settings
        self.cap_s = CAPS_S.get(self.s.protocol, self.s.cap_s)
        self._leg = RobustMax(10.0)
        self._floor = (RobustMax(3.0), RobustMax(3.0))  # lowest image position of each ankle, 3 s
        self._last3: list[float] = []
        self._above = 0
        self._side = ""
        self._lift_ns = 0
        self._holding = False
        self._done = False  # cap reached / ended: wait for the foot to come down
        self._stance_x0 = 0.0
        self._lift_floor: float | None = None  # image y of the lifted ankle's floor, when seen rising from it
        self._rise_ns: int | None = None
        self._hip_x0 = 0.0
        self.not_stance = 0  # first frame of the current run with |lift| >= down
        self._last_t = 0
        self.holds: list[Hold] = []
        self.short_lifts = 0
        self.current_s = 0.0

    def _end(self, t_ns: int, flags: list[str]) -> list[ScoreEvent]:
        hold = min((t_ns - self._lift_ns) / 1e9, self.cap_s)
        self._holding = False
        self.current_s = 0.0
        if hold < self.s.min_hold_s:
            self.short_lifts += 1
            return [self.event(t_ns, "incomplete", rep=len(self.holds), value=round(hold, 4), unit="s", side=self._side,
                               reason="short_lift")]
        capped = hold >= self.cap_s
        q = hold / self.cap_s * (0.5 if "stance_foot_moved" in flags else 1.0)
        self.holds.append(Hold(self._side, self._lift_ns, t_ns, hold, capped, q, flags))
        ev = [self.event(t_ns, "hold", rep=len(self.holds), value=round(hold, 4), unit="s", side=self._side,
                         lift_ns=self._lift_ns, capped=capped, quality=round(q, 4), flags=",".join(flags))]
        if capped:
            ev.append(self.event(t_ns, "hold_done", rep=len(self.holds), value=self.cap_s, unit="s", side=self._side))
        return ev

    def _frame(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> list[ScoreEvent] | None:
        if vis is not None and min(float(vis[i]) for i in (L_HIP, R_HIP, L_ANK, R_ANK)) < self._min_vis:
            return None
        leg = self._leg.push(t_ns, max(dist(pts[L_HIP], pts[L_ANK]), dist(pts[R_HIP], pts[R_ANK])))
        if leg <= 0:
            return None
        self._last3 = [*self._last3[-2:], (pts[L_ANK, 1] - pts[R_ANK, 1]) / leg]
        floor_l, floor_r = self._floor[0].push(t_ns, pts[L_ANK, 1]), self._floor[1].push(t_ns, pts[R_ANK, 1])
        lift = sorted(self._last3)[len(self._last3) // 2]
        side = "left" if lift < 0 else "right"  # the higher ankle has the smaller y
        self._last_t = t_ns
        hip_x, hip_y = 0.5 * (pts[L_HIP, 0] + pts[R_HIP, 0]), 0.5 * (pts[L_HIP, 1] + pts[R_HIP, 1])
        standing = (max(pts[L_ANK, 1], pts[R_ANK, 1]) - hip_y) / leg >= self.s.standing
        events: list[ScoreEvent] = []
        if self._holding and (not standing or abs(hip_x - self._hip_x0) / leg > self.s.max_hip_travel):
            # crouching or travelling (walking, hopping away) is not a one-leg stance
            self._holding = False
            self._done = True
            self.current_s = 0.0
            self.not_stance += 1
            return [self.event(t_ns, "incomplete", rep=len(self.holds), side=self._side,
                               reason="not_standing" if not standing else "travelled")]
        if self._holding or self._done:
            lifted_y = pts[L_ANK, 1] if self._side == "left" else pts[R_ANK, 1]
            down = abs(lift) < self.s.down or side != self._side or (
                self._lift_floor is not None and (self._lift_floor - lifted_y) / leg < self.s.down)
            stance = R_ANK if self._side == "left" else L_ANK
            if self._holding:
                self.current_s = min((t_ns - self._lift_ns) / 1e9, self.cap_s)
                if abs(pts[stance, 0] - self._stance_x0) / leg > self.s.max_stance_move:
                    events += self._end(t_ns, ["stance_foot_moved"])
                    self._done = True
                elif (t_ns - self._lift_ns) / 1e9 >= self.cap_s:
                    events += self._end(self._lift_ns + int(self.cap_s * 1e9), [])
                    self._done = True
                elif down:
                    events += self._end(t_ns, [])
            if down:
                self._done = False
                self._above = 0
                self._rise_ns = None
            return events
        if abs(lift) < self.s.down:
            self._rise_ns = None
        elif self._rise_ns is None:
            self._rise_ns = t_ns
        own = (floor_l - pts[L_ANK, 1]) / leg if side == "left" else (floor_r - pts[R_ANK, 1]) / leg
        if abs(lift) > self.s.up and own > self.s.down / 2 and standing:
            if self._above == 0 or side != self._side:
                self._above = 0
                self._side = side
                self._lift_ns = t_ns if self._rise_ns is None else self._rise_ns
                self._stance_x0 = float(pts[R_ANK if side == "left" else L_ANK, 0])
                self._lift_floor = None
                self._hip_x0 = float(hip_x)
            self._above += 1
            if self._above >= self.s.min_frames:
                self._holding = True
                floor = floor_l if side == "left" else floor_r
                self._lift_floor = floor if own >= self.s.up else None  # seen rising the full 'up' from it
                events.append(self.event(self._lift_ns, "lift", rep=len(self.holds) + 1, side=side))
        else:
            self._above = 0
        return events

    def _on_pause(self) -> list[ScoreEvent]:
        ended = self._end(self._last_t, ["lost_view"]) if self._holding else []
        self._done = False
        self._above = 0
        return ended

    def _finish(self) -> list[ScoreEvent]:
        if self._holding:
            return self._end(self._last_t, [])
        return []

    def reps(self) -> int:
        return len(self.holds)

    def live(self) -> dict[str, float]:
        return {"reps": float(len(self.holds)), "hold_s": self.current_s, "holding": float(self._holding),
                "cap_s": self.cap_s, "paused": float(self.paused)}

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        h = self.holds

        def best(side: str | None) -> float | None:
            v = [x.hold_s for x in h if side is None or x.side == side]
            return float(max(v)) if v else None

        m: dict[str, float | int | str | None] = {
            "attempts": len(h),
            "best_hold_s": best(None),
            "best_left_s": best("left"),
            "best_right_s": best("right"),
            "capped": sum(x.capped for x in h),
            "cap_s": self.cap_s,
            "protocol": self.s.protocol,
            "holds_s": ",".join(f"{x.hold_s:.2f}" for x in h),
            "mean_quality": float(np.mean([x.quality for x in h])) if h else None,
            "short_lifts": self.short_lifts,
            "not_stance": self.not_stance,
        }
        u = {"attempts": "count", "best_hold_s": "s", "best_left_s": "s", "best_right_s": "s", "capped": "count",
             "cap_s": "s", "protocol": "", "holds_s": "s", "mean_quality": "0..1", "short_lifts": "count",
             "not_stance": "count"}
        d = {
            "attempts": "foot lifts held for at least min_frames frames",
            "best_hold_s": "longest hold, lift-off to touch-down, capped at cap_s",
            "best_left_s": "longest hold standing on the right foot with the left foot lifted",
            "best_right_s": "longest hold with the right foot lifted",
            "capped": "holds that reached the cap",
            "cap_s": "the protocol's maximum hold (bot2 10 s, mabc2 30 s, custom cap_s)",
            "protocol": "which test's cap applies",
            "holds_s": "every hold, comma-separated",
            "mean_quality": "mean of hold / cap (halved when the supporting foot moved)",
            "short_lifts": "foot lifts shorter than min_hold_s (steps), not counted as attempts",
            "not_stance": "lifts that ended crouching or travelling (a squat, walking): not one-leg stances",
        }
        tm, tu, td = self._tracking_metrics()
        m.update(tm)
        u.update(tu)
        d.update(td)
        return m, u, d
