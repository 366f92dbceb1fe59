"""The Motor Station serial protocol, version 1 (``msp/1``): line formats, checksums, commands.

This module is the Python side of ``devices/PROTOCOL.md`` (the normative text) and of the C header
``devices/firmware/msp_line.h`` (the firmware side). Both must agree byte for byte; a test compiles
the header with the host compiler and parses its output with :mod:`devices.parser`.

Conventions
-----------
* A line is ASCII, ends with ``\\n`` (a preceding ``\\r`` is ignored) and is at most
  :data:`MAX_LINE` bytes long.
* Device to host lines start with ``$`` and a one-letter type, and end with an NMEA-style checksum
  ``*HH``: the XOR of every byte strictly between ``$`` and ``*``, as two upper-case hex digits.

  ``$D,<seq>,<t_us>,<v1>[,<v2>...]*HH``   a sample: device sequence number (uint32, +1 per
  sample *measured*, so samples the firmware could not send show as gaps), the device clock in
  microseconds (uint32, wraps after about 71.6 minutes; the host unwraps it) and one value per
  channel in the units announced by the hello line.

  ``$H,msp=1,kind=grip,model=...,serial=...,fw=...,rate=1000,ch=force,unit=N,fs=900*HH``   the hello
  (identity) line: ``key=value`` fields; list values (``ch``, ``unit``, ``fs``) are ``;``-separated.

  ``$A,<COMMAND>[,<detail>]*HH``   a command was accepted; ``$E,<COMMAND>,<reason>*HH`` refused.
* Host to device commands are plain text lines, case-insensitive: ``ID``, ``START``, ``STOP``,
  ``TARE``, ``RATE <hz>``.
* Plain formats (no sequence, no device clock, no checksum): ``N12.34`` (one number per line with an
  optional letter prefix; the format of the 3-D-printed grip dynamometer in
  ``../shared/media/sensors/grip``) and ``wa,wb,wc,wd`` (comma-separated load cells).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

PROTOCOL_NAME = "msp"
PROTOCOL_VERSION = 1
PROTOCOL = f"{PROTOCOL_NAME}/{PROTOCOL_VERSION}"
MAX_LINE = 256
"""Longest accepted line in bytes (including the terminator); longer ones are rejected as ``overlong``."""
U32 = 1 << 32

COMMANDS = ("ID", "START", "STOP", "TARE", "RATE")


def checksum(body: bytes) -> int:
    """XOR of all bytes of ``body`` (the text strictly between ``$`` and ``*``)."""
    c = 0
    for b in body:
        c ^= b
    return c


def frame(body: str) -> bytes:
    """``$<body>*HH\\n`` for a line body such as ``"D,1,1000,12.5"``."""
    raw = body.encode("ascii")
    return b"$" + raw + b"*%02X\n" % checksum(raw)


def fmt_value(v: float, decimals: int = 3) -> str:
    """A channel value as the firmware prints it: fixed decimals, trailing zeros kept."""
    return f"{v:.{decimals}f}"


def sample_line(seq: int, t_us: int, values: Sequence[float], decimals: int = 3) -> bytes:
    """One ``$D`` sample line (``seq`` and ``t_us`` are reduced modulo 2**32 like the firmware's)."""
    vals = ",".join(fmt_value(v, decimals) for v in values)
    return frame(f"D,{seq % U32},{t_us % U32},{vals}")


@dataclass(frozen=True)
class Hello:
    """What a device says about itself in its ``$H`` line."""

    kind: str
    model: str
    serial: str
    firmware: str
    rate_hz: float
    channels: tuple[str, ...]
    units: tuple[str, ...]
    full_scale: tuple[float, ...] | None = None
    """Per-channel full-scale value (``fs``): at or beyond it a sample is flagged saturated."""
    version: int = PROTOCOL_VERSION
    extra: dict[str, str] = field(default_factory=dict)

    def line(self) -> bytes:
        fields = [
            f"msp={self.version}", f"kind={self.kind}", f"model={self.model}", f"serial={self.serial}",
            f"fw={self.firmware}", f"rate={self.rate_hz:g}", "ch=" + ";".join(self.channels), "unit=" + ";".join(self.units),
        ]
        if self.full_scale is not None:
            fields.append("fs=" + ";".join(f"{v:g}" for v in self.full_scale))
        fields += [f"{k}={v}" for k, v in self.extra.items()]
        return frame("H," + ",".join(fields))


class HelloError(ValueError):
    """A ``$H`` line that is malformed or of an unsupported protocol version."""


def parse_hello(fields: Sequence[str]) -> Hello:
    """Build a :class:`Hello` from the ``key=value`` fields after ``H``."""
    kv: dict[str, str] = {}
    for f in fields:
        k, sep, v = f.partition("=")
        if not sep:
            raise HelloError(f"hello field without '=': {f!r}")
        kv[k.strip().lower()] = v.strip()
    try:
        version = int(kv.pop("msp"))
    except (KeyError, ValueError):
        raise HelloError("hello without a protocol version (msp=1)") from None
    if version != PROTOCOL_VERSION:
        raise HelloError(f"unsupported protocol version msp={version} (this host speaks msp={PROTOCOL_VERSION})")
    try:
        channels = tuple(c for c in kv.pop("ch").split(";") if c)
        units = tuple(u for u in kv.pop("unit").split(";") if u)
        rate = float(kv.pop("rate", "0") or 0)
        fs_txt = kv.pop("fs", "")
        fs = tuple(float(x) for x in fs_txt.split(";")) if fs_txt else None
    except (KeyError, ValueError) as exc:
        raise HelloError(f"hello with missing or bad channel fields ({exc})") from None
    if not channels or len(units) != len(channels) or (fs is not None and len(fs) != len(channels)):
        raise HelloError("hello lists channels, units and full scales of different lengths")
    return Hello(
        kind=kv.pop("kind", "unknown"), model=kv.pop("model", "unknown"), serial=kv.pop("serial", "unknown"),
        firmware=kv.pop("fw", "unknown"), rate_hz=rate, channels=channels, units=units, full_scale=fs,
        version=version, extra=kv,
    )


def command(name: str, arg: float | int | None = None) -> bytes:
    """A host command line, e.g. ``command("RATE", 500) == b"RATE 500\\n"``."""
    name = name.upper()
    if name not in COMMANDS:
        raise ValueError(f"unknown command {name!r}; known: {', '.join(COMMANDS)}")
    return (f"{name} {arg:g}\n" if arg is not None else f"{name}\n").encode("ascii")


def parse_command(line: bytes) -> tuple[str, str]:
    """``(COMMAND, argument)`` of a host command line (device side; used by the simulators)."""
    text = line.decode("ascii", "replace").strip()
    name, _, arg = text.partition(" ")
    return name.upper(), arg.strip()
