"""BIDS export checked by the official validator (bids-validator-deno, offline): zero errors."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _storage_db import record_demo_session, record_sensor_session

from station.export import export, select_sessions
from station.storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = ROOT / ".venv" / "bin" / "bids-validator-deno"


def validate(dataset: Path) -> dict:  # type: ignore[type-arg]
    exe = VALIDATOR if VALIDATOR.exists() else Path(sys.executable).with_name("bids-validator-deno")
    assert exe.exists(), "bids-validator-deno is a test dependency (pip install bids-validator-deno)"
    r = subprocess.run([str(exe), "--json", str(dataset)], capture_output=True, text=True, timeout=300)
    assert r.stdout.strip(), r.stderr
    return json.loads(r.stdout)


def errors(report: dict) -> list[dict]:  # type: ignore[type-arg]
    return [i for i in report["issues"]["issues"] if i["severity"] == "error"]


def test_validator_catches_a_broken_dataset(tmp_path: Path) -> None:
    """The check below can fail: a dataset missing its description is an error."""
    (tmp_path / "sub-01").mkdir()
    (tmp_path / "participants.tsv").write_text("participant_id\nsub-01\n")
    assert errors(validate(tmp_path))


@pytest.mark.slow
def test_demo_session_exported_as_bids_has_zero_validator_errors(tmp_path: Path, station_home: Path) -> None:
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home))

    def station(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "station", *args], capture_output=True, text=True, env=env, timeout=180)

    r = station("demo", "--headless", "--seconds", "5", "--fast")
    assert r.returncode == 0, r.stderr
    r = station("participants", "add", "DEMO-001", "--born", "2019-05", "--hand", "left")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "bids"
    r = station("export", "--all", "--format", "bids", "--shift-dates", "--out", str(out))
    assert r.returncode == 0, r.stderr
    rep = validate(out)
    assert errors(rep) == []
    assert set(rep["summary"]["modalities"]) >= {"motion", "beh"}
    ses = out / "sub-DEMO001" / "ses-01"
    # the demo's simulated child: its files say so (tracksys Simulated..., acq-simulated), never MediaPipe
    assert not list(ses.rglob("*MediaPipe*")) and all("acq-simulated" in p.name for p in ses.rglob("*_beh.tsv"))
    hands = ses / "motion" / "sub-DEMO001_ses-01_task-tracing_tracksys-SimulatedHands_acq-simulated_motion.tsv"
    chans = (ses / "motion" / "sub-DEMO001_ses-01_task-tracing_tracksys-SimulatedHands_acq-simulated_channels.tsv").read_text().splitlines()
    assert chans[0].split("\t")[:5] == ["name", "component", "type", "tracked_point", "units"]
    assert chans[1].split("\t")[2] == "LATENCY"
    first = hands.read_text().splitlines()[0].split("\t")
    assert len(first) == len(chans) - 1 and first[0] == "0"  # no header; one value per channel
    side = json.loads(hands.with_name(hands.name.replace("_motion.tsv", "_motion.json")).read_text())
    assert 25 <= side["SamplingFrequency"] <= 35 and side["TaskName"] == "tracing"
    sessions_tsv = (out / "sub-DEMO001" / "sub-DEMO001_sessions.tsv").read_text().splitlines()
    assert sessions_tsv[0].split("\t")[4:] == ["source", "simulated", "place"] and sessions_tsv[1].split("\t")[5:] == ["true", "clinic"]
    parts = (out / "participants.tsv").read_text().splitlines()
    assert parts[1].split("\t") == ["sub-DEMO001", "7", "left"]
    scans = (ses / "sub-DEMO001_ses-01_scans.tsv").read_text().splitlines()[1:]
    assert scans and all(int(line.split("\t")[1][:4]) <= 1925 for line in scans)  # shifted dates
    assert "DEMO-001" not in (out / "sub-DEMO001" / "sub-DEMO001_sessions.tsv").read_text()


@pytest.mark.slow
def test_sensor_streams_become_physio_and_several_sessions_validate(db: Database, tmp_path: Path) -> None:
    record_demo_session(db, "P-001", seconds=3, day=1)
    record_demo_session(db, "P-001", seconds=3, day=2)
    _sid, samples = record_sensor_session(db, "P-002", n=150)
    out = tmp_path / "bids"
    export(db, select_sessions(db, all_=True), "bids", out)
    assert errors(validate(out)) == []
    assert (out / "sub-P001" / "ses-02").is_dir()
    beh = out / "sub-P002" / "ses-01" / "beh"
    physio = beh / "sub-P002_ses-01_task-gripsqueeze_recording-grip0_physio.tsv.gz"
    rows = gzip.open(physio, "rt").read().splitlines()
    assert len(rows) == 150
    side = json.loads(physio.with_name(physio.name.replace(".tsv.gz", ".json")).read_text())
    assert side["Columns"] == ["t", "seq", "flags", "force"] and side["SamplingFrequency"] == 100.0 and side["force"]["Units"] == "N"
    assert float(rows[0].split("\t")[3]) == pytest.approx(samples[0].values[0])
    metrics = (beh / "sub-P002_ses-01_task-gripsqueeze_beh.tsv").read_text()
    assert "peak_n\t100\tN" in metrics
    events = (beh / "sub-P002_ses-01_task-gripsqueeze_events.tsv").read_text().splitlines()
    assert events[0].split("\t")[:3] == ["onset", "duration", "trial_type"] and len(events) == 4
