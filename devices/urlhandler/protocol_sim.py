"""``sim://KIND?profile=NAME&rate=HZ&...``: a simulated device inside the process (no pty).

Query keys: ``profile``, ``rate`` (Hz), ``serial``, ``format`` (msp|plain|csv), ``seed``, ``load``,
``hold`` (s), ``weight`` (kg), ``offset``, ``gain``, ``clock`` (boot value of the device clock, µs),
``autostart`` (0/1) and the faults ``garbage``, ``drop``, ``corrupt``, ``truncate``,
``stall-after``, ``reset-after`` (see :mod:`devices.sim`). ``unplug-after`` needs a port that can
vanish: use the pseudo-terminal simulator (``station devices simulate``).

Example: ``serial_for_url("sim://grip?profile=fatigue&rate=1000")``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from serial.serialutil import SerialException

from devices.sim import Faults, SimConfig, SimDevice, parse_faults
from devices.urlhandler._base import ProducerSerial
from station.core import InputError

_KEYS = {"profile", "rate", "serial", "format", "seed", "load", "hold", "weight", "offset", "gain", "clock", "autostart"}
_FAULTS = {"garbage", "drop", "corrupt", "truncate", "stall-after", "reset-after", "stall_after", "reset_after"}


def config_from_url(url: str) -> SimConfig:
    """Parse a ``sim://`` URL into a :class:`SimConfig` (:class:`InputError` when malformed)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "sim":
        raise InputError("not a sim:// URL", where=url)
    kind = (parts.netloc or parts.path.strip("/")).lower()
    q = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(q) - _KEYS - _FAULTS
    if unknown:
        raise InputError(f"unknown sim:// option(s) {', '.join(sorted(unknown))}", where=url,
                         fix=f"known: {', '.join(sorted(_KEYS | _FAULTS))}")
    faults = parse_faults([f"{k}={v}" for k, v in q.items() if k in _FAULTS]) if _FAULTS & set(q) else Faults()
    try:
        return SimConfig(
            kind=kind, profile=q.get("profile", ""), rate_hz=float(q.get("rate", 100)), serial=q.get("serial", ""),
            fmt=q.get("format", "msp"), faults=faults, seed=int(q.get("seed", 0)), load=float(q.get("load", 0)),
            hold_s=float(q.get("hold", 2.0)), weight_kg=float(q.get("weight", 25.0)), offset=float(q.get("offset", 0)),
            gain=float(q.get("gain", 1.0)), clock_us=int(q.get("clock", 0)), autostart=q.get("autostart", "0") in ("1", "true", "yes"),
        )
    except ValueError as exc:
        raise InputError("a sim:// option is not a number", where=url, fix=str(exc)) from None


class Serial(ProducerSerial):
    """pyserial port backed by a :class:`devices.sim.SimDevice`."""

    device: SimDevice

    def _open_url(self, url: str) -> None:
        try:
            self.device = SimDevice(config_from_url(url))
        except InputError as exc:
            raise SerialException(str(exc)) from None
        self._rx += self.device.boot_lines()

    def _produce(self) -> bytes:
        return self.device.produce()

    def _command(self, line: bytes) -> bytes:
        return self.device.command(line)
