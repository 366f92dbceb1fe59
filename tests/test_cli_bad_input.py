"""Every ``station`` subcommand answers bad input (a missing file, an unknown id, a bad value, an unknown
option) with exactly one line ``error: ...`` on stderr and exit code 2; never a traceback, never a
usage box, and nothing written to the database.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from station.cli import main

CASES: list[tuple[list[str], str]] = [
    (["sessions", "list", "--limit", "abc"], "Invalid value for '--limit'"),
    (["sessions", "lst"], "No such command 'lst'"),
    (["sessions", "show", "00000000"], "unknown session"),
    (["sessions", "list", "--participant", "P-404"], "unknown participant"),
    (["participants", "show", "P-404"], "unknown participant"),
    (["participants", "show"], "Missing argument"),
    (["participants", "add", "Emma Johnson"], "invalid participant code"),
    (["participants", "add", "P-017", "--born", "2030-01"], "in the future"),
    (["participants", "add", "P-017", "--hand", "both"], "unknown dominant hand"),
    (["participants", "forget", "P-404", "--yes"], "unknown participant"),
    (["progress", "P-404"], "unknown participant"),
    (["report", "00000000"], "unknown session"),
    (["export", "--all", "--format", "nope", "--out", "{tmp}/ex"], "unknown export format"),
    (["export", "--format", "csv", "--out", "{tmp}/ex"], "name what to export"),
    (["exercises", "nosuch"], "unexpected extra argument"),
    (["run", "--exercise", "juggling"], "unknown exercise"),
    (["goals", "add", "P-017", "--exercise", "tracing", "--metric", "jumps", "--at-most", "5"], "does not declare a metric 'jumps'"),
    (["goals", "add", "P-017", "--exercise", "tracing", "--metric", "mean_dev", "--at-most", "5", "--unit", "cm"], "not 'cm'"),
    (["goals", "add", "P-017", "--exercise", "tracing", "--metric", "mean_dev", "--at-most", "5", "--in", "often"], "unknown criterion"),
    (["goals", "add", "P-017", "--exercise", "tracing", "--metric", "mean_dev"], "give one of --at-least or --at-most"),
    (["goals", "add", "P-017", "--exercise", "tracing", "--metric", "mean_dev", "--at-most", "5", "--by", "2027-13-01"], "is not a date"),
    (["goals", "add", "P-017", "--exercise", "tracing", "--metric", "mean_dev", "--at-most", "5", "--propose-gas"], "no baseline"),
    (["goals", "add", "P-017", "--exercise", "tracing", "--metric", "mean_dev", "--at-most", "5", "--gas", "1,2,3"], "five values"),
    (["goals", "list", "P-404"], "unknown participant"),
    (["goals", "show", "00000000"], "no such goal"),
    (["goals", "retire", "00000000"], "no such goal"),
    (["run", "--video", "{tmp}/none.mp4"], "video file not found"),
    (["run", "--video", "{tmp}/text.mp4", "--exercise", "squats", "--screenshot", "{tmp}/x.png", "--quit-after", "2"],
     "cannot read video"),
    (["run", "--camera", "9", "--exercise", "squats", "--screenshot", "{tmp}/x.png", "--quit-after", "2"], "camera 9"),
    (["demo", "--headless", "--camera", "/dev/no-such-camera"], "camera not found"),
    (["demo", "--headless", "--participant", "../../etc/passwd"], "invalid participant code"),
    (["analyze", "{tmp}/none.mp4", "--exercise", "squats"], "not found"),
    (["analyze", "{tmp}/none.mp4"], "no exercise given"),
    (["analyze-trace", "{tmp}/none.csv"], "trace file not found"),
    (["track", "{tmp}/none.mp4", "--out", "{tmp}/lm.parquet", "--pose"], "not found"),
    (["track", "{tmp}/none.mp4", "--out", "{tmp}/lm.parquet"], "nothing to track"),
    (["track", "{tmp}/none.mp4"], "Missing option '--out'"),
    (["calibrate", "sheet", "--kind", "nope", "--out", "{tmp}/s.pdf"], "unknown sheet kind"),
    (["calibrate", "workspace", "{tmp}/none.jpg", "--camera", "cam0"], "not found"),
    (["calibrate", "camera", "{tmp}/none.jpg", "--camera", "cam0"], "image"),
    (["devices", "simulate", "grip", "--profile", "nope", "--link", "{tmp}/g"], "unknown grip profile"),
    (["devices", "record", "/dev/no-such-port", "--seconds", "1", "--out", "{tmp}/r.csv"], "cannot open serial port"),
    (["devices", "calibrate", "/dev/no-such-port", "--known", "1", "--yes"], "cannot open serial port"),
    (["devices", "calibrate", "sim://grip", "--known", "-1", "--yes"], "--known"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a[:3]) if a[0] != "goals" else " ".join(a[:2] + a[-2:]) for a, _ in CASES])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, tmp_path: Path, station_home: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "text.mp4").write_text("not a video\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = main(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, (argv, code, out[-500:], err)
    assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
    assert message in lines[0], (argv, lines[0])
    assert "Traceback" not in err and "Usage:" not in err
    db = station_home / "station.db"
    if db.exists():  # a command may open (and so create) the database, but must write no participant or session
        from station.storage import open_database

        d = open_database(f"sqlite:///{db}")
        try:
            assert d.list_participants() == [] and d.list_sessions() == []
        finally:
            d.dispose()
