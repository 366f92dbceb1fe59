"""Finger taps: thumb-index tapping, counted with hysteresis on the normalised aperture.

Definitions (version 1)
-----------------------
aperture
    Thumb-tip to index-tip distance divided by the hand size (wrist to middle MCP), per frame, from
    MediaPipe's 3-D world landmarks when present, else from the image (see
    :mod:`exercises.hand_geometry`); dimensionless "hand sizes".
tap
    A closure: the aperture falls below ``close_below`` after having risen above ``open_above``
    (hysteresis; the first closure after the hand is first seen open counts). Its time is the
    frame where the aperture crossed ``close_below``; its **amplitude** is the largest aperture
    since the previous tap (or since the start). Each tap is a ``tap`` event (value = amplitude).
rate_hz
    ``(taps - 1) / (t_last_tap - t_first_tap)``.
amplitude_mean / amplitude_cv
    Mean amplitude and its coefficient of variation (SD / mean).
amplitude_slope
    Least-squares slope of amplitude against tap number (hand sizes per tap); negative = the taps
    get smaller (``scipy.stats.linregress``).
amplitude_decrement_pct
    ``100 * (1 - mean(last third) / mean(first third))`` of the amplitudes (needs 6 taps): how much
    smaller the last taps are than the first, in percent (the "decrement" rated in clinical finger
    tapping items).
iti_cv
    Coefficient of variation of the inter-tap intervals (rhythm regularity).
hesitations
    Inter-tap intervals longer than twice the median interval.

No normative values: there are no published pediatric norms for these camera measures in the
project, so reports show the child's own history (earlier sessions) instead.
"""

from __future__ import annotations

import logging

import numpy as np
from pydantic import field_validator, model_validator

from exercises import hand_geometry as hg
from exercises.base import Exercise, Settings, StepInput
from exercises.contract import Contract, CountStars, Metric, Sound, SoundCue
from exercises.registry import register
from exercises.simulated import TapFingers
from station.core import ScoreEvent

log = logging.getLogger(__name__)


class FingerTapSettings(Settings):
    close_below: float = 0.25
    """Aperture (hand sizes) under which thumb and index count as touching."""
    open_above: float = 0.45
    """Aperture (hand sizes) the fingers must exceed before the next closure counts."""
    hand: str = "any"
    duration_s: float = 10.0
    """Length of the trial; taps after it are not counted (a ``time_up`` event marks the end)."""
    max_taps: int = 0
    """Stop counting after this many taps (e.g. 10, as clinical finger-tapping items rate the first
    ten); 0 = no limit. A ``taps_done`` event marks the end."""

    @field_validator("hand")
    @classmethod
    def _hand(cls, v: str) -> str:
        if v.lower() not in ("any", "left", "right"):
            raise ValueError("hand must be any, left or right")
        return v.lower()

    @field_validator("close_below", "open_above")
    @classmethod
    def _thresholds(cls, v: float) -> float:
        if not 0 < v < 5:
            raise ValueError("must be between 0 and 5 hand sizes")
        return v

    @field_validator("duration_s")
    @classmethod
    def _duration(cls, v: float) -> float:
        if not 0 < v <= 3600:
            raise ValueError("must be in (0, 3600] seconds")
        return v

    @field_validator("max_taps")
    @classmethod
    def _max_taps(cls, v: int) -> int:
        if not 0 <= v <= 10_000:
            raise ValueError("must be 0 (no limit) to 10000")
        return v

    @model_validator(mode="after")
    def _order(self) -> FingerTapSettings:
        if not self.close_below < self.open_above:
            raise ValueError("close_below must be smaller than open_above")
        return self


