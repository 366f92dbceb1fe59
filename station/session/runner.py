"""The session runner: feeds -> exercise scoring -> recording, with injected time.

One loop serves live play, replay, batch re-scoring and tests. A *trial* names an exercise, its
settings and a *feed*: a function that, given the trial's start time on the session clock, returns an
iterable of :class:`~station.core.StepInput` in time order. Pacing:

``own``
    the runner sleeps on the session clock until each input's ``t_ns`` (simulated child, replay in
    real time); with a :class:`~station.core.FakeClock` this costs nothing.
``external`` / ``none``
    inputs are consumed as they come (a live camera paces itself; batch runs go as fast as possible).

Outputs: every stream goes to typed :class:`Sink` objects (the recorder, LSL outlets when enabled),
and each scored step is emitted as a :class:`LiveState` on the multi-listener :class:`Signal`
``updated`` (the live model of the screens, the text dashboard and tests listen there). The runner
never blocks on storage (the :class:`~station.storage.Recorder` has its own thread).
Ctrl-C (``KeyboardInterrupt``) or :meth:`SessionRunner.stop` ends the current trial cleanly: its
result is stored and the session is marked ``stopped``; all data already recorded is kept.
"""

from __future__ import annotations

import importlib
import logging
import os
import platform
import socket
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

import exercises
from station import __version__
from station.core import CalibrationRecord, DeviceInfo, ExerciseResult, ScoreEvent, SessionClock, SessionMeta, StepInput
from station.core.messages import ClockFit
from station.core.provenance import DEFAULT_PLACE, check_place, is_simulated_source, session_source
from station.storage import Database, Recorder

log = logging.getLogger(__name__)

Pacing = Literal["own", "external", "none"]
Feed = Callable[[int], Iterable[StepInput]]
T = TypeVar("T")


class Signal(Generic[T]):
    """A multi-listener signal without Qt: ``connect(fn)``, ``disconnect(fn)``, ``emit(value)``.

    Listeners run on the emitting thread, in connection order; a failing listener is logged and never
    stops the session or the other listeners.
    """

    def __init__(self) -> None:
        self._listeners: list[Callable[[T], None]] = []

    def connect(self, fn: Callable[[T], None]) -> None:
        self._listeners.append(fn)

    def disconnect(self, fn: Callable[[T], None]) -> None:
        self._listeners.remove(fn)

    def __len__(self) -> int:
        return len(self._listeners)

    def emit(self, value: T) -> None:
        for fn in tuple(self._listeners):
            try:
                fn(value)
            except Exception:
                log.exception("a session listener failed")


@runtime_checkable
class Sink(Protocol):
    """Where a session's streams go (the recorder, LSL outlets): every method is called on the session thread."""

    def record_device(self, info: DeviceInfo) -> None: ...

    def record_observations(self, trial: int, hands: Sequence[Any], poses: Sequence[Any]) -> None: ...

    def record_samples(self, trial: int, samples: Sequence[Any]) -> None: ...

    def record_events(self, events: Sequence[ScoreEvent]) -> None: ...


@dataclass
class TrialSpec:
    """One trial of a session plan."""

    exercise: str
    settings: dict[str, Any]
    feed: Feed
    label: str = ""
    duration_s: float | None = None
    """Upper bound on the trial's length (session-clock seconds); ``None`` = until the feed ends."""
    devices: tuple[DeviceInfo, ...] = ()
    source: str = "synthetic"
    """What produced the input: ``camera``, ``video:NAME``, ``synthetic`` (the simulated child)..."""
    handles: tuple[DeviceHandle, ...] = ()
    """Open device drivers whose clock fit and calibration go into the session header at the end."""
    calibrations: tuple[CalibrationRecord, ...] = ()
    """Other calibrations the trial's input was mapped with (e.g. the camera's workspace), for the header."""
    simulated: bool | None = None
    """Whether a generator or simulator produced the input (``None`` = judged from :attr:`source`)."""

    @property
    def is_simulated(self) -> bool:
        return self.simulated if self.simulated is not None else is_simulated_source(self.source)


TRACKED_SOURCES = ("camera", "video", "replay")
"""Trial sources whose inputs carry tracked hands or bodies: a trial seeing none in all its frames failed."""


NOT_SEEN = " (the child was not seen)"
NO_INPUT_GRACE_S = 2.0
"""A source silent for a shorter trial than this (e.g. a demo squeezed into a few seconds on a loaded host) is not
called failed: too short to tell a dead source from a slow start."""


