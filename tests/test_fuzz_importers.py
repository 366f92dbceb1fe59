"""Fuzzing the file importers: session plans (TOML), pen traces (``station analyze-trace`` CSV) and
device recordings (``replay://`` CSV).

Property everywhere: a file either loads (and what loads is usable: a plan's settings build their
exercise, a replayed recording parses) or is refused with :class:`~station.core.InputError` /
``serial.SerialException`` (the CLI: exit code 2 and one ``error:`` line); no other exception
escapes. Example counts are modest to keep the suite fast.
"""

from __future__ import annotations

import json
import string
import time
from pathlib import Path

import pytest
import serial
import tomli_w
from _fuzz import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exercises
from devices.parser import LineParser
from devices.transport import open_url
from station.core import InputError
from station.plans import load_plan

FIX = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

# -- session plans ----------------------------------------------------------------------------------

scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                    st.text(max_size=12), st.sampled_from(["circle", "spiral", "left", "right", "P-017", "tracing"]))
setting_keys = st.sampled_from(["shape", "size", "tolerance", "center", "hand", "target", "duration_s", "up", "down", "x"])
item = st.fixed_dictionaries(
    {"exercise": st.one_of(st.sampled_from(exercises.names()), st.text(max_size=8))},
    optional={
        "settings": st.dictionaries(setting_keys, st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=3),
        "reps": st.one_of(st.integers(-5, 1000), st.text(max_size=3)),
        "duration_s": st.one_of(st.floats(-10, 5000, allow_nan=False), st.integers(-5, 5000)),
        "rest_s": st.floats(-1, 700, allow_nan=False),
        "label": st.text(max_size=10),
        "extra": st.integers(),
    },
)
plan = st.fixed_dictionaries(
    {"items": st.lists(item, max_size=3)},
    optional={
        "format": st.sampled_from(["motor-station-plan", "other"]),
        "version": st.integers(0, 2),
        "name": st.text(max_size=10),
        "participant": st.one_of(st.sampled_from(["P-017", "Jane Doe", ""]), st.text(max_size=10)),
    },
)


@settings(max_examples=examples(120), deadline=None, suppress_health_check=FIX)
@given(data=plan)
def test_plan_files_load_or_give_input_error(tmp_path: Path, data: dict) -> None:  # type: ignore[type-arg]
    f = tmp_path / "plan.toml"
    f.write_text(tomli_w.dumps(data), encoding="utf-8")
    try:
        p = load_plan(f)
    except InputError as exc:
        assert str(f) in str(exc)
        return
    for it in p.items:  # a plan that loads is a plan that runs
        ex = exercises.create(it.exercise, it.settings)
        assert ex.name == it.exercise


@settings(max_examples=examples(80), deadline=None, suppress_health_check=FIX)
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_plan_files_of_any_bytes_give_input_error(tmp_path: Path, raw: bytes) -> None:
    f = tmp_path / "plan.toml"
    f.write_bytes(raw)
    with pytest.raises(InputError):
        load_plan(f)  # no random bytes make a valid plan (it needs items with a known exercise)


# -- pen traces: station analyze-trace ---------------------------------------------------------------

cells = st.one_of(st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: f"{v:.3f}"), st.integers(-5, 10**6).map(str),
                  st.sampled_from(["", "nan", "inf", "-inf", "abc", "1e999", " 3 ", "1,5", '"', "\x00"]))
headers = st.one_of(st.sampled_from([["x", "y", "t"], ["x", "y", "seconds", "stroke"], ["t", "x", "y", "line_number"],
                                     ["x", "y"], ["a", "b", "c"], []]),
                    st.lists(st.text(string.ascii_letters + "_ ", max_size=6), max_size=4))


