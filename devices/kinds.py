"""The device-kind registry: one entry per kind of sensor, declared in the kind's own module.

A :class:`DeviceKind` names its driver class, the raw channels and units its firmware (and its
simulator) send, the channels and units the driver emits (derived channels such as the balance
board's centre of pressure are computed once, in the driver), its simulator profiles and the profile
function, and its plain-format line shape. ``devices record``, ``devices simulate``, ``replay://``,
the session builder and the UI all look kinds up here; nothing tests a kind's name to choose a
driver.

Every module of the :mod:`devices` package is imported on first use, so a new kind is one module
(driver plus :func:`register_kind` at its end) plus its simulator profile.

Units: as each kind declares them (force in N, load cells in kg, centre of pressure in mm).
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from station.core import InputError

if TYPE_CHECKING:
    from devices.driver import SerialDevice

ProfileFn = Callable[[Any, random.Random], Callable[[float], tuple[float, ...]]]
"""``profile(sim_config, rng) -> f(seconds since streaming began) -> raw channel values``."""


@dataclass(frozen=True)
class DeviceKind:
    """What the station needs to know about one kind of device."""

    name: str
    driver: type[SerialDevice]
    raw_channels: tuple[str, ...]
    raw_units: tuple[str, ...]
    channels: tuple[str, ...]
    """What the driver emits (raw channels plus any it derives)."""
    units: tuple[str, ...]
    full_scale: tuple[float, ...]
    """Full scale of each raw channel, in its unit (the simulator saturates there)."""
    sim_profiles: tuple[str, ...]
    """Simulator profiles; the first is the default."""
    sim_profile: ProfileFn
    sim_model: str
    """Model name the simulator announces."""
    plain_format: str
    """The line shape of a plain (hello-less) device of this kind: ``plain`` (``N12.34``) or ``csv``."""
    derive: Callable[[tuple[float, ...]], tuple[float, ...]] | None = None
    """Raw values -> emitted values with the driver's default settings (for in-process simulations);
    ``None``: the driver emits the raw values."""
    sim_decimals: int = 2
    """Decimals the simulator prints per value."""
    lsl_type: str = ""
    """The LSL stream type of the kind's outlet (default: the kind's name, capitalised)."""
    description: str = ""

    def convert(self, raw: tuple[float, ...]) -> tuple[float, ...]:
        return raw if self.derive is None else self.derive(raw)


_KINDS: dict[str, DeviceKind] = {}
_NOT_KINDS = {"kinds", "driver", "protocol", "parser", "clockfit", "transport", "sim", "record"}
_loaded = False


def register_kind(kind: DeviceKind) -> DeviceKind:
    """Make a device kind known by its name (called at the end of the kind's module)."""
    if kind.name in _KINDS and _KINDS[kind.name].driver is not kind.driver:
        raise ValueError(f"device kind '{kind.name}' registered twice")
    _KINDS[kind.name] = kind
    return kind


def _load() -> None:
    global _loaded
    if not _loaded:
        pkg = importlib.import_module("devices")
        for info in pkgutil.iter_modules(pkg.__path__, prefix="devices."):
            if not info.ispkg and info.name.rsplit(".", 1)[-1] not in _NOT_KINDS:
                importlib.import_module(info.name)
        _loaded = True


def kind_names() -> list[str]:
    """Registered device kinds, sorted."""
    _load()
    return sorted(_KINDS)


def get_kind(name: str) -> DeviceKind:
    """The kind registered as ``name``; :class:`InputError` naming the known ones."""
    _load()
    try:
        return _KINDS[name]
    except KeyError:
        raise InputError(f"unknown device kind '{name}'", fix=f"choose one of: {', '.join(sorted(_KINDS))}") from None


def kind_of_raw_channels(channels: tuple[str, ...]) -> str | None:
    """The kind whose raw channels start ``channels`` (a recorded file's columns), or ``None``."""
    _load()
    return next((k.name for k in _KINDS.values() if channels[: len(k.raw_channels)] == k.raw_channels), None)


def kind_of_plain_format(fmt: str) -> str | None:
    """The kind a plain (hello-less) device of line shape ``fmt`` is."""
    _load()
    return next((k.name for k in _KINDS.values() if k.plain_format == fmt), None)
