"""The demo: one short protocol played by a child at a webcam, or by a clearly labelled simulated child.

Trials (default total about one minute, real time):

1. tracing a circle with the index fingertip (synthetic hand landmarks, ``vision.synth_hand``);
2. bunny hops (synthetic pose landmarks, ``vision.synth_body``);
3. and 4. a grip squeeze and a quiet stance, played by simulated devices on real pseudo-terminals
   through the real drivers (:mod:`station.demo_devices`), when the exercises ``grip_squeeze`` and
   ``balance_quiet_stance`` are registered.

``seconds`` bounds the whole protocol: trial durations are scaled to fit it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import exercises
from exercises.base import StepInput
from exercises.templates import make_template
from station.core import EventBus, SessionClock, SystemClock
from station.session import TrialSpec
from vision.synth_body import jumps_stream
from vision.synth_hand import tracing_stream

if TYPE_CHECKING:
    from station.demo_devices import DeviceDemo
    from station.plans import SessionPlan

SIM_LABEL = "SIMULATED CHILD (synthetic landmarks, no camera)"
CAMERA_LABEL = "CAMERA {camera}: live hand and pose tracking (MediaPipe)"

# Default share of the protocol per trial (seconds at full length).
DEFAULT_TRIALS_S = {"tracing": 20.0, "jumps": 20.0}


@dataclass(frozen=True)
class DemoOptions:
    seconds: float | None = None
    fps: float = 30.0
    seed: int = 0


def _frames_to_inputs(frames: Iterable, ) -> Iterable[StepInput]:  # type: ignore[type-arg]
    for f in frames:
        yield StepInput(f.t_ns, hands=f.hands, poses=f.poses, frame_seq=f.seq, image_size=f.image_size)


def simulated_trials(opts: DemoOptions) -> list[TrialSpec]:
    """The demo protocol played by the simulated child."""
    total = sum(DEFAULT_TRIALS_S.values())
    scale = 1.0 if opts.seconds is None else min(1.0, opts.seconds / total)
    d_trace = DEFAULT_TRIALS_S["tracing"] * scale
    d_jump = DEFAULT_TRIALS_S["jumps"] * scale
    size = (640, 480)
    tmpl = make_template("circle", center=(0.5, 0.5), size=0.6, aspect=size[0] / size[1])

    def trace_feed(t0: int) -> Iterable[StepInput]:
        frames, _ = tracing_stream(tmpl.points, duration_s=max(0.5, d_trace), fps=opts.fps, image_size=size, t0_ns=t0, seed=opts.seed)
        return _frames_to_inputs(frames)

    period = 1.4
    lead = min(1.0, d_jump * 0.15)
    n_jumps = max(1, int((d_jump - 2 * lead) // period))

    def jump_feed(t0: int) -> Iterable[StepInput]:
        frames, _ = jumps_stream(n_jumps, fps=opts.fps, period_s=period, lead_s=lead, tail_s=lead, image_size=size, t0_ns=t0, seed=opts.seed)
        return _frames_to_inputs(frames)

    return [
        TrialSpec("tracing", {"shape": "circle", "center": (0.5, 0.5), "size": 0.6, "tolerance": 0.03}, trace_feed,
                  label="Trace the circle", duration_s=d_trace + 0.5, source="synthetic"),
        TrialSpec("jumps", {}, jump_feed, label="Bunny hops", duration_s=d_jump + 0.5, source="synthetic"),
    ]


def demo_plan(seconds: float | None = None, participant: str = "DEMO-001") -> SessionPlan:
    """The demo protocol as a session plan, for the station window (``station demo`` with a display)."""
    from station.demo_devices import DEFAULT_DEVICE_TRIALS_S
    from station.plans import PlanItem, SessionPlan

    lengths = {**DEFAULT_TRIALS_S, **DEFAULT_DEVICE_TRIALS_S}
    scale = 1.0 if seconds is None else min(1.0, seconds / sum(lengths.values()))
    settings: dict[str, dict[str, object]] = {"tracing": {"shape": "circle", "center": [0.5, 0.5], "size": 0.6, "tolerance": 0.03}}
    items = [
        PlanItem(exercise=name, settings=settings.get(name, {}), duration_s=max(2.0, length * scale))
        for name, length in lengths.items()
        if name in exercises.names()
    ]
    return SessionPlan(name="demo", participant=participant, items=items)


def camera_trials(opts: DemoOptions, camera: int | str, *, clock: SessionClock, bus: EventBus | None = None) -> list[TrialSpec]:
    """The same protocol played by a real child in front of a webcam (live MediaPipe tracking).

    ``camera`` is an OpenCV device index or path. Each trial runs only the tracker it needs (hands
    for tracing, pose for jumps); the camera paces the feed.
    """
    from station.analyze import camera_feed_for

    total = sum(DEFAULT_TRIALS_S.values())
    scale = 1.0 if opts.seconds is None else min(1.0, opts.seconds / total)
    src = f"camera:{camera}"
    trace_settings = {"shape": "circle", "center": (0.5, 0.5), "size": 0.6, "tolerance": 0.03}
    return [
        TrialSpec("tracing", trace_settings, camera_feed_for("tracing", camera, clock=clock, bus=bus),
                  label="Trace the circle", duration_s=DEFAULT_TRIALS_S["tracing"] * scale, source=src),
        TrialSpec("jumps", {}, camera_feed_for("jumps", camera, clock=clock, bus=bus),
                  label="Bunny hops", duration_s=DEFAULT_TRIALS_S["jumps"] * scale, source=src),
    ]


def demo_trials(
    opts: DemoOptions,
    devices: DeviceDemo | None = None,
    *,
    camera: int | str | None = None,
    clock: SessionClock | None = None,
) -> list[TrialSpec]:
    """The whole demo protocol: the child's trials (webcam when ``camera`` is given, else the
    simulated child), then the simulated devices' trials (when ``devices`` has any active), sharing
    ``opts.seconds`` in proportion to their default lengths."""
    share = devices.share if devices is not None and devices.active else 0.0
    vision_opts = opts if opts.seconds is None else replace(opts, seconds=opts.seconds * (1.0 - share))
    if camera is not None:
        child = camera_trials(vision_opts, camera, clock=clock or SystemClock())
    else:
        child = simulated_trials(vision_opts)
    if devices is None or not devices.active:
        return child
    budget = None if opts.seconds is None else opts.seconds * share
    return child + devices.trials(budget)
