"""Opening a device by URL without knowing its kind, and recording its samples to CSV.

:func:`detect_kind` asks the device who it is (``ID``) and reads its first lines: a hello line names
the kind; a plain ``N12.34`` device is a grip dynamometer, a ``wa,wb,wc,wd`` device a balance board.
:func:`make_driver` builds the right driver. :func:`record` writes a CSV with the columns
``device_seq, device_time_us, session_time_ns, flags`` then one ``NAME [UNIT]`` column per channel
(``device_time_us`` empty for plain formats), flushed at least every second, never overwriting a
file, and returns a :class:`RecordSummary` (samples, sequence gaps, rejects by kind, effective rate).
"""

from __future__ import annotations

import csv
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import serial

from devices.driver import Outage, SerialDevice
from devices.kinds import get_kind, kind_names, kind_of_plain_format
from devices.parser import LineParser
from devices.protocol import Hello, command
from devices.transport import DEFAULT_BAUD, open_url
from station.core import InputError, SensorSample, SessionClock, SystemClock

log = logging.getLogger(__name__)



def probe(url: str, *, baudrate: int = DEFAULT_BAUD, timeout_s: float = 3.0, clock: SessionClock | None = None) -> tuple[str, Hello | None, str]:
    """Open ``url`` once and ask who it is: ``(kind, hello or None, format)``.

    A microcontroller that resets when its port opens (Arduino Nano/Uno) needs about 1.6 s before it
    prints, hence the 3 s default. :class:`InputError` when nothing recognisable arrives.
    """
    clock = clock or SystemClock()
    try:
        port = open_url(url, baudrate=baudrate)
    except serial.SerialException as exc:
        raise InputError("cannot open serial port", where=url, fix=f"check the port name ({exc})") from None
    p = LineParser("auto")
    try:
        port.reset_input_buffer()
        port.write(command("ID"))
        end = clock.now_ns() + int(timeout_s * 1e9)
        while clock.now_ns() < end:
            data = port.read(port.in_waiting or 1)
            if data:
                p.feed(data, clock.now_ns())
            if p.hello is not None:
                if p.hello.kind not in kind_names():
                    raise InputError(f"the device at {url} is a '{p.hello.kind}', which this station has no driver for",
                                     fix=f"known kinds: {', '.join(kind_names())}")
                return p.hello.kind, p.hello, "msp"
            plain = kind_of_plain_format(p.format) if p.format != "msp" else None
            if plain is not None:
                return plain, None, p.format
            if p.format == "msp" and p.samples:
                n = p.n_channels or 1
                by_width = [k for k in kind_names() if len(get_kind(k).raw_channels) == n]
                if len(by_width) == 1:
                    return by_width[0], None, "msp"
    finally:
        port.close()
    raise InputError(f"{url} is not a station device: no hello and no recognisable lines in {timeout_s:g} s",
                     fix="check the port and the baud rate (--baud), or say --kind grip|balance")


def detect_kind(url: str, *, baudrate: int = DEFAULT_BAUD, timeout_s: float = 3.0, clock: SessionClock | None = None) -> str:
    """The registered kind (:mod:`devices.kinds`) of the device at ``url`` (:class:`InputError` when unknown)."""
    if urlsplit(url).scheme.lower() == "sim":
        kind = (urlsplit(url).netloc or "").lower()
        if kind in kind_names():
            return kind
    return probe(url, baudrate=baudrate, timeout_s=timeout_s, clock=clock)[0]


def make_driver(url: str, kind: str | None = None, *, detect_timeout_s: float = 3.0, **kwargs: Any) -> SerialDevice:
    """A driver of the right kind for ``url`` (detected when ``kind`` is ``None``); ``kwargs`` go to
    the driver's constructor."""
    if kind is None:
        kind = detect_kind(url, baudrate=kwargs.get("baudrate", DEFAULT_BAUD), clock=kwargs.get("clock"), timeout_s=detect_timeout_s)
    return get_kind(kind).driver(url, **kwargs)


