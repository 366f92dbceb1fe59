"""Tracing: follow a path with the index fingertip (MediaPipe hand landmark 8).

Modes
-----
``screen`` (default)
    The template is drawn over the mirrored camera view. Positions are the fingertip in normalised
    coordinates of the **unmirrored** image (x right, y down, 0..1); ``center`` is in those
    coordinates and ``size`` in frame heights. Distances are in **frame heights** (x scaled by the
    frame's aspect ratio) and also reported in pixels (``*_px``: frame heights x image height).
``tabletop``
    The child traces a printed sheet (``station calibrate sheet``). The fingertip is mapped to sheet
    millimetres by the workspace calibration: the observation's ``workspace`` landmarks when the
    pipeline supplies them, else the ``homography`` setting (9 numbers, row-major, image pixels ->
    sheet mm). ``center`` and ``size`` are then in mm and distances in mm. Frames without a mapping
    are counted (``unmapped_frames``) and not scored.
``free``
    "Draw a circle" anywhere: nothing is scored live; at the end the template named by ``shape`` is
    aligned to the drawing (translation and scale, plus rotation with ``free_rotation=true``) and
    scored against the aligned template; every other parametric shape is aligned too and the best
    match is reported (``best_shape``; ``shape_match`` = 1 when it equals ``shape``).

Definitions (version 2): see :mod:`exercises.trace_metrics` (deviation, band exits, completion in
order, SPARC, LDLJ, velocity peaks, Hausdorff, area between paths). Every metric carries its unit
and definition in :meth:`Tracing.result`.

Events: ``left_path`` (the fingertip left the tolerance band; value = deviation), ``entered_path``,
``rep`` (completion first reached 0.9; value = seconds since the first sample).
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from exercises import trace_metrics as tm
from exercises.base import Exercise, Settings, StepInput
from exercises.contract import Contract, Knob, Metric, PathStars, Presets, Sound, SoundCue
from exercises.registry import register
from exercises.simulated import TracePath
from exercises.templates import Template, is_shape, make_template, shape_names
from station.core import HandObservation, ScoreEvent

log = logging.getLogger(__name__)

N_BINS = 100
COMPLETE = 0.9
"""Completion at which the trace counts as done (one ``rep``)."""


def _floats(v: object, n: int, what: str) -> object:
    if isinstance(v, str):
        parts = [p for p in v.replace(";", ",").split(",") if p.strip()]
        if len(parts) != n:
            raise ValueError(f"{what} needs {n} comma-separated numbers")
        return tuple(float(p) for p in parts)
    return v


class TracingSettings(Settings):
    shape: str = "circle"
    """A parametric shape or one letter/digit (see :mod:`exercises.templates`)."""
    center: tuple[float, float] = (0.5, 0.5)
    size: float = 0.6
    tolerance: Annotated[float, Knob("Band", "frame heights or mm", step=0.005, harder=-1, help="half-width of the band around the path")] = Field(0.03, gt=0.0, le=10_000.0)
    """Half-width of the band, in the mode's length unit (frame heights or mm)."""
    hand: str = "any"
    mode: Literal["screen", "tabletop", "free"] = "screen"
    turns: float = 4.0
    """Spiral turns."""
    rotation: float = 0.0
    """Rotation of the template about its centre, degrees clockwise on screen."""
    reverse: bool = False
    """Draw the other way round (closed shapes counter-clockwise from the same start; open shapes and
    letters from the other end, a spiral from the outside in)."""
    free_rotation: bool = False
    """Free mode: also fit a rotation when aligning the template to the drawing."""
    homography: tuple[float, ...] | None = None
    """Tabletop mode without workspace landmarks: 3x3 image-pixel -> sheet-mm homography, row-major."""

    @field_validator("center", mode="before")
    @classmethod
    def _center(cls, v: object) -> object:
        return _floats(v, 2, "center (e.g. 0.5,0.5)")

    @field_validator("homography", mode="before")
    @classmethod
    def _homography(cls, v: object) -> object:
        return None if v in (None, "") else _floats(v, 9, "homography")

    @field_validator("shape")
    @classmethod
    def _shape(cls, v: str) -> str:
        if not is_shape(v):
            raise ValueError(f"unknown shape '{v}'; choose one of {', '.join(shape_names()[:8])} or a letter/digit")
        return v.upper() if len(v) == 1 else v

    @field_validator("hand")
    @classmethod
    def _hand(cls, v: str) -> str:
        if v.lower() not in ("any", "left", "right"):
            raise ValueError("hand must be any, left or right")
        return v.lower()

    @field_validator("size", "tolerance")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not 0 < v <= 10_000:
            raise ValueError("must be positive and at most 10000 (frame heights or mm)")
        return v

    @field_validator("turns")
    @classmethod
    def _turns(cls, v: float) -> float:
        if not 0 < v <= 50:
            raise ValueError("spiral turns must be in (0, 50]")
        return v

    @field_validator("center")
    @classmethod
    def _center_range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not all(abs(c) <= 10_000 for c in v):
            raise ValueError("center coordinates must be within +-10000")
        return v

    @field_validator("rotation")
    @classmethod
    def _rotation(cls, v: float) -> float:
        if not abs(v) <= 3600:
            raise ValueError("rotation must be within +-3600 degrees")
        return v

    @model_validator(mode="after")
    def _homography_is_3x3(self) -> TracingSettings:
        if self.homography is not None and len(self.homography) != 9:
            raise ValueError("homography needs 9 numbers (3x3, row-major)")
        return self


