"""Zoom on a person too small for the whole frame (``vision/zoom.py``, issue 16).

Real MediaPipe (legacy pose, video mode) on the ``child_sized`` variant of ``squats_5.mp4`` (the
whole frame scaled to 0.55 on a grey canvas: a 64 px person in a 312x176 frame), against the same
clip at full size; and the state machine alone with scripted detections (where it searches first,
when it leaves the crop, who wins when a larger person appears).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from _validity import make_variant

from vision.mp_tasks import mediapipe_info
from vision.zoom import PersonZoom, ZoomSettings

CLIP = "body/squats_5.mp4"
SCALE = 0.55  # make_variant's child_sized scale; the canvas offset is computed the same way below


def _child_offset(w: int, h: int) -> tuple[int, int, int, int]:
    sw, sh = int(w * SCALE) // 2 * 2, int(h * SCALE) // 2 * 2
    return (w - sw) // 2, h - sh - (h - sh) // 4, sw, sh


def _track(path: Path, **pose_options: Any) -> list[Any]:
    from vision.pipeline import track_stream
    from vision.sources import open_source
    from vision.trackers import make_tracker

    trk = make_tracker(["pose"], pose_options=pose_options)
    src = open_source(path)
    src.t0_ns = 0  # the same frame times every run
    try:
        return list(track_stream(src, trk))
    finally:
        trk.close()


legacy = pytest.mark.skipif(not mediapipe_info().legacy_solutions, reason="the legacy pose solution is not in this mediapipe")


@pytest.fixture(scope="module")
def child_sized(media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_variant(media, CLIP, "child_sized", tmp_path_factory.mktemp("zoom") / "child.mkv")


@pytest.fixture(scope="module")
def zoomed(child_sized: Path) -> list[Any]:
    return _track(child_sized)


@pytest.mark.slow
@legacy
def test_a_small_person_is_found_by_zooming(child_sized: Path, zoomed: list[Any]) -> None:
    """Measured: 10 of 57 frames without zoom (first at frame 44), 54 of 57 with it (`benchmarks/zoom_cost.py`)."""
    plain = _track(child_sized, zoom=False)
    found_plain = sum(bool(tf.poses) for tf in plain)
    found_zoom = sum(bool(tf.poses) for tf in zoomed)
    assert found_plain <= 0.3 * len(plain)
    assert found_zoom >= 0.9 * len(zoomed)
    in_crop = sum(p.model.endswith("+zoom") for tf in zoomed for p in tf.poses)
    assert in_crop >= 0.8 * found_zoom  # found in the crop, not in the whole frame


@pytest.mark.slow
@legacy
def test_zoomed_landmarks_land_where_the_person_is(media: Path, zoomed: list[Any]) -> None:
    """Crop coordinates mapped back to the whole frame: hips and ankles found in the zoomed small
    clip sit where the full-size clip's landmarks, scaled and shifted onto the canvas, put them
    (median error under 2% of the frame's height, i.e. under 4 px of a 176 px frame)."""
    full = _track(media / CLIP, zoom=False)
    w, h = zoomed[0].image_size
    x0, y0, sw, sh = _child_offset(w, h)
    errs = []
    for a, b in zip(full, zoomed, strict=True):
        if not (a.poses and b.poses):
            continue
        ref = a.poses[0].landmarks[[23, 24, 27, 28], :2].astype(np.float64)
        exp = np.column_stack([(x0 + ref[:, 0] * sw) / w, (y0 + ref[:, 1] * sh) / h])
        got = b.poses[0].landmarks[[23, 24, 27, 28], :2]
        errs.append(float(np.median(np.abs(got[:, 1] - exp[:, 1]))))
        errs.append(float(np.median(np.abs(got[:, 0] - exp[:, 0]) * w / h)))
    assert len(errs) >= 80
    assert float(np.median(errs)) < 0.02


@pytest.mark.slow
@legacy
def test_zoom_with_a_mirrored_view_unmirrors_the_crop(child_sized: Path, zoomed: list[Any], tmp_path: Path) -> None:
    """The same small clip fed as a mirrored (selfie) view: the zoom crops the mirrored image and the
    stored landmarks are unmirrored like any others (left hip stays the left hip, x back in place)."""
    from vision.pipeline import track_stream
    from vision.sources import open_source
    from vision.trackers import make_tracker

    flipped = make_variant(child_sized.parent, child_sized.name, "mirrored", tmp_path / "flipped.mkv")
    trk = make_tracker(["pose"], pose_options={"mirrored": True})
    src = open_source(flipped)
    src.t0_ns = 0
    try:
        back = list(track_stream(src, trk))
    finally:
        trk.close()
    d = [float(np.median(np.abs(b.poses[0].landmarks[[23, 24, 27, 28], 0] - a.poses[0].landmarks[[23, 24, 27, 28], 0])))
         for a, b in zip(zoomed, back, strict=True) if a.poses and b.poses]
    assert len(d) >= 40
    assert float(np.median(d)) < 0.02


@pytest.mark.slow
@legacy
def test_reset_tracks_the_next_file_as_a_fresh_tracker(child_sized: Path, zoomed: list[Any]) -> None:
    """Batch workers reuse one tracker with ``reset()``: the zoom state is forgotten with it."""
    from vision.pipeline import track_stream
    from vision.sources import open_source
    from vision.trackers import make_tracker

    trk = make_tracker(["pose"])
    first, second = open_source(child_sized), open_source(child_sized)
    first.t0_ns = second.t0_ns = 0
    try:
        list(track_stream(first, trk))
        trk.reset()  # type: ignore[attr-defined]
        again = list(track_stream(second, trk))
    finally:
        trk.close()
    assert [bool(tf.poses) for tf in again] == [bool(tf.poses) for tf in zoomed]
    for a, b in zip(zoomed, again, strict=True):
        if a.poses:
            np.testing.assert_allclose(a.poses[0].landmarks, b.poses[0].landmarks, atol=1e-5)


# -- the state machine with scripted detections ---------------------------------------------------
def _result(box: tuple[float, float, float, float] | None) -> Any:
    """A MediaPipe-like result whose 33 landmarks span ``box`` (normalised to the image it was run on)."""
    if box is None:
        return SimpleNamespace(pose_landmarks=None)
    xs = np.linspace(box[0], box[2], 33)
    ys = np.linspace(box[1], box[3], 33)
    return SimpleNamespace(pose_landmarks=SimpleNamespace(landmark=[SimpleNamespace(x=x, y=y) for x, y in zip(xs, ys, strict=True)]))


class Scene:
    """People as boxes in whole-frame pixels; a scripted 'model' finds a person whose box lies inside
    the image it is given and is at least ``min_px`` tall there once resampled (the detector's limit),
    plus a whole-frame limit: in the whole frame only people taller than ``min_frac`` are found."""

    def __init__(self, w: int, h: int, people: list[tuple[float, float, float, float]], min_frac: float = 0.5) -> None:
        self.w, self.h, self.people, self.min_frac = w, h, people, min_frac
        self.calls: list[tuple[str, tuple[int, int]]] = []

    def solution(self, mode: str) -> Any:
        scene = self

        class Sol:
            def process(self, rgb: Any) -> Any:
                return scene.find(mode, rgb)

            def reset(self) -> None: ...

            def close(self) -> None: ...

        return Sol()

    def find(self, mode: str, rgb: Any) -> Any:
        ox, oy = rgb.origin
        ch, cw = rgb.scaled_from or rgb.shape[:2]
        self.calls.append((mode, (ox, oy)))
        whole = (cw, ch) == (self.w, self.h) and (ox, oy) == (0, 0)
        for b in self.people:
            inside = b[0] >= ox and b[1] >= oy and b[2] <= ox + cw and b[3] <= oy + ch
            if not inside or (whole and b[3] - b[1] < self.min_frac * self.h):
                continue
            return _result(((b[0] - ox) / cw, (b[1] - oy) / ch, (b[2] - ox) / cw, (b[3] - oy) / ch))
        return _result(None)


class Img(np.ndarray):
    """An image that knows where it was cut from (slicing and copying keep ``origin``)."""

    origin: tuple[int, int] = (0, 0)
    scaled_from: tuple[int, int] | None = None

    def __array_finalize__(self, obj: Any) -> None:
        self.origin = getattr(obj, "origin", (0, 0))
        self.scaled_from = getattr(obj, "scaled_from", None)

    def __getitem__(self, key: Any) -> Any:
        out = super().__getitem__(key)
        if isinstance(out, Img) and isinstance(key, tuple) and all(isinstance(k, slice) for k in key):
            out.origin = (self.origin[0] + (key[1].start or 0), self.origin[1] + (key[0].start or 0))
        return out


def _frame(w: int, h: int) -> Img:
    return np.zeros((h, w, 3), dtype=np.uint8).view(Img)


@pytest.fixture(autouse=True)
def _keep_origin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The zoom resamples search windows with ``cv2.resize``: keep the ``Img``'s origin (and the
    window's size) through it for the scripted scene."""
    import cv2

    real_resize = cv2.resize

    def resize(a: Any, size: Any, *args: Any, **kw: Any) -> Any:
        if not isinstance(a, Img):
            return real_resize(a, size, *args, **kw)
        out = np.zeros((size[1], size[0], 3), dtype=np.uint8).view(Img)
        out.origin, out.scaled_from = a.origin, a.shape[:2]
        return out

    monkeypatch.setattr(cv2, "resize", resize)
    yield


def _zoom(scene: Scene, settings: ZoomSettings | None = None) -> tuple[PersonZoom, Any]:
    def run(sol: Any, rgb: Any) -> Any:
        return sol.process(rgb)

    zoom = PersonZoom(lambda: scene.solution("crop"), lambda: scene.solution("search"), run, settings)
    return zoom, scene.solution("full")


def test_search_windows_start_centre_bottom() -> None:
    zoom, _ = _zoom(Scene(320, 180, []))
    wins = zoom.windows(320, 180)
    first = wins[0]
    assert first[3] == 180  # on the floor
    assert abs((first[0] + first[2]) / 2 - 160) <= 135 // 4  # the window nearest the centre
    assert len(wins) == len(set(wins)) >= 4
    assert all(0 <= x0 < x1 <= 320 and 0 <= y0 < y1 <= 180 for x0, y0, x1, y1 in wins)


def test_unseen_small_person_is_searched_then_followed_in_a_crop() -> None:
    scene = Scene(320, 180, [(150, 100, 170, 164)])  # 64 px of 180: too small for the whole frame
    zoom, full = _zoom(scene)
    frame = _frame(320, 180)
    outs = [zoom.process(full, frame) for _ in range(6)]
    first_hit = next(i for i, o in enumerate(outs) if o.res.pose_landmarks is not None)
    assert first_hit <= 1  # the centre-bottom window holds them
    assert zoom.state == "zoom"
    x0, y0, x1, y1 = zoom.roi  # type: ignore[misc]
    assert x0 <= 150 and x1 >= 170 and y0 <= 100 and y1 >= 164
    assert all(o.zoomed and o.res.pose_landmarks is not None for o in outs[first_hit:])
    # a found box maps back to the person's pixels
    o = outs[-1]
    lm = o.res.pose_landmarks.landmark
    bx0 = o.box[0] + lm[0].x * (o.box[2] - o.box[0])
    by1 = o.box[1] + lm[-1].y * (o.box[3] - o.box[1])
    assert abs(bx0 - 150) < 1e-6 and abs(by1 - 164) < 1e-6


def test_a_person_the_whole_frame_finds_is_never_zoomed() -> None:
    """Zoom only acts where the whole frame fails: a person it finds costs no crop and no search."""
    scene = Scene(320, 180, [(150, 100, 170, 164)], min_frac=0.0)  # small, but found in the whole frame
    zoom, full = _zoom(scene)
    frame = _frame(320, 180)
    outs = [zoom.process(full, frame) for _ in range(20)]
    assert all(not o.zoomed and o.res.pose_landmarks is not None for o in outs)
    assert {mode for mode, _ in scene.calls} == {"full"}


def test_a_small_person_lost_by_the_whole_frame_is_followed_where_they_were() -> None:
    scene = Scene(320, 180, [(150, 100, 170, 164)], min_frac=0.0)
    zoom, full = _zoom(scene, ZoomSettings(recheck=5))
    frame = _frame(320, 180)
    for _ in range(3):
        zoom.process(full, frame)
    scene.min_frac = 0.5  # the whole frame loses them (too small for its detector)
    scene.calls.clear()
    out = zoom.process(full, frame)
    assert out.zoomed and out.res.pose_landmarks is not None  # the same frame, from the crop
    assert [m for m, _ in scene.calls] == ["full", "crop"]  # no search window: it was known where they were
    x0, y0, x1, y1 = zoom.roi  # type: ignore[misc]
    assert x0 <= 150 and x1 >= 170 and y0 <= 100 and y1 >= 164
    for _ in range(4):
        assert zoom.process(full, frame).zoomed
    scene.min_frac = 0.0  # the whole frame finds them again: back to it at the next recheck
    outs = [zoom.process(full, frame) for _ in range(5)]
    assert zoom.state == "full" and not outs[-1].zoomed and outs[-1].res.pose_landmarks is not None


def test_a_person_who_comes_close_leaves_the_zoom() -> None:
    scene = Scene(320, 180, [(150, 100, 170, 164)])
    zoom, full = _zoom(scene)
    frame = _frame(320, 180)
    for _ in range(3):
        zoom.process(full, frame)
    assert zoom.state == "zoom"
    scene.people = [(120, 10, 200, 178)]  # now 168 px tall: walked up to the camera
    outs = [zoom.process(full, frame) for _ in range(8)]
    assert zoom.state == "full"
    assert not outs[-1].zoomed and outs[-1].res.pose_landmarks is not None


def test_a_larger_person_elsewhere_takes_over_at_the_recheck() -> None:
    """Zoomed on a small figure at the back, the child steps in front: within ``recheck`` frames the
    whole frame runs, finds the larger person outside the crop and follows them."""
    scene = Scene(320, 180, [(20, 40, 32, 80)])  # small, left, far
    zoom, full = _zoom(scene, ZoomSettings(recheck=5))
    frame = _frame(320, 180)
    for _ in range(20):
        zoom.process(full, frame)
        if zoom.state == "zoom":
            break
    assert zoom.state == "zoom"
    scene.people = [(20, 40, 32, 80), (150, 60, 210, 178)]  # the child: 118 px of 180
    outs = [zoom.process(full, frame) for _ in range(6)]
    assert zoom.state == "full"
    got = outs[-1].res.pose_landmarks.landmark
    assert abs(got[0].x * 320 - 150) < 1e-6


def test_a_lost_person_returns_to_the_whole_frame_after_max_miss() -> None:
    scene = Scene(320, 180, [(150, 100, 170, 164)])
    zoom, full = _zoom(scene, ZoomSettings(max_miss=3))
    frame = _frame(320, 180)
    for _ in range(3):
        zoom.process(full, frame)
    assert zoom.state == "zoom"
    scene.people = []
    states = []
    for _ in range(5):
        zoom.process(full, frame)
        states.append(zoom.state)
    assert states[:3] == ["zoom"] * 3 and states[3] == "full"


# -- several people: the search for a person the whole frame misses ----------------------------
def _people(scene: Scene, search_s: float = 3.0) -> Any:
    from vision.zoom import PeopleSearch

    def run(sol: Any, rgb: Any) -> Any:
        return sol.process(rgb)

    def xy_of(res: Any) -> Any:
        if res.pose_landmarks is None:
            return None
        return np.array([(p.x, p.y) for p in res.pose_landmarks.landmark], dtype=np.float32)

    return PeopleSearch(lambda: scene.solution("follow"), lambda: scene.solution("search"), run, xy_of, search_s=search_s)


def test_a_person_the_whole_frame_misses_is_searched_and_followed_until_it_finds_them() -> None:
    child = (140.0, 56.0, 190.0, 176.0)  # centre, 120 px of 180
    adult = (0.0, 90.0, 40.0, 180.0)  # at the left edge, found by the whole frame
    scene = Scene(320, 180, [child])
    people = _people(scene)
    frame = _frame(320, 180)
    first = people.process(frame, 0, [adult])
    assert first is not None  # the centre-bottom window holds the child
    res, box = first
    lm = res.pose_landmarks.landmark
    assert abs(box[0] + lm[0].x * (box[2] - box[0]) - 140) < 1e-6
    x0, y0, x1, y1 = people.roi
    assert y0 <= 56 and y1 >= 176  # the whole child inside
    assert x0 > 40 and x0 <= 140 and x1 >= 190  # the crop leaves the adult out
    for k in range(1, 5):
        got = people.process(frame, k * 100_000_000, [adult])
        assert got is not None and got[1] == people.roi
    # the whole frame finds the child too: the follower stops (no one reported twice)
    assert people.process(frame, 600_000_000, [adult, child]) is None
    assert people.roi is None


def test_the_search_stops_after_the_countdown_while_the_whole_frame_finds_people() -> None:
    scene = Scene(320, 180, [])
    people = _people(scene, search_s=1.0)
    frame = _frame(320, 180)
    adult = (0.0, 90.0, 40.0, 180.0)
    for k in range(10):
        people.process(frame, k * 100_000_000, [adult])
    runs = people.search_runs
    assert runs == 10  # frames at 0.0 .. 0.9 s (the first second)
    for k in range(10, 30):
        people.process(frame, k * 100_000_000, [adult])
    assert people.search_runs == runs  # after the countdown: only while nobody is found
    people.process(frame, 3_000_000_000, [])
    assert people.search_runs == runs + 1


def test_a_searched_person_already_found_by_the_whole_frame_is_not_added() -> None:
    adult = (130.0, 40.0, 190.0, 176.0)
    scene = Scene(320, 180, [adult])
    people = _people(scene)
    assert people.process(_frame(320, 180), 0, [adult]) is None
    assert people.roi is None


@pytest.mark.slow
@legacy
def test_station_analyze_no_zoom_tracks_the_whole_frame_only(child_sized: Path) -> None:
    """``--no-zoom`` reproduces tracking before the zoom (landmarks saved by earlier versions): the
    small person is then found in a few frames only, and the squats are not counted."""
    import json
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]

    def squats(*extra: str) -> dict[str, Any]:
        p = subprocess.run([sys.executable, "-m", "station", "analyze", str(child_sized), "--exercise", "squats", "--json", "-", *extra],
                           cwd=root, capture_output=True, text=True, timeout=300, env=dict(os.environ, COLUMNS="200"))
        assert p.returncode == 0, p.stderr[-2000:]
        return json.loads(p.stdout)  # type: ignore[no-any-return]

    with_zoom, without = squats(), squats("--no-zoom")
    assert with_zoom["reps"] == 5
    assert without["reps"] < 5
    assert without["frames_with_detection"] <= 0.3 * without["frames"] < with_zoom["frames_with_detection"]


