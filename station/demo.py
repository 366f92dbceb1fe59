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
device trial reads the driver of its exercise's device kind (:mod:`devices.kinds`), opened by the
builder's :class:`~station.session.build.Devices`, through :func:`station.session.feeds.device_feed`.
Both take their options from :func:`demo_run_options`. ``seconds`` bounds the whole protocol: trial
durations are scaled to fit it.

:class:`DeviceDemo` (a context manager) runs the demo's devices on pseudo-terminals linked in a private
temporary folder (named after the process id, so folders of killed demos are removed by the next one),
with the simulator profile each exercise's simulated child declares; the builder opens the real drivers
on them and labels their trials ``simulator:KIND``. Leaving the context stops the drivers and the
simulators and removes the links. (The window plays the same device trials on the in-process
``sim://`` simulators.)
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

if TYPE_CHECKING:
    from devices.driver import SerialDevice
    from devices.sim import PtySimulator
    from station.plans import SessionPlan
    from station.session.build import Devices, RunOptions

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
DEFAULT_DEVICE_TRIALS_S = {k: v[1] for k, v in DEVICE_TRIALS.items()}
_DIR_PREFIX = "motor-station-devices-"


@dataclass(frozen=True)
class DemoOptions:
    seconds: float | None = None
    fps: float = 30.0
    seed: int = 0
    backend: str = "mediapipe"
    """Tracker backend of the camera trials."""


def demo_plan(seconds: float | None = None, participant: str = "DEMO-001", *, devices: bool = True, min_s: float = 2.0) -> SessionPlan:
    """The demo protocol as a session plan (every exercise on its default settings), scaled to ``seconds``
    (no trial shorter than ``min_s``)."""
    from station.plans import PlanItem, SessionPlan

    lengths = {**CHILD_TRIALS, **(DEVICE_TRIALS if devices else {})}
    scale = 1.0 if seconds is None else min(1.0, seconds / sum(s for _, s in lengths.values()))
    items = [
        PlanItem(exercise=name, duration_s=max(min_s, length * scale), label=label)
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


def demo_run_options(camera: int | str | None, *, participant: str = "DEMO-001", seed: int = 0, backend: str = "mediapipe",
                     place: str = "clinic", devices: DeviceDemo | None = None, **more: Any) -> RunOptions:
    """The :class:`~station.session.build.RunOptions` of the demo, the same for the window and the terminal.

    ``camera``: a webcam index, a device or video path, or ``None`` for the simulated child. Device trials
    read the pseudo-terminal simulators of ``devices`` when given (the terminal demo), otherwise the
    in-process ``sim://`` simulators (the window)."""
    from station.session.build import RunOptions

    cam = camera if isinstance(camera, int) else None
    video = Path(camera) if isinstance(camera, str) else None
    in_process = devices is None and camera is not None  # (the simulated child's session picks sim:// itself)
    return RunOptions(camera=cam, video=video, grip="sim://grip" if in_process else None, balance="sim://balance" if in_process else None,
                      participant=participant, seed=seed, backend=backend, simulated=camera is None, place=place, **more)


def demo_trials(
    opts: DemoOptions,
    devices: DeviceDemo | None = None,
    *,
    camera: int | str | None = None,
    clock: SessionClock | None = None,
    games: bool = False,
) -> list[TrialSpec]:
    """The whole demo protocol (:func:`demo_plan`; with ``games`` the executive-function and calm-down games of
    :func:`games_plan` instead) built by :func:`station.session.build.build_trials`: the
    child's trials (webcam or video when ``camera`` is given, else the simulated child), then the device
    trials when ``devices`` has any active (its simulators on pseudo-terminals, opened through the
    builder's :class:`~station.session.build.Devices`). ``opts.seconds`` bounds the whole protocol."""
    from station.session.build import build_trials

    clock = clock or (devices.clock if devices is not None else SystemClock())
    active = devices is not None and bool(devices.active)
    plan = games_plan(opts.seconds) if games else demo_plan(opts.seconds, devices=active, min_s=0.5)
    # half a second more per trial: the last repetition / sample of a trial is not cut at its edge
    plan = plan.model_copy(update={"items": [it.model_copy(update={"duration_s": (it.duration_s or 0.0) + 0.5}) for it in plan.items]})
    run = demo_run_options(camera, seed=opts.seed, backend=opts.backend, devices=devices)
    bus = devices.bus if devices is not None else EventBus()
    planned, _ = build_trials(plan, run, clock, bus, devices=devices.devices(run) if active and devices is not None else None)
    return [replace(t.spec, duration_s=t.duration_s) for t in planned]


def simulated_trials(opts: DemoOptions) -> list[TrialSpec]:
    """The demo's child trials played by the simulated child (each exercise's own), through the session builder."""
    return demo_trials(opts)


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
        self._devices: Devices | None = None
        self._t_start = self.clock.now_ns()

    def __enter__(self) -> DeviceDemo:
        self._t_start = self.clock.now_ns()
        if not self.active:
            return self
        try:
            _remove_stale_dirs()
            self._dir = Path(tempfile.mkdtemp(prefix=f"{_DIR_PREFIX}{os.getpid()}-"))
            self._stack.callback(shutil.rmtree, self._dir, True)
            from devices.sim import PtySimulator, SimConfig

            for ex in self.active:
                child = exercises.get(ex).contract.sim  # the device and profile its simulated child plays
                assert child.device is not None
                sim = PtySimulator(SimConfig(kind=child.device, profile=child.profile, rate_hz=self.rate_hz, seed=self.seed),
                                   link=self._dir / child.device)
                self._stack.enter_context(sim)
                self.sims[ex] = sim
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def ports(self) -> dict[str, str]:
        """Device kind -> the pseudo-terminal link of its simulator."""
        return {sim.cfg.kind: str(sim.path) for sim in self.sims.values()}

    def devices(self, run: RunOptions) -> Devices:
        """The builder's :class:`~station.session.build.Devices` reading these simulators (opened once, closed
        when the context is left); device trials end before the session's overall bound."""
        if self._devices is None:
            from station.session.build import Devices

            deadline = None if self.seconds is None else self._t_start + int(self.seconds * 1e9)
            self._devices = Devices(run, self.clock, self.bus, simulators=self.ports, deadline_ns=deadline)
            self._stack.callback(self._devices.close)
        return self._devices

    @property
    def drivers(self) -> dict[str, SerialDevice]:
        """Exercise -> its opened driver (after :meth:`trials` or :func:`demo_trials` built the device trials)."""
        if self._devices is None:
            return {}
        return {ex: self._devices.drivers[sim.cfg.kind] for ex, sim in self.sims.items() if sim.cfg.kind in self._devices.drivers}

    def trials(self, seconds_budget: float | None = None) -> list[TrialSpec]:
        """The device trials alone (empty when their exercises are not registered), built like every trial by
        :func:`station.session.build.build_trials`; ``seconds_budget`` bounds them together."""
        if not self.active:
            return []
        from station.plans import PlanItem, SessionPlan
        from station.session.build import build_trials

        total = sum(DEFAULT_DEVICE_TRIALS_S[e] for e in self.active)
        scale = 1.0 if seconds_budget is None else min(1.0, seconds_budget / total)
        items = [PlanItem(exercise=ex, duration_s=max(0.5, DEFAULT_DEVICE_TRIALS_S[ex] * scale) + 0.5, label=DEVICE_TRIALS[ex][0])
                 for ex in self.active]
        run = demo_run_options(None, devices=self)
        planned, _ = build_trials(SessionPlan(name="demo devices", items=items), run, self.clock, self.bus, devices=self.devices(run))
        return [replace(t.spec, duration_s=t.duration_s) for t in planned]
