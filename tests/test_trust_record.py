"""Trust in the record (#14): only real, labelled data in a child's history; honest errors and exit codes.

Every test drives the real CLI as a subprocess (offscreen Qt where a window opens) and checks the exit
code, that stderr has no traceback, and what the database holds afterwards.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage
from sqlalchemy import create_engine, select, text

from station.storage import open_database
from station.storage import schema as S

ROOT = Path(__file__).resolve().parents[1]


def _station(*args: str, home: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MOTOR_STATION_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    env.pop("MOTOR_STATION_DB", None)
    return subprocess.run([sys.executable, "-m", "station", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _errors(stderr: str) -> list[str]:
    """The station's own error lines (Qt's offscreen plugin may add harmless notices)."""
    return [ln for ln in stderr.splitlines() if ln.startswith("error:")]


def _one_line_refusal(r: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("error:") and r.stderr.count("\n") == 1, r.stderr
    for n in needles:
        assert n in r.stderr, (n, r.stderr)


def _sessions(db_path: Path) -> list[dict]:
    if not db_path.exists():
        return []
    db = open_database(f"sqlite:///{db_path}")
    try:
        with db.engine.connect() as c:
            return [dict(r) for r in c.execute(select(S.sessions)).mappings()]
    finally:
        db.dispose()


def _blank_video(path: Path, frames: int = 45) -> Path:
    """A real, decodable video in which no hand or body ever appears (a grey wall)."""
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (320, 240))
    assert w.isOpened()
    for k in range(frames):
        img = np.full((240, 320, 3), 120 + (k % 5), np.uint8)
        w.write(img)
    w.release()
    return path


# -- no silent stand-ins ------------------------------------------------------------------------


def test_run_without_any_input_refuses_naming_the_flags(station_home: Path) -> None:
    """The README's first therapist command on a station with no webcam: refused, nothing recorded."""
    r = _station("run", "--participant", "P-017", "--exercise", "tracing", home=station_home)
    _one_line_refusal(r, "no camera found", "--camera N", "--video PATH", "--simulated")
    assert _sessions(station_home / "station.db") == []


def test_grip_exercise_without_a_grip_refuses(station_home: Path) -> None:
    r = _station("run", "--exercise", "grip_squeeze", "--participant", "P-017", home=station_home)
    _one_line_refusal(r, "--grip PORT")
    assert _sessions(station_home / "station.db") == []
    # with a camera but still no grip device: the device is named, never simulated behind the therapist's back
    clip = ROOT / "tests" / "media" / "body" / "squats_5.mp4"
    r = _station("run", "--video", str(clip), "--exercise", "grip_squeeze", "--participant", "P-017", home=station_home)
    _one_line_refusal(r, "needs a grip device", "--grip PORT")
    assert _sessions(station_home / "station.db") == []


@pytest.mark.parametrize("command", [
    ["run", "--simulated", "--exercise", "tracing", "--screenshot", "x.png", "--quit-after", "5"],
    ["run", "--exercise", "grip_squeeze", "--grip", "sim://grip", "--screenshot", "x.png", "--quit-after", "5"],
    ["demo", "--headless", "--fast", "--simulated", "--seconds", "2"],
])
def test_simulated_data_never_goes_under_a_real_code(command: list[str], station_home: Path, tmp_path: Path) -> None:
    db = tmp_path / "named.db"
    r = _station(*command, "--participant", "P-017", "--db", f"sqlite:///{db}", home=station_home)
    _one_line_refusal(r, "P-017", "DEMO-")
    assert _sessions(db) == [] and _sessions(station_home / "station.db") == []