def test_a_partial_detection_of_someone_found_is_them_not_another_person() -> None:
    """Seen on the real clip with a pasted adult: the search found the squatter's lower legs, whose box
    centre lies below the squatter's whole-frame box; overlapping boxes are the same person."""
    squatter = (136.0, 35.0, 179.0, 160.0)
    legs = (143.0, 145.0, 164.0, 180.0)  # centre (153.5, 162.5): outside the squatter's box
    scene = Scene(320, 180, [legs])
    people = _people(scene)
    assert people.process(_frame(320, 180), 0, [squatter]) is None
    assert people.roi is None


def test_a_portrait_camera_zooms_with_a_crop_as_wide_as_the_frame() -> None:
    """A 180x320 portrait frame and a 100 px person: a square twice their height is wider than the
    frame, so the crop is the frame's width (not refused), and it is not rebuilt every frame."""
    scene = Scene(180, 320, [(60, 200, 110, 300)])  # 100 px of 320: too small for the whole frame
    made: list[str] = []

    def run(sol: Any, rgb: Any) -> Any:
        return sol.process(rgb)

    def video() -> Any:
        made.append("crop")
        return scene.solution("crop")

    zoom = PersonZoom(video, lambda: scene.solution("search"), run)
    full = scene.solution("full")
    frame = _frame(180, 320)
    outs = [zoom.process(full, frame) for _ in range(12)]
    assert zoom.state == "zoom" and zoom.roi is not None
    assert zoom.roi[0] == 0 and zoom.roi[2] == 180 and zoom.roi[3] - zoom.roi[1] == 200
    assert sum(o.zoomed and o.res.pose_landmarks is not None for o in outs) >= 10
    assert len(made) == 1