def trial_failure(source: str, steps: int, seen: int, stopped: bool, error: BaseException | None = None) -> str | None:
    """Why a trial failed (``None`` = it did not): its source raised, gave no input, or (a camera or video)
    never showed a hand or body. A trial the therapist stopped before any input has not failed."""
    if error is not None:
        text = str(getattr(error, "what", "") or error).strip().splitlines()
        return f"{source or 'the input'} failed: {text[0] if text else type(error).__name__}"
    if stopped:
        return None
    if steps == 0:
        return f"{source or 'the input'} gave no frames or samples"
    if seen == 0 and source.split(":", 1)[0] in TRACKED_SOURCES:
        return f"{source} showed no hand or body in {steps} frames{NOT_SEEN}"
    return None


@runtime_checkable
class DeviceHandle(Protocol):
    """What the runner reads from a device driver for the session header."""

    @property
    def info(self) -> DeviceInfo | None: ...

    @property
    def calibration_record(self) -> CalibrationRecord | None: ...

    def clock_fit(self) -> ClockFit: ...


@dataclass
class LiveState:
    """What a dashboard shows; refreshed by the runner after each step."""

    session_id: str
    trial: int
    n_trials: int
    label: str
    exercise: str
    source: str
    elapsed_s: float
    live: dict[str, float]
    reps: int
    last_events: list[ScoreEvent]
    steps: int
    storage_error: str | None = None
    """The recorder's last write failure while it lasts (``database or disk is full``), else ``None``."""


@dataclass
class SessionSummary:
    session_id: str
    participant: str
    status: str
    results: list[tuple[TrialSpec, ExerciseResult]] = field(default_factory=list)
    rows_written: int = 0
    rows_unwritten: int = 0
    """Rows the database refused to the end (a full disk): lost when the process ends."""
    write_error: str | None = None
    """Why the database refused rows or the session's end (``None`` when everything was written)."""
    goals: list[str] = field(default_factory=list)
    """Where the child stands on each goal after the session, in plain words (real trials only)."""
    failure: str | None = None
    """Why the session failed (status ``failed``): the first failed trial and its reason."""
    source: str = ""
    simulated: bool = False
    place: str = "clinic"


def host_info() -> dict[str, Any]:
    """Where and with what the data was produced (for the session header)."""
    pkgs: dict[str, str | None] = {}
    for name in ("numpy", "mediapipe", "opencv-contrib-python", "pyserial", "SQLAlchemy"):
        try:
            pkgs[name] = version(name)
        except PackageNotFoundError:
            pkgs[name] = None
    return {
        "hostname_hash": uuid.uuid5(uuid.NAMESPACE_DNS, socket.gethostname()).hex[:12],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "pid": os.getpid(),
        "packages": pkgs,
    }


