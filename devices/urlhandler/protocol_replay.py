"""``replay://PATH.csv[?speed=1&timing=own|none&loop=0]``: a recording played back as a serial port.

Two kinds of CSV are understood:

* a recording made by ``station devices record`` (columns ``device_seq, device_time_us,
  session_time_ns, flags`` then one ``NAME [UNIT]`` column per channel): replayed as station-protocol
  lines (``$H`` hello on ``ID``, ``$D`` samples) at the recorded device times, or as plain lines when
  the recording had no device clock;
* the 3-D-printed grip dynamometer's files in ``../shared/media/sensors/grip`` (columns ``Time`` in
  seconds and ``Grip_Force``): replayed as that device's own serial format, ``N<force>`` per line.

``timing=own`` (default) paces lines by their recorded times divided by ``speed``; ``timing=none``
delivers everything as fast as it is read. ``loop=1`` starts again at the end. A relative PATH is
relative to the working directory (``replay://../shared/x.csv``); an absolute one has three slashes.
"""

from __future__ import annotations

import csv
import itertools
import time
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from serial.serialutil import SerialException

from devices.kinds import get_kind, kind_of_raw_channels
from devices.protocol import Hello, frame, sample_line
from devices.urlhandler._base import ProducerSerial


def path_from_url(url: str) -> tuple[Path, dict[str, str]]:
    parts = urlsplit(url)
    return Path(unquote(parts.netloc + parts.path)), dict(parse_qsl(parts.query))


def _monotonic(times: list[float]) -> list[float]:
    """Join segments whose clock restarts (the grip files' ``Time`` restarts every ~3.5 s): each
    restart continues one median step after the previous segment's end."""
    if len(times) < 2:
        return times
    steps = sorted(b - a for a, b in itertools.pairwise(times) if b > a)
    step = steps[len(steps) // 2] if steps else 0.0
    out, shift = [times[0]], 0.0
    for a, b in itertools.pairwise(times):
        if b < a:
            shift += a + step - b
        out.append(b + shift)
    return out


def load_recording(path: Path) -> tuple[list[float], list[bytes], Hello | None]:
    """``(times_s, lines, hello)`` of a recording; times start at 0."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(row for row in fh if not row.startswith("#")))
    except OSError as exc:
        raise SerialException(f"cannot read recording {path}: {exc.strerror}") from None
    if not rows:
        raise SerialException(f"recording {path} is empty")
    header = [h.strip() for h in rows[0]]
    body = [r for r in rows[1:] if r]
    try:
        return _parse_rows(path, header, body)
    except (ValueError, IndexError) as exc:
        # the first bad row (a prefix fails once it holds it: bisect), for a message that says where
        lo, hi = 0, len(body)
        while lo < hi:
            mid = (lo + hi) // 2
            try:
                _parse_rows(path, header, body[: mid + 1])
                lo = mid + 1
            except (ValueError, IndexError):
                hi = mid
        raise SerialException(f"recording {path}: data row {lo + 1} is malformed ({exc or 'a column is missing'})") from None


def _parse_rows(path: Path, header: list[str], body: list[list[str]]) -> tuple[list[float], list[bytes], Hello | None]:
    if "Grip_Force" in header and "Time" in header:
        it, iv = header.index("Time"), header.index("Grip_Force")
        times = _monotonic([float(r[it]) for r in body])
        lines = [b"N%s\r\n" % r[iv].strip().encode() for r in body]
        return [t - times[0] for t in times] if times else [], lines, None
    if header[:4] == ["device_seq", "device_time_us", "session_time_ns", "flags"]:
        names = [h.split(" [")[0] for h in header[4:]]
        units = [h.split(" [")[1].rstrip("]") if " [" in h else "" for h in header[4:]]
        # a balance recording also holds derived channels (total, centre of pressure): replay the cells
        kind = kind_of_raw_channels(tuple(names))
        n_raw = len(get_kind(kind).raw_channels) if kind is not None else len(names)
        names, units = names[:n_raw], units[:n_raw]
        body = [r[: 4 + n_raw] for r in body]
        has_clock = bool(body) and body[0][1] != ""
        if has_clock:
            times = [int(r[1]) / 1e6 for r in body]
            lines = [sample_line(int(r[0]), int(r[1]), [float(x) for x in r[4:]]) for r in body]
        else:
            times = [int(r[2]) / 1e9 for r in body]
            lines = [(b"N" + r[4].encode() if len(names) == 1 else ",".join(r[4:]).encode()) + b"\n" for r in body]
        hello = Hello(kind or "unknown", "replay", path.stem[:32], "replay-1", 0.0, tuple(names), tuple(units))
        return [t - times[0] for t in times] if times else [], lines, hello if has_clock else None
    raise SerialException(f"{path} is not a recording this station can replay (header: {','.join(header[:6])})")


class Serial(ProducerSerial):
    """pyserial port that plays a recording."""

    def _open_url(self, url: str) -> None:
        path, q = path_from_url(url)
        self._times, self._lines, self._hello = load_recording(path)
        self._speed = float(q.get("speed", 1.0))
        self._paced = q.get("timing", "own") != "none"
        self._loop = q.get("loop", "0") in ("1", "true", "yes")
        self._i = 0
        self._t0 = time.monotonic()
        self._streaming = self._hello is None  # station recordings wait for START like the device did
        if self._hello is not None:
            self._rx += self._hello.line()

    def _produce(self) -> bytes:
        if not self._streaming or not self._lines:
            return b""
        if self._i >= len(self._lines):
            if not self._loop:
                return b""
            self._i, self._t0 = 0, time.monotonic()
        if not self._paced:
            end = min(len(self._lines), self._i + 4096)
        else:
            el = (time.monotonic() - self._t0) * self._speed
            end = self._i
            while end < len(self._lines) and self._times[end] <= el:
                end += 1
        out = b"".join(self._lines[self._i : end])
        self._i = end
        return out

    def _command(self, line: bytes) -> bytes:
        if self._hello is None:
            return b""
        cmd = line.strip().upper()
        if cmd == b"ID":
            return self._hello.line()
        if cmd == b"START":
            if not self._streaming:
                self._streaming, self._t0 = True, time.monotonic()
            return frame("A,START")
        if cmd == b"STOP":
            self._streaming = False
            return frame("A,STOP")
        return frame(f"E,{cmd.decode(errors='replace')},not supported by replay")
