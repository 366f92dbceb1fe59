"""Tracing: follow a path with the index fingertip (MediaPipe hand landmark 8).

Definitions (version 1). Positions are the index fingertip in normalised image coordinates; all
distances are in **frame heights** (x scaled by the frame's aspect ratio), also reported in pixels.

``mean_dev`` / ``rms_dev`` / ``max_dev``
    Mean, root-mean-square and maximum of the perpendicular distance from each fingertip sample to
    the template polyline.
``in_band_pct``
    Percent of samples whose distance is at most ``tolerance``.
``band_exits``
    Number of times the fingertip went from inside to outside the band (each is a ``left_path``
    event; a BOT-2-style scorer marks these as errors).
``completion``
    Fraction (0..1) of the path's length covered: the path is cut into 100 equal arc-length bins;
    a bin is covered when an in-band sample projects into it.
``duration_s``
    Time from the first to the last fingertip sample.
``mean_speed``
    Fingertip path length divided by duration, in frame heights per second.
"""

from __future__ import annotations

import numpy as np
from pydantic import field_validator

from exercises.base import Exercise, Settings, StepInput
from exercises.registry import register
from exercises.templates import SHAPES, make_template, point_to_path
from station.core import ScoreEvent

N_BINS = 100


class TracingSettings(Settings):
    shape: str = "circle"
    center: tuple[float, float] = (0.5, 0.5)
    size: float = 0.6
    tolerance: float = 0.03
    hand: str = "any"

    @field_validator("center", mode="before")
    @classmethod
    def _center(cls, v: object) -> object:
        if isinstance(v, str):
            parts = v.split(",")
            if len(parts) != 2:
                raise ValueError("center must be 'x,y', e.g. 0.5,0.5")
            return tuple(float(p) for p in parts)
        return v

    @field_validator("shape")
    @classmethod
    def _shape(cls, v: str) -> str:
        if v not in SHAPES:
            raise ValueError(f"unknown shape '{v}'; choose one of {', '.join(SHAPES)}")
        return v

    @field_validator("size", "tolerance")
    @classmethod
    def _positive(cls, v: float) -> float:
        if v <= 0:
            raise ValueError("must be positive")
        return v


@register
class Tracing(Exercise):
    name = "tracing"
    title = "Tracing"
    inputs = ("hand",)
    Settings = TracingSettings

    def __init__(self, settings: TracingSettings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: TracingSettings = self.settings  # type: ignore[assignment]
        self._template = None
        self._t: list[int] = []
        self._xy: list[tuple[float, float]] = []
        self._dev: list[float] = []
        self._inside = True
        self._exits = 0
        self._bins = np.zeros(N_BINS, dtype=bool)
        self._height_px = 0
        self._s_prev: float | None = None

    def _ensure_template(self, image_size: tuple[int, int]) -> None:
        if self._template is None:
            w, h = image_size
            self._height_px = h
            self._template = make_template(self.s.shape, center=self.s.center, size=self.s.size, aspect=w / h)
            self._path_iso = self._template.iso
            self._length = self._template.length

    @property
    def template(self):
        return self._template

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        hands = [h for h in inp.hands if self.s.hand == "any" or h.handedness.lower() == self.s.hand.lower()]
        if not hands:
            return []
        hand = max(hands, key=lambda h: h.score)
        self._ensure_template(hand.image_size)
        assert self._template is not None
        tip = np.asarray(hand.landmarks[8, :2], dtype=np.float64)
        iso = tip * np.array([self._template.aspect, 1.0])
        d, s = point_to_path(iso, self._path_iso)
        dev = float(d[0])
        self._t.append(inp.t_ns)
        self._xy.append((float(iso[0]), float(iso[1])))
        self._dev.append(dev)
        events: list[ScoreEvent] = []
        inside = dev <= self.s.tolerance
        if inside:
            self._cover(float(s[0]))
        else:
            self._s_prev = None
        if self._inside and not inside:
            self._exits += 1
            events.append(self.event(inp.t_ns, "left_path", rep=self._exits, value=dev, unit="frame_height"))
        elif not self._inside and inside:
            events.append(self.event(inp.t_ns, "entered_path", rep=self._exits, value=dev, unit="frame_height"))
        self._inside = inside
        return events

    def _cover(self, s: float) -> None:
        """Mark the arc-length bins reached; fill the bins between two consecutive in-band samples
        when the fingertip moved forward by less than a tenth of the path (sparse frames)."""
        L = max(self._length, 1e-12)
        b = min(N_BINS - 1, int(s / L * N_BINS))
        self._bins[b] = True
        prev = self._s_prev
        self._s_prev = s
        if prev is None:
            return
        step = s - prev
        if self._template is not None and self._template.closed:
            step %= L
        if 0 < step < 0.1 * L:
            b0 = int(prev / L * N_BINS)
            idx = np.arange(b0, b0 + int(np.ceil(step / L * N_BINS)) + 1) % N_BINS
            self._bins[idx] = True

    def live(self) -> dict[str, float]:
        return {
            "deviation": self._dev[-1] if self._dev else float("nan"),
            "in_band_pct": 100.0 * float(np.mean(np.asarray(self._dev) <= self.s.tolerance)) if self._dev else float("nan"),
            "completion": float(self._bins.mean()),
            "band_exits": float(self._exits),
        }

    def reps(self) -> int:
        return 1 if self._bins.mean() >= 0.9 else 0

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        dev = np.asarray(self._dev)
        n = dev.size
        dur = (self._t[-1] - self._t[0]) / 1e9 if n > 1 else None
        xy = np.asarray(self._xy)
        plen = float(np.hypot(*np.diff(xy, axis=0).T).sum()) if n > 1 else 0.0
        h = self._height_px
        m: dict[str, float | int | str | None] = {
            "samples": n,
            "mean_dev": float(dev.mean()) if n else None,
            "rms_dev": float(np.sqrt((dev**2).mean())) if n else None,
            "max_dev": float(dev.max()) if n else None,
            "mean_dev_px": float(dev.mean() * h) if n else None,
            "in_band_pct": float(100 * (dev <= self.s.tolerance).mean()) if n else None,
            "band_exits": self._exits,
            "completion": float(self._bins.mean()),
            "duration_s": dur,
            "mean_speed": plen / dur if dur else None,
        }
        units = {
            "samples": "count", "mean_dev": "frame_height", "rms_dev": "frame_height", "max_dev": "frame_height",
            "mean_dev_px": "px", "in_band_pct": "%", "band_exits": "count", "completion": "fraction",
            "duration_s": "s", "mean_speed": "frame_height/s",
        }
        defs = {
            "samples": "fingertip samples scored",
            "mean_dev": "mean perpendicular distance from fingertip to the path",
            "rms_dev": "root-mean-square perpendicular distance to the path",
            "max_dev": "largest perpendicular distance to the path",
            "mean_dev_px": "mean_dev in pixels of the source image",
            "in_band_pct": "percent of samples within the tolerance band",
            "band_exits": "transitions from inside to outside the tolerance band",
            "completion": "fraction of 100 arc-length bins reached by an in-band sample",
            "duration_s": "time from first to last fingertip sample",
            "mean_speed": "fingertip path length / duration",
        }
        return m, units, defs
