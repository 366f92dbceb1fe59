"""The live model: what the screens draw of a running session, written by the session thread. No Qt here.

Producers never touch widgets. The session's worker thread writes into a :class:`LiveModel` (ring
buffers and a few latest-value slots, under one lock) as a listener of the runner's ``updated``
signal; the UI pulls a consistent :class:`ViewState` copy on a timer (30-60 Hz). Camera images travel
with the landmarks found in them (:meth:`LiveModel.on_input` takes both), so the child view never
draws a newer image under older landmarks.

Time base: every ``t_ns`` is the session clock (nanoseconds). Chart times are **seconds since the
start of the current trial's play** (after its countdown). Image coordinates are the unmirrored
normalised ones of :mod:`station.core.messages`; only the child view mirrors. The centre of pressure
is the balance driver's (``cop_x``/``cop_y``, mm); it is never recomputed here.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

import exercises
from exercises.contract import Contract, TrialScore, quality_of
from station.core import HandObservation, PoseObservation, ScoreEvent, SessionClock, StepInput
from station.core.ring import RingBuffer
from station.session.runner import LiveState, SessionSummary, Signal
from vision.mp_tasks import describe_models as _describe_models

log = logging.getLogger(__name__)

Phase = Literal["idle", "countdown", "play", "paused", "celebrate", "rest", "done", "error", "retry"]
"""``retry``: the trial failed (its input failed or never showed the child): no stars, a neutral 'let's try again'."""
CHART_CAPACITY = 20_000
"""Rows kept per live chart (about 11 minutes at 30 Hz)."""
STALL_S = 1.0
"""A source or device with no new data for this long while playing is shown as stalled."""


@dataclass(frozen=True)
class ScheduleItem:
    """One entry of the picture schedule."""

    exercise: str
    title: str
    inputs: tuple[str, ...]
    target_reps: int | None
    settings: dict[str, Any]
    stars: int | None = None
    """Stars earned (``None`` = not done yet)."""
    duration_s: float | None = None
    """The trial's play-time bound (s), when the plan sets one (the dashboard's goal bar shows it)."""
    plane_to_image: tuple[float, ...] | None = None
    """Board/sheet mm -> normalised image (3 x 3, row-major) when a workspace calibration maps the
    trial's plane: the child view draws a physical board's holes over the camera image with it."""

    def __post_init__(self) -> None:
        exercises.get(self.exercise)  # InputError for a name no exercise is registered under

    @property
    def contract(self) -> Contract | None:
        """The exercise's contract (game, pictogram, chart, quality events, stars)."""
        return exercises.contract_of(self.exercise)


@dataclass(frozen=True)
class PhaseChange:
    """What :attr:`LiveModel.phase_changed` tells its listeners (the audio service): a new phase (or
    ``trial_end``: a trial was scored) at session time ``t_ns``, a timed phase's end ``until_ns``."""

    phase: str
    t_ns: int
    until_ns: int | None
    trial: int
    exercise: str = ""


@dataclass(frozen=True)
class StreamStatus:
    """State of one input stream (camera, video, simulated child, grip, balance)."""

    name: str
    state: str
    """``waiting``, ``streaming``, ``stalled``, ``ended``, ``failed`` or a driver's own state."""
    rate_hz: float
    detail: str = ""


@dataclass
class ViewState:
    """A copy of everything the screens draw, taken under the model's lock."""

    phase: Phase
    phase_remaining_s: float
    phase_progress: float
    """Fraction 0..1 of a timed phase (countdown, rest, celebrate) already elapsed."""
    trial: int
    schedule: list[ScheduleItem]
    exercise: str
    inputs: tuple[str, ...]
    label: str
    elapsed_s: float
    live: dict[str, float]
    reps: int
    target_reps: int | None
    settings: dict[str, Any]
    hands: tuple[HandObservation, ...]
    poses: tuple[PoseObservation, ...]
    image: NDArray[np.uint8] | None
    """Latest camera image (BGR, unmirrored) or ``None`` for the simulated child."""
    image_t_ns: int | None
    obs_t_ns: int | None
    """Frame time of the latest observations (for movement-to-screen latency)."""
    grip: float | None
    """Latest grip force (in ``grip_unit``) or ``None``."""
    grip_unit: str
    cop: tuple[float, float] | None
    """Latest centre of pressure, x right / y forward, in ``cop_unit``."""
    cop_unit: str
    events: list[ScoreEvent]
    status: list[StreamStatus]
    tracking_fps: float
    inference_ms: float | None
    source_label: str
    summary: SessionSummary | None
    session_id: str | None
    error: str | None
    last_score: TrialScore | None
    tracker: str = ""
    """The MediaPipe model(s) that produced the observations (backend and version in their names) and
    whether usage metrics may leave the machine; empty without camera tracking."""
    contract: Contract | None = None
    """The current exercise's contract (what the screens draw for it)."""
    quiet: bool = False
    """The child's quiet mode (sensory settings): no confetti, softer visuals (and no celebration sounds)."""


