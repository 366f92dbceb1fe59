"""Composition of source -> tracker -> smoothing -> exercise, for recorded videos, saved landmarks
and live cameras.

Used by ``station analyze`` / ``station track`` and by anyone who wants a scored result or a
session feed from a video, a landmark file or a webcam. (``vision`` may not import ``exercises``
or ``station``: this module is where they meet.)

Time base
---------
A file analysed here runs on **file time**: frame ``t_ns`` is the file's own frame time in ns
starting at 0 (``t0_ns = 0``), so results and saved landmarks are reproducible, and re-scoring saved
landmarks gives exactly the live run's events. ``TrackedFrame.t_done_ns`` stays on the host's session
clock (when processing finished), so for files ``t_done_ns - t_ns`` is not a latency: use
``latency_ns`` (inference time) there; live, both are on the session clock. The feeds of a session
(camera, video, replay) are in :mod:`station.session.feeds`.

Which models run
----------------
Only those an exercise consumes: its ``inputs`` class attribute (``("hand",)``, ``("pose",)``,
both) selects the hand and/or pose tracker (:func:`tracker_kinds`). An exercise consuming only
sensors cannot be analysed from video (:class:`InputError`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exercises import registry
from exercises.base import Exercise
from station import __version__
from station.core import ExerciseResult, InputError, SessionClock, StepInput, SystemClock, TrackedFrame
from vision.mp_tasks import describe_models as _describe_models
from vision.smoothing import LandmarkSmoother, SmoothingSettings
from vision.sources import IMAGE_SUFFIXES, ImageFolderSource, VideoFileSource, open_source
from vision.trackers import Tracker, TrackKind, make_tracker

if TYPE_CHECKING:
    from station.workspaces import ActiveWorkspace

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
"""``progress(frames_done, frames_total)``; ``frames_total`` is 0 when unknown."""


@dataclass(frozen=True)
class TrackerOptions:
    """Model settings for an analysis (plain values, picklable for process pools)."""

    hand_complexity: int = 1
    max_hands: int = 2
    pose_complexity: int = 1
    mirrored: bool = False
    backend: str = "mediapipe"
    num_poses: int = 1
    """People per frame the pose tracker reports (a backend that finds several, e.g. ``mediapipe-tasks``;
    the exercise then chooses and follows the participant among them)."""
    hands_from_pose: bool = False
    """Whole-body scenes: search hands in crops around the pose's wrists (:class:`PoseGuidedHandTracker`)."""
    zoom: bool = True
    """Look closer where the whole frame fails (:mod:`vision.zoom`): a small person followed in a crop
    (legacy pose), a person missed among several searched for (Tasks, ``num_poses`` > 1)."""

    def hand(self, static: bool) -> dict[str, Any]:
        return {"model_complexity": self.hand_complexity, "max_hands": self.max_hands, "mirrored": self.mirrored, "static": static}

    def pose(self, static: bool) -> dict[str, Any]:
        opts: dict[str, Any] = {"model_complexity": self.pose_complexity, "mirrored": self.mirrored, "static": static}
        if self.num_poses != 1:
            opts["num_poses"] = self.num_poses
        if not self.zoom:
            opts["zoom"] = False
        return opts


def tracker_kinds(inputs: Iterable[str]) -> tuple[TrackKind, ...]:
    """The camera trackers an exercise needs, from its ``inputs`` (sensor inputs are ignored)."""
    kinds: list[TrackKind] = []
    for k in inputs:
        if k in ("hand", "pose") and k not in kinds:
            kinds.append(k)  # type: ignore[arg-type]
    return tuple(kinds)


def build_tracker(
    kinds: Sequence[TrackKind], options: TrackerOptions | None = None, *, static: bool = False, clock: SessionClock | None = None
) -> Tracker:
    """Hand and/or pose tracker(s) with ``options``; ``static`` for unrelated images."""
    o = options or TrackerOptions()
    if o.hands_from_pose and "hand" in kinds and o.backend == "mediapipe":
        from vision.trackers import PoseGuidedHandTracker

        if static:
            raise InputError("hands from pose needs a video (it follows the body over time), not images")
        return PoseGuidedHandTracker(hand_complexity=o.hand_complexity, mirrored=o.mirrored, clock=clock, zoom=o.zoom)
    try:
        return make_tracker(kinds, backend=o.backend, clock=clock, hand_options=o.hand(static), pose_options=o.pose(static))
    except TypeError as exc:
        if o.num_poses != 1 and "num_poses" in str(exc):
            raise InputError(f"the '{o.backend}' pose tracker reports one person per frame", where=f"num_poses={o.num_poses}",
                             fix="use --backend mediapipe-tasks for several people, or leave --num-poses at 1") from None
        if not o.zoom and "zoom" in str(exc):
            raise InputError(f"the '{o.backend}' pose tracker has no zoom to turn off", where="--no-zoom",
                             fix="leave out --no-zoom for this backend") from None
        raise


