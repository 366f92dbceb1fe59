"""Calm-down breathing: a balloon pacer, and the child's breathing from the upper body.

The child screen shows a balloon that grows (breathe in) and shrinks (breathe out) at ``rate_per_min``
(default 6 breaths/min, 4-8); the station estimates the child's breathing with
:class:`vision.breathing.BreathingEstimator` (shoulder landmarks, refined by dense optical flow on the
chest when the camera image is available). The same pacer serves as a break the therapist starts during
any trial (:meth:`station.session.control.SessionController.start_break`).

Not validated on real breathing or on children (see ``exercises/DEFINITIONS.md``, Calm-down breathing,
version 1): the figures of the breathing benchmark come from a real photo moved at known rates.

Pacer
    Balloon size = 0.5 x (1 - cos(2 pi x rate x t)), t from the trial's first frame: it grows for the
    first half of each cycle (inhale) and shrinks for the second (exhale).
Estimates
    Live: every ``report_s`` seconds over the last ``window_s`` seconds (an ``estimate`` event when usable,
    a ``too_much_movement`` event when not); final: over the whole trial. Too much movement gives no
    number, only the flag.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Annotated, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from exercises.base import Settings, SettingsModel
from exercises.body import BodyExercise, BodySettings
from exercises.contract import Contract, Knob, Metric, Presets, Sound, SoundCue, SteadyStars
from exercises.registry import register
from station.core import ScoreEvent, StepInput
from vision.breathing import BreathEstimate, BreathingEstimator


def pacer_size(rate_per_min: float, t_s: float) -> float:
    """The balloon's size 0..1 at ``t_s`` seconds into the pacer."""
    return 0.5 * (1.0 - math.cos(2.0 * math.pi * rate_per_min / 60.0 * t_s))


class BreathingSettings(BodySettings):
    rate_per_min: Annotated[float, Knob("Pacer rate", "breaths/min", step=0.5, harder=-1,
                                        help="how many times a minute the balloon grows and shrinks (slower is harder)")] = Field(6.0, ge=4.0, le=8.0)
    window_s: float = Field(30.0, ge=10.0, le=300.0, description="window of the live estimate, s")
    report_s: float = Field(5.0, ge=1.0, le=60.0, description="how often the live estimate is made, s")
    min_usable_s: float = Field(15.0, ge=5.0, le=300.0, description="shortest usable signal that gives a rate, s")
    move_limit: float = Field(0.1, gt=0.0, le=1.0, description="movement over 1 s (shoulder widths) that marks a frame as moving")
    max_moving: float = Field(0.2, ge=0.0, le=1.0, description="largest share of moving time in a usable window")


class BreathingChild:
    """Simulated child: sits still and breathes with the pacer (0.5 s behind it, or at ``rate`` breaths/min
    when set), shoulders rising 0.006 frame heights per breath, and fidgets for 2 s at 60 % of the trial
    (the estimate must mark that time as movement)."""

    description = "breathes with the balloon (0.5 s behind), fidgets for 2 s in the middle"
    device = None
    profile = ""

    def __init__(self, rate: float | None = None, fidget: bool = True, fidget_s: float = 2.0) -> None:
        self.rate = rate
        self.fidget = fidget
        self.fidget_s = fidget_s

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        return self._run(settings, t0_ns, duration_s, seed, image_size)

    def _run(self, settings: BaseModel, t0_ns: int, duration_s: float, seed: int, image_size: tuple[int, int]) -> Iterator[StepInput]:
        from vision.synth_games import breathing_pose, frame_of

        rate = self.rate or float(getattr(settings, "rate_per_min", 6.0))
        rng = np.random.default_rng(seed)
        fps = 30.0
        f0 = 0.6 * duration_s if self.fidget_s <= 0.3 * duration_s else 0.2 * duration_s
        for i in range(int(duration_s * fps)):
            t = i / fps
            pts = breathing_pose(t - 0.5, rate)
            if self.fidget and f0 <= t < f0 + self.fidget_s:
                pts = pts.copy()
                pts[0:25, 0] += 0.05 * math.sin(2 * math.pi * (t - f0))
            yield StepInput.from_tracked(frame_of(i, t0_ns + round(t * 1e9), pts, image_size, rng, jitter=0.0015))