GRIP_ZONE_FRAC = 0.15
"""Half-width of a grip target zone given as a single target force (fraction of the target)."""


def grip_zone(live: dict[str, float], settings: dict[str, Any]) -> tuple[float, float] | None:
    """The grip target zone ``(low, high)`` in the force unit, from an exercise's live values or settings.

    Checked in order: a moving target ``live["target_n"]`` (+/- ``tolerance_n`` or 15 %), a fixed zone
    ``zone_lo_n``/``zone_hi_n`` in the settings, any single ``target*`` number (+/- 15 %); else ``None``.
    """
    t = live.get("target_n")
    if isinstance(t, int | float) and math.isfinite(t):
        tol = settings.get("tolerance_n")
        tol = float(tol) if isinstance(tol, int | float) else GRIP_ZONE_FRAC * t
        return (t - tol, t + tol)
    lo, hi = settings.get("zone_lo_n"), settings.get("zone_hi_n")
    if isinstance(lo, int | float) and isinstance(hi, int | float) and hi > lo:
        return (float(lo), float(hi))
    for d in (live, settings):
        for k, v in d.items():
            if k.startswith("target") and not k.endswith(("_lo_n", "_hi_n", "_x", "_y", "_x_mm", "_y_mm")) \
                    and isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0:
                return (v * (1 - GRIP_ZONE_FRAC), v * (1 + GRIP_ZONE_FRAC))
    return None


def headline(exercise: str, metrics: dict[str, Any], units: dict[str, str], limit: int = 6) -> list[str]:
    """A result's headline metrics as the therapist reads them (``Time on the path 97.3 %``): the ones
    the exercise's contract declares, or the first numeric metrics of an exercise no longer registered."""
    shown = []
    contract = exercises.contract_of(exercise)
    if contract is not None:
        for m in contract.headline:
            v = metrics.get(m.name)
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                shown.append(f"{m.label} {v:.3g}{(' ' + m.unit) if m.unit else ''}")
        return shown[:limit]
    for k, v in metrics.items():
        if isinstance(v, int | float) and not isinstance(v, bool):
            shown.append(f"{k}={v:.3g}{(' ' + units[k]) if units.get(k) else ''}")
    return shown[:limit]