def test_squat_feet_median_ignores_a_frame_with_one_leg() -> None:
    """Squats v4: the left-right ankle difference is NaN where one leg is seen; the 3-frame median
    skips it instead of passing its neighbour's glitch through."""
    from exercises.calisthenics import _median3

    lift = np.array([0, 0, 0, 0, np.nan, 0.45, 0, 0, 0, 0], dtype=np.float64)
    rows = np.column_stack([np.zeros_like(lift), np.zeros_like(lift), lift])
    out = _median3(rows)[:, 2]
    assert float(np.nanmax(out)) < 0.4  # below max_foot_lift: not a lifted foot
    assert not np.isnan(out).any()
    assert _median3(rows[:2]).shape == (2, 3)


def test_batch_results_tracked_with_and_without_zoom_are_different_results() -> None:
    """The batch resume key holds the zoom switch (and people per frame): ``--no-zoom`` on a results
    folder scored with the zoom scores again instead of reusing them."""
    from station.analyze import TrackerOptions
    from station.batch.work import Task

    def task(**o: Any) -> Task:
        return Task("r", "k", "clip.mp4", "clip", "video", "squats", {}, "4", None, "0" * 64, TrackerOptions(**o))

    assert task().backend_options() != task(zoom=False).backend_options()
    assert task().backend_options() != task(num_poses=2, backend="mediapipe-tasks").backend_options()


