"""One suite over every MediaPipe backend that runs on this Python: the legacy solutions
(``mediapipe``, mediapipe 0.10.14 on CPython <= 3.12) and the Tasks API (``mediapipe-tasks``, every
version), on the same real media of ``tests/media``. Same landmark conventions, the same anatomical
handedness, the same timestamps, the same counts; and the two agree with each other frame by frame.

Each clip is tracked once per test session per backend (the ``track`` / ``landmarks`` fixtures of
conftest). Where the installed mediapipe sends usage metrics (>= 0.10.30) the suite runs with the
clinic's consent given (``MOTOR_STATION_ALLOW_MEDIAPIPE_METRICS=1``) and checks that without it
tracking is refused.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from vision.mp_tasks import CONSENT_ENV, MetricsConsentError, mediapipe_info
from vision.sources import VideoFileSource
from vision.trackers import backends, make_tracker

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
INFO = mediapipe_info()
BACKENDS = ["mediapipe-tasks", *(["mediapipe"] if INFO.legacy_solutions else [])]
Track = Callable[..., list]


@pytest.fixture(autouse=True, scope="module")
def _consent() -> object:
    """Tests run with the clinic's consent where the installed version needs it (see the module docstring)."""
    mp = pytest.MonkeyPatch()
    if INFO.sends_metrics:
        mp.setenv(CONSENT_ENV, "1")
    yield
    mp.undo()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# clip, kind, frames, detection % (tests/media/MANIFEST.csv, measured with the legacy solution)
RATES = [
    ("hand/open_palm.mp4", "hand", 202, 100.0),
    ("body/squats_5.mp4", "pose", 57, 96.5),
    ("body/pushups_5.mp4", "pose", 57, 100.0),
]


@pytest.mark.parametrize(("clip", "kind", "n", "rate"), RATES, ids=[r[0] for r in RATES])
def test_detection_rate(track: Track, backend: str, clip: str, kind: str, n: int, rate: float) -> None:
    frames = track(clip, kind, backend=backend)
    assert len(frames) == n
    found = 100.0 * sum(bool(f.hands if kind == "hand" else f.poses) for f in frames) / n
    assert abs(found - rate) <= 4.0, f"{backend} {clip}: {found:.1f}% vs {rate}%"


def test_open_palm_is_the_same_anatomical_right_hand(track: Track, backend: str) -> None:
    """The person's right hand (legacy label "Left", Tasks label "Right"): stored "Right" by both."""
    frames = track("hand/open_palm.mp4", "hand", backend=backend)
    labels = [h.handedness for f in frames for h in f.hands]
    assert len(labels) == len(frames)
    assert labels.count("Right") / len(labels) >= 0.97


def test_person_sitting_has_one_left_and_one_right_hand_on_the_right_sides(track: Track, backend: str) -> None:
    (f,) = track("body/person_sitting.jpg", "hand", backend=backend)
    by_side = {h.handedness: h for h in f.hands}
    assert sorted(by_side) == ["Left", "Right"]
    # she faces the camera: her left hand is on the image's right
    assert by_side["Left"].landmarks[0, 0] > by_side["Right"].landmarks[0, 0]


def test_conventions_and_timestamps(track: Track, backend: str, media: Path) -> None:
    """Observations carry the frame's seq and t_ns; times strictly increase; coordinates are
    normalised 21x3 / 33x3 with world landmarks in metres; the model names backend and version."""
    ref = list(VideoFileSource(media / "hand" / "open_palm.mp4", t0_ns=0))
    for kind, clip, n in (("hand", "hand/open_palm.mp4", 21), ("pose", "body/squats_5.mp4", 33)):
        frames = track(clip, kind, backend=backend)
        ts = [f.t_ns for f in frames]
        assert all(b > a for a, b in itertools.pairwise(ts))
        assert [f.seq for f in frames] == list(range(len(frames)))
        for f in frames:
            for o in (*f.hands, *f.poses):
                assert (o.frame_seq, o.t_ns) == (f.seq, f.t_ns)
                assert o.landmarks.shape == (n, 3) and o.world is not None and o.world.shape == (n, 3)
                assert np.abs(o.world).max() < 2.0  # metres
                assert INFO.version in o.model and (("tasks" in o.model) == (backend == "mediapipe-tasks" or not INFO.legacy_solutions))
        if kind == "hand":  # frame times follow the video's own clock: 25 fps
            assert np.allclose(np.diff(ts[:50]), np.diff([r.t_ns for r in ref[:50]]))


