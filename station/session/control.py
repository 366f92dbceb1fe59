"""Session control: runs planned trials on a worker thread with countdown, pause, rest and difficulty steps.

What the runner itself does not have: a countdown before each trial, pause and resume, rest between
trials, a target number of repetitions and difficulty steps between trials. No Qt here; the windows
call the thread-safe commands (:meth:`SessionController.start`, ``toggle_pause``, ``stop``,
``step_difficulty``) and read :class:`~station.session.model.LiveModel`.

Pausing
    *own*-paced feeds (the simulated child, replays in real time) are suspended and their later inputs
    shifted by the time spent paused (:meth:`~station.core.StepInput.shifted`), so the child resumes
    where it stopped; *external* feeds (a live camera) keep running and inputs that arrive while paused
    are dropped (never scored or recorded).

Breaks
    :meth:`SessionController.start_break` (the therapist's one key) pauses the current trial as a pause
    does and shows the calm-down pacer on the child screen (:meth:`SessionController.break_view` turns
    the model's view into the pacer's: the game of the exercise whose contract declares ``breathe``);
    :meth:`~SessionController.end_break` (the key again, or ``duration_s`` later) resumes the trial where
    it stopped. While a live camera runs, the frames of the break (never scored for the trial) go to a
    breathing estimator; each break is kept in :attr:`SessionController.breaks` (start, end, pacer
    rate, the estimate or "too much movement").

Time base: the session clock (ns); ``duration_s`` of a planned trial counts active play only.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import exercises
from exercises.contract import TrialOutcome
from station.core import StepInput
from station.plans import PlanItem, step_difficulty
from station.session.model import LiveModel, Phase, ScheduleItem
from station.session.runner import NO_INPUT_GRACE_S, SessionRunner, SessionSummary, TrialSpec, trial_failure

log = logging.getLogger(__name__)

CELEBRATE_S = 2.5
"""Shortest celebration between two trials (seconds)."""
BREAK_S = 60.0
"""Default length of a calm-down break (seconds; the therapist may end it earlier)."""


@dataclass
class BreakRecord:
    """One calm-down break: when, at which pacer rate, and what the camera saw of the breathing."""

    trial: int
    rate_per_min: float
    start_ns: int
    until_ns: int | None
    end_ns: int | None = None
    breaths_per_min: float | None = None
    phase_agreement_pct: float | None = None
    too_much_movement: bool | None = None
    """``None`` when no camera frames came in (a simulated child, a device trial)."""
    estimator: Any = None


@dataclass
class PlannedTrial:
    """A trial spec plus what the plan says about it (target reps, active duration, rest after)."""

    spec: TrialSpec
    target_reps: int | None = None
    duration_s: float | None = None
    rest_s: float = 0.0
    inputs: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_item(cls, item: PlanItem, spec: TrialSpec) -> PlannedTrial:
        import exercises

        return cls(spec, item.reps, item.duration_s, item.rest_s, tuple(exercises.get(item.exercise).inputs))


class SessionController:
    """Runs planned trials on a worker thread with countdown, pause/resume, rest, difficulty steps.

    Thread-safe public methods: :meth:`start`, :meth:`toggle_pause`, :meth:`pause`, :meth:`resume`,
    :meth:`stop`, :meth:`step_difficulty`. The runner records everything (the session's trials,
    observations, samples, events); the controller never touches widgets.
    """

    def __init__(
        self,
        runner: SessionRunner,
        trials: Sequence[PlannedTrial],
        model: LiveModel,
        *,
        countdown_s: float = 3.0,
        celebrate_s: float = CELEBRATE_S,
        cleanup: Callable[[], None] | None = None,
    ) -> None:
        self.runner = runner
        self.trials = list(trials)
        self.model = model
        self.countdown_s = countdown_s
        self.celebrate_s = celebrate_s
        self.cleanup = cleanup
        """Called on the worker thread after the session ends (closes devices)."""
        self.clock = runner.clock
        self._paused = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_trials: set[int] = set()
        self._failed_trials: set[int] = set()
        self.summary: SessionSummary | None = None
        self.error: str | None = None
        self.breaks: list[BreakRecord] = []
        self._break: BreakRecord | None = None
        self._break_lock = threading.Lock()
        runner.updated.connect(model.on_update)

    # -- control ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="station-session", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        if self.running and self.model.phase in ("play", "countdown"):
            self._paused.set()

    def resume(self) -> None:
        if self._break is not None:  # resuming ends a calm-down break too
            self.end_break()
            return
        self._paused.clear()

    def toggle_pause(self) -> None:
        if self._paused.is_set():
            self.resume()
        else:
            self.pause()

    # -- calm-down break ---------------------------------------------------------------------------
    @property
    def on_break(self) -> bool:
        return self._break is not None

    def start_break(self, rate_per_min: float = 6.0, duration_s: float | None = BREAK_S) -> bool:
        """Pause the current trial and show the breathing pacer; ``False`` when there is nothing to pause."""
        if not 4.0 <= rate_per_min <= 8.0:
            raise ValueError(f"break pacer rate {rate_per_min} breaths/min is outside 4..8")
        with self._break_lock:
            if self._break is not None or not self.running or self.model.phase not in ("play", "countdown", "paused"):
                return False
            from vision.breathing import BreathingEstimator

            now = self.clock.now_ns()
            self._break = BreakRecord(self.model.view().trial, rate_per_min, now,
                                      None if duration_s is None else now + int(duration_s * 1e9), estimator=BreathingEstimator())
            self._paused.set()
        log.info("calm-down break at %.1f breaths/min", rate_per_min)
        return True

    def end_break(self) -> BreakRecord | None:
        """End the break and resume the trial where it stopped; returns the break's record."""
        with self._break_lock:
            b, self._break = self._break, None
            if b is None:
                return None
            b.end_ns = self.clock.now_ns()
            est = b.estimator
            b.estimator = None
            if est is not None and len(est.t) > 2:
                e = est.estimate(pacer_rate=b.rate_per_min, pacer_t0_ns=b.start_ns, min_s=min(15.0, (b.end_ns - b.start_ns) / 2e9))
                b.too_much_movement = not e.usable
                b.breaths_per_min = e.rate_per_min if e.usable else None
                b.phase_agreement_pct = e.phase_agreement_pct if e.usable else None
            self.breaks.append(b)
            # stored with the paused trial's events (kind "break": its length, the pacer, what was measured)
            self.runner.note("break", b.start_ns, (b.end_ns - b.start_ns) / 1e9, "s", pacer_per_min=b.rate_per_min,
                             breaths_per_min=b.breaths_per_min, phase_agreement_pct=b.phase_agreement_pct,
                             too_much_movement=b.too_much_movement)
            self._paused.clear()
        log.info("calm-down break ended after %.1f s", (b.end_ns - b.start_ns) / 1e9)  # type: ignore[operator]
        return b

    def toggle_break(self, rate_per_min: float = 6.0) -> bool:
        """The therapist's break key: start a break, or end the one running. Returns whether one runs now."""
        if self._break is not None:
            self.end_break()
            return False
        return self.start_break(rate_per_min)

    def _tick_break(self) -> None:
        b = self._break
        if b is not None and b.until_ns is not None and self.clock.now_ns() >= b.until_ns:
            self.end_break()

    def _break_frame(self, inp: StepInput) -> None:
        """A live frame that arrived during the break: to the breathing estimator (never scored)."""
        b = self._break
        if b is None or b.estimator is None or inp.frame_seq is None:
            return
        pose = inp.poses[0] if inp.poses else None
        import numpy as np

        b.estimator.push(inp.t_ns, None if pose is None else pose.xy_px(),
                         None if pose is None or pose.visibility is None else np.asarray(pose.visibility, dtype=np.float64), inp.image)

    def break_view(self, v: Any) -> Any:
        """The view the child screen shows: during a break the breathing pacer instead of the trial."""
        b = self._break
        if b is None:
            return v
        import math

        from exercises.breathing import pacer_size

        contract = next((c for n in exercises.names() if (c := exercises.get(n).contract).game == "breathe"), None)
        t = (self.clock.now_ns() - b.start_ns) / 1e9
        moving = b.estimator.moving_now() if b.estimator is not None else False
        live = {"pacer": pacer_size(b.rate_per_min, t), "pacer_phase": (b.rate_per_min / 60.0 * t) % 1.0, "rate": b.rate_per_min,
                "too_much_movement": float(moving), "breaths_per_min": math.nan, "on_break": 1.0}
        return dataclasses.replace(v, phase="play", live=live, inputs=(), contract=contract)

    def repeat_instruction(self) -> None:
        """The therapist's repeat key: the current exercise shows its instruction (its cue) again."""
        from exercises.cues import BOARD

        BOARD.request_repeat()

    def stop(self) -> None:
        """End the current trial and the session; everything recorded is kept."""
        if self._break is not None:
            self.end_break()
        self._stopped.set()
        self._paused.clear()
        self.runner.stop()

    def join(self, timeout: float | None = None) -> bool:
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def next_trial_index(self) -> int | None:
        """The trial a difficulty step applies to: the current one while it has not started playing, else the next."""
        cur = self.model.view().trial
        for i in range(cur, len(self.trials)):
            if i not in self._started_trials:
                return i
        return None

    def step_difficulty(self, steps: int) -> tuple[int, dict[str, Any]] | None:
        """Make the next trial ``steps`` levels harder (or easier); returns ``(index, new settings)``."""
        i = self.next_trial_index()
        if i is None:
            return None
        spec = self.trials[i].spec
        new = dict(spec.settings) | step_difficulty(spec.exercise, spec.settings, steps)
        spec.settings = new  # read by the runner when the trial starts
        import exercises

        self.model.set_settings(i, exercises.get(spec.exercise).parse_settings(new).model_dump())
        log.info("difficulty %+d for trial %d (%s): %s", steps, i, spec.exercise, new)
        return i, new

    # -- worker ----------------------------------------------------------------------------------
    def _wait(self, seconds: float, phase: Phase) -> None:
        """Wait ``seconds`` of session-clock time in ``phase`` (pauses extend it; stop ends it)."""
        if seconds <= 0:
            return
        end = self.clock.now_ns() + int(seconds * 1e9)
        self.model.set_phase(phase, end)
        while not self._stopped.is_set():
            now = self.clock.now_ns()
            if self._paused.is_set():
                t_p = now
                self.model.set_phase("paused")
                while self._paused.is_set() and not self._stopped.is_set():
                    self.clock.sleep_until(self.clock.now_ns() + 20_000_000)
                    self._tick_break()
                end += self.clock.now_ns() - t_p
                self.model.set_phase(phase, end)
                continue
            if now >= end:
                return
            self.clock.sleep_until(min(end, now + 20_000_000))

    def _wrap(self, i: int, pt: PlannedTrial) -> TrialSpec:
        inner = pt.spec.feed
        own = self.runner.pacing == "own"

        def feed(t_runner: int) -> Iterator[StepInput]:
            self.model.begin_trial(i)
            if i > 0:
                prev = self.trials[i - 1]
                # after a failed trial no celebration: the neutral 'let's try again' stays for the same time
                self._wait(self.celebrate_s, "retry" if (i - 1) in self._failed_trials else "celebrate")
                self._wait(prev.rest_s, "rest")
            self._wait(self.countdown_s, "countdown")
            if self._stopped.is_set():
                return
            self._started_trials.add(i)
            t0 = self.clock.now_ns()
            self.model.start_play(t0)
            shift = 0  # own-paced feeds: total pause so far (later inputs are shifted by it)
            paused_total = 0  # all feeds: time spent paused during play (not counted in duration_s)
            pause_mark: int | None = None  # live feeds: when the current pause began
            n_in = n_seen = 0
            error: BaseException | None = None
            try:
                for raw in inner(t0):
                    if self._stopped.is_set():
                        return
                    if self._paused.is_set():
                        if own:
                            t_p = self.clock.now_ns()
                            self.model.set_phase("paused")
                            while self._paused.is_set() and not self._stopped.is_set():
                                self.clock.sleep_until(self.clock.now_ns() + 20_000_000)
                                self._tick_break()
                            dt = self.clock.now_ns() - t_p
                            shift += dt
                            paused_total += dt
                            self.model.set_phase("play")
                        else:  # a live source keeps running: show but drop what arrives while paused
                            if pause_mark is None:
                                pause_mark = self.clock.now_ns()
                                self.model.set_phase("paused")
                            self.model.show(raw)
                            self._break_frame(raw)
                            self._tick_break()
                            continue
                    if pause_mark is not None:
                        paused_total += self.clock.now_ns() - pause_mark
                        pause_mark = None
                        self.model.set_phase("play")
                    inp = raw.shifted(shift)
                    if pt.duration_s is not None and inp.t_ns - t0 - paused_total > pt.duration_s * 1e9:
                        return
                    self.model.on_input(inp)
                    n_in += 1
                    n_seen += bool(inp.hands or inp.poses)
                    yield inp
                    if pt.target_reps is not None and self.model.view().reps >= pt.target_reps:
                        return
            except Exception as exc:  # the input failed: the runner records the failure, the child sees no stars
                error = exc
                raise
            finally:
                src = "simulated" if pt.spec.source == "synthetic" else pt.spec.source
                too_short = n_in == 0 and self.clock.now_ns() - t0 < NO_INPUT_GRACE_S * 1e9  # as the runner judges it
                failure = trial_failure(src, n_in, n_seen, self._stopped.is_set() or too_short, error)
                if failure is not None:
                    self._failed_trials.add(i)
                    self.model.fail_trial(failure)
                else:
                    v = self.model.view()
                    outcome = TrialOutcome(v.live, v.reps, pt.target_reps, self.model.mean_quality())
                    self.model.end_trial(exercises.get(pt.spec.exercise).contract.stars.score(outcome))

        return dataclasses.replace(pt.spec, feed=feed, duration_s=None)

    def _run(self) -> None:
        summary = None
        error = None
        try:
            wrapped = [self._wrap(i, t) for i, t in enumerate(self.trials)]
            summary = self.runner.run(wrapped)
        except Exception as exc:  # never let an exception escape the worker thread
            log.exception("session failed")
            error = f"{type(exc).__name__}: {exc}"
        finally:
            if self.cleanup is not None:
                try:
                    self.cleanup()
                except Exception:
                    log.exception("session cleanup failed")
        self.summary, self.error = summary, error
        self.model.finish(summary, error)


def schedule_of(trials: Iterable[PlannedTrial]) -> list[ScheduleItem]:
    """The picture schedule of a list of planned trials."""
    import exercises

    out = []
    for t in trials:
        cls = exercises.get(t.spec.exercise)
        full = cls.parse_settings(t.spec.settings).model_dump()
        m = t.extra.get("plane_to_image")
        out.append(ScheduleItem(cls.name, t.spec.label or cls.title, tuple(cls.inputs), t.target_reps, full,
                                duration_s=t.duration_s, plane_to_image=None if m is None else tuple(float(v) for v in m)))
    return out
