"""The serial device driver: bookkeeping in public methods, I/O in ``_do_*`` hooks, a reader thread.

Life cycle (each step publishes a :class:`~station.core.DeviceState` on the bus)::

    closed --open()--> connected --start()--> streaming <--> stalled
                                                  |  port error / vanished
                                                  v
                                disconnected --> reconnecting --> connected --> streaming
    any --close()--> closed

* :meth:`SerialDevice.open` opens the URL and identifies the device (hello line, or a plain format
  detected from the first lines); a port that is no station device raises
  :class:`~station.core.InputError` saying what was received. Samples that arrive while identifying
  (a device streaming from power-up) are queued too: consumers that want only fresh samples drain
  the queue before :meth:`SerialDevice.start`.
* :meth:`SerialDevice.start` starts the reader thread: it reads in bulk (``read(in_waiting or 1)``),
  stamps the chunk's arrival on the session clock right after ``read`` returns, parses it
  (:mod:`devices.parser`), maps device time to the session clock (:mod:`devices.clockfit`), applies the
  load-cell calibration and puts :class:`~station.core.SensorSample` into :attr:`SerialDevice.queue`
  (a bounded queue: when the consumer falls behind, the oldest samples are dropped and counted).
* No data for ``stall_s`` seconds: ``stalled``. A read error (the port vanished: a USB cable pulled,
  a simulator unplugged) is noticed at once: ``disconnected``, then ``reconnecting`` every
  ``reconnect_interval_s`` until the port returns; samples already queued are kept, the outage is
  recorded in :attr:`SerialDevice.outages`, and the first sample after it carries ``GAP_BEFORE``.
* No exception escapes the reader thread: an unexpected one is logged, kept in
  :attr:`SerialDevice.reader_error` and published as ``disconnected``.

Subclasses (:class:`devices.grip.GripDynamometer`, :class:`devices.balance.BalanceBoard`) declare the
device kind and raw channels and implement :meth:`SerialDevice._do_convert` (derived channels, live
statistics).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

import serial

from calibration.loadcell import LoadCellCalibration
from calibration.loadcell import load as load_calibration
from calibration.store import CalibrationStore
from devices.clockfit import ClockFitter
from devices.parser import Format, LineParser, RawSample
from devices.protocol import PROTOCOL, U32, command
from devices.transport import DEFAULT_BAUD, open_url
from station.core import (
    CalibrationRecord,
    DeviceInfo,
    DeviceState,
    EventBus,
    InputError,
    SampleFlag,
    SensorSample,
    SessionClock,
    StationError,
    SystemClock,
)
from station.core.bus import BoundedQueue
from station.core.messages import ClockFit, DeviceStateName

log = logging.getLogger(__name__)

_GAP = int(SampleFlag.GAP_BEFORE)
_UNCAL = int(SampleFlag.UNCALIBRATED)
_RESET = int(SampleFlag.CLOCK_RESET)


@dataclass
class Outage:
    """A time the port was gone: from ``t_lost_ns`` to ``t_back_ns`` (session clock)."""

    t_lost_ns: int
    t_back_ns: int | None = None
    reason: str = ""
    missing: int | None = None
    """Samples the device measured but the host never received (from the sequence gap), if known."""

    @property
    def duration_s(self) -> float | None:
        return None if self.t_back_ns is None else (self.t_back_ns - self.t_lost_ns) / 1e9


@dataclass
class DeviceStats:
    """Counters of one device since :meth:`SerialDevice.open`."""

    samples: int = 0
    gaps: int = 0
    missing: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    queue_dropped: int = 0
    reconnects: int = 0
    non_monotonic: int = 0
    bytes: int = 0


class SerialDevice:
    """A line-protocol sensor on a serial URL. Use as a context manager (``open`` + ``start``).

    Parameters
    ----------
    url: where the device is (``/dev/ttyUSB0``, ``sim://grip``, ``replay://file.csv``, a pty path).
    device_id: station-wide id (``"grip0"``); default the kind + ``"0"``.
    bus: where state changes are published (a private bus when ``None``).
    clock: the session clock (``SystemClock`` when ``None``).
    fmt: line format: ``"auto"`` (default), ``"msp"``, ``"plain"``, ``"csv"``.
    baudrate: for real ports (default 115200; the 3-D-printed grip prints at 9600).
    queue_size: samples the bounded queue holds.
    calibration: a load-cell calibration to apply; when ``None`` and ``calibration_store`` is given,
        the one stored for the device's serial number is used.
    rate_hz: ask the device for this rate (``RATE`` command) when it speaks the station protocol.
    identify_timeout_s: how long :meth:`open` waits for a hello or recognisable lines (an Arduino
        Nano/Uno resets when its port opens and prints after about 1.6 s).
    stall_s: silence after which the state becomes ``stalled``.
    reconnect: whether to reconnect when the port vanishes.
    batch_s: after a short read, wait this long before the next one so lines arrive in batches
        (fewer wake-ups: reader CPU roughly halves at 1 kHz); it bounds the added latency. Arrival
        stamps are per batch; station-protocol samples keep their device time through the clock fit.
    """

    kind: ClassVar[str] = "sensor"
    raw_channels: ClassVar[tuple[str, ...]] = ()
    raw_units: ClassVar[tuple[str, ...]] = ()
    plain_format: ClassVar[Format] = "plain"

    def __init__(
        self,
        url: str,
        *,
        device_id: str | None = None,
        bus: EventBus | None = None,
        clock: SessionClock | None = None,
        fmt: Format = "auto",
        baudrate: int = DEFAULT_BAUD,
        queue_size: int = 65536,
        calibration: LoadCellCalibration | None = None,
        calibration_store: CalibrationStore | None = None,
        rate_hz: float | None = None,
        identify_timeout_s: float = 3.0,
        stall_s: float = 0.5,
        reconnect: bool = True,
        reconnect_interval_s: float = 0.1,
        batch_s: float = 0.002,
    ) -> None:
        self.url = url
        self.device_id = device_id or f"{self.kind}0"
        self.bus = bus if bus is not None else EventBus()
        self.clock: SessionClock = clock if clock is not None else SystemClock()
        self.fmt: Format = fmt
        self.baudrate = baudrate
        self.queue: BoundedQueue[SensorSample] = BoundedQueue(queue_size)
        self.calibration = calibration
        self.calibration_store = calibration_store
        self.calibration_status = "given" if calibration is not None else "missing"
        self.calibration_record: CalibrationRecord | None = None
        """The stored calibration in force (with its provenance), for the session header."""
        self.rate_hz = rate_hz
        self.identify_timeout_s = identify_timeout_s
        self.stall_s = stall_s
        self.reconnect = reconnect
        self.reconnect_interval_s = reconnect_interval_s
        self.batch_s = batch_s
        self.state: DeviceStateName = "closed"
        self.info: DeviceInfo | None = None
        self.stats = DeviceStats()
        self.outages: list[Outage] = []
        self.reader_error: BaseException | None = None
        self.last: SensorSample | None = None
        self._port: serial.SerialBase | None = None
        self._parser = LineParser(fmt, n_channels=len(self.raw_channels) or None)
        self._fitter = ClockFitter(self.device_id)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._gap_pending = False
        self._early: list[RawSample] = []
        self._seq_before_outage: int | None = None
        self._last_t_ns: int | None = None
        self._last_data_ns = 0
        self._out_channels: tuple[str, ...] = self.raw_channels
        self._out_units: tuple[str, ...] = self.raw_units

    # -- public API: bookkeeping ----------------------------------------------------------------
    def open(self) -> DeviceInfo:
        """Open the port and identify the device; returns its identity."""
        with self._lock:
            if self.state != "closed":
                raise StationError(f"{self.device_id}: open() while {self.state}")
            try:
                self._port = self._do_open()
                self.info = self._do_identify()
            except BaseException:
                self._close_port()
                raise
            self._load_calibration()
            early, self._early = self._early, []
            for raw in early:  # samples that arrived while identifying are data too
                smp = self._sample(raw)
                if smp is not None:
                    self.queue.put(smp)
                    self.last = smp
            cal = "calibrated" if self.calibrated else f"UNCALIBRATED (calibration {self.calibration_status})"
            self._set_state("connected", f"{self.info.model} {self.info.serial} ({self.info.protocol}) on {self.url}; {cal}")
            return self.info

    def begin_trial(self) -> None:
        """A new trial is about to read this device: reset what the driver keeps per trial (default: nothing)."""

    def start(self) -> None:
        """Start streaming into :attr:`queue` (opens first when needed)."""
        with self._lock:
            if self.state == "closed":
                self.open()
            if self._thread is not None:
                raise StationError(f"{self.device_id}: start() while {self.state}")
            self._do_start()
            self._stop.clear()
            self._last_data_ns = self.clock.now_ns()
            self._thread = threading.Thread(target=self._reader, name=f"reader-{self.device_id}", daemon=True)
            self._set_state("streaming")
            self._thread.start()

    def stop(self) -> None:
        """Stop streaming (the port stays open); samples already queued stay in :attr:`queue`."""
        with self._lock:
            t = self._thread
            if t is None:
                return
            self._stop.set()
        t.join(timeout=5)
        with self._lock:
            self._thread = None
            if self._port is not None:
                try:
                    self._do_stop()
                except (serial.SerialException, OSError) as exc:
                    log.info("%s: stop command not delivered: %s", self.device_id, exc)
            if self._port is not None:
                self._set_state("connected")
            elif self.state not in ("closed", "disconnected"):
                self._set_state("disconnected", "stopped while the port was gone")

    def close(self) -> None:
        """Stop and close the port. Safe to call twice."""
        self.stop()
        with self._lock:
            if self.state == "closed":
                return
            self._close_port()
            self._set_state("closed")

    def __enter__(self) -> SerialDevice:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def parser(self) -> LineParser:
        return self._parser

    def rejects(self) -> dict[str, int]:
        """Rejected lines by kind (see :data:`devices.parser.REJECT_KINDS`)."""
        return dict(self._parser.rejects)

    def clock_fit(self) -> ClockFit:
        """The device-to-session clock fit, for the session header."""
        return self._fitter.fit()

    @property
    def channels(self) -> tuple[str, ...]:
        """Channel names of the samples this driver emits (raw plus derived)."""
        return self._out_channels

    @property
    def units(self) -> tuple[str, ...]:
        return self._out_units

    # -- hooks ------------------------------------------------------------------------------------
    def _do_open(self) -> serial.SerialBase:
        try:
            return open_url(self.url, baudrate=self.baudrate)
        except serial.SerialException as exc:
            raise InputError(f"cannot open serial port for {self.device_id}", where=self.url,
                             fix=f"check the cable and the port name, 'station devices list' shows the ports ({exc})") from None

    def _do_identify(self) -> DeviceInfo:
        port = self._port
        assert port is not None
        port.reset_input_buffer()
        if self.fmt in ("auto", "msp"):
            port.write(command("ID"))
        p = self._parser
        received = b""
        t_end = self.clock.now_ns() + int(self.identify_timeout_s * 1e9)
        asked_start = False
        while self.clock.now_ns() < t_end:
            data = port.read(port.in_waiting or 1)
            if not data:
                continue
            if len(received) < 200:
                received += data
            self._early += p.feed(data, self.clock.now_ns())  # kept: queued once the device is known
            if p.hello is not None:
                break
            if p.format in ("plain", "csv"):
                break
            if p.format == "msp" and not asked_start:
                asked_start = True  # streaming msp without a hello yet: ask again
                port.write(command("ID"))
        hello = p.hello
        if hello is not None:
            if hello.kind != self.kind:
                raise InputError(f"the device at {self.url} is a '{hello.kind}' device, not a {self.kind}",
                                 fix=f"open it with the {hello.kind} driver or choose the {self.kind}'s port")
            if tuple(hello.channels) != self.raw_channels:
                raise InputError(f"the {self.kind} at {self.url} sends channels {','.join(hello.channels)}",
                                 fix=f"a {self.kind} must send {','.join(self.raw_channels)} (see devices/PROTOCOL.md)")
            return DeviceInfo(self.device_id, self.kind, hello.model, hello.serial, hello.firmware, self._out_channels,
                              self._out_units, hello.rate_hz, self.url, PROTOCOL)
        if p.format in ("plain", "csv"):
            if p.format != self.plain_format:
                raise InputError(f"the device at {self.url} prints '{p.format}' lines; a {self.kind} prints '{self.plain_format}' lines",
                                 fix="choose the right port, or --format")
            return DeviceInfo(self.device_id, self.kind, "plain", f"plain:{self.url}", "", self._out_channels,
                              self._out_units, 0.0, self.url, p.format)
        shown = received[:60].decode("ascii", "backslashreplace") if received else "nothing"
        raise InputError(f"{self.url} is not a station {self.kind}: no hello and no recognisable lines in {self.identify_timeout_s:g} s",
                         where=f"received {shown!r}",
                         fix="check the port and the baud rate (--baud); the device must speak devices/PROTOCOL.md or a plain format")

    def _do_start(self) -> None:
        port = self._port
        assert port is not None
        if self._parser.format == "msp":
            if self.rate_hz is not None:
                port.write(command("RATE", self.rate_hz))
            port.write(command("START"))

    def _do_stop(self) -> None:
        if self._port is not None and self._parser.format == "msp":
            self._port.write(command("STOP"))

    def _do_close(self) -> None:
        if self._port is not None:
            self._port.close()

    def _do_convert(self, values: tuple[float, ...], t_ns: int) -> tuple[float, ...]:
        """Calibrated raw values -> the emitted values (subclasses add derived channels)."""
        return values

    # -- internals ----------------------------------------------------------------------------------
    def _close_port(self) -> None:
        try:
            self._do_close()
        except (serial.SerialException, OSError) as exc:
            log.info("%s: close: %s", self.device_id, exc)
        self._port = None

    def _load_calibration(self) -> None:
        if self.calibration is None and self.calibration_store is not None and self.info is not None:
            status, cal = load_calibration(self.calibration_store, self.info.serial)
            if cal is not None and tuple(cal.channels) != self.raw_channels:
                log.warning("%s: stored calibration has channels %s, ignoring it", self.device_id, cal.channels)
                status, cal = "missing", None
            self.calibration, self.calibration_status = cal, status
            self.calibration_record = self.calibration_store.latest(self.info.serial, "loadcell") if cal is not None else None
            if status != "ok":
                log.info("%s: load-cell calibration %s for serial %s", self.device_id, status, self.info.serial)

    @property
    def calibrated(self) -> bool:
        """Whether samples carry a valid (present, not stale) calibration."""
        return self.calibration is not None and self.calibration_status in ("ok", "given")

    def _set_state(self, state: DeviceStateName, detail: str = "") -> None:
        self.state = state
        log.info("%s: %s %s", self.device_id, state, detail)
        self.bus.publish(DeviceState(self.device_id, state, self.clock.now_ns(), detail))

    def _reader(self) -> None:
        try:
            self._read_loop()
        except Exception as exc:
            self.reader_error = exc
            log.exception("%s: reader thread failed", self.device_id)
            self._set_state("disconnected", f"reader failed: {type(exc).__name__}: {exc}")

    def _read_loop(self) -> None:
        stall_ns = int(self.stall_s * 1e9)
        while not self._stop.is_set():
            port = self._port
            if port is None:
                if not self._reconnect_loop("port closed"):
                    return
                continue
            try:
                data = port.read(port.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError) as exc:
                # TypeError: pyserial's posix read can fail inside select() once the fd is gone
                if self._stop.is_set():
                    return
                if not self._reconnect_loop(str(exc)):
                    return
                continue
            now = self.clock.now_ns()
            if data:
                self._ingest(data, now)
                if self.batch_s > 0 and len(data) < 1024:
                    self._stop.wait(self.batch_s)
            elif self.state == "streaming" and now - self._last_data_ns > stall_ns:
                self._set_state("stalled", f"no data for {(now - self._last_data_ns) / 1e9:.1f} s")

    def _ingest(self, data: bytes, now: int) -> None:
        self.stats.bytes += len(data)
        raws = self._parser.feed(data, now)
        if self._parser.control:
            for c in self._parser.control:
                if c.kind == "error":
                    log.warning("%s: device refused %s", self.device_id, ",".join(c.fields))
            self._parser.control.clear()
        if raws:
            self._last_data_ns = now
            if self.state == "stalled":
                self._set_state("streaming", "data again")
            put = self.queue.put
            for raw in raws:
                s = self._sample(raw)
                if s is not None:
                    put(s)
                    self.last = s
            self.stats.queue_dropped = self.queue.dropped
        p = self._parser
        self.stats.samples, self.stats.gaps, self.stats.missing = p.samples, p.gaps, p.missing
        self.stats.rejects = p.rejects

    def _sample(self, raw: RawSample) -> SensorSample | None:
        flags = raw.flags
        if raw.device_time_us is not None:
            if flags & _RESET:
                self._fitter.reset()
                self._fitter._last_out = self._last_t_ns
            t = self._fitter.map(raw.device_time_us, raw.t_arrival_ns)
        else:
            t = raw.t_arrival_ns
        if self._last_t_ns is not None and t <= self._last_t_ns:
            self.stats.non_monotonic += 1
            t = self._last_t_ns + 1
        self._last_t_ns = t
        if self._gap_pending:
            flags |= _GAP
            self._gap_pending = False
            before = self._seq_before_outage
            if self.outages and before is not None and raw.device_time_us is not None:
                self.outages[-1].missing = (raw.seq - before - 1) % U32
        cal = self.calibration
        if cal is not None:
            values = cal.apply(raw.values)
            if self.calibration_status not in ("ok", "given"):
                flags |= _UNCAL
        else:
            values = raw.values
            flags |= _UNCAL
        out = self._do_convert(values, t)
        return SensorSample(self.device_id, raw.seq, t, raw.t_arrival_ns, raw.device_time_us, out,
                            self._out_channels, self._out_units, SampleFlag(flags))

    def _reconnect_loop(self, reason: str) -> bool:
        """The port failed: record the outage and reopen until it returns; False when stopped."""
        t_lost = self.clock.now_ns()
        self._seq_before_outage = self.last.seq if self.last is not None else None
        outage = Outage(t_lost, reason=reason)
        self.outages.append(outage)
        with self._lock:
            self._close_port()
        self._set_state("disconnected", reason)
        if not self.reconnect:
            return False
        self._set_state("reconnecting", self.url)
        while not self._stop.is_set():
            try:
                port = open_url(self.url, baudrate=self.baudrate)
            except (serial.SerialException, OSError, InputError):
                self._stop.wait(self.reconnect_interval_s)
                continue
            try:
                port.reset_input_buffer()
                self._port = port
                self._parser.reset_stream()
                self._do_start()
            except (serial.SerialException, OSError) as exc:
                log.info("%s: port returned but failed: %s", self.device_id, exc)
                self._close_port()
                self._stop.wait(self.reconnect_interval_s)
                continue
            now = self.clock.now_ns()
            outage.t_back_ns = now
            self._gap_pending = True
            self._last_data_ns = now
            self.stats.reconnects += 1
            self._set_state("connected", f"back after {(now - t_lost) / 1e9:.2f} s")
            self._set_state("streaming")
            return True
        return False
