"""One participant-code rule (station.core.codes) for every entry point; storage enforces it again.

A real name, a path or an e-mail address must never reach the database or an export.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from station.cli import main
from station.core import InputError, check_participant_code, is_demo_code, parse_birth

ROOT = Path(__file__).resolve().parents[1]
NOT_CODES = {
    "Emma Johnson": "space",
    "emma.johnson": "dot",
    "../../etc/passwd": "slash",
    "EmmaJohnson": "no digit",
    "Emma_Johnson": "no digit",
    "P/017": "slash",
    "P-" + "1" * 40: "longer than 32",
    "7": "shorter than 2",
    "-P17": "characters other than",
    "P-17é": "characters other than",
    "": "empty",
}


@pytest.mark.parametrize("code", list(NOT_CODES))
def test_the_rule_refuses_names_paths_and_says_why(code: str) -> None:
    with pytest.raises(InputError) as e:
        check_participant_code(code)
    assert NOT_CODES[code] in str(e.value) and "P-017" in str(e.value)


@pytest.mark.parametrize("code", ["P-017", "S12", "ot_clinic-2024-003", "DEMO-001", " P-9 "])
def test_the_rule_accepts_pseudonymous_codes(code: str) -> None:
    assert check_participant_code(code) == code.strip()


def test_demo_codes_are_reserved() -> None:
    assert is_demo_code("DEMO-001") and is_demo_code("demo-7") and not is_demo_code("P-017")


def test_birth_dates_are_plausible() -> None:
    today = datetime(2026, 12, 6, tzinfo=UTC)
    assert parse_birth("2019-05", today=today) == (2019, 5)
    for bad, why in [("2030-01", "future"), ("2027-01", "future"), ("1900-01", "100 years"), ("2019-13", "not a month"),
                     ("2019/05", "YYYY-MM"), ("May 2019", "YYYY-MM")]:
        with pytest.raises(InputError, match=why):
            parse_birth(bad, today=today)


def test_storage_refuses_a_name_whatever_the_entry_point(tmp_path: Path) -> None:
    from station.storage import open_database

    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    try:
        with pytest.raises(InputError, match="invalid participant code"):
            db.ensure_participant("Emma Johnson")
        assert db.list_participants() == []
    finally:
        db.dispose()


@pytest.mark.parametrize("args", [
    ["participants", "add", "Emma Johnson"],
    ["participants", "add", "emma.johnson"],
    ["participants", "add", "../../etc/passwd"],
    ["participants", "add", "P-017", "--born", "2030-01"],
])
def test_participants_add_refuses_in_one_line(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*args, "--db", f"sqlite:///{tmp_path / 's.db'}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error:"), err
    from station.storage import open_database

    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    try:
        assert db.list_participants() == []  # nothing was written
    finally:
        db.dispose()


@pytest.mark.parametrize("command", [["demo", "--headless", "--fast", "--simulated", "--seconds", "1"],
                                     ["run", "--simulated", "--exercise", "tracing", "--screenshot", "x.png", "--quit-after", "1"]])
def test_demo_and_run_refuse_a_name_before_anything_is_written(command: list[str], station_home: Path) -> None:
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-m", "station", *command, "--participant", "Emma Johnson"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: invalid participant code 'Emma Johnson'") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert not (station_home / "station.db").exists() or "Emma" not in (station_home / "station.db").read_bytes().decode("latin-1")
