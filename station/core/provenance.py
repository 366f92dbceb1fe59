"""Where a session's data came from (``source``) and where it was played (``place``).

Every session and every trial carries both, in separate fields, so nothing a generator or simulator
produced can pass for a child's result:

``source``     what produced the input: ``camera:0``, ``video:NAME``, ``replay:...``,
               ``simulated`` (the simulated child), ``device:grip:URL`` (a serial device),
               ``simulator:grip`` (the demo's pseudo-terminal simulators). A session's source joins its
               trials' distinct sources with ``+``.
``simulated``  true for anything a generator or simulator produced: the simulated child, ``sim://``
               devices, pty simulators. A session is simulated when any of its trials is.
``place``      ``clinic`` (the default), ``home`` or ``school``: set by the station (``--place``).
"""

from __future__ import annotations

from collections.abc import Iterable

from station.core.errors import InputError

PLACES = ("clinic", "home", "school")
DEFAULT_PLACE = "clinic"
SIMULATED = "simulated"


def is_simulated_source(source: str) -> bool:
    """Whether ``source`` names a generator or simulator (the simulated child, ``sim://``, pty simulators)."""
    s = (source or "").strip().lower()
    return (s in (SIMULATED, "synthetic") or s.startswith(("simulated", "synthetic", "simulator:", "sim://"))
            or "sim://" in s)


def session_source(trial_sources: Iterable[str]) -> str:
    """The session's source: its trials' distinct sources in order, joined with ``+`` (at most 128 characters)."""
    seen: list[str] = []
    for s in trial_sources:
        s = SIMULATED if s == "synthetic" else s
        if s not in seen:
            seen.append(s)
    return "+".join(seen)[:128]


def check_place(place: str) -> str:
    p = (place or "").strip().lower()
    if p not in PLACES:
        raise InputError(f"unknown place '{place}'", fix=f"choose one of: {', '.join(PLACES)}")
    return p


def provenance_label(simulated: bool, status: str | None = None) -> str:
    """The marker a listing or report shows: ``SIMULATED``, ``FAILED``, both, or ``""``."""
    parts = []
    if simulated:
        parts.append("SIMULATED")
    if status == "failed":
        parts.append("FAILED")
    return " ".join(parts)
