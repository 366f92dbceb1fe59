"""The exercise interface shared by every scorer.

An exercise receives, in time order, :class:`StepInput` batches (the observations of one frame and/or
the sensor samples that arrived since the last step) and returns the :class:`~station.core.ScoreEvent`
it scored in that step. It exposes live metrics for the UI (:meth:`Exercise.live`) and a final
:class:`ExerciseResult` (:meth:`Exercise.result`).

Settings are a pydantic model per exercise (validated once, frozen); ``--set key=value`` on the CLI
and the session plan both build it through :meth:`Exercise.parse_settings`.
"""

from __future__ import annotations

import abc
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from station.core import HandObservation, InputError, PoseObservation, ScoreEvent, SensorSample

InputKind = Literal["hand", "pose", "grip", "balance"]


class Settings(BaseModel):
    """Base of every exercise's settings: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


@dataclass(frozen=True, slots=True)
class StepInput:
    """Everything new for one scoring step.

    ``t_ns`` is the time of the step on the session clock (the frame time for a camera step, the
    newest sample time for a sensor-only step). ``frame_seq`` is set for camera steps, even when
    no hand or person was found in the frame (``hands``/``poses`` empty): exercises need to know
    about frames *without* detections to pause counts and flag gaps.
    """

    t_ns: int
    hands: Sequence[HandObservation] = ()
    poses: Sequence[PoseObservation] = ()
    samples: Sequence[SensorSample] = ()
    frame_seq: int | None = None
    image_size: tuple[int, int] | None = None


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item") and callable(v.item):  # NumPy scalar
        return _jsonable(v.item())
    return v


@dataclass
class ExerciseResult:
    """Final result of one exercise trial.

    ``metrics`` maps a metric name to its value (``None`` when it could not be computed, e.g. no
    samples); ``units`` and ``definitions`` give each metric's unit and a one-line definition so
    every export and report can carry them.
    """

    exercise: str
    reps: int
    metrics: dict[str, float | int | str | None]
    events: list[ScoreEvent]
    units: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    definitions_version: str = "1"

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "reps": self.reps,
            "metrics": _jsonable(self.metrics),
            "units": self.units,
            "definitions": self.definitions,
            "definitions_version": self.definitions_version,
            "events": [
                {
                    "t_ns": e.t_ns,
                    "trial": e.trial,
                    "rep": e.rep,
                    "kind": e.kind,
                    "value": _jsonable(e.value),
                    "unit": e.unit,
                    "payload": _jsonable(dict(e.payload)),
                }
                for e in self.events
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


class Exercise(abc.ABC):
    """Base class of every exercise.

    Subclasses set the class attributes, define a nested ``Settings`` model, and implement
    :meth:`_step`, :meth:`live` and :meth:`_metrics`. The base keeps the event list and the trial
    number, so every exercise reports events the same way.
    """

    name: ClassVar[str]
    """Registry name, e.g. ``"tracing"``, ``"jumps"``."""
    title: ClassVar[str]
    """Human title for the therapist, e.g. ``"Tracing"``."""
    inputs: ClassVar[tuple[InputKind, ...]]
    """What the exercise consumes."""
    definitions_version: ClassVar[str] = "1"
    Settings: ClassVar[type[Settings]] = Settings

    def __init__(self, settings: Settings | None = None, *, trial: int = 0) -> None:
        self.settings = settings if settings is not None else self.Settings()
        self.trial = trial
        self.events: list[ScoreEvent] = []
        self.t_first_ns: int | None = None
        self.t_last_ns: int | None = None

    # -- settings ----------------------------------------------------------------------------
    @classmethod
    def parse_settings(cls, values: Mapping[str, Any]) -> Settings:
        """Validate ``values`` (strings from ``--set`` or typed values from a plan)."""
        try:
            return cls.Settings.model_validate(dict(values))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(settings)'}: {err['msg']}" for err in exc.errors()
            )
            known = ", ".join(cls.Settings.model_fields) or "none"
            raise InputError(
                f"invalid settings for exercise '{cls.name}'",
                where=problems,
                fix=f"known settings: {known}",
            ) from None

    # -- the scoring loop ----------------------------------------------------------------------
    def step(self, inp: StepInput) -> list[ScoreEvent]:
        """Score one step; returns the events scored in it (also kept in :attr:`events`)."""
        if self.t_first_ns is None:
            self.t_first_ns = inp.t_ns
        self.t_last_ns = inp.t_ns
        new = self._step(inp)
        if new:
            self.events.extend(new)
        return new

    def finish(self) -> list[ScoreEvent]:
        """Close the trial (end an open rep or hold); returns any last events."""
        new = self._finish()
        if new:
            self.events.extend(new)
        return new

    def event(self, t_ns: int, kind: str, rep: int = 0, value: float | None = None, unit: str = "", **payload: Any) -> ScoreEvent:
        """Build a :class:`ScoreEvent` of this exercise and trial."""
        return ScoreEvent(t_ns, self.name, self.trial, rep, kind, value, unit, payload)

    @property
    def duration_s(self) -> float:
        if self.t_first_ns is None or self.t_last_ns is None:
            return 0.0
        return (self.t_last_ns - self.t_first_ns) / 1e9

    @abc.abstractmethod
    def _step(self, inp: StepInput) -> list[ScoreEvent]: ...

    def _finish(self) -> list[ScoreEvent]:
        return []

    @abc.abstractmethod
    def live(self) -> dict[str, float]:
        """Small dict of live values for the UI (cheap; called at display rate)."""

    @abc.abstractmethod
    def reps(self) -> int:
        """Repetitions (or pegs, taps, completed traces) so far."""

    @abc.abstractmethod
    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        """``(metrics, units, definitions)`` of the trial so far."""

    def result(self) -> ExerciseResult:
        metrics, units, definitions = self._metrics()
        return ExerciseResult(
            exercise=self.name,
            reps=self.reps(),
            metrics=metrics,
            events=list(self.events),
            units=units,
            definitions=definitions,
            definitions_version=self.definitions_version,
        )