def steps_from_tracked(frames: Iterable[TrackedFrame]) -> Iterator[StepInput]:
    """One :class:`StepInput` per tracked frame (also frames without detections)."""
    return (StepInput.from_tracked(tf) for tf in frames)


def create_exercise(name: str, sets: Mapping[str, Any] | Iterable[str] | None = None) -> Exercise:
    """Validated exercise from a name and settings (a mapping, or ``KEY=VALUE`` strings)."""
    if sets is None:
        settings: Mapping[str, Any] = {}
    elif isinstance(sets, Mapping):
        settings = sets
    else:
        settings = registry.parse_sets(sets)
    return registry.create(name, settings)


def video_kinds(ex: Exercise | type[Exercise]) -> tuple[TrackKind, ...]:
    kinds = tracker_kinds(ex.inputs)
    if not kinds:
        raise InputError(f"exercise '{ex.name}' uses sensors only ({', '.join(ex.inputs)}); it cannot be scored from video")
    return kinds


@dataclass
class AnalysisResult:
    """Result of scoring one video (or one landmark file)."""

    source: str
    result: ExerciseResult
    frames: int
    frames_with_detection: int
    duration_s: float
    """Time from the first to the last frame, in file seconds."""
    processing_fps: float
    """Frames processed per wall-clock second (decoding, models, smoothing, scoring)."""
    kinds: tuple[str, ...] = ()
    model: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    dropped: int = 0
    workspace: dict[str, Any] | None = None
    """The workspace calibration the hands were mapped with (camera, version, residual, status), if any."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON result: ``exercise, reps, metrics, events, frames, frames_with_detection,
        duration_s, processing_fps`` (+ units, definitions, provenance)."""
        r = self.result.to_dict()
        out: dict[str, Any] = {
            "exercise": r["exercise"],
            "reps": r["reps"],
            "metrics": r["metrics"],
            "events": r["events"],
            "frames": self.frames,
            "frames_with_detection": self.frames_with_detection,
            "duration_s": round(self.duration_s, 6),
            "processing_fps": round(self.processing_fps, 2),
            "units": r["units"],
            "definitions": r["definitions"],
            "definitions_version": r["definitions_version"],
            "source": self.source,
            "settings": _jsonable_settings(self.settings),
            "trackers": list(self.kinds),
            "model": self.model,
            "tracker": _describe_models([self.model]),  # backend, MediaPipe version, whether usage metrics may leave
            "software_version": __version__,
        }
        if self.workspace is not None:
            out["workspace"] = self.workspace
        return out


