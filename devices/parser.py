"""Pure line parsers: bytes in, samples and counted rejects out.

A :class:`LineParser` owns no port and no thread: :meth:`LineParser.feed` takes the bytes of one
``read()`` and the host time they arrived (``t_arrival_ns``, session clock) and returns the complete
samples they finish, as :class:`RawSample` (device sequence, unwrapped device time in microseconds,
channel values in the device's units, :class:`~station.core.SampleFlag` bits). Mapping device time to
the session clock is the driver's job (:mod:`devices.clockfit`).

Formats (``fmt``)
-----------------
``"msp"``    the station protocol (``$D,seq,t_us,v...*HH``; see :mod:`devices.protocol`);
``"plain"``  one number per line, optionally prefixed by a letter (``N12.34``);
``"csv"``    comma-separated channel values (``wa,wb,wc,wd``);
``"auto"``   decided from the first lines: one valid ``msp`` line decides at once (its checksum
             makes it unambiguous); ``plain``/``csv`` need :attr:`LineParser.detect_lines`
             consecutive lines of the same shape. Lines seen while deciding are parsed once the
             format is known, so nothing is lost.

Resynchronisation and rejects
-----------------------------
Every line that is not a sample or a control line is counted in :attr:`LineParser.rejects` by kind
(:data:`REJECT_KINDS`) and the next good sample carries ``RESYNCED``. A ``$`` inside a line starts
a new line (the bytes before it are a ``partial`` line or ``garbage``), so a truncated line never
swallows the good one after it. A sequence jump flags ``GAP_BEFORE`` on the next sample and counts
the missing samples; a sequence going backwards means the device restarted (``CLOCK_RESET``).
Plain formats have no sequence numbers: the parser numbers their lines itself and cannot see gaps.

Speed: for chunks of many lines the ``msp`` checksums are checked with NumPy over the whole chunk
(prefix XOR), leaving only number conversion in Python (see ``benchmarks/serial_ingest.py``).
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections import Counter
from typing import Literal, NamedTuple

import numpy as np

from devices.protocol import MAX_LINE, U32, Hello, HelloError, checksum, parse_hello
from station.core import SampleFlag

log = logging.getLogger(__name__)

Format = Literal["auto", "msp", "plain", "csv"]
REJECT_KINDS = (
    "garbage",  # bytes that are no line of any known format
    "partial",  # a line cut short (no checksum, interrupted by a new '$')
    "checksum",  # the checksum does not match
    "bad_value",  # a field that is not a number
    "channels",  # a sample with the wrong number of channels
    "out_of_range",  # a value that is not finite or far beyond the sensor's full scale
    "overlong",  # more than MAX_LINE bytes without a newline
    "duplicate",  # the same sequence number twice in a row
    "bad_hello",  # a hello line that is malformed or of another protocol version
    "unknown_type",  # a '$X' line of a type this host does not know
)

_GAP = int(SampleFlag.GAP_BEFORE)
_RESYNC = int(SampleFlag.RESYNCED)
_SAT = int(SampleFlag.SATURATED)
_RESET = int(SampleFlag.CLOCK_RESET)
_HALF = 1 << 31
_INF = math.inf
_HEX = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789ABCDEF"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX[_c] = 10 + _i
_VECTOR_MIN_LINES = 12


def _zeros(n: int) -> itertools.repeat[int]:
    return itertools.repeat(0, n)


def _repeat(t: int, n: int) -> itertools.repeat[int]:
    return itertools.repeat(t, n)

_PLAIN_RE = re.compile(rb"^\s*[A-Za-z]?\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")
_CSV_RE = re.compile(rb"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:\s*[,;\t]\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)+\s*$")


class RawSample(NamedTuple):
    """One parsed sample, before clock mapping.

    ``device_time_us`` is the device clock unwrapped past 2**32 (``None`` for plain formats);
    ``values`` are in the device's units; ``flags`` are :class:`SampleFlag` bits.
    """

    seq: int
    device_time_us: int | None
    values: tuple[float, ...]
    flags: int
    t_arrival_ns: int


class Control(NamedTuple):
    """A non-sample line from the device: ``kind`` is ``"hello"``, ``"ack"`` or ``"error"``."""

    kind: str
    fields: tuple[str, ...]
    hello: Hello | None
    t_arrival_ns: int


class LineParser:
    """Incremental, pure parser of one device's byte stream.

    Parameters
    ----------
    fmt:
        ``"auto"``, ``"msp"``, ``"plain"`` or ``"csv"``.
    n_channels:
        Expected channel count, or ``None`` to accept what the hello line (msp) or the first lines
        (csv) say.
    full_scale:
        Per-channel full scale in the device's units (values at or beyond it are ``SATURATED``;
        beyond :attr:`range_factor` times it, ``out_of_range``). A hello line's ``fs`` replaces it.
    detect_lines:
        Consecutive lines of one plain shape needed to decide ``auto``.
    """

    range_factor = 1.5

    def __init__(
        self,
        fmt: Format = "auto",
        *,
        n_channels: int | None = None,
        full_scale: tuple[float, ...] | None = None,
        detect_lines: int = 3,
    ) -> None:
        if fmt not in ("auto", "msp", "plain", "csv"):
            raise ValueError(f"unknown format {fmt!r}")
        self.format: Format = fmt
        self.n_channels = n_channels
        self.full_scale = full_scale
        self.detect_lines = detect_lines
        self.rejects: Counter[str] = Counter()
        self.control: list[Control] = []
        self.hello: Hello | None = None
        self.samples = 0
        self.gaps = 0
        self.missing = 0
        self.resets = 0
        self.bytes = 0
        self._buf = b""
        self._skip = False  # discarding an overlong line up to the next newline
        self._pending: list[tuple[bytes, int]] = []  # lines held while auto-detecting
        self._resync = False
        self._last_seq: int | None = None
        self._last_raw_t: int | None = None
        self._wraps = 0
        self._plain_seq = 0
        self._limits: tuple[tuple[float, float], ...] | None = None
        self._set_limits()

    # -- configuration --------------------------------------------------------------------------
    def _set_limits(self) -> None:
        fs = self.full_scale
        self._limits = None if fs is None else tuple((abs(f), abs(f) * self.range_factor) for f in fs)

    def reset_stream(self) -> None:
        """Forget partial input (after a reconnect). Sequence state is kept, so the samples lost
        while the port was gone show as a gap; a device that rebooted shows as a clock reset."""
        self._buf = b""
        self._skip = False

    @property
    def total_rejects(self) -> int:
        return sum(self.rejects.values())

    # -- input ----------------------------------------------------------------------------------
    def feed(self, data: bytes, t_arrival_ns: int) -> list[RawSample]:
        """Parse ``data`` (any chunk of the stream); returns the samples it completed."""
        self.bytes += len(data)
        buf = self._buf + data if self._buf else data
        cut = buf.rfind(b"\n")
        if cut < 0:
            if self._skip:  # still inside an overlong line already counted: discard
                return []
            self._buf = buf
            if len(buf) > MAX_LINE:
                self._reject("overlong")
                self._buf = b""
                self._skip = True
            return []
        complete, self._buf = buf[: cut + 1], buf[cut + 1 :]
        # the skip applies to the first line of this chunk (the tail of an earlier overlong line);
        # a new overlong tail after the last newline starts a new skip (not of this chunk's lines)
        skip_first, self._skip = self._skip, False
        if len(self._buf) > MAX_LINE:
            self._reject("overlong")
            self._buf = b""
            self._skip = True  # the rest of this line is garbage too
        if skip_first:
            first = complete.find(b"\n")
            complete = complete[first + 1 :]
        out: list[RawSample] = []
        if self.format == "auto":
            lines = complete.split(b"\n")
            lines.pop()
            for i, line in enumerate(lines):
                if self.format != "auto":  # decided by an earlier line of this chunk
                    rest = lines[i:]
                    if self.format == "msp":
                        for ln in rest:
                            self._msp_line(ln, t_arrival_ns, out)
                    else:
                        for ln in rest:
                            self._plain_line(ln, t_arrival_ns, out)
                    break
                self._detect(line, t_arrival_ns, out)
            return out
        if self.format == "msp":
            self._feed_msp(complete, t_arrival_ns, out)
        else:
            lines = complete.split(b"\n")
            lines.pop()
            for line in lines:
                self._plain_line(line, t_arrival_ns, out)
        return out

    def _reject(self, kind: str, n: int = 1) -> None:
        self.rejects[kind] += n
        self._resync = True

    # -- auto-detection -------------------------------------------------------------------------
    def _classify(self, line: bytes) -> Literal["msp", "csv", "plain", "bad"] | None:
        s = line.strip()
        if not s:
            return None
        dollar = s.rfind(b"$")
        if dollar >= 0:
            body = s[dollar + 1 :]
            if len(body) > 3 and body[-3:-2] == b"*":
                try:
                    if int(body[-2:], 16) == checksum(body[:-3]):
                        return "msp"
                except ValueError:
                    pass
            return "bad"
        if _CSV_RE.match(s):
            return "csv"
        if _PLAIN_RE.match(s):
            return "plain"
        return "bad"

    def _detect(self, line: bytes, t: int, out: list[RawSample]) -> None:
        kind = self._classify(line)
        if kind is None:
            return
        if kind == "bad":
            self._pending.append((line, t))
            self._flush_pending_if_large()
            return
        if kind == "msp":
            self._decide("msp")
        else:
            self._pending.append((line, t))
            run = 0
            for ln, _ in reversed(self._pending):
                if self._classify(ln) == kind:
                    run += 1
                else:
                    break
            if run < self.detect_lines:
                return
            self._decide(kind)
        pending, self._pending = self._pending, []
        if kind == "msp":
            pending.append((line, t))
        for ln, tt in pending:
            if self.format == "msp":
                self._msp_line(ln.rstrip(b"\r"), tt, out)
            else:
                self._plain_line(ln, tt, out)

    def _flush_pending_if_large(self) -> None:
        # A port that is not a station device: do not hold its lines forever.
        if len(self._pending) > 64:
            dropped = self._pending[:-16]
            self._pending = self._pending[-16:]
            self._reject("garbage", len(dropped))

    def _decide(self, fmt: Format) -> None:
        log.debug("format detected: %s", fmt)
        self.format = fmt

    # -- msp --------------------------------------------------------------------------------------
    def _feed_msp(self, buf: bytes, t: int, out: list[RawSample]) -> None:
        lines = buf.split(b"\n")
        lines.pop()
        if len(lines) < _VECTOR_MIN_LINES:
            for line in lines:
                self._msp_line(line, t, out)
            return
        arr = np.frombuffer(buf, dtype=np.uint8)
        nl = np.flatnonzero(arr == 10)
        starts = np.empty_like(nl)
        starts[0] = 0
        starts[1:] = nl[:-1] + 1
        ends = nl - (arr[np.maximum(nl - 1, 0)] == 13)
        ok = (ends - starts) >= 8
        s = np.where(ok, starts, 0)
        e = np.where(ok, ends, 4)
        ok &= (arr[s] == 36) & (arr[s + 1] == 68) & (arr[s + 2] == 44) & (arr[e - 3] == 42)
        px = np.bitwise_xor.accumulate(arr)
        hi = _HEX[arr[e - 2]].astype(np.int64)
        lo = _HEX[arr[e - 1]].astype(np.int64)
        ok &= (hi < 16) & (lo < 16) & (((hi << 4) | lo) == (px[e - 4] ^ px[s]))
        # a second '$' inside a line means two lines ran together: leave those to the slow path
        n_dollar = np.add.reduceat((arr == 36).astype(np.int32), starts) if len(starts) else np.zeros(0)
        ok &= n_dollar == 1
        slow = self._msp_line
        okl = ok.tolist()
        i, n = 0, len(lines)
        while i < n:
            if not okl[i]:
                slow(lines[i], t, out)
                i += 1
                continue
            j = i
            while j < n and okl[j]:
                j += 1
            self._good_run(lines[i:j], t, out)
            i = j

    def _good_run(self, run: list[bytes], t: int, out: list[RawSample]) -> None:
        """Consecutive framed, checksummed ``$D`` lines: converted with NumPy when they are the
        plain case (same field count, contiguous sequence, values in range, no resync pending);
        anything else goes line by line through :meth:`_fast_sample` (same results, slower)."""
        if self._last_seq is None or self._resync or self.n_channels is None:
            self._fast_sample(run[0], t, out)  # sets the sequence state / clears the resync flag
            run = run[1:]
        nch = self.n_channels
        last = self._last_seq
        if nch is None or last is None or self._resync or len(run) < _VECTOR_MIN_LINES:
            for line in run:
                self._fast_sample(line, t, out)
            return
        width = 2 + nch
        fields = b",".join([ln[3:-4] if ln[-1:] == b"\r" else ln[3:-3] for ln in run]).split(b",")
        if len(fields) != len(run) * width:
            for line in run:
                self._fast_sample(line, t, out)
            return
        try:
            a = np.array(fields).reshape(len(run), width)
            seq = a[:, 0].astype(np.int64)
            raw_t = a[:, 1].astype(np.int64)
            vals = a[:, 2:].astype(np.float64)
        except ValueError:
            for line in run:
                self._fast_sample(line, t, out)
            return
        last_t = self._last_raw_t
        contiguous = bool(np.all(np.diff(seq) == 1)) and (int(seq[0]) - last) % U32 == 1
        forward = bool(np.all(np.diff(raw_t) >= 0)) and (last_t is None or int(raw_t[0]) >= last_t)
        limits = self._limits
        if limits is None:
            in_range = bool(np.all(np.isfinite(vals)))
        else:
            fs = np.array([lim[0] for lim in limits])
            in_range = bool(np.all(np.abs(vals) < fs))  # no saturation either (NaN fails too)
        if not (contiguous and forward and in_range):
            for line in run:
                self._fast_sample(line, t, out)
            return
        self._last_seq = int(seq[-1])
        self._last_raw_t = int(raw_t[-1])
        self.samples += len(run)
        dev_t = (raw_t + self._wraps * U32).tolist() if self._wraps else raw_t.tolist()
        out.extend(map(RawSample._make, zip(seq.tolist(), dev_t, map(tuple, vals.tolist()), _zeros(len(run)), _repeat(t, len(run)),
                                            strict=True)))

    def _msp_line(self, line: bytes, t: int, out: list[RawSample]) -> None:
        """Slow path: classify one line (control lines, every kind of reject, resync)."""
        line = line.rstrip(b"\r")
        if not line.strip():
            return
        dollar = line.rfind(b"$")
        if dollar < 0:
            self._reject("garbage")
            return
        if dollar > 0:
            prefix = line[:dollar]
            self._reject("partial" if b"$" in prefix else "garbage")
            line = line[dollar:]
        body = line[1:]
        star = body.rfind(b"*")
        if star < 0 or len(body) - star != 3:
            self._reject("partial")
            return
        try:
            given = int(body[star + 1 :], 16)
        except ValueError:
            self._reject("checksum")  # framed, but the checksum is no hex number
            return
        if given != checksum(body[:star]):
            self._reject("checksum")
            return
        kind = body[:1]
        if kind == b"D":
            self._fast_sample(line, t, out)
            return
        try:
            fields = tuple(body[2:star].decode("ascii").split(","))
        except UnicodeDecodeError:
            self._reject("garbage")
            return
        if kind == b"H":
            try:
                hello = parse_hello(fields)
            except HelloError as exc:
                log.warning("bad hello line: %s", exc)
                self._reject("bad_hello")
                return
            self.hello = hello
            self.n_channels = len(hello.channels)
            if hello.full_scale is not None:
                self.full_scale = hello.full_scale
                self._set_limits()
            self.control.append(Control("hello", fields, hello, t))
        elif kind == b"A":
            self.control.append(Control("ack", fields, None, t))
        elif kind == b"E":
            self.control.append(Control("error", fields, None, t))
        else:
            self._reject("unknown_type")

    def _fast_sample(self, line: bytes, t: int, out: list[RawSample]) -> None:
        """A ``$D`` line whose framing and checksum are already known to be good."""
        f = line.rstrip(b"\r")[3:-3].split(b",")
        try:
            seq = int(f[0])
            raw_t = int(f[1])
            values = tuple(map(float, f[2:]))
        except (ValueError, IndexError):
            self._reject("bad_value")
            return
        n = self.n_channels
        if (n is not None and len(values) != n) or not values:
            self._reject("channels")
            return
        if self.n_channels is None:
            self.n_channels = len(values)
        flags = self._check_values(values)
        if flags < 0:
            return
        last = self._last_seq
        if last is not None:
            d = (seq - last) % U32
            if d != 1:
                if d == 0:
                    self._reject("duplicate")
                    return
                if d < _HALF:
                    flags |= _GAP
                    self.gaps += 1
                    self.missing += d - 1
                else:
                    flags |= _RESET
                    self.resets += 1
                    self._last_raw_t = None
                    self._wraps = 0
        last_t = self._last_raw_t
        if last_t is not None and raw_t < last_t:
            if last_t - raw_t > _HALF:
                self._wraps += 1
            elif not flags & _RESET:
                flags |= _RESET
                self.resets += 1
                self._wraps = 0
        self._last_raw_t = raw_t
        self._last_seq = seq
        if self._resync:
            flags |= _RESYNC
            self._resync = False
        self.samples += 1
        out.append(RawSample(seq, raw_t + self._wraps * U32, values, flags, t))

    def _check_values(self, values: tuple[float, ...]) -> int:
        """Flags for ``values`` (saturation), or -1 after counting an ``out_of_range`` reject."""
        flags = 0
        limits = self._limits
        if limits is None:
            for v in values:
                if not -_INF < v < _INF:
                    self._reject("out_of_range")
                    return -1
            return 0
        for v, (fs, hard) in zip(values, limits, strict=False):
            a = abs(v)
            if not a <= hard:  # also catches NaN
                self._reject("out_of_range")
                return -1
            if a >= fs:
                flags |= _SAT
        return flags

    # -- plain formats ----------------------------------------------------------------------------
    def _plain_line(self, line: bytes, t: int, out: list[RawSample]) -> None:
        s = line.strip()
        if not s:
            return
        if self.format == "plain":
            if s[:1].isalpha():
                s = s[1:].lstrip()
            try:
                values: tuple[float, ...] = (float(s),)
            except ValueError:
                self._reject("garbage" if not _CSV_RE.match(s) else "channels")
                return
        else:
            try:
                values = tuple(map(float, re.split(rb"\s*[,;\t]\s*", s)))
            except ValueError:
                self._reject("garbage")
                return
            if self.n_channels is None:
                self.n_channels = len(values)
            elif len(values) != self.n_channels:
                self._reject("channels")
                return
        flags = self._check_values(values)
        if flags < 0:
            return
        if self._resync:
            flags |= _RESYNC
            self._resync = False
        seq = self._plain_seq
        self._plain_seq += 1
        self.samples += 1
        out.append(RawSample(seq, None, values, flags, t))