def test_mirrored_input_gives_the_same_unmirrored_data(track: Track, backend: str, media: Path) -> None:
    plain = track("hand/open_palm.mp4", "hand", backend=backend)[120:150]
    trk = make_tracker(["hand"], backend=backend, hand_options={"mirrored": True})
    try:
        for f in VideoFileSource(media / "hand" / "open_palm.mp4", t0_ns=0, max_frames=150):
            if f.seq < 120:
                continue
            tf = trk.process(dataclasses.replace(f, image=np.ascontiguousarray(f.image[:, ::-1])))
            assert [h.handedness for h in tf.hands] == ["Right"]
            assert np.abs(tf.hands[0].xy_px() - plain[f.seq - 120].hands[0].xy_px()).max() < 8.0
    finally:
        trk.close()


@pytest.mark.parametrize(("clip", "exercise", "expected"), [
    ("body/squats_5.mp4", "squats", 5), ("body/pushups_5.mp4", "pushups", 5),
    ("body/squats_5.mp4", "pushups", 0), ("body/pushups_5.mp4", "squats", 0),
])
def test_repetition_counts(landmarks: Callable[..., Path], backend: str, clip: str, exercise: str, expected: int) -> None:
    from station.analyze import analyze_landmarks

    assert analyze_landmarks(landmarks(clip, ("pose",), backend=backend), exercise).result.reps == expected


@pytest.mark.skipif(not INFO.legacy_solutions, reason=f"mediapipe {INFO.version} has no legacy solutions to compare with")
@pytest.mark.parametrize(("clip", "kind", "tol"), [("hand/open_palm.mp4", "hand", 0.002), ("body/squats_5.mp4", "pose", 0.02)])
def test_tasks_and_legacy_landmarks_agree(track: Track, clip: str, kind: str, tol: float) -> None:
    """Same models, same frames: median landmark distance in image units (measured: hands ~0.0001,
    pose ~0.005)."""
    a = track(clip, kind, backend="mediapipe")
    b = track(clip, kind, backend="mediapipe-tasks")
    d = [float(np.median(np.abs(x.landmarks[:, :2] - y.landmarks[:, :2])))
         for fa, fb in zip(a, b, strict=True)
         for x, y in zip(fa.hands or fa.poses, fb.hands or fb.poses, strict=False)]
    assert len(d) >= 0.9 * len(a)
    assert float(np.median(d)) < tol, float(np.median(d))


def test_tasks_pose_finds_two_people(media: Path) -> None:
    """``num_poses=2`` on the box jump: the man on the box all along, and the woman who walks across
    from the right to the left (frames ~58-170) as a second, distinct person. (The model sometimes
    reports one body twice, hips a few % apart: such frames are not counted as two people.)"""
    trk = make_tracker(["pose"], backend="mediapipe-tasks", pose_options={"num_poses": 2})
    try:
        frames = [trk.process(f) for f in VideoFileSource(media / "body" / "jump_from_box_two_people.mp4", t0_ns=0)]
    finally:
        trk.close()
    assert sum(bool(f.poses) for f in frames) >= 0.95 * len(frames)
    hips = {f.seq: [p.landmarks[[23, 24], :2].mean(axis=0) for p in f.poses] for f in frames if len(f.poses) == 2}
    two = {seq: h for seq, h in hips.items() if np.hypot(*(h[0] - h[1])) > 0.1}
    assert len(two) >= 80, len(two)
    assert all([p.person for p in frames[seq].poses] == [0, 1] for seq in two)
    walker = [max(h, key=lambda xy: abs(xy[0] - 0.37))[0] for seq, h in sorted(two.items()) if 58 <= seq <= 170]
    assert walker[0] > 0.6 and walker[-1] < 0.3  # she crosses from the right to the left


