"""MediaPipe **Tasks** backend (``HandLandmarker`` / ``PoseLandmarker``), registered as ``mediapipe-tasks``.

It runs wherever MediaPipe's Tasks API exists: mediapipe 0.10.14 (CPython 3.11-3.12, next to the
legacy solutions) and mediapipe >= 0.10.30 / 1.x (CPython 3.13-3.14, where the legacy solutions are
gone). On an installation without the legacy solutions the default backend name ``mediapipe`` also
means this backend, so ``station analyze`` works unchanged on every supported Python.

Models
------
``vision/models/hand_landmarker_full.task`` and ``pose_landmarker_full.task`` are built offline and
reproducibly by ``scripts/build_task_bundles.py`` from the Apache-2.0 ``.tflite`` files inside the
mediapipe 0.10.14 wheel (the same hand-full and pose-full models the legacy backend runs), and shipped
as package data with their licence, NOTICE and SHA-256 (``vision/models/``). Each bundle's SHA-256 is
checked before it is loaded.

Conventions (the same as :mod:`vision.trackers`)
-------------------------------------------------
Coordinates
    Normalised coordinates of the **unmirrored** image; with ``mirrored=True`` x is flipped back
    (world x negated) and, for pose, left/right landmark indices are swapped back (``POSE_FLIP``).
Handedness
    The child's **anatomical** hand. The Tasks hand model labels hands as seen in an unmirrored image
    (the opposite of the legacy solution, which assumes a selfie view): its label is kept as is for
    unmirrored frames and swapped for mirrored ones.
Time
    Observations carry the frame's ``t_ns``; video mode is fed strictly increasing integer
    milliseconds derived from it (:class:`station.core.clock.MonotonicMs`); ``latency_ns`` is the
    time spent in the model.
Several people
    ``num_poses`` (default 1) people per frame, ``person`` = their index in MediaPipe's result.
Pose score
    Mean landmark visibility (0..1), as for the legacy backend.

Usage metrics
-------------
mediapipe >= 0.10.30 contains a usage-metrics uploader ("clearcut", to ``play.googleapis.com/log``)
in its native library, with no documented or discoverable switch to turn it off (see
``docs/MEDIAPIPE_METRICS.md``). So **consent depends on the installed mediapipe version, not on the
backend**: with such a version, creating any tracker raises :class:`MetricsConsentError` (one line,
exit 2 in the CLI) unless the clinic sets ``MOTOR_STATION_ALLOW_MEDIAPIPE_METRICS=1``.
:func:`mediapipe_info` says which version is installed and whether metrics may leave the machine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from station.core import Frame, HandObservation, InputError, PoseObservation, SessionClock, StationError
from station.core.clock import MonotonicMs
from vision.trackers import POSE_FLIP, TrackKind, _MediaPipeTracker, _unmirror, register_backend
from vision.zoom import PeopleSearch, landmark_box

log = logging.getLogger(__name__)

MODELS = Path(__file__).resolve().parent / "models"
CONSENT_ENV = "MOTOR_STATION_ALLOW_MEDIAPIPE_METRICS"
FIRST_VERSION_WITH_METRICS = (0, 10, 30)
BACKEND = "mediapipe-tasks"


class MetricsConsentError(InputError):
    """The installed mediapipe may send usage metrics and the clinic has not allowed it."""


@dataclass(frozen=True)
class MediaPipeInfo:
    """What the installed MediaPipe is and whether it may send usage metrics."""

    version: str
    legacy_solutions: bool
    """``mediapipe.solutions`` (the legacy backend) is available (versions before 0.10.30)."""
    sends_metrics: bool
    """The version carries the clearcut usage-metrics uploader (0.10.30 and later)."""
    metrics_allowed: bool
    """``MOTOR_STATION_ALLOW_MEDIAPIPE_METRICS=1`` is set."""

    @property
    def metrics_may_leave(self) -> bool:
        return self.sends_metrics and self.metrics_allowed

    def summary(self, backend: str = "") -> str:
        """One line for reports and dashboards, e.g. ``MediaPipe 0.10.14 (mediapipe-tasks): no usage metrics leave this machine``."""
        who = f"MediaPipe {self.version}" + (f" ({backend})" if backend else "")
        if not self.sends_metrics:
            return f"{who}: no usage metrics leave this machine"
        if self.metrics_allowed:
            return f"{who}: usage metrics may be sent to Google ({CONSENT_ENV}=1)"
        return f"{who}: sends usage metrics to Google; tracking is refused until {CONSENT_ENV}=1"


def _version_tuple(v: str) -> tuple[int, ...]:
    out = []
    for part in v.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def mediapipe_info() -> MediaPipeInfo:
    """The installed mediapipe (from its package metadata: nothing is imported)."""
    try:
        version = metadata.version("mediapipe")
    except metadata.PackageNotFoundError:
        version = "not installed"
        newer = False
    else:
        newer = _version_tuple(version) >= FIRST_VERSION_WITH_METRICS
    return MediaPipeInfo(version, legacy_solutions=not newer and version != "not installed", sends_metrics=newer,
                         metrics_allowed=os.environ.get(CONSENT_ENV, "") == "1")


def describe_models(models: Iterable[str]) -> str:
    """One line for reports: the tracker models that produced stored landmarks (their names carry the
    backend and the MediaPipe version) and whether usage metrics may have left the machine, e.g.
    ``mediapipe-tasks.pose_landmarker_full/1.2.3 · MediaPipe 1.2.3 sends usage metrics to Google: allowed
    by MOTOR_STATION_ALLOW_MEDIAPIPE_METRICS=1``. Empty when nothing was tracked."""
    names = sorted({m for m in models if m})
    if not names:
        return ""
    versions = sorted({v for m in names for v in re.findall(r"/(\d+\.\d+\.\d+)", m)})
    notes = []
    for v in versions:
        if _version_tuple(v) >= FIRST_VERSION_WITH_METRICS:
            notes.append(f"MediaPipe {v} sends usage metrics to Google: allowed by {CONSENT_ENV}=1")
        else:
            notes.append(f"MediaPipe {v}: no usage metrics left this machine")
    return " · ".join([", ".join(names), *notes])


def check_metrics_consent() -> MediaPipeInfo:
    """Raise :class:`MetricsConsentError` when the installed mediapipe sends metrics without consent."""
    info = mediapipe_info()
    if info.sends_metrics and not info.metrics_allowed:
        raise MetricsConsentError(
            f"mediapipe {info.version} sends usage metrics to Google and no switch turns this off; "
            f"tracking is refused until the clinic allows it with {CONSENT_ENV}=1 "
            "(or use CPython 3.11/3.12, where mediapipe 0.10.14 sends nothing)"
        )
    return info


def _import() -> tuple[Any, Any, Any]:
    import warnings

    check_metrics_consent()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated", category=UserWarning)
        import mediapipe as mp
        from mediapipe.tasks.python import vision as mpv
        from mediapipe.tasks.python.core.base_options import BaseOptions
    return mp, mpv, BaseOptions


@cache
def _expected_sums() -> dict[str, str]:
    sums = {}
    for line in (MODELS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    return sums


def bundle(name: str) -> bytes:
    """The bytes of ``vision/models/<name>``, checked against ``SHA256SUMS``."""
    path = MODELS / name
    if not path.is_file():
        raise InputError(f"MediaPipe Tasks bundle {name} is missing from {MODELS}", fix="reinstall motor-station")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if _expected_sums().get(name) != digest:
        raise InputError(f"MediaPipe Tasks bundle {name} does not match vision/models/SHA256SUMS ({digest[:12]}...)",
                         fix="rebuild it with scripts/build_task_bundles.py or reinstall motor-station")
    return data


class _TasksTracker(_MediaPipeTracker):
    """The legacy trackers' plumbing (life cycle, timing, ``detect``/``process``, context manager,
    detection rate; :class:`vision.trackers.CompositeTracker` shares one RGB conversion with it) with
    a Tasks landmarker in ``_sol``, fed the frame's strictly increasing milliseconds in video mode."""

    def __init__(self, clock: SessionClock | None, mirrored: bool, static: bool) -> None:
        super().__init__(clock, mirrored, static)
        self._mp: Any = None
        self._create: Any = None

    def reset(self) -> None:
        """Forget every earlier frame, as a fresh tracker would: a Tasks landmarker in video mode cannot
        go back in time, so it is created again from the bundle already in memory (batch workers reuse
        one tracker per file)."""
        if self._sol is None:
            raise StationError(f"{type(self).__name__} is closed")
        self._sol.close()
        self._sol = self._create()
        self._ms = MonotonicMs()
        self.frames = self.frames_with_detection = 0

    def _run(self, rgb: NDArray[np.uint8], t_ns: int) -> Any:
        if self._sol is None:
            raise StationError(f"{type(self).__name__} is closed")
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self.static:
            return self._sol.detect(image)
        return self._sol.detect_for_video(image, self._ms(t_ns))


