"""Transports: every device is opened by URL through pyserial's ``serial_for_url``.

Real ports (``/dev/ttyUSB0``, ``COM3``, a pseudo-terminal path), pyserial's own URLs (``loop://``,
``socket://``, ``rfc2217://``) and the project's schemes (``sim://grip?profile=fatigue&rate=1000``,
``replay://path/to/recording.csv``) share one code path. The project's schemes are registered by
appending :data:`HANDLER_PACKAGE` to ``serial.protocol_handler_packages`` (idempotent).

Port discovery (:func:`list_ports`) uses ``serial.tools.list_ports``: device path, USB vendor and
product ids, serial number and description.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import serial

from station.core import InputError

log = logging.getLogger(__name__)

HANDLER_PACKAGE = "devices.urlhandler"
DEFAULT_BAUD = 115200


def register_url_handlers() -> None:
    """Make ``sim://`` and ``replay://`` known to ``serial.serial_for_url``."""
    if HANDLER_PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(HANDLER_PACKAGE)


def open_url(url: str, *, baudrate: int = DEFAULT_BAUD, timeout: float = 0.05) -> serial.SerialBase:
    """Open ``url`` for reading with a short read timeout.

    Raises
    ------
    InputError
        for an unknown scheme or a malformed URL (a user's mistake);
    serial.SerialException
        when the port cannot be opened now (missing, busy, unplugged): callers may retry.
    """
    register_url_handlers()
    try:
        port = serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, write_timeout=1.0)
    except ValueError as exc:
        raise InputError(f"cannot use serial URL '{url}'", where=str(exc),
                         fix="use a port path (/dev/ttyUSB0, COM3), loop://, sim://grip or replay://FILE.csv") from None
    return port


@dataclass(frozen=True)
class PortInfo:
    """A serial port found on this machine."""

    device: str
    description: str
    vid: int | None
    pid: int | None
    serial_number: str | None
    manufacturer: str | None

    @property
    def usb_id(self) -> str:
        return f"{self.vid:04x}:{self.pid:04x}" if self.vid is not None and self.pid is not None else ""


def list_ports() -> list[PortInfo]:
    """Serial ports with their USB ids (sorted by device path)."""
    from serial.tools import list_ports as lp

    return sorted(
        (PortInfo(p.device, p.description or "", p.vid, p.pid, p.serial_number, p.manufacturer) for p in lp.comports()),
        key=lambda p: p.device,
    )
