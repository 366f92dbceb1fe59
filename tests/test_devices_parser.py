"""The pure parsers on captured bytes: every format, every reject kind, resync, gaps, wraps."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from _fuzz import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.parser import LineParser
from devices.protocol import Hello, HelloError, checksum, command, frame, parse_command, parse_hello, sample_line
from station.core import SampleFlag

# Bytes as a station grip prints them (captured from the simulator, checksums by hand below).
CAPTURED = (
    b"$H,msp=1,kind=grip,model=MS-SIM-GRIP,serial=SIM-GRIP-0000,fw=sim-1.0,rate=1000,ch=force,unit=N,fs=900,profile=squeeze*14\n"
    b"$A,START*2D\n"
    b"$D,1,120,0.57*76\n"
    b"$D,2,1120,-0.84*67\n"
)


def test_checksum_is_nmea_xor() -> None:
    assert checksum(b"A,START") == 0x2D
    assert frame("A,START") == b"$A,START*2D\n"
    assert sample_line(1, 120, [0.57], 2) == b"$D,1,120,0.57*76\n"


def test_captured_bytes_parse_to_hello_ack_and_samples() -> None:
    p = LineParser("auto")
    out = p.feed(CAPTURED, 7)
    assert p.format == "msp"
    assert p.hello is not None and p.hello.serial == "SIM-GRIP-0000" and p.hello.full_scale == (900.0,)
    assert p.hello.extra == {"profile": "squeeze"}
    assert [c.kind for c in p.control] == ["hello", "ack"]
    assert [(s.seq, s.device_time_us, s.values, s.flags, s.t_arrival_ns) for s in out] == [
        (1, 120, (0.57,), 0, 7),
        (2, 1120, (-0.84,), 0, 7),
    ]
    assert not p.rejects


def test_every_reject_kind_is_counted_and_the_next_sample_is_flagged_resynced() -> None:
    good = [sample_line(i, i * 1000, [float(i)]) for i in range(1, 12)]
    bad_cs = good[2][:-3] + b"00\n"
    data = b"".join([
        Hello("grip", "m", "s", "f", 100, ("force",), ("N",), (900.0,)).line(),
        good[0],
        b"\x00\xffnoise\n",  # garbage
        good[1],
        bad_cs,  # checksum
        good[3],
        b"$D,5,5000,1.0\n",  # partial: no checksum
        good[4][:-1] + good[5],  # never mind: good[4] without newline glued to good[5] -> resync at '$'
        frame("D,7,7000,abc"),  # bad value
        frame("D,8,8000,1.0,2.0"),  # wrong channel count
        frame("D,9,9000,5000.0"),  # out of range (> 1.5 x full scale)
        frame("D,10,10000,nan"),  # not finite
        good[9],
        good[9],  # duplicate sequence number
        frame("Q,1,2"),  # unknown type
        frame("H,msp=2,kind=grip,ch=force,unit=N"),  # unsupported version
        good[10],
    ])
    p = LineParser("auto")
    out = p.feed(data, 0)
    assert dict(p.rejects) == {
        "garbage": 1, "checksum": 1, "partial": 2, "bad_value": 1, "channels": 1, "out_of_range": 2,
        "duplicate": 1, "unknown_type": 1, "bad_hello": 1,
    }
    seqs = [s.seq for s in out]
    assert seqs == [1, 2, 4, 6, 10, 11]
    flags = {s.seq: s.flags for s in out}
    assert flags[1] == 0
    assert flags[2] & SampleFlag.RESYNCED
    assert flags[4] & SampleFlag.RESYNCED and flags[4] & SampleFlag.GAP_BEFORE
    assert flags[10] & SampleFlag.GAP_BEFORE
    assert p.gaps == 3 and p.missing == 1 + 1 + 3
    assert p.samples == 6


def test_overlong_line_is_rejected_and_parsing_resumes() -> None:
    p = LineParser("msp")
    out = p.feed(b"$D," + b"1" * 400, 0)
    out += p.feed(b"11111\n" + sample_line(1, 1, [1.0]), 0)
    assert p.rejects["overlong"] == 1
    assert [s.seq for s in out] == [1] and out[0].flags & SampleFlag.RESYNCED


def test_saturation_flag_at_full_scale() -> None:
    p = LineParser("msp", full_scale=(900.0,))
    out = p.feed(sample_line(1, 1, [900.0]) + sample_line(2, 2, [899.0]), 0)
    assert out[0].flags & SampleFlag.SATURATED and not out[1].flags & SampleFlag.SATURATED


def test_device_clock_wrap_is_unwrapped_and_a_reboot_is_a_clock_reset() -> None:
    p = LineParser("msp")
    t0 = 2**32 - 1500
    data = b"".join(sample_line(i, t0 + 1000 * i, [1.0]) for i in range(4))
    out = p.feed(data, 0)
    assert [s.device_time_us for s in out] == [t0 + 1000 * i for i in range(4)]
    assert all(s.flags == 0 for s in out[1:])
    # the device reboots: sequence and clock restart
    out = p.feed(sample_line(1, 500, [1.0]) + sample_line(2, 1500, [1.0]), 0)
    assert out[0].flags & SampleFlag.CLOCK_RESET and out[0].device_time_us == 500
    assert out[1].flags == 0 and p.resets == 1


def test_sequence_wraps_without_a_gap() -> None:
    p = LineParser("msp")
    out = p.feed(sample_line(2**32 - 1, 10, [1.0]) + sample_line(0, 20, [1.0]) + sample_line(1, 30, [1.0]), 0)
    assert [s.flags for s in out] == [0, 0, 0] and p.gaps == 0


def test_plain_format_of_the_real_grip_device(media: Path) -> None:
    """The 3-D-printed dynamometer prints ``N<float>`` per line at 9600 baud: its files' force column."""
    rows = (media / "sensors/grip/P1_-_Power_Grasp_-_Force_Only_-_Easy_-_Trial_1.csv").read_text().splitlines()[1:]
    forces = [r.split(",")[3] for r in rows]
    data = b"".join(b"N%s\r\n" % f.encode() for f in forces)
    p = LineParser("auto")
    out = []
    for i in range(0, len(data), 37):  # odd chunk size: lines split across reads
        out += p.feed(data[i : i + 37], i)
    assert p.format == "plain"
    assert len(out) == len(forces) and not p.rejects
    assert [s.values[0] for s in out] == [float(f) for f in forces]
    assert [s.seq for s in out] == list(range(len(forces)))
    assert all(s.device_time_us is None for s in out)


