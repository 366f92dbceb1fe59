"""Grip exercises from the dynamometer: squeeze to a zone and hold, maximal squeezes, repeated
squeezes, and tracking a moving force target.

Conventions: input is ``inp.samples`` (:class:`~station.core.SensorSample`) carrying the channel
``channel`` (default ``"force"``) in newtons; samples of other devices are ignored. Time is the
sample's ``t_ns`` on the session clock; the trial starts at the first grip sample. Sample rates may
be uneven (a plain-format dynamometer at 9600 baud gives about 80 Hz with jitter): durations are
summed from sample intervals (each sample holds until the next, intervals longer than ``gap_s``
are not counted) and never assume a nominal rate.

Definitions (version 1)
-----------------------
Squeeze
    Force rises above ``onset_n`` and later falls below ``release_frac`` x ``onset_n``
    (hysteresis). Onset time = first sample above ``onset_n``; ``peak_n`` = largest force in the
    squeeze; ``time_to_peak_s`` = peak time - onset time.
Zone (``grip_squeeze``)
    ``zone_lo_n <= force <= zone_hi_n``. The balloon fills with continuous time in the zone; a
    ``hold_done`` event (one repetition) when a continuous stay reaches ``hold_s``; leaving the
    zone before that empties the balloon. ``hold_mean_n`` = mean force while in the zone
    (time-weighted), ``time_in_zone_s`` = total time in the zone.
Best of 3 (``grip_max``)
    Largest peak of the first three squeezes (the clinical Jamar-style protocol).
Fatigue index (``grip_max``, ``grip_repeat``)
    ``100 x (first peak - last peak) / first peak`` over the squeezes of the trial (percent; positive
    = weaker at the end); needs two squeezes or more.
Tracking error (``grip_tracking``)
    Target force ``target(t)`` (a sine from ``target_lo_n`` to ``target_hi_n`` with period
    ``period_s``, starting at its low point, or a target function given in code). Per sample
    ``e = force - target``; ``rmse_n`` = time-weighted root mean square of ``e``,
    ``mae_n`` mean absolute error, ``bias_n`` mean signed error, ``in_band_pct`` the time within
    ``tolerance_n`` of the target, ``excess_rmse_n`` the RMS of the error beyond the band
    (``sign(e) x max(0, |e| - tolerance_n)``, the error the source study of the shared grip traces
    records).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, ClassVar

import numpy as np
from pydantic import Field, model_validator

from exercises.base import Exercise, Settings, SettingsModel, StepInput
from exercises.contract import Contract, CountStars, Knob, Metric, Presets, Sound, SoundCue
from exercises.registry import register
from exercises.simulated import DeviceChild
from station.core import ScoreEvent

log = logging.getLogger(__name__)


class GripSettings(Settings):
    channel: str = Field("force", min_length=1, description="force channel name")
    onset_n: float = Field(20.0, gt=0.0, le=2000.0, description="force that starts a squeeze, N")
    release_frac: float = Field(0.5, gt=0.0, lt=1.0, description="a squeeze ends below release_frac x onset_n")
    gap_s: float = Field(0.5, gt=0.0, le=60.0, description="sample intervals longer than this are not counted, s")


@dataclass
class Squeeze:
    onset_ns: int
    peak_ns: int
    end_ns: int
    peak_n: float

    @property
    def time_to_peak_s(self) -> float:
        return (self.peak_ns - self.onset_ns) / 1e9


class _GripBase(Exercise):
    """Squeeze detection and bookkeeping shared by the grip exercises."""

    inputs = ("grip",)
    Settings: ClassVar[type[Settings]] = GripSettings
    settings: GripSettings

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.g: GripSettings = self.settings
        self.squeezes: list[Squeeze] = []
        self._in = False
        self._onset = 0
        self._peak = -math.inf
        self._peak_ns = 0
        self._prev: tuple[int, float] | None = None
        self.t0_ns: int | None = None
        self.force = math.nan
        self.n_samples = 0
        self.max_force = -math.inf

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        events: list[ScoreEvent] = []
        for s in inp.samples:
            if self.g.channel not in s.channels:
                continue
            f = s.value(self.g.channel)
            if not math.isfinite(f):
                continue
            if self.t0_ns is None:
                self.t0_ns = s.t_ns
            self.n_samples += 1
            self.force = f
            self.max_force = max(self.max_force, f)
            dt = 0.0
            if self._prev is not None:
                d = (s.t_ns - self._prev[0]) / 1e9
                dt = d if 0 < d <= self.g.gap_s else 0.0
            events += self._sample(s.t_ns, f, dt)
            events += self._squeeze(s.t_ns, f)
            self._prev = (s.t_ns, f)
        return events

    def _squeeze(self, t_ns: int, f: float) -> list[ScoreEvent]:
        if not self._in:
            if f >= self.g.onset_n:
                self._in, self._onset, self._peak, self._peak_ns = True, t_ns, f, t_ns
            return []
        if f > self._peak:
            self._peak, self._peak_ns = f, t_ns
        if f < self.g.release_frac * self.g.onset_n:
            self._in = False
            sq = Squeeze(self._onset, self._peak_ns, t_ns, self._peak)
            self.squeezes.append(sq)
            return self._on_squeeze(sq)
        return []

    def _on_squeeze(self, sq: Squeeze) -> list[ScoreEvent]:
        return [self.event(sq.end_ns, "squeeze", rep=len(self.squeezes), value=sq.peak_n, unit="N",
                           onset_ns=sq.onset_ns, time_to_peak_s=round(sq.time_to_peak_s, 4))]

    def _sample(self, t_ns: int, f: float, dt: float) -> list[ScoreEvent]:
        return []

    def _finish(self) -> list[ScoreEvent]:
        if self._in and self._prev is not None:  # a squeeze still held at the end of the trial
            self._in = False
            sq = Squeeze(self._onset, self._peak_ns, self._prev[0], self._peak)
            self.squeezes.append(sq)
            return self._on_squeeze(sq)
        return []

    def _squeeze_metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        sq = self.squeezes
        peaks = [s.peak_n for s in sq]
        fat = 100.0 * (peaks[0] - peaks[-1]) / peaks[0] if len(peaks) >= 2 and peaks[0] > 0 else None
        m: dict[str, float | int | str | None] = {
            "squeezes": len(sq),
            "peak_n": float(max(peaks)) if peaks else (float(self.max_force) if self.n_samples else None),
            "best_of_3_n": float(max(peaks[:3])) if peaks else None,
            "time_to_peak_s": float(sq[int(np.argmax(peaks))].time_to_peak_s) if peaks else None,
            "fatigue_index_pct": fat,
            "peaks_n": ",".join(f"{p:.2f}" for p in peaks),
            "samples": self.n_samples,
            "duration_s": self.duration_s,
        }
        u = {"squeezes": "count", "peak_n": "N", "best_of_3_n": "N", "time_to_peak_s": "s", "fatigue_index_pct": "%",
             "peaks_n": "N", "samples": "count", "duration_s": "s"}
        d = {
            "squeezes": "force above onset_n, then below release_frac x onset_n",
            "peak_n": "largest squeeze peak (the largest force when there was no squeeze)",
            "best_of_3_n": "largest peak of the first three squeezes",
            "time_to_peak_s": "onset to peak of the strongest squeeze",
            "fatigue_index_pct": "100 x (first peak - last peak) / first peak",
            "peaks_n": "every squeeze peak, comma-separated",
            "samples": "grip samples scored",
            "duration_s": "time from the first to the last step of the trial",
        }
        return m, u, d

    def live(self) -> dict[str, float]:
        return {"force_n": self.force, "reps": float(self.reps()), "in_squeeze": float(self._in),
                "peak_n": float(self.max_force) if self.n_samples else math.nan}  # the highest force so far (dashboard)

    def reps(self) -> int:
        return len(self.squeezes)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        return self._squeeze_metrics()


# ------------------------------------------------------------------------------------------------
class SqueezeSettings(GripSettings):
    zone_lo_n: Annotated[float, Knob("Zone low", "N", step=10.0, harder=1, help="lower edge of the squeeze zone")] = Field(120.0, ge=0.0, le=2000.0, description="lower edge of the target zone, N (set per child)")
    zone_hi_n: Annotated[float, Knob("Zone high", "N", step=10.0, harder=1, help="upper edge of the squeeze zone")] = Field(220.0, gt=0.0, le=2000.0, description="upper edge of the target zone, N (set per child)")
    hold_s: Annotated[float, Knob("Hold", "s", step=0.5, harder=1, help="time in the zone that fills the balloon")] = Field(2.0, gt=0.0, le=600.0, description="continuous time in the zone that fills the balloon, s")

    @model_validator(mode="after")
    def _zone(self) -> SqueezeSettings:
        if not self.zone_lo_n < self.zone_hi_n:
            raise ValueError("zone_lo_n must be below zone_hi_n")
        return self


@register
class GripSqueeze(_GripBase):
    """Squeeze into a target zone and hold: a balloon fills while the force stays in the zone."""

    name = "grip_squeeze"
    title = "Squeeze and hold"
    contract = Contract(
        headline=(Metric("time_in_zone_s", "Time in the zone", "s", True), Metric("holds", "Holds", "count", True),
                  Metric("peak_n", "Peak force", "N", True)),
        history="peak_n",
        events=("squeeze", "hold_done", "left_zone"),
        quality_events=("hold_done",),
        game="grip", pictogram="balloon", chart="force", stars=CountStars(), sim=DeviceChild("grip", "squeeze"),
        sounds=(SoundCue(Sound.DONE, "hold_done"), SoundCue(Sound.TRY_AGAIN, "left_zone")),
        presets=Presets(easier={"zone_lo_n": 80.0, "zone_hi_n": 200.0, "hold_s": 1.5}, harder={"zone_lo_n": 150.0, "zone_hi_n": 240.0, "hold_s": 3.0}),
    )
    Settings: ClassVar[type[Settings]] = SqueezeSettings
    settings: SqueezeSettings

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.z: SqueezeSettings = self.settings
        self.holds: list[tuple[int, float]] = []  # (time, mean force of the hold)
        self._stay_s = 0.0
        self._stay_f = 0.0
        self._done_this_stay = False
        self.time_in_zone_s = 0.0
        self._zone_force_s = 0.0
        self._was_in = False

    def _sample(self, t_ns: int, f: float, dt: float) -> list[ScoreEvent]:
        prev_in = self._was_in
        if prev_in and dt > 0:  # the previous sample's force held for dt
            self.time_in_zone_s += dt
            self._zone_force_s += self._prev[1] * dt if self._prev else 0.0
            self._stay_s += dt
            self._stay_f += self._prev[1] * dt if self._prev else 0.0
        now_in = self.z.zone_lo_n <= f <= self.z.zone_hi_n
        events: list[ScoreEvent] = []
        if prev_in and not self._done_this_stay and self._stay_s >= self.z.hold_s:
            self._done_this_stay = True
            mean_f = self._stay_f / self._stay_s
            self.holds.append((t_ns, mean_f))
            events.append(self.event(t_ns, "hold_done", rep=len(self.holds), value=round(self._stay_s, 4), unit="s",
                                     mean_n=round(mean_f, 3)))
        if not now_in:
            if prev_in and not self._done_this_stay and self._stay_s > 0:
                events.append(self.event(t_ns, "left_zone", rep=len(self.holds), value=round(self._stay_s, 4), unit="s"))
            self._stay_s = self._stay_f = 0.0
            self._done_this_stay = False
        self._was_in = now_in
        return events

    def live(self) -> dict[str, float]:
        out = super().live()
        out.update(fill=min(1.0, self._stay_s / self.z.hold_s), in_zone=float(self._was_in), reps=float(len(self.holds)))
        return out

    def reps(self) -> int:
        return len(self.holds)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m, u, d = self._squeeze_metrics()
        m.update({
            "holds": len(self.holds),
            "time_in_zone_s": self.time_in_zone_s,
            "hold_mean_n": self._zone_force_s / self.time_in_zone_s if self.time_in_zone_s > 0 else None,
            "zone_n": f"{self.z.zone_lo_n:g}-{self.z.zone_hi_n:g}",
        })
        u.update({"holds": "count", "time_in_zone_s": "s", "hold_mean_n": "N", "zone_n": "N"})
        d.update({
            "holds": "continuous stays in the zone that reached hold_s",
            "time_in_zone_s": "total time with zone_lo_n <= force <= zone_hi_n",
            "hold_mean_n": "time-weighted mean force while in the zone",
            "zone_n": "the target zone",
        })
        return m, u, d


# ------------------------------------------------------------------------------------------------
@register
class GripMax(_GripBase):
    """Maximal squeezes: best of 3, time to peak, fatigue index over repeated maximal squeezes."""

    name = "grip_max"
    title = "Strongest squeeze"
    contract = Contract(
        headline=(Metric("peak_n", "Peak force", "N", True), Metric("best_of_3_n", "Best of three", "N", True),
                  Metric("time_to_peak_s", "Time to peak", "s", False)),
        history="peak_n",
        events=("squeeze",),
        quality_events=("squeeze",),
        game="grip", pictogram="balloon", chart="force", stars=CountStars(), sim=DeviceChild("grip", "squeeze"),
        sounds=(SoundCue(Sound.DONE, "squeeze"),),
    )


@register
class GripRepeat(_GripBase):
    """Repeated squeezes above a threshold: count, rhythm and fatigue."""

    name = "grip_repeat"
    title = "Squeeze again and again"
    contract = Contract(
        headline=(Metric("squeezes", "Squeezes", "count", True), Metric("mean_interval_s", "Mean interval", "s", None),
                  Metric("fatigue_index_pct", "Fatigue index", "%", False)),
        history="squeezes",
        events=("squeeze",),
        quality_events=("squeeze",),
        game="grip", pictogram="balloon", chart="force", stars=CountStars(), sim=DeviceChild("grip", "squeeze"),
        sounds=(SoundCue(Sound.DONE, "squeeze"),),
    )

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m, u, d = self._squeeze_metrics()
        on = np.array([s.onset_ns for s in self.squeezes], dtype=np.float64)
        iv = np.diff(on) / 1e9 if on.size > 1 else np.array([])
        m.update({"mean_interval_s": float(iv.mean()) if iv.size else None,
                  "cv_interval": float(iv.std(ddof=1) / iv.mean()) if iv.size > 1 and iv.mean() > 0 else None})
        u.update({"mean_interval_s": "s", "cv_interval": "ratio"})
        d.update({"mean_interval_s": "mean time between successive squeeze onsets",
                  "cv_interval": "coefficient of variation of the intervals (rhythm regularity)"})
        return m, u, d


# ------------------------------------------------------------------------------------------------
class TrackingSettings(GripSettings):
    target_lo_n: float = Field(20.0, ge=0.0, le=2000.0, description="lowest target force, N")
    target_hi_n: float = Field(60.0, gt=0.0, le=2000.0, description="highest target force, N")
    period_s: float = Field(6.0, gt=0.1, le=600.0, description="period of the sine target, s")
    tolerance_n: Annotated[float, Knob("Tolerance", "N", step=0.5, harder=-1, help="how close to the line counts as on it")] = Field(3.0, ge=0.0, le=2000.0, description="band around the target counted as on target, N")

    @model_validator(mode="after")
    def _range(self) -> TrackingSettings:
        if not self.target_lo_n < self.target_hi_n:
            raise ValueError("target_lo_n must be below target_hi_n")
        return self


TargetFn = Callable[[float], float]
"""Target force in N as a function of trial time in seconds (0 = first grip sample)."""


@register
class GripTracking(_GripBase):
    """Follow a moving force target; scored by the tracking error."""

    name = "grip_tracking"
    title = "Follow the line"
    contract = Contract(
        headline=(Metric("in_band_pct", "Time on the line", "%", True), Metric("rmse_n", "RMS error", "N", False),
                  Metric("bias_n", "Bias", "N", None)),
        history="in_band_pct",
        events=("squeeze",),
        quality_events=(),
        game="grip", pictogram="balloon", chart="force", stars=CountStars(), sim=DeviceChild("grip", "hold"),
        presets=Presets(easier={"tolerance_n": 6.0}, harder={"tolerance_n": 2.0}),
    )
    Settings: ClassVar[type[Settings]] = TrackingSettings
    settings: TrackingSettings

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0, target: TargetFn | None = None) -> None:
        super().__init__(settings, trial=trial)
        self.tr: TrackingSettings = self.settings
        self.target: TargetFn = target if target is not None else self._sine
        self._w = 0.0
        self._se = 0.0
        self._ae = 0.0
        self._e = 0.0
        self._band = 0.0
        self._xe = 0.0
        self._last: tuple[float, float] | None = None  # (error, target) of the previous sample
        self.error_n = math.nan

    def _sine(self, t_s: float) -> float:
        lo, hi = self.tr.target_lo_n, self.tr.target_hi_n
        return lo + (hi - lo) * 0.5 * (1 - math.cos(2 * math.pi * t_s / self.tr.period_s))

    def _sample(self, t_ns: int, f: float, dt: float) -> list[ScoreEvent]:
        assert self.t0_ns is not None
        tgt = float(self.target((t_ns - self.t0_ns) / 1e9))
        e = f - tgt
        if self._last is not None and dt > 0:  # the previous sample's error held for dt
            pe = self._last[0]
            self._w += dt
            self._se += pe * pe * dt
            self._ae += abs(pe) * dt
            self._e += pe * dt
            tol = self.tr.tolerance_n
            if abs(pe) <= tol:
                self._band += dt
            x = max(0.0, abs(pe) - tol)
            self._xe += x * x * dt
        self._last = (e, tgt)
        self.error_n = e
        return []

    def live(self) -> dict[str, float]:
        out = super().live()
        out.update(error_n=self.error_n, target_n=self._last[1] if self._last else math.nan,
                   rmse_n=math.sqrt(self._se / self._w) if self._w > 0 else math.nan)
        return out

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m, u, d = self._squeeze_metrics()
        w = self._w
        m.update({
            "rmse_n": math.sqrt(self._se / w) if w > 0 else None,
            "mae_n": self._ae / w if w > 0 else None,
            "bias_n": self._e / w if w > 0 else None,
            "in_band_pct": 100.0 * self._band / w if w > 0 else None,
            "excess_rmse_n": math.sqrt(self._xe / w) if w > 0 else None,
            "tracked_s": w,
        })
        u.update({"rmse_n": "N", "mae_n": "N", "bias_n": "N", "in_band_pct": "%", "excess_rmse_n": "N", "tracked_s": "s"})
        d.update({
            "rmse_n": "time-weighted RMS of force - target",
            "mae_n": "time-weighted mean |force - target|",
            "bias_n": "time-weighted mean force - target (positive = squeezing too hard)",
            "in_band_pct": "time within tolerance_n of the target, percent of tracked time",
            "excess_rmse_n": "RMS of the error beyond the tolerance band",
            "tracked_s": "time over which the error was integrated",
        })
        return m, u, d
