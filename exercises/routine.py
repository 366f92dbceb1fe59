"""Routines with visual steps: a picture schedule the therapist composes; the child shows "done" with a thumbs-up.

The therapist picks the steps from a pictogram set (:data:`STEPS`: washing hands, dressing, packing a
bag...). The child's screen shows the current step's picture big and the next ones small; the child
says "done" with a thumbs-up held for ``hold_s`` (:mod:`vision.gestures`), or the therapist marks the
step done (key **D**) or gives a prompt (key **P**) through :data:`THERAPIST`.

Definitions (version 1)
-----------------------
step time
    From the step's start (the previous step done, or the trial start) to its ``step_done``, s.
prompts
    Prompts given during a step: automatic ones (the picture pulses with a cue sound when the step has
    run ``prompt_after_s`` seconds, then every ``prompt_after_s`` more) and the therapist's (key P).
independent
    A step done with no prompt (automatic or the therapist's) and signalled by the child's own
    thumbs-up (a therapist's "done" is not independent). ``step_done`` carries quality 1.0 when
    independent, 0.5 otherwise.
thumbs-up
    :func:`vision.gestures.classify` per frame on any hand, held for ``hold_s`` (a dropout of the
    hand up to 0.25 s keeps the hold); the next step needs the hand to leave the thumbs-up first.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, Field, field_validator

from exercises.base import Exercise, Settings, StepInput
from exercises.contract import Contract, Knob, Metric, Presets, QualityCountStars, Sound, SoundCue
from exercises.registry import register
from station.core import ScoreEvent

log = logging.getLogger(__name__)

STEPS = ("wash_hands", "brush_teeth", "toilet", "get_dressed", "socks", "shoes", "coat", "pack_bag", "eat", "comb_hair")
"""The routine pictogram set (each is a picture registered by the routine game, :mod:`station.ui.games.daily`)."""


class TherapistMarks:
    """Thread-safe inbox of the therapist's keys for the running routine (``done`` / ``prompt``)."""

    def __init__(self) -> None:
        self._q: deque[str] = deque()
        self._lock = threading.Lock()

    def put(self, kind: str) -> None:
        if kind not in ("done", "prompt"):
            raise ValueError("a therapist mark is 'done' or 'prompt'")
        with self._lock:
            self._q.append(kind)

    def drain(self) -> list[str]:
        with self._lock:
            out = list(self._q)
            self._q.clear()
        return out


THERAPIST = TherapistMarks()
"""The inbox the UI's keys feed (D = done, P = prompt); drained by the running routine on every frame."""


class RoutineSettings(Settings):
    steps: tuple[str, ...] = Field(("wash_hands", "get_dressed", "pack_bag"), min_length=1, max_length=12,
                                   description="the routine's steps, in order (names from the routine pictogram set)")
    prompt_after_s: Annotated[float, Knob("Prompt after", "s", step=5.0, harder=1, help="how long a step may take before a picture prompt")] = Field(
        20.0, ge=3.0, le=600.0, description="time in a step before an automatic picture prompt, s")
    hold_s: Annotated[float, Knob("Thumbs-up hold", "s", step=0.25, harder=1, help="how long the thumbs-up must be held")] = Field(
        0.5, ge=0.1, le=5.0, description="how long the thumbs-up must be held to say done, s")

    @field_validator("steps", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [s.strip() for s in v.split(",") if s.strip()]
        return v

    @field_validator("steps")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in v if s not in STEPS]
        if bad:
            raise ValueError(f"unknown step(s) {', '.join(bad)}; choose from: {', '.join(STEPS)}")
        return v


@dataclass(frozen=True, slots=True)
class DoStepsThumbsUp:
    """Works on each step for 4 s (hand down or open), then holds a thumbs-up for 1 s, then lowers the hand."""

    description: str = "does each step for 4 s, then shows a thumbs-up"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]):  # type: ignore[no-untyped-def]
        from station.core import StepInput as SI
        from vision.synth_daily import gesture_stream

        n = len(getattr(settings, "steps", ())) or 3
        segs: list[tuple[float, str]] = []
        for k in range(n):
            segs += [(2.0, "none"), (2.0, "open" if k % 2 else "fist"), (1.0, "thumbs_up"), (0.5, "none")]
        total = sum(d for d, _ in segs)
        if total < duration_s:
            segs.append((duration_s - total, "none"))
        return (SI.from_tracked(f) for f in gesture_stream(segs, image_size=image_size, t0_ns=t0_ns, seed=seed))


