"""Simulated children: what each exercise's clearly labelled simulated child does.

Each class implements :class:`exercises.contract.SimulatedChild`: ``inputs(settings, ...)`` yields the
:class:`~station.core.StepInput` a camera (synthetic landmarks from :mod:`vision.synth_hand` /
:mod:`vision.synth_body`) or a device (the profiles of :mod:`devices.sim`, converted the way the
driver converts them) would give, in time order from ``t0_ns`` on the session clock (ns). Nothing
a simulated child produces is ever stored as a child's result: sessions mark their source
``synthetic`` or ``simulated``.

The station runs a device child's kind on a pseudo-terminal simulator (``device``, ``profile``)
through the real driver; :meth:`DeviceChild.inputs` is the same profile in-process, for runs without
ports (the registry test, the proof tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from station.core import SensorSample, StepInput, TrackedFrame

SIM_FPS = 30.0


def _steps(frames: Iterable[TrackedFrame]) -> Iterator[StepInput]:
    return (StepInput.from_tracked(f) for f in frames)


@dataclass(frozen=True, slots=True)
class TracePath:
    """A fingertip follows the exercise's path (with drift and tremor) for 90 % of the trial."""

    description: str = "a fingertip follows the path"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        from exercises.templates import make_template
        from vision.synth_hand import tracing_stream

        st = settings.model_dump()
        tmpl = make_template(str(st.get("shape", "circle")), center=tuple(st.get("center", (0.5, 0.5))),
                             size=float(st.get("size", 0.6)), aspect=image_size[0] / image_size[1])
        frames, _ = tracing_stream(tmpl.points, duration_s=max(1.0, duration_s * 0.9), fps=SIM_FPS, image_size=image_size,
                                   t0_ns=t0_ns, seed=seed)
        return _steps(frames)


@dataclass(frozen=True, slots=True)
class TapFingers:
    """Index finger and thumb tap at 3 Hz (the target count, or as many as fit)."""

    description: str = "thumb and index finger tap at 3 Hz"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        from vision.synth_hand import finger_tap_stream

        n = reps or max(3, int((duration_s - 1.0) * 3.0))
        frames, _ = finger_tap_stream(n_taps=n, rate_hz=3.0, fps=SIM_FPS, image_size=image_size, t0_ns=t0_ns)
        return _steps(frames)


BoardLayout = Callable[[BaseModel, tuple[int, int]], tuple[Any, Any]]
"""``layout(settings, image_size) -> (holes K x 2, dish centre)`` in normalised image coordinates."""


@dataclass(frozen=True, slots=True)
class PlacePegs:
    """A hand moves pegs from the dish into the exercise's holes (pinch grasp), one after another.

    ``layout`` is the exercise's own board layout (the exercise module passes it, so this module
    never imports an exercise)."""

    layout: BoardLayout
    description: str = "a hand places pegs from the dish into the holes"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        from vision.synth_hand import pegboard_stream

        holes, dish = self.layout(settings, image_size)
        frames, _ = pegboard_stream(holes, (float(dish[0]), float(dish[1])), image_size=image_size, t0_ns=t0_ns, seed=seed,
                                    protocol="place", n_pegs=reps or len(holes))
        return _steps(frames)


@dataclass(frozen=True, slots=True)
class Jump:
    """Two-footed jumps every 1.4 s (``forward`` moves each landing ahead, in frame heights)."""

    frog: bool = False
    forward: float = 0.0
    description: str = "jumps with both feet every 1.4 s"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        from vision.synth_body import jumps_stream

        period = 1.4
        lead = min(1.0, duration_s * 0.15)
        n = reps or max(1, int((duration_s - 2 * lead) // period))
        frames, _ = jumps_stream(n, fps=SIM_FPS, period_s=period, lead_s=lead, tail_s=lead, image_size=image_size, t0_ns=t0_ns,
                                 seed=seed, frog=self.frog, forward=self.forward)
        return _steps(frames)


@dataclass(frozen=True, slots=True)
class Repeat:
    """Repetitions of one movement (``movement``: a pose of :data:`vision.synth_body.EXERCISE_POSES`)."""

    movement: Literal["jumping_jacks", "squats", "pushups", "situps"]
    description: str = "repetitions every 1.2 s"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        from vision.synth_body import exercise_stream

        n = reps or max(1, int((duration_s - 2.0) // 1.2))
        frames, _ = exercise_stream(self.movement, n, fps=SIM_FPS, image_size=image_size, t0_ns=t0_ns, seed=seed)
        return _steps(frames)


@dataclass(frozen=True, slots=True)
class Walk:
    """An animal walk (``kind``: bear or crab), cross-body limb pattern."""

    kind: Literal["bear", "crab"]
    description: str = "walks on hands and feet"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        from vision.synth_body import animal_walk_stream

        n = reps or max(1, int((duration_s - 2.0) // 1.2))
        frames, _ = animal_walk_stream(self.kind, n, fps=SIM_FPS, image_size=image_size, t0_ns=t0_ns, seed=seed)
        return _steps(frames)


@dataclass(frozen=True, slots=True)
class StandOnOneLeg:
    """Lifts one foot and holds it (3 s per hold; as many holds as fit)."""

    description: str = "stands on one leg for 3 s at a time"
    device: str | None = None
    profile: str = ""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        from vision.synth_body import one_leg_stream

        n = reps or max(1, int((duration_s - 2.0) // 4.5))
        frames, _ = one_leg_stream((3.0,) * n, fps=SIM_FPS, image_size=image_size, t0_ns=t0_ns, seed=seed)
        return _steps(frames)


@dataclass(frozen=True, slots=True)
class DeviceChild:
    """The child plays a device: ``device`` kind's simulator with ``profile`` (see :mod:`devices.sim`)."""

    device: str
    profile: str
    description: str = "plays the device's simulator"
    rate_hz: float = 100.0
    per_step: int = 5
    """Samples per step in-process (a reader thread delivers a few at a time too)."""

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        from devices.kinds import get_kind
        from devices.sim import SimConfig, profile_values

        kind = get_kind(self.device)
        f = profile_values(SimConfig(kind=self.device, profile=self.profile, seed=seed, rate_hz=self.rate_hz))
        n = math.ceil(duration_s * self.rate_hz)
        batch: list[SensorSample] = []
        for k in range(n):
            t_ns = t0_ns + round(k * 1e9 / self.rate_hz)
            v = kind.convert(f(k / self.rate_hz))  # what the kind's driver emits (derived channels included)
            batch.append(SensorSample(f"{self.device}0", k, t_ns, t_ns, None, v, kind.channels, kind.units))
            if len(batch) == self.per_step:
                yield StepInput(t_ns, samples=tuple(batch))
                batch = []
        if batch:
            yield StepInput(batch[-1].t_ns, samples=tuple(batch))
