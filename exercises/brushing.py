"""Tooth brushing: two minutes, four mouth zones prompted in turn, brushing seen as a hand oscillating at the mouth.

What the camera sees (honest definitions)
-----------------------------------------
The camera sees the **hand**, not the teeth or the brush: the station measures that the brushing hand
is at the mouth and moving back and forth at a brushing rhythm. It cannot tell which teeth are
brushed, how hard, or whether the brush is in the mouth at all. "Time per zone" is the brushing time
*while that zone's picture was shown*, not a measured zone of the mouth.

Definitions (version 1; points and units in :mod:`exercises.daily_geometry`)
-----------------------------------------------------------------------------
hand at the mouth
    The hand point (palm centre of the hand landmarks, else the pose's wrist/index) is within
    ``at_mouth`` shoulder widths of the mouth (midpoint of the pose's mouth corners), per frame.
brushing
    At the mouth **and** oscillating: in the last ``window_s`` seconds of the hand point relative to
    the mouth (resampled to 30 Hz, linear trend removed, x and y), at least ``band_share`` of the
    signal power between 0.2 Hz and 15 Hz lies in the brushing band ``band_lo_hz``..``band_hi_hz``
    (1.5-5 Hz; ``scipy.signal.periodogram``), and the RMS displacement is at least ``min_amp``
    shoulder widths. A brushing **bout** starts at the middle of the first window that qualifies (or
    when the hand reached the mouth, if later) and ends when the hand leaves the mouth, or at the middle
    of the last qualifying window when the hand stays at the mouth without brushing.
brushing_s
    Sum of the bouts' lengths in the trial, s (``brushing_start`` / ``brushing_stop`` events).
brushed_share_pct
    ``100 * brushing_s / duration_s`` (the share of the two minutes actually brushed).
zone_*_s
    The trial is split into four equal prompt intervals (``upper_right``, ``upper_left``,
    ``lower_left``, ``lower_right``: the child's sides) shown as pictures in turn; brushing seconds
    falling in each. A ``zone_done`` event (value = the zone's brushed share, 0..1) closes each.
zones_done
    Zones brushed for at least ``zone_min_share`` of their interval (the repetitions).
freq_hz
    Median of the dominant frequency in the brushing band over brushing frames, Hz.

Prior art: camera-tracked brushing games for kindergarten children needed markers on the brush
(Chang et al., "Playful Toothbrush", CHI 2008); wrist-IMU detectors need a watch (Akther et al.,
"mORAL", 2019). Here: no marker and no wearable, only hand and pose landmarks from a webcam.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import BaseModel, Field, model_validator

from exercises import daily_geometry as dg
from exercises.base import Exercise, Settings, StepInput
from exercises.contract import Contract, Knob, Metric, Presets, Sound, SoundCue
from exercises.registry import register
from station.core import ScoreEvent

log = logging.getLogger(__name__)

ZONES = ("upper_right", "upper_left", "lower_left", "lower_right")
_FS = 30.0


class BrushingSettings(Settings):
    duration_s: Annotated[float, Knob("Brushing time", "s", step=10.0, harder=1, help="how long the child brushes (two minutes is the dental advice)")] = Field(
        120.0, ge=10.0, le=600.0, description="length of the brushing, s; split into four zone prompts")
    at_mouth: Annotated[float, Knob("Mouth zone", "shoulder widths", step=0.05, harder=-1, help="how near the mouth the hand must be")] = Field(
        0.6, gt=0.05, le=2.0, description="largest hand-to-mouth distance counted as at the mouth, shoulder widths")
    hand: str = Field("any", pattern="^(any|left|right)$", description="brushing hand (anatomical), or any")
    window_s: float = Field(1.0, ge=0.5, le=3.0, description="oscillation window, s")
    band_lo_hz: float = Field(1.5, gt=0.2, le=10.0)
    band_hi_hz: float = Field(5.0, gt=0.5, le=14.0)
    band_share: float = Field(0.5, gt=0.0, lt=1.0, description="share of the movement power in the brushing band")
    min_amp: float = Field(0.02, gt=0.0, le=1.0, description="smallest RMS hand displacement while brushing, shoulder widths")
    zone_min_share: float = Field(0.5, gt=0.0, le=1.0, description="share of a zone's interval brushed for it to count as done")

    @model_validator(mode="after")
    def _band(self) -> BrushingSettings:
        if not self.band_lo_hz < self.band_hi_hz:
            raise ValueError("band_lo_hz must be below band_hi_hz")
        return self


@dataclass(frozen=True, slots=True)
class BrushTeeth:
    """Brushes at 3 Hz at the mouth with short pauses (hand still at the mouth, or down on the table)."""

    description: str = "brushes at 3 Hz with short pauses"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]):  # type: ignore[no-untyped-def]
        from station.core import StepInput as SI
        from vision.synth_daily import brushing_stream

        segs: list[tuple[float, str]] = [(1.0, "away")]
        pattern = [(6.0, "brush"), (1.5, "still"), (5.0, "brush"), (1.5, "away")]
        total = 1.0
        k = 0
        while total < duration_s:
            d, mode = pattern[k % len(pattern)]
            d = min(d, duration_s - total)
            segs.append((d, mode))
            total += d
            k += 1
        frames, _ = brushing_stream(segs, image_size=image_size, t0_ns=t0_ns, seed=seed)
        return (SI.from_tracked(f) for f in frames)


@register
class Brushing(Exercise):
    name = "brushing"
    title = "Tooth brushing"
    inputs = ("pose", "hand")
    Settings = BrushingSettings
    contract = Contract(
        headline=(Metric("brushed_share_pct", "Two minutes brushed", "%", True), Metric("brushing_s", "Brushing time", "s", True),
                  Metric("zones_done", "Zones brushed", "count", True)),
        history="brushed_share_pct",
        events=("zone_start", "zone_done", "brushing_start", "brushing_stop", "time_up"),
        quality_events=("zone_done",),
        game="brush", pictogram="toothbrush", chart="events", stars=dg.ShareStars("brushed_share"), sim=BrushTeeth(),
        sounds=(SoundCue(Sound.CUE, "zone_start"), SoundCue(Sound.GOOD, "zone_done", min_quality=0.5),
                SoundCue(Sound.DONE, "brushing_start"), SoundCue(Sound.TRIAL_DONE, "time_up")),
        presets=Presets(easier={"duration_s": 60.0, "at_mouth": 0.8}, harder={"duration_s": 150.0, "at_mouth": 0.5}),
    )

    def __init__(self, settings: BrushingSettings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: BrushingSettings = self.settings  # type: ignore[assignment]
        self._t0: int | None = None
        self._buf: deque[tuple[int, float, float]] = deque()
        self._at_since: int | None = None
        self._bouts: list[tuple[int, int]] = []
        self._open: int | None = None
        self._last_ok: int | None = None
        self._zone = -1
        self._zone_done: set[int] = set()
        self._zone_share: dict[int, float] = {}
        self._time_up = False
        self._freqs: list[float] = []
        self._at_mouth_ns = 0
        self._prev_t: int | None = None
        self._prev_at = False
        self._no_body = 0
        self._live_dist = math.nan
        self._live_ratio = math.nan

    # -- zones ------------------------------------------------------------------------------
    def zone_bounds(self, k: int) -> tuple[int, int]:
        assert self._t0 is not None
        z = self.s.duration_s / len(ZONES) * 1e9
        return self._t0 + round(k * z), self._t0 + round((k + 1) * z)

    def _brushed_between(self, a: int, b: int, now: int | None = None) -> float:
        spans = list(self._bouts)
        if self._open is not None and now is not None:
            spans.append((self._open, now))
        return sum(max(0, min(b, e) - max(a, s)) for s, e in spans) / 1e9

    def _close_zone(self, k: int, t_ns: int, partial: bool) -> ScoreEvent:
        a, b = self.zone_bounds(k)
        brushed = self._brushed_between(a, b, t_ns)
        share = brushed / ((b - a) / 1e9)
        self._zone_done.add(k)
        self._zone_share[k] = share
        return self.event(t_ns, "zone_done", rep=k + 1, value=round(min(1.0, share), 4), unit="fraction", zone=ZONES[k],
                          brushed_s=round(brushed, 3), quality=round(min(1.0, share), 4), partial=partial)

    # -- scoring ----------------------------------------------------------------------------
    def _oscillation(self) -> tuple[float, float, float]:
        """(band power share, RMS displacement, dominant frequency) of the buffered hand movement."""
        from scipy import signal

        t = np.array([b[0] for b in self._buf], dtype=np.float64) / 1e9
        xy = np.array([(b[1], b[2]) for b in self._buf], dtype=np.float64)
        grid = np.arange(t[0], t[-1], 1 / _FS)
        if grid.size < 8:
            return 0.0, 0.0, math.nan
        res = np.stack([np.interp(grid, t, xy[:, k]) for k in (0, 1)], axis=1)
        res = signal.detrend(res, axis=0)
        rms = float(np.sqrt((res**2).sum(axis=1).mean()))
        f, pxx = signal.periodogram(res, fs=_FS, axis=0, detrend=False, window="hann")
        p = pxx.sum(axis=1)
        total = p[(f >= 0.2) & (f <= 15.0)].sum()
        band = (f >= self.s.band_lo_hz) & (f <= self.s.band_hi_hz)
        if total <= 0 or not band.any():
            return 0.0, rms, math.nan
        return float(p[band].sum() / total), rms, float(f[band][np.argmax(p[band])])

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        t = inp.t_ns
        if self._t0 is None:
            self._t0 = t
        ev: list[ScoreEvent] = []
        if self._time_up:
            return ev
        end = self._t0 + round(self.s.duration_s * 1e9)
        k = min(len(ZONES) - 1, int((t - self._t0) / (self.s.duration_s / len(ZONES) * 1e9)))
        if t >= end:
            ev += self._stop_bout(end)
            for z in range(len(ZONES)):
                if z not in self._zone_done:
                    ev.append(self._close_zone(z, end, partial=False))
            self._time_up = True
            ev.append(self.event(end, "time_up", value=round(self._brushed_between(self._t0, end), 3), unit="s"))
            return ev
        if k != self._zone:
            if self._zone >= 0 and self._zone not in self._zone_done:
                ev.append(self._close_zone(self._zone, self.zone_bounds(self._zone)[1], partial=False))
            self._zone = k
            ev.append(self.event(self.zone_bounds(k)[0], "zone_start", rep=k + 1, zone=ZONES[k]))
        pose = dg.pick_pose(inp.poses)
        at = False
        if pose is None:
            self._no_body += 1
        else:
            p = dg.iso(pose)
            sw = dg.shoulder_width(p)
            hp, _hand = dg.hand_point(p, inp.hands, self.s.hand)
            if hp is not None:
                rel = (hp - dg.mouth(p)) / sw
                self._live_dist = float(np.hypot(*rel))
                at = self._live_dist <= self.s.at_mouth
                if at:
                    self._buf.append((t, float(rel[0]), float(rel[1])))
        if self._prev_t is not None and self._prev_at and at:
            self._at_mouth_ns += min(t - self._prev_t, 200_000_000)
        self._prev_t, self._prev_at = t, at
        if not at:
            self._buf.clear()
            self._at_since = None
            ev += self._stop_bout(t)
            return ev
        if self._at_since is None:
            self._at_since = t
        win = round(self.s.window_s * 1e9)
        while self._buf and t - self._buf[0][0] > win:
            self._buf.popleft()
        ok = False
        if t - self._at_since >= 0.6 * win:
            ratio, rms, f = self._oscillation()
            self._live_ratio = ratio
            ok = ratio >= self.s.band_share and rms >= self.s.min_amp
            if ok and math.isfinite(f):
                self._freqs.append(f)
        if ok:
            self._last_ok = t
            if self._open is None:
                start = max(self._at_since, t - win // 2)
                if self._bouts and start < self._bouts[-1][1]:
                    start = self._bouts[-1][1]
                self._open = start
                ev.append(self.event(start, "brushing_start", zone=ZONES[k]))
        elif self._open is not None:
            ev += self._stop_bout(max(self._open, (self._last_ok or t) - win // 2), t)
        return ev

    def _stop_bout(self, end: int, t_event: int | None = None) -> list[ScoreEvent]:
        if self._open is None:
            return []
        start, self._open = self._open, None
        end = max(start, end)
        self._bouts.append((start, end))
        return [self.event(t_event if t_event is not None else end, "brushing_stop", value=round((end - start) / 1e9, 3), unit="s")]

    def _finish(self) -> list[ScoreEvent]:
        if self._t0 is None or self._time_up:
            return []
        t = self.t_last_ns or self._t0
        ev = self._stop_bout(t)
        if self._zone >= 0 and self._zone not in self._zone_done:
            ev.append(self._close_zone(self._zone, t, partial=True))
        return ev

    # -- results ----------------------------------------------------------------------------
    def _brushing_s(self) -> float:
        if self._t0 is None:
            return 0.0
        end = self._t0 + round(self.s.duration_s * 1e9)
        return self._brushed_between(self._t0, end, self.t_last_ns)

    def live(self) -> dict[str, float]:
        b = self._brushing_s()
        zone_left = math.nan
        if self._t0 is not None and self._zone >= 0 and self.t_last_ns is not None:
            zone_left = max(0.0, (self.zone_bounds(self._zone)[1] - self.t_last_ns) / 1e9)
        elapsed = (self.t_last_ns - self._t0) / 1e9 if self._t0 is not None and self.t_last_ns is not None else 0.0
        return {"brushing_s": b, "brushed_share": min(1.0, b / self.s.duration_s), "zone": float(max(0, self._zone)),
                "zone_left_s": zone_left, "time_left_s": max(0.0, self.s.duration_s - elapsed),
                "brushing": 1.0 if self._open is not None else 0.0, "mouth_distance": self._live_dist,
                "band_share": self._live_ratio}

    def reps(self) -> int:
        return sum(1 for v in self._zone_share.values() if v >= self.s.zone_min_share)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        b = self._brushing_s()
        m: dict[str, float | int | str | None] = {
            "brushing_s": round(b, 3),
            "brushed_share_pct": round(100 * min(1.0, b / self.s.duration_s), 2),
            "zones_done": self.reps(),
            "at_mouth_s": round(self._at_mouth_ns / 1e9, 3),
            "freq_hz": round(float(np.median(self._freqs)), 3) if self._freqs else None,
            "frames_without_body": self._no_body,
        }
        units = {"brushing_s": "s", "brushed_share_pct": "%", "zones_done": "count", "at_mouth_s": "s", "freq_hz": "Hz",
                 "frames_without_body": "count"}
        defs = {
            "brushing_s": f"time the hand was at the mouth (<= {self.s.at_mouth} shoulder widths) and oscillating at "
                          f"{self.s.band_lo_hz}-{self.s.band_hi_hz} Hz; the camera sees the hand, not the teeth",
            "brushed_share_pct": f"100 * brushing_s / {self.s.duration_s} s",
            "zones_done": f"zone prompts brushed for at least {self.s.zone_min_share:.0%} of their interval",
            "at_mouth_s": "time the hand was at the mouth, brushing or not",
            "freq_hz": "median dominant frequency in the brushing band while brushing",
            "frames_without_body": "frames without the child's shoulders and mouth in view",
        }
        if self._t0 is not None:
            for k, z in enumerate(ZONES):
                a, bb = self.zone_bounds(k)
                m[f"zone_{z}_s"] = round(self._brushed_between(a, bb, self.t_last_ns), 3)
                units[f"zone_{z}_s"] = "s"
                defs[f"zone_{z}_s"] = f"brushing seconds while the {z.replace('_', ' ')} picture was shown"
        return m, units, defs