class SessionRunner:
    """Runs a list of trials for one participant and records everything."""

    def __init__(
        self,
        db: Database,
        participant: str,
        clock: SessionClock,
        *,
        pacing: Pacing = "own",
        config: dict[str, Any] | None = None,
        on_update: Callable[[LiveState], None] | None = None,
        deadline_s: float | None = None,
        place: str = DEFAULT_PLACE,
    ) -> None:
        self.place = check_place(place)
        self.db = db
        self.participant = participant
        self.exercise: exercises.Exercise | None = None
        """The trial being scored (the dashboard's person picker reads and re-chooses its participant)."""
        self.clock = clock
        self.pacing = pacing
        self.config = dict(config or {})
        self.updated: Signal[LiveState] = Signal()
        """Emitted on the session thread after each scored step (the live model listens here)."""
        if on_update is not None:
            self.updated.connect(on_update)
        self.scored: Signal[list[ScoreEvent]] = Signal()
        """Emitted on the session thread with each step's new scored events (the audio service listens here)."""
        self.deadline_s = deadline_s
        self._stop = threading.Event()
        self._files: list[tuple[str, str]] = []
        self._files_lock = threading.Lock()
        self._notes: list[tuple[str, int, float | None, str, dict[str, Any]]] = []
        self._notes_lock = threading.Lock()
        self.session_id = str(uuid.uuid4())
        self.meta: SessionMeta | None = None
        self.recovered: list[str] = []
        """Ids of earlier sessions found orphaned and marked ``interrupted`` when this one started."""

    def stop(self) -> None:
        """Ask the runner to end the current trial and the session (thread-safe)."""
        self._stop.set()

    def note(self, kind: str, t_ns: int, value: float | None = None, unit: str = "", **payload: Any) -> None:
        """Record a session-level event (the therapist's calm-down break) as an event of the trial being played,
        with the next step or at the trial's end. Thread-safe; a note with no trial running is kept for the next."""
        with self._notes_lock:
            self._notes.append((kind, t_ns, value, unit, payload))

    def _take_notes(self, ex: Any, trial: int) -> list[ScoreEvent]:
        with self._notes_lock:
            notes, self._notes = self._notes, []
        return [ScoreEvent(t, ex.name, trial, 0, kind, value, unit, dict(payload, session_note=True))
                for kind, t, value, unit, payload in notes]

    def attach_file(self, kind: str, path: str) -> None:
        """Reference a file written for this session (``kind`` e.g. ``"video"``; ``path`` relative to the
        data directory) from the database when the session ends. Thread-safe."""
        with self._files_lock:
            self._files.append((kind, path))

    def run(self, trials: Sequence[TrialSpec]) -> SessionSummary:
        # Validate every trial's settings before anything is recorded, and load the scoring
        # libraries now: scipy.signal's first import (~2 s here) would otherwise land inside a trial.
        for spec in trials:
            exercises.create(spec.exercise, spec.settings)
        importlib.import_module("scipy.signal")
        self._recover()
        utc, t0 = self.clock.anchor()
        devices = tuple({d.device_id: d for t in trials for d in t.devices}.values())
        self.meta = SessionMeta(
            session_id=self.session_id,
            participant=self.participant,
            utc_start=utc,
            clock_start_ns=t0,
            software_version=__version__,
            host=host_info(),
            config=self.config | {"place": self.place,
                                  "trials": [{"exercise": t.exercise, "settings": t.settings, "source": t.source,
                                              "simulated": t.is_simulated} for t in trials]},
            devices=devices,
        )
        source = session_source(t.source for t in trials)
        simulated = any(t.is_simulated for t in trials)
        self.db.create_session(self.meta, source=source, simulated=simulated, place=self.place)
        recorder = Recorder(self.db, self.session_id)
        lsl = self._open_lsl()
        # every stream goes to the recorder and, when a lab enabled it, to the LSL outlets
        sinks: tuple[Sink, ...] = (recorder,) if lsl is None else (recorder, lsl)
        for d in devices:
            for sink in sinks:
                sink.record_device(d)
        summary = SessionSummary(self.session_id, self.participant, "complete", source=source, simulated=simulated, place=self.place)
        deadline = None if self.deadline_s is None else t0 + int(self.deadline_s * 1e9)
        try:
            for i, spec in enumerate(trials):
                if self._stop.is_set() or (deadline is not None and self.clock.now_ns() >= deadline):
                    summary.status = "stopped"
                    break
                result, failure = self._run_trial(i, len(trials), spec, recorder, sinks, deadline)
                summary.results.append((spec, result))
                if failure is not None:
                    summary.failure = summary.failure or f"trial {i + 1} ({spec.exercise}): {failure}"
                    log.error("session %s: trial %d failed: %s", self.session_id, i + 1, failure)
                    if not failure.endswith(NOT_SEEN):  # a failed source stops the session: the next trials would read it too
                        break
            if summary.failure is not None:
                summary.status = "failed"
            elif self._stop.is_set():
                summary.status = "stopped"
        finally:
            fits, cals = self._device_provenance(trials)
            for cal in cals:
                recorder.record_calibration(cal)
            with self._files_lock:
                for kind, path in self._files:
                    recorder.record_file(kind, path)
            recorder.close()
            if lsl is not None:
                lsl.close()
            summary.rows_written = recorder.rows_written
            summary.rows_unwritten = recorder.pending
            summary.write_error = recorder.last_error
            self._finish_header(fits, cals)
            try:
                self.db.end_session(self.session_id, summary.status)
            except Exception as exc:  # a full disk or a failing database at the very end: say so, never raise
                summary.write_error = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                summary.status = "interrupted"
                log.error("session %s could not be closed (%s); what was written is kept, and the next start marks it "
                          "interrupted", self.session_id, summary.write_error)
            self._goal_progress(summary)
        return summary

    def _goal_progress(self, summary: SessionSummary) -> None:
        """Where the child stands on their goals after the session (real trials only); a goal met for the
        first time gets its ``achieved`` event. Never fails the session: a problem is logged."""
        from station.goals import progress

        try:
            summary.goals = [p.evaluation.words(p.goal.spec) for p in progress(self.db, self.participant)]
        except Exception:
            log.warning("could not evaluate the participant's goals", exc_info=True)

    def _open_lsl(self) -> Any:
        """LSL outlets when the user enabled them (``None`` otherwise, and always on failure)."""
        from station.lsl import open_outlets

        try:
            return open_outlets(self.session_id, self.clock, self.config)
        except Exception:
            log.error("LSL streaming could not start; the session is recorded without it", exc_info=True)
            return None

    @staticmethod
    def _device_provenance(trials: Sequence[TrialSpec]) -> tuple[list[ClockFit], list[CalibrationRecord]]:
        """The clock fits and calibrations of the devices used (best effort: a failing device is logged)."""
        handles = {id(h): h for t in trials for h in t.handles}.values()
        fits: list[ClockFit] = []
        cals: list[CalibrationRecord] = []
        for h in handles:
            try:
                fit = h.clock_fit()
                if fit is not None and fit.n > 0:
                    fits.append(fit)
                if h.calibration_record is not None:
                    cals.append(h.calibration_record)
            except Exception:
                log.warning("could not read the clock fit or calibration of a device", exc_info=True)
        for t in trials:
            for cal in t.calibrations:
                if all((c.key, c.kind, c.version) != (cal.key, cal.kind, cal.version) for c in cals):
                    cals.append(cal)
        return fits, cals

    def _finish_header(self, fits: list[ClockFit], cals: list[CalibrationRecord]) -> None:
        """Put the devices' clock fits and calibrations into the session header."""
        if self.meta is not None and (fits or cals):
            self.meta = replace(self.meta, clock_fits=tuple(fits), calibrations=tuple(cals))
            try:
                self.db.update_header(self.meta)
            except Exception:
                log.error("could not store the devices' clock fits in the session header", exc_info=True)

    def _recover(self) -> None:
        """Mark sessions a killed station process left ``recording`` as ``interrupted`` (their
        data stays). A failure here is logged and never keeps a session from starting."""
        from station.recovery import recover_interrupted

        try:
            self.recovered = recover_interrupted(self.db)
        except Exception:
            log.warning("could not check for interrupted sessions", exc_info=True)

    def _run_trial(self, i: int, n: int, spec: TrialSpec, rec: Recorder, sinks: tuple[Sink, ...],
                   deadline: int | None) -> tuple[ExerciseResult, str | None]:
        ex = self.exercise = exercises.create(spec.exercise, spec.settings, trial=i)
        t_start = self.clock.now_ns()
        end = t_start + int(spec.duration_s * 1e9) if spec.duration_s else None
        if deadline is not None:
            end = deadline if end is None else min(end, deadline)
        src = "simulated" if spec.source == "synthetic" else spec.source
        rec.begin_trial(i, spec.exercise, spec.settings, t_start, source=src, simulated=spec.is_simulated, place=self.place)
        steps = seen = 0
        cut = False
        error: BaseException | None = None
        last: list[ScoreEvent] = []
        try:
            for inp in spec.feed(t_start):
                if self._stop.is_set():
                    break
                if end is not None and inp.t_ns > end:
                    cut = True  # the time ran out (trial length or session deadline): not a failed input
                    break
                if self.pacing == "own":
                    self.clock.sleep_until(inp.t_ns)
                new = ex.step(inp)
                if self._notes:
                    new = [*new, *self._take_notes(ex, i)]
                steps += 1
                if inp.hands or inp.poses:
                    seen += 1
                for sink in sinks:
                    if inp.hands or inp.poses:
                        sink.record_observations(i, inp.hands, inp.poses)
                    if inp.samples:
                        sink.record_samples(i, inp.samples)
                    if new:
                        sink.record_events(new)
                if new:
                    last = (last + new)[-5:]
                    if self.scored:
                        self.scored.emit(list(new))
                if self.updated:
                    self.updated.emit(
                        LiveState(self.session_id, i, n, spec.label or ex.title, spec.exercise, spec.source,
                                  (inp.t_ns - t_start) / 1e9, ex.live(), ex.reps(), last, steps, rec.last_error)
                    )
        except KeyboardInterrupt:
            log.info("interrupted: ending trial %d and the session cleanly", i)
            self._stop.set()
        except Exception as exc:  # the source failed (camera gone, video undecodable, device lost): the trial failed
            log.error("trial %d (%s): its input failed: %s", i, spec.exercise, exc)
            error = exc
        # a trial cut by its time before any input, or shorter than NO_INPUT_GRACE_S, is too short to call its source failed
        too_short = steps == 0 and (cut or self.clock.now_ns() - t_start < NO_INPUT_GRACE_S * 1e9)
        failure = trial_failure(src, steps, seen, self._stop.is_set() or too_short, error)
        final = [*ex.finish(), *self._take_notes(ex, i)]
        if final:
            for sink in sinks:
                sink.record_events(final)
            if self.scored:
                self.scored.emit(list(final))
        t_end = ex.t_last_ns if ex.t_last_ns is not None else t_start
        result = ex.result()
        rec.end_trial(i, result, t_end, status="failed" if failure else "complete", reason=failure)
        return result, failure