@register
class FingerTaps(Exercise):
    name = "finger_taps"
    title = "Finger taps"
    contract = Contract(
        headline=(Metric("taps", "Taps", "count", True), Metric("rate_hz", "Tap rate", "Hz", True),
                  Metric("amplitude_decrement_pct", "Amplitude decrement", "%", False)),
        history="taps",
        events=("tap", "taps_done", "time_up"),
        quality_events=("tap",),
        game="hand", pictogram="taps", chart="reps", stars=CountStars(), sim=TapFingers(),
        sounds=(SoundCue(Sound.DONE, "tap"), SoundCue(Sound.TRIAL_DONE, "taps_done")),
    )
    inputs = ("hand",)
    Settings = FingerTapSettings
    settings: FingerTapSettings

    def __init__(self, settings: FingerTapSettings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: FingerTapSettings = self.settings
        self._switch = hg.Hysteresis(self.s.close_below, self.s.open_above)
        self._seen_open = False
        self._peak = 0.0
        self._tap_ns: list[int] = []
        self._amp: list[float] = []
        self._last_ap = float("nan")
        self._t0: int | None = None
        self._time_up = False
        self._hands: dict[str, int] = {}
        self._frames_without_hand = 0

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        if self._t0 is None:
            self._t0 = inp.t_ns
        events: list[ScoreEvent] = []
        if not self._time_up and inp.t_ns - self._t0 > self.s.duration_s * 1e9:
            self._time_up = True
            events.append(self.event(inp.t_ns, "time_up", value=float(len(self._tap_ns)), unit="taps"))
        if self._time_up or (self.s.max_taps and len(self._tap_ns) >= self.s.max_taps):
            return events
        hands = [h for h in inp.hands if self.s.hand == "any" or h.handedness.lower() == self.s.hand]
        if not hands:
            self._frames_without_hand += 1
            return events
        hand = max(hands, key=lambda h: h.score)
        self._hands[hand.handedness] = self._hands.get(hand.handedness, 0) + 1
        ap = hg.measures(hand)[0]
        self._last_ap = ap
        self._peak = max(self._peak, ap)
        if ap > self.s.open_above:
            self._seen_open = True
        if self._switch.update(ap) is True and self._seen_open:
            self._tap_ns.append(inp.t_ns)
            self._amp.append(self._peak)
            events.append(self.event(inp.t_ns, "tap", rep=len(self._tap_ns), value=self._peak, unit="hand_size"))
            self._peak = ap
            if self.s.max_taps and len(self._tap_ns) == self.s.max_taps:
                events.append(self.event(inp.t_ns, "taps_done", value=(inp.t_ns - self._t0) / 1e9, unit="s"))
        return events

    def live(self) -> dict[str, float]:
        n = len(self._tap_ns)
        rate = (n - 1) / ((self._tap_ns[-1] - self._tap_ns[0]) / 1e9) if n > 1 and self._tap_ns[-1] > self._tap_ns[0] else float("nan")
        return {"taps": float(n), "aperture": self._last_ap, "rate_hz": rate,
                "last_amplitude": self._amp[-1] if self._amp else float("nan")}

    def reps(self) -> int:
        return len(self._tap_ns)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        from scipy import stats

        t = np.asarray(self._tap_ns, dtype=np.int64)
        a = np.asarray(self._amp, dtype=np.float64)
        n = len(t)
        span = (t[-1] - t[0]) / 1e9 if n > 1 else 0.0
        iti = np.diff(t) / 1e9
        third = n // 3
        m: dict[str, float | int | str | None] = {
            "taps": n,
            "rate_hz": (n - 1) / span if span > 0 else None,
            "amplitude_mean": float(a.mean()) if n else None,
            "amplitude_cv": float(a.std() / a.mean()) if n > 1 and a.mean() > 0 else None,
            "amplitude_slope": float(stats.linregress(np.arange(n), a).slope) if n >= 3 else None,
            "amplitude_decrement_pct": float(100 * (1 - a[-third:].mean() / a[:third].mean())) if n >= 6 else None,
            "iti_mean_s": float(iti.mean()) if n > 1 else None,
            "iti_cv": float(iti.std() / iti.mean()) if n > 2 else None,
            "hesitations": int(np.count_nonzero(iti > 2 * np.median(iti))) if n > 2 else 0,
            "frames_without_hand": self._frames_without_hand,
            "hand_used": max(self._hands, key=lambda h: self._hands[h]) if self._hands else None,
        }
        units = {"taps": "count", "rate_hz": "Hz", "amplitude_mean": "hand_size", "amplitude_cv": "fraction",
                 "amplitude_slope": "hand_size/tap", "amplitude_decrement_pct": "%", "iti_mean_s": "s", "iti_cv": "fraction",
                 "hesitations": "count", "frames_without_hand": "count", "hand_used": ""}
        defs = {
            "taps": f"closures of thumb and index: aperture below {self.s.close_below} after above {self.s.open_above} hand sizes",
            "rate_hz": "(taps - 1) / time from first to last tap",
            "amplitude_mean": "mean of the largest aperture before each tap (hand size = wrist to middle MCP)",
            "amplitude_cv": "SD / mean of the tap amplitudes",
            "amplitude_slope": "least-squares slope of amplitude against tap number",
            "amplitude_decrement_pct": "100 * (1 - mean amplitude of the last third / first third of taps)",
            "iti_mean_s": "mean inter-tap interval",
            "iti_cv": "SD / mean of the inter-tap intervals",
            "hesitations": "inter-tap intervals longer than twice the median interval",
            "frames_without_hand": "frames in the trial without the selected hand",
            "hand_used": "handedness of most frames (anatomical, unmirrored image)",
        }
        return m, units, defs
