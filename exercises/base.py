"""The exercise interface shared by every scorer.

An exercise receives, in time order, :class:`StepInput` batches (the observations of one frame and/or
the sensor samples that arrived since the last step) and returns the :class:`~station.core.ScoreEvent`
it scored in that step. It exposes live metrics for the UI (:meth:`Exercise.live`) and a final
:class:`ExerciseResult` (:meth:`Exercise.result`).

What the station needs of an exercise (headline metrics, history metric, quality events, game,
pictogram, chart, stars, simulated child, sounds) is its :class:`~exercises.contract.Contract`; its
difficulty settings are :class:`~exercises.contract.Knob` metadata on its settings model.

Settings are a pydantic model per exercise (validated once, frozen); ``--set key=value`` on the CLI
and the session plan both build it through :meth:`Exercise.parse_settings`.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from exercises.contract import Contract
from station.core import ExerciseResult, InputError, ScoreEvent, StepInput

InputKind = str
"""What an exercise consumes: ``"hand"`` or ``"pose"`` (camera trackers) or a registered device kind
(:mod:`devices.kinds`: ``"grip"``, ``"balance"``...)."""


class Settings(BaseModel):
    """Base of every exercise's settings: frozen, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


SettingsModel = Settings
"""The settings base under a name that the ``Settings`` class attribute of an exercise does not shadow."""


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
    Settings: ClassVar[type[SettingsModel]] = Settings
    contract: ClassVar[Contract]
    """What the station needs of the exercise (:mod:`exercises.contract`); checked by the registry test."""

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        self.settings = settings if settings is not None else self.Settings()
        self.trial = trial
        self.events: list[ScoreEvent] = []
        self.t_first_ns: int | None = None
        self.t_last_ns: int | None = None

    # -- settings ----------------------------------------------------------------------------
    @classmethod
    def parse_settings(cls, values: Mapping[str, Any]) -> SettingsModel:
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
