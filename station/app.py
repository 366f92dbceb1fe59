"""Composition root of the windowed station (``station run``).

Builds, from plain options, what the windows need: the database, the session clock, a session plan
(from ``--plan``, or one ``--exercise``), and a *session factory* that turns a participant code and a
plan into a :class:`~station.session.control.SessionController` whose trials read from the chosen input:

``simulated``  the clearly labelled simulated child (``vision.synth_hand`` / ``vision.synth_body``),
               paced in real time on the session clock (pacing ``own``);
``video``      a video file through the MediaPipe trackers (``station.analyze``), played in real time;
``camera``     a live webcam (``station.analyze.camera_feed``; the camera paces itself).

The Qt windows live in :mod:`station.ui`; this module imports them only inside :func:`run_station`,
so it can be used (and tested) without Qt.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import exercises
from exercises.base import StepInput
from station.core import DeviceState, EventBus, InputError, SessionClock, SourceState, SystemClock
from station.plans import PlanItem, SessionPlan, check_code, load_plan
from station.session import SessionRunner, TrialSpec
from station.session.control import PlannedTrial, SessionController, schedule_of
from station.session.model import LiveModel

log = logging.getLogger(__name__)

DEFAULT_PARTICIPANT = "DEMO-001"
DEFAULT_SIM_S = 20.0
"""Length of a simulated trial when the plan gives neither a duration nor a repetition target."""


@dataclass(frozen=True)
class RunOptions:
    """Options of ``station run`` (see :mod:`station.cli.run`)."""

    camera: int | None = None
    video: Path | None = None
    grip: str | None = None
    balance: str | None = None
    participant: str | None = None
    """Pseudonymous code; ``None`` = the plan's participant, else ``DEMO-001``."""
    exercise: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    plan: Path | None = None
    child_screen: int | None = None
    screenshot: Path | None = None
    quit_after: float | None = None
    countdown_s: float = 3.0
    db_url: str | None = None
    hz: float = 30.0
    seed: int = 0
    start: bool = False
    record_video: bool = False
    """Record the raw camera/video frames of the session (off by default: video identifies a child)."""
    workspace: str | None = None
    """Camera id of the stored workspace calibration (tabletop tracing, physical pegboard); with
    ``--camera N`` and a millimetre-mode exercise it defaults to ``camN``."""

    @property
    def workspace_id(self) -> str | None:
        if self.workspace is not None:
            return self.workspace
        return f"cam{self.camera}" if self.camera is not None else None

    @property
    def source(self) -> str:
        if self.video is not None:
            return "video"
        if self.camera is not None:
            return "camera"
        return "simulated"

    @property
    def pacing(self) -> str:
        return "external" if self.source == "camera" else "own"


def check_options(opts: RunOptions) -> None:
    """Refuse contradictory or unusable options before any window opens."""
    if opts.camera is not None and opts.video is not None:
        raise InputError("--camera and --video both given", fix="choose one input: --camera N or --video PATH")
    if opts.video is not None and not Path(opts.video).is_file():
        raise InputError("video file not found", where=str(opts.video), fix="give the path of a video file")
    if opts.plan is not None and opts.exercise is not None:
        raise InputError("--plan and --exercise both given", fix="a plan names its exercises; drop --exercise")
    if opts.quit_after is not None and opts.quit_after <= 0:
        raise InputError("--quit-after must be positive", where=str(opts.quit_after))
    if opts.screenshot is not None and opts.quit_after is None:
        raise InputError("--screenshot needs --quit-after S", fix="e.g. --screenshot shot.png --quit-after 3")
    if opts.participant is not None:
        check_code(opts.participant)


def resolve_exercise(name: str) -> str:
    """The registered name of ``name`` (the registry forgives word breaks: ``push_ups`` = ``pushups``)."""
    return exercises.get(name).name