class LiveModel:
    """Thread-safe live data of one session, written by the worker, read by the UI.

    Charts are :class:`~station.core.ring.RingBuffer` instances (time in ns, values):

    ``deviation``  (deviation,) in the exercise's unit (tracing: frame heights)
    ``reps``       (cumulative reps, quality 0..1 or NaN) one row per counted repetition
    ``force``      (grip force,)
    ``cop``        (x, y) centre of pressure
    """

    def __init__(self, clock: SessionClock, schedule: Sequence[ScheduleItem] = (), source_label: str = "") -> None:
        self.clock = clock
        self.deviation = RingBuffer(CHART_CAPACITY, 1)
        self.reps = RingBuffer(CHART_CAPACITY, 2)
        self.force = RingBuffer(CHART_CAPACITY, 1)
        self.cop = RingBuffer(CHART_CAPACITY, 2)
        self._lock = threading.Lock()
        self._schedule = list(schedule)
        self._phase: Phase = "idle"
        self._phase_until_ns: int | None = None
        self._phase_since_ns = clock.now_ns()
        self._trial = 0
        self._state: LiveState | None = None
        self._play_t0_ns: int | None = None
        self._hands: tuple[HandObservation, ...] = ()
        self._poses: tuple[PoseObservation, ...] = ()
        self._obs_t: int | None = None
        self._image: NDArray[np.uint8] | None = None
        self._image_t: int | None = None
        self._grip: float | None = None
        self._grip_unit = "N"
        self._cop_xy: tuple[float, float] | None = None
        self._cop_unit = "norm"
        self._events: deque[ScoreEvent] = deque(maxlen=50)
        self._reps_seen = 0
        self._inputs_scored = 0
        self._frame_times: deque[int] = deque(maxlen=90)
        self._inference_ns: int | None = None
        self._models: set[str] = set()
        self._streams: dict[str, tuple[str, int, str, deque[int]]] = {}
        self.source_label = source_label
        self._summary: SessionSummary | None = None
        self._session_id: str | None = None
        self._error: str | None = None
        self._trial_failure: str | None = None
        self._last_score: TrialScore | None = None
        self._pending: StepInput | None = None
        c = self._schedule[0].contract if self._schedule else None
        self._quality_events: frozenset[str] = frozenset(c.quality_events) if c is not None else frozenset()
        self._quiet = False
        self.phase_changed: Signal[PhaseChange] = Signal()
        """Emitted (on the writing thread, outside the lock) when the phase changes and when a trial is scored."""

    def set_quiet(self, quiet: bool) -> None:
        """The child's quiet mode (the screens read it from :attr:`ViewState.quiet`)."""
        self._quiet = bool(quiet)

    def _tell(self, phase: str, until_ns: int | None = None, t_ns: int | None = None) -> None:
        if self.phase_changed:
            i = self._trial
            ex = self._schedule[i].exercise if 0 <= i < len(self._schedule) else ""
            self.phase_changed.emit(PhaseChange(phase, self.clock.now_ns() if t_ns is None else t_ns, until_ns, i, ex))

    # -- written by the worker thread ------------------------------------------------------------
    def set_phase(self, phase: Phase, until_ns: int | None = None) -> None:
        with self._lock:
            if phase != self._phase or until_ns is None or self._phase_until_ns is None:
                self._phase_since_ns = self.clock.now_ns()
            self._phase = phase
            self._phase_until_ns = until_ns
        self._tell(phase, until_ns)

    @property
    def phase(self) -> Phase:
        return self._phase

    def begin_trial(self, index: int) -> None:
        """A new trial is about to start: clear the charts and the latest values."""
        with self._lock:
            self._trial = index
            c = self._schedule[index].contract if 0 <= index < len(self._schedule) else None
            self._quality_events = frozenset(c.quality_events) if c is not None else frozenset()
            self._state = None
            self._play_t0_ns = None
            self._hands, self._poses, self._obs_t = (), (), None
            self._grip, self._cop_xy = None, None
            self._reps_seen = 0
            self._events.clear()
        for rb in (self.deviation, self.reps, self.force, self.cop):
            rb.clear()

    def start_play(self, t0_ns: int) -> None:
        with self._lock:
            self._play_t0_ns = t0_ns
            self._phase = "play"
            self._phase_until_ns = None
        self._tell("play", None, t0_ns)

    def set_schedule(self, schedule: Sequence[ScheduleItem]) -> None:
        with self._lock:
            self._schedule = list(schedule)

    def set_settings(self, index: int, settings: dict[str, Any]) -> None:
        with self._lock:
            if 0 <= index < len(self._schedule):
                self._schedule[index] = dataclasses.replace(self._schedule[index], settings=dict(settings))

    def end_trial(self, score: TrialScore) -> None:
        with self._lock:
            self._last_score = score
            if 0 <= self._trial < len(self._schedule):
                self._schedule[self._trial] = dataclasses.replace(self._schedule[self._trial], stars=score.stars)
        self._tell("trial_end")

    def fail_trial(self, reason: str) -> None:
        """The current trial failed (no score): no stars, and the child sees a neutral 'let's try again'."""
        with self._lock:
            self._last_score = None
            self._trial_failure = reason
            if 0 <= self._trial < len(self._schedule):
                self._schedule[self._trial] = dataclasses.replace(self._schedule[self._trial], stars=None)
            self._phase = "retry"
            self._phase_until_ns = None
        self._tell("retry")

    @property
    def trial_failure(self) -> str | None:
        """Why the last failed trial failed (``None`` when none has)."""
        return self._trial_failure

    def set_stream(self, name: str, state: str, detail: str = "") -> None:
        """Report a stream's state (e.g. from a driver's ``DeviceState``)."""
        with self._lock:
            old = self._streams.get(name)
            times = old[3] if old else deque(maxlen=120)
            self._streams[name] = (state, self.clock.now_ns(), detail, times)

    def _tick_stream(self, name: str, t_ns: int) -> None:
        old = self._streams.get(name)
        times = old[3] if old else deque(maxlen=120)
        times.append(t_ns)
        self._streams[name] = ("streaming", self.clock.now_ns(), old[2] if old else "", times)

    @property
    def inputs_scored(self) -> int:
        """How many inputs (frames or device steps) the runner has scored in this session."""
        with self._lock:
            return self._inputs_scored

    def on_input(self, inp: StepInput) -> None:
        """The tap: the input about to be scored (published with the runner's next update)."""
        self._pending = inp

    def push_frame(self, image: NDArray[np.uint8], t_ns: int) -> None:
        """Show a background image without landmarks (BGR, unmirrored; kept by reference, frames are
        read-only). Camera and video steps bring their own image (``StepInput.image``)."""
        with self._lock:
            self._image = image
            self._image_t = t_ns

    def on_update(self, state: LiveState) -> None:
        """``SessionRunner.on_update``: called on the worker thread after each scored step."""
        inp, self._pending = self._pending, None
        with self._lock:
            self._state = state
            self._session_id = state.session_id
            if self._play_t0_ns is None:
                self._play_t0_ns = (inp.t_ns if inp is not None else self.clock.now_ns()) - int(state.elapsed_s * 1e9)
            for e in state.last_events:
                if not self._events or (e.t_ns, e.kind, e.rep) > (self._events[-1].t_ns, self._events[-1].kind, self._events[-1].rep):
                    self._events.append(e)
            if inp is not None:
                self._take_input(inp)
                self._inputs_scored += 1
            new_reps = state.reps - self._reps_seen
        if inp is not None:
            dev = state.live.get("deviation")
            if dev is not None and math.isfinite(dev):
                self.deviation.append(inp.t_ns, float(dev))
        storage = self._streams.get("storage")
        if state.storage_error and (storage is None or storage[2] != state.storage_error):
            self.set_stream("storage", "not saving", state.storage_error)  # shown with the device status
        elif not state.storage_error and storage is not None and storage[0] == "not saving":
            self.set_stream("storage", "saving", "writes resumed")
        if new_reps > 0:
            t = inp.t_ns if inp is not None else self.clock.now_ns()
            q = self._quality(state.last_events, self._quality_events)
            for k in range(new_reps):
                self.reps.append(t, float(self._reps_seen + k + 1), q)
            self._reps_seen = state.reps

    @staticmethod
    def _quality(events: Sequence[ScoreEvent], kinds: frozenset[str]) -> float:
        """Quality (0..1) of the newest of ``events`` whose kind is one of the exercise's quality events."""
        for e in reversed(events):
            if e.kind in kinds:
                q = quality_of(e.kind, e.value, e.unit, e.payload, kinds)
                return math.nan if q is None else q
        return math.nan

    def mean_quality(self) -> float:
        """Mean quality of the repetitions of the current trial so far (NaN when none carried one)."""
        _t, v = self.reps.snapshot()
        q = v[:, 1] if len(v) else np.empty(0)
        q = q[np.isfinite(q)]
        return float(q.mean()) if len(q) else math.nan

    def show(self, inp: StepInput) -> None:
        """Show a step that is not scored (a live camera's frames while paused): image and landmarks only."""
        if inp.frame_seq is not None:
            with self._lock:
                self._hands, self._poses, self._obs_t = tuple(inp.hands), tuple(inp.poses), inp.t_ns
                if inp.image is not None:
                    self._image, self._image_t = inp.image, inp.t_ns

    def _take_input(self, inp: StepInput) -> None:
        if inp.frame_seq is not None:
            self._hands, self._poses, self._obs_t = tuple(inp.hands), tuple(inp.poses), inp.t_ns
            if inp.image is not None:  # the image its landmarks were found in, published together
                self._image, self._image_t = inp.image, inp.t_ns
            self._frame_times.append(inp.t_ns)
            lat = [o.latency_ns for o in (*inp.hands, *inp.poses) if o.latency_ns]
            if lat:
                self._inference_ns = max(lat)
            self._models.update(o.model for o in (*inp.hands, *inp.poses) if o.model.startswith("mediapipe"))
            self._tick_stream(self.source_label or "camera", inp.t_ns)
        for s in inp.samples:
            self._tick_stream(s.device_id, s.t_ns)
            if "force" in s.channels:
                f = s.value("force")
                self._grip, self._grip_unit = f, s.units[s.channels.index("force")]
                self.force.append(s.t_ns, f)
            if "cop_x" in s.channels and "cop_y" in s.channels:  # computed once, in the balance driver
                cop = (s.value("cop_x"), s.value("cop_y"))
                self._cop_unit = s.units[s.channels.index("cop_x")]
                if all(math.isfinite(c) for c in cop):
                    self._cop_xy = cop
                    self.cop.append(s.t_ns, *cop)

    def finish(self, summary: SessionSummary | None, error: str | None = None) -> None:
        with self._lock:
            for name, (state, t_seen, detail, times) in list(self._streams.items()):
                if state in ("streaming", "waiting", "connected", "stalled"):
                    self._streams[name] = ("ended", t_seen, detail, times)
            self._summary = summary
            if error is None and summary is not None and summary.status == "failed":  # failed is not complete
                error = summary.failure or "a trial's input failed"
            self._error = error
            self._phase = "error" if error else "done"
            self._phase_until_ns = None
        self._tell(self._phase)

    # -- read by the UI thread -------------------------------------------------------------------
    @property
    def play_t0_ns(self) -> int | None:
        return self._play_t0_ns

    def view(self) -> ViewState:
        """A consistent copy of the latest values (cheap: no chart data; take those from the ring buffers)."""
        now = self.clock.now_ns()
        with self._lock:
            st = self._state
            idx = self._trial
            sched = list(self._schedule)
            item = sched[idx] if 0 <= idx < len(sched) else None
            ft = self._frame_times
            fps = (len(ft) - 1) / ((ft[-1] - ft[0]) / 1e9) if len(ft) > 2 and ft[-1] > ft[0] else 0.0
            status = []
            for name, (state, t_seen, detail, times) in self._streams.items():
                rate = (len(times) - 1) / ((times[-1] - times[0]) / 1e9) if len(times) > 2 and times[-1] > times[0] else 0.0
                if state == "streaming" and self._phase == "play" and now - t_seen > STALL_S * 1e9:
                    state = "stalled"
                status.append(StreamStatus(name, state, rate, detail))
            remaining = max(0.0, (self._phase_until_ns - now) / 1e9) if self._phase_until_ns is not None else 0.0
            span = (self._phase_until_ns - self._phase_since_ns) / 1e9 if self._phase_until_ns is not None else 0.0
            progress = min(1.0, max(0.0, 1.0 - remaining / span)) if span > 0 else 0.0
            return ViewState(
                phase=self._phase,
                phase_remaining_s=remaining,
                phase_progress=progress,
                trial=idx,
                schedule=sched,
                exercise=st.exercise if st else (item.exercise if item else ""),
                inputs=item.inputs if item else (),
                label=st.label if st else (item.title if item else ""),
                elapsed_s=st.elapsed_s if st else 0.0,
                live=dict(st.live) if st else {},
                reps=st.reps if st else 0,
                target_reps=item.target_reps if item else None,
                settings=dict(item.settings) if item else {},
                hands=self._hands,
                poses=self._poses,
                image=self._image,
                image_t_ns=self._image_t,
                obs_t_ns=self._obs_t,
                grip=self._grip,
                grip_unit=self._grip_unit,
                cop=self._cop_xy,
                cop_unit=self._cop_unit,
                events=list(self._events),
                status=status,
                tracking_fps=fps,
                inference_ms=self._inference_ns / 1e6 if self._inference_ns else None,
                source_label=self.source_label,
                summary=self._summary,
                session_id=self._session_id,
                error=self._error,
                last_score=self._last_score,
                tracker=_describe_models(self._models),
                contract=item.contract if item else None,
                quiet=self._quiet,
            )


