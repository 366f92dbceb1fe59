"""``station devices list|simulate|record|calibrate`` end to end (real ptys, real files)."""

from __future__ import annotations

import csv
import itertools
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.grip import GripDynamometer
from station.cli import main


def test_record_writes_the_csv_and_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "grip.csv"
    rc = main(["devices", "record", "sim://grip?profile=squeeze&rate=500&garbage=0.02&drop=0.01", "--seconds", "1.5", "--out", str(out)])
    text = capsys.readouterr().out
    assert rc == 0, text
    rows = list(csv.reader(out.read_text().splitlines()))
    assert rows[0] == ["device_seq", "device_time_us", "session_time_ns", "flags", "force [N]"]
    body = rows[1:]
    assert len(body) > 500
    seqs = [int(r[0]) for r in body]
    t = [int(r[2]) for r in body]
    assert all(b > a for a, b in itertools.pairwise(t)) and all(b > a for a, b in itertools.pairwise(seqs))
    missing = sum(b - a - 1 for a, b in itertools.pairwise(seqs))
    assert f"samples: {len(body)} " in text
    assert "sequence gaps: " in text and f"({missing} samples missing)" in text
    assert "rejects: garbage " in text and "effective rate 4" in text  # ~495 Hz
    assert "UNCALIBRATED" in text


def test_record_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.csv"
    out.write_text("precious")
    rc = main(["devices", "record", "sim://grip", "--seconds", "1", "--out", str(out)])
    assert rc == 2 and "never overwritten" in capsys.readouterr().err
    assert out.read_text() == "precious"


def test_record_of_a_real_grip_file_through_replay(tmp_path: Path, media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = media / "sensors/grip/P1_-_Pinch_Grasp_-_Force_Only_-_Medium_-_Trial_1.csv"
    out = tmp_path / "replayed.csv"
    assert main(["devices", "record", f"replay://{src}?speed=8", "--seconds", "1.2", "--out", str(out), "--baud", "9600"]) == 0
    text = capsys.readouterr().out
    assert "(plain)" in text
    rows = list(csv.reader(out.read_text().splitlines()))[1:]
    forces = [r.split(",")[3] for r in src.read_text().splitlines()[1:]]
    got = [r[4] for r in rows]
    assert len(got) > 500 and [float(x) for x in got] == pytest.approx([float(x) for x in forces[: len(got)]], rel=1e-5)
    # the file's ~83 Hz, played 8 times faster
    rate = float(text.split("effective rate ")[1].split()[0])
    assert 500 < rate < 800


def test_simulate_serves_a_pty_that_list_and_the_driver_see(tmp_path: Path) -> None:
    link = tmp_path / "grip"
    p = subprocess.Popen([sys.executable, "-m", "station", "devices", "simulate", "grip", "--link", str(link), "--rate", "250",
                          "--profile", "fatigue", "--seconds", "120"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not link.is_symlink():
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "no link"
            time.sleep(0.05)
        r = subprocess.run([sys.executable, "-m", "station", "devices", "list", "--also", str(link)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "SIM-GRIP-0000" in r.stdout and "grip" in r.stdout
        dev = GripDynamometer(str(link))
        with dev:
            deadline = time.monotonic() + 20
            while len(dev.queue) < 100:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        assert dev.info is not None and dev.info.rate_hz == 250
    finally:
        p.send_signal(signal.SIGTERM)  # a service manager stops it like this
        out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert "simulating grip (fatigue, 250 Hz" in out and "sent " in out
    assert not link.exists() and not link.is_symlink()  # cleaned up


def test_simulate_rejects_a_bad_fault(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["devices", "simulate", "grip", "--link", str(tmp_path / "g"), "--fault", "explode=1"]) == 2
    assert "unknown fault 'explode=1'" in capsys.readouterr().err
    assert main(["devices", "simulate", "grip", "--link", str(tmp_path / "g"), "--profile", "dance"]) == 2


def test_calibrate_stores_the_fit_against_the_serial(station_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # timeline from START: settle 1 s, tare window 1.0-1.4 s, settle, span window 2.4-2.8 s; the load arrives at 1.9 s
    url = "sim://grip?profile=calib&load=98.0665&hold=1.9&offset=2&gain=1.1&rate=400"
    rc = main(["devices", "calibrate", url, "--known", "10", "--unit", "kg", "--seconds", "0.4", "--yes", "--settle", "1.0"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "stored load-cell calibration v1 for SIM-GRIP-0000" in out
    rec = json.loads((station_home / "calibration" / "SIM-GRIP-0000" / "loadcell" / "v0001.json").read_text())
    assert rec["params"]["gains"][0] == pytest.approx(1 / 1.1, rel=0.01)
    assert rec["params"]["offsets"][0] == pytest.approx(2.2, abs=0.1)
    assert rec["residual_unit"] == "N" and rec["residual"] < 1.0
    # the next recording uses it: samples are no longer flagged
    out_csv = station_home / "after.csv"
    assert main(["devices", "record", url, "--seconds", "0.5", "--out", str(out_csv)]) == 0
    assert "UNCALIBRATED" not in capsys.readouterr().out
    flags = {int(r[3]) for r in list(csv.reader(out_csv.read_text().splitlines()))[1:]}
    assert not any(f & 8 for f in flags)


def test_a_station_recording_replays_as_the_device_it_came_from(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from devices.balance import BalanceBoard

    first = tmp_path / "board.csv"
    assert main(["devices", "record", "sim://balance?profile=sway&rate=200&drop=0.02", "--seconds", "1", "--out", str(first)]) == 0
    rows = list(csv.reader(first.read_text().splitlines()))
    assert rows[0][4:] == ["tl [kg]", "tr [kg]", "bl [kg]", "br [kg]", "total [kg]", "cop_x [mm]", "cop_y [mm]"]
    dev = BalanceBoard(f"replay://{first}?timing=none")
    got = []
    with dev:
        deadline = time.monotonic() + 60  # a hang guard: replay with timing=none ends on the last row
        while len(got) < len(rows) - 1:
            assert time.monotonic() < deadline
            got += dev.queue.drain()
            time.sleep(0.01)
    assert dev.info is not None and dev.info.protocol == "msp/1"
    # same sequence numbers (gaps included), device times and cell values
    assert [s.seq for s in got] == [int(r[0]) for r in rows[1:]]
    assert [s.device_time_us for s in got] == [int(r[1]) for r in rows[1:]]
    assert [s.values[:4] for s in got] == [tuple(float(x) for x in r[4:8]) for r in rows[1:]]
    assert dev.parser.gaps == sum(1 for a, b in itertools.pairwise(got) if b.seq != a.seq + 1) > 0