def test_both_backends_are_registered() -> None:
    assert set(backends()["mediapipe-tasks"]) == {"hand", "pose"}
    assert set(backends()["mediapipe"]) == {"hand", "pose"}


def test_bad_options_are_one_clear_error() -> None:
    from station.core import InputError

    with pytest.raises(InputError, match="complexity 1"):
        make_tracker(["hand"], backend="mediapipe-tasks", hand_options={"model_complexity": 0})
    with pytest.raises(InputError, match="num_poses"):
        make_tracker(["pose"], backend="mediapipe-tasks", pose_options={"num_poses": 0})


@pytest.mark.skipif(INFO.version != "0.10.14", reason=f"the bundles are built from the mediapipe 0.10.14 wheel; {INFO.version} is installed")
def test_bundles_rebuild_byte_for_byte() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_task_bundles.py"), "--check"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("same") == 2


def test_a_changed_bundle_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from station.core import InputError
    from vision import mp_tasks

    fake = tmp_path / "models"
    fake.mkdir()
    for p in mp_tasks.MODELS.iterdir():
        (fake / p.name).write_bytes(p.read_bytes())
    data = bytearray((fake / "hand_landmarker_full.task").read_bytes())
    data[-100] ^= 0xFF
    (fake / "hand_landmarker_full.task").write_bytes(bytes(data))
    monkeypatch.setattr(mp_tasks, "MODELS", fake)
    with pytest.raises(InputError, match="does not match"):
        mp_tasks.bundle("hand_landmarker_full.task")


def test_metrics_consent_follows_the_installed_version(monkeypatch: pytest.MonkeyPatch, media: Path) -> None:
    """Real installed version: 0.10.14 sends nothing and needs no consent; >= 0.10.30 is refused
    with one line (exit 2 in the CLI) until the setting is given, then counts the squats."""
    monkeypatch.delenv(CONSENT_ENV, raising=False)
    env = {k: v for k, v in os.environ.items() if k != CONSENT_ENV}
    cmd = [sys.executable, "-m", "station", "analyze", str(media / "body" / "squats_5.mp4"), "--exercise", "squats",
           "--backend", "mediapipe-tasks"]
    if not INFO.sends_metrics:
        assert "no usage metrics leave this machine" in mediapipe_info().summary("mediapipe-tasks")
        make_tracker(["hand"], backend="mediapipe-tasks").close()  # no consent needed
        return
    with pytest.raises(MetricsConsentError, match=CONSENT_ENV):
        make_tracker(["pose"], backend="mediapipe-tasks")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and CONSENT_ENV in lines[0] and "Traceback" not in r.stderr


def test_analysis_says_backend_version_and_whether_metrics_may_leave(landmarks: Callable[..., Path], backend: str) -> None:
    from station.analyze import analyze_landmarks

    d = analyze_landmarks(landmarks("body/squats_5.mp4", ("pose",), backend=backend), "squats").to_dict()
    assert INFO.version in d["tracker"] and ("mediapipe-tasks" in d["tracker"]) == ("tasks" in d["model"])
    if INFO.sends_metrics:
        assert f"sends usage metrics to Google: allowed by {CONSENT_ENV}=1" in d["tracker"]
    else:
        assert f"MediaPipe {INFO.version}: no usage metrics left this machine" in d["tracker"]


def test_reset_tracks_the_next_file_as_a_fresh_tracker(backend: str, media: Path) -> None:
    """Batch workers keep one tracker and reset it between files (no model load per file): the second
    pass over a clip, starting again at time zero, gives the first pass's landmarks exactly."""

    def run(trk: object) -> list[np.ndarray]:
        out = []
        for f in VideoFileSource(media / "body" / "squats_5.mp4", t0_ns=0, max_frames=20):
            tf = trk.process(f)  # type: ignore[attr-defined]
            out.append(tf.poses[0].xy_px() if tf.poses else np.zeros((0, 2)))
        return out

    trk = make_tracker(["pose"], backend=backend)
    try:
        first = run(trk)
        trk.reset()  # type: ignore[attr-defined]
        assert trk.frames == 0  # type: ignore[attr-defined]
        second = run(trk)
    finally:
        trk.close()
    assert len(first) == len(second) == 20 and sum(len(a) > 0 for a in first) >= 15
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