def test_plain_format_variants_and_rejects() -> None:
    p = LineParser("plain")
    out = p.feed(b"N12.34\n12.5\n  W -3e1 \nN12.3x\n\nN7\n", 0)
    assert [s.values for s in out] == [(12.34,), (12.5,), (-30.0,), (7.0,)]
    assert p.rejects == {"garbage": 1}
    assert out[-1].flags & SampleFlag.RESYNCED


def test_csv_load_cells_detected_and_channel_count_checked() -> None:
    p = LineParser("auto", n_channels=4)
    out = p.feed(b"1.0,2.0,3.0,4.0\r\n1.1,2.1,3.1,4.1\n1.2,2.2,3.2,4.2\n1,2,3\n1.3;2.3;3.3;4.3\n", 0)
    assert p.format == "csv"
    assert [s.values for s in out] == [(1.0, 2.0, 3.0, 4.0), (1.1, 2.1, 3.1, 4.1), (1.2, 2.2, 3.2, 4.2), (1.3, 2.3, 3.3, 4.3)]
    assert p.rejects == {"channels": 1}


def test_auto_detection_skips_a_partial_first_line_and_keeps_every_sample() -> None:
    p = LineParser("auto")
    data = b"34*1F\n" + b"".join(sample_line(i, i, [1.5]) for i in range(1, 5))
    out = p.feed(data, 0)
    assert p.format == "msp" and [s.seq for s in out] == [1, 2, 3, 4]
    assert p.rejects == {"garbage": 1}


def test_a_port_that_is_no_station_device_detects_nothing() -> None:
    p = LineParser("auto")
    out = p.feed(b"Welcome to the modem\r\nAT OK\r\n" * 50, 0)
    assert out == [] and p.format == "auto" and p.rejects["garbage"] > 0


def test_fast_and_slow_paths_agree() -> None:
    lines = [sample_line(i, 1000 * i, [i * 0.5, -i * 0.25]) for i in range(1, 200)]
    lines[50] = b"garbage" + lines[50]
    lines[80] = lines[80][:-3] + b"ZZ\n"
    data = b"".join(lines)
    fast = LineParser("msp")
    a = fast.feed(data, 0)  # one big chunk: vectorised checks
    slow = LineParser("msp")
    b = []
    for line in data.splitlines(keepends=True):  # one line at a time: per-line checks
        b += slow.feed(line, 0)
    assert a == b
    assert fast.rejects == slow.rejects == {"garbage": 1, "checksum": 1}


