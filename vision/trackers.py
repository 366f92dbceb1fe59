"""Landmark trackers: MediaPipe hands and pose (legacy ``mediapipe.solutions``), composable, pluggable.

Every tracker turns a :class:`station.core.Frame` into a :class:`station.core.TrackedFrame` (also
for frames where nothing was found) through the :class:`Tracker` protocol. Exercises only ever see
``TrackedFrame``/observations, so another backend (a MediaPipe Tasks ``.task`` bundle, another pose
model, a replay of saved landmarks) plugs in by implementing :class:`Tracker` and, optionally,
registering a factory with :func:`register_backend` in its own module of this package (or of an installed
package, through the ``motor_station.trackers`` entry points): :func:`discover_backends` finds it, and
every command offers it with ``--backend NAME``; no exercise changes.

Conventions
-----------
Coordinates
    Landmarks are normalised image coordinates of the **unmirrored** image: x right, y down in
    0..1 of width/height, z MediaPipe's relative depth (same scale as x). ``world`` is metres in
    the model's frame (pose: origin between the hips; hands: origin near the hand's centre).
    When the frames given to a tracker are mirrored (a selfie view, ``mirrored=True``), x is flipped
    back (``x -> 1 - x``, world ``x -> -x``) before anything is stored.
Handedness
    ``HandObservation.handedness`` is the child's **anatomical** hand. The legacy MediaPipe hand
    model labels hands *assuming a mirrored (selfie) image*: on a mirrored image its label is the
    anatomical hand; on an unmirrored image (a file, a raw camera) it is the opposite one. So with
    ``mirrored=False`` (the default) the label is swapped. Example: MediaPipe labels the hand in
    ``media/hand/open_palm.mp4`` "Left"; the station stores "Right" (a right hand, palm up).
Time
    ``TrackedFrame.t_ns`` and every observation's ``t_ns`` are the *frame's* capture time. MediaPipe
    runs in video mode fed strictly increasing integer milliseconds derived from ``t_ns``
    (:class:`station.core.clock.MonotonicMs`). ``latency_ns`` is the wall time spent in the model
    (``time.perf_counter_ns`` around the call: a duration of real computation, also under a fake
    session clock); ``t_done_ns`` is the session clock when tracking finished.
Several people
    The legacy pose model follows **one** person (the most prominent one the detector found; it
    keeps tracking that person while tracking confidence holds). With two people in view (for
    example ``media/body/jump_from_box_two_people.mp4``) only one ``PoseObservation`` per frame is
    produced and it may switch people after a loss. Hands: up to ``max_hands`` (default 2).
Pose score
    The legacy pose model gives no whole-person confidence; ``PoseObservation.score`` is the mean
    landmark visibility (0..1).

MediaPipe is imported inside the functions that load a model.
"""

from __future__ import annotations

import abc
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from station.core import (
    Frame,
    HandObservation,
    InputError,
    PoseObservation,
    SessionClock,
    StationError,
    SystemClock,
    TrackedFrame,
)
from station.core.clock import MonotonicMs
from vision.zoom import PersonZoom, ZoomSettings

log = logging.getLogger(__name__)

TrackKind = Literal["hand", "pose"]


@runtime_checkable
class Tracker(Protocol):
    """What the pipeline and the analyzer need of a landmark tracker."""

    kinds: tuple[TrackKind, ...]
    """What it finds: ``("hand",)``, ``("pose",)`` or both."""
    model: str
    """Model name and version, recorded with every observation."""

    def process(self, frame: Frame) -> TrackedFrame:
        """Track one frame (frames must come in increasing ``t_ns``)."""
        ...

    def close(self) -> None:
        """Release the model (idempotent)."""
        ...


@runtime_checkable
class Resettable(Protocol):
    """A tracker that can forget earlier frames and keep its loaded models."""

    def reset(self) -> None: ...


def _import_mediapipe() -> Any:
    import warnings

    try:
        with warnings.catch_warnings():
            # protobuf 4.25 warns once when mediapipe 0.10.x is imported (not ours to fix)
            warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated", category=UserWarning)
            import mediapipe as mp
    except ImportError as exc:  # pragma: no cover - mediapipe is a dependency
        raise StationError(f"MediaPipe cannot be imported ({exc}); install it: pip install mediapipe==0.10.14") from exc
    if not hasattr(mp, "solutions"):
        raise StationError(
            f"mediapipe {getattr(mp, '__version__', '?')} has no legacy 'solutions' models; "
            "install mediapipe 0.10.14 (pyproject pins it) or plug in a Tasks backend"
        )
    return mp