def _arr(points: Any, with_visibility: bool) -> tuple[NDArray[np.float32], NDArray[np.float32] | None]:
    arr = np.array([(p.x, p.y, p.z) for p in points], dtype=np.float32)
    vis = np.array([p.visibility if p.visibility is not None else 0.0 for p in points], dtype=np.float32) if with_visibility else None
    return arr, vis


def _check_complexity(kind: str, model_complexity: int) -> None:
    if model_complexity != 1:
        raise InputError(f"the {BACKEND} backend has only the full {kind} model (complexity 1)",
                         where=f"model_complexity={model_complexity}", fix="use model complexity 1")


class TasksHandTracker(_TasksTracker):
    """MediaPipe Tasks ``HandLandmarker`` (palm detector + hand landmark *full*): up to ``max_hands``
    hands, 21 landmarks and world landmarks each. Parameters as :class:`vision.trackers.HandTracker`
    (``model_complexity`` must be 1)."""

    kinds: tuple[TrackKind, ...] = ("hand",)

    def __init__(
        self,
        *,
        max_hands: int = 2,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        mirrored: bool = False,
        static: bool = False,
        clock: SessionClock | None = None,
    ) -> None:
        super().__init__(clock, mirrored, static)
        _check_complexity("hand", model_complexity)
        if not 1 <= max_hands <= 4:
            raise InputError("max_hands must be 1..4", where=f"max_hands={max_hands}")
        mp, mpv, base = _import()
        self._mp = mp
        self.max_hands = max_hands
        self.model_complexity = 1
        self.model = f"mediapipe-tasks.hand_landmarker_full/{mediapipe_info().version}"
        opts = mpv.HandLandmarkerOptions(
            base_options=base(model_asset_buffer=bundle("hand_landmarker_full.task")),
            running_mode=mpv.RunningMode.IMAGE if static else mpv.RunningMode.VIDEO,
            num_hands=max_hands,
            min_hand_detection_confidence=min_detection_confidence,
            min_hand_presence_confidence=min_tracking_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )
        self._create: Any = lambda: mpv.HandLandmarker.create_from_options(opts)
        self._sol = self._create()

    def _convert(self, frame: Frame, res: Any, latency: int) -> tuple[tuple[HandObservation, ...], tuple[PoseObservation, ...]]:
        out = []
        worlds = res.hand_world_landmarks or [None] * len(res.hand_landmarks)
        for i, (lms, cats, wl) in enumerate(zip(res.hand_landmarks, res.handedness, worlds, strict=False)):
            cat = cats[0]
            arr, _ = _arr(lms, False)
            world = _arr(wl, False)[0] if wl is not None else None
            label = cat.category_name
            if self.mirrored:  # labelled as seen: on a mirrored image that is the other hand
                arr = _unmirror(arr)
                world = _unmirror(world, world=True) if world is not None else None
                label = "Right" if label == "Left" else "Left"
            out.append(HandObservation(
                frame.source_id, frame.seq, frame.t_ns, arr, (frame.width, frame.height), None, world, None,
                float(cat.score), self.model, latency, i, 0, label,
            ))
        return tuple(out), ()


