"""Seated posture while writing (desk mode): share of time upright, a gentle cue after a long slump.

A laptop or classroom camera in front of the child sees the upper body. **No video is stored** in
desk mode (the station stores video only when the therapist turns recording on; this exercise needs
only the pose landmarks). Pair it with a pen-trace import (``station analyze-trace``) for handwriting
sessions: the posture trial and the handwriting file land in the same session history.

Calibration: for the first ``calib_s`` seconds the child sits upright ("sit tall like a tree"); the
medians of the measures below over that time are the child's own upright reference.

Definitions (version 1; frontal view; points and units in :mod:`exercises.daily_geometry`)
------------------------------------------------------------------------------------------
head angle (``head_deg``)
    Forward tilt of the head from the upright reference, from the frontal projection: the vertical
    distance from the shoulder line up to the nose, in shoulder widths, shrinks with the cosine of the
    tilt: ``acos(r / r_upright)`` in degrees (0 = as upright as in the calibration). It includes the
    trunk's own lean (the head leans with the trunk).
trunk angle (``trunk_deg``)
    Forward lean of the trunk: with the hips in view (visibility >= 0.5), ``acos`` of the hip-to-shoulder
    height over its upright value; otherwise from how far the shoulder line came down since the
    calibration, over an assumed trunk length of ``trunk_sw`` shoulder widths:
    ``acos(1 - drop / trunk_sw)``. A projection estimate: turning or sliding down in the chair reads as
    lean too.
head-to-desk distance (``head_desk_cm``)
    Eye height above the desk line (``desk_y``, fraction of the frame height; default the bottom edge of
    the picture), in shoulder widths, times ``shoulder_cm`` (an assumed child shoulder width, cm).
    An estimate for trends within a child, not a measured distance.
noise
    Near upright the projection angles are noisy and biased upward (``acos`` is steep near 1: 1 % of noise
    in a height ratio reads as about 8 degrees); the limits below sit well above that.
upright
    ``trunk_deg <= trunk_max`` and ``head_deg <= head_max`` (per frame; frames without the shoulders
    count as not observed). Each frame stands for the time to the next (at most 0.2 s).
slump / cue
    A slump starts at the first frame not upright; when it has lasted ``cue_after_s`` a ``slump_cue``
    event asks for a gentle cue (once per slump); ``upright_again`` (value = slump duration, s) ends it.
upright_share_pct
    ``100 * upright time / observed time`` after the calibration.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import BaseModel, Field

from exercises import daily_geometry as dg
from exercises.base import Exercise, Settings, StepInput
from exercises.contract import Contract, Knob, Metric, Presets, Sound, SoundCue
from exercises.registry import register
from station.core import PoseObservation, ScoreEvent

log = logging.getLogger(__name__)

_MAX_DT = 200_000_000


class PostureSettings(Settings):
    calib_s: float = Field(3.0, ge=1.0, le=30.0, description="upright calibration at the start, s")
    trunk_max: Annotated[float, Knob("Trunk lean", "degrees", step=2.0, harder=-1, help="how far the trunk may lean and still count as upright")] = Field(
        15.0, gt=0.0, le=90.0, description="largest trunk lean counted as upright, degrees")
    head_max: Annotated[float, Knob("Head tilt", "degrees", step=2.0, harder=-1, help="how far the head may tilt and still count as upright")] = Field(
        25.0, gt=0.0, le=90.0, description="largest head tilt counted as upright, degrees")
    cue_after_s: Annotated[float, Knob("Cue after", "s", step=1.0, harder=-1, help="how long a slump lasts before a gentle cue")] = Field(
        5.0, ge=1.0, le=300.0, description="slump duration before the gentle cue, s")
    block_s: float = Field(10.0, ge=2.0, le=600.0, description="length of a scored block (one dot on the child's screen), s")
    trunk_sw: float = Field(1.6, gt=0.3, le=5.0, description="assumed trunk length (hips to shoulders), shoulder widths")
    shoulder_cm: float = Field(28.0, gt=10.0, le=60.0, description="assumed shoulder width of the child, cm")
    desk_y: float = Field(1.0, ge=0.3, le=1.5, description="height of the desk line in the picture, frame heights from the top")


@dataclass(frozen=True, slots=True)
class SitAndSlump:
    """Sits upright, then slumps over the desk for 8 s (trunk 30, head 40 degrees), then sits up again."""

    description: str = "sits upright, slumps for 8 s, sits up"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]):  # type: ignore[no-untyped-def]
        from station.core import StepInput as SI
        from vision.synth_daily import posture_stream

        up = max(1.0, (duration_s - 8.0) / 2)
        frames, _ = posture_stream([(up, 0.0, 0.0), (8.0, 30.0, 40.0), (max(1.0, duration_s - up - 8.0), 3.0, 5.0)],
                                   image_size=image_size, t0_ns=t0_ns, seed=seed)
        return (SI.from_tracked(f) for f in frames)


@register
class Posture(Exercise):
    name = "posture"
    title = "Seated posture (desk)"
    inputs = ("pose",)
    Settings = PostureSettings
    contract = Contract(
        headline=(Metric("upright_share_pct", "Time upright", "%", True), Metric("slump_cues", "Slump cues", "count", False),
                  Metric("head_desk_cm_mean", "Head to desk", "cm", True)),
        history="upright_share_pct",
        events=("calibrated", "slump_cue", "upright_again", "block_done"),
        quality_events=("block_done",),
        game="posture", pictogram="desk", chart="posture", stars=dg.ShareStars("upright_share"), sim=SitAndSlump(),
        sounds=(SoundCue(Sound.DONE, "calibrated"), SoundCue(Sound.CUE, "slump_cue"),
                SoundCue(Sound.GOOD, "upright_again")),
        presets=Presets(easier={"trunk_max": 20.0, "head_max": 30.0, "cue_after_s": 8.0},
                        harder={"trunk_max": 10.0, "head_max": 20.0, "cue_after_s": 3.0}),
    )

    def __init__(self, settings: PostureSettings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: PostureSettings = self.settings  # type: ignore[assignment]
        self._t0: int | None = None
        self._calib: list[tuple[float, float, float, float]] = []  # neck ratio, shoulder y, shoulder width, hip ratio
        self._ref: tuple[float, float, float, float] | None = None
        self._prev: tuple[int, bool | None] | None = None
        self._upright_ns = 0
        self._observed_ns = 0
        self._block_up = 0
        self._block_obs = 0
        self._block_k = 0
        self._slump_t: int | None = None
        self._cued = False
        self._slumps = 0
        self._cues = 0
        self._trunk: list[float] = []
        self._head: list[float] = []
        self._desk: list[float] = []
        self._live: dict[str, float] = {"trunk_deg": math.nan, "head_deg": math.nan, "head_desk_cm": math.nan, "upright": math.nan}

    @staticmethod
    def _raw(o: PoseObservation) -> tuple[float, float, float, float, float] | None:
        """(neck ratio, shoulder-line y, shoulder width, hip ratio or NaN, eye y) of one pose, or ``None``."""
        if not dg.seen(o, 0, 11, 12):
            return None
        p = dg.iso(o)
        sw = dg.shoulder_width(p)
        sh_y = float((p[11, 1] + p[12, 1]) / 2)
        neck = (sh_y - float(p[0, 1])) / sw
        hips = dg.seen(o, 23, 24)
        hip = (float((p[23, 1] + p[24, 1]) / 2) - sh_y) / sw if hips else math.nan
        eye_y = float((p[2, 1] + p[5, 1]) / 2)
        return neck, sh_y, sw, hip, eye_y

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        t = inp.t_ns
        if self._t0 is None:
            self._t0 = t
        ev: list[ScoreEvent] = []
        pose = next((o for o in inp.poses if o.person == 0), None)
        raw = self._raw(pose) if pose is not None else None
        if self._ref is None:
            if raw is not None:
                self._calib.append(raw[:4])
            if t - self._t0 >= self.s.calib_s * 1e9 and self._calib:
                a = np.array(self._calib)
                hip = a[:, 3][np.isfinite(a[:, 3])]
                self._ref = (float(np.median(a[:, 0])), float(np.median(a[:, 1])), float(np.median(a[:, 2])),
                             float(np.median(hip)) if hip.size > len(a) // 2 else math.nan)
                ev.append(self.event(t, "calibrated", value=round(self._ref[0], 4), unit="shoulder_widths",
                                     frames=len(self._calib)))
                self._prev = (t, None)
            return ev
        upright: bool | None = None
        if raw is not None:
            neck, sh_y, sw, hip, eye_y = raw
            r_neck, r_sh, r_sw, r_hip = self._ref
            head = math.degrees(math.acos(max(-1.0, min(1.0, neck / r_neck)))) if r_neck > 0 else math.nan
            if math.isfinite(hip) and math.isfinite(r_hip) and r_hip > 0:
                trunk = math.degrees(math.acos(max(-1.0, min(1.0, hip / r_hip))))
            else:
                drop = (sh_y - r_sh) / r_sw
                trunk = math.degrees(math.acos(max(-1.0, min(1.0, 1 - max(0.0, drop) / self.s.trunk_sw))))
            desk = (self.s.desk_y - eye_y) / sw * self.s.shoulder_cm
            upright = trunk <= self.s.trunk_max and head <= self.s.head_max
            self._trunk.append(trunk)
            self._head.append(head)
            self._desk.append(desk)
            self._live = {"trunk_deg": trunk, "head_deg": head, "head_desk_cm": desk, "upright": 1.0 if upright else 0.0}
        else:
            self._live = {"trunk_deg": math.nan, "head_deg": math.nan, "head_desk_cm": math.nan, "upright": math.nan}
        assert self._prev is not None
        dt = min(t - self._prev[0], _MAX_DT)
        self._prev = (t, upright)
        if upright is not None:
            self._observed_ns += dt
            self._block_obs += dt
            if upright:
                self._upright_ns += dt
                self._block_up += dt
        if upright is False:
            if self._slump_t is None:
                self._slump_t = t
                self._cued = False
                self._slumps += 1
            elif not self._cued and t - self._slump_t >= self.s.cue_after_s * 1e9:
                self._cued = True
                self._cues += 1
                ev.append(self.event(t, "slump_cue", rep=self._slumps, value=round((t - self._slump_t) / 1e9, 3), unit="s"))
        elif upright is True and self._slump_t is not None:
            ev.append(self.event(t, "upright_again", rep=self._slumps, value=round((t - self._slump_t) / 1e9, 3), unit="s"))
            self._slump_t = None
        calib_end = self._t0 + round(self.s.calib_s * 1e9)
        if t - calib_end >= (self._block_k + 1) * self.s.block_s * 1e9:
            ev.append(self._block(t))
        return ev

    def _block(self, t: int) -> ScoreEvent:
        self._block_k += 1
        share = self._block_up / self._block_obs if self._block_obs else 0.0
        self._block_up = self._block_obs = 0
        return self.event(t, "block_done", rep=self._block_k, value=round(share, 4), unit="fraction", quality=round(share, 4))

    def _finish(self) -> list[ScoreEvent]:
        ev = []
        if self._block_obs >= 0.5 * self.s.block_s * 1e9 and self.t_last_ns is not None:
            ev.append(self._block(self.t_last_ns))
        return ev

    def live(self) -> dict[str, float]:
        share = self._upright_ns / self._observed_ns if self._observed_ns else math.nan
        slumped = (self.t_last_ns - self._slump_t) / 1e9 if self._slump_t is not None and self.t_last_ns is not None else 0.0
        return {**self._live, "upright_share": share, "calibrating": 1.0 if self._ref is None else 0.0, "slumped_s": slumped,
                "cue": 1.0 if self._cued and self._slump_t is not None else 0.0}

    def reps(self) -> int:
        return self._block_k

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        def mean(v: list[float]) -> float | None:
            a = np.array([x for x in v if math.isfinite(x)])
            return round(float(a.mean()), 3) if a.size else None

        m: dict[str, float | int | str | None] = {
            "upright_share_pct": round(100 * self._upright_ns / self._observed_ns, 2) if self._observed_ns else None,
            "upright_s": round(self._upright_ns / 1e9, 3),
            "observed_s": round(self._observed_ns / 1e9, 3),
            "slumps": self._slumps,
            "slump_cues": self._cues,
            "trunk_deg_mean": mean(self._trunk),
            "head_deg_mean": mean(self._head),
            "head_desk_cm_mean": mean(self._desk),
            "calibrated": "yes" if self._ref is not None else "no",
        }
        units = {"upright_share_pct": "%", "upright_s": "s", "observed_s": "s", "slumps": "count", "slump_cues": "count",
                 "trunk_deg_mean": "deg", "head_deg_mean": "deg", "head_desk_cm_mean": "cm", "calibrated": ""}
        defs = {
            "upright_share_pct": f"100 * time upright (trunk <= {self.s.trunk_max} deg and head <= {self.s.head_max} deg) / time observed after the calibration",
            "upright_s": "time upright after the calibration",
            "observed_s": "time with the shoulders in view after the calibration",
            "slumps": "times the child left the upright posture",
            "slump_cues": f"slumps longer than {self.s.cue_after_s} s (a gentle cue each)",
            "trunk_deg_mean": "mean trunk lean from the child's upright calibration, degrees (frontal projection estimate)",
            "head_deg_mean": "mean head tilt from the child's upright calibration, degrees (frontal projection estimate)",
            "head_desk_cm_mean": f"mean eye height above the desk line, assuming {self.s.shoulder_cm} cm shoulders (an estimate)",
            "calibrated": f"whether the {self.s.calib_s} s upright calibration saw the child",
        }
        return m, units, defs
