"""`station run` end to end in a real process, offscreen: a real session, screenshots, the database.

The push-ups smoke test runs real MediaPipe pose inference on tests/media/body/pushups_5.mp4.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from _storage_db import stored_landmarks
from PySide6.QtGui import QImage
from sqlalchemy import select

from station.storage import open_database
from station.storage import schema as S
from station.storage.streams import count_stored

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MOTOR_STATION_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    if "--screenshot" in args and "--db" not in args:  # screenshot runs keep nothing unless a database is named
        args = [*args, "--db", f"sqlite:///{home / 'station.db'}"]
    return subprocess.run([sys.executable, "-m", "station", "run", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _session(home: Path) -> tuple[dict, list[dict], int]:
    db = open_database(f"sqlite:///{home / 'station.db'}")
    try:
        with db.engine.connect() as c:
            (sess,) = c.execute(select(S.sessions)).mappings().all()
            trials = [dict(r) for r in c.execute(select(S.trials).where(S.trials.c.session_id == sess["id"])).mappings()]
            n_lm = count_stored(c, "landmarks", session_id=sess["id"])
        return dict(sess), trials, n_lm
    finally:
        db.dispose()


def _png(path: Path) -> QImage:
    assert path.is_file(), path
    img = QImage(str(path))
    assert not img.isNull()
    return img


def test_run_simulated_tracing_screenshot(tmp_path: Path, station_home: Path, artifacts: Path) -> None:
    shot = artifacts / "cli_tracing.png"
    r = _run(["--simulated", "--exercise", "tracing", "--set", "shape=wave", "--participant", "DEMO-301", "--screenshot", str(shot),
              "--quit-after-frames", "45", "--quit-after", "120"], station_home)
    assert r.returncode == 0, r.stderr
    assert f"screenshot: {shot}" in r.stdout
    win, child = _png(shot), _png(artifacts / "cli_tracing_child.png")
    assert win.width() >= 1500 and child.width() < win.width()
    sess, trials, n_lm = _session(station_home)
    assert sess["participant"] == "DEMO-301" and sess["status"] == "stopped"  # quit stops the session cleanly
    assert sess["simulated"] and sess["source"] == "simulated" and sess["place"] == "clinic"
    assert trials[0]["simulated"] and trials[0]["source"] == "simulated" and trials[0]["status"] == "complete"
    assert f"session: {sess['id']}" in r.stdout and "SIMULATED" in r.stdout and "report: " in r.stdout
    assert trials[0]["exercise"] == "tracing" and trials[0]["settings"]["shape"] == "wave"
    assert n_lm >= 45  # every scored frame of the simulated child is recorded (quit waits on 45 frames, not on the clock)


def test_run_refuses_bad_input_with_one_line(tmp_path: Path, station_home: Path) -> None:
    cases = [
        (["--exercise", "juggling"], "unknown exercise"),
        (["--participant", "Anna Smith"], "participant code"),
        (["--video", str(tmp_path / "none.mp4")], "video file not found"),
        (["--screenshot", str(tmp_path / "x.png")], "--quit-after"),
        (["--exercise", "tracing", "--set", "tolerance=-1"], "tolerance"),
        (["--plan", str(tmp_path / "nope.toml")], "plan file not found"),
    ]
    for args, message in cases:
        r = _run(args, station_home, timeout=60)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr and r.stderr.startswith("error:"), (args, r.stderr)
        assert "Traceback" not in r.stderr


def test_run_with_a_saved_plan_and_second_screen(tmp_path: Path, station_home: Path, artifacts: Path) -> None:
    from station.plans import PlanItem, SessionPlan, save_plan

    plan = save_plan(SessionPlan(participant="DEMO-302", items=[PlanItem(exercise="bunny_hops", reps=3, rest_s=0)]),
                     tmp_path / "hops.toml")
    shot = artifacts / "cli_hops_two_screens.png"
    r = _run(["--simulated", "--plan", str(plan), "--child-screen", "1", "--screenshot", str(shot), "--quit-after-frames", "45",
              "--quit-after", "120"], station_home)
    assert r.returncode == 0, r.stderr
    assert "screen 1 not found" in r.stderr  # offscreen has one screen: the child view opens as its own window
    win, child = _png(shot), _png(artifacts / "cli_hops_two_screens_child.png")
    assert child.width() == 1280 and child.height() == 720  # the separate child window
    assert win.width() >= 1500
    sess, trials, n_lm = _session(station_home)
    assert sess["participant"] == "DEMO-302" and trials[0]["exercise"] == "bunny_hops" and n_lm >= 45


@pytest.mark.slow
def test_run_pushups_video_with_real_inference(media: Path, station_home: Path, artifacts: Path) -> None:
    shot = artifacts / "cli_pushups.png"
    video = media / "body" / "pushups_5.mp4"
    r = _run(["--video", str(video), "--exercise", "push_ups", "--screenshot", str(shot), "--quit-after-frames", "10",
              "--quit-after", "150"], station_home, timeout=180)
    assert r.returncode == 0, r.stderr
    _png(shot)
    child = _png(artifacts / "cli_pushups_child.png")
    # the child sees the video image (letterboxed on dark ink), not the drawn meadow of the simulated child
    assert child.pixelColor(3, 3).lightness() < 100
    sess, trials, n_lm = _session(station_home)
    assert trials[0]["exercise"] == "pushups"
    assert sess["header"]["config"]["source"] == "video"
    assert sess["source"] == "video:pushups_5.mp4" and not sess["simulated"] and trials[0]["status"] == "complete"
    assert n_lm >= 5  # real MediaPipe pose observations were recorded (10 frames scored; the person is found in most)
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    models = {r["model"] for r in stored_landmarks(db)}
    db.dispose()
    assert any("mediapipe" in m for m in models), models


def test_run_grip_exercise_with_the_device_simulator(station_home: Path, artifacts: Path) -> None:
    shot = artifacts / "cli_grip.png"
    r = _run(["--exercise", "grip_squeeze", "--grip", "sim://grip?profile=squeeze", "--participant", "DEMO-303",
              "--screenshot", str(shot), "--quit-after-frames", "150", "--quit-after", "120"], station_home)
    assert r.returncode == 0, r.stderr
    _png(shot)
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    with db.engine.connect() as c:
        (sess,) = c.execute(select(S.sessions)).mappings().all()
        n = count_stored(c, "samples", device_id="grip0")
        devs = c.execute(select(S.devices.c.device_id)).scalars().all()
    db.dispose()
    assert sess["participant"] == "DEMO-303" and devs == ["grip0"]
    assert sess["simulated"] and sess["source"].startswith("device:grip:sim://grip")  # a sim:// device is simulated data
    assert n >= 100  # 150 device steps scored (100 Hz simulated dynamometer), recorded through the real driver
    bad = _run(["--exercise", "grip_squeeze", "--grip", "sim://grip?profile=nope", "--quit-after", "1"], station_home, timeout=60)
    assert bad.returncode == 2 and "unknown grip profile" in bad.stderr and "Traceback" not in bad.stderr


def test_run_without_a_display_says_so(station_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["MOTOR_STATION_HOME"] = str(station_home)
    r = subprocess.run([sys.executable, "-m", "station", "run", "--simulated", "--exercise", "tracing"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "no display" in r.stderr and "--screenshot" in r.stderr


def test_raw_video_is_recorded_only_when_turned_on(media: Path, station_home: Path, artifacts: Path) -> None:
    """Privacy: no video file without --record-video; with it, the raw frames and their capture times
    are kept beside the session and referenced from the database (so forget and exports find them)."""
    import cv2
    from sqlalchemy import select

    from station.storage import open_database
    from station.storage import schema as S

    video = media / "body" / "pushups_5.mp4"
    base = ["--video", str(video), "--exercise", "push_ups", "--screenshot", str(artifacts / "rec.png"),
            "--quit-after-frames", "15", "--quit-after", "150"]
    r = _run(base, station_home)
    assert r.returncode == 0, r.stderr
    assert not list(station_home.rglob("*.mp4"))
    r = _run([*base, "--record-video"], station_home)
    assert r.returncode == 0, r.stderr
    (mp4,) = station_home.rglob("video.mp4")
    times = (mp4.parent / "video_frames.csv").read_text().splitlines()
    cap = cv2.VideoCapture(str(mp4))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert n >= 10 and len(times) == n + 1 and times[0] == "frame,t_ns"
    assert (mp4.stat().st_mode & 0o777) == 0o600
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    with db.engine.connect() as c:
        kinds = sorted(k for (k,) in c.execute(select(S.files.c.kind)))
    db.dispose()
    assert [k for k in kinds if k != "sound_onsets"] == ["video", "video_times"]  # sound onsets: only with a sound card


def test_run_in_spanish_writes_its_report_in_spanish(station_home: Path) -> None:
    """`station run --lang es`: the therapist chose Spanish, so the end-of-run report is Spanish too."""
    r = _run(["--simulated", "--exercise", "bunny_hops", "--participant", "DEMO-302", "--lang", "es", "--quit-after-frames", "30",
              "--quit-after", "120"], station_home)
    assert r.returncode == 0, r.stderr
    html = next(line.split("report: ", 1)[1] for line in r.stdout.splitlines() if line.startswith("report: ") and line.endswith(".html"))
    text = Path(html).read_text(encoding="utf-8")
    assert 'lang="es"' in text or "SIMULADO" in text, text[:400]
    assert "SIMULADO" in text and "Session report" not in text
