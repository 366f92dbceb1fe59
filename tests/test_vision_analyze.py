"""``station analyze`` / ``station track`` and the analysis plumbing on real media with real models.

The squats clip is scored with the ``squats`` exercise once per session (``squat_run``, saving its
landmarks and an overlay video); the replay, landmark-file and overlay tests read that run's outputs.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from station.analyze import (
    AnalysisResult,
    TrackerOptions,
    analyze,
    analyze_landmarks,
    tracker_kinds,
    video_kinds,
)
from station.cli import main
from station.core import FakeClock, InputError
from station.session.feeds import replay_feed
from vision.recording import LandmarkWriter, ReplayTracker, read_landmarks, read_metadata
from vision.trackers import register_backend

ROOT = Path(__file__).resolve().parents[1]
CLIP = "body/squats_5.mp4"
RESULT_KEYS = {"exercise", "reps", "metrics", "events", "frames", "frames_with_detection", "duration_s", "processing_fps"}


@pytest.fixture(scope="session")
def squat_run(media: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[AnalysisResult, Path, Path]:
    out = tmp_path_factory.mktemp("squats")
    lm, ov = out / "squats.parquet", out / "squats_overlay.mp4"
    res = analyze(media / CLIP, "squats", landmarks_out=lm, overlay=ov)
    return res, lm, ov


def _comparable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in ("processing_fps", "source", "model", "tracker")}


@pytest.mark.slow
def test_squats_clip_result(squat_run: tuple[AnalysisResult, Path, Path]) -> None:
    res, _, _ = squat_run
    d = res.to_dict()
    assert RESULT_KEYS <= set(d)
    assert d["frames"] == 57 and d["exercise"] == "squats" and d["trackers"] == ["pose"]
    assert abs(100 * d["frames_with_detection"] / 57 - 96.5) <= 3.0
    assert d["duration_s"] == pytest.approx(5.6, abs=1e-6)
    assert d["processing_fps"] > 0
    assert d["reps"] >= 1 and d["events"]  # something to replay (the media README's truth is 5 squats)
    json.dumps(d)  # JSON-serialisable as is


@pytest.mark.slow
def test_replay_of_saved_landmarks_gives_exactly_the_live_result(squat_run: tuple[AnalysisResult, Path, Path]) -> None:
    res, lm, _ = squat_run
    replay = analyze_landmarks(lm, "squats")
    assert _comparable(replay.to_dict()) == _comparable(res.to_dict())


@pytest.mark.slow
def test_replay_tracker_beside_the_video_gives_the_same_result(media: Path, squat_run: tuple[AnalysisResult, Path, Path]) -> None:
    res, lm, _ = squat_run
    again = analyze(media / CLIP, "squats", tracker=ReplayTracker(lm))
    assert _comparable(again.to_dict()) == _comparable(res.to_dict())


@pytest.mark.slow
def test_another_backend_plugs_in_without_touching_exercises(media: Path, squat_run: tuple[AnalysisResult, Path, Path]) -> None:
    """A backend registered by name (here: saved landmarks standing in for a Tasks model)."""
    res, lm, _ = squat_run
    register_backend("saved-squats", "pose", lambda clock=None, **_opts: ReplayTracker(lm))
    again = analyze(media / CLIP, "squats", options=TrackerOptions(backend="saved-squats"))
    assert _comparable(again.to_dict()) == _comparable(res.to_dict())


@pytest.mark.slow
def test_landmark_file_round_trip(squat_run: tuple[AnalysisResult, Path, Path]) -> None:
    res, lm, _ = squat_run
    meta = read_metadata(lm)
    assert meta["format"] == "motor-station-landmarks" and meta["format_version"] == 1
    assert meta["kinds"] == ("pose",) and meta["model"].startswith("mediapipe.pose/")
    frames = read_landmarks(lm)
    assert len(frames) == 57 == res.frames
    assert sum(bool(f.poses) for f in frames) == res.frames_with_detection < 57  # frames without detection kept
    assert [f.seq for f in frames] == list(range(57))
    p = next(f for f in frames if f.poses).poses[0]
    assert p.landmarks.dtype == np.float32 and p.landmarks.shape == (33, 3) and p.visibility is not None
    with pytest.raises(InputError, match="never overwritten"):
        LandmarkWriter(lm)


def test_landmark_writer_round_trips_exactly(tmp_path: Path) -> None:
    from station.core import HandObservation, PoseObservation, TrackedFrame

    rng = np.random.default_rng(1)
    hand = HandObservation("cam", 3, 100, rng.random((21, 3), dtype=np.float32), (640, 480), None,
                           rng.random((21, 3), dtype=np.float32), None, 0.93, "m/1", 5, 1, 2, "Left")
    pose = PoseObservation("cam", 3, 100, rng.random((33, 3), dtype=np.float32), (640, 480),
                           rng.random(33, dtype=np.float32), None, None, 0.5, "p/1", 7)
    frames = [TrackedFrame("cam", 2, 50, (640, 480), latency_ns=1, t_done_ns=60),
              TrackedFrame("cam", 3, 100, (640, 480), (hand,), (pose,), 12, 130)]
    with LandmarkWriter(tmp_path / "x.parquet", source="cam", model="m", kinds=("hand", "pose"), batch=1) as w:
        for f in frames:
            w.write(f)
    back = read_landmarks(tmp_path / "x.parquet")
    assert [(f.seq, f.t_ns, f.latency_ns, f.t_done_ns, len(f.hands), len(f.poses)) for f in back] == [
        (2, 50, 1, 60, 0, 0), (3, 100, 12, 130, 1, 1)]
    h, p = back[1].hands[0], back[1].poses[0]
    assert np.array_equal(h.landmarks, hand.landmarks) and np.array_equal(h.world, hand.world)
    assert (h.handedness, h.score, h.person, h.gap_frames, h.model, h.latency_ns) == ("Left", 0.93, 1, 2, "m/1", 5)
    assert np.array_equal(p.visibility, pose.visibility) and p.world is None and p.score == 0.5


def test_a_parquet_that_is_not_a_landmark_file_is_refused(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"a": [1]}), tmp_path / "other.parquet")
    with pytest.raises(InputError, match="not a Motor Station landmark file"):
        ReplayTracker(tmp_path / "other.parquet")


@pytest.mark.slow
def test_overlay_video_is_written_and_drawn(squat_run: tuple[AnalysisResult, Path, Path], media: Path, artifacts: Path) -> None:
    _, _, ov = squat_run
    cap = cv2.VideoCapture(str(ov))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 57
    for _ in range(40):
        ok, drawn = cap.read()
    cap.release()
    assert ok
    raw_cap = cv2.VideoCapture(str(media / CLIP))
    for _ in range(40):
        _, raw = raw_cap.read()
    raw_cap.release()
    assert drawn.shape == raw.shape
    diff = np.abs(drawn.astype(int) - raw.astype(int)).max(axis=2)
    assert (diff > 60).mean() > 0.001  # a skeleton and a label were drawn
    cv2.imwrite(str(artifacts / "vision_overlay_squats_f40.png"), drawn)


def test_overlay_is_h264_that_browsers_play(squat_run: tuple[AnalysisResult, Path, Path]) -> None:
    """H.264 (not MPEG-4 Part 2), 4:2:0, the MP4 index ('moov') before the media data ('mdat')."""
    import av

    _, _, ov = squat_run
    with av.open(str(ov)) as c:
        s = c.streams.video[0]
        assert (s.codec_context.name, s.codec_context.pix_fmt) == ("h264", "yuv420p")
        assert (s.codec_context.width, s.codec_context.height) == (312, 176)
        assert sum(1 for _ in c.decode(video=0)) == 57
    head = ov.read_bytes()
    assert head.index(b"moov") < head.index(b"mdat")


def test_analyze_cli_prints_the_overlay_path(media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ov = tmp_path / "odd size.mp4"  # the split-screen GIF is 311 px wide: padded to an even width
    assert main(["analyze", str(media / "body" / "pushups_and_squats.gif"), "--exercise", "squats", "--overlay", str(ov)]) == 0
    out = capsys.readouterr().out
    assert f"overlay: {ov.resolve()} (H.264 MP4)" in out.replace("\n", "")
    cap = cv2.VideoCapture(str(ov))
    assert int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == 312 and int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 57
    cap.release()


@pytest.mark.slow
def test_replay_feed_drives_the_session_runner(tmp_path: Path, squat_run: tuple[AnalysisResult, Path, Path]) -> None:
    from station.session import SessionRunner, TrialSpec
    from station.storage import open_database

    res, lm, _ = squat_run
    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    clock = FakeClock(start_ns=10**12)
    summary = SessionRunner(db, "P-0007", clock, pacing="own").run([TrialSpec("squats", {}, replay_feed(lm), source="replay")])
    db.dispose()
    assert summary.status == "complete"
    ((_, r),) = summary.results
    assert r.reps == res.result.reps
    assert [e.t_ns - 10**12 for e in r.events] == [e.t_ns for e in res.result.events]


def test_trackers_follow_the_exercise_inputs() -> None:
    class GripOnly:
        name, inputs = "grip_squeeze", ("grip",)

    assert tracker_kinds(("pose",)) == ("pose",)
    assert tracker_kinds(("hand", "grip", "pose", "hand")) == ("hand", "pose")
    with pytest.raises(InputError, match="sensors only"):
        video_kinds(GripOnly)  # type: ignore[arg-type]


# -- the command line ---------------------------------------------------------------------------
def _station(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "station", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_cli_analyze_json_on_a_real_clip(media: Path) -> None:
    r = _station("analyze", str(media / "body" / "squats_5.mp4"), "--exercise", "jumps", "--json", "-")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert RESULT_KEYS <= set(d)
    assert d["frames"] == 57 and d["exercise"] == "jumps"
    assert abs(100 * d["frames_with_detection"] / 57 - 96.5) <= 3.0
    assert d["duration_s"] == pytest.approx(5.6)
    assert d["reps"] == 0  # squats are not jumps: the feet never leave the floor


def _err(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    return rc, err


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "file or folder not found"),
        ("unreadable", "cannot read video"),
        ("empty_folder", "no videos or images in folder"),
        ("unknown_exercise", "unknown exercise 'hopscotch'"),
        ("malformed_set", "malformed --set 'up0.2'"),
        ("bad_setting", "invalid settings for exercise 'jumps'"),
        ("json_exists", "output file exists"),
        ("csv_on_a_file", "--csv is for a folder of videos"),
    ],
)
def test_cli_analyze_bad_input_is_one_line_and_exit_2(case: str, message: str, tmp_path: Path, media: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    clip = str(media / "body" / "squats_5.mp4")
    argv = ["analyze", clip, "--exercise", "jumps"]
    if case == "missing":
        argv[1] = str(tmp_path / "nope.mp4")
    elif case == "unreadable":
        (tmp_path / "x.mp4").write_bytes(b"\x00" * 1000)
        argv[1] = str(tmp_path / "x.mp4")
    elif case == "empty_folder":
        (tmp_path / "notes.txt").write_text("nothing")
        argv[1] = str(tmp_path)
    elif case == "unknown_exercise":
        argv[3] = "hopscotch"
    elif case == "malformed_set":
        argv += ["--set", "up0.2"]
    elif case == "bad_setting":
        argv += ["--set", "up=high"]
    elif case == "json_exists":
        (tmp_path / "r.json").write_text("{}")
        argv += ["--json", str(tmp_path / "r.json")]
    elif case == "csv_on_a_file":
        argv += ["--csv", str(tmp_path / "r.csv")]
    rc, err = _err(capsys, argv)
    assert rc == 2
    assert err.startswith("error: ") and message in err
    assert len(err.splitlines()) == 1, err
    if case == "json_exists":
        assert (tmp_path / "r.json").read_text() == "{}"  # never overwritten


def test_cli_track_bad_input(tmp_path: Path, media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, err = _err(capsys, ["track", str(media / "body" / "squats_5.mp4"), "--out", str(tmp_path / "x.parquet")])
    assert rc == 2 and "nothing to track" in err and len(err.splitlines()) == 1
    rc, err = _err(capsys, ["track", str(tmp_path / "none.mp4"), "--out", str(tmp_path / "x.parquet"), "--pose"])
    assert rc == 2 and "not found" in err


@pytest.mark.slow
def test_cli_track_then_analyze_the_landmarks(tmp_path: Path, media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "squats.parquet"
    assert main(["track", str(media / "body" / "squats_5.mp4"), "--out", str(out), "--pose"]) == 0
    assert "57 frames" in capsys.readouterr().out
    frames = read_landmarks(out)
    assert len(frames) == 57 and all(not f.hands for f in frames)
    assert abs(100 * sum(bool(f.poses) for f in frames) / 57 - 96.5) <= 3.0
    assert main(["analyze", str(out), "--exercise", "jumps", "--json", str(tmp_path / "r.json")]) == 0
    d = json.loads((tmp_path / "r.json").read_text())
    assert d["frames"] == 57 and d["frames_with_detection"] == sum(bool(f.poses) for f in frames)
    rc, err = _err(capsys, ["analyze", str(out), "--exercise", "tracing"])
    assert rc == 2 and "no hand landmarks" in err


@pytest.mark.slow
def test_cli_folder_mode_keeps_going_past_a_broken_file(tmp_path: Path, media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    for name in ("pushups_5.mp4", "squats_5.mp4"):
        (folder / name).symlink_to(media / "body" / name)  # linked, never copied
    (folder / "broken.mp4").write_bytes(b"not a video at all")
    out = tmp_path / "scores.csv"
    rc = main(["analyze", str(folder), "--exercise", "jumps", "--jobs", "2", "--csv", str(out)])
    err = capsys.readouterr().err
    assert rc == 1  # some file failed: reported, the others scored
    assert "failed: broken.mp4" in err
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["file"] for r in rows] == ["broken.mp4", "pushups_5.mp4", "squats_5.mp4"]
    assert rows[0]["status"] == "error" and "cannot read video" in rows[0]["error"]
    for r in rows[1:]:
        assert r["status"] == "ok" and r["frames"] == "57" and r["exercise"] == "jumps"
        assert "metric.jumps" in r
    assert int(rows[1]["frames_with_detection"]) == 57  # push-ups: 100 % in the media README


@pytest.mark.slow
def test_camera_feed_survives_an_unplugged_camera_in_a_session(tmp_path: Path, media: Path) -> None:
    """The live feed (camera thread -> slot -> tracker thread -> bus -> StepInput) in a real session:
    the camera is unplugged for 0.5 s mid-trial; the session completes, the loss is on the bus, and
    the exercise sees the gap in frame numbers."""
    from station.core import EventBus, SourceState, SystemClock
    from station.session import SessionRunner, TrialSpec
    from station.session.feeds import camera_feed_for
    from station.storage import open_database
    from vision.sources import FailingSource, VideoFileSource

    images = [f.image for f in VideoFileSource(media / "hand" / "open_palm.mp4", max_frames=110)][60:110]
    clock, bus = SystemClock(), EventBus()
    _, states = bus.subscribe_queue(SourceState)
    src = FailingSource(images, fps=25, fail_after=15, down_s=0.5, clock=clock, bus=bus)
    seqs: list[int] = []
    feed = camera_feed_for("tracing", 0, clock=clock, bus=bus, source=src)  # hands only: what tracing consumes

    def recorded(t0: int):  # type: ignore[no-untyped-def]
        for inp in feed(t0):
            seqs.append(inp.frame_seq)
            yield inp

    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    summary = SessionRunner(db, "P-0008", clock, pacing="external").run([TrialSpec("tracing", {}, recorded, source="camera")])
    db.dispose()
    assert summary.status == "complete" and len(summary.results) == 1
    names = [s.state for s in states.drain()]
    assert "lost" in names and "reconnecting" in names and names[-1] == "ended"
    frames = [s for s in seqs if s is not None]  # None: heartbeat steps while no frame comes
    assert frames == sorted(frames) and len(frames) >= 10
    assert max(np.diff(frames)) - 1 >= src.frames_missed >= 10  # the loss is a visible jump in frame numbers
    assert None in seqs  # during the 0.5 s outage the feed kept the runner informed


def test_cli_analyze_an_image_folder(tmp_path: Path, media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    img = cv2.imread(str(media / "hand" / "thumb_up.jpg"))
    folder = tmp_path / "shots"
    folder.mkdir()
    cv2.imwrite(str(folder / "001.png"), img)
    cv2.imwrite(str(folder / "002.png"), img[:, ::-1])  # the same hand seen mirrored: the other hand
    assert main(["analyze", str(folder), "--exercise", "tracing", "--image-fps", "2", "--json", "-"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["frames"] == 2 == d["frames_with_detection"] and d["duration_s"] == 0.5 and d["trackers"] == ["hand"]


@pytest.mark.slow
def test_replay_tracker_paces_itself_on_the_session_clock(squat_run: tuple[AnalysisResult, Path, Path]) -> None:
    _, lm, _ = squat_run
    clock = FakeClock(start_ns=7 * 10**9)
    rep = ReplayTracker(lm, timing="own", clock=clock, t0_ns=7 * 10**9)
    out = list(rep)
    assert len(out) == 57 and out[0].t_ns == 7 * 10**9
    assert clock.now_ns() == out[-1].t_ns == 7 * 10**9 + 5_600_000_000  # waited until each frame's time
    assert all(p.t_ns == f.t_ns for f in out for p in f.poses)


def test_outputs_are_checked_before_any_work(tmp_path: Path, media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "lm.parquet").write_text("keep me")
    rc, err = _err(capsys, ["analyze", str(media / "body" / "squats_5.mp4"), "--exercise", "squats",
                            "--overlay", str(tmp_path / "ov.mp4"), "--landmarks", str(tmp_path / "lm.parquet")])
    assert rc == 2 and "output file exists" in err
    assert not (tmp_path / "ov.mp4").exists()  # nothing half-written beside the refused output
    assert (tmp_path / "lm.parquet").read_text() == "keep me"
    rc, err = _err(capsys, ["analyze", str(media / "body" / "squats_5.mp4"), "--exercise", "squats",
                            "--json", str(tmp_path / "missing" / "r.json")])
    assert rc == 2 and "output folder does not exist" in err


@pytest.mark.timeout(120)
def test_stop_and_trial_end_are_honoured_while_the_camera_is_gone(tmp_path: Path, media: Path) -> None:
    """A camera that never comes back must not hold the session: the trial ends on time and Stop
    works, because the live feed yields heartbeat steps while no frame arrives."""
    from station.core import EventBus, SourceState, SystemClock
    from station.session import SessionRunner, TrialSpec
    from station.session.feeds import camera_feed_for
    from station.storage import open_database
    from vision.sources import FailingSource, VideoFileSource

    images = [f.image for f in VideoFileSource(media / "hand" / "open_palm.mp4", max_frames=80)][60:80]
    clock = SystemClock()
    db = open_database(f"sqlite:///{tmp_path / 's.db'}")

    # 1. the trial's own end (2 s) comes while the camera is gone for an hour
    bus = EventBus()
    src = FailingSource(images, fps=25, fail_after=5, down_s=3600, clock=clock, bus=bus)
    trial = TrialSpec("tracing", {}, camera_feed_for("tracing", 0, clock=clock, bus=bus, source=src), duration_s=2.0, source="camera")
    summary = SessionRunner(db, "P-0010", clock, pacing="external").run([trial])
    assert summary.status == "complete" and len(summary.results) == 1

    # 2. Stop while the camera is gone
    bus = EventBus()
    src = FailingSource(images, fps=25, fail_after=5, down_s=3600, clock=clock, bus=bus)
    runner = SessionRunner(db, "P-0010", clock, pacing="external")
    bus.subscribe(SourceState, lambda s: runner.stop() if s.state == "lost" else None)
    trial = TrialSpec("tracing", {}, camera_feed_for("tracing", 0, clock=clock, bus=bus, source=src), source="camera")
    summary = runner.run([trial])
    db.dispose()
    assert summary.status == "stopped"