def test_screenshot_runs_record_into_a_throwaway_database(station_home: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    r = _station("run", "--simulated", "--exercise", "tracing", "--screenshot", str(shot), "--quit-after-frames", "20",
                 "--quit-after", "120", home=station_home)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and shot.is_file()
    assert "throw-away database" in r.stdout
    assert _sessions(station_home / "station.db") == []  # nothing in the station's real database
    sid = next(ln.split()[1] for ln in r.stdout.splitlines() if ln.startswith("session: "))
    report = Path(next(ln.split(" ", 1)[1] for ln in r.stdout.splitlines() if ln.startswith("report: ")))
    assert report.is_file() and sid in report.read_text() and "SIMULATED" in report.read_text()
    scratch = report.parent.parent
    (sess,) = _sessions(scratch / "station.db")
    assert sess["id"] == sid and sess["participant"] == "DEMO-001" and sess["simulated"] and sess["source"] == "simulated"


# -- failed is not complete ------------------------------------------------------------------


def test_a_video_that_never_shows_the_child_is_a_failed_trial(station_home: Path, tmp_path: Path) -> None:
    """Real MediaPipe on a real (grey) video: no hand in any frame -> failed with its reason, no stars, the
    child screen shows the neutral 'try again' arrow, exit 2; the child's history and progress stay clean."""
    video = _blank_video(tmp_path / "wall.mp4")
    db_path = tmp_path / "clinic.db"
    url = f"sqlite:///{db_path}"
    shot = tmp_path / "failed.png"
    r = _station("run", "--video", str(video), "--exercise", "tracing", "--participant", "P-017", "--db", url,
                 "--screenshot", str(shot), "--quit-after-frames", "100000", "--quit-after", "150", home=station_home)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    (err,) = _errors(r.stderr)
    assert "failed" in err and "no hand or body" in err
    (sess,) = _sessions(db_path)
    assert sess["status"] == "failed" and not sess["simulated"] and sess["source"] == "video:wall.mp4" and sess["place"] == "clinic"
    assert f"session: {sess['id']} (failed" in r.stdout and "report: " in r.stdout
    db = open_database(url)
    try:
        (trial,) = db.rows(S.trials, sess["id"])
    finally:
        db.dispose()
    assert trial["status"] == "failed" and "no hand or body" in trial["reason"] and trial["source"] == "video:wall.mp4"
    # the child saw no stars and no confetti, but the calm blue arrow
    child = QImage(str(tmp_path / "failed_child.png"))
    assert not child.isNull()
    yellow, blue = QColor("#F0E442"), QColor("#0072B2")

    def count(c: QColor) -> int:
        img = child.convertToFormat(QImage.Format.Format_RGB888)
        arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3]
        rgb = arr.reshape(img.height(), img.width(), 3).astype(int)
        return int((np.abs(rgb - np.array([c.red(), c.green(), c.blue()])).max(axis=2) <= 30).sum())

    assert count(yellow) < 200 and count(blue) > 2000
    # shown as failed everywhere, and left out of the progress
    r = _station("sessions", "show", sess["id"], "--db", url, home=station_home)
    assert r.returncode == 0 and "FAILED: video:wall.mp4 showed no hand or body" in r.stdout.replace("\n", " ")
    r = _station("progress", "P-017", "--db", url, home=station_home)
    assert r.returncode == 0 and "1 simulated or failed session(s) left out" in r.stdout
    r = _station("report", sess["id"], "--pdf", "--out", str(tmp_path / "r.html"), "--db", url, home=station_home)
    assert r.returncode == 0, r.stderr
    assert "FAILED: trial 1 (tracing)" in (tmp_path / "r.html").read_text()


# -- provenance everywhere ---------------------------------------------------------------------