@pytest.mark.slow
def test_tasks_search_adds_the_missed_person_once_and_never_more_than_num_poses(media: Path, tmp_path: Path) -> None:
    """Real Tasks PoseLandmarker on ``squats_5.mp4`` with a still adult pasted at the left edge: the
    squatter, missed by the whole frame at the start, is reported (``+search``) from the first
    frames; no frame holds more than ``num_poses`` people or the same person twice."""
    from vision.pipeline import track_stream
    from vision.sources import open_source
    from vision.trackers import make_tracker
    from vision.zoom import overlap

    clip = make_variant(media, CLIP, "second_person", tmp_path / "two.mkv")
    for num_poses in (2, 4):
        trk = make_tracker(["pose"], backend="mediapipe-tasks", pose_options={"num_poses": num_poses})
        src = open_source(clip)
        src.t0_ns = 0
        try:
            frames = list(track_stream(src, trk))
        finally:
            trk.close()
        w, h = frames[0].image_size
        for tf in frames:
            assert len(tf.poses) <= num_poses
            boxes = [(float(p.landmarks[:, 0].min() * w), float(p.landmarks[:, 1].min() * h),
                      float(p.landmarks[:, 0].max() * w), float(p.landmarks[:, 1].max() * h)) for p in tf.poses]
            # a person added by the search is nobody the whole frame found (the whole-frame landmarker
            # itself may report one person twice, e.g. frame 33 with 4 people: MediaPipe's own doing)
            added = [b for b, p in zip(boxes, tf.poses, strict=True) if p.model.endswith("+search")]
            others = [b for b, p in zip(boxes, tf.poses, strict=True) if not p.model.endswith("+search")]
            assert all(overlap(a, b) < 0.3 for a in added for b in others), tf.seq
        squatter = [[p for p in tf.poses if float(np.median(p.landmarks[:, 0])) > 0.35] for tf in frames[:10]]
        # found by the search before the first squat starts (0.6 s = frame 6), then every frame
        first = next(i for i, found in enumerate(squatter) if found)
        assert first <= 5 and all(squatter[first:])
        assert all(p.model.endswith("+search") for found in squatter[first:] for p in found)