class TasksPoseTracker(_TasksTracker):
    """MediaPipe Tasks ``PoseLandmarker`` (pose detector + BlazePose *full*): up to ``num_poses``
    people, 33 landmarks with visibility and world landmarks each. ``model_complexity`` must be 1;
    ``smooth_landmarks`` is accepted for symmetry with the legacy backend and must stay off (the
    station smooths with its own filter).

    ``zoom`` (default on; acts in video mode with ``num_poses`` > 1): people the whole-frame detector
    misses at the start of a stream are searched and followed in a crop
    (:class:`vision.zoom.PeopleSearch`); they are reported after the whole frame's people, with
    ``model = "<model>+search"``."""

    kinds: tuple[TrackKind, ...] = ("pose",)

    def __init__(
        self,
        *,
        model_complexity: int = 1,
        num_poses: int = 1,
        smooth_landmarks: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        mirrored: bool = False,
        static: bool = False,
        clock: SessionClock | None = None,
        zoom: bool = True,
    ) -> None:
        super().__init__(clock, mirrored, static)
        _check_complexity("pose", model_complexity)
        if not 1 <= num_poses <= 10:
            raise InputError("num_poses must be 1..10", where=f"num_poses={num_poses}")
        if smooth_landmarks:
            raise InputError(f"the {BACKEND} backend has no built-in landmark smoothing", fix="leave smooth_landmarks off")
        mp, mpv, base = _import()
        self._mp = mp
        self.model_complexity = 1
        self.num_poses = num_poses
        self.model = f"mediapipe-tasks.pose_landmarker_full/{mediapipe_info().version}"
        opts = mpv.PoseLandmarkerOptions(
            base_options=base(model_asset_buffer=bundle("pose_landmarker_full.task")),
            running_mode=mpv.RunningMode.IMAGE if static else mpv.RunningMode.VIDEO,
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_tracking_confidence,
            min_tracking_confidence=min_tracking_confidence,
            output_segmentation_masks=False,
        )
        self._create = lambda: mpv.PoseLandmarker.create_from_options(opts)
        self._sol = self._create()
        self._people: PeopleSearch | None = None
        self._extra: tuple[Any, tuple[int, int, int, int]] | None = None
        if zoom and num_poses > 1 and not static:
            data = bundle("pose_landmarker_full.task")  # read and checked once; a follower is made per crop

            def one(mode: Any) -> Any:
                return mpv.PoseLandmarker.create_from_options(mpv.PoseLandmarkerOptions(
                    base_options=base(model_asset_buffer=data), running_mode=mode,
                    num_poses=1, min_pose_detection_confidence=min_detection_confidence,
                    min_pose_presence_confidence=min_tracking_confidence, min_tracking_confidence=min_tracking_confidence,
                    output_segmentation_masks=False))

            self._t_ns = 0
            self._people = PeopleSearch(lambda: one(mpv.RunningMode.VIDEO), lambda: one(mpv.RunningMode.IMAGE),
                                        self._run_one, _first_xy)

    def _run_one(self, landmarker: Any, rgb: NDArray[np.uint8]) -> Any:
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if landmarker is self._people._search_sol:  # type: ignore[union-attr]
            return landmarker.detect(image)
        ms = getattr(landmarker, "_station_ms", None)
        if ms is None:  # each follower its own strictly increasing milliseconds (it lives as long as its crop)
            ms = landmarker._station_ms = MonotonicMs()
        return landmarker.detect_for_video(image, ms(self._t_ns))

    def _infer(self, frame: Frame, rgb: NDArray[np.uint8]) -> Any:
        res = super()._infer(frame, rgb)
        if self._people is not None:
            self._t_ns = frame.t_ns
            w, h = frame.width, frame.height
            found = [landmark_box(np.array([(p.x, p.y) for p in lms], dtype=np.float32), (0, 0), (w, h))
                     for lms in res.pose_landmarks]
            # one more person only while the whole frame found fewer than it may report
            self._extra = self._people.process(rgb, frame.t_ns, found) if len(found) < self.num_poses else None
        return res

    def reset(self) -> None:
        super().reset()
        if self._people is not None:
            self._people.reset()
        self._extra = None

    def close(self) -> None:
        if self._people is not None:
            self._people.close()
        super().close()

    def _convert(self, frame: Frame, res: Any, latency: int) -> tuple[tuple[HandObservation, ...], tuple[PoseObservation, ...]]:
        out = []
        worlds = res.pose_world_landmarks or [None] * len(res.pose_landmarks)
        people: list[tuple[Any, Any, tuple[int, int, int, int] | None]] = [
            (lms, wl, None) for lms, wl in zip(res.pose_landmarks, worlds, strict=False)]
        if self._extra is not None and self._extra[0].pose_landmarks:
            extra, crop = self._extra
            people.append((extra.pose_landmarks[0], extra.pose_world_landmarks[0] if extra.pose_world_landmarks else None, crop))
        for i, (lms, wl, box) in enumerate(people):
            arr, vis = _arr(lms, True)
            world = _arr(wl, False)[0] if wl is not None else None
            assert vis is not None
            model = self.model
            if box is not None:
                # found by the search / followed in a crop: crop-normalised -> whole-frame-normalised
                x0, y0, x1, y1 = box
                arr[:, 0] = (x0 + arr[:, 0] * (x1 - x0)) / frame.width
                arr[:, 1] = (y0 + arr[:, 1] * (y1 - y0)) / frame.height
                arr[:, 2] = arr[:, 2] * (x1 - x0) / frame.width
                model = f"{self.model}+search"
            if self.mirrored:
                arr = _unmirror(arr)[POSE_FLIP]
                vis = vis[POSE_FLIP]
                world = _unmirror(world, world=True)[POSE_FLIP] if world is not None else None
            out.append(PoseObservation(
                frame.source_id, frame.seq, frame.t_ns, arr, (frame.width, frame.height), vis, world, None,
                float(vis.mean()), model, latency, i, 0,
            ))
        return (), tuple(out)


def _first_xy(res: Any) -> NDArray[np.float32] | None:
    if not res.pose_landmarks:
        return None
    return np.array([(p.x, p.y) for p in res.pose_landmarks[0]], dtype=np.float32)


register_backend(BACKEND, "hand", TasksHandTracker)
register_backend(BACKEND, "pose", TasksPoseTracker)
if not mediapipe_info().legacy_solutions:
    # mediapipe >= 0.10.30 (CPython 3.13+) has no legacy solutions: "mediapipe" means the Tasks API
    register_backend("mediapipe", "hand", TasksHandTracker)
    register_backend("mediapipe", "pose", TasksPoseTracker)
