"""The demo: one short protocol played by a child at a webcam, or by a clearly labelled simulated child,
then by simulated devices on real pseudo-terminals.

Trials (default total about one minute and a half, real time):

1. tracing a circle with the index fingertip;
2. bunny hops;
3. and 4. a grip squeeze and a quiet stance, played by simulated devices on real pseudo-terminals
   through the real drivers (:class:`DeviceDemo`), when the exercises ``grip_squeeze`` and
   ``balance_quiet_stance`` are registered.

The protocol is one plan (:func:`demo_plan`); the headless demo and the station window build its
trials through the same builder (:func:`station.session.build.build_trials`): the simulated child is
each exercise's own (``contract.sim``), the camera runs only the trackers an exercise needs, and each
device trial reads the driver of its exercise's device kind (:mod:`devices.kinds`) through
:func:`station.session.feeds.device_feed`. ``seconds`` bounds the whole protocol: trial durations are
scaled to fit it.

:class:`DeviceDemo` (a context manager) runs the demo's devices on pseudo-terminals linked in a private
temporary folder (named after the process id, so folders of killed demos are removed by the next one),
with the simulator profile each exercise's simulated child declares. Leaving the context stops the
drivers and the simulators and removes the links.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import exercises
from station.core import EventBus, SessionClock, SystemClock
from station.session import TrialSpec
from station.session.feeds import camera_feed_for, device_feed

if TYPE_CHECKING:
    from devices.driver import SerialDevice
    from devices.sim import PtySimulator
    from station.plans import SessionPlan

log = logging.getLogger(__name__)

SIM_LABEL = "SIMULATED CHILD (synthetic landmarks, no camera)"
CAMERA_LABEL = "CAMERA {camera}: live hand and pose tracking (MediaPipe)"
DEVICE_LABEL = "SIMULATED DEVICES (grip dynamometer and balance board on pseudo-terminals)"

# The protocol: exercise -> (label, default seconds at full length).
CHILD_TRIALS = {"tracing": ("Trace the circle", 20.0), "jumps": ("Bunny hops", 20.0)}
GRIP_EXERCISE = "grip_squeeze"
BALANCE_EXERCISE = "balance_quiet_stance"
DEVICE_TRIALS = {GRIP_EXERCISE: ("Squeeze the grip", 10.0), BALANCE_EXERCISE: ("Stand still on the board", 10.0)}
GAME_TRIALS = {"copy_animals": ("Copy the animals", 75.0), "stop_go": ("Stop and go", 80.0), "breathing": ("Calm-down breathing", 60.0)}
"""The executive-function and calm-down games (issue #19), played by their own simulated children in
:func:`games_plan` (not part of the default demo protocol, whose length and trials other tools rely on)."""
DEFAULT_TRIALS_S = {k: v[1] for k, v in CHILD_TRIALS.items()}
DEFAULT_DEVICE_TRIALS_S = {k: v[1] for k, v in DEVICE_TRIALS.items()}
_DIR_PREFIX = "motor-station-devices-"


@dataclass(frozen=True)
class DemoOptions:
    seconds: float | None = None
    fps: float = 30.0
    seed: int = 0
    backend: str = "mediapipe"
    """Tracker backend of the camera trials."""


def demo_plan(seconds: float | None = None, participant: str = "DEMO-001", *, devices: bool = True) -> SessionPlan:
    """The demo protocol as a session plan (every exercise on its default settings), scaled to ``seconds``."""
    from station.plans import PlanItem, SessionPlan

    lengths = {**CHILD_TRIALS, **(DEVICE_TRIALS if devices else {})}
    scale = 1.0 if seconds is None else min(1.0, seconds / sum(s for _, s in lengths.values()))
    items = [
        PlanItem(exercise=name, duration_s=max(2.0, length * scale), label=label)
        for name, (label, length) in lengths.items()
        if name in exercises.names()
    ]
    return SessionPlan(name="demo", participant=participant, items=items)


def games_plan(seconds: float | None = None, participant: str = "DEMO-001") -> SessionPlan:
    """The executive-function and calm-down games as a session plan (``station run --simulated --plan FILE``),
    scaled to ``seconds``; each game needs about a minute to show its scoring (spans, blocks, breaths)."""
    from station.plans import PlanItem, SessionPlan

    scale = 1.0 if seconds is None else min(1.0, seconds / sum(s for _, s in GAME_TRIALS.values()))
    items = [PlanItem(exercise=name, duration_s=max(5.0, length * scale), label=label)
             for name, (label, length) in GAME_TRIALS.items() if name in exercises.names()]
    return SessionPlan(name="executive games", participant=participant, items=items)


def _child_items(opts: DemoOptions) -> list[tuple[str, str, float]]:
    total = sum(DEFAULT_TRIALS_S.values())
    scale = 1.0 if opts.seconds is None else min(1.0, opts.seconds / total)
    return [(name, label, length * scale) for name, (label, length) in CHILD_TRIALS.items()]


def simulated_trials(opts: DemoOptions) -> list[TrialSpec]:
    """The demo protocol played by the simulated child (each exercise's own), through the session builder."""
    from station.plans import PlanItem, SessionPlan
    from station.session.build import RunOptions, build_trials

    items = [PlanItem(exercise=name, duration_s=max(0.5, d) + 0.5, label=label) for name, label, d in _child_items(opts)]
    planned, _ = build_trials(SessionPlan(name="demo", items=items), RunOptions(seed=opts.seed, simulated=True), SystemClock(), EventBus())
    return [replace(t.spec, duration_s=t.duration_s) for t in planned]


def camera_trials(opts: DemoOptions, camera: int | str, *, clock: SessionClock, bus: EventBus | None = None) -> list[TrialSpec]:
    """The same protocol played by a real child in front of a webcam (live MediaPipe tracking).

    ``camera`` is an OpenCV device index or path. Each trial runs only the tracker it needs (hands
    for tracing, pose for jumps); the camera paces the feed.
    """
    from station.analyze import TrackerOptions

    src = f"camera:{camera}"
    options = TrackerOptions(backend=opts.backend)
    return [TrialSpec(name, {}, camera_feed_for(name, camera, clock=clock, bus=bus, options=options), label=label, duration_s=d, source=src)
            for name, label, d in _child_items(opts)]


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


# -- the demo's devices ---------------------------------------------------------------------------
def _remove_stale_dirs() -> None:
    """Remove link folders left by demo processes that were killed (their pid is gone)."""
    for d in Path(tempfile.gettempdir()).glob(f"{_DIR_PREFIX}*-*"):
        try:
            pid = int(d.name[len(_DIR_PREFIX) :].split("-", 1)[0])
            if d.stat().st_uid != os.getuid():
                continue
            os.kill(pid, 0)  # still running: not stale
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except (ValueError, OSError):
            continue


def registered(name: str) -> bool:
    """Whether an exercise is registered now (a broken exercise module counts as absent)."""
    try:
        return name in exercises.names()
    except Exception:  # another engineer's module may be mid-edit: the demo must still run
        log.warning("exercise registry failed to load; device trials skipped", exc_info=True)
        return False


class DeviceDemo:
    """The demo's simulated devices and trials (see the module docstring).

    Parameters
    ----------
    seconds: the session's overall bound (``None`` = full length); device trials end before it.
    clock: the session clock (the drivers stamp samples with it).
    bus: where device states are published.
    rate_hz: simulated sample rate.
    """

    def __init__(self, seconds: float | None = None, *, clock: SessionClock | None = None, bus: EventBus | None = None,
                 rate_hz: float = 100.0, seed: int = 0, names: tuple[str, ...] = (GRIP_EXERCISE, BALANCE_EXERCISE)) -> None:
        self.seconds = seconds
        self.clock = clock or SystemClock()
        self.bus = bus or EventBus()
        self.rate_hz = rate_hz
        self.seed = seed
        self.active = tuple(e for e in names if registered(e))
        self._dir: Path | None = None
        self._stack = contextlib.ExitStack()
        self.sims: dict[str, PtySimulator] = {}
        self.drivers: dict[str, SerialDevice] = {}
        self._t_start = self.clock.now_ns()

    @property
    def share(self) -> float:
        """Fraction of the protocol's time the device trials take (0 when none is active)."""
        total_dev = sum(DEFAULT_DEVICE_TRIALS_S[e] for e in self.active)
        return total_dev / (sum(DEFAULT_TRIALS_S.values()) + total_dev) if total_dev else 0.0

    def __enter__(self) -> DeviceDemo:
        self._t_start = self.clock.now_ns()
        if not self.active:
            return self
        try:
            _remove_stale_dirs()
            self._dir = Path(tempfile.mkdtemp(prefix=f"{_DIR_PREFIX}{os.getpid()}-"))
            self._stack.callback(shutil.rmtree, self._dir, True)
            from devices.kinds import get_kind
            from devices.sim import PtySimulator, SimConfig

            for ex in self.active:
                child = exercises.get(ex).contract.sim  # the device and profile its simulated child plays
                assert child.device is not None
                sim = PtySimulator(SimConfig(kind=child.device, profile=child.profile, rate_hz=self.rate_hz, seed=self.seed),
                                   link=self._dir / child.device)
                self._stack.enter_context(sim)
                dev = get_kind(child.device).driver(sim.path, clock=self.clock, bus=self.bus)
                dev.open()
                self._stack.callback(dev.close)
                self.sims[ex] = sim
                self.drivers[ex] = dev
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def trials(self, seconds_budget: float | None = None) -> list[TrialSpec]:
        """The device trials (empty when their exercises are not registered).

        ``seconds_budget`` bounds the device trials together (scaled like the other demo trials);
        every trial also ends before the session's overall bound.
        """
        out: list[TrialSpec] = []
        total = sum(DEFAULT_DEVICE_TRIALS_S[e] for e in self.active)
        scale = 1.0 if seconds_budget is None or total == 0 else min(1.0, seconds_budget / total)
        deadline = None if self.seconds is None else self._t_start + int(self.seconds * 1e9)
        for ex in self.active:
            dev = self.drivers.get(ex)
            if dev is None or dev.info is None:
                continue
            d = DEFAULT_DEVICE_TRIALS_S[ex] * scale
            settings: dict[str, Any] = {}
            out.append(TrialSpec(ex, settings, device_feed(dev, d, clock=self.clock, deadline_ns=deadline), label=DEVICE_TRIALS[ex][0],
                                 duration_s=d + 0.5, devices=(dev.info,), source=f"simulator:{dev.info.kind}",
                                 handles=(dev,)))
        return out
