"""``station devices list|simulate|record|calibrate``: serial sensors from the command line."""

from __future__ import annotations

from typing import Any

import typer

devices_app = typer.Typer(
    help="Serial sensors: list ports, run simulators, record, calibrate load cells.\n\n"
    "Example: station devices simulate grip --link /tmp/grip --profile fatigue",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(devices_app, name="devices")


@devices_app.command(
    "list",
    help="Show serial ports with their USB ids and, for station devices, their identity.\n\n"
    "Each port is asked who it is (ID); --no-probe only lists them. --also adds ports that the "
    "system does not enumerate (a simulator's link, a URL).\n\n"
    "Example: station devices list --also /tmp/grip",
)
def list_cmd(
    probe: bool = typer.Option(True, "--probe/--no-probe", help="Ask each port for its identity."),
    also: list[str] = typer.Option([], "--also", help="Extra port path or URL to show (repeatable)."),
    timeout: float = typer.Option(3.0, "--timeout", min=0.1, help="Seconds to wait for each device's identity (an Arduino resets when opened: about 1.6 s)."),
    baud: int = typer.Option(115200, "--baud", help="Baud rate to probe with."),
) -> None:
    from rich.console import Console
    from rich.table import Table

    from devices.record import probe as probe_port
    from devices.transport import list_ports
    from station.core import InputError

    console = Console()
    rows = [(p.device, p.usb_id, p.description, p.serial_number or "") for p in list_ports()]
    rows += [(u, "", "given with --also", "") for u in also]
    if not rows:
        console.print("no serial ports found (plug a device in, or start a simulator: station devices simulate grip --link /tmp/grip)")
        return
    table = Table(title="serial ports")
    for col in ("port", "usb id", "description", "usb serial", "station device"):
        table.add_column(col)
    for dev, usb, desc, sn in rows:
        ident = ""
        if probe:
            try:
                kind, hello, fmt = probe_port(dev, timeout_s=timeout, baudrate=baud)
                ident = (f"{kind} {hello.model} serial {hello.serial} fw {hello.firmware} (msp/1, {hello.rate_hz:g} Hz)"
                         if hello is not None else f"{kind} (plain format '{fmt}', no identity)")
            except InputError as exc:
                ident = f"no: {exc.what}"
        table.add_row(dev, usb, desc, sn, ident)
    console.print(table)


@devices_app.command(
    "simulate",
    help="Run a simulated grip dynamometer or balance board on a real pseudo-terminal.\n\n"
    "The pty is symlinked at --link; any program (the station, a serial monitor) opens it like a USB "
    "port. Profiles: grip squeeze|hold|fatigue|rest|overload|calib; balance quiet|sway|shift|one_leg|empty|calib. "
    "Faults: garbage=P, drop=P, corrupt=P, truncate=P, unplug-after=S, unplug-for=S, stall-after=S, reset-after=S. "
    "Runs until Ctrl-C or --seconds.\n\n"
    "Example: station devices simulate grip --link /tmp/grip --rate 1000 --profile fatigue --fault garbage=0.01 --fault unplug-after=5",
)
def simulate_cmd(
    kind: str = typer.Argument(..., help="a device kind (see `station backends`): grip, balance..."),
    link: str = typer.Option(..., "--link", help="Path of the symlink to the pseudo-terminal."),
    rate: float = typer.Option(100.0, "--rate", help="Samples per second."),
    profile: str = typer.Option("", "--profile", help="What the simulated child does (see above)."),
    fault: list[str] = typer.Option([], "--fault", help="Fault to inject, NAME=VALUE (repeatable)."),
    fmt: str = typer.Option("msp", "--format", help="Line format: msp (station protocol), plain (N12.34), csv (wa,wb,wc,wd)."),
    serial_no: str = typer.Option("", "--serial", help="Serial number the device reports (default SIM-KIND-0000)."),
    seconds: float | None = typer.Option(None, "--seconds", min=0.1, help="Stop after N seconds."),
    load: float = typer.Option(0.0, "--load", help="Known load of the calib profile (N for grip, kg for balance)."),
    offset: float = typer.Option(0.0, "--offset", help="Zero offset added to every raw channel (what a tare removes)."),
    gain: float = typer.Option(1.0, "--gain", help="Gain error of every raw channel (what a span calibration corrects)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
) -> None:
    import signal
    import threading
    import time

    from rich.console import Console

    from devices.sim import PtySimulator, SimConfig, parse_faults

    cfg = SimConfig(kind=kind.lower(), profile=profile, rate_hz=rate, serial=serial_no, fmt=fmt, faults=parse_faults(fault),
                    seed=seed, load=load, offset=offset, gain=gain)
    done = threading.Event()
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    console = Console()
    try:
        with PtySimulator(cfg, link=link) as sim:
            console.print(f"simulating {cfg.kind} ({cfg.profile}, {cfg.rate_hz:g} Hz, {cfg.fmt}) serial {cfg.serial} "
                          f"on {sim._tty} -> {link}; Ctrl-C to stop", highlight=False, soft_wrap=True)
            t_end = None if seconds is None else time.monotonic() + seconds
            try:
                while not done.is_set() and (t_end is None or time.monotonic() < t_end):
                    done.wait(0.1)
            except KeyboardInterrupt:
                pass
            console.print(f"sent {sim.device.sent} lines, dropped {sim.device.dropped}, unsent {sim.unsent}, flushed by the host {sim.flushed}, "
                          f"unplugged {sim.unplugs}x",
                          highlight=False)
    finally:
        signal.signal(signal.SIGTERM, previous)


@devices_app.command(
    "record",
    help="Record a device's samples to CSV and print a summary.\n\n"
    "Columns: device_seq, device_time_us, session_time_ns, flags, then one 'NAME [UNIT]' column per channel. "
    "The summary gives samples, sequence gaps, rejects by kind and the effective rate. URL is a port "
    "(/dev/ttyUSB0), a simulator link, sim://grip?profile=fatigue&rate=1000 or replay://FILE.csv.\n\n"
    "Example: station devices record sim://grip?profile=squeeze&rate=500 --seconds 5 --out grip.csv",
)
def record_cmd(
    url: str = typer.Argument(..., help="Port path or URL."),
    seconds: float = typer.Option(..., "--seconds", min=0.1, help="How long to record."),
    out: str = typer.Option(..., "--out", help="CSV file to write (never overwritten)."),
    kind: str | None = typer.Option(None, "--kind", help="a device kind (see `station backends`; default: ask the device)."),
    fmt: str = typer.Option("auto", "--format", help="auto, msp, plain or csv."),
    baud: int = typer.Option(115200, "--baud", help="Baud rate of a real port (the 3-D-printed grip uses 9600)."),
    plain_unit: str = typer.Option("N", "--plain-unit", help="Unit a plain grip prints: N or kgf."),
) -> None:
    import signal
    import threading
    from pathlib import Path

    from rich.console import Console

    from calibration.store import CalibrationStore
    from devices.record import make_driver, record
    from station.paths import calibration_dir

    if fmt not in ("auto", "msp", "plain", "csv"):
        from station.core import InputError

        raise InputError(f"unknown format '{fmt}'", where="--format", fix="use auto, msp, plain or csv")
    extra: dict[str, Any] = {"plain_unit": plain_unit} if (kind or "") == "grip" else {}
    dev = make_driver(url, kind, fmt=fmt, baudrate=baud, calibration_store=CalibrationStore(calibration_dir()), **extra)
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        try:
            summary = record(dev, Path(out), seconds, stop=stop)
        except KeyboardInterrupt:
            stop.set()
            raise
    finally:
        signal.signal(signal.SIGTERM, previous)
    console = Console()
    console.print(f"recorded {summary.path}", highlight=False, soft_wrap=True)
    for line in summary.lines():
        console.print(line, highlight=False, soft_wrap=True)


@devices_app.command(
    "calibrate",
    help="Calibrate a device's load cells (tare, then span with a known load) and store it against its serial number.\n\n"
    "Step 1: take every load off and keep the device still (tare). Step 2: put the known load on: "
    "the grip's handle, the balance board's centre, or with --per-corner each corner in turn. "
    "--yes waits --settle seconds instead of asking (for scripted rigs and simulators).\n\n"
    "Example: station devices calibrate /dev/ttyUSB0 --known 10 --unit kg",
)
def calibrate_cmd(
    url: str = typer.Argument(..., help="Port path or URL."),
    known: float = typer.Option(..., "--known", min=0.0, help="The known load."),
    unit: str = typer.Option("kg", "--unit", help="Unit of --known: kg, N or kgf."),
    seconds: float = typer.Option(2.0, "--seconds", min=0.2, help="Length of each still window."),
    per_corner: bool = typer.Option(False, "--per-corner", help="Balance board: put the load on each corner in turn."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask; wait --settle seconds between steps."),
    settle: float = typer.Option(3.0, "--settle", min=0.0, help="Seconds to wait for the load to be placed with --yes."),
    kind: str | None = typer.Option(None, "--kind", help="a device kind (see `station backends`; default: ask the device)."),
    max_std: float | None = typer.Option(None, "--max-std", help="Largest standard deviation (device units) still called still."),
) -> None:
    import time

    import numpy as np
    from rich.console import Console

    from calibration import loadcell
    from calibration.store import CalibrationStore
    from devices.grip import KGF_N
    from devices.record import make_driver
    from station import __version__
    from station.core import InputError
    from station.paths import calibration_dir

    if unit not in ("kg", "N", "kgf"):
        raise InputError(f"unknown unit '{unit}'", where="--unit", fix="use kg, N or kgf")
    console = Console()
    dev = make_driver(url, kind)
    # calibrate on the device's raw values: no calibration applied while measuring
    dev.calibration = None
    dev.calibration_store = None

    def window() -> np.ndarray:
        dev.queue.drain()
        t_end = dev.clock.now_ns() + int(seconds * 1e9)
        rows: list[tuple[float, ...]] = []
        while dev.clock.now_ns() < t_end:
            try:
                s = dev.queue.get(timeout=0.1)
            except Exception:
                continue
            rows.append(s.values[: len(dev.raw_channels)])
        if len(rows) < 10:
            raise InputError(f"only {len(rows)} samples in {seconds:g} s", where=url, fix="check the device is streaming")
        return np.asarray(rows)

    def wait(prompt: str) -> None:
        if yes:
            console.print(f"{prompt} (waiting {settle:g} s)", highlight=False)
            time.sleep(settle)
        else:
            typer.prompt(f"{prompt} - press Enter when ready", default="", show_default=False)

    with dev:
        info = dev.info
        assert info is not None
        if dev.kind == "grip":
            target = known * (KGF_N if unit in ("kg", "kgf") else 1.0)  # a mass of m kg pulls with m kgf
            cal_unit = "N"
        else:
            target = known / KGF_N if unit == "N" else known
            cal_unit = "kg"
        wait("Take every load off the device and keep it still")
        zero = window()
        points: list[tuple[np.ndarray, float | list[float]]] = []
        if dev.kind == "balance" and per_corner:
            for i, corner in enumerate(dev.raw_channels):
                wait(f"Put the {known:g} {unit} load on corner {corner}")
                k = [0.0] * 4
                k[i] = target
                points.append((window(), k))
        else:
            where = "on the handle" if dev.kind == "grip" else "at the centre of the board"
            wait(f"Put the {known:g} {unit} load {where}")
            points.append((window(), target))
        cal = loadcell.calibrate(info.serial, dev.raw_channels, cal_unit, zero, points, max_std=max_std)
    rec = loadcell.save(CalibrationStore(calibration_dir()), cal, __version__)
    console.print(f"stored load-cell calibration v{rec.version} for {info.serial}: offsets {np.round(cal.offsets, 4).tolist()}, "
                  f"gains {np.round(cal.gains, 5).tolist()}, residual {cal.residual:.4g} {cal_unit}", highlight=False, soft_wrap=True)
