"""Repetition counts on real clips, through the project's own tracker (real MediaPipe pose) and
scorer: ``station.analyze.track_file`` once per clip (the session-scoped ``landmarks`` fixture), then
``station.analyze.analyze_landmarks`` per exercise (the same smoothing and scoring as
``station analyze VIDEO``), plus the CLI itself on one clip.

Ground truth (``tests/media/MANIFEST.csv``): ``pushups_5.mp4`` 5 push-ups, ``squats_5.mp4`` 5 squats,
``pushups_and_squats.gif`` 5 push-ups (top half) and 5 squats (bottom half). The man on the box in
``jump_from_box_two_people.mp4`` does two jumping jacks (frames ~12-40 and ~48-76 at 30 fps,
checked frame by frame by eye) before walking off.

The split-screen GIF is scored per half the documented way: crop each half into its own video
before tracking (here with OpenCV into a lossless FFV1 file; from the shell
``ffmpeg -i pushups_and_squats.gif -vf crop=iw:ih/2:0:0 top.mkv`` and ``...:0:ih/2 bottom.mkv``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def gif_halves(media: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import cv2

    cap = cv2.VideoCapture(str(media / "body" / "pushups_and_squats.gif"))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    assert len(frames) == 57
    h, w = frames[0].shape[:2]
    out = tmp_path_factory.mktemp("gif-halves")
    paths = {}
    for name, rows in (("top", slice(0, h // 2)), ("bottom", slice(h // 2, h))):
        p = out / f"{name}.mkv"
        vw = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*"FFV1"), 10, (w, h // 2))
        assert vw.isOpened()
        for f in frames:
            vw.write(np.ascontiguousarray(f[rows]))
        vw.release()
        paths[name] = p
    return paths


@pytest.fixture(scope="session")
def tracked(landmarks: Callable[..., Path], gif_halves: dict[str, Path]) -> dict[str, Path]:
    """Pose landmarks of every clip, tracked once per test session with real MediaPipe."""
    from vision.recording import read_landmarks

    clips: dict[str, str | Path] = {
        "pushups_5": "body/pushups_5.mp4",
        "squats_5": "body/squats_5.mp4",
        "gif_top": gif_halves["top"],
        "gif_bottom": gif_halves["bottom"],
        "box": "body/jump_from_box_two_people.mp4",
    }
    paths = {key: landmarks(clip, ("pose",)) for key, clip in clips.items()}
    for key, p in paths.items():
        frames = read_landmarks(p)
        assert frames and sum(bool(f.poses) for f in frames) > 0.9 * len(frames), key
    return paths


def _reps(path: Path, exercise: str) -> int:
    from station.analyze import analyze_landmarks

    return analyze_landmarks(path, exercise).result.reps


@pytest.mark.parametrize(
    ("clip", "exercise", "expected"),
    [
        ("pushups_5", "pushups", 5),
        ("squats_5", "squats", 5),
        ("gif_top", "pushups", 5),
        ("gif_bottom", "squats", 5),
        ("box", "jumping_jacks", 2),
        # the wrong exercise counts nothing on the same clips
        ("pushups_5", "squats", 0),
        ("pushups_5", "jumping_jacks", 0),
        ("squats_5", "pushups", 0),
        ("squats_5", "jumping_jacks", 0),
        ("box", "squats", 0),
    ],
)
def test_real_clip_counts(tracked: dict[str, Path], clip: str, exercise: str, expected: int) -> None:
    assert _reps(tracked[clip], exercise) == expected


def test_real_clip_rep_events_and_quality(tracked: dict[str, Path]) -> None:
    from station.analyze import analyze_landmarks

    d = analyze_landmarks(tracked["pushups_5"], "pushups").to_dict()
    reps = [e for e in d["events"] if e["kind"] == "rep"]
    assert [e["rep"] for e in reps] == [1, 2, 3, 4, 5]
    times = np.array([e["t_ns"] for e in reps]) / 1e9
    assert np.all(np.diff(times) > 0.6)  # about one push-up per second in this clip
    assert all(0.0 <= e["value"] <= 1.0 for e in reps)
    assert all(e["payload"]["min_elbow_deg"] < 110 for e in reps)  # full-depth push-ups
    assert d["metrics"]["mean_cycle_s"] == pytest.approx(1.0, abs=0.15)
    assert d["definitions"]["reps"] and d["units"]["mean_cycle_s"] == "s"


def test_station_analyze_cli_counts_squats(media: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run(
        [sys.executable, "-m", "station", "analyze", str(media / "body" / "squats_5.mp4"), "--exercise", "squats", "--json", "-"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["exercise"] == "squats"
    assert out["reps"] == 5
    assert sum(e["kind"] == "rep" for e in out["events"]) == 5