CHI2_95_2DOF = 5.991464547107979
"""Chi-square quantile (2 degrees of freedom, p = 0.95): scales the 95 % prediction ellipse."""


def sway_ellipse(xy: NDArray[np.float64], n: int = 90, chi2: float = CHI2_95_2DOF) -> tuple[NDArray[np.float64], float]:
    """The 95 % prediction ellipse of centre-of-pressure points and its area.

    Parameters
    ----------
    xy: N x 2 CoP points (any unit; NaN rows ignored).
    n: points on the returned outline.

    Returns
    -------
    ``(outline[n + 1, 2], area)`` in the unit of ``xy`` (area in unit squared): the ellipse centred on
    the mean with axes along the covariance eigenvectors and half-axes ``sqrt(chi2 * eigenvalue)``;
    ``area = pi * chi2 * sqrt(det(cov))``. Fewer than 3 valid points give an empty outline and NaN.
    """
    pts = np.asarray(xy, dtype=np.float64)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) < 3:
        return np.empty((0, 2)), math.nan
    mean = pts.mean(axis=0)
    cov = np.cov(pts, rowvar=False)
    vals, vecs = np.linalg.eigh(cov)
    vals = np.clip(vals, 0.0, None)
    a = np.linspace(0, 2 * np.pi, n + 1)
    circle = np.stack((np.cos(a), np.sin(a)), axis=1)
    outline = mean + (circle * np.sqrt(chi2 * vals)) @ vecs.T
    area = math.pi * chi2 * math.sqrt(max(0.0, float(np.linalg.det(cov))))
    return outline, area
