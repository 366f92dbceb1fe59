"""Tidy CSV/Parquet exports with a data dictionary, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from _storage_db import record_demo_session, record_sensor_session, stored_landmarks
from sqlalchemy import select

from station.core import InputError
from station.export import export, select_sessions
from station.export.tables import DICTIONARY
from station.storage import open_database
from station.storage import schema as S
from station.storage.db import Database


def test_parquet_unpacks_landmarks_into_tidy_columns_with_session_time(db: Database, tmp_path: Path) -> None:
    sid = record_demo_session(db, "P-001")
    out = tmp_path / "pq"
    summary = export(db, [sid], "parquet", out)
    assert {p.name for p in summary.files} >= {f"{t}.parquet" for t in DICTIONARY} | {"data_dictionary.json"}
    lm = pq.read_table(out / "landmarks.parquet").to_pandas()
    stored = stored_landmarks(db, sid)
    n_hand = sum(1 for r in stored if r["kind"] == "hand")
    n_pose = sum(1 for r in stored if r["kind"] == "pose")
    assert len(lm) == 21 * n_hand + 33 * n_pose and n_hand > 50 and n_pose > 50
    t0 = db.session(sid)["clock_start_ns"]
    # one stored observation == its unpacked rows, bit for bit
    r = stored[10]
    rows = lm[(lm.t_ns == r["t_ns"]) & (lm.kind == r["kind"])].sort_values("landmark")
    arr = r["data"]
    np.testing.assert_array_equal(rows[["x", "y", "z", "visibility"]].to_numpy(np.float32), arr)
    assert rows.landmark_name.iloc[8] == "index_finger_tip" and rows.frame_seq.iloc[0] == r["frame_seq"]
    assert rows.t_s.iloc[0] == pytest.approx((r["t_ns"] - t0) / 1e9)
    trials = pq.read_table(out / "trials.parquet").to_pandas()
    t_start = int(trials.t_start_ns.iloc[0])
    assert rows.t_trial_s.iloc[0] == pytest.approx((r["t_ns"] - t_start) / 1e9)
    pose = lm[lm.kind == "pose"]
    assert set(pose.landmark_name) >= {"left_hip", "right_ankle", "nose"}
    ev = pq.read_table(out / "events.parquet").to_pandas()
    assert len(ev) == len(db.rows(S.events, sid)) > 0 and set(ev.kind) >= {"jump"}


def test_csv_matches_parquet_and_the_dictionary_documents_every_column(db: Database, tmp_path: Path) -> None:
    ids = [record_demo_session(db, "P-001", seconds=4), record_sensor_session(db, "P-002")[0]]
    export(db, ids, "csv", tmp_path / "csv")
    export(db, ids, "parquet", tmp_path / "pq")
    d = json.loads((tmp_path / "csv" / "data_dictionary.json").read_text())
    assert "session clock" in d["time_base"] and d["sessions"] == ids
    for name in DICTIONARY:
        c = pacsv.read_csv(tmp_path / "csv" / f"{name}.csv")
        p = pq.read_table(tmp_path / "pq" / f"{name}.parquet")
        assert c.column_names == p.column_names == list(d["tables"][name]["columns"])
        assert c.num_rows == p.num_rows == d["rows"][name], name
        for col, spec in d["tables"][name]["columns"].items():
            assert spec["definition"] and "unit" in spec, (name, col)
    assert d["metric_definitions"]["grip_squeeze"]["peak_n"] == {"unit": "N", "definition": "highest force in the trial"}
    assert "mean_dev" in d["metric_definitions"]["tracing"]


def test_samples_are_long_with_channel_and_unit(db: Database, tmp_path: Path) -> None:
    sid, samples = record_sensor_session(db, "P-002", n=200)
    export(db, [sid], "parquet", tmp_path / "pq")
    s = pq.read_table(tmp_path / "pq" / "samples.parquet").to_pandas()
    assert len(s) == 200 and set(s.channel) == {"force"} and set(s.unit) == {"N"}
    np.testing.assert_allclose(s.value.to_numpy(), [x.values[0] for x in samples])
    assert list(s.seq) == list(range(200)) and int(((s["flags"] & 2) != 0).sum()) == 1
    dev = pq.read_table(tmp_path / "pq" / "devices.parquet").to_pandas()
    assert dev.serial.iloc[0] == "SN0042" and dev.rate_hz.iloc[0] == 100.0
    cal = pq.read_table(tmp_path / "pq" / "calibrations.parquet").to_pandas()
    assert cal.kind.iloc[0] == "loadcell" and json.loads(cal.params.iloc[0])["gain"] == 0.0123 and cal.version.iloc[0] == 3


def test_dates_shift_consistently_per_participant_and_ages_are_whole_years(db: Database, tmp_path: Path) -> None:
    a = record_demo_session(db, "P-001", seconds=3, day=1)
    b = record_demo_session(db, "P-001", seconds=3, day=5)
    c = record_sensor_session(db, "P-002")[0]
    db.update_participant("P-001", birth_year=2019, birth_month=5)
    export(db, [a, c], "parquet", tmp_path / "one", shift_dates=True)
    export(db, [b], "parquet", tmp_path / "two", shift_dates=True)
    one = pq.read_table(tmp_path / "one" / "sessions.parquet").to_pandas().set_index("session_id")
    two = pq.read_table(tmp_path / "two" / "sessions.parquet").to_pandas().set_index("session_id")
    real = {s: datetime.fromisoformat(db.session(s)["utc_start"]) for s in (a, b, c)}
    shift_a = real[a] - datetime.fromisoformat(one.utc_start[a])
    shift_b = real[b] - datetime.fromisoformat(two.utc_start[b])
    assert shift_a == shift_b == timedelta(days=db.date_shift_days("P-001"))  # same participant, same shift
    assert one.date_shift_days[c] == db.date_shift_days("P-002")
    assert datetime.fromisoformat(one.utc_start[a]).year <= 1925
    assert one.age_years[a] == 6  # born 2019-05, session 2026-03: six completed years
    assert np.isnan(one.age_years[c]) or one.age_years[c] is None
    plain = tmp_path / "plain"
    export(db, [a], "csv", plain)
    assert pacsv.read_csv(plain / "sessions.csv").column("utc_start")[0].as_py().isoformat().startswith("2026-03-01")


def test_files_are_owner_only_and_every_export_is_audited(db: Database, tmp_path: Path) -> None:
    sid = record_demo_session(db, "P-001", seconds=3)
    out = tmp_path / "x"
    export(db, [sid], "csv", out, shift_dates=True)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for p in out.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    with db.engine.connect() as c:
        rows = c.execute(select(S.audit.c.detail).where(S.audit.c.action == "export")).scalars().all()
    assert len(rows) == 1 and rows[0]["sessions"] == [sid] and rows[0]["shift_dates"] is True and rows[0]["format"] == "csv"


def test_bad_destinations_and_selections_write_nothing(db: Database, tmp_path: Path) -> None:
    sid = record_demo_session(db, "P-001", seconds=3)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("x")
    with pytest.raises(InputError, match="not empty"):
        export(db, [sid], "csv", full)
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    with pytest.raises(InputError, match="unknown session"):
        select_sessions(db, session="nope-nope")
    with pytest.raises(InputError, match="unknown participant"):
        select_sessions(db, participant="P-404")
    with pytest.raises(InputError, match="name what to export"):
        select_sessions(db, session=sid, all_=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    export(db, [sid], "parquet", empty)  # an existing empty folder is fine
    assert (empty / "landmarks.parquet").is_file()
    assert not list(tmp_path.glob(".*partial*"))
    with db.engine.connect() as c:
        assert len(c.execute(select(S.audit.c.id).where(S.audit.c.action == "export")).all()) == 1


def test_cli_export_and_its_errors(tmp_path: Path, station_home: Path) -> None:
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    sid = record_demo_session(db, "P-001", seconds=3)
    db.dispose()
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home))

    def station(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "station", *args], capture_output=True, text=True, env=env, timeout=120)

    r = station("export", sid[:8], "--format", "csv", "--out", str(tmp_path / "ok"))
    assert r.returncode == 0, r.stderr
    assert "exported 1 session(s) as csv" in r.stdout and (tmp_path / "ok" / "landmarks.csv").is_file()
    for args, msg in (
        (("export", sid, "--format", "csv", "--out", str(tmp_path / "ok")), "not empty"),
        (("export", "ffffffff", "--format", "csv", "--out", str(tmp_path / "new1")), "unknown session"),
        (("export", "--participant", "P-404", "--out", str(tmp_path / "new2")), "unknown participant"),
        (("export", "--all", "--format", "xls", "--out", str(tmp_path / "new3")), "unknown export format"),
    ):
        r = station(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and msg in r.stderr, r.stderr
    assert not (tmp_path / "new1").exists() and not (tmp_path / "new2").exists() and not (tmp_path / "new3").exists()


def test_video_leaves_only_when_asked(db: Database, tmp_path: Path, station_home: Path) -> None:
    from station.storage import Recorder

    sid = record_demo_session(db, "P-001", seconds=3)
    video = station_home / "sessions" / sid / "camera.mkv"
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"\x1aE\xdf\xa3video")
    rec = Recorder(db, sid)
    rec.record_file("video", f"sessions/{sid}/camera.mkv", size=9)
    rec.close()
    export(db, [sid], "bids", tmp_path / "plain")
    assert not list((tmp_path / "plain").rglob("*.mkv"))
    export(db, [sid], "csv", tmp_path / "with", include_video=True, data_root=station_home)
    assert (tmp_path / "with" / "video" / sid / "camera.mkv").read_bytes() == video.read_bytes()
    export(db, [sid], "bids", tmp_path / "bids", include_video=True, data_root=station_home)
    assert (tmp_path / "bids" / "sourcedata" / "video" / sid / "camera.mkv").is_file()
    video.unlink()
    with pytest.raises(InputError, match="video is missing"):
        export(db, [sid], "csv", tmp_path / "missing", include_video=True, data_root=station_home)
    assert not (tmp_path / "missing").exists()