def _model_file(mp: Any, *parts: str) -> Path:
    return Path(mp.__file__).parent.joinpath("modules", *parts)


def _to_rgb(frame: Frame) -> NDArray[np.uint8]:
    import cv2

    img = frame.image
    rgb = np.asarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), dtype=np.uint8) if frame.color == "bgr" else np.ascontiguousarray(img)
    rgb.flags.writeable = False
    return rgb


def _landmarks(lms: Any, with_visibility: bool) -> tuple[NDArray[np.float32], NDArray[np.float32] | None]:
    pts = lms.landmark
    arr = np.array([(p.x, p.y, p.z) for p in pts], dtype=np.float32)
    vis = np.array([p.visibility for p in pts], dtype=np.float32) if with_visibility else None
    return arr, vis


def _unmirror(arr: NDArray[np.float32], world: bool = False) -> NDArray[np.float32]:
    out = arr.copy()
    out[:, 0] = -out[:, 0] if world else np.float32(1.0) - out[:, 0]
    return out


class _MediaPipeTracker(abc.ABC):
    """Shared plumbing: model life cycle, video-mode timestamps, timing, ``process``."""

    kinds: tuple[TrackKind, ...] = ()
    model = ""

    def __init__(self, clock: SessionClock | None, mirrored: bool, static: bool) -> None:
        self.clock: SessionClock = clock if clock is not None else SystemClock()
        self.mirrored = mirrored
        self.static = static
        self._ms = MonotonicMs()
        self._sol: Any = None
        self.frames = 0
        self.frames_with_detection = 0

    def _run(self, rgb: NDArray[np.uint8], t_ns: int) -> Any:
        if self._sol is None:
            raise StationError(f"{type(self).__name__} is closed")
        if not self.static:
            # The legacy SolutionBase stamps packets itself (+33333 us per call); give it the frame's
            # strictly increasing milliseconds instead so MediaPipe's video-mode filters see real time.
            self._sol._simulated_timestamp = self._ms(t_ns) * 1000 - 33333
        return self._sol.process(rgb)

    def detect(self, frame: Frame, rgb: NDArray[np.uint8]) -> tuple[tuple[HandObservation, ...], tuple[PoseObservation, ...], int]:
        """Observations in ``frame`` (given its RGB image) and the inference time in ns."""
        t = time.perf_counter_ns()
        res = self._infer(frame, rgb)
        latency = time.perf_counter_ns() - t
        hands, poses = self._convert(frame, res, latency)
        self.frames += 1
        if hands or poses:
            self.frames_with_detection += 1
        return hands, poses, latency

    def _infer(self, frame: Frame, rgb: NDArray[np.uint8]) -> Any:
        """The model's result for one frame (a subclass may run more than one graph)."""
        return self._run(rgb, frame.t_ns)

    @abc.abstractmethod
    def _convert(self, frame: Frame, res: Any, latency: int) -> tuple[tuple[HandObservation, ...], tuple[PoseObservation, ...]]:
        """MediaPipe results -> observations (in this module's conventions)."""

    def process(self, frame: Frame) -> TrackedFrame:
        hands, poses, latency = self.detect(frame, _to_rgb(frame))
        return TrackedFrame(frame.source_id, frame.seq, frame.t_ns, (frame.width, frame.height), hands, poses,
                            latency, self.clock.now_ns())

    def close(self) -> None:
        if self._sol is not None:
            self._sol.close()
            self._sol = None

    def reset(self) -> None:
        """Forget every earlier frame (graph restarted, timestamps and counts from zero), keeping the
        loaded model: the next file is tracked exactly as by a fresh tracker (batch workers reuse one)."""
        if self._sol is None:
            raise StationError(f"{type(self).__name__} is closed")
        self._sol.reset()
        self._ms = MonotonicMs()
        self.frames = self.frames_with_detection = 0

    def __enter__(self) -> _MediaPipeTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def detection_rate(self) -> float:
        return self.frames_with_detection / self.frames if self.frames else 0.0