def test_provenance_in_listings_progress_and_exports(station_home: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    r = _station("demo", "--headless", "--fast", "--simulated", "--seconds", "3", "--place", "home", "--db", url, home=station_home)
    assert r.returncode == 0, r.stderr
    assert "SIMULATED" in r.stdout and "place home" in r.stdout
    (sess,) = _sessions(tmp_path / "p.db")
    assert sess["simulated"] and sess["place"] == "home" and sess["participant"] == "DEMO-001"
    assert sess["source"].startswith("simulated")
    r = _station("sessions", "list", "--db", url, home=station_home)
    assert r.returncode == 0 and "SIMULATED" in r.stdout and "home" in r.stdout
    r = _station("participants", "show", "DEMO-001", "--db", url, home=station_home)
    assert r.returncode == 0 and "SIMULATED" in r.stdout and "progress per metric" not in r.stdout
    r = _station("progress", "DEMO-001", "--db", url, home=station_home)
    assert r.returncode == 0 and "left out (--include-simulated shows them)" in r.stdout
    r = _station("progress", "DEMO-001", "--include-simulated", "--db", url, home=station_home)
    assert r.returncode == 0 and "progress per metric" in r.stdout
    out = tmp_path / "csv"
    r = _station("export", "--all", "--format", "csv", "--out", str(out), "--db", url, home=station_home)
    assert r.returncode == 0, r.stderr
    (sessions_csv,) = out.rglob("sessions.csv")
    (row,) = list(csv.DictReader(sessions_csv.read_text().splitlines()))
    assert row["simulated"].lower() == "true" and row["place"] == "home" and row["source"].startswith("simulated")
    (trials_csv,) = out.rglob("trials.csv")
    assert all(t["simulated"].lower() == "true" for t in csv.DictReader(trials_csv.read_text().splitlines()))
    r = _station("run", "--simulated", "--exercise", "tracing", "--place", "garden", "--db", url, home=station_home)
    _one_line_refusal(r, "unknown place 'garden'")


def test_old_sessions_made_by_a_simulator_are_marked_by_the_migration(url: str) -> None:
    """A database at revision 0002 holding a simulated-child session, a pty-simulator session and a camera
    session: opening it migrates to the newest revision (0005 provenance) and marks exactly the first two simulated."""
    from alembic import command

    from station.storage.db import _alembic_config

    headers = {
        "s-sim": {"config": {"source": "simulated", "trials": [{"exercise": "tracing", "source": "synthetic"}]}},
        "s-pty": {"config": {"source": "camera:0", "trials": [{"exercise": "jumps", "source": "camera:0"},
                                                               {"exercise": "grip_squeeze", "source": "simulator:grip"}]}},
        "s-cam": {"config": {"source": "camera:0", "trials": [{"exercise": "jumps", "source": "camera:0"}]}},
    }
    eng = create_engine(url)
    with eng.begin() as c:
        command.upgrade(_alembic_config(c), "0002")
        c.execute(text("INSERT INTO participants (code, notes, created_utc) VALUES ('P-OLD-2', '', '2025-01-01')"))
        for sid, h in headers.items():
            c.execute(text("INSERT INTO sessions (id, participant, utc_start, clock_start_ns, status, header, notes) "
                           "VALUES (:id, 'P-OLD-2', '2025-01-01T10:00:00+00:00', 0, 'complete', :h, '')"),
                      {"id": sid, "h": json.dumps(h)})
            for i, t in enumerate(h["config"]["trials"]):
                c.execute(text("INSERT INTO trials (session_id, trial, exercise, settings, t_start_ns) "
                               "VALUES (:id, :i, :ex, '{}', 0)"), {"id": sid, "i": i, "ex": t["exercise"]})
    eng.dispose()
    db = open_database(url)
    try:
        with db.engine.connect() as c:
            rows = {r.id: r for r in c.execute(select(S.sessions))}
            trials = {(r.session_id, r.trial): r for r in c.execute(select(S.trials))}
            version = c.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        db.dispose()
    assert version == f"{S.SCHEMA_VERSION:04d}" and S.SCHEMA_VERSION >= 5  # migrated to the head, through 0005
    assert rows["s-sim"].simulated and rows["s-sim"].source == "simulated"
    assert rows["s-pty"].simulated and rows["s-pty"].source == "camera:0+simulator:grip"
    assert not rows["s-cam"].simulated and rows["s-cam"].source == "camera:0"
    assert all(r.place == "clinic" for r in rows.values())
    assert trials[("s-pty", 1)].simulated and not trials[("s-pty", 0)].simulated
    assert all(t.status == "complete" for t in trials.values())


# -- the windowed demo ends by itself ------------------------------------------------------


def test_windowed_demo_ends_after_its_protocol_with_a_report(station_home: Path) -> None:
    r = _station("demo", "--window", "--seconds", "3", home=station_home, timeout=240)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    (sess,) = _sessions(station_home / "station.db")
    assert sess["status"] == "complete" and sess["simulated"] and sess["participant"] == "DEMO-001"
    assert f"session: {sess['id']} (complete" in r.stdout and "SIMULATED" in r.stdout
    report = Path(next(ln.split(" ", 1)[1] for ln in r.stdout.splitlines() if ln.startswith("report: ")))
    assert report.is_file() and report.parent.name == sess["id"]


def test_a_saved_plan_for_a_real_child_is_not_played_by_the_simulated_child(station_home: Path, tmp_path: Path) -> None:
    from station.plans import PlanItem, SessionPlan, save_plan

    plan = save_plan(SessionPlan(participant="P-302", items=[PlanItem(exercise="bunny_hops", reps=3)]), tmp_path / "p.toml")
    db = tmp_path / "named.db"
    r = _station("run", "--simulated", "--plan", str(plan), "--screenshot", "x.png", "--quit-after", "5",
                 "--db", f"sqlite:///{db}", home=station_home)
    _one_line_refusal(r, "P-302", "DEMO-")
    assert _sessions(db) == []
