"""Load-cell calibration: tare, span, per channel, residual, stored against the serial number, and
recovered end to end from a simulator with a known offset and gain error."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from calibration import loadcell
from calibration.store import CalibrationStore
from devices.balance import BalanceBoard
from devices.grip import GripDynamometer
from station.core import InputError


def test_tare_and_span_recover_offset_and_gain() -> None:
    rng = np.random.default_rng(0)
    true_off = np.array([0.4, -0.2, 0.1, 0.3])
    true_gain = np.array([1.1, 0.9, 1.05, 0.95])  # raw = known / gain + offset
    zero = true_off + rng.normal(0, 0.01, (200, 4))
    points = []
    for i in range(4):
        k = np.zeros(4)
        k[i] = 20.0
        points.append((true_off + k / true_gain + rng.normal(0, 0.01, (200, 4)), k.tolist()))
    cal = loadcell.calibrate("BAL-7", ("tl", "tr", "bl", "br"), "kg", zero, points, max_std=0.05)
    assert np.allclose(cal.offsets, true_off, atol=0.005)
    assert np.allclose(cal.gains, true_gain, rtol=0.002)
    assert cal.residual is not None and cal.residual < 0.05 and cal.points == 4
    assert np.allclose(cal.apply(true_off + np.array([5, 0, 0, 0]) / true_gain), [5, 0, 0, 0], atol=0.02)


def test_a_centre_weight_gives_one_gain_for_the_board() -> None:
    off = np.array([0.1, 0.1, 0.2, 0.2])
    zero = np.tile(off, (50, 1)) + np.random.default_rng(1).normal(0, 0.001, (50, 4))
    loaded = np.tile(off + np.array([5.5, 5.5, 4.5, 4.5]) / 2.0, (50, 1))  # 20 kg read with gain error 2
    cal = loadcell.calibrate("B", ("tl", "tr", "bl", "br"), "kg", zero, [(loaded, 20.0)])
    assert np.allclose(cal.gains, 2.0, rtol=1e-3)
    assert abs(sum(cal.apply(loaded[0])) - 20.0) < 0.01


def test_tare_refuses_a_moving_device_and_span_needs_a_load() -> None:
    moving = np.linspace(0, 10, 100)
    with pytest.raises(InputError, match="not still"):
        loadcell.tare(moving, max_std=0.1)
    with pytest.raises(InputError, match="at least 10"):
        loadcell.tare(np.zeros(5))
    with pytest.raises(InputError, match="no known load"):
        loadcell.span([(np.zeros((20, 4)), [10.0, 0, 0, 0])], np.zeros(4))


def test_stored_against_the_serial_never_overwritten_and_stale_flagged(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    a = loadcell.LoadCellCalibration("GRIP-1", ("force",), (0.5,), (1.2,), "N", 0.3, 1)
    r1 = loadcell.save(store, a, "0.1.0")
    r2 = loadcell.save(store, loadcell.LoadCellCalibration("GRIP-1", ("force",), (0.4,), (1.25,), "N", 0.2, 1))
    assert (r1.version, r2.version) == (1, 2) and r1.kind == "loadcell" and r1.residual_unit == "N"
    status, cal = loadcell.load(store, "GRIP-1")
    assert status == "ok" and cal is not None and cal.gains == (1.25,)
    assert len(store.history("GRIP-1", "loadcell")) == 2
    status, _ = loadcell.load(store, "GRIP-1", now=datetime.now(UTC) + timedelta(days=31))
    assert status == "stale"
    assert loadcell.load(store, "OTHER") == ("missing", None)


def test_a_stale_calibration_is_applied_but_samples_stay_flagged(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    old = loadcell.LoadCellCalibration("SIM-GRIP-0000", ("force",), (0.0,), (1.0,), "N", 0.1, 1)
    store.save(old.to_record(created_utc=datetime.now(UTC) - timedelta(days=60)))
    dev = GripDynamometer("sim://grip?rate=200", calibration_store=store)
    with dev:
        deadline = time.monotonic() + 30  # a hang guard: the first sample arrives as soon as the simulator runs
        while not len(dev.queue) and time.monotonic() < deadline:
            time.sleep(0.01)
    s = dev.queue.drain()
    assert s and dev.calibration_status == "stale" and not dev.calibrated
    assert all(x.flags & x.flags.UNCALIBRATED for x in s)


class _DeviceWindows:
    """Raw rows from the device's own time since its first streamed sample (the simulator starts its
    profile clock at START, so device time is profile time): waits on samples, not on the wall clock."""

    def __init__(self, dev: GripDynamometer | BalanceBoard) -> None:
        self.dev, self.t0_us, self.seen = dev, None, []  # type: ignore[var-annotated]

    def rows(self, lo_s: float, hi_s: float) -> np.ndarray:
        deadline = time.monotonic() + 60  # a hang guard only
        while not self.seen or (self.seen[-1].device_time_us - self.t0_us) / 1e6 < hi_s:
            assert time.monotonic() < deadline, "the simulator stopped streaming"
            got = [s for s in self.dev.queue.drain() if s.device_time_us is not None]
            if got and self.t0_us is None:
                self.t0_us = got[0].device_time_us
            self.seen += got
            time.sleep(0.01)
        return np.asarray([s.values[: len(self.dev.raw_channels)] for s in self.seen
                           if lo_s <= (s.device_time_us - self.t0_us) / 1e6 < hi_s])


def test_end_to_end_the_simulator_offset_and_gain_error_are_calibrated_out(tmp_path: Path) -> None:
    """A simulated board with a raw offset of 0.5 kg and a gain error of 1.25 on every cell: the
    'calib' profile is empty for 0.6 s, then 20 kg at the centre. Tare + span must recover
    1 / 1.25 and the calibrated total must read 20 kg."""
    url = "sim://balance?profile=calib&load=20&hold=0.6&offset=0.5&gain=1.25&rate=500"
    dev = BalanceBoard(url)
    with dev:
        windows = _DeviceWindows(dev)
        zero = windows.rows(0.0, 0.4)  # the load arrives at 0.6 s of the profile
        loaded = windows.rows(1.0, 1.4)
        info = dev.info
    assert info is not None
    cal = loadcell.calibrate(info.serial, dev.raw_channels, "kg", zero, [(loaded, 20.0)], max_std=0.2)
    assert np.allclose(cal.gains, 0.8, rtol=0.01)
    assert np.allclose(cal.offsets, 0.625, atol=0.01)  # (0 + 0.5) * 1.25
    store = CalibrationStore(tmp_path)
    loadcell.save(store, cal)
    dev2 = BalanceBoard(url, calibration_store=store)
    with dev2:
        windows2 = _DeviceWindows(dev2)
        windows2.rows(0.0, 1.4)  # wait for the profile's first 1.4 s, whatever the machine's load
        got = [s for s in windows2.seen if (s.device_time_us - windows2.t0_us) / 1e6 < 0.4]
        after = [s for s in windows2.seen if 1.0 <= (s.device_time_us - windows2.t0_us) / 1e6 < 1.4]
    assert dev2.calibrated
    assert abs(np.mean([s.value("total") for s in got[:20]])) < 0.2  # empty board reads zero
    assert abs(np.mean([s.value("total") for s in after[-50:]]) - 20.0) < 0.2


def test_a_fit_without_the_load_placed_is_refused_with_its_numbers() -> None:
    """The issue's case: nothing changed between tare and span, so the fitted gain would be ~1e6."""
    rng = np.random.default_rng(3)
    zero = 2.0 + rng.normal(0, 0.01, (200, 1))
    still = 2.0 + rng.normal(0, 0.01, (200, 1))  # the known load never arrived
    with pytest.raises(InputError) as e:
        loadcell.calibrate("G", ("force",), "N", zero, [(still, 98.0665)])
    msg = str(e.value)
    assert "times the noise" in msg and "gain" in msg and "let the load settle" in msg


def test_a_fit_whose_residual_exceeds_five_percent_of_the_load_is_refused() -> None:
    rng = np.random.default_rng(4)
    zero = rng.normal(0, 0.01, (100, 1))
    a = 10.0 + rng.normal(0, 0.01, (100, 1))
    b = 10.0 + rng.normal(0, 0.01, (100, 1))  # the same reading for twice the load: the load slipped
    with pytest.raises(InputError, match=r"residual (9\.99\d|10(\.0+)?) N is 25\.0 % of the known load 40 N"):
        loadcell.calibrate("G", ("force",), "N", zero, [(a, 20.0), (b, 40.0)])


def test_station_devices_calibrate_stores_nothing_when_the_load_never_came(station_home: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from station.cli import main

    rc = main(["devices", "calibrate", "sim://grip?profile=rest&rate=200", "--known", "10", "--unit", "kg", "--seconds", "0.3",
               "--yes", "--settle", "0.2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("error: the known load changed the readings"), err
    assert not (station_home / "calibration").exists() or not list((station_home / "calibration").rglob("*.json"))