class HandTracker(_MediaPipeTracker):
    """MediaPipe hands (legacy solution): up to ``max_hands`` hands, 21 landmarks each.

    Parameters
    ----------
    max_hands: 1 or 2 (default 2).
    model_complexity: 0 (lite, faster) or 1 (full).
    min_detection_confidence, min_tracking_confidence: MediaPipe thresholds (0..1).
    mirrored: ``True`` when the frames are mirrored (selfie view); see the module docstring.
    static: treat every frame as an independent image (image folders); default video mode.
    clock: the session clock for ``t_done_ns``.

    Raises
    ------
    InputError: an invalid parameter.  StationError: the model cannot load.
    """

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
        if model_complexity not in (0, 1):
            raise InputError("hand model complexity must be 0 or 1", where=f"model_complexity={model_complexity}")
        if not 1 <= max_hands <= 4:
            raise InputError("max_hands must be 1..4", where=f"max_hands={max_hands}")
        mp = _import_mediapipe()
        name = "hand_landmark_lite.tflite" if model_complexity == 0 else "hand_landmark_full.tflite"
        if not _model_file(mp, "hand_landmark", name).is_file():
            raise StationError(f"MediaPipe hand model {name} is missing from the mediapipe package; reinstall mediapipe==0.10.14")
        self.model_complexity = model_complexity
        self.max_hands = max_hands
        self.model = f"mediapipe.hands/{mp.__version__}/c{model_complexity}"
        try:
            self._sol = mp.solutions.hands.Hands(
                static_image_mode=static,
                max_num_hands=max_hands,
                model_complexity=model_complexity,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
        except Exception as exc:
            raise StationError(f"cannot load MediaPipe hand model ({self.model}): {exc}") from exc

    def _convert(self, frame: Frame, res: Any, latency: int) -> tuple[tuple[HandObservation, ...], tuple[PoseObservation, ...]]:
        if not res.multi_hand_landmarks:
            return (), ()
        out = []
        worlds = res.multi_hand_world_landmarks or [None] * len(res.multi_hand_landmarks)
        for i, (lms, hd, wl) in enumerate(zip(res.multi_hand_landmarks, res.multi_handedness, worlds, strict=False)):
            cls = hd.classification[0]
            arr, _ = _landmarks(lms, False)
            world = _landmarks(wl, False)[0] if wl is not None else None
            label = cls.label
            if self.mirrored:
                arr = _unmirror(arr)
                world = _unmirror(world, world=True) if world is not None else None
            else:
                label = "Right" if label == "Left" else "Left"
            out.append(HandObservation(
                frame.source_id, frame.seq, frame.t_ns, arr, (frame.width, frame.height), None, world, None,
                float(cls.score), self.model, latency, i, 0, label,
            ))
        return tuple(out), ()


POSE_MODEL_FILES = {0: "pose_landmark_lite.tflite", 1: "pose_landmark_full.tflite", 2: "pose_landmark_heavy.tflite"}


class PoseTracker(_MediaPipeTracker):
    """MediaPipe pose (legacy solution, BlazePose): one person, 33 landmarks with visibility and
    world landmarks (metres, hip-centred).

    Parameters
    ----------
    model_complexity: 0, 1 or 2; only **1** ships inside the mediapipe wheel. 0 and 2 are
        downloaded by MediaPipe on first use, which needs internet; without the model file this
        raises :class:`InputError` instead of trying.
    smooth_landmarks: MediaPipe's own landmark filter (default off: the station applies its own,
        documented One Euro filter, :mod:`vision.smoothing`, so saved landmarks are the model's).
    mirrored, static, clock: as for :class:`HandTracker`.
    zoom: in video mode, zoom on a person too small for the whole frame (:mod:`vision.zoom`;
        default on): a small or unseen person is searched and followed in a crop, and landmarks
        found there carry ``model = "<model>+zoom"``. ``zoom_settings`` tunes it.
    """

    kinds: tuple[TrackKind, ...] = ("pose",)

    def __init__(
        self,
        *,
        model_complexity: int = 1,
        smooth_landmarks: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        mirrored: bool = False,
        static: bool = False,
        clock: SessionClock | None = None,
        zoom: bool = True,
        zoom_settings: ZoomSettings | None = None,
    ) -> None:
        super().__init__(clock, mirrored, static)
        if model_complexity not in POSE_MODEL_FILES:
            raise InputError("pose model complexity must be 0, 1 or 2", where=f"model_complexity={model_complexity}")
        mp = _import_mediapipe()
        name = POSE_MODEL_FILES[model_complexity]
        if not _model_file(mp, "pose_landmark", name).is_file():
            raise InputError(
                f"MediaPipe pose model complexity {model_complexity} is not installed ({name})",
                fix="use model complexity 1 (the only pose model inside the mediapipe wheel; 0 and 2 need a download)",
            )
        self.model_complexity = model_complexity
        self.model = f"mediapipe.pose/{mp.__version__}/c{model_complexity}"

        def make(image_mode: bool) -> Any:
            return mp.solutions.pose.Pose(
                static_image_mode=image_mode,
                model_complexity=model_complexity,
                smooth_landmarks=smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )

        try:
            self._sol = make(static)
        except Exception as exc:
            raise StationError(f"cannot load MediaPipe pose model ({self.model}): {exc}") from exc
        self._zoom = (PersonZoom(lambda: make(False), lambda: make(True), self._run_graph, zoom_settings)
                      if zoom and not static else None)
        self._graph_ms: dict[int, MonotonicMs] = {}
        self._t_ns = 0
        self._box: tuple[int, int, int, int] | None = None

    def _run_graph(self, sol: Any, rgb: NDArray[np.uint8]) -> Any:
        """Run the whole-frame graph (``self._sol``) or a zoom crop's graph on ``rgb`` at the current frame's time."""
        if sol is self._sol:
            return self._run(rgb, self._t_ns)
        ms = self._graph_ms.setdefault(id(sol), MonotonicMs())
        sol._simulated_timestamp = ms(self._t_ns) * 1000 - 33333
        return sol.process(rgb)

    def _infer(self, frame: Frame, rgb: NDArray[np.uint8]) -> Any:
        if self._zoom is None:
            return super()._infer(frame, rgb)
        if self._sol is None:
            raise StationError(f"{type(self).__name__} is closed")
        self._t_ns = frame.t_ns
        z = self._zoom.process(self._sol, rgb)
        self._box = z.box if z.zoomed else None
        return z.res

    def close(self) -> None:
        if self._zoom is not None:
            self._zoom.close()
        super().close()

    def reset(self) -> None:
        super().reset()
        if self._zoom is not None:
            self._zoom.reset()
        self._graph_ms.clear()
        self._box = None

    def _convert(self, frame: Frame, res: Any, latency: int) -> tuple[tuple[HandObservation, ...], tuple[PoseObservation, ...]]:
        if res.pose_landmarks is None:
            return (), ()
        arr, vis = _landmarks(res.pose_landmarks, True)
        world = _landmarks(res.pose_world_landmarks, False)[0] if res.pose_world_landmarks is not None else None
        model = self.model
        if self._box is not None:
            # found in a zoom crop: crop-normalised -> whole-frame-normalised (z scales like x)
            x0, y0, x1, y1 = self._box
            arr = arr.copy()
            arr[:, 0] = (x0 + arr[:, 0] * (x1 - x0)) / frame.width
            arr[:, 1] = (y0 + arr[:, 1] * (y1 - y0)) / frame.height
            arr[:, 2] = arr[:, 2] * (x1 - x0) / frame.width
            model = f"{self.model}+zoom"
        if self.mirrored:
            # Flipping the image also swaps left/right landmark indices: put them back in place.
            arr = _unmirror(arr)[POSE_FLIP]
            vis = vis[POSE_FLIP] if vis is not None else None
            world = _unmirror(world, world=True)[POSE_FLIP] if world is not None else None
        assert vis is not None
        return (), (PoseObservation(
            frame.source_id, frame.seq, frame.t_ns, arr, (frame.width, frame.height), vis, world, None,
            float(vis.mean()), model, latency, 0, 0,
        ),)


# BlazePose left<->right landmark pairs (index i of a mirrored image holds the other side's point).
_POSE_PAIRS = [(1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18), (19, 20), (21, 22),
               (23, 24), (25, 26), (27, 28), (29, 30), (31, 32)]
POSE_FLIP = np.arange(33)
for _a, _b in _POSE_PAIRS:
    POSE_FLIP[_a], POSE_FLIP[_b] = _b, _a


class CompositeTracker:
    """Several trackers on the same frame (e.g. hands and pose), merged into one ``TrackedFrame``.

    The BGR->RGB conversion is done once per frame; ``latency_ns`` is the sum of the models' times.
    """

    def __init__(self, trackers: Sequence[_MediaPipeTracker | Tracker], clock: SessionClock | None = None) -> None:
        if not trackers:
            raise InputError("no tracker selected", fix="choose hands and/or pose")
        self.trackers = list(trackers)
        self.kinds: tuple[TrackKind, ...] = tuple(k for t in trackers for k in t.kinds)
        self.model = "+".join(t.model for t in trackers)
        self.clock: SessionClock = clock if clock is not None else SystemClock()

    def process(self, frame: Frame) -> TrackedFrame:
        rgb: NDArray[np.uint8] | None = None
        hands: tuple[HandObservation, ...] = ()
        poses: tuple[PoseObservation, ...] = ()
        latency = 0
        for t in self.trackers:
            if isinstance(t, _MediaPipeTracker):
                if rgb is None:
                    rgb = _to_rgb(frame)
                h, p, lat = t.detect(frame, rgb)
            else:
                tf = t.process(frame)
                h, p, lat = tf.hands, tf.poses, tf.latency_ns
            hands += h
            poses += p
            latency += lat
        return TrackedFrame(frame.source_id, frame.seq, frame.t_ns, (frame.width, frame.height), hands, poses,
                            latency, self.clock.now_ns())

    def close(self) -> None:
        for t in self.trackers:
            t.close()

    def reset(self) -> None:
        """Reset every tracker (see :meth:`_MediaPipeTracker.reset`); ``AttributeError`` if one cannot."""
        for t in self.trackers:
            if not isinstance(t, Resettable):
                raise AttributeError(f"{type(t).__name__} has no reset(): it cannot forget earlier frames")
            t.reset()

    def __enter__(self) -> CompositeTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PoseGuidedHandTracker:
    """Body and hands for whole-body scenes: hands searched in crops around the wrists found by pose.

    In a whole-body view the hands are small (20-40 px) and MediaPipe's palm detector, which runs on
    the whole frame scaled to 192 px, rarely finds them. This tracker runs the pose model, then, for
    every wrist with visibility >= ``min_wrist_visibility``, a square crop centred a little beyond
    the wrist along the forearm (side ``crop_scale`` x forearm length, at least ``min_crop_px``),
    resampled to 256 px and given to the hand model in image mode (``max_num_hands=1``). A hand is
    kept only when its wrist lands within ``accept`` x forearm length of the pose's wrist (no
    neighbour's hand, no phantom), and mapped back to full-frame normalised coordinates (z rescaled
    to the frame width). Its handedness is the **pose side** (landmark 15 = the person's left
    wrist, 16 = right), which is more reliable than the hand model's own label on a crop.

    With ``full_frame=True`` (default) the ordinary full-frame hand tracker also runs; a full-frame
    hand near a pose wrist wins (native resolution) and the crop only fills in a wrist without one.

    Measured on ../shared/media (hand observations per clip, full-frame model alone -> this tracker):
    street_dance.mp4 36 -> 104, lab_balance_60fps.mp4 61 -> 140, jump_from_box_two_people.mp4
    0 -> 196, yoga_flow.gif 28 -> 48. Cost: the pose model plus one image-mode hand run per visible
    wrist without a full-frame hand (about 90-120 ms per frame on 2 loaded cores): for offline
    analysis and for live views that can afford it. Close-up hands (tracing, pegboard) need only
    :class:`HandTracker`.

    ``PoseObservation`` s are those of the pose model; hand observations carry
    ``model = "<hand model>+posecrop"`` when found in a crop.
    """

    kinds: tuple[TrackKind, ...] = ("hand", "pose")

    def __init__(
        self,
        *,
        hand_complexity: int = 1,
        full_frame: bool = True,
        min_wrist_visibility: float = 0.5,
        crop_scale: float = 3.2,
        min_crop_px: int = 48,
        accept: float = 0.6,
        mirrored: bool = False,
        clock: SessionClock | None = None,
        zoom: bool = True,
    ) -> None:
        self.clock: SessionClock = clock if clock is not None else SystemClock()
        self.mirrored = mirrored
        self.pose = PoseTracker(mirrored=mirrored, clock=clock, zoom=zoom)
        made: list[Any] = [self.pose]
        try:
            # crops are fed as unmirrored images: the label is swapped (see the module docstring)
            # but ignored anyway in favour of the pose side
            self.crop_hands = HandTracker(max_hands=1, model_complexity=hand_complexity, static=True, clock=clock)
            made.append(self.crop_hands)
            self.full = HandTracker(model_complexity=hand_complexity, mirrored=mirrored, clock=clock) if full_frame else None
        except BaseException:
            for t in made:
                t.close()
            raise
        self.min_wrist_visibility = min_wrist_visibility
        self.crop_scale = crop_scale
        self.min_crop_px = min_crop_px
        self.accept = accept
        self.model = f"{self.pose.model}+{self.crop_hands.model}+posecrop"
        self.crop_found = 0
        self.crop_tried = 0

    def _crop(self, rgb: NDArray[np.uint8], centre: NDArray[np.float64], side: float) -> tuple[NDArray[np.uint8], float, float]:
        import cv2

        size = 256
        x0, y0 = centre[0] - side / 2, centre[1] - side / 2
        k = size / side
        m = np.array([[k, 0.0, -x0 * k], [0.0, k, -y0 * k]], dtype=np.float64)
        crop = np.asarray(cv2.warpAffine(rgb, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT),
                          dtype=np.uint8)
        crop.flags.writeable = False
        return crop, x0, y0

    def _unmirrored_rgb(self, frame: Frame, rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
        if not self.mirrored:
            return rgb
        out = np.ascontiguousarray(rgb[:, ::-1])
        out.flags.writeable = False
        return out

    def process(self, frame: Frame) -> TrackedFrame:
        rgb = _to_rgb(frame)
        _, poses, lat_pose = self.pose.detect(frame, rgb)
        full: tuple[HandObservation, ...] = ()
        lat = lat_pose
        if self.full is not None:
            full, _, lat_full = self.full.detect(frame, rgb)
            lat += lat_full
        hands: list[HandObservation] = []
        used: set[int] = set()
        if poses:
            w, h = frame.width, frame.height
            p = poses[0]
            xy = p.xy_px()
            vis = p.visibility if p.visibility is not None else np.ones(len(xy), dtype=np.float32)
            plain = self._unmirrored_rgb(frame, rgb)  # pose landmarks are already unmirrored
            arms: tuple[tuple[int, int, Literal["Left", "Right"]], ...] = ((15, 13, "Left"), (16, 14, "Right"))
            for wrist, elbow, side_label in arms:
                if vis[wrist] < self.min_wrist_visibility:
                    continue
                forearm = float(np.hypot(*(xy[wrist] - xy[elbow])))
                reach = max(forearm, self.min_crop_px / self.crop_scale)
                near = [i for i, hobs in enumerate(full) if i not in used
                        and float(np.hypot(*(hobs.xy_px()[0] - xy[wrist]))) <= self.accept * reach]
                if near:
                    i = min(near, key=lambda j: float(np.hypot(*(full[j].xy_px()[0] - xy[wrist]))))
                    used.add(i)
                    hands.append(dataclasses.replace(full[i], handedness=side_label, person=len(hands)))
                    continue
                centre = xy[wrist] + (xy[wrist] - xy[elbow]) * 0.4
                side = max(self.crop_scale * forearm, float(self.min_crop_px))
                crop, x0, y0 = self._crop(plain, centre, side)
                self.crop_tried += 1
                t = time.perf_counter_ns()
                res = self.crop_hands._run(crop, frame.t_ns)
                lat += time.perf_counter_ns() - t
                if not res.multi_hand_landmarks:
                    continue
                arr, _ = _landmarks(res.multi_hand_landmarks[0], False)
                full_xy = np.empty_like(arr)
                full_xy[:, 0] = (x0 + arr[:, 0] * side) / w
                full_xy[:, 1] = (y0 + arr[:, 1] * side) / h
                full_xy[:, 2] = arr[:, 2] * side / w
                if float(np.hypot((full_xy[0, 0] * w - xy[wrist][0]), (full_xy[0, 1] * h - xy[wrist][1]))) > self.accept * reach:
                    continue
                world = (_landmarks(res.multi_hand_world_landmarks[0], False)[0]
                         if res.multi_hand_world_landmarks else None)
                score = float(res.multi_handedness[0].classification[0].score)
                self.crop_found += 1
                hands.append(HandObservation(frame.source_id, frame.seq, frame.t_ns, full_xy.astype(np.float32), (w, h), None,
                                             world, None, score, f"{self.crop_hands.model}+posecrop", lat, len(hands), 0,
                                             side_label))
        # full-frame hands that match no wrist (no pose, or a hand far from the body's wrists) are kept as found
        hands += [dataclasses.replace(hobs, person=len(hands) + k) for k, hobs in enumerate(x for i, x in enumerate(full) if i not in used)]
        return TrackedFrame(frame.source_id, frame.seq, frame.t_ns, (frame.width, frame.height), tuple(hands), poses,
                            lat, self.clock.now_ns())

    def close(self) -> None:
        self.pose.close()
        self.crop_hands.close()
        if self.full is not None:
            self.full.close()

    def reset(self) -> None:
        """Forget earlier frames, keeping the loaded models (see :meth:`_MediaPipeTracker.reset`)."""
        for t in (self.pose, self.crop_hands, self.full):
            if t is not None:
                t.reset()
        self.crop_found = self.crop_tried = 0

    def __enter__(self) -> PoseGuidedHandTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- backends ------------------------------------------------------------------------------------
TrackerFactory = Callable[..., Tracker]
_BACKENDS: dict[str, dict[TrackKind, TrackerFactory]] = {
    "mediapipe": {"hand": HandTracker, "pose": PoseTracker},
}


def register_backend(name: str, kind: TrackKind, factory: TrackerFactory) -> None:
    """Make another tracker implementation available by name (e.g. a MediaPipe Tasks backend).

    ``factory(**options)`` must return a :class:`Tracker` producing ``kind`` observations in the
    conventions of this module (unmirrored normalised coordinates, anatomical handedness).
    """
    _BACKENDS.setdefault(name, {})[kind] = factory


_discovered = False
ENTRY_POINT_GROUP = "motor_station.trackers"
"""Installed packages may add backends: an entry point in this group names a module that calls
:func:`register_backend` when imported."""


def discover_backends() -> None:
    """Import every module of the :mod:`vision` package (a backend module registers itself when
    imported; heavy models load only when a tracker is built) and every entry point of
    :data:`ENTRY_POINT_GROUP`. Runs once; a module that fails to import is logged and skipped."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    import importlib
    import pkgutil
    from importlib.metadata import entry_points

    import vision

    names = [i.name for i in pkgutil.iter_modules(vision.__path__, prefix="vision.") if not i.ispkg]
    names += [ep.value.split(":")[0] for ep in entry_points(group=ENTRY_POINT_GROUP)]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            log.warning("tracker module %s could not be imported; its backends are not available", name, exc_info=True)


def backends() -> dict[str, tuple[TrackKind, ...]]:
    """Registered backends (discovered, see :func:`discover_backends`) and the kinds each provides."""
    discover_backends()
    return {name: tuple(kinds) for name, kinds in _BACKENDS.items()}


def make_tracker(
    kinds: Iterable[TrackKind],
    *,
    backend: str = "mediapipe",
    clock: SessionClock | None = None,
    hand_options: dict[str, Any] | None = None,
    pose_options: dict[str, Any] | None = None,
) -> Tracker:
    """One tracker for the given kinds (a :class:`CompositeTracker` when several).

    Raises :class:`InputError` for an unknown backend or a kind it does not provide.
    """
    wanted = list(dict.fromkeys(kinds))
    discover_backends()
    if backend not in _BACKENDS:
        raise InputError(f"unknown tracker backend '{backend}'", fix=f"choose one of: {', '.join(sorted(_BACKENDS))}")
    made: list[Any] = []
    try:
        for k in wanted:
            factory = _BACKENDS[backend].get(k)
            if factory is None:
                raise InputError(f"tracker backend '{backend}' has no {k} model")
            opts = dict((hand_options if k == "hand" else pose_options) or {})
            made.append(factory(clock=clock, **opts))
    except BaseException:
        for t in made:
            t.close()
        raise
    if not made:
        raise InputError("no tracker selected", fix="choose hands and/or pose")
    return made[0] if len(made) == 1 else CompositeTracker(made, clock=clock)


# The MediaPipe Tasks backend registers itself ("mediapipe-tasks"; also "mediapipe" where the legacy
# solutions are gone). Imported last: it builds on this module. MediaPipe itself is imported lazily.
from vision import mp_tasks as _mp_tasks  # noqa: E402, F401
