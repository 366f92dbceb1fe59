"""One contract, every driver: the same suite runs against the grip and balance drivers over real
pseudo-terminals (station protocol and plain formats) and over the in-process ``sim://`` URL.
Hardware runs only with ``--grip-port`` / ``--balance-port``."""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from calibration import loadcell
from calibration.store import CalibrationStore
from devices.balance import BalanceBoard
from devices.driver import SerialDevice
from devices.grip import KGF_N, GripDynamometer
from devices.sim import PtySimulator, SimConfig, parse_faults
from station.core import DeviceState, EventBus, InputError, SampleFlag, SensorSample

DRIVERS: dict[str, type[SerialDevice]] = {"grip": GripDynamometer, "balance": BalanceBoard}


def wait_for(cond: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


@dataclass(frozen=True)
class Setup:
    name: str
    kind: str
    transport: str  # "pty" | "url"
    fmt: str = "msp"

    @property
    def has_seq(self) -> bool:
        return self.fmt == "msp"


SETUPS = [
    Setup("grip-pty-msp", "grip", "pty"),
    Setup("balance-pty-msp", "balance", "pty"),
    Setup("grip-pty-plain", "grip", "pty", "plain"),
    Setup("balance-pty-csv", "balance", "pty", "csv"),
    Setup("grip-sim-url", "grip", "url"),
    Setup("balance-sim-url", "balance", "url"),
]
MSP = [s for s in SETUPS if s.has_seq]
PTY = [s for s in SETUPS if s.transport == "pty"]


class Rig:
    """A simulator and a driver on it, with every published state recorded."""

    def __init__(self, setup: Setup, tmp: Path, *, faults: tuple[str, ...] = (), profile: str = "", rate: float = 500.0, **drv_kw: object) -> None:
        self.setup = setup
        self.stack = ExitStack()
        self.bus = EventBus()
        self.states: list[tuple[str, float, str]] = []
        self.bus.subscribe(DeviceState, lambda s: self.states.append((s.state, time.monotonic(), s.detail)))
        self.sim: PtySimulator | None = None
        if setup.transport == "pty":
            cfg = SimConfig(kind=setup.kind, profile=profile, rate_hz=rate, fmt=setup.fmt, faults=parse_faults(faults))
            self.sim = self.stack.enter_context(PtySimulator(cfg, link=tmp / f"{setup.kind}-link"))
            url = self.sim.path
        else:
            q = "&".join([f"rate={rate:g}", *([f"profile={profile}"] if profile else []), *faults])
            url = f"sim://{setup.kind}?{q}"
        self.dev = DRIVERS[setup.kind](url, bus=self.bus, **drv_kw)  # type: ignore[arg-type]
        self.stack.callback(self.dev.close)

    def names(self) -> list[str]:
        return [s for s, _, _ in self.states]

    def samples(self, n: int, timeout: float = 5.0) -> list[SensorSample]:
        got: list[SensorSample] = []

        def enough() -> bool:
            got.extend(self.dev.queue.drain())
            return len(got) >= n

        wait_for(enough, timeout, f"{n} samples")
        return got

    def close(self) -> None:
        self.stack.close()


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(setup: Setup, **kw: object) -> Rig:
        r = Rig(setup, tmp_path, **kw)  # type: ignore[arg-type]
        rigs.append(r)
        return r

    yield make
    for r in rigs:
        r.close()


@pytest.mark.parametrize("setup", SETUPS, ids=lambda s: s.name)
def test_open_identifies_the_device(rig: Callable[..., Rig], setup: Setup) -> None:
    r = rig(setup)
    info = r.dev.open()
    assert info.kind == setup.kind
    assert info.protocol == ("msp/1" if setup.fmt == "msp" else setup.fmt)
    assert info.channels == r.dev.channels and len(info.units) == len(info.channels)
    if setup.fmt == "msp":
        assert info.serial == f"SIM-{setup.kind.upper()}-0000" and info.rate_hz == 500
    assert r.names() == ["connected"]
    assert r.states[0][2].endswith("UNCALIBRATED (calibration missing)")  # the UI shows it from the state
    with pytest.raises(Exception, match="open"):
        r.dev.open()  # bookkeeping: a second open is refused


@pytest.mark.parametrize("setup", SETUPS, ids=lambda s: s.name)
def test_streams_monotonic_timestamped_samples(rig: Callable[..., Rig], setup: Setup) -> None:
    r = rig(setup)
    with r.dev:
        got = r.samples(300)
    assert r.names()[:2] == ["connected", "streaming"] and r.names()[-1] == "closed"
    t = [s.t_ns for s in got]
    assert all(b > a for a, b in itertools.pairwise(t)), "session times must increase"
    assert all(s.t_ns <= s.t_arrival_ns + 1000 for s in got)
    seqs = [s.seq for s in got]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert all(s.channels == r.dev.channels and len(s.values) == len(s.channels) for s in got)
    assert all(s.flags & SampleFlag.UNCALIBRATED for s in got)  # no calibration given or stored
    if setup.has_seq:
        assert all(s.device_time_us is not None for s in got)
        # device clock: 2 ms per sample at 500 Hz, mapped onto the session clock with the same spacing
        span_dev = (got[-1].device_time_us - got[0].device_time_us) * 1000  # type: ignore[operator]
        # The online lower-envelope fit learns the transport's latency as samples arrive: within these
        # 0.6 s it cannot be better than the spread of that latency, which a starved host widens (a
        # quiet machine: ~1 ms). So the bound is 20 ms plus the measured spread of arrival latency.
        lat = [s.t_arrival_ns - s.device_time_us * 1000 for s in got]  # type: ignore[operator]
        spread = max(lat) - min(lat)
        assert abs((got[-1].t_ns - got[0].t_ns) - span_dev) < 20e6 + spread
        fit = r.dev.clock_fit()
        assert fit.n >= len(got) and abs(fit.slope - 1.0) < 0.01
    assert r.dev.reader_error is None
    r.dev.close()  # closing twice is harmless
    assert r.dev.state == "closed"


@pytest.mark.parametrize("setup", SETUPS, ids=lambda s: s.name)
def test_garbage_is_counted_and_samples_resync(rig: Callable[..., Rig], setup: Setup) -> None:
    r = rig(setup, faults=("garbage=0.05",))
    with r.dev:
        got = r.samples(400)
    rej = r.dev.rejects()
    assert sum(rej.values()) > 0 and set(rej) <= {"garbage", "partial", "checksum", "bad_value", "channels"}
    assert any(s.flags & SampleFlag.RESYNCED for s in got)
    assert r.dev.reader_error is None


@pytest.mark.parametrize("setup", MSP, ids=lambda s: s.name)
def test_dropped_samples_show_as_gaps(rig: Callable[..., Rig], setup: Setup) -> None:
    r = rig(setup, faults=("drop=0.02",))
    with r.dev:
        got = r.samples(500)
    flagged = [s for s in got if s.flags & SampleFlag.GAP_BEFORE]
    assert flagged and r.dev.stats.gaps >= len(flagged)
    # every jump in the sequence is flagged on the sample after it, and the missing samples counted
    seqs = [s.seq for s in got]
    jumps = [b for a, b in itertools.pairwise(got) if b.seq != a.seq + 1]
    assert {id(s) for s in jumps} == {id(s) for s in flagged if s is not got[0]}
    holes = sum(b - a - 1 for a, b in itertools.pairwise(seqs))
    assert 0 < holes <= r.dev.stats.missing


@pytest.mark.parametrize("setup", SETUPS, ids=lambda s: s.name)
def test_the_wrong_driver_is_refused_with_a_clear_message(tmp_path: Path, setup: Setup) -> None:
    other = "balance" if setup.kind == "grip" else "grip"
    with ExitStack() as stack:
        if setup.transport == "pty":
            sim = stack.enter_context(PtySimulator(SimConfig(kind=setup.kind, fmt=setup.fmt), link=tmp_path / "x"))
            url = sim.path
        else:
            url = f"sim://{setup.kind}"
        dev = DRIVERS[other](url, identify_timeout_s=1.0)
        with pytest.raises(InputError, match=setup.kind if setup.fmt == "msp" else "lines"):
            dev.open()
        assert dev.state == "closed"


def test_a_port_that_is_no_station_device(tmp_path: Path) -> None:
    import os
    import tty

    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()

    def modem() -> None:
        while not stop.is_set():
            os.write(master, b"AT OK\r\nRING\r\n")
            stop.wait(0.05)

    th = threading.Thread(target=modem, daemon=True)
    th.start()
    try:
        dev = GripDynamometer(os.ttyname(slave), identify_timeout_s=0.8)
        with pytest.raises(InputError, match="not a station grip") as exc:
            dev.open()
        assert "AT OK" in str(exc.value)  # says what it received
    finally:
        stop.set()
        th.join()
        os.close(master)
        os.close(slave)


def test_a_missing_port_is_a_clear_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open serial port"):
        GripDynamometer(str(tmp_path / "nope")).open()
    with pytest.raises(InputError, match="serial URL"):
        GripDynamometer("bogus://x").open()


@pytest.mark.parametrize("setup", PTY, ids=lambda s: s.name)
def test_unplug_is_noticed_within_a_second_and_the_driver_reconnects(rig: Callable[..., Rig], setup: Setup) -> None:
    r = rig(setup, faults=("unplug-after=0.6", "unplug-for=0.8"), rate=200.0)
    assert r.sim is not None
    with r.dev:
        wait_for(lambda: "disconnected" in r.names(), 5, "disconnected")
        t_disc = next(t for s, t, _ in r.states if s == "disconnected")
        assert t_disc - r.sim.unplugged_at[0] < 1.0  # noticed within a second
        wait_for(lambda: r.dev.stats.reconnects == 1 and r.dev.state == "streaming", 5, "reconnect")
        before = len(r.dev.queue)
        wait_for(lambda: len(r.dev.queue) > before + 100, 5, "samples after the reconnect")
    names = r.names()
    i = names.index("disconnected")
    assert names[i : i + 4] == ["disconnected", "reconnecting", "connected", "streaming"]
    got = r.dev.queue.drain()
    (outage,) = r.dev.outages
    # at least the time the device was away (0.8 s); no tight upper bound: on a loaded machine the
    # retries (every 0.1 s) can take seconds to get scheduled, which is a figure, not a fault
    assert outage.t_back_ns is not None and 0.5 < outage.duration_s < 30.0  # type: ignore[operator]
    # nothing received was lost: the queue holds the samples from before and after, with one gap
    gap = [s for s in got if s.flags & SampleFlag.GAP_BEFORE]
    assert len(gap) == 1
    assert got[0].seq == (1 if setup.has_seq else 0)
    i_gap = got.index(gap[0])
    assert i_gap > 50 and len(got) - i_gap > 100
    if setup.has_seq:
        assert outage.missing == gap[0].seq - got[i_gap - 1].seq - 1 > 0.5 * 200 * 0.8
        assert [s.seq for s in got[:i_gap]] == list(range(1, i_gap + 1))
    t = [s.t_ns for s in got]
    assert all(b > a for a, b in itertools.pairwise(t))
    assert r.dev.reader_error is None


@pytest.mark.parametrize("setup", MSP, ids=lambda s: s.name)
def test_a_device_that_stops_talking_is_stalled(rig: Callable[..., Rig], setup: Setup) -> None:
    r = rig(setup, faults=("stall-after=0.4",), rate=200.0)
    with r.dev:
        wait_for(lambda: r.dev.state == "stalled", 3, "stalled")
        n = len(r.dev.queue)
    assert n > 40  # what came before the stall is kept
    assert "disconnected" not in r.names()


@pytest.mark.parametrize("setup", MSP, ids=lambda s: s.name)
def test_a_device_reboot_resets_the_clock_fit_and_times_stay_monotonic(rig: Callable[..., Rig], setup: Setup) -> None:
    r = rig(setup, faults=("reset-after=0.4",), rate=200.0)
    with r.dev:
        got = r.samples(200)
    resets = [s for s in got if s.flags & SampleFlag.CLOCK_RESET]
    assert len(resets) == 1 and resets[0].seq == 1
    t = [s.t_ns for s in got]
    assert all(b > a for a, b in itertools.pairwise(t))


@pytest.mark.parametrize("setup", SETUPS[:2], ids=lambda s: s.name)
def test_a_full_queue_drops_the_oldest_and_counts(rig: Callable[..., Rig], setup: Setup) -> None:
    r = rig(setup, queue_size=50, rate=1000.0)
    with r.dev:
        wait_for(lambda: r.dev.queue.dropped > 100, 5, "queue overflow")
    assert len(r.dev.queue) == 50 and r.dev.stats.queue_dropped > 0


@pytest.mark.parametrize("setup", SETUPS[:2], ids=lambda s: s.name)
def test_a_stored_calibration_is_applied_and_unflags_samples(rig: Callable[..., Rig], setup: Setup, tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path / "cal")
    n = 1 if setup.kind == "grip" else 4
    chans = ("force",) if setup.kind == "grip" else ("tl", "tr", "bl", "br")
    cal = loadcell.LoadCellCalibration(f"SIM-{setup.kind.upper()}-0000", chans, (1.0,) * n, (2.0,) * n, "N" if n == 1 else "kg", 0.01, 1)
    loadcell.save(store, cal)
    raw = rig(setup, profile="hold" if n == 1 else "quiet")
    with raw.dev:
        a = raw.samples(100)
    r = rig(setup, profile="hold" if n == 1 else "quiet", calibration_store=store)
    with r.dev:
        b = r.samples(100)
    assert r.dev.calibrated and not any(s.flags & SampleFlag.UNCALIBRATED for s in b)
    rec = r.dev.calibration_record
    assert rec is not None and rec.key == cal.serial and rec.kind == "loadcell" and rec.version == 1
    assert all(s.flags & SampleFlag.UNCALIBRATED for s in a)
    # same simulator seed and profile: calibrated = 2 * (raw - 1), sample by sample
    pairs = {s.seq: s for s in a}
    common = [s for s in b if s.seq in pairs]
    assert len(common) > 50
    for s in common:
        for i in range(n):
            assert math.isclose(s.values[i], 2.0 * (pairs[s.seq].values[i] - 1.0), abs_tol=1e-9)


def test_grip_peak_hold_and_kgf(rig: Callable[..., Rig]) -> None:
    r = rig(SETUPS[0], profile="squeeze", rate=500.0)
    with r.dev:
        g = r.dev
        assert isinstance(g, GripDynamometer)
        wait_for(lambda: g.hold_s > 1.5, 6, "a held squeeze")  # ramp 1 s, then a 2 s hold near 180 N
        assert 170 < g.peak_n < 190 and math.isclose(g.peak_kgf, g.peak_n / KGF_N)
        assert g.force_n >= g.hold_threshold_n and math.isclose(g.force_kgf * KGF_N, g.force_n)
        g.reset_peak()
        assert g.peak_n <= g.force_n + 5


def test_grip_overload_is_flagged_saturated(rig: Callable[..., Rig]) -> None:
    r = rig(SETUPS[0], profile="overload", rate=500.0)
    got: list[SensorSample] = []

    def saturated_for_a_while() -> bool:
        got.extend(r.dev.queue.drain())
        return sum(1 for s in got if s.flags & SampleFlag.SATURATED) >= 20

    with r.dev:
        wait_for(saturated_for_a_while, 8, "saturated samples")
    sat = [s for s in got if s.flags & SampleFlag.SATURATED]
    assert sat and all(s.values[0] >= 899.0 for s in sat)


@pytest.mark.parametrize(("profile", "x_mm", "y_mm"), [("quiet", 0.0, 0.0), ("one_leg", -95.0, 0.0)])
def test_balance_total_and_centre_of_pressure(rig: Callable[..., Rig], profile: str, x_mm: float, y_mm: float) -> None:
    r = rig(SETUPS[1], profile=profile, rate=500.0)
    with r.dev:
        got = r.samples(400)
    for s in got:
        tl, tr, bl, br, total, x, y = s.values
        assert math.isclose(total, tl + tr + bl + br)
        assert math.isclose(x, 433.0 / 2 * ((tr + br) - (tl + bl)) / total)
        assert math.isclose(y, 238.0 / 2 * ((tl + tr) - (bl + br)) / total)
    mean = lambda i: sum(s.values[i] for s in got) / len(got)  # noqa: E731
    assert abs(mean(4) - 25.0) < 0.5
    assert abs(mean(5) - x_mm) < 15 and abs(mean(6) - y_mm) < 15


def test_an_empty_board_has_no_centre_of_pressure(rig: Callable[..., Rig]) -> None:
    r = rig(SETUPS[1], profile="empty")
    with r.dev:
        got = r.samples(50)
    assert all(math.isnan(s.value("cop_x")) and math.isnan(s.value("cop_y")) for s in got)


def test_replay_of_the_real_grip_recording_through_the_driver(media: Path) -> None:
    path = media / "sensors/grip/P2_-_Power_Grasp_-_Force_Only_-_Medium_-_Trial_1.csv"
    rows = path.read_text().splitlines()[1:]
    forces = [float(r.split(",")[3]) for r in rows]
    dev = GripDynamometer(f"replay://{path}?timing=none", baudrate=9600)
    got: list[SensorSample] = []
    with dev:
        def done() -> bool:
            got.extend(dev.queue.drain())
            return len(got) >= len(forces)

        wait_for(done, 10, "the whole recording")
    assert dev.info is not None and dev.info.protocol == "plain"
    # every line arrives, in order, including those read while the driver identified the format
    assert [s.values[0] for s in got] == forces
    assert dev.rejects() == {}


def test_an_exception_in_a_driver_hook_never_escapes_the_reader_thread(tmp_path: Path) -> None:
    class Broken(GripDynamometer):
        def _do_convert(self, values: tuple[float, ...], t_ns: int) -> tuple[float, ...]:
            raise ZeroDivisionError("bug in a subclass")

    bus = EventBus()
    states: list[DeviceState] = []
    bus.subscribe(DeviceState, states.append)
    dev = Broken("sim://grip?rate=200", bus=bus)
    with dev:
        wait_for(lambda: dev.reader_error is not None, 3, "the reader to fail")
    assert isinstance(dev.reader_error, ZeroDivisionError)
    assert any(s.state == "disconnected" and "ZeroDivisionError" in s.detail for s in states)


@pytest.mark.hardware
@pytest.mark.parametrize("kind", ["grip", "balance"])
def test_real_hardware(request: pytest.FixtureRequest, kind: str) -> None:
    port = request.config.getoption(f"--{kind}-port")
    if not port:
        pytest.skip(f"no real {kind}: give its port with --{kind}-port")
    dev = DRIVERS[kind](port)
    with dev:
        deadline = time.monotonic() + 5
        got: list[SensorSample] = []
        while time.monotonic() < deadline and len(got) < 20:
            got += dev.queue.drain()
            time.sleep(0.05)
    assert len(got) >= 20 and dev.info is not None and dev.info.kind == kind
    t = [s.t_ns for s in got]
    assert all(b > a for a, b in itertools.pairwise(t))


def test_the_simulator_buffers_like_the_kernel_and_the_host_flush_empties_it(tmp_path: Path) -> None:
    """A host that stops reading for seconds loses nothing (the simulator holds what a USB port's
    kernel buffer would), and a host that flushes its input (pyserial's open / reset_input_buffer)
    gets fresh data, not seconds of stale lines: the flush reaches the simulator through pty packet mode."""
    import serial

    cfg = SimConfig(kind="balance", rate_hz=1000.0, fmt="csv")
    with PtySimulator(cfg, link=tmp_path / "balance") as sim:
        port = serial.Serial(str(tmp_path / "balance"), timeout=0.05)
        try:
            time.sleep(3.0)  # the host does not read: ~3000 lines (~90 KB), six times what the pty itself holds
            got = b""
            deadline = time.monotonic() + 10
            while got.count(b"\n") < 2900 and time.monotonic() < deadline:
                got += port.read(max(1, port.in_waiting))
            assert got.count(b"\n") >= 2900 and sim.unsent == 0  # all of it delivered, nothing lost
            time.sleep(3.0)  # again a backlog, and this time the host throws it away
            port.reset_input_buffer()
            t0 = time.monotonic()
            time.sleep(0.3)
            fresh = port.read(port.in_waiting).count(b"\n")
            waited = time.monotonic() - t0
        finally:
            port.close()
        assert sim.flushed >= 1000, sim.flushed
        # ~300 new lines in 0.3 s (at most one pty-full of stale lines may slip through the flush)
        assert fresh <= 1000 * waited + 500, (fresh, waited)
        assert sim.unsent == 0
