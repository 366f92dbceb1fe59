"""One protocol, checked from both ends: the firmware's C header is compiled with the host gcc/g++
and what it prints is read back by the Python parser, byte for byte against the Python encoder."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest

from devices.parser import LineParser
from devices.protocol import sample_line
from station.core import SampleFlag

FW = Path(__file__).resolve().parents[1] / "devices" / "firmware"
INC = FW / "MotorStationProtocol" / "src"
SEQ0, T0 = 4294967290, 4294960000


def _compile(tmp_path: Path, compiler: str, lang: str, sources: list[Path], extra: list[str] | None = None) -> Path:
    exe = tmp_path / f"prog-{compiler}"
    cmd = [compiler, "-x", lang, *([f"-std={'c99' if lang == 'c' else 'c++17'}"]), "-Wall", "-Wextra", "-Werror",
           f"-I{INC}", *(extra or []), *map(str, sources), "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return exe


def _value(i: int) -> int:
    return ((i * 7919) % 200001) - 100000


@pytest.mark.parametrize(("compiler", "lang"), [("gcc", "c"), ("g++", "c++")])
def test_header_output_is_what_python_writes_and_parses(tmp_path: Path, compiler: str, lang: str) -> None:
    if shutil.which(compiler) is None:
        pytest.fail(f"{compiler} is needed to check the firmware header (apt-get install build-essential)")
    exe = _compile(tmp_path, compiler, lang, [FW / "host" / "msp_selftest.c"], ["-pedantic"] if lang == "c" else [])
    n = 2000
    r = subprocess.run([str(exe), "msp", str(n)], input=b"id\nRATE 250\nSTART\nFOO\nRATE 0\n", capture_output=True)
    assert r.returncode == 0
    out = r.stdout
    p = LineParser("auto")
    samples = p.feed(out, 0)
    assert not p.rejects, p.rejects
    assert p.hello is not None and (p.hello.kind, p.hello.serial, p.hello.channels, p.hello.units) == ("grip", "GRIP-0042", ("force",), ("N",))
    assert [(c.kind, c.fields) for c in p.control[1:]] == [
        ("ack", ("RATE", "250")), ("ack", ("START",)), ("error", ("UNKNOWN", "unknown command")), ("error", ("RATE", "0")),
    ]
    assert len(samples) == n
    # byte for byte: the header's sample lines are the Python encoder's
    lines = out.splitlines(keepends=True)[5:]
    for i, line in enumerate(lines):
        assert line == sample_line(SEQ0 + i, T0 + i * 4000, [_value(i) / 100], 2)
    # the parser unwrapped both 32-bit counters and saw no gap
    assert [s.seq for s in samples[:8]] == [4294967290, 4294967291, 4294967292, 4294967293, 4294967294, 4294967295, 0, 1]
    t = [s.device_time_us for s in samples]
    assert t == [T0 + 4000 * i for i in range(n)]
    # full scale is 900 N (hello fs=900): values at or beyond it are flagged saturated, nothing else
    assert [s.flags for s in samples] == [SampleFlag.SATURATED if abs(_value(i)) >= 90000 else 0 for i in range(n)]
    assert any(s.flags for s in samples)
    assert [s.values[0] for s in samples] == [_value(i) / 100 for i in range(n)]


def test_plain_output_of_the_header(tmp_path: Path) -> None:
    exe = _compile(tmp_path, "gcc", "c", [FW / "host" / "msp_selftest.c"])
    r = subprocess.run([str(exe), "plain", "50"], input=b"", capture_output=True)
    p = LineParser("auto")
    samples = p.feed(r.stdout, 0)
    assert p.format == "plain" and not p.rejects
    assert [s.values[0] for s in samples] == [_value(i) / 100 for i in range(50)]


@pytest.mark.parametrize(("sketch", "kind", "n_ch"), [("GripHX711", "grip", 1), ("BalanceHX711", "balance", 4)])
def test_reference_sketches_build_on_the_host_and_speak_the_protocol(tmp_path: Path, sketch: str, kind: str, n_ch: int) -> None:
    """The Arduino sketches themselves, built against a small host stand-in of the Arduino core and
    the HX711 library, run for 600 loops; the parser must accept every line they print."""
    ino = FW / "MotorStationProtocol" / "examples" / sketch / f"{sketch}.ino"
    shim = FW / "host" / "shim"
    exe = _compile(tmp_path, "g++", "c++", [ino, shim / "run_sketch.cpp"], [f"-I{shim}", "-include", "Arduino.h"])
    r = subprocess.run([str(exe), "600", r"ID\nRATE 100\nTARE\nSTOP\nSTART\n"], capture_output=True)
    assert r.returncode == 0
    p = LineParser("auto")
    samples = p.feed(r.stdout, 0)
    assert not p.rejects, p.rejects
    assert p.hello is not None and p.hello.kind == kind and len(p.hello.channels) == n_ch and p.hello.rate_hz == 80
    kinds = [(c.kind, c.fields[0]) for c in p.control]
    assert ("error", "RATE") in kinds and ("ack", "TARE") in kinds and ("ack", "STOP") in kinds and ("ack", "START") in kinds
    assert len(samples) > 100
    # the shim's clock starts just below 2^32: the host unwraps micros() and sees 80 Hz
    dts = {b.device_time_us - a.device_time_us for a, b in itertools.pairwise(samples)}  # type: ignore[operator]
    assert dts == {12500}
    assert samples[-1].device_time_us > 2**32  # type: ignore[operator]
    # the grip's nominal scale: raw counts rise by 2280 (1 N) per sample
    if kind == "grip":
        vals = [s.values[0] for s in samples[:40]]
        steps = {round(b - a, 2) for a, b in itertools.pairwise(vals)}
        assert steps <= {1.0, -49.0}
    assert not any(s.flags & SampleFlag.GAP_BEFORE for s in samples)