def _csv(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join([",".join(header), *(",".join(r) for r in rows)]) + "\n"


@settings(max_examples=examples(60), deadline=None, suppress_health_check=FIX)
@given(header=headers, rows=st.lists(st.lists(cells, min_size=0, max_size=5), max_size=40),
       shape=st.sampled_from(["spiral", "circle", "line"]), unit=st.sampled_from(["s", "ms"]))
def test_analyze_trace_scores_or_refuses_any_csv(tmp_path: Path, header: list[str], rows: list[list[str]], shape: str,
                                                unit: str, capsys: pytest.CaptureFixture[str]) -> None:
    from station.cli import main

    f = tmp_path / "trace.csv"
    f.write_text(_csv(header, rows), encoding="utf-8")
    out = tmp_path / "out.json"
    out.unlink(missing_ok=True)
    code = main(["analyze-trace", str(f), "--shape", shape, "--center", "50,50", "--tolerance", "2", "--time-unit", unit,
                 "--json", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("error:") and len(err.strip().splitlines()) == 1, err
        assert not out.exists()  # nothing half-written
    else:
        assert out.exists()


@settings(max_examples=examples(40), deadline=None, suppress_health_check=FIX)
@given(rows=st.lists(st.tuples(st.floats(0, 100, allow_nan=False), st.floats(0, 100, allow_nan=False)), min_size=3, max_size=60),
       junk=st.lists(st.integers(0, 59), max_size=10))
def test_analyze_trace_skips_bad_rows_and_scores_the_rest(tmp_path: Path, rows: list[tuple[float, float]], junk: list[int],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Bad rows in an otherwise good trace are skipped, not fatal."""
    from station.cli import main

    lines = ["x,y,t"]
    for i, (x, y) in enumerate(rows):
        lines.append(f"{x:.3f},{y:.3f},{i * 0.01:.3f}")
        if i in junk:
            lines.append("oops,,")
    f = tmp_path / "trace.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["analyze-trace", str(f), "--shape", "circle", "--center", "50,50", "--size", "60"])
    captured = capsys.readouterr()
    assert code == 0, captured.err


svc_lines = st.one_of(
    st.lists(st.one_of(st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: f"{v:.3f}"), st.sampled_from(["0", "1"])),
             min_size=0, max_size=8).map(" ".join),
    st.text(string.printable, max_size=20),
)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=FIX)
@given(count=st.one_of(st.integers(-3, 50).map(str), st.sampled_from(["", "abc", "1e3"])), lines=st.lists(svc_lines, max_size=40),
       unit=st.sampled_from(["auto", "s", "ms"]), shape=st.sampled_from(["none", "circle"]))
def test_analyze_trace_scores_or_refuses_any_svc(tmp_path: Path, count: str, lines: list[str], unit: str, shape: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Handwriting files of any content: scored, or one error line; never a traceback, nothing half-written."""
    from station.cli import main

    f = tmp_path / "w.svc"
    f.write_text("\n".join([count, *lines]) + "\n", encoding="utf-8")
    out = tmp_path / "out.json"
    out.unlink(missing_ok=True)
    code = main(["analyze-trace", str(f), "--shape", shape, "--size", "50", "--time-unit", unit, "--json", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if code == 2:
        assert err.startswith("error:") and len(err.strip().splitlines()) == 1, err
        assert not out.exists()
    else:
        assert out.exists()


# -- device recordings: replay:// -------------------------------------------------------------------

REC_HEADER = ["device_seq", "device_time_us", "session_time_ns", "flags", "force [N]"]
BAL_HEADER = ["device_seq", "device_time_us", "session_time_ns", "flags", "tl [kg]", "tr [kg]", "bl [kg]", "br [kg]", "total [kg]"]
rec_headers = st.one_of(st.sampled_from([REC_HEADER, BAL_HEADER, ["Time", "Grip_Force"], ["Time", "Grip_Force", "Extra"]]),
                        st.lists(st.text(string.ascii_letters, max_size=6), max_size=5))


def _drain(port: serial.SerialBase, timeout_s: float = 10.0) -> bytes:
    port.write(b"ID\nSTART\n")
    got = b""
    quiet = 0
    deadline = time.monotonic() + timeout_s
    while quiet < 3 and time.monotonic() < deadline:
        chunk = port.read(port.in_waiting or 1)
        quiet = 0 if chunk else quiet + 1
        got += chunk
    assert time.monotonic() < deadline, "replay did not end"
    return got


@settings(max_examples=examples(80), deadline=None, suppress_health_check=FIX)
@given(header=rec_headers, rows=st.lists(st.lists(cells, max_size=9), max_size=30))
def test_replay_of_any_csv_opens_and_parses_or_is_refused(tmp_path: Path, header: list[str], rows: list[list[str]]) -> None:
    f = tmp_path / "rec.csv"
    f.write_text(_csv(header, rows), encoding="utf-8")
    try:
        port = open_url(f"replay://{f}?timing=none")
    except serial.SerialException as exc:
        assert str(f) in str(exc)  # says which file
        return
    except InputError:
        return
    try:
        data = _drain(port)
    finally:
        port.close()
    p = LineParser("auto")
    p.feed(data + b"\n", 0)  # whatever the replay produced, the parser takes it
    assert p.bytes == len(data) + 1


good_num = st.floats(0, 500, allow_nan=False).map(lambda v: f"{v:.2f}")


@settings(max_examples=examples(50), deadline=None, suppress_health_check=FIX)
@given(kind=st.sampled_from(["grip-media", "recording"]), n=st.integers(1, 40),
       damage=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 8), st.sampled_from(["", "abc", "1.5.5", "x1", None])), max_size=3))
def test_replay_of_a_damaged_recording_names_the_row(tmp_path: Path, kind: str, n: int, damage: list[tuple[int, int, str | None]]) -> None:
    """A recording with a damaged row (a cell not a number, a row cut short): refused with the file and
    the row number, never an IndexError or a half-open port; undamaged recordings replay every row."""
    if kind == "grip-media":
        header, rows = ["Time", "Grip_Force"], [[f"{i * 0.01:.2f}", f"{i % 50}.5"] for i in range(n)]
    else:
        header, rows = REC_HEADER, [[str(i + 1), str(1000 * (i + 1)), str(10**6 * (i + 1)), "0", f"{i % 50}.5"] for i in range(n)]
    damaged = False
    for r, c, v in damage:
        if r < n and c < len(rows[r]):
            if v is None:
                rows[r] = rows[r][:c]  # cut short
            else:
                rows[r][c] = v
            damaged = True
    f = tmp_path / "rec.csv"
    f.write_text(_csv(header, rows), encoding="utf-8")
    try:
        port = open_url(f"replay://{f}?timing=none")
    except serial.SerialException as exc:
        assert damaged and str(f) in str(exc) and "row" in str(exc), exc
        return
    try:
        data = _drain(port)
    finally:
        port.close()
    p = LineParser("plain" if kind == "grip-media" else "msp")
    out = p.feed(data + b"\n", 0)
    if not damaged:
        assert len(out) == n and not p.rejects


# -- calibration files ------------------------------------------------------------------------------

json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
                           lambda ch: st.one_of(st.lists(ch, max_size=3), st.dictionaries(st.text(max_size=6), ch, max_size=4)),
                           max_leaves=12)
record_like = st.fixed_dictionaries({}, optional={
    "key": json_values, "kind": st.sampled_from(["loadcell", 3]), "method": json_values, "params": json_values,
    "residual": json_values, "created_utc": st.one_of(st.just("2026-01-01T00:00:00+00:00"), st.text(max_size=12)),
    "version": json_values})


@settings(max_examples=examples(120), deadline=None, suppress_health_check=FIX)
@given(content=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode()),
                         record_like.map(lambda v: json.dumps(v).encode())))
def test_damaged_calibration_files_are_an_input_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    """A calibration file damaged on disk (not JSON, not UTF-8, wrong shape): the store says which
    file, as an InputError (the CLI's one line), never a JSONDecodeError or AttributeError."""
    from calibration.store import CalibrationStore

    d = tmp_path / "cal" / "GRIP-1" / "loadcell"
    d.mkdir(parents=True, exist_ok=True)
    (d / "v0001.json").write_bytes(content)
    store = CalibrationStore(tmp_path / "cal")
    try:
        status, rec = store.status("GRIP-1", "loadcell")
    except InputError as exc:
        assert "v0001.json" in str(exc)
        return
    assert status in ("ok", "stale") and rec is not None
