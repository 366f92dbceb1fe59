"""Optional live streaming for labs: Lab Streaming Layer (LSL) outlets, **off by default**.

A user enables LSL explicitly (``MOTOR_STATION_LSL=1`` in the environment, or ``{"lsl": true}`` in a
session's configuration); :func:`open_outlets` returns ``None`` otherwise and ``pylsl`` is never
imported. liblsl discovers streams with multicast and broadcast packets on the local network: a lab
that wants to keep them on one machine points ``LSLAPICFG`` at a config file (see
:data:`MACHINE_ONLY_CONFIG`).

Streams (all named ``MotorStation-...``, ``source_id`` = ``<session id>/<stream>``):

``MotorStation-Hands`` (type ``Mocap``, float32, irregular rate)
    one sample per tracked frame: 2 x 21 landmarks x (x, y, z, visibility), the child's left hand
    first, then the right; NaN for a hand not found in that frame.
``MotorStation-Pose`` (type ``Mocap``, float32, irregular rate)
    33 landmarks x (x, y, z, visibility) of the followed person.
``MotorStation-<device id>`` (type = device kind, e.g. ``Force``; float32, nominal device rate)
    one sample per sensor sample, the device's channels in its units.
``MotorStation-Events`` (type ``Markers``, string, irregular rate)
    one JSON marker per score event: ``{"exercise", "trial", "rep", "kind", "value", "unit", "payload"}``.

Coordinates are as stored (normalised unmirrored image, x right, y down). **Timestamps**: every
sample is pushed with the time it happened, not the time it was pushed: ``t_ns`` on the session
clock mapped to LSL's clock (``pylsl.local_clock()``, seconds) by an offset measured once when the
outlets open: ``lsl_time = t_ns / 1e9 + offset_s``. Pushing never blocks and never raises into the
session loop (errors are logged and counted).
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any

from station.core import DeviceInfo, HandObservation, PoseObservation, ScoreEvent, SensorSample, SessionClock

log = logging.getLogger(__name__)

ENV_ENABLE = "MOTOR_STATION_LSL"
MACHINE_ONLY_CONFIG = """[ports]
IPv6 = disable
[multicast]
ResolveScope = machine
MachineAddresses = {127.0.0.1}
[lab]
KnownPeers = {127.0.0.1}
"""
"""An ``lsl_api.cfg`` that keeps every discovery packet on this machine (point ``LSLAPICFG`` at it)."""

HAND_N, POSE_N = 21, 33
COMPONENTS = ("x", "y", "z", "visibility")


def lsl_enabled(config: Mapping[str, Any] | None = None) -> bool:
    """Whether the user turned LSL on (configuration ``lsl: true`` or ``MOTOR_STATION_LSL=1``)."""
    if config is not None and "lsl" in config:
        return bool(config["lsl"])
    return os.environ.get(ENV_ENABLE, "").strip().lower() in ("1", "true", "yes", "on")


def require_lsl(config: Mapping[str, Any] | None = None) -> None:
    """Before a session starts: when LSL is turned on, pylsl must import, else one
    :class:`~station.core.InputError` line (never a traceback from inside a running session)."""
    if not lsl_enabled(config):
        return
    try:
        import pylsl  # noqa: F401
    except ImportError:
        from station.core import InputError

        raise InputError(f"LSL streaming is turned on ({ENV_ENABLE}=1) but pylsl is not installed",
                         fix=f"pip install 'motor-station[lsl]', or unset {ENV_ENABLE}") from None


def open_outlets(session_id: str, clock: SessionClock, config: Mapping[str, Any] | None = None) -> LslOutlets | None:
    """LSL outlets for a session when the user enabled LSL, else ``None`` (pylsl is not imported)."""
    if not lsl_enabled(config):
        return None
    return LslOutlets(session_id, clock)


class LslOutlets:
    """LSL outlets of one session, fed with the same calls as the :class:`~station.storage.Recorder`.

    Parameters
    ----------
    session_id: the session's id (part of every stream's ``source_id``).
    clock: the session clock; its ``now_ns()`` is compared with ``pylsl.local_clock()`` once to get
        :attr:`offset_s`.
    """

    def __init__(self, session_id: str, clock: SessionClock) -> None:
        try:
            import pylsl
        except ImportError as exc:  # pragma: no cover - pylsl is a declared optional dependency
            from station.core import InputError

            raise InputError("LSL streaming needs pylsl", fix="pip install 'motor-station[lsl]'") from exc
        self._lsl = pylsl
        self.session_id = session_id
        self.offset_s = pylsl.local_clock() - clock.now_ns() / 1e9
        """LSL clock minus session clock, seconds."""
        self.errors = 0
        self.pushed = 0
        self._outlets: dict[str, Any] = {}
        self._devices: dict[str, DeviceInfo] = {}
        self._hands = self._outlet("Hands", "Mocap", [f"{side}_{i}_{c}" for side in ("left", "right") for i in range(HAND_N) for c in COMPONENTS],
                                   0.0, "float32", unit="normalised")
        self._pose = self._outlet("Pose", "Mocap", [f"{i}_{c}" for i in range(POSE_N) for c in COMPONENTS], 0.0, "float32", unit="normalised")
        self._events = self._outlet("Events", "Markers", ["event"], 0.0, "string")

    # -- outlets ---------------------------------------------------------------------------------
    def _outlet(self, stream: str, kind: str, labels: list[str], rate: float, fmt: str, unit: str = "", units: list[str] | None = None) -> Any:
        lsl = self._lsl
        cf = {"float32": lsl.cf_float32, "string": lsl.cf_string}[fmt]
        info = lsl.StreamInfo(f"MotorStation-{stream}", kind, len(labels), rate, cf, f"{self.session_id}/{stream}")
        desc = info.desc()
        desc.append_child_value("session_id", self.session_id)
        desc.append_child_value("time_base", "session clock mapped to lsl local_clock; see station.lsl")
        chans = desc.append_child("channels")
        for i, label in enumerate(labels):
            ch = chans.append_child("channel")
            ch.append_child_value("label", label)
            ch.append_child_value("unit", units[i] if units else unit)
        outlet = lsl.StreamOutlet(info)
        self._outlets[stream] = outlet
        return outlet

    def lsl_time(self, t_ns: int) -> float:
        """LSL timestamp (s) of session-clock time ``t_ns``."""
        return t_ns / 1e9 + self.offset_s

    def _push(self, outlet: Any, values: list[Any], t_ns: int) -> None:
        try:
            outlet.push_sample(values, self.lsl_time(t_ns))
            self.pushed += 1
        except Exception as exc:  # never break the session loop because a lab tool misbehaves
            self.errors += 1
            if self.errors <= 3:
                log.error("LSL push failed: %s", exc)

    # -- the Recorder-like interface ---------------------------------------------------------------
    def record_device(self, info: DeviceInfo) -> None:
        """Declare a device (its stream opens now, with channel names and units)."""
        if info.device_id in self._devices:
            return
        self._devices[info.device_id] = info
        from devices.kinds import get_kind, kind_names

        kind = info.kind.capitalize() if info.kind else "Sensor"
        if info.kind in kind_names():
            kind = get_kind(info.kind).lsl_type or kind
        self._outlet(info.device_id, kind, list(info.channels), float(info.rate_hz), "float32", units=list(info.units))

    def record_observations(self, trial: int, hands: Iterable[HandObservation] = (), poses: Iterable[PoseObservation] = ()) -> None:
        """Push one frame's hands (left block, right block) and the followed person's pose."""
        hands = list(hands)
        if hands:
            block: list[float] = [math.nan] * (2 * HAND_N * 4)
            for h in hands:
                base = 0 if h.handedness == "Left" else HAND_N * 4
                vis = h.visibility
                for i in range(min(HAND_N, len(h.landmarks))):
                    x, y, z = (float(v) for v in h.landmarks[i, :3])
                    block[base + 4 * i: base + 4 * i + 4] = [x, y, z, float(vis[i]) if vis is not None else math.nan]
            self._push(self._hands, block, hands[0].t_ns)
        for p in poses:
            if p.person != 0:
                continue
            vis = p.visibility
            vals: list[float] = []
            for i in range(POSE_N):
                if i < len(p.landmarks):
                    vals += [float(v) for v in p.landmarks[i, :3]] + [float(vis[i]) if vis is not None else math.nan]
                else:
                    vals += [math.nan] * 4
            self._push(self._pose, vals, p.t_ns)

    def record_samples(self, trial: int, samples: Iterable[SensorSample]) -> None:
        """Push sensor samples (a device seen for the first time gets its stream from the sample)."""
        for s in samples:
            if s.device_id not in self._devices:
                self.record_device(DeviceInfo(s.device_id, "sensor", "", "", "", s.channels, s.units, 0.0))
            self._push(self._outlets[s.device_id], [float(v) for v in s.values], s.t_ns)

    def record_events(self, events: Iterable[ScoreEvent]) -> None:
        """Push one JSON marker per score event."""
        for e in events:
            marker = json.dumps({"exercise": e.exercise, "trial": e.trial, "rep": e.rep, "kind": e.kind,
                                 "value": e.value if e.value is None or math.isfinite(e.value) else None, "unit": e.unit,
                                 "payload": dict(e.payload)}, default=str)
            self._push(self._events, [marker], e.t_ns)

    @property
    def stream_names(self) -> list[str]:
        return [f"MotorStation-{k}" for k in self._outlets]

    def close(self) -> None:
        """Close every outlet (inlets see the streams end)."""
        self._outlets.clear()
        self._hands = self._pose = self._events = None
