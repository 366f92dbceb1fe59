"""The session loop end to end: simulated child -> scoring -> recorder -> SQLite -> report."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from _storage_db import stored_landmarks
from sqlalchemy import func, select

from station.core import FakeClock
from station.demo import DemoOptions, simulated_trials
from station.report import render_html
from station.session import SessionRunner
from station.storage import open_database
from station.storage import schema as S
from station.storage.streams import count_stored

ROOT = Path(__file__).resolve().parents[1]


def _count(db, table, session_id):  # type: ignore[no-untyped-def]
    with db.engine.connect() as c:
        if table in (S.samples, S.landmarks):
            return count_stored(c, table.name, session_id=session_id)
        return c.execute(select(func.count()).select_from(table).where(table.c.session_id == session_id)).scalar_one()


def test_session_runner_records_everything_with_fake_clock(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    clock = FakeClock(start_ns=10**12)
    states = []
    runner = SessionRunner(db, "P-0001", clock, pacing="own", on_update=states.append)
    summary = runner.run(simulated_trials(DemoOptions(seconds=20)))
    assert summary.status == "complete"
    (_t_spec, t_res), (_j_spec, j_res) = summary.results
    assert t_res.reps == 1 and t_res.metrics["completion"] == 1.0
    assert j_res.reps == j_res.metrics["jumps"] >= 5
    # pacing "own" on a fake clock: the clock advanced by the protocol's length, at no cost
    assert 18e9 <= clock.now_ns() - 10**12 <= 21e9
    sess = db.session(summary.session_id)
    assert sess["status"] == "complete" and sess["participant"] == "P-0001"
    assert sess["header"]["format"] == "motor-station-session" and sess["header"]["format_version"] == 1
    n_frames = sum(1 for s in states)
    assert _count(db, S.landmarks, summary.session_id) == n_frames
    assert _count(db, S.events, summary.session_id) == len(t_res.events) + len(j_res.events)
    assert _count(db, S.trials, summary.session_id) == 2
    with db.engine.connect() as c:
        m = c.execute(select(S.metrics.c.value).where(S.metrics.c.name == "jumps")).scalar_one()
    assert stored_landmarks(db, summary.session_id, kind="hand")[0]["data"].shape == (21, 4)
    assert m == j_res.reps
    html = render_html(db, summary.session_id)
    assert "P-0001" in html and "mean_dev" in html and "perpendicular distance" in html


def test_stop_ends_session_cleanly_and_keeps_data(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    clock = FakeClock()
    runner = SessionRunner(db, "P-0002", clock)

    def stop_after_some(state):  # type: ignore[no-untyped-def]
        if state.steps == 50:
            runner.stop()

    runner.updated.connect(stop_after_some)
    summary = runner.run(simulated_trials(DemoOptions(seconds=20)))
    assert summary.status == "stopped"
    assert len(summary.results) == 1  # the first trial, cut short, is still stored
    assert db.session(summary.session_id)["status"] == "stopped"
    assert _count(db, S.landmarks, summary.session_id) == 50


def test_database_and_data_dir_are_owner_only(tmp_path: Path, station_home: Path) -> None:
    from station.paths import data_dir, default_db_url

    d = data_dir()
    db = open_database(default_db_url())
    db.dispose()
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(d / "station.db").st_mode) == 0o600


def _station(*args: str, env_home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MOTOR_STATION_HOME=str(env_home))
    return subprocess.run([sys.executable, "-m", "station", *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_demo_end_to_end_five_seconds(station_home: Path) -> None:
    t0 = time.monotonic()
    r = _station("demo", "--headless", "--seconds", "5", env_home=station_home)
    wall = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert "SIMULATED CHILD" in r.stdout
    assert wall >= 4.5  # real-time pacing: the protocol really took about five seconds
    report = Path(r.stdout.split("report: ")[1].split()[0])
    assert report.is_file() and "Session report" in report.read_text()
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    with db.engine.connect() as c:
        rows = c.execute(select(S.sessions.c.id, S.sessions.c.status)).all()
    assert len(rows) == 1 and rows[0].status == "complete"
    assert rows[0].id in r.stdout


def test_demo_sigint_saves_data(station_home: Path) -> None:
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home))
    # Ctrl-C in a terminal: the child starts with SIGINT at its default, whatever the test runner was
    # started with (a shell starts background jobs with SIGINT ignored, and Python then keeps ignoring it)
    p = subprocess.Popen([sys.executable, "-m", "station", "demo", "--headless"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    db_path = station_home / "station.db"
    deadline = time.monotonic() + 60
    # wait until landmarks are being written, then interrupt
    while time.monotonic() < deadline:
        if db_path.exists():
            db = open_database(f"sqlite:///{db_path}")
            with db.engine.connect() as c:
                n = count_stored(c, "landmarks")
            db.dispose()
            if n > 30:
                break
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    p.send_signal(signal.SIGINT)  # a second, impatient Ctrl-C must not cost the stored session or its report
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err  # interrupted, after storing and reporting what was played
    assert "Traceback" not in err
    db = open_database(f"sqlite:///{db_path}")
    with db.engine.connect() as c:
        status = c.execute(select(S.sessions.c.status)).scalar_one()
        n = count_stored(c, "landmarks")
    assert status == "stopped"
    assert n > 30
    assert "report:" in out


def test_cli_help_everywhere() -> None:
    r = subprocess.run([sys.executable, "-m", "station", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "demo" in r.stdout
    import typer.main
    from typer.testing import CliRunner

    from station.cli import app

    runner = CliRunner()
    group = typer.main.get_command(app)
    checked = 0
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        for path in ([f"{name} {k}" for k in sub] if sub else [name]):
            res = runner.invoke(app, [*path.split(), "--help"])
            assert res.exit_code == 0, path
            assert "Example" in res.output, f"'station {path} --help' shows no example"
            checked += 1
    assert checked >= 10


def test_device_clock_fits_and_calibrations_reach_the_session_header(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from station.core import CalibrationRecord, DeviceInfo
    from station.core.messages import ClockFit

    info = DeviceInfo("grip0", "grip", "MS-GRIP", "G-1", "1.0", ("force",), ("N",), 100.0)
    cal = CalibrationRecord("G-1", "loadcell", "tare+span", {"scale": 2.0}, 0.1, "N", datetime(2026, 1, 1, tzinfo=UTC), "0.1.0")

    class Handle:
        calibration_record = cal

        def __init__(self) -> None:
            self.info = info

        def clock_fit(self) -> ClockFit:
            return ClockFit("grip0", 1.00001, 123.0, 50_000.0, 400)

    h = Handle()
    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    trials = simulated_trials(DemoOptions(seconds=4))
    trials[0].devices, trials[0].handles = (info,), (h,)
    trials[1].devices, trials[1].handles = (info,), (h,)  # the same device in two trials is recorded once
    summary = SessionRunner(db, "P-3", FakeClock()).run(trials)
    header = db.session(summary.session_id)["header"]
    assert [f["device_id"] for f in header["clock_fits"]] == ["grip0"]
    assert header["clock_fits"][0]["n"] == 400
    assert header["calibrations"][0]["key"] == "G-1"
    assert [d["device_id"] for d in header["devices"]] == ["grip0"]
    assert _count(db, S.devices, summary.session_id) == 1
    assert _count(db, S.calibrations, summary.session_id) == 1  # the reports read calibrations from here


def test_database_url_from_the_environment(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from station.paths import default_db_url

    assert default_db_url().startswith("sqlite:///")
    monkeypatch.setenv("MOTOR_STATION_DB", f"sqlite:///{tmp_path / 'clinic.db'}")
    assert default_db_url() == f"sqlite:///{tmp_path / 'clinic.db'}"


def test_demo_with_a_camera_runs_real_tracking(station_home: Path, media: Path) -> None:
    """The webcam path of the demo, with OpenCV's capture reading a real clip as the 'camera'."""
    clip = media / "body" / "squats_5.mp4"
    r = _station("demo", "--headless", "--seconds", "8", "--camera", str(clip), env_home=station_home)
    # a squats clip shows no hand: the tracing trial failed (honestly, not 'complete'), the jumps trial is tracked
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "failed: trial 1 (tracing)" in r.stderr and "not seen" in r.stderr
    assert "CAMERA" in r.stdout and "SIMULATED CHILD" not in r.stdout
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    with db.engine.connect() as c:
        header, status = c.execute(select(S.sessions.c.header, S.sessions.c.status)).one()
        trials = {t.exercise: t for t in c.execute(select(S.trials))}
        n_pose = count_stored(c, "landmarks", kind="pose")
    assert status == "failed"
    assert trials["tracing"].status == "failed" and "no hand or body" in trials["tracing"].reason
    assert trials["jumps"].status == "complete" and trials["jumps"].source == f"video:{clip.name}" and not trials["jumps"].simulated
    models = {r["model"] for r in stored_landmarks(db, kind="pose")}
    assert header["config"]["source"] == f"video:{clip.name}"  # a file given as the camera is a video
    assert n_pose >= 10
    assert models and all(m.startswith("mediapipe") for m in models)


