"""Simulated grip dynamometers and balance boards: profiles, fault injection, real pseudo-terminals.

The simulators are product features (the demo, UI work, teaching, fault drills) and the test bed of
the drivers: :class:`PtySimulator` opens a real pseudo-terminal, symlinks its slave at a path, and
speaks exactly what the reference firmware speaks, so the driver code under test is the code that
reads a USB serial port.

Conventions
-----------
* Device time is microseconds since the simulated device booted (``clock_us`` sets the boot value,
  e.g. near 2**32 to exercise the host's unwrapping); it runs on the host's monotonic clock.
* Grip force is in newtons (1 kgf = 9.80665 N), full scale 900 N. Balance load cells are in kg,
  full scale 150 kg each; the board geometry is the Wii Balance Board's (sensor spacing 433 mm
  left-right x 238 mm front-back); centre of pressure x is to the child's right, y forward.
* A sample is *measured* at every tick of ``rate`` Hz while streaming and gets the next sequence
  number even when a fault keeps it from being sent, so the host sees the loss as a gap.

Profiles
--------
grip: ``squeeze`` (ramp 1 s, hold 2 s, release, rest; repeated), ``hold`` (one long steady squeeze),
``fatigue`` (repeated maximal squeezes, each peak 8 % lower), ``rest`` (noise around zero),
``overload`` (squeezes beyond full scale: saturated samples), ``calib`` (no load for ``hold_s``
seconds, then the known ``load``).
balance: ``quiet`` (quiet stance, a few mm of sway), ``sway`` (slow antero-posterior sway), ``shift``
(weight shifts left-right), ``lean`` (leans 40 mm right, forward, left and back in turn, 2 s
each, 1 s at the centre between: the lean-to-the-star game), ``one_leg`` (stance on the left foot, larger sway), ``empty`` (no one
on the board), ``calib`` (empty for ``hold_s`` seconds, then ``load`` kg at the centre).

Faults (``--fault NAME=VALUE``)
-------------------------------
``garbage=P``   probability per line of a burst of random bytes before it;
``drop=P``      probability per sample of not sending it (a sequence gap);
``corrupt=P``   probability per line of a wrong checksum;
``truncate=P``  probability per line of cutting it short;
``unplug-after=S``  the port vanishes S seconds after streaming starts, for ``unplug-for`` seconds
                    (default 1.5), then comes back as a new pseudo-terminal at the same link;
``stall-after=S``   the device stops talking after S seconds (the port stays);
``reset-after=S``   the device reboots after S seconds (sequence and clock restart).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import math
import os
import random
import select
import struct
import termios
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from devices.protocol import Hello, fmt_value, frame, parse_command, sample_line
from station.core import InputError

log = logging.getLogger(__name__)

KGF = 9.80665
GRIP_FULL_SCALE_N = 900.0
CELL_FULL_SCALE_KG = 150.0
WII_SPACING_MM = (433.0, 238.0)

GRIP_PROFILES = ("squeeze", "hold", "fatigue", "rest", "overload", "calib")
BALANCE_PROFILES = ("quiet", "sway", "shift", "lean", "one_leg", "empty", "calib")
FORMATS = ("msp", "plain", "csv")


@dataclass(frozen=True)
class Faults:
    """Fault injection settings (probabilities per line or sample; times in seconds)."""

    garbage: float = 0.0
    drop: float = 0.0
    corrupt: float = 0.0
    truncate: float = 0.0
    unplug_after: float | None = None
    unplug_for: float = 1.5
    stall_after: float | None = None
    reset_after: float | None = None


def parse_faults(specs: Iterable[str]) -> Faults:
    """``["garbage=0.01", "unplug-after=5"]`` -> :class:`Faults`; :class:`InputError` when malformed."""
    known = {f.name for f in fields(Faults)}
    values: dict[str, float] = {}
    for spec in specs:
        for part in spec.replace(";", ",").split(","):
            if not part.strip():
                continue
            name, sep, val = part.partition("=")
            key = name.strip().lower().replace("-", "_")
            if not sep or key not in known:
                raise InputError(f"unknown fault '{part.strip()}'", where="--fault",
                                 fix="use garbage=P, drop=P, corrupt=P, truncate=P, unplug-after=S, unplug-for=S, stall-after=S, reset-after=S")
            try:
                v = float(val)
            except ValueError:
                raise InputError(f"fault '{part.strip()}' needs a number", where="--fault", fix="e.g. --fault drop=0.001") from None
            if v < 0 or (key in ("garbage", "drop", "corrupt", "truncate") and v > 1):
                raise InputError(f"fault '{part.strip()}' is out of range", where="--fault", fix="probabilities are 0..1, times >= 0")
            values[key] = v
    return Faults(**values)


@dataclass
class SimConfig:
    """What a simulated device is and does."""

    kind: str = "grip"
    profile: str = ""
    rate_hz: float = 100.0
    serial: str = ""
    fmt: str = "msp"
    faults: Faults = field(default_factory=Faults)
    seed: int = 0
    load: float = 0.0
    """Known load of the ``calib`` profile (N for grip, kg for balance); 0 = a default."""
    hold_s: float = 2.0
    weight_kg: float = 25.0
    """Body mass of the simulated child on the balance board."""
    offset: float = 0.0
    """Raw zero offset added to every channel (device units): what a tare removes."""
    gain: float = 1.0
    """Raw gain error multiplied into every channel: what a span calibration corrects."""
    clock_us: int = 0
    autostart: bool = False
    """Stream from power-up without waiting for START (plain formats always do)."""

    def __post_init__(self) -> None:
        from devices.kinds import get_kind

        profiles = get_kind(self.kind).sim_profiles
        if not self.profile:
            self.profile = profiles[0]
        self.profile = self.profile.replace("-", "_")
        if self.profile not in profiles:
            raise InputError(f"unknown {self.kind} profile '{self.profile}'", fix=f"choose one of: {', '.join(profiles)}")
        if not (0 < self.rate_hz <= 20_000):
            raise InputError(f"rate {self.rate_hz:g} Hz is out of range", fix="use 1..20000 Hz")
        if self.fmt not in FORMATS:
            raise InputError(f"unknown line format '{self.fmt}'", fix=f"choose one of: {', '.join(FORMATS)}")
        if not self.serial:
            self.serial = f"SIM-{self.kind.upper()}-{self.seed:04d}"


def grip_profile(cfg: SimConfig, rng: random.Random) -> Callable[[float], tuple[float, ...]]:
    peak = 180.0  # N, a school-age child's power grip
    noise = 0.6

    def squeeze_shape(t: float, period: float, ramp: float, hold: float) -> float:
        u = t % period
        if u < ramp:
            return 0.5 - 0.5 * math.cos(math.pi * u / ramp)
        if u < ramp + hold:
            return 1.0 - 0.03 * math.sin(2 * math.pi * 1.3 * (u - ramp))
        if u < 2 * ramp + hold:
            return 0.5 + 0.5 * math.cos(math.pi * (u - ramp - hold) / ramp)
        return 0.0

    p = cfg.profile

    def f(t: float) -> tuple[float, ...]:
        if p == "squeeze":
            v = peak * squeeze_shape(t, 6.0, 1.0, 2.0)
        elif p == "hold":
            v = peak * 0.6 * squeeze_shape(t, 1e9, 1.0, 1e9)
        elif p == "fatigue":
            rep = int(t // 5.0)
            v = 1.4 * peak * (0.92**rep) * squeeze_shape(t, 5.0, 0.6, 2.5)
        elif p == "overload":
            v = min(GRIP_FULL_SCALE_N, 1100.0 * squeeze_shape(t, 4.0, 1.0, 1.0))
        elif p == "calib":
            v = 0.0 if t < cfg.hold_s else (cfg.load or 98.0665)
        else:
            v = 0.0
        v += rng.gauss(0.0, noise)
        return (min(GRIP_FULL_SCALE_N, v),)

    return f


def cells_from_cop(weight: float, x_mm: float, y_mm: float, spacing: tuple[float, float] = WII_SPACING_MM) -> tuple[float, float, float, float]:
    """Load cells ``(tl, tr, bl, br)`` in kg for a weight at a centre of pressure (x right, y forward, mm).

    The inverse of the usual four-cell formula (bilinear share): ``x = Lx/2 * ((tr+br)-(tl+bl))/W``,
    ``y = Ly/2 * ((tl+tr)-(bl+br))/W``.
    """
    u = x_mm / (spacing[0] / 2)
    v = y_mm / (spacing[1] / 2)
    return (
        weight * (1 - u) * (1 + v) / 4,
        weight * (1 + u) * (1 + v) / 4,
        weight * (1 - u) * (1 - v) / 4,
        weight * (1 + u) * (1 - v) / 4,
    )


def balance_profile(cfg: SimConfig, rng: random.Random) -> Callable[[float], tuple[float, ...]]:
    w = cfg.weight_kg
    ph = [rng.uniform(0, 2 * math.pi) for _ in range(6)]
    p = cfg.profile

    def sway(t: float, amp: float) -> tuple[float, float]:
        x = amp * (0.6 * math.sin(2 * math.pi * 0.11 * t + ph[0]) + 0.3 * math.sin(2 * math.pi * 0.37 * t + ph[1])
                   + 0.1 * math.sin(2 * math.pi * 1.1 * t + ph[2]))
        y = amp * 1.4 * (0.6 * math.sin(2 * math.pi * 0.09 * t + ph[3]) + 0.3 * math.sin(2 * math.pi * 0.31 * t + ph[4])
                         + 0.1 * math.sin(2 * math.pi * 0.9 * t + ph[5]))
        return x, y

    def f(t: float) -> tuple[float, ...]:
        weight = w
        if p == "quiet":
            x, y = sway(t, 4.0)
        elif p == "sway":
            x, y = sway(t, 3.0)
            y += 45.0 * math.sin(2 * math.pi * 0.25 * t)
        elif p == "shift":
            x, y = sway(t, 4.0)
            x += 90.0 * math.tanh(3.0 * math.sin(2 * math.pi * t / 6.0))
        elif p == "lean":
            x, y = sway(t, 2.0)
            k, u = divmod(t, 3.0)
            if u >= 1.0:
                dx, dy = ((1, 0), (0, 1), (-1, 0), (0, -1))[int(k) % 4]
                x, y = x + 40.0 * dx, y + 40.0 * dy
        elif p == "one_leg":
            x, y = sway(t, 12.0)
            x -= 95.0
        elif p == "calib":
            x, y = 0.0, 0.0
            weight = 0.0 if t < cfg.hold_s else (cfg.load or 20.0)
        else:  # empty
            x, y, weight = 0.0, 0.0, 0.0
        cells = cells_from_cop(weight, x, y)
        return tuple(min(CELL_FULL_SCALE_KG, max(-CELL_FULL_SCALE_KG, c + rng.gauss(0.0, 0.02))) for c in cells)

    return f


def profile_values(cfg: SimConfig) -> Callable[[float], tuple[float, ...]]:
    """The profile of ``cfg`` as a function of seconds since streaming began -> raw channel values
    (the raw channels of its kind, in their units), without faults, port or clock: what the
    simulated child does on the device, for in-process runs (the registry test, batch checks)."""
    from devices.kinds import get_kind

    return get_kind(cfg.kind).sim_profile(cfg, random.Random(cfg.seed))


class SimDevice:
    """The simulated firmware: answers commands and produces lines for elapsed time.

    ``now_s`` is the host's monotonic time in seconds (injectable for tests). The transport (a
    pseudo-terminal, the ``sim://`` URL) calls :meth:`command` for each host line and
    :meth:`produce` to get the bytes due up to now.
    """

    def __init__(self, cfg: SimConfig, now_s: Callable[[], float] = time.monotonic) -> None:
        self.cfg = cfg
        self.now_s = now_s
        self.rng = random.Random(cfg.seed)
        self.rate = cfg.rate_hz
        from devices.kinds import get_kind

        self.kind = get_kind(cfg.kind)
        self._value = self.kind.sim_profile(cfg, self.rng)
        self.channels = self.kind.raw_channels
        self.units = self.kind.raw_units
        self.full_scale = self.kind.full_scale
        self._boot()
        self.streaming = cfg.autostart or cfg.fmt != "msp"
        self._stream_t0: float | None = self.now_s() if self.streaming else None
        self._next_k = 0
        self.sent = 0
        self.dropped = 0
        self.stalled = False
        self._reset_done = False
        self._tare = [0.0] * len(self.channels)

    def _boot(self) -> None:
        self.t_boot = self.now_s() - self.cfg.clock_us / 1e6
        self.seq = 0

    @property
    def hello(self) -> Hello:
        model = self.kind.sim_model
        return Hello(self.cfg.kind, model, self.cfg.serial, "sim-1.0", self.rate, self.channels, self.units, self.full_scale,
                     extra={"profile": self.cfg.profile})

    def boot_lines(self) -> bytes:
        """What the device prints when it powers up."""
        return self.hello.line() if self.cfg.fmt == "msp" else b""

    def elapsed(self) -> float | None:
        """Seconds since streaming started, or ``None``."""
        return None if self._stream_t0 is None else self.now_s() - self._stream_t0

    def command(self, line: bytes) -> bytes:
        """Reply to one host command line (plain-format devices ignore commands)."""
        if self.cfg.fmt != "msp":
            return b""
        name, arg = parse_command(line)
        if not name:
            return b""
        if name == "ID":
            return self.hello.line()
        if name == "START":
            if not self.streaming:
                self.streaming = True
                self._stream_t0 = self.now_s()
                self._next_k = 0
            return frame("A,START")
        if name == "STOP":
            self.streaming = False
            return frame("A,STOP")
        if name == "TARE":
            return frame("A,TARE")
        if name == "RATE":
            try:
                hz = float(arg)
            except ValueError:
                return frame("E,RATE,not a number")
            if not 1 <= hz <= 20_000:
                return frame("E,RATE,out of range 1..20000")
            self.rate = hz
            if self.streaming:
                self._stream_t0 = self.now_s()
                self._next_k = 0
            return frame(f"A,RATE,{hz:g}")
        return frame(f"E,{name},unknown command")

    def produce(self) -> bytes:
        """Bytes of every sample due since the last call (empty when not streaming or stalled)."""
        if not self.streaming or self._stream_t0 is None:
            return b""
        now = self.now_s()
        el = now - self._stream_t0
        fl = self.cfg.faults
        if fl.stall_after is not None and el >= fl.stall_after:
            self.stalled = True
            return b""
        if fl.reset_after is not None and el >= fl.reset_after and not self._reset_done:
            self._reset_done = True
            self._boot()
            return self.boot_lines()
        n_due = int(el * self.rate) + 1
        out: list[bytes] = []
        rng = self.rng
        for k in range(self._next_k, n_due):
            t_s = k / self.rate
            self.seq += 1
            t_us = int((self._stream_t0 + t_s - self.t_boot) * 1e6)
            vals = [(v + self.cfg.offset) * self.cfg.gain for v in self._value(t_s)]
            if fl.drop and rng.random() < fl.drop:
                self.dropped += 1
                continue
            line = self._format(t_us, vals)
            if fl.corrupt and rng.random() < fl.corrupt:
                line = line[:-3] + b"%02X\n" % ((int(line[-3:-1], 16) + 1) % 256) if self.cfg.fmt == "msp" else b"N#?\n"
            if fl.truncate and rng.random() < fl.truncate:
                line = line[: rng.randrange(1, max(2, len(line) - 2))]
            if fl.garbage and rng.random() < fl.garbage:
                line = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12))) + line
            out.append(line)
        self._next_k = max(self._next_k, n_due)
        self.sent += len(out)
        return b"".join(out)

    def _format(self, t_us: int, vals: list[float]) -> bytes:
        if self.cfg.fmt == "msp":
            return sample_line(self.seq, t_us, vals, self.kind.sim_decimals)
        if self.cfg.fmt == "plain":
            return b"N" + fmt_value(vals[0], 2).encode() + b"\r\n"
        return ",".join(fmt_value(v, 3) for v in vals).encode() + b"\r\n"

    def next_due_s(self) -> float:
        """Host time of the next sample (for the writer's sleep)."""
        if not self.streaming or self._stream_t0 is None:
            return self.now_s() + 0.05
        return self._stream_t0 + self._next_k / self.rate


class PtySimulator:
    """A simulated device on a real pseudo-terminal, optionally symlinked at ``link``.

    Use as a context manager; :attr:`path` is what a driver opens (the link, or the pty's own
    ``/dev/pts/N``). ``unplug-after`` closes the pty and removes the link, and after ``unplug-for``
    seconds opens a new pty behind the same link, as a USB device does when replugged.
    """

    out_limit = 640 * 1024
    """Bytes held for the host when it does not read (beyond them, lines are lost and counted in
    :attr:`unsent`). A real USB-serial port on Linux queues up to 640 KiB in the kernel's tty flip
    buffer (``TTYB_DEFAULT_MEM_LIMIT``) while the reading program is not scheduled, about 12 s of a
    balance board at 1 kHz; a pseudo-terminal accepts only about 14 KB, so the simulator holds the
    rest, as the kernel would for the real device. Like the kernel's buffer, it is emptied when the
    host flushes its input (``tcflush(TCIFLUSH)``: pyserial's ``open`` and ``reset_input_buffer``),
    which the simulator sees through the pty's packet mode; those lines are counted in :attr:`flushed`."""

    def __init__(self, cfg: SimConfig, link: str | Path | None = None) -> None:
        self.cfg = cfg
        self.device = SimDevice(cfg)
        self.link = Path(link) if link is not None else None
        self._master = -1
        self._slave = -1
        self._tty = ""
        self._out = bytearray()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.unplugs = 0
        self.unplugged_at: list[float] = []
        """``time.monotonic()`` of each injected unplug."""
        self.unsent = 0
        self.flushed = 0
        """Lines discarded because the host flushed its input (or the device was replugged) before reading them."""
        self.plugged = threading.Event()
        self.error: BaseException | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        return str(self.link) if self.link is not None else self._tty

    def start(self) -> PtySimulator:
        if self.link is not None and (self.link.exists() or self.link.is_symlink()):
            if not self.link.is_symlink():
                raise InputError("the link path exists and is not a symlink", where=str(self.link), fix="choose another --link")
            self.link.unlink()
        self._plug()
        self._out += self.device.boot_lines()
        self._thread = threading.Thread(target=self._run, name=f"sim-{self.cfg.kind}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._unplug()

    def __enter__(self) -> PtySimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: the host sees bytes as sent
        # packet mode: each read of the master starts with a status byte, and a flush of the host's
        # input (tcflush TCIFLUSH on the slave) arrives as TIOCPKT_FLUSHREAD
        fcntl.ioctl(master, termios.TIOCPKT, struct.pack("i", 1))
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._tty = os.ttyname(slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.symlink(self._tty, tmp)
            os.replace(tmp, self.link)
        self.flushed += self._out.count(b"\n")  # a replugged device starts with an empty link
        self._out.clear()
        self.plugged.set()
        log.info("simulated %s on %s (%s)", self.cfg.kind, self._tty, self.link or "no link")

    def _unplug(self) -> None:
        self.plugged.clear()
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                if self.link.is_symlink() and os.readlink(self.link) == self._tty:
                    self.link.unlink()
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    # -- the device loop --------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._loop()
        except Exception as exc:  # never let the thread die silently
            self.error = exc
            log.exception("simulator failed")

    def _loop(self) -> None:
        dev = self.device
        inbuf = b""
        unplug_at = self.cfg.faults.unplug_after
        while not self._stop.is_set():
            el = dev.elapsed()
            if unplug_at is not None and el is not None and el >= unplug_at:
                unplug_at = None
                self.unplugs += 1
                self._unplug()
                self.unplugged_at.append(time.monotonic())
                back = time.monotonic() + self.cfg.faults.unplug_for
                while time.monotonic() < back and not self._stop.is_set():
                    dev.produce()  # the device keeps measuring: the lost samples become a gap
                    time.sleep(0.005)
                if self._stop.is_set():
                    return
                self._plug()
                # a replugged USB device reboots its serial link, not its firmware: streaming goes on
                continue
            timeout = max(0.0, min(0.005, dev.next_due_s() - time.monotonic()))
            r, _, _ = select.select([self._master], [], [], timeout)
            if r:
                try:
                    packet = os.read(self._master, 4096)
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EIO):
                        raise
                    packet = b""
                data = b""
                if packet:
                    if packet[0] == termios.TIOCPKT_DATA:
                        data = packet[1:]
                    elif packet[0] & termios.TIOCPKT_FLUSHREAD:  # the host threw its input away
                        self.flushed += self._out.count(b"\n")
                        self._out.clear()
                inbuf += data
                while b"\n" in inbuf or b"\r" in inbuf:
                    line, _, inbuf = inbuf.replace(b"\r", b"\n").partition(b"\n")
                    self._out += dev.command(line)
            chunk = dev.produce()
            if chunk:
                if len(self._out) + len(chunk) > self.out_limit:
                    self.unsent += chunk.count(b"\n")
                else:
                    self._out += chunk
            if self._out:
                try:
                    n = os.write(self._master, self._out)
                    del self._out[:n]
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EIO):
                        raise