@register
class Tracing(Exercise):
    name = "tracing"
    title = "Tracing"
    contract = Contract(
        headline=(Metric("in_band_pct", "Time on the path", "%", True), Metric("mean_dev", "Mean deviation", "frame_height", False),
                  Metric("completion", "Completion", "fraction", True)),
        history="in_band_pct",
        events=("left_path", "entered_path", "rep"),
        quality_events=("rep",),
        game="trace", pictogram="path", chart="deviation", stars=PathStars(), sim=TracePath(),
        sounds=(SoundCue(Sound.TRY_AGAIN, "left_path"), SoundCue(Sound.CUE, "entered_path"), SoundCue(Sound.DONE, "rep")),
        presets=Presets(easier={"tolerance": 0.05}, harder={"tolerance": 0.02}),
    )
    inputs = ("hand",)
    definitions_version = "2"
    Settings = TracingSettings
    settings: TracingSettings

    def __init__(self, settings: TracingSettings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: TracingSettings = self.settings
        self._template: Template | None = None
        self._aspect = 1.0
        self._t: list[int] = []
        self._xy: list[tuple[float, float]] = []
        self._dev: list[float] = []
        self._inside = True
        self._exits = 0
        self._in_band = 0
        self._coverage: tm.OrderedCoverage | None = None
        self._height_px = 0
        self._unmapped = 0
        self._done = False
        self._H = None if self.s.homography is None else np.asarray(self.s.homography, dtype=np.float64).reshape(3, 3)
        self._handedness: dict[str, int] = {}

    @property
    def unit(self) -> str:
        """Length unit of positions and deviations."""
        return "mm" if self.s.mode == "tabletop" else "frame_height"

    def _ensure_template(self, image_size: tuple[int, int]) -> None:
        if self._template is None:
            w, h = image_size
            self._height_px = h
            self._aspect = 1.0 if self.s.mode == "tabletop" else w / h
            self._template = make_template(
                self.s.shape, center=self.s.center, size=self.s.size, aspect=self._aspect,
                turns=self.s.turns, rotation_deg=self.s.rotation, reverse=self.s.reverse,
            )
            self._coverage = tm.OrderedCoverage(self._template.length, self._template.closed, N_BINS, template=self._template)

    @property
    def template(self) -> Template | None:
        """The template in force (built at the first hand observation, when the frame size is known)."""
        return self._template

    def overlay_paths(self, image_size: tuple[int, int]) -> list[np.ndarray]:
        """Pen-down strokes of the template in normalised image coordinates, for drawing over the
        camera view (screen mode; empty for tabletop, where the path is on paper, and free drawing)."""
        if self.s.mode != "screen":
            return []
        self._ensure_template(image_size)
        assert self._template is not None
        p, drawn = self._template.points, self._template.drawn
        cuts = np.nonzero(~drawn)[0] + 1
        return [seg for seg in np.split(p, cuts) if len(seg) > 1]

    def _position(self, hand: HandObservation) -> np.ndarray | None:
        """Fingertip in the mode's isotropic units, or ``None`` when it cannot be mapped."""
        if self.s.mode != "tabletop":
            return np.asarray(hand.landmarks[8, :2], dtype=np.float64) * np.array([self._aspect, 1.0])
        if hand.workspace is not None:
            return np.asarray(hand.workspace[8, :2], dtype=np.float64)
        if self._H is not None:
            w, h = hand.image_size
            p = self._H @ np.array([hand.landmarks[8, 0] * w, hand.landmarks[8, 1] * h, 1.0])
            if not (np.all(np.isfinite(p)) and abs(p[2]) > 1e-12):
                return None
            return p[:2] / p[2]
        return None

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        hands = [h for h in inp.hands if self.s.hand == "any" or h.handedness.lower() == self.s.hand]
        if not hands:
            return []
        hand = max(hands, key=lambda h: h.score)
        self._ensure_template(hand.image_size)
        pos = self._position(hand)
        if pos is None:
            self._unmapped += 1
            return []
        self._handedness[hand.handedness] = self._handedness.get(hand.handedness, 0) + 1
        self._t.append(inp.t_ns)
        self._xy.append((float(pos[0]), float(pos[1])))
        if self.s.mode == "free":
            return []
        assert self._template is not None and self._coverage is not None
        proj = self._template.project(float(pos[0]), float(pos[1]))
        j = int(np.argmin(proj[0]))
        dev = float(np.sqrt(proj[0][j]))
        s_near = float(self._template.arc_at(j, proj[1][j]))
        self._dev.append(dev)
        events: list[ScoreEvent] = []
        inside = dev <= self.s.tolerance
        self._in_band += inside
        self._coverage.update_point(pos, s_near, dev, self.s.tolerance, proj)
        if self._inside and not inside:
            self._exits += 1
            events.append(self.event(inp.t_ns, "left_path", rep=self._exits, value=dev, unit=self.unit))
        elif not self._inside and inside:
            events.append(self.event(inp.t_ns, "entered_path", rep=self._exits, value=dev, unit=self.unit))
        self._inside = inside
        if not self._done and self._coverage.fraction >= COMPLETE:
            self._done = True
            events.append(self.event(inp.t_ns, "rep", rep=1, value=(inp.t_ns - self._t[0]) / 1e9, unit="s"))
        return events

    def live(self) -> dict[str, float]:
        """Live values; ``progress_x/progress_y`` is the point the child has reached along the path
        (normalised image coordinates, screen mode), where a guide can be drawn."""
        n = len(self._dev)
        px = py = float("nan")
        if self._template is not None and self._coverage is not None and self._coverage.started and self.s.mode == "screen":
            L = self._template.length
            f = self._coverage.front % L if self._template.closed else min(self._coverage.front, L)
            q = self._template.at_arc(np.array([f]))[0]
            px, py = float(q[0] / self._aspect), float(q[1])
        return {
            "progress_x": px,
            "progress_y": py,
            "deviation": self._dev[-1] if n else float("nan"),
            "in_band_pct": 100.0 * self._in_band / n if n else float("nan"),
            "completion": self._coverage.fraction if self._coverage is not None else 0.0,
            "band_exits": float(self._exits),
            "samples": float(len(self._t)),
        }

    def reps(self) -> int:
        return 1 if self._done else 0

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        u = self.unit
        units = tm.units_for(u)
        defs = dict(tm.DEFINITIONS)
        t = np.asarray(self._t, dtype=np.int64)
        xy = np.asarray(self._xy, dtype=np.float64).reshape(-1, 2)
        m: dict[str, float | int | str | None] = {}
        template = self._template
        if self.s.mode == "free" and len(xy) >= 4:
            fits = tm.best_shape(xy, rotation=self.s.free_rotation)
            expected = tm.align_template(xy, self.s.shape, rotation=self.s.free_rotation, turns=self.s.turns)
            template = expected.template
            m |= {
                "best_shape": fits[0].shape,
                "best_shape_fit": fits[0].rms,
                "shape_match": int(fits[0].shape == self.s.shape),
                "fit_scale": expected.scale,
                "fit_angle_deg": expected.angle_deg,
                "fit_rms": expected.rms,
            }
            units |= {"best_shape": "", "best_shape_fit": "fraction", "shape_match": "bool", "fit_scale": u,
                      "fit_angle_deg": "deg", "fit_rms": "fraction"}
            defs |= {
                "best_shape": "parametric shape whose aligned template is closest to the drawing",
                "best_shape_fit": "RMS distance of the best shape after alignment / RMS radius of the drawing",
                "shape_match": "1 when best_shape equals the requested shape",
                "fit_scale": "width of the requested shape after alignment to the drawing",
                "fit_angle_deg": "rotation of the aligned template (0 unless free_rotation)",
                "fit_rms": "RMS distance of the requested shape after alignment / RMS radius of the drawing",
            }
        if template is not None and len(xy):
            score = tm.score_trace(t, xy, template, self.s.tolerance)
            m |= score.as_dict()
            if self.s.mode == "free":
                pass
            else:
                m["band_exits"] = self._exits  # identical to the offline count; keeps the live events authoritative
        else:
            m |= {k: None for k in tm.UNITS} | {"samples": len(xy), "band_exits": 0, "completion": 0.0}
        if self.s.mode != "tabletop":
            h = self._height_px
            for k in ("mean_dev", "rms_dev", "max_dev", "hausdorff"):
                v = m.get(k)
                m[f"{k}_px"] = None if v is None or not np.isfinite(float(v)) else float(v) * h  # type: ignore[arg-type]
                units[f"{k}_px"] = "px"
                defs[f"{k}_px"] = f"{k} in pixels of the source image (frame heights x image height {h})"
        m["unmapped_frames"] = self._unmapped
        units["unmapped_frames"] = "count"
        defs["unmapped_frames"] = "frames with a hand that could not be mapped to the sheet (tabletop without calibration)"
        m["hand_used"] = max(self._handedness, key=lambda h: self._handedness[h]) if self._handedness else None
        units["hand_used"] = ""
        defs["hand_used"] = "handedness of most scored samples (anatomical, unmirrored image)"
        m["template_length"] = template.length if template is not None else None
        units["template_length"] = u
        defs["template_length"] = "drawn length of the template path"
        return m, units, defs