def test_demo_refuses_a_missing_camera(station_home: Path) -> None:
    r = _station("demo", "--headless", "--camera", "/dev/no-such-camera", env_home=station_home)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "camera not found" in r.stderr


def test_demo_opens_the_station_window_when_asked(station_home: Path) -> None:
    """With a display (here: --window on offscreen Qt) the demo plays its protocol in the station window."""
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-m", "station", "demo", "--window", "--seconds", "6", "--quit-after-frames", "45",
                        "--quit-after", "150"],
                       capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    with db.engine.connect() as c:
        c.execute(select(S.sessions.c.id)).one()  # exactly one session
        n_trials = c.execute(select(func.count()).select_from(S.trials)).scalar_one()
        n_lm = count_stored(c, "landmarks")
    assert n_trials >= 1 and n_lm >= 45
    assert (station_home / "plans" / "demo.toml").is_file()


def test_offscreen_qt_is_not_a_display(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from station.cli.demo import _display_present

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not _display_present()
    monkeypatch.delenv("QT_QPA_PLATFORM")
    from station.ui.display import missing_xcb_packages

    # an X11 display counts only when Qt's xcb libraries are installed (else one line, headless: test_ui_display.py)
    assert _display_present() == (not missing_xcb_packages())
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not _display_present()