def initial_plan(opts: RunOptions) -> SessionPlan | None:
    """The plan given by ``--plan`` or ``--exercise`` (``None`` = the therapist composes one)."""
    if opts.plan is not None:
        plan = load_plan(opts.plan)
        if opts.participant is not None:
            plan = plan.model_copy(update={"participant": opts.participant})
        return plan
    if opts.exercise is not None:
        cls = exercises.get(resolve_exercise(opts.exercise))
        cls.parse_settings(opts.settings)  # InputError naming the bad setting and the known ones
        item = PlanItem(exercise=cls.name, settings=dict(opts.settings))
        return SessionPlan(name=cls.name, participant=opts.participant or DEFAULT_PARTICIPANT, items=[item])
    return None


# -- feeds -----------------------------------------------------------------------------------------
def _frames_to_inputs(frames: Iterable[Any]) -> Iterator[StepInput]:
    for f in frames:
        yield StepInput(f.t_ns, hands=f.hands, poses=f.poses, frame_seq=f.seq, image_size=f.image_size)


def simulated_feed(item: PlanItem, seed: int = 0, size: tuple[int, int] = (640, 480)) -> Callable[[int], Iterable[StepInput]]:
    """The simulated child playing ``item``: a fingertip along the exercise's path (hand exercises) or
    two-footed jumps (body exercises). Sensor-only exercises need a device (or its simulator) instead."""
    cls = exercises.get(item.exercise)
    settings = cls.parse_settings(item.settings).model_dump()
    if "hand" in cls.inputs:
        from exercises.templates import make_template
        from vision.synth_hand import tracing_stream

        duration = item.duration_s or DEFAULT_SIM_S

        def hand_feed(t0: int) -> Iterable[StepInput]:
            shape = str(settings.get("shape", "circle"))
            tmpl = make_template(shape, center=tuple(settings.get("center", (0.5, 0.5))), size=float(settings.get("size", 0.6)),
                                 aspect=size[0] / size[1])
            frames, _ = tracing_stream(tmpl.points, duration_s=max(1.0, duration * 0.9), fps=30.0, image_size=size, t0_ns=t0, seed=seed)
            return _frames_to_inputs(frames)

        return hand_feed
    if "pose" in cls.inputs:
        from vision.synth_body import jumps_stream

        period = 1.4
        n = item.reps or max(1, int(((item.duration_s or DEFAULT_SIM_S) - 2.0) // period))

        def pose_feed(t0: int) -> Iterable[StepInput]:
            frames, _ = jumps_stream(n, fps=30.0, period_s=period, lead_s=1.0, tail_s=1.0, image_size=size, t0_ns=t0, seed=seed)
            return _frames_to_inputs(frames)

        return pose_feed
    raise InputError(f"exercise '{cls.name}' needs a device ({', '.join(cls.inputs)})",
                     fix="give --grip URL / --balance URL (simulators: sim://grip, sim://balance)")


class _TapSource:
    """A frame source wrapper that shows every frame to ``push(image, t_ns)`` before passing it on."""

    def __init__(self, inner: Any, push: Callable[[np.ndarray, int], None]) -> None:
        self.inner = inner
        self.push = push
        self.source_id = getattr(inner, "source_id", "camera")

    def __iter__(self) -> Iterator[Any]:
        for f in self.inner:
            self.push(f.image, f.t_ns)
            yield f

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()


class SessionVideo:
    """The session's raw video, written only when the therapist turns recording on.

    Frames are written unmirrored, as the camera delivered them, to ``sessions/<id>/video.mp4`` in
    the data directory, with ``video_frames.csv`` beside it (``frame, t_ns``: each frame's capture
    time on the session clock, so the video aligns exactly with landmarks and samples). Both are
    referenced from the database (``files`` table), so ``participants forget`` removes them and
    exports include them only with ``--include-video``.
    """

    def __init__(self, runner: SessionRunner, fps: float = 30.0) -> None:
        self.runner = runner
        self.fps = fps
        self._writer: Any = None
        self._times: Any = None
        self._n = 0
        self._lock = threading.Lock()

    def __call__(self, image: np.ndarray, t_ns: int) -> None:
        with self._lock:
            try:
                if self._writer is None:
                    self._open(image)
                self._writer.write(image)
                self._times.write(f"{self._n},{t_ns}\n")
                self._n += 1
            except OSError:
                log.exception("the session video could not be written; tracking and scoring go on")

    def _open(self, image: np.ndarray) -> None:
        from station.paths import session_dir
        from vision.overlay import OverlayVideoWriter

        folder = session_dir(self.runner.session_id)
        h, w = image.shape[:2]
        self._writer = OverlayVideoWriter(folder / "video.mp4", self.fps, (w, h))
        self._times = open(folder / "video_frames.csv", "w", encoding="utf-8")
        self._times.write("frame,t_ns\n")
        for name in ("video.mp4", "video_frames.csv"):
            self.runner.attach_file("video" if name.endswith(".mp4") else "video_times", f"sessions/{self.runner.session_id}/{name}")

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._times.close()
                for name in ("video.mp4", "video_frames.csv"):
                    p = self._writer.path.parent / name
                    if p.exists():
                        os.chmod(p, 0o600)
                self._writer = None


@dataclass
class _ImageHook:
    """Late binding of the model's ``push_frame`` (the model is created after the feeds)."""

    push: Callable[[np.ndarray, int], None] | None = None
    record: Callable[[np.ndarray, int], None] | None = None

    def __call__(self, image: np.ndarray, t_ns: int) -> None:
        if self.record is not None:
            self.record(image, t_ns)
        if self.push is not None:
            self.push(image, t_ns)

    def bind(self, push: Callable[[np.ndarray, int], None]) -> None:
        self.push = push


def video_feed_with_images(path: Path, kinds: tuple[str, ...], hook: _ImageHook, clock: SessionClock) -> Callable[[int], Iterable[StepInput]]:
    """Like :func:`station.analyze.video_feed`, also publishing each decoded image to ``hook``.

    The video's time starts when the tracker is ready (not at the trial start): loading the model
    must not make every frame late, or a real-time replay would lag behind for the whole trial.
    """
    from station.analyze import build_tracker, steps_from_tracked
    from vision.pipeline import track_stream
    from vision.smoothing import LandmarkSmoother, SmoothingSettings
    from vision.sources import open_source

    def feed(t0_ns: int) -> Iterator[StepInput]:
        trk = build_tracker(kinds)  # type: ignore[arg-type]
        src = open_source(path, timing="none")
        src.t0_ns = max(t0_ns, clock.now_ns())
        src.open()
        try:
            tracked = track_stream(src, trk, smoother=LandmarkSmoother(SmoothingSettings()),
                                   on_frame=lambda f, _tf: hook(f.image, f.t_ns))
            yield from steps_from_tracked(tracked)
        finally:
            trk.close()
            src.close()

    return feed


def camera_feed_with_images(device: int, kinds: tuple[str, ...], hook: _ImageHook, clock: SessionClock,
                            bus: EventBus) -> Callable[[int], Iterable[StepInput]]:
    """:func:`station.analyze.camera_feed` with the camera wrapped so the child view gets its images."""
    from station.analyze import camera_feed
    from vision.sources import CameraSource

    def feed(t0_ns: int) -> Iterable[StepInput]:
        src = _TapSource(CameraSource(device, size=(640, 480), clock=clock, bus=bus), hook)
        return camera_feed(device, kinds, clock=clock, bus=bus, source=src)(t0_ns)  # type: ignore[arg-type]

    return feed


class Devices:
    """The serial devices a plan needs, opened once for a session and closed after it.

    ``--grip URL`` / ``--balance URL`` name them (a port, ``sim://grip?profile=...``); with the simulated
    child and no URL, the in-process simulators ``sim://grip`` / ``sim://balance`` play the device trials.
    """

    def __init__(self, opts: RunOptions, clock: SessionClock, bus: EventBus) -> None:
        self.opts = opts
        self.clock = clock
        self.bus = bus
        self.drivers: dict[str, Any] = {}

    def url(self, kind: str) -> str:
        given = self.opts.grip if kind == "grip" else self.opts.balance
        if given:
            return given
        if self.opts.source == "simulated":
            return f"sim://{kind}"
        raise InputError(f"this plan needs a {kind} device", fix=f"give --{kind} URL (a serial port, or sim://{kind} for the simulator)")

    def get(self, kind: str) -> Any:
        """The opened driver of ``kind`` (``grip`` or ``balance``)."""
        if kind not in self.drivers:
            from devices.balance import BalanceBoard
            from devices.grip import GripDynamometer

            cls = GripDynamometer if kind == "grip" else BalanceBoard
            dev = cls(self.url(kind), clock=self.clock, bus=self.bus)
            dev.open()
            self.drivers[kind] = dev
        return self.drivers[kind]

    def close(self) -> None:
        for dev in self.drivers.values():
            try:
                dev.close()
            except Exception:  # closing must never hide the session's own outcome
                log.exception("closing %s failed", getattr(dev, "device_id", dev))
        self.drivers.clear()


def _workspace_for(item: PlanItem, opts: RunOptions) -> Any:
    """The stored workspace the item's hands are mapped with (:class:`station.workspaces.ActiveWorkspace`),
    or ``None``: for a hand exercise scoring in millimetres without its own ``homography``/``corners``
    (those win); it must exist (:class:`InputError` otherwise). Other exercises are never mapped."""
    from station.workspaces import check_mapping, has_own_mapping, load_active, mm_mode

    if "hand" not in exercises.get(item.exercise).inputs:
        return None
    if mm_mode(item.exercise, item.settings) is None or has_own_mapping(item.exercise, item.settings):
        return None
    check_mapping(item.exercise, item.settings, opts.workspace_id)
    assert opts.workspace_id is not None
    return load_active(opts.workspace_id)


def build_trials(plan: SessionPlan, opts: RunOptions, clock: SessionClock, bus: EventBus,
                 devices: Devices | None = None) -> tuple[list[PlannedTrial], _ImageHook]:
    """One :class:`PlannedTrial` per plan item, reading from the input chosen in ``opts`` (camera, video or
    the simulated child) or, for sensor exercises, from the devices (opened through ``devices``).

    Hand exercises in a millimetre mode (tabletop tracing, the physical pegboard) get the camera's
    stored workspace calibration applied to every observation (see :func:`_workspace_for`); its
    record goes into the session header, and its state (``calibrated`` / ``stale``) is published on
    the live window (stream ``workspace``: ``calibrated`` or ``stale``)."""
    hook = _ImageHook()
    out = []
    for item in plan.items:
        cls = exercises.get(item.exercise)
        kinds = tuple(k for k in cls.inputs if k in ("hand", "pose"))
        sensors = tuple(k for k in cls.inputs if k in ("grip", "balance"))
        if sensors and not kinds:
            if len(sensors) > 1:
                raise InputError(f"exercise '{cls.name}' needs two devices at once; not supported by `station run` yet")
            if devices is None:  # validation only: the URL must be known
                Devices(opts, clock, bus).url(sensors[0])
                feed: Callable[[int], Iterable[StepInput]] = lambda t0: iter(())  # noqa: E731
                source, infos = sensors[0], ()
            else:
                from station.demo_devices import device_feed

                dev = devices.get(sensors[0])
                duration = item.duration_s or float(cls.parse_settings(item.settings).model_dump().get("duration_s") or DEFAULT_SIM_S)
                feed = device_feed(dev, duration + 1.0, clock=clock)
                source, infos = f"device:{dev.info.kind}:{dev.url}", (dev.info,)
            spec = TrialSpec(cls.name, dict(item.settings), feed, label=item.label or cls.title, duration_s=None,
                             devices=infos, source=source, handles=() if devices is None else (dev,))
            out.append(PlannedTrial.from_item(item, spec))
            continue
        if sensors:
            raise InputError(f"exercise '{cls.name}' combines camera and devices; not supported by `station run` yet")
        if opts.source == "simulated":
            feed, source = simulated_feed(item, opts.seed), "synthetic"
        elif not kinds:
            raise InputError(f"exercise '{cls.name}' uses sensors only; it cannot be played from a camera or video")
        elif opts.source == "video":
            assert opts.video is not None
            feed, source = video_feed_with_images(Path(opts.video), kinds, hook, clock), f"video:{Path(opts.video).name}"
        else:
            assert opts.camera is not None
            feed, source = camera_feed_with_images(opts.camera, kinds, hook, clock, bus), f"camera:{opts.camera}"
        cals: tuple[Any, ...] = ()
        active = _workspace_for(item, opts)
        if active is not None:
            from station.workspaces import mapped_feed

            feed, cals = mapped_feed(feed, active), (active.record,)
        spec = TrialSpec(cls.name, dict(item.settings), feed, label=item.label or cls.title, duration_s=None, source=source,
                         calibrations=cals)
        planned = PlannedTrial.from_item(item, spec)
        if active is not None:
            rec = active.record
            residual = f", residual {rec.residual:.2f} mm" if rec.residual is not None else ""
            planned.extra["workspace"] = ("calibrated" if active.status == "ok" else "stale", f"{active.camera_id} v{rec.version}{residual}")
            planned.extra["plane_to_image"] = active.plane_to_image()
        out.append(planned)
    return out, hook


def make_session_factory(db: Any, opts: RunOptions, clock: SessionClock | None = None) -> Callable[[str, SessionPlan], tuple[SessionController, LiveModel]]:
    """The function the window calls on Start: ``factory(participant, plan) -> (controller, model)``."""
    clk = clock or SystemClock()

    def factory(participant: str, plan: SessionPlan) -> tuple[SessionController, LiveModel]:
        code = check_code(participant)
        bus = EventBus()
        devices = Devices(opts, clk, bus)
        label = {"simulated": "simulated", "video": "video", "camera": "camera"}[opts.source]
        model = LiveModel(clk, (), source_label=label)
        bus.subscribe(SourceState, lambda s: model.set_stream(label, s.state, s.detail))
        bus.subscribe(DeviceState, lambda s: model.set_stream(s.device_id, s.state, s.detail))
        try:
            trials, hook = build_trials(plan, opts, clk, bus, devices)
        except BaseException:
            devices.close()
            raise
        model.set_schedule(schedule_of(trials))
        for t in trials:  # the workspace calibration in use (stale ones in orange), beside the camera's state
            if "workspace" in t.extra:
                model.set_stream("workspace", *t.extra["workspace"])
        if any(set(t.inputs) & {"hand", "pose"} for t in trials):
            model.set_stream(label, "waiting")
        hook.bind(model.push_frame)
        runner = SessionRunner(db, code, clk, pacing=opts.pacing,  # type: ignore[arg-type]
                               config={"command": "run", "source": opts.source, "plan": plan.model_dump(mode="json")})
        cleanup = devices.close
        if opts.record_video and opts.source != "simulated":
            video = SessionVideo(runner)
            hook.record = video

            def cleanup() -> None:
                video.close()
                devices.close()

        ctl = SessionController(runner, trials, model, countdown_s=opts.countdown_s, cleanup=cleanup)
        return ctl, model

    return factory


def run_station(opts: RunOptions) -> int:
    """Open the station windows (blocks until they close or ``quit_after`` elapses); returns the exit code."""
    check_options(opts)
    from station.paths import default_db_url
    from station.storage import open_database

    plan = initial_plan(opts)
    if plan is not None:
        # fail before any window opens when the input cannot play this plan (devices are opened once to check)
        check = Devices(opts, SystemClock(), EventBus())
        try:
            build_trials(plan, opts, check.clock, check.bus)
            for item in plan.items:
                for kind in set(exercises.get(item.exercise).inputs) & {"grip", "balance"}:
                    check.get(kind)
        finally:
            check.close()
    if opts.source != "simulated":
        import mediapipe  # noqa: F401  (load the tracking library now, not during the child's first trial)
    db = open_database(opts.db_url or default_db_url())
    try:
        from station.ui.runner import run_windowed

        return run_windowed(make_session_factory(db, opts), db, opts, plan)
    finally:
        db.dispose()
