"""The exercise registry: names to classes, and parsing of ``KEY=VALUE`` settings."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any

from exercises.base import Exercise
from exercises.contract import Contract
from station.core import InputError

_REGISTRY: dict[str, type[Exercise]] = {}

# Every module of the ``exercises`` package (and its subpackages) is imported on first use of the
# registry, so a new exercise only needs ``@register`` in its own module; importing ``exercises``
# itself stays cheap.
_NOT_EXERCISES = {"base", "contract", "registry", "simulated", "templates"}
_loaded = False


def register(cls: type[Exercise]) -> type[Exercise]:
    """Class decorator: make an exercise available by its ``name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"exercise name '{cls.name}' registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        pkg = importlib.import_module("exercises")
        for info in pkgutil.walk_packages(pkg.__path__, prefix="exercises."):
            if info.name.rsplit(".", 1)[-1] not in _NOT_EXERCISES:
                importlib.import_module(info.name)
        _loaded = True


def names() -> list[str]:
    """Registered exercise names, sorted."""
    _load()
    return sorted(_REGISTRY)


def get(name: str) -> type[Exercise]:
    """The exercise class registered as ``name``; :class:`InputError` naming the known ones."""
    _load()
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in _REGISTRY:
        return _REGISTRY[key]
    # "push_ups", "push-ups", "sit ups" name the same exercises as "pushups", "situps"
    loose = {k.replace("_", ""): cls for k, cls in _REGISTRY.items()}
    try:
        return loose[key.replace("_", "")]
    except KeyError:
        raise InputError(
            f"unknown exercise '{name}'", fix=f"choose one of: {', '.join(sorted(_REGISTRY))}"
        ) from None


def contract_of(name: str) -> Contract | None:
    """The contract of a registered exercise, ``None`` for a name no longer registered (old sessions)."""
    try:
        return get(name).contract
    except InputError:
        return None


def parse_sets(pairs: Iterable[str]) -> dict[str, str]:
    """Parse ``["key=value", ...]`` from ``--set`` options; :class:`InputError` on a malformed one."""
    out: dict[str, str] = {}
    for raw in pairs:
        key, sep, value = raw.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"malformed --set '{raw}'", fix="write --set KEY=VALUE, e.g. --set shape=circle")
        out[key.replace("-", "_")] = value.strip()
    return out


def create(name: str, settings: Mapping[str, Any] | None = None, *, trial: int = 0) -> Exercise:
    """Build a validated exercise instance."""
    cls = get(name)
    return cls(cls.parse_settings(settings or {}), trial=trial)