def _jsonable_settings(s: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in s.items():
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def _workspace_for(ex: Exercise, camera_id: str | None) -> ActiveWorkspace | None:
    """The stored workspace of ``camera_id`` (``None`` when not asked); refuses a millimetre mode
    without any mapping, before any work."""
    from station.workspaces import check_mapping, load_active

    check_mapping(ex.name, ex.settings, camera_id)
    return None if camera_id is None else load_active(camera_id)


def check_output(path: str | Path, overwrite: bool = False) -> Path:
    """Validate an output path before any work: never overwrite (unless asked), folder must exist."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise InputError("output file exists (never overwritten)", where=str(p), fix="choose another name or pass --force")
    if not p.parent.exists():
        raise InputError("output folder does not exist", where=str(p.parent))
    return p


class _Scorer:
    """Feeds tracked frames to an exercise and counts what the result needs."""

    def __init__(self, ex: Exercise, workspace: ActiveWorkspace | None = None) -> None:
        self.ex = ex
        self.workspace = workspace
        self.frames = 0
        self.with_detection = 0
        self.t_first: int | None = None
        self.t_last: int | None = None

    def __call__(self, tf: TrackedFrame) -> None:
        self.frames += 1
        if tf.hands or tf.poses:
            self.with_detection += 1
        if self.t_first is None:
            self.t_first = tf.t_ns
        self.t_last = tf.t_ns
        inp = StepInput.from_tracked(tf)
        self.ex.step(inp if self.workspace is None else self.workspace.apply(inp))

    def finish(self, source: str, wall_s: float, kinds: Sequence[str], model: str) -> AnalysisResult:
        self.ex.finish()
        dur = 0.0 if self.t_first is None or self.t_last is None else (self.t_last - self.t_first) / 1e9
        return AnalysisResult(
            source=source, result=self.ex.result(), frames=self.frames, frames_with_detection=self.with_detection,
            duration_s=dur, processing_fps=self.frames / wall_s if wall_s > 0 else 0.0, kinds=tuple(kinds), model=model,
            settings=self.ex.settings.model_dump(),
            workspace=None if self.workspace is None else self.workspace.provenance(),
        )


class _Overlay:
    """Draws the tracked frame, a fingertip trail and the exercise's target path(s) per frame."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int], ex: Exercise, overwrite: bool) -> None:
        from vision.overlay import OverlayVideoWriter

        self.writer = OverlayVideoWriter(path, fps, size, overwrite=overwrite)
        self.ex = ex
        self.trail: deque[tuple[float, float]] = deque(maxlen=60)

    def _paths(self, size: tuple[int, int]) -> list[np.ndarray]:
        hook = getattr(self.ex, "overlay_paths", None)
        if callable(hook):
            return [np.asarray(p, dtype=np.float64) for p in hook(size)]
        tmpl = getattr(self.ex, "template", None)
        pts = getattr(tmpl, "points", None)
        if pts is not None:
            arr = np.asarray(pts, dtype=np.float64)
            if arr.ndim == 2 and arr.shape[1] == 2 and np.all(np.abs(arr) < 2.0):  # normalised image coordinates
                return [arr]
        return []

    def __call__(self, frame: Any, tf: TrackedFrame) -> None:
        from vision.overlay import draw_label, draw_path, draw_tracked, draw_trail

        img = frame.image.copy()
        for p in self._paths((frame.width, frame.height)):
            draw_path(img, p, tolerance=getattr(self.ex.settings, "tolerance", None))
        if tf.hands:
            tip = tf.hands[0].landmarks[8, :2]
            self.trail.append((float(tip[0]), float(tip[1])))
        else:
            self.trail.append((math.nan, math.nan))
        draw_trail(img, np.array(self.trail))
        draw_tracked(img, tf)
        draw_label(img, f"{self.ex.title}: {self.ex.reps()}  t={tf.t_ns / 1e9:5.2f} s")
        self.writer.write(img)

    def close(self) -> None:
        self.writer.close()


def analyze(
    path: str | Path,
    exercise: str,
    sets: Mapping[str, Any] | Iterable[str] | None = None,
    *,
    options: TrackerOptions | None = None,
    smoothing: SmoothingSettings | None = None,
    overlay: str | Path | None = None,
    landmarks_out: str | Path | None = None,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
    clock: SessionClock | None = None,
    tracker: Tracker | None = None,
    image_fps: float = 1.0,
    workspace: str | None = None,
) -> AnalysisResult:
    """Score a video file (or an image / image folder) with an exercise, as fast as possible.

    Parameters
    ----------
    path: a video (mp4, avi, mov, gif...), an image, or a folder of images.
    exercise: registry name (``jumps``, ``tracing``...).
    sets: exercise settings (mapping or ``KEY=VALUE`` strings).
    options: model settings. smoothing: landmark filter (default: the children-tuned One Euro).
    overlay: write an annotated MP4 here. landmarks_out: save raw landmarks (Parquet) here.
    overwrite: allow replacing existing output files.
    progress: called after each frame with ``(done, total)``.
    tracker: use this tracker instead of building MediaPipe ones (e.g. a ReplayTracker).
    image_fps: frame rate assigned to an image folder (images are frames ``1 / image_fps`` s apart).
    workspace: camera id whose stored workspace calibration maps the hands to plane millimetres
        (tabletop tracing, the physical pegboard; see :mod:`station.workspaces`).

    Raises
    ------
    InputError: unknown exercise, malformed settings, missing/unreadable video, empty folder, a
        millimetre mode without a mapping, a workspace that is not stored.
    """
    ex = create_exercise(exercise, sets)
    kinds = video_kinds(ex)
    active = _workspace_for(ex, workspace)
    for out in (overlay, landmarks_out):
        if out is not None:
            check_output(out, overwrite)
    src = open_source(path, timing="none", clock=clock or SystemClock(), image_fps=image_fps)
    src.t0_ns = 0  # file time: reproducible results
    src.open()  # InputError for unreadable input, before loading any model
    static = isinstance(src, ImageFolderSource)
    total = src.frame_count if isinstance(src, VideoFileSource) else len(src.files)
    fps = src.fps if isinstance(src, VideoFileSource) else 0.0
    size = src.size if isinstance(src, VideoFileSource) else (0, 0)
    smoother = LandmarkSmoother(smoothing or SmoothingSettings())
    scorer = _Scorer(ex, active)
    writer: Any = None
    ov: _Overlay | None = None
    trk: Tracker | None = None
    try:
        if overlay is not None:
            if static:
                raise InputError("--overlay needs a video, not images", where=str(path))
            ov = _Overlay(Path(overlay), fps, size, ex, overwrite)
        trk = tracker if tracker is not None else build_tracker(kinds, options, static=static, clock=clock)
        if landmarks_out is not None:
            from vision.recording import LandmarkWriter

            writer = LandmarkWriter(landmarks_out, source=str(path), model=trk.model, kinds=tuple(trk.kinds), overwrite=overwrite,
                                    info={"software_version": __version__, "options": dataclasses.asdict(options or TrackerOptions())})
        from vision.pipeline import track_stream

        last: list[Any] = [None]

        def keep(frame: Any, tf: TrackedFrame) -> None:
            last[0] = frame
            if writer is not None:
                writer.write(tf)

        t0 = time.perf_counter()
        done = 0
        for raw in track_stream(src, trk, on_frame=keep):
            tf = smoother(raw)
            scorer(tf)
            if ov is not None:
                ov(last[0], tf)
            done += 1
            if progress is not None:
                progress(done, total)
        wall = time.perf_counter() - t0
        return scorer.finish(str(path), wall, tuple(trk.kinds), trk.model)
    finally:
        if trk is not None and tracker is None:
            trk.close()
        src.close()
        if writer is not None:
            writer.close()
        if ov is not None:
            ov.close()


def analyze_landmarks(
    path: str | Path,
    exercise: str,
    sets: Mapping[str, Any] | Iterable[str] | None = None,
    *,
    smoothing: SmoothingSettings | None = None,
    progress: ProgressFn | None = None,
    workspace: str | None = None,
) -> AnalysisResult:
    """Re-score saved landmarks (``station track`` output) without video or models.

    With the same settings and smoothing, the result equals the run that saved them. ``workspace``:
    as in :func:`analyze` (saved landmarks are in image coordinates; the mapping is applied again).
    """
    from vision.recording import ReplayTracker

    ex = create_exercise(exercise, sets)
    kinds = video_kinds(ex)
    active = _workspace_for(ex, workspace)
    rep = ReplayTracker(path)
    missing = [k for k in kinds if k not in rep.kinds]
    if missing:
        raise InputError(f"landmark file has no {', '.join(missing)} landmarks needed by '{ex.name}'", where=str(path),
                         fix="track them: station track VIDEO --hands --pose")
    smoother = LandmarkSmoother(smoothing or SmoothingSettings())
    scorer = _Scorer(ex, active)
    t0 = time.perf_counter()
    for i, raw in enumerate(rep, 1):
        scorer(smoother(raw))
        if progress is not None:
            progress(i, len(rep))
    return scorer.finish(str(path), time.perf_counter() - t0, kinds, rep.model)


def track_file(
    path: str | Path,
    out: str | Path,
    kinds: Sequence[TrackKind],
    *,
    options: TrackerOptions | None = None,
    overwrite: bool = False,
    progress: ProgressFn | None = None,
    image_fps: float = 1.0,
) -> tuple[int, int]:
    """Save raw per-frame landmarks of a video/images to Parquet; returns ``(frames, frames_with_detection)``."""
    from vision.pipeline import track_stream
    from vision.recording import LandmarkWriter

    if not kinds:
        raise InputError("nothing to track", fix="pass --hands and/or --pose")
    check_output(out, overwrite)
    src = open_source(path, timing="none", image_fps=image_fps)
    src.t0_ns = 0
    src.open()
    static = isinstance(src, ImageFolderSource)
    total = src.frame_count if isinstance(src, VideoFileSource) else len(src.files)
    frames = found = 0
    try:
        trk = build_tracker(kinds, options, static=static)
        try:
            with LandmarkWriter(out, source=str(path), model=trk.model, kinds=kinds, overwrite=overwrite,
                                info={"software_version": __version__, "options": dataclasses.asdict(options or TrackerOptions())}) as w:
                for tf in track_stream(src, trk):
                    w.write(tf)
                    frames += 1
                    found += bool(tf.hands or tf.poses)
                    if progress is not None:
                        progress(frames, total)
        finally:
            trk.close()
    finally:
        src.close()
    return frames, found




__all__ = [
    "IMAGE_SUFFIXES",
    "AnalysisResult",
    "TrackerOptions",
    "analyze",
    "analyze_landmarks",
    "build_tracker",
    "check_output",
    "create_exercise",
    "steps_from_tracked",
    "track_file",
    "tracker_kinds",
]