@settings(max_examples=examples(60), deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30), noise=st.binary(max_size=40))
def test_any_chunking_gives_the_same_samples(cuts: list[int], noise: bytes) -> None:
    noise = noise.replace(b"\n", b"").replace(b"$", b"")
    data = b"".join(sample_line(i, 100 * i, [i / 8]) for i in range(1, 40))
    data = data[:300] + noise + b"\n" + data[300:]
    ref = LineParser("msp").feed(data, 0)
    p = LineParser("msp")
    got = []
    prev = 0
    for c in [*sorted(set(cuts)), len(data)]:
        got += p.feed(data[prev:c], 0)
        prev = max(prev, c)
    assert [(s.seq, s.values) for s in got] == [(s.seq, s.values) for s in ref]


def test_hello_round_trip_and_errors() -> None:
    h = Hello("balance", "B", "BAL-1", "1.0", 80, ("tl", "tr", "bl", "br"), ("kg",) * 4, (150.0,) * 4)
    p = LineParser("auto")
    p.feed(h.line(), 0)
    assert p.hello == h
    with pytest.raises(HelloError):
        parse_hello(["msp=1", "ch=a;b", "unit=N"])
    with pytest.raises(HelloError):
        parse_hello(["kind=grip"])


def test_commands() -> None:
    assert command("RATE", 500) == b"RATE 500\n"
    assert command("id") == b"ID\n"
    assert parse_command(b"rate 250\r") == ("RATE", "250")
    with pytest.raises(ValueError):
        command("REBOOT")
    assert math.isclose(float(sample_line(1, 1, [-0.0004]).split(b",")[3].split(b"*")[0]), 0.0)


def test_the_vectorised_path_matches_line_by_line_on_wraps_gaps_and_saturation() -> None:
    h = Hello("balance", "m", "s", "f", 1000, ("tl", "tr", "bl", "br"), ("kg",) * 4, (150.0,) * 4).line()
    seq0, t0 = 2**32 - 100, 2**32 - 50_000
    lines = [sample_line(seq0 + i, t0 + 1000 * i, [i % 7, -(i % 5) * 0.5, 1.0, 2.0]) for i in range(400)]
    lines[150] = sample_line(seq0 + 150, t0 + 150_000, [150.0, 0, 0, 0])  # saturated
    del lines[220:223]  # a gap of three
    data = h + b"".join(lines)
    whole = LineParser("msp")
    a = [x for i in range(0, len(data), 4096) for x in whole.feed(data[i : i + 4096], 5)]
    one = LineParser("msp")
    b = [x for line in data.splitlines(keepends=True) for x in one.feed(line, 5)]
    assert a == b and len(a) == 397
    assert (whole.gaps, whole.missing, whole.samples) == (one.gaps, one.missing, one.samples) == (1, 3, 397)
    assert a[-1].device_time_us == t0 + 1000 * 399 and a[-1].seq == (seq0 + 399) % 2**32
    assert a[150].flags == SampleFlag.SATURATED
    # and the NumPy path really ran: clean runs of a chunk are converted in one go
    calls = []
    orig = LineParser._fast_sample
    p = LineParser("msp")
    p._fast_sample = lambda *args: (calls.append(1), orig(p, *args))  # type: ignore[method-assign]
    clean = b"".join(sample_line(i, i, [1.0]) for i in range(1, 200))
    assert len(p.feed(clean, 0)) == 199 and len(calls) == 1


@settings(max_examples=examples(150), deadline=None)
@given(
    fmt=st.sampled_from(["auto", "msp", "plain", "csv"]),
    chunks=st.lists(st.one_of(st.binary(max_size=80), st.sampled_from([b"\n", b"$", b"*", b",", b"N1.5\n", b"1,2,3,4\n"])), max_size=40),
)
def test_no_input_makes_the_parser_raise(fmt: str, chunks: list[bytes]) -> None:
    """Whatever arrives, feed() returns (samples and counted rejects) and never raises."""
    p = LineParser(fmt, n_channels=4 if fmt == "csv" else None)  # type: ignore[arg-type]
    good = sample_line(1, 1, [1.0, 2.0, 3.0, 4.0])
    for c in [*chunks, b"\n", good]:
        for s in p.feed(c, 0):
            assert all(math.isfinite(v) for v in s.values)
    if p.format == "msp":
        assert p.samples >= 1  # resynchronised on the good line after any garbage
