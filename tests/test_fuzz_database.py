"""A damaged database file (bytes flipped or cut on disk, another program's file in its place): the
data commands open it and work, or end with one ``error:`` line and exit code 2; never a traceback.

The database is a real one: a short recorded session (simulated child, FakeClock), checkpointed so
everything is in the main file, then damaged at random places.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _fuzz import examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from station.cli import main


@pytest.fixture(scope="module")
def recorded_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from sqlalchemy import text

    from station.core import FakeClock
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner
    from station.storage import open_database

    path = tmp_path_factory.mktemp("db") / "station.db"
    db = open_database(f"sqlite:///{path}")
    summary = SessionRunner(db, "P-DB-1", FakeClock()).run(simulated_trials(DemoOptions(seconds=3)))
    with db.engine.connect() as c:
        c.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    db.dispose()
    return path, summary.session_id


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@example(cut=None, flips=[(0.46875, 128)])  # found in CI: schema text that is not UTF-8 (UnicodeDecodeError from sqlite3)
@given(cut=st.one_of(st.none(), st.floats(0.0, 1.0)),
       flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), max_size=30))
def test_damaged_database_is_read_or_refused_in_one_line(recorded_db: tuple[Path, str], tmp_path: Path, cut: float | None,
                                                        flips: list[tuple[float, int]], capsys: pytest.CaptureFixture[str]) -> None:
    src, sid = recorded_db
    data = bytearray(src.read_bytes())
    if cut is not None:
        data = data[: int(len(data) * cut)]
    for pos, mask in flips:
        if data:
            data[min(len(data) - 1, int(pos * len(data)))] ^= mask
    path = tmp_path / "station.db"
    for p in tmp_path.glob("station.db*"):
        p.unlink()
    path.write_bytes(bytes(data))
    url = f"sqlite:///{path}"
    for args in (["sessions", "list", "--db", url], ["sessions", "show", sid, "--db", url]):
        code, err = _run(args, capsys)
        assert code in (0, 2), err
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error:"), err


def test_a_file_that_is_no_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "station.db"
    shutil.copy(Path(__file__), path)  # some other file where the database should be
    code, err = _run(["sessions", "list", "--db", f"sqlite:///{path}"], capsys)
    assert code == 2 and err.startswith("error: the database file is damaged or is no SQLite database"), err


def _two_sessions(tmp_path: Path) -> tuple[str, list[str]]:
    from station.core import FakeClock
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner
    from station.storage import open_database

    url = f"sqlite:///{tmp_path / 'station.db'}"
    db = open_database(url)
    ids = [SessionRunner(db, "P-DB-1", FakeClock()).run(simulated_trials(DemoOptions(seconds=1))).session_id for _ in range(2)]
    db.dispose()
    return url, ids


@pytest.mark.parametrize("damage", ["CAST(X'7b2266ff' AS TEXT)", "'{not json'"], ids=["not-utf8", "not-json"])
def test_a_damaged_session_row_is_skipped_and_named_the_rest_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                    damage: str) -> None:
    import sqlite3

    url, (bad, good) = _two_sessions(tmp_path)
    with sqlite3.connect(tmp_path / "station.db") as con:
        con.execute(f"UPDATE sessions SET header = {damage} WHERE id = ?", (bad,))
    code = main(["sessions", "list", "--db", url])
    out, err = capsys.readouterr()
    assert code == 2
    assert good in out and bad not in out  # the readable session is listed, the damaged one is not
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the database is damaged: 1 damaged row(s) skipped"), err
    assert f"sessions row {bad[:8]} (header)" in lines[0]
    # the damaged session itself: one line naming it; the other still shows
    assert main(["sessions", "show", bad, "--db", url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"session {bad} cannot be read (header)" in err[0]
    assert main(["sessions", "show", good, "--db", url]) == 0


def test_a_damaged_value_stops_other_commands_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    url, (bad, _good) = _two_sessions(tmp_path)
    with sqlite3.connect(tmp_path / "station.db") as con:
        con.execute("UPDATE trials SET settings = CAST(X'7b22ff' AS TEXT) WHERE session_id = ?", (bad,))
    code = main(["export", "--all", "--db", url, "--format", "csv", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: the database is damaged: a stored text is not valid UTF-8"), err


def test_a_stored_json_number_too_long_for_python_stops_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """json.loads raises a plain ValueError (no .msg/.pos) for an integer over Python's 4300-digit limit."""
    import sqlite3

    url, (bad, _good) = _two_sessions(tmp_path)
    with sqlite3.connect(tmp_path / "station.db") as con:
        con.execute("UPDATE trials SET settings = ? WHERE session_id = ?", ('{"a": ' + "9" * 5000 + "}", bad))
    code = main(["export", "--all", "--db", url, "--format", "csv", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: the database is damaged: a stored JSON value does not parse"), err
