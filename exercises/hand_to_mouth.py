"""Hand to mouth (spoon or cup): cycles counted with the smoothness of each reach and a spill-risk marker.

Definitions (version 1; points and units in :mod:`exercises.daily_geometry`)
-----------------------------------------------------------------------------
distance
    Hand point to mouth, in shoulder widths, per frame.
cycle
    The hand comes to the mouth (distance <= ``near``) after having been away from it (distance >=
    ``far``): a ``to_mouth`` event at the arrival frame (hysteresis between ``near`` and ``far``).
reach
    The movement of a cycle: from the last frame before the arrival where the hand speed was below
    10 % of the reach's peak speed while still beyond ``far`` (movement onset) to the arrival.
sparc
    Spectral arc length of the reach's speed profile (Balasubramanian et al. 2012, 2015; dimensionless,
    closer to 0 = smoother; the generated minimum-jerk reaches score about -1.8), :func:`exercises.trace_metrics.sparc`.
ldlj
    Log dimensionless jerk of the reach's velocity (Hogan & Sternad 2009; Balasubramanian et al. 2015),
    :func:`exercises.trace_metrics.ldlj`; closer to 0 = smoother.
quality (of a cycle, 0..1)
    ``clip(1 - (-sparc - 1.5) / 1.5, 0, 1)``, halved when the cycle carries a spill-risk marker.
tilt / spill risk
    The largest roll of the hand during the reach, against the hand's roll at movement onset
    (knuckle line in the image plane, degrees). A ``spill_risk`` event when it exceeds ``tilt_max``.
    Only with hand landmarks, and only roll **in the image plane**: a spoon tipping toward or away from
    the camera is not seen. Without hand landmarks (pose only) there is no tilt measure and the
    result says so (``tilt_measured`` = "no").
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
from exercises import trace_metrics as tm
from exercises.base import Exercise, Settings, StepInput
from exercises.contract import Contract, Knob, Metric, Presets, QualityCountStars, Sound, SoundCue
from exercises.registry import register
from station.core import ScoreEvent

log = logging.getLogger(__name__)


class HandToMouthSettings(Settings):
    near: Annotated[float, Knob("Mouth zone", "shoulder widths", step=0.05, harder=-1, help="how near the mouth the hand must come")] = Field(
        0.6, gt=0.05, le=3.0, description="hand-to-mouth distance that counts as at the mouth, shoulder widths")
    far: float = Field(1.0, gt=0.1, le=5.0, description="distance the hand must go back to before the next cycle counts, shoulder widths")
    tilt_max: Annotated[float, Knob("Spoon tilt", "degrees", step=5.0, harder=-1, help="how much the hand may roll while carrying")] = Field(
        30.0, gt=0.0, le=180.0, description="roll of the hand during a reach that marks a spill risk, degrees")
    hand: str = Field("any", pattern="^(any|left|right)$")

    @model_validator(mode="after")
    def _order(self) -> HandToMouthSettings:
        if not self.near < self.far:
            raise ValueError("near must be smaller than far")
        return self


@dataclass(frozen=True, slots=True)
class SpoonToMouth:
    """Brings a spoon to the mouth every 3.1 s; every fourth reach tips the spoon by 60 degrees."""

    description: str = "brings a spoon to the mouth every 3.1 s"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]):  # type: ignore[no-untyped-def]
        from station.core import StepInput as SI
        from vision.synth_daily import hand_to_mouth_stream

        n = reps or max(1, int((duration_s - 0.8) // 3.1))
        frames, _ = hand_to_mouth_stream(n, tilt_every=4, image_size=image_size, t0_ns=t0_ns, seed=seed)
        return (SI.from_tracked(f) for f in frames)


@register
class HandToMouth(Exercise):
    name = "hand_to_mouth"
    title = "Hand to mouth"
    inputs = ("pose", "hand")
    Settings = HandToMouthSettings
    contract = Contract(
        headline=(Metric("cycles", "Spoon to mouth", "count", True), Metric("sparc_mean", "Smoothness (SPARC)", "", True),
                  Metric("spill_risk", "Spill risks", "count", False)),
        history="cycles",
        events=("to_mouth", "spill_risk"),
        quality_events=("to_mouth",),
        game="spoon", pictogram="spoon", chart="reps", stars=QualityCountStars(), sim=SpoonToMouth(),
        sounds=(SoundCue(Sound.DONE, "to_mouth"), SoundCue(Sound.GOOD, "to_mouth", min_quality=0.8),
                SoundCue(Sound.TRY_AGAIN, "spill_risk")),
        presets=Presets(easier={"near": 0.8, "tilt_max": 45.0}, harder={"near": 0.45, "tilt_max": 20.0}),
    )

    def __init__(self, settings: HandToMouthSettings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: HandToMouthSettings = self.settings  # type: ignore[assignment]
        self._buf: deque[tuple[int, float, float, float, float]] = deque(maxlen=300)  # t, x, y, dist, roll
        self._near = False
        self._seen_far = False
        self._cycles: list[dict[str, float | bool]] = []
        self._tilt_measured = False
        self._dist = math.nan
        self._no_body = 0

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        pose = dg.pick_pose(inp.poses)
        if pose is None:
            self._no_body += 1
            return []
        p = dg.iso(pose)
        sw = dg.shoulder_width(p)
        hp, hand = dg.hand_point(p, inp.hands, self.s.hand)
        if hp is None:
            return []
        d = float(np.hypot(*(hp - dg.mouth(p)))) / sw
        roll = dg.knuckle_angle(hand) if hand is not None else math.nan
        self._tilt_measured |= hand is not None
        self._dist = d
        self._buf.append((inp.t_ns, float(hp[0] / sw), float(hp[1] / sw), d, roll))
        if d >= self.s.far:
            self._seen_far = True
            self._near = False
            return []
        if d <= self.s.near and not self._near and self._seen_far:
            self._near = True
            self._seen_far = False
            return self._cycle(inp.t_ns)
        return []

    def _cycle(self, t_ns: int) -> list[ScoreEvent]:
        b = list(self._buf)
        t = np.array([r[0] for r in b], dtype=np.float64) / 1e9
        xy = np.array([(r[1], r[2]) for r in b])
        dist = np.array([r[3] for r in b])
        roll = np.array([r[4] for r in b])
        far_idx = np.nonzero(dist >= self.s.far)[0]
        k_far = int(far_idx[-1]) if far_idx.size else 0
        dt = np.diff(t)
        fs = 1.0 / float(np.median(dt)) if dt.size else 30.0
        vel = np.gradient(xy, t, axis=0) if len(t) > 2 else np.zeros_like(xy)
        speed = np.hypot(vel[:, 0], vel[:, 1])
        peak = float(speed[k_far:].max()) if len(speed) > k_far else 0.0
        start = k_far
        while start > 0 and speed[start] > 0.1 * peak:
            start -= 1
        seg = slice(start, len(b))
        sparc = tm.sparc(speed[seg], fs)
        ldlj = tm.ldlj(vel[seg], fs)
        r0 = roll[start]
        tilt = max((dg.angle_diff(float(a), float(r0)) for a in roll[seg] if math.isfinite(a)), default=math.nan) if math.isfinite(r0) else math.nan
        risk = math.isfinite(tilt) and tilt > self.s.tilt_max
        q = min(1.0, max(0.0, 1 - (-sparc - 1.5) / 1.5)) if math.isfinite(sparc) else 0.5
        if risk:
            q /= 2
        n = len(self._cycles) + 1
        self._cycles.append({"sparc": sparc, "ldlj": ldlj, "tilt": tilt, "risk": risk, "reach_s": float(t[-1] - t[start]), "t": t_ns / 1e9})
        ev = [self.event(t_ns, "to_mouth", rep=n, value=round(q, 4), unit="quality", quality=round(q, 4),
                         sparc=round(sparc, 4) if math.isfinite(sparc) else None,
                         reach_s=round(float(t[-1] - t[start]), 3), tilt_deg=round(tilt, 2) if math.isfinite(tilt) else None)]
        if risk:
            ev.append(self.event(t_ns, "spill_risk", rep=n, value=round(tilt, 2), unit="deg"))
        return ev

    def live(self) -> dict[str, float]:
        last = self._cycles[-1] if self._cycles else {}
        return {"cycles": float(len(self._cycles)), "mouth_distance": self._dist, "at_mouth": 1.0 if self._near else 0.0,
                "last_sparc": float(last.get("sparc", math.nan)), "last_tilt_deg": float(last.get("tilt", math.nan))}

    def reps(self) -> int:
        return len(self._cycles)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        def mean(key: str) -> float | None:
            v = [float(c[key]) for c in self._cycles if math.isfinite(float(c[key]))]
            return round(float(np.mean(v)), 4) if v else None

        times = [float(c["t"]) for c in self._cycles]
        m: dict[str, float | int | str | None] = {
            "cycles": len(self._cycles),
            "sparc_mean": mean("sparc"),
            "ldlj_mean": mean("ldlj"),
            "reach_s_mean": mean("reach_s"),
            "cycle_s_mean": round(float(np.mean(np.diff(times))), 3) if len(times) > 1 else None,
            "tilt_max_deg_mean": mean("tilt"),
            "spill_risk": sum(1 for c in self._cycles if c["risk"]),
            "tilt_measured": "yes" if self._tilt_measured else "no",
            "frames_without_body": self._no_body,
        }
        units = {"cycles": "count", "sparc_mean": "", "ldlj_mean": "", "reach_s_mean": "s", "cycle_s_mean": "s",
                 "tilt_max_deg_mean": "deg", "spill_risk": "count", "tilt_measured": "", "frames_without_body": "count"}
        defs = {
            "cycles": f"arrivals of the hand at the mouth (<= {self.s.near} shoulder widths) after being >= {self.s.far} away",
            "sparc_mean": "mean spectral arc length of the reaches' speed profiles (closer to 0 = smoother)",
            "ldlj_mean": "mean log dimensionless jerk of the reaches (closer to 0 = smoother)",
            "reach_s_mean": "mean time from movement onset to arrival at the mouth",
            "cycle_s_mean": "mean time between arrivals at the mouth",
            "tilt_max_deg_mean": "mean of each reach's largest hand roll in the image plane (knuckle line), degrees",
            "spill_risk": f"reaches whose hand roll exceeded {self.s.tilt_max} degrees",
            "tilt_measured": "whether hand landmarks were available to measure the tilt (pose alone cannot)",
            "frames_without_body": "frames without the child's shoulders and mouth in view",
        }
        return m, units, defs
