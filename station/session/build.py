"""The one builder of a session: options and a plan -> planned trials, feeds, devices, live model, controller.

The windowed station (``station run``, ``station demo`` with a display) and the headless demo build
their sessions here: :func:`build_trials` turns each plan item into a trial reading from the chosen
input (the exercise's own simulated child, a video file, a webcam, or the devices the exercise
consumes) and :func:`make_session_factory` adds the live model and the controller the windows drive.
Nothing here imports Qt; :mod:`station.ui.runner` opens the windows.

``simulated``  the clearly labelled simulated child (``contract.sim`` of each exercise), paced in real
               time on the session clock (pacing ``own``); device exercises use their kind's simulator;
``video``      a video file through the trackers, played in real time;
``camera``     a live webcam (the camera paces itself).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import exercises
from station.core import (
    DEMO_PARTICIPANT,
    DeviceInfo,
    DeviceState,
    EventBus,
    InputError,
    SessionClock,
    SourceState,
    StepInput,
    SystemClock,
    is_demo_code,
)
from station.core.provenance import check_place, is_simulated_source
from station.plans import PlanItem, SessionPlan, check_code, load_plan
from station.session import Pacing, SessionRunner, TrialSpec
from station.session.control import PlannedTrial, SessionController, schedule_of
from station.session.feeds import DEFAULT_SIM_S, camera_feed, device_feed, simulated_feed, video_feed
from station.session.model import LiveModel

log = logging.getLogger(__name__)

DEFAULT_PARTICIPANT = DEMO_PARTICIPANT


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
    quit_after_frames: int | None = None
    """Quit once this many inputs (camera/video/simulated frames) have been scored, or when the session
    ends: tests and screenshots wait on events, not on wall time (``quit_after`` then guards a hang)."""
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
    backend: str = "mediapipe"
    """Tracker backend (a name registered with :func:`vision.trackers.register_backend`)."""
    simulated: bool = False
    """Play the clearly labelled simulated child (and ``sim://`` devices) -- only when asked (``--simulated``,
    ``station demo``); the participant must then be a reserved ``DEMO-`` code."""
    report_dir: Path | None = None
    """Where reports go (a screenshot run's throw-away folder); ``None`` = the session's folder in the data directory."""
    end_when_done: bool = False
    """Close the station once the session's protocol has ended (the windowed demo)."""
    place: str = "clinic"
    """Where the session is played: clinic, home or school (:mod:`station.core.provenance`)."""
    audio: str = "auto"
    """Where the child's sounds go: ``auto`` (the sound card, else silence and one log line), ``device``,
    ``wav`` (into ``audio_wav``), ``off`` (:func:`station.audio.open_backend`)."""
    audio_wav: Path | None = None
    lang: str | None = None
    """The therapist's screens' language (``None``: ``MOTOR_STATION_LANG``, else English; :mod:`station.i18n`)."""

    @property
    def devices(self) -> dict[str, str | None]:
        """Device URL by kind (``--grip URL``, ``--balance URL``)."""
        return {"grip": self.grip, "balance": self.balance}

    def tracker_options(self) -> Any:
        from station.analyze import TrackerOptions

        return TrackerOptions(backend=self.backend)

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
        if self.simulated:
            return "simulated"
        return "none"

    @property
    def simulates(self) -> bool:
        """Whether anything of this session would come from a generator or simulator."""
        return self.simulated or any(u is not None and is_simulated_source(u) for u in self.devices.values())

    @property
    def pacing(self) -> Pacing:
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
    if opts.quit_after_frames is not None and opts.quit_after_frames <= 0:
        raise InputError("--quit-after-frames must be positive", where=str(opts.quit_after_frames))
    if opts.screenshot is not None and opts.quit_after is None and opts.quit_after_frames is None:
        raise InputError("--screenshot needs --quit-after S or --quit-after-frames N", fix="e.g. --screenshot shot.png --quit-after 3")
    if opts.simulated and (opts.camera is not None or opts.video is not None):
        raise InputError("--simulated given with a camera or video", fix="choose one input: --camera N, --video PATH or --simulated")
    if opts.participant is not None:
        check_code(opts.participant)
        check_simulated_code(opts.participant, opts)
    check_place(opts.place)
    from vision.trackers import backends

    if opts.backend not in backends():
        raise InputError(f"unknown tracker backend '{opts.backend}'", fix=f"choose one of: {', '.join(sorted(backends()))}")


def check_simulated_code(code: str, opts: RunOptions) -> None:
    """Simulated data goes only under a reserved ``DEMO-`` code, never into a real child's history."""
    if opts.simulates and not is_demo_code(code):
        raise InputError(f"simulated data cannot be recorded for participant '{code}'",
                         fix=f"simulated sessions record under a DEMO- code (drop --participant to use {DEMO_PARTICIPANT}); "
                             "for a real child use --camera N, --video PATH or a real device port")


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


class SessionVideo:
    """The session's raw video, written only when the therapist turns recording on, on its own thread.

    Frames are written unmirrored, as the camera delivered them, to ``sessions/<id>/video.mp4`` in
    the data directory, with ``video_frames.csv`` beside it (``frame, t_ns``: each frame's capture
    time on the session clock, so the video aligns exactly with landmarks and samples). Both are
    referenced from the database (``files`` table), so ``participants forget`` removes them and
    exports include them only with ``--include-video``.

    Calling the object only queues the frame (the capture thread never waits for the encoder); a
    writer thread encodes. A full queue (an encoder slower than the camera for ``QUEUE`` frames) drops
    the frame and counts it in :attr:`dropped`.
    """

    QUEUE = 120

    def __init__(self, runner: SessionRunner, fps: float = 30.0) -> None:
        self.runner = runner
        self.fps = fps
        self._writer: Any = None
        self._times: Any = None
        self._n = 0
        self.dropped = 0
        self._q: queue.Queue[tuple[np.ndarray, int] | None] = queue.Queue(maxsize=self.QUEUE)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self, image: np.ndarray, t_ns: int) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="session-video", daemon=True)
                self._thread.start()
        try:
            self._q.put_nowait((image, t_ns))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        while (item := self._q.get()) is not None:
            image, t_ns = item
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
        """Write what is queued, then close the files (blocks until the writer thread is done)."""
        with self._lock:
            t, self._thread = self._thread, None
        if t is not None:
            self._q.put(None)
            t.join()
        if self._writer is not None:
            self._writer.close()
            self._times.close()
            for name in ("video.mp4", "video_frames.csv"):
                p = self._writer.path.parent / name
                if p.exists():
                    os.chmod(p, 0o600)
            self._writer = None
        if self.dropped:
            log.warning("session video: %d frames dropped (the encoder fell behind)", self.dropped)


