"""Serial devices in sessions: a feed that turns a driver's queue into scoring steps, and the demo's
grip and balance trials played by simulators on real pseudo-terminals.

:func:`device_feed` is the bridge from :mod:`devices` to :mod:`station.session`: at the trial's start
it starts the driver, then every ``1 / step_hz`` seconds (session clock) drains the driver's bounded
queue into one :class:`~exercises.base.StepInput` (``t_ns`` = the newest sample's time, or the step's
time when no sample came, always increasing), and at the end stops the driver and delivers whatever
was still queued, so no received sample is lost.

:class:`DeviceDemo` (a context manager) runs the demo's devices: a simulated grip dynamometer
(``squeeze`` profile) and a simulated balance board (``quiet`` stance) on pseudo-terminals linked in
a private temporary folder (named after the process id, so folders of killed demos are removed by
the next one), opened by the real drivers. Its trials use the exercises
``grip_squeeze`` and ``balance_quiet_stance`` when they are registered (checked at run time); when
they are not, it adds no trial and starts nothing. Leaving the context stops the drivers and the
simulators and removes the links.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devices.balance import BalanceBoard
from devices.driver import SerialDevice
from devices.grip import GripDynamometer
from devices.sim import PtySimulator, SimConfig
from exercises.base import StepInput
from station.core import EventBus, SessionClock, SystemClock
from station.session import Feed, TrialSpec

log = logging.getLogger(__name__)

GRIP_EXERCISE = "grip_squeeze"
BALANCE_EXERCISE = "balance_quiet_stance"
DEVICE_LABEL = "SIMULATED DEVICES (grip dynamometer and balance board on pseudo-terminals)"
DEFAULT_DEVICE_TRIALS_S = {GRIP_EXERCISE: 10.0, BALANCE_EXERCISE: 10.0}
_DIR_PREFIX = "motor-station-devices-"


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


def device_feed(
    dev: SerialDevice,
    duration_s: float,
    *,
    clock: SessionClock | None = None,
    step_hz: float = 50.0,
    deadline_ns: int | None = None,
    margin_s: float = 0.25,
) -> Feed:
    """A session feed of ``dev``'s samples for ``duration_s`` seconds from the trial start.

    ``deadline_ns`` (session clock) shortens the trial so it ends ``margin_s`` before it (the
    session's overall time bound). The driver must be open; the feed starts and stops it.
    """
    clock = clock or dev.clock
    step_ns = int(1e9 / step_hz)

    def feed(t0: int) -> Iterator[StepInput]:
        end = t0 + int(duration_s * 1e9)
        if deadline_ns is not None:
            end = min(end, deadline_ns - int(margin_s * 1e9))
        if end <= t0:
            return
        if isinstance(dev, GripDynamometer):
            dev.reset_peak()
        dev.queue.drain()
        dev.start()
        last = t0
        try:
            t_step = t0
            while True:
                t_step += step_ns
                if t_step > end:
                    break
                clock.sleep_until(t_step)
                batch = dev.queue.drain()
                t = max(last + 1, batch[-1].t_ns if batch else t_step)
                last = t
                yield StepInput(t, samples=batch)
        finally:
            dev.stop()
        rest = dev.queue.drain()
        if rest:
            yield StepInput(max(last + 1, rest[-1].t_ns), samples=rest)

    return feed


def registered(name: str) -> bool:
    """Whether an exercise is registered now (a broken exercise module counts as absent)."""
    try:
        from exercises import registry

        return name in registry.names()
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
                 rate_hz: float = 100.0, seed: int = 0, exercises: tuple[str, ...] = (GRIP_EXERCISE, BALANCE_EXERCISE)) -> None:
        self.seconds = seconds
        self.clock = clock or SystemClock()
        self.bus = bus or EventBus()
        self.rate_hz = rate_hz
        self.seed = seed
        self.active = tuple(e for e in exercises if registered(e))
        self._dir: Path | None = None
        self._stack = contextlib.ExitStack()
        self.sims: dict[str, PtySimulator] = {}
        self.drivers: dict[str, SerialDevice] = {}
        self._t_start = self.clock.now_ns()

    @property
    def share(self) -> float:
        """Fraction of the protocol's time the device trials take (0 when none is active)."""
        from station.demo import DEFAULT_TRIALS_S  # the child's trials (station.demo imports this module lazily)

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
            specs: list[tuple[str, str, str, type[SerialDevice]]] = []
            if GRIP_EXERCISE in self.active:
                specs.append((GRIP_EXERCISE, "grip", "squeeze", GripDynamometer))
            if BALANCE_EXERCISE in self.active:
                specs.append((BALANCE_EXERCISE, "balance", "quiet", BalanceBoard))
            for ex, kind, profile, cls in specs:
                sim = PtySimulator(SimConfig(kind=kind, profile=profile, rate_hz=self.rate_hz, seed=self.seed), link=self._dir / kind)
                self._stack.enter_context(sim)
                dev = cls(sim.path, clock=self.clock, bus=self.bus)
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
        labels = {GRIP_EXERCISE: "Squeeze the grip", BALANCE_EXERCISE: "Stand still on the board"}
        for ex in self.active:
            dev = self.drivers.get(ex)
            if dev is None or dev.info is None:
                continue
            d = DEFAULT_DEVICE_TRIALS_S[ex] * scale
            settings: dict[str, Any] = {}
            out.append(TrialSpec(ex, settings, device_feed(dev, d, clock=self.clock, deadline_ns=deadline), label=labels[ex],
                                 duration_s=d + 0.5, devices=(dev.info,), source=f"simulator:{dev.info.kind}",
                                 handles=(dev,)))
        return out