@dataclass
class RecordSummary:
    """What a recording holds."""

    path: Path
    device_id: str
    serial: str
    protocol: str
    samples: int = 0
    gaps: int = 0
    missing: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    queue_dropped: int = 0
    duration_s: float = 0.0
    outages: list[Outage] = field(default_factory=list)
    calibrated: bool = False

    @property
    def effective_rate_hz(self) -> float:
        return (self.samples - 1) / self.duration_s if self.duration_s > 0 and self.samples > 1 else 0.0

    def lines(self) -> list[str]:
        """The summary as short human lines (the CLI prints them)."""
        rej = ", ".join(f"{k} {v}" for k, v in sorted(self.rejects.items())) or "none"
        out = [
            f"device: {self.device_id} serial {self.serial} ({self.protocol}){'' if self.calibrated else ' UNCALIBRATED'}",
            f"samples: {self.samples} in {self.duration_s:.2f} s, effective rate {self.effective_rate_hz:.1f} Hz",
            f"sequence gaps: {self.gaps} ({self.missing} samples missing)",
            f"rejects: {rej}",
        ]
        if self.queue_dropped:
            out.append(f"queue overflow: {self.queue_dropped} samples dropped")
        for o in self.outages:
            back = f"back after {o.duration_s:.2f} s" if o.duration_s is not None else "not back"
            out.append(f"port lost: {back} ({o.missing if o.missing is not None else '?'} samples missing)")
        return out


def csv_header(dev: SerialDevice) -> list[str]:
    return ["device_seq", "device_time_us", "session_time_ns", "flags", *(f"{c} [{u}]" for c, u in zip(dev.channels, dev.units, strict=True))]


def csv_row(s: SensorSample) -> list[object]:
    return [s.seq, "" if s.device_time_us is None else s.device_time_us, s.t_ns, int(s.flags), *(f"{v:.6g}" for v in s.values)]


def record(
    dev: SerialDevice,
    out: Path,
    seconds: float,
    *,
    stop: threading.Event | None = None,
    on_sample: Callable[[SensorSample], None] | None = None,
) -> RecordSummary:
    """Stream ``dev`` for ``seconds`` (session clock) into the CSV ``out`` (must not exist)."""
    out = Path(out)
    if out.exists():
        raise InputError("the output file exists (recordings are never overwritten)", where=str(out), fix="choose another --out")
    if not out.parent.is_dir():
        raise InputError("the output folder does not exist", where=str(out.parent), fix="create it first")
    stop = stop or threading.Event()
    clock = dev.clock
    first: int | None = None
    last: int | None = None
    n = 0
    with open(out, "x", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        try:
            dev.start()
            w.writerow(csv_header(dev))
            t_end = clock.now_ns() + int(seconds * 1e9)
            t_flush = clock.now_ns()
            while not stop.is_set():
                now = clock.now_ns()
                try:
                    batch = [dev.queue.get(timeout=0.05)]
                except Exception:  # queue.Empty
                    batch = []
                batch += dev.queue.drain()
                for s in batch:
                    w.writerow(csv_row(s))
                    if first is None:
                        first = s.t_ns
                    last = s.t_ns
                    if on_sample is not None:
                        on_sample(s)
                n += len(batch)
                if now - t_flush > 1_000_000_000:
                    fh.flush()
                    t_flush = now
                if now >= t_end:
                    break
        finally:
            dev.stop()
            for s in dev.queue.drain():  # nothing already received is lost
                w.writerow(csv_row(s))
                first = s.t_ns if first is None else first
                last = s.t_ns
                n += 1
            dev.close()
    info = dev.info
    return RecordSummary(
        path=out, device_id=dev.device_id, serial=info.serial if info else "", protocol=info.protocol if info else "",
        samples=n, gaps=dev.parser.gaps, missing=dev.parser.missing, rejects=dict(dev.parser.rejects),
        queue_dropped=dev.queue.dropped, duration_s=((last - first) / 1e9) if first is not None and last is not None else 0.0,
        outages=list(dev.outages), calibrated=dev.calibrated,
    )