@dataclass
class ImageTap:
    """Late binding of the session video (created with the runner, after the feeds): every frame read."""

    record: Callable[[np.ndarray, int], None] | None = None

    def __call__(self, image: np.ndarray, t_ns: int) -> None:
        if self.record is not None:
            self.record(image, t_ns)


class Devices:
    """The serial devices a plan needs, opened once for a session and closed after it.

    ``--grip URL`` / ``--balance URL`` name them (a port, ``sim://grip?profile=...``); with the simulated
    child and no URL, the in-process simulators ``sim://grip`` / ``sim://balance`` play the device trials.
    """

    def __init__(self, opts: RunOptions, clock: SessionClock, bus: EventBus, *, simulators: Mapping[str, str] | None = None,
                 deadline_ns: int | None = None) -> None:
        self.opts = opts
        self.clock = clock
        self.bus = bus
        self.simulators = dict(simulators or {})
        """Kind -> port of a simulator on a pseudo-terminal (the demo's): opened like a real device, labelled
        ``simulator:KIND`` in the trial's source so it is never taken for a child's device data."""
        self.deadline_ns = deadline_ns
        """Session-clock time every device trial's feed ends by (the session's overall bound), or ``None``."""
        self.drivers: dict[str, Any] = {}

    def source(self, kind: str) -> str:
        """The trial source of the device of ``kind`` (after :meth:`get`)."""
        if kind in self.simulators:
            return f"simulator:{kind}"
        dev = self.drivers[kind]
        return f"device:{dev.info.kind}:{dev.url}"

    def url(self, kind: str) -> str:
        if kind in self.simulators:
            return self.simulators[kind]
        given = self.opts.devices.get(kind)
        if given:
            return given
        if self.opts.source == "simulated":
            return f"sim://{kind}"
        raise InputError(f"this plan needs a {kind} device", where=f"--{kind}",
                         fix=f"give --{kind} PORT (the device's serial port), or --{kind} sim://{kind} for the simulator")

    def get(self, kind: str) -> Any:
        """The opened driver of ``kind`` (a registered device kind, :mod:`devices.kinds`)."""
        if kind not in self.drivers:
            from devices.kinds import get_kind

            dev = get_kind(kind).driver(self.url(kind), clock=self.clock, bus=self.bus)
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
                 devices: Devices | None = None) -> tuple[list[PlannedTrial], ImageTap]:
    """One :class:`PlannedTrial` per plan item, reading from the input chosen in ``opts`` (camera, video or
    the simulated child) or, for sensor exercises, from the devices (opened through ``devices``).

    Hand exercises in a millimetre mode (tabletop tracing, the physical pegboard) get the camera's
    stored workspace calibration applied to every observation (see :func:`_workspace_for`); its
    record goes into the session header, and its state (``calibrated`` / ``stale``) is published on
    the live window (stream ``workspace``: ``calibrated`` or ``stale``)."""
    from devices.kinds import kind_names
    from station.analyze import tracker_kinds

    hook = ImageTap()
    out = []
    device_kinds = set(kind_names())
    for item in plan.items:
        cls = exercises.get(item.exercise)
        kinds = tracker_kinds(cls.inputs)
        sensors = tuple(k for k in cls.inputs if k in device_kinds)
        if sensors and not kinds:
            if len(sensors) > 1:
                raise InputError(f"exercise '{cls.name}' needs two devices at once; not supported by `station run` yet")
            if devices is None:  # validation only: the URL must be known
                Devices(opts, clock, bus).url(sensors[0])
                feed: Callable[[int], Iterable[StepInput]] = lambda t0: iter(())  # noqa: E731
                source: str = sensors[0]
                infos: tuple[DeviceInfo, ...] = ()
            else:
                dev = devices.get(sensors[0])
                duration = item.duration_s or float(cls.parse_settings(item.settings).model_dump().get("duration_s") or DEFAULT_SIM_S)
                feed = device_feed(dev, duration + 1.0, clock=clock, deadline_ns=devices.deadline_ns)
                source, infos = devices.source(sensors[0]), (dev.info,)
            spec = TrialSpec(cls.name, dict(item.settings), feed, label=item.label or cls.title, duration_s=None,
                             devices=infos, source=source, handles=() if devices is None else (dev,))
            out.append(PlannedTrial.from_item(item, spec))
            continue
        if sensors:
            raise InputError(f"exercise '{cls.name}' combines camera and devices; not supported by `station run` yet")
        if opts.source == "simulated":
            feed = simulated_feed(item.exercise, item.settings, duration_s=item.duration_s, reps=item.reps, seed=opts.seed)
            source = "simulated"
        elif not kinds:
            raise InputError(f"exercise '{cls.name}' uses sensors only; it cannot be played from a camera or video")
        elif opts.source == "none":
            raise InputError(f"exercise '{cls.name}' needs a camera or a video", fix="give --camera N or --video PATH "
                             f"(or --simulated for the simulated child, under a {DEMO_PARTICIPANT} code)")
        elif opts.source == "video":
            assert opts.video is not None
            feed = video_feed(Path(opts.video), kinds, clock=clock, on_image=hook, options=opts.tracker_options())
            source = f"video:{Path(opts.video).name}"
        else:
            assert opts.camera is not None
            feed = camera_feed(opts.camera, kinds, clock=clock, bus=bus, images=True, on_image=hook, options=opts.tracker_options())
            source = f"camera:{opts.camera}"
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
        check_simulated_code(code, opts)
        bus = EventBus()
        devices = Devices(opts, clk, bus)
        label = {"simulated": "simulated", "video": "video", "camera": "camera", "none": "devices"}[opts.source]
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
        runner = SessionRunner(db, code, clk, pacing=opts.pacing, place=opts.place,
                               config={"command": "run", "source": opts.source, "plan": plan.model_dump(mode="json")})
        cleanup = devices.close
        if opts.record_video and opts.source != "simulated":
            video = SessionVideo(runner)
            hook.record = video

            def cleanup() -> None:
                video.close()
                devices.close()

        ctl = SessionController(runner, trials, model, countdown_s=opts.countdown_s, cleanup=cleanup)
        if opts.audio != "off":  # the child hears the game (#22): sounds, prompts in the plan's language, its sensory settings
            from station.audio import attach_audio

            attach_audio(ctl, plan.sensory, opts.audio, wav=None if opts.audio_wav is None else str(opts.audio_wav))
        return ctl, model

    return factory