@register
class Routine(Exercise):
    name = "routine"
    title = "Routine with picture steps"
    inputs = ("hand",)
    Settings = RoutineSettings
    contract = Contract(
        headline=(Metric("steps_done", "Steps done", "count", True), Metric("independent", "Done without help", "count", True),
                  Metric("step_s_mean", "Time per step", "s", False)),
        history="independent",
        events=("step_start", "prompt", "step_done", "routine_done"),
        quality_events=("step_done",),
        game="routine", pictogram="schedule", chart="events", stars=QualityCountStars(), sim=DoStepsThumbsUp(),
        sounds=(SoundCue(Sound.CUE, "prompt"), SoundCue(Sound.DONE, "step_done"), SoundCue(Sound.GOOD, "step_done", min_quality=1.0),
                SoundCue(Sound.TRIAL_DONE, "routine_done")),
        presets=Presets(easier={"prompt_after_s": 10.0, "hold_s": 0.25}, harder={"prompt_after_s": 40.0, "hold_s": 1.0}),
    )

    def __init__(self, settings: RoutineSettings | None = None, *, trial: int = 0) -> None:
        from vision.gestures import HoldDetector

        super().__init__(settings, trial=trial)
        self.s: RoutineSettings = self.settings  # type: ignore[assignment]
        self._hold = HoldDetector("thumbs_up", hold_s=self.s.hold_s)
        self._k = 0
        self._step_t0: int | None = None
        self._prompts = 0
        self._next_prompt: int | None = None
        self._done: list[dict[str, Any]] = []
        self._finished = False
        self._gesture = ""
        self._t = 0
        THERAPIST.drain()  # keys pressed before this routine started are not for it

    def _start_step(self, t_ns: int) -> ScoreEvent:
        self._step_t0 = t_ns
        self._prompts = 0
        self._next_prompt = t_ns + round(self.s.prompt_after_s * 1e9)
        return self.event(t_ns, "step_start", rep=self._k + 1, step=self.s.steps[self._k])

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        from vision.gestures import classify

        t = inp.t_ns
        self._t = t
        ev: list[ScoreEvent] = []
        if self._finished:
            return ev
        if self._step_t0 is None:
            ev.append(self._start_step(t))
        marks = THERAPIST.drain()
        for m in marks:
            if m == "prompt":
                self._prompts += 1
                ev.append(self.event(t, "prompt", rep=self._k + 1, by="therapist", step=self.s.steps[self._k]))
        assert self._next_prompt is not None
        if t >= self._next_prompt:
            self._prompts += 1
            self._next_prompt = t + round(self.s.prompt_after_s * 1e9)
            ev.append(self.event(t, "prompt", rep=self._k + 1, by="picture", step=self.s.steps[self._k]))
        gestures = [classify(h) for h in inp.hands]
        g = "thumbs_up" if "thumbs_up" in gestures else (gestures[0] if gestures else None)
        self._gesture = g or ""
        by = "thumbs_up" if self._hold.update(g, t) else ("therapist" if "done" in marks else None)
        if by is not None:
            ev += self._complete(t, by)
        return ev

    def _complete(self, t: int, by: str) -> list[ScoreEvent]:
        assert self._step_t0 is not None
        independent = by == "thumbs_up" and self._prompts == 0
        dur = (t - self._step_t0) / 1e9
        step = self.s.steps[self._k]
        self._done.append({"step": step, "s": dur, "prompts": self._prompts, "independent": independent, "by": by})
        q = 1.0 if independent else 0.5
        ev = [self.event(t, "step_done", rep=self._k + 1, value=q, unit="quality", quality=q, step=step, step_s=round(dur, 3),
                         prompts=self._prompts, by=by, independent=independent)]
        self._k += 1
        if self._k >= len(self.s.steps):
            self._finished = True
            ev.append(self.event(t, "routine_done", value=float(sum(d["independent"] for d in self._done)), unit="count"))
        else:
            ev.append(self._start_step(t))
        return ev

    def live(self) -> dict[str, float]:
        elapsed = (self._t - self._step_t0) / 1e9 if self._step_t0 is not None else 0.0
        return {"step": float(self._k), "steps": float(len(self.s.steps)), "step_elapsed_s": elapsed,
                "prompts": float(self._prompts), "hold": self._hold.progress(self._t),
                "thumbs_up": 1.0 if self._gesture == "thumbs_up" else 0.0, "steps_done": float(len(self._done))}

    def reps(self) -> int:
        return len(self._done)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m: dict[str, float | int | str | None] = {
            "steps_done": len(self._done),
            "steps_planned": len(self.s.steps),
            "independent": sum(1 for d in self._done if d["independent"]),
            "prompts": sum(int(d["prompts"]) for d in self._done) + (self._prompts if not self._finished else 0),
            "step_s_mean": round(float(np.mean([d["s"] for d in self._done])), 3) if self._done else None,
            "routine_s": round(sum(d["s"] for d in self._done), 3) if self._finished else None,
        }
        units = {"steps_done": "count", "steps_planned": "count", "independent": "count", "prompts": "count", "step_s_mean": "s",
                 "routine_s": "s"}
        defs = {
            "steps_done": "steps signalled done (thumbs-up or the therapist's key)",
            "steps_planned": "steps in the routine",
            "independent": "steps done with the child's own thumbs-up and no prompt",
            "prompts": "picture prompts (after each prompt interval) and therapist prompts given",
            "step_s_mean": "mean time from a step's start to its done signal",
            "routine_s": "time from the first step's start to the last step done (only when all were done)",
        }
        for k, d in enumerate(self._done):
            m[f"step{k + 1}_s"] = round(float(d["s"]), 3)
            units[f"step{k + 1}_s"] = "s"
            defs[f"step{k + 1}_s"] = f"time of step {k + 1} ({d['step']}; {d['prompts']} prompts; by {d['by']})"
        return m, units, defs