@register
class Breathing(BodyExercise):
    """Calm-down breathing with a balloon pacer."""

    name = "breathing"
    title = "Calm-down breathing"
    definitions_version = "1"
    Settings: ClassVar[type[Settings]] = BreathingSettings
    settings: BreathingSettings
    starts_upright = True
    contract = Contract(
        headline=(Metric("breaths_per_min", "Breathing rate", "breaths/min", None),
                  Metric("pacer_rate_per_min", "Pacer rate", "breaths/min", None),
                  Metric("phase_agreement_pct", "With the balloon", "%", True),
                  Metric("regularity_cv_pct", "Breath-to-breath variation", "%", False)),
        history="breaths_per_min",
        events=("estimate", "too_much_movement", "movement_settled", "paused", "resumed"),
        quality_events=("estimate",),
        game="breathe", pictogram="breathe", chart="breath", stars=SteadyStars(), sim=BreathingChild(),
        sounds=(SoundCue(Sound.GOOD, "estimate", min_quality=0.8),),
        presets=Presets(easier={"rate_per_min": 8.0}, harder={"rate_per_min": 4.5}),
    )

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: BreathingSettings = self.settings
        self.est = BreathingEstimator(move_limit=self.s.move_limit, max_moving=self.s.max_moving)
        self._image: NDArray[np.uint8] | None = None
        self._t0: int | None = None
        self._next_report = 0
        self._moving = False
        self.last: BreathEstimate | None = None
        self.movement_episodes = 0
        self._pushed = False

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        self._image = inp.image
        if self._t0 is None and inp.frame_seq is not None:
            self._t0 = inp.t_ns
            self._next_report = inp.t_ns + int(self.s.report_s * 1e9)
        self._pushed = False
        out = super()._step(inp)
        if inp.frame_seq is not None and not self._pushed:
            self.est.push(inp.t_ns, None)  # the child not seen in this frame: counted as moving, never bridged silently
        return out

    def _frame(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> list[ScoreEvent] | None:
        moving = self.est.push(t_ns, pts, vis, self._image, self._min_vis)
        self._pushed = True
        out: list[ScoreEvent] = []
        if moving and not self._moving:
            self.movement_episodes += 1
            out.append(self.event(t_ns, "too_much_movement", rep=self.reps()))
        elif not moving and self._moving:
            out.append(self.event(t_ns, "movement_settled", rep=self.reps()))
        self._moving = moving
        if t_ns >= self._next_report:
            self._next_report = t_ns + int(self.s.report_s * 1e9)
            e = self.est.estimate(t_ns - int(self.s.window_s * 1e9), t_ns, pacer_rate=self.s.rate_per_min,
                                  pacer_t0_ns=self._t0 or t_ns, min_s=min(self.s.min_usable_s, self.s.window_s * 0.5))
            self.last = e
            if e.usable and e.rate_per_min is not None:
                q = None if e.phase_agreement_pct is None else e.phase_agreement_pct / 100.0
                out.append(self.event(t_ns, "estimate", rep=self.reps(), value=round(e.rate_per_min, 3), unit="breaths/min",
                                      quality=q, signal=e.source, regularity_cv_pct=e.regularity_cv_pct,
                                      phase_agreement_pct=e.phase_agreement_pct))
        return out

    def _final(self) -> BreathEstimate:
        return self.est.estimate(pacer_rate=self.s.rate_per_min, pacer_t0_ns=self._t0 or 0, min_s=self.s.min_usable_s)

    # -- results -----------------------------------------------------------------------------------
    def live(self) -> dict[str, float]:
        t = ((self.t_last_ns or 0) - (self._t0 or 0)) / 1e9
        e = self.last
        usable = e is not None and e.usable and not self._moving
        return {
            "reps": float(self.reps()), "rate": self.s.rate_per_min, "pacer": pacer_size(self.s.rate_per_min, t),
            "pacer_phase": (self.s.rate_per_min / 60.0 * t) % 1.0,
            "breaths_per_min": float(e.rate_per_min) if usable and e is not None and e.rate_per_min is not None else math.nan,
            "agreement": float(e.phase_agreement_pct) if usable and e is not None and e.phase_agreement_pct is not None else math.nan,
            "too_much_movement": float(self._moving),
            "paused": float(self.paused),
        }

    def reps(self) -> int:
        """Pacer breaths completed."""
        if self._t0 is None or self.t_last_ns is None:
            return 0
        return int((self.t_last_ns - self._t0) / 1e9 * self.s.rate_per_min / 60.0)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        e = self._final()
        lm = self.est.estimate(pacer_rate=self.s.rate_per_min, pacer_t0_ns=self._t0 or 0, min_s=self.s.min_usable_s, signal="landmarks")
        m: dict[str, float | int | str | None] = {
            "breaths_per_min": e.rate_per_min if e.usable else None,
            "pacer_rate_per_min": self.s.rate_per_min,
            "phase_agreement_pct": e.phase_agreement_pct if e.usable else None,
            "phase_locking": e.phase_locking if e.usable else None,
            "regularity_cv_pct": e.regularity_cv_pct if e.usable else None,
            "breaths_seen": e.breaths if e.usable else None,
            "breaths_per_min_landmarks": lm.rate_per_min if lm.usable else None,
            "signal": e.source,
            "usable_s": round(float(e.usable_s), 2),
            "too_much_movement": "no" if e.usable else "yes",
            "movement_episodes": self.movement_episodes,
            "pacer_breaths": self.reps(),
            "validated": "no: tested on a moved still photo and generated landmarks only",
        }
        u = {"breaths_per_min": "breaths/min", "pacer_rate_per_min": "breaths/min", "phase_agreement_pct": "%", "phase_locking": "0..1",
             "regularity_cv_pct": "%", "breaths_seen": "count", "breaths_per_min_landmarks": "breaths/min", "signal": "", "usable_s": "s",
             "too_much_movement": "", "movement_episodes": "count", "pacer_breaths": "count", "validated": ""}
        d = {
            "breaths_per_min": "60 x the periodogram peak (0.05-0.8 Hz) of the breathing signal over the trial; none when movement made it unusable",
            "pacer_rate_per_min": "the balloon's rate",
            "phase_agreement_pct": "% of usable time the breathing phase was within 45 degrees of the balloon's (Hilbert phases)",
            "phase_locking": "phase-locking value |mean exp(i x phase difference)| with the balloon",
            "regularity_cv_pct": "coefficient of variation of breath-to-breath intervals (SD/mean)",
            "breaths_seen": "maxima of the band-passed breathing signal",
            "breaths_per_min_landmarks": "the same rate from the shoulder landmarks alone (without optical flow)",
            "signal": "flow (landmarks refined by optical flow on the chest) or landmarks (no images)",
            "usable_s": "time of breathing signal without too much movement",
            "too_much_movement": "yes when more than max_moving of the trial was moving or less than min_usable_s was usable (then no rate)",
            "movement_episodes": "times the child started moving too much (shown on the screen)",
            "pacer_breaths": "balloon cycles completed",
            "validated": "whether the breathing estimate is validated on real breathing (it is not)",
        }
        tm, tu, td = self._tracking_metrics()
        m.update(tm)
        u.update(tu)
        d.update(td)
        return m, u, d