def preflight(opts: RunOptions) -> SessionPlan | None:
    """Check the options and the plan before any window opens: contradictory options, unknown
    exercises or settings, and devices that cannot be opened all fail here (:class:`InputError`)."""
    from devices.kinds import kind_names

    check_options(opts)
    plan = initial_plan(opts)
    if plan is not None and plan.participant:  # a saved plan's participant too: simulated data only under DEMO- codes
        check_simulated_code(plan.participant, opts)
    if opts.source == "none" and not any(opts.devices.values()):
        raise InputError("no camera found and no input given",
                         fix="pass --camera N or --video PATH (a device exercise: --grip PORT / --balance PORT; "
                             "the simulated child: --simulated)")
    if plan is not None:
        # fail before any window opens when the input cannot play this plan (devices are opened once to check)
        check = Devices(opts, SystemClock(), EventBus())
        try:
            build_trials(plan, opts, check.clock, check.bus)
            for item in plan.items:
                for kind in set(exercises.get(item.exercise).inputs) & set(kind_names()):
                    check.get(kind)
        finally:
            check.close()
    # the picture sources last (after the cheaper checks above): a webcam that does not open or a video
    # that does not decode is one line now, never an empty 'complete' session for the child
    from vision.sources import check_camera, check_video

    if opts.camera is not None:
        check_camera(opts.camera)
    if opts.video is not None:
        check_video(opts.video)
    return plan
