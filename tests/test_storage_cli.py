"""The data commands: sessions, participants (add/show/forget), progress; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from _storage_db import record_demo_session, record_sensor_session
from sqlalchemy import func, select

from station.cli import main
from station.cli.data import progress_rows, sparkline
from station.storage import Recorder, open_database
from station.storage import schema as S
from station.storage.streams import count_stored


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_sessions_list_and_show(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = open_database(url)
    a = record_demo_session(db, "P-001", seconds=4, day=1)
    b = record_sensor_session(db, "P-002")[0]
    db.dispose()
    code, out, _ = run(capsys, "sessions", "list", "--db", url)
    assert code == 0 and a in out and b in out and "2 session(s)" in out
    assert out.index(b) < out.index(a)  # newest first
    code, out, _ = run(capsys, "sessions", "list", "--participant", "P-001", "--db", url)
    assert code == 0 and a in out and b not in out
    code, out, _ = run(capsys, "sessions", "show", a[:8], "--db", url)
    assert code == 0 and "trial 1: tracing" in out and "mean_dev" in out and "perpendicular distance" in out
    code, out, _ = run(capsys, "sessions", "show", b, "--db", url)
    assert "grip0 (MSG-1 sn SN0042)" in out and "loadcell SN0042 v3" in out
    for args, msg in ((("sessions", "show", "00000000"), "unknown session"),
                      (("sessions", "list", "--participant", "P-404"), "unknown participant")):
        code, out, err = run(capsys, *args, "--db", url)
        assert code == 2 and err.startswith(f"error: {msg}") and err.count("\n") == 1


def test_participants_add_show_and_progress(url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = open_database(url)
    for day in (1, 8, 15):
        record_demo_session(db, "P-001", seconds=4, seed=day, day=day)
    db.dispose()
    code, out, err = run(capsys, "participants", "add", "P-001", "--born", "2019-13", "--db", url)
    assert code == 2 and "YYYY-MM" in err
    code, out, _ = run(capsys, "participants", "add", "P-001", "--born", "2019-05", "--hand", "left", "--db", url)
    assert code == 0 and "birth_year=2019" in out
    code, out, _ = run(capsys, "participants", "list", "--db", url)
    assert code == 0 and "P-001" in out and "2019-05" in out and "│ 3 " in out
    # the sessions were played by the simulated child: listed and marked, but left out of the progress unless asked
    code, out, _ = run(capsys, "participants", "show", "P-001", "--db", url)
    assert code == 0 and "3 session(s)" in out and "SIMULATED" in out and "mean_dev" not in out
    assert "3 simulated or failed session(s) left out (--include-simulated shows them)" in out
    code, out, _ = run(capsys, "progress", "P-001", "--db", url)
    assert code == 0 and "no numeric metrics recorded" in out and "3 simulated or failed session(s) left out" in out
    code, out, _ = run(capsys, "participants", "show", "P-001", "--include-simulated", "--db", url)
    assert code == 0 and "3 session(s)" in out and "progress per metric" in out and "mean_dev" in out
    chart = tmp_path / "p.png"
    code, out, _ = run(capsys, "progress", "P-001", "--include-simulated", "--exercise", "tracing", "--metric", "mean_dev", "--metric", "sparc", "--chart", str(chart), "--db", url)
    assert code == 0 and chart.read_bytes()[:4] == b"\x89PNG"
    assert "mean_dev" in out and "sparc" in out and "jumps" not in out
    code, _, err = run(capsys, "progress", "P-404", "--db", url)
    assert code == 2 and "unknown participant" in err


def test_progress_grouping_and_sparkline() -> None:
    hist = [
        {"session_id": "a", "utc_start": "2026-01-01", "exercise": "t", "name": "m", "unit": "px", "value": 1.0},
        {"session_id": "a", "utc_start": "2026-01-01", "exercise": "t", "name": "m", "unit": "px", "value": 3.0},
        {"session_id": "b", "utc_start": "2026-01-08", "exercise": "t", "name": "m", "unit": "px", "value": 5.0},
    ]
    assert progress_rows(hist) == {("t", "m", "px"): [("a", "2026-01-01", 2.0), ("b", "2026-01-08", 5.0)]}
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█" and sparkline([2, 2]) == "▄▄" and sparkline([]) == ""


def test_forget_removes_database_rows_and_files_and_says_what(url: str, capsys: pytest.CaptureFixture[str], station_home: Path) -> None:
    from station.paths import session_dir

    db = open_database(url)
    gone = [record_demo_session(db, "P-001", seconds=3, day=d) for d in (1, 2)]
    kept = record_sensor_session(db, "P-002")[0]
    for sid in [*gone, kept]:
        (session_dir(sid) / "report.html").write_text("r")
    video = station_home / "videos" / "v1.mkv"
    video.parent.mkdir(parents=True)
    video.write_bytes(b"\0" * 10)
    rec = Recorder(db, gone[0])
    rec.record_file("video", "videos/v1.mkv", size=10)
    rec.close()
    from station.export import export

    export(db, gone, "csv", station_home.parent / "exp")
    code, out, err = run(capsys, "participants", "forget", "P-001", "--yes", "--db", url)
    assert code == 0, err
    assert "forgot participant P-001: 2 session(s)" in out and "landmark_blocks" in out
    assert str(station_home / "sessions" / gone[0]) in out and str(video) in out
    assert f"earlier export containing P-001 went to {(station_home.parent / 'exp').resolve()}" in out
    assert not video.exists() and not (station_home / "sessions" / gone[0]).exists()
    assert (station_home / "sessions" / kept / "report.html").exists()
    with db.engine.connect() as c:
        for table in (S.landmark_blocks, S.sample_blocks, S.landmarks, S.events, S.metrics, S.trials, S.files):
            assert c.execute(select(func.count()).select_from(table).where(table.c.session_id.in_(gone))).scalar_one() == 0
        assert c.execute(select(func.count()).select_from(S.participants).where(S.participants.c.code == "P-001")).scalar_one() == 0
        assert count_stored(c, "samples") > 0
    code, _, err = run(capsys, "participants", "forget", "P-001", "--yes", "--db", url)
    assert code == 2 and "unknown participant" in err
    db.dispose()


def test_progress_of_a_metric_never_recorded_is_refused_in_one_line(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = open_database(url)
    record_demo_session(db, "P-001", seconds=2)
    db.dispose()
    code, _, err = run(capsys, "progress", "P-001", "--metric", "nosuchmetric", "--db", url)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: no metric called 'nosuchmetric' has been recorded") and "mean_dev" in err


def test_a_killed_session_shows_a_dash_not_none_for_its_reps(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import update

    db = open_database(url)
    sid = record_demo_session(db, "P-001", seconds=2)
    with db.engine.begin() as c:  # what a SIGKILL leaves: the trial was never closed
        c.execute(update(S.trials).where(S.trials.c.session_id == sid).values(reps=None, t_end_ns=None))
    db.dispose()
    code, out, _ = run(capsys, "sessions", "show", sid, "--db", url)
    assert code == 0 and "None" not in out and "· – reps ·" in out
