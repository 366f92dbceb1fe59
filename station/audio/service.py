"""The audio service: hears the session's events and phases and plays the right sound at once.

One service per session, on its own thread. Listeners on the session thread only put a message on a
queue (never block the session); the service's thread turns it into sounds:

==================  =================================================================================
session             sound (chime, then words in the child's language when the prompt exists)
==================  =================================================================================
countdown starts    "your turn" and the exercise's instruction (its title, else its game's), then a
                    tick at each whole second left
play starts         :attr:`Sound.START` chime
scored event        each :class:`~exercises.contract.SoundCue` of the exercise whose event kind matches
                    (``good`` only at quality >= ``min_quality``): ``cue``/``good`` chimes, ``done`` =
                    the repetition's number said aloud (1..20, else the chime), ``try_again`` words
cue shown           an exercise that publishes a cue in its live values (``cue_key``, :mod:`exercises.cues`: the
                    stop-and-go and copy-the-animals games) gets the :attr:`Sound.CUE` chime when a new key
                    appears, i.e. when the cue goes up, not when its response is scored; the chime's output
                    time is reported back with :meth:`exercises.cues.CueBoard.sounded` so the game can
                    measure reaction times from when the child could hear the cue
trial ends          "all done" (once per trial), the celebration chime and "well done" (not in quiet mode)
trial failed        "let's try that again" (never a celebration)
==================  =================================================================================

Every sound's onset is kept (:class:`~station.audio.mixer.Onset`, session clock) so reaction times can be
measured from when the child could hear the cue (:meth:`AudioService.onset_of`) instead of when it was
scored. The file backend renders a whole session to a WAV on the session clock (tests listen to it).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import queue
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import exercises
from exercises.contract import Sound, quality_of
from station.audio.backends import BLOCK, Backend, NullBackend
from station.audio.clips import FALLBACK, RATE, Clip, chime
from station.audio.mixer import Mixer, Onset
from station.audio.prompts import SOUND_PROMPTS, PromptLibrary, instruction_keys, number_key
from station.core import ScoreEvent, SessionClock
from station.plans import SensorySettings

log = logging.getLogger(__name__)

QUIET_GAIN = 0.6
"""In quiet mode, chimes play at this share of the volume (words keep the volume: they carry the instruction)."""
ONSET_WAIT_S = 0.5
"""How long :meth:`AudioService.onset_of` waits for a sound asked for but not yet at the output."""


class AudioService:
    """Plays a session's sounds on its own thread (see the module docstring).

    ``backend``: where the sound goes (:func:`station.audio.backends.open_backend`); ``library``: the
    prompts in the child's language; ``sensory``: volume, maximum loudness, quiet mode.
    """

    def __init__(self, backend: Backend, clock: SessionClock, *, sensory: SensorySettings | None = None,
                 library: PromptLibrary | None = None, rate: int = RATE, block: int = BLOCK) -> None:
        self.sensory = sensory or SensorySettings()
        self.backend = backend
        self.clock = clock
        self.library = library or PromptLibrary(self.sensory.language, rate=rate)
        self.mixer = Mixer(rate, block, volume=self.sensory.volume, ceiling=self.sensory.ceiling)
        self.onsets: list[Onset] = []
        self._by_event: dict[tuple[int, str, int], Onset] = {}
        self._lock = threading.Lock()
        self._inbox: queue.Queue[tuple[str, Any, int]] = queue.Queue()
        self._due: list[tuple[int, int, int, Clip, float, Onset]] = []
        """Sounds not yet handed to the backend: (due, seq, generation (-1: never cancelled), clip, gain, onset)."""
        self._seq = itertools.count()
        self._gen = 0
        self._trial_done: set[int] = set()
        self._announced: set[int] = set()
        self._started: set[int] = set()
        self._celebrated: set[int] = set()
        self._retried: set[int] = set()
        self._words_until_ns = 0
        self._cue_key: object = None
        """When the last words asked for end: the next words wait for them (never two voices at once)."""
        self._thread: threading.Thread | None = None
        self._closed = False
        self._idle = threading.Event()
        self._idle.set()

    # -- life -------------------------------------------------------------------------------------
    def start(self) -> AudioService:
        # before the first cue: the exercise registry (imports every exercise) and the chimes, so that the first
        # sound is as quick as the others (the registry's first load took ~240 ms here: benchmarks/audio_cue_latency.py)
        exercises.names()
        for s in (*Sound, FALLBACK):
            chime(str(s), self.mixer.rate)
        self.backend.start(self.mixer, self.clock)
        self._thread = threading.Thread(target=self._run, name="station-audio", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Play what is due (real-time: up to the last asked-for sound; file: everything), then stop."""
        if self._closed:
            return
        self._closed = True
        self._inbox.put(("close", None, self.clock.now_ns()))
        if self._thread is not None:
            self._thread.join(10.0)
        self.backend.close()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every message sent so far has been turned into sounds (tests, the benchmark)."""
        done = threading.Event()
        self._inbox.put(("flush", done, 0))
        return done.wait(timeout)

    def __enter__(self) -> AudioService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def silent(self) -> bool:
        """True when nothing reaches a loudspeaker or a file (no device: the null backend)."""
        return isinstance(self.backend, NullBackend)

    # -- listeners (called on the session thread: they only post) ---------------------------------
    def on_events(self, events: Sequence[ScoreEvent]) -> None:
        """The runner's ``scored`` signal: scored events, in time order."""
        if events:
            self._inbox.put(("events", tuple(events), self.clock.now_ns()))

    def on_phase(self, change: Any) -> None:
        """The live model's ``phase_changed`` signal (a :class:`station.session.model.PhaseChange`)."""
        self._inbox.put(("phase", change, self.clock.now_ns()))

    def on_update(self, state: Any) -> None:
        """The runner's ``updated`` signal (a :class:`~station.session.runner.LiveState`): a new ``cue_key`` in the
        live values means a cue just went up."""
        key = state.live.get("cue_key") if isinstance(getattr(state, "live", None), dict) else None
        if key is None or key == self._cue_key:
            return
        self._cue_key = key
        if isinstance(key, int | float) and not isinstance(key, bool) and math.isfinite(key) and key > 0:
            self._inbox.put(("cue", int(key), self.clock.now_ns()))

    def attach(self, runner: Any, model: Any) -> None:
        """Listen to a :class:`~station.session.runner.SessionRunner` and its
        :class:`~station.session.model.LiveModel` (and tell the model about quiet mode)."""
        runner.scored.connect(self.on_events)
        runner.updated.connect(self.on_update)
        model.phase_changed.connect(self.on_phase)
        model.set_quiet(self.sensory.quiet)

    def play(self, sound: str | Sound, key: str | None = None, t_ns: int | None = None) -> Onset:
        """Play ``sound``'s chime (then prompt ``key`` when given) now or at session time ``t_ns``."""
        now = self.clock.now_ns()
        t = now if t_ns is None else t_ns
        onset = Onset(str(sound), key or "", "", t, now)
        self._inbox.put(("play", (onset, sound, key), now))
        return onset

    # -- what was heard ---------------------------------------------------------------------------
    def onset_of(self, event: ScoreEvent, timeout: float = ONSET_WAIT_S) -> int | None:
        """When the sound answering ``event`` started at the output (session clock, ns); ``None`` when no
        sound answered it or nothing plays (no device). Waits up to ``timeout`` for a sound on its way."""
        key = (event.t_ns, event.kind, event.rep)
        self.flush(timeout)
        with self._lock:
            o = self._by_event.get(key)
        return None if o is None else o.wait(timeout)

    def write_onsets(self, path: str | Path) -> Path:
        """Every sound asked for, as CSV (session clock, ns; ``t_onset_ns`` empty for a sound that never played):
        ``sound,key,clip,trial,kind,rep,t_event_ns,t_request_ns,t_onset_ns,delay_ms``."""
        import csv

        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            rows = list(self.onsets)
        tmp = p.with_suffix(".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["sound", "key", "clip", "trial", "kind", "rep", "t_event_ns", "t_request_ns", "t_onset_ns", "delay_ms"])
            for o in rows:
                w.writerow([o.sound, o.key, o.clip, o.trial, o.kind, o.rep, o.t_event_ns, o.t_request_ns,
                            "" if o.t_onset_ns is None else o.t_onset_ns, "" if o.delay_ns is None else f"{o.delay_ns / 1e6:.3f}"])
        tmp.replace(p)
        return p

    def delays_ms(self) -> list[float]:
        """Event-to-onset delays of the sounds played so far (ms)."""
        with self._lock:
            return [o.delay_ns / 1e6 for o in self.onsets if o.delay_ns is not None]

    # -- the service thread ----------------------------------------------------------------------
    def _run(self) -> None:
        closing = False
        while True:
            timeout = None
            if self._due and not self.backend.offline:
                timeout = max(0.0, (self._due[0][0] - self.clock.now_ns()) / 1e9)
            try:
                msg, arg, t_req = self._inbox.get(timeout=timeout if not closing else 0.0)
            except queue.Empty:
                msg = ""
            else:
                try:
                    if msg == "close":
                        closing = True
                    elif msg == "flush":
                        self._release(flush=True)
                        arg.set()
                        continue
                    else:
                        self._handle(msg, arg, t_req)
                except Exception:
                    log.exception("the audio service could not play a sound")
            self._release()
            if closing and self._inbox.empty():
                self._release(flush=True, closing=True)
                return

    def _release(self, flush: bool = False, closing: bool = False) -> None:
        """Hand due sounds to the backend (file backends: all of them, at their times)."""
        now = self.clock.now_ns()
        lead = int(self.mixer.block * 1e9 / self.mixer.rate / 2)
        while self._due:
            due, _s, gen, clip, gain, onset = self._due[0]
            if not self.backend.offline and due > now + lead:
                if closing:
                    while self._due:  # a real-time session that ended: ticks not yet due never play
                        heapq.heappop(self._due)
                break
            heapq.heappop(self._due)
            if gen >= 0 and gen != self._gen:
                continue  # a countdown tick cancelled (a pause or stop changed the countdown)
            self.backend.place(clip.samples, gain, due, onset)

    def _after_words(self, t_ns: int, clip: Clip) -> int:
        """When words asked for at ``t_ns`` can start: after the words already asked for (sequential speech)."""
        due = max(t_ns, self._words_until_ns)
        self._words_until_ns = due + int(clip.duration_s * 1e9)
        return due

    def _schedule(self, due_ns: int, clip: Clip, gain: float, onset: Onset, generation: int | None = None) -> None:
        onset.clip = clip.name
        with self._lock:
            self.onsets.append(onset)
            if onset.kind:
                self._by_event.setdefault((onset.t_event_ns, onset.kind, onset.rep), onset)
        heapq.heappush(self._due, (due_ns, next(self._seq), -1 if generation is None else generation, clip, gain, onset))

    def _gain(self, chime_only: bool) -> float:
        return QUIET_GAIN if (self.sensory.quiet and chime_only) else 1.0

    def _sound(self, sound: str | Sound, key: str | None = None, keys: Sequence[str] = ()) -> Clip:
        """The chime of ``sound`` followed by the words of ``key`` (or the first of ``keys`` that exists)."""
        c = chime(str(sound), self.mixer.rate)
        words = [k for k in ([key] if key else []) + list(keys)]
        if not words:
            return c
        for k in words:
            rec = self.library.recording(k)
            if rec is not None:
                return c.then(rec)
        self.library.clip(words[0], str(sound))  # logs the fallback once
        return c

    def _handle(self, msg: str, arg: Any, t_req: int) -> None:
        if msg == "play":
            onset, sound, key = arg
            self._schedule(onset.t_event_ns, self._sound(sound, key), 1.0, onset)
        elif msg == "events":
            for e in arg:
                self._event(e, t_req)
        elif msg == "phase":
            self._phase(arg, t_req)
        elif msg == "cue":
            self._cue(arg, t_req)

    def _cue(self, key: int, t_req: int) -> None:
        """The cue chime at once, and its output time reported to the cue board when it is known."""
        from exercises.cues import BOARD

        onset = Onset(str(Sound.CUE), "", "", t_req, t_req, kind="cue_key", rep=key)
        if not self.silent:  # nothing heard (null backend): the game measures from the painted (or scheduled) cue
            onset.on_mark = lambda t_ns: BOARD.sounded(key, t_ns)
        self._schedule(t_req, chime(str(Sound.CUE), self.mixer.rate), self._gain(True), onset)

    def _event(self, e: ScoreEvent, t_req: int) -> None:
        c = exercises.contract_of(e.exercise)
        if c is None:
            return
        for cue in c.sounds:
            if cue.event != e.kind:
                continue
            if cue.min_quality is not None:
                q = quality_of(e.kind, e.value, e.unit, e.payload, c.quality_events)
                if q is None or q < cue.min_quality:
                    continue
            onset = Onset(str(cue.sound), "", "", e.t_ns, t_req, e.trial, e.kind, e.rep)
            if cue.sound == Sound.DONE:
                n = number_key(self._count(e))
                clip = self.library.clip(n, Sound.DONE) if n else chime(Sound.DONE, self.mixer.rate)
                onset.key = n or ""
                self._schedule(e.t_ns, clip, 1.0, onset)
            elif cue.sound == Sound.TRIAL_DONE:
                self._trial_end(e.trial, e.t_ns, t_req, onset)
            elif cue.sound == Sound.CELEBRATION and self.sensory.quiet:
                continue
            else:
                key = SOUND_PROMPTS.get(cue.sound)
                onset.key = key or ""
                clip = self._sound(cue.sound, key)
                self._schedule(e.t_ns, clip, self._gain(key is None), onset)

    @staticmethod
    def _count(e: ScoreEvent) -> int:
        """The number said for a unit done: the event's ``count`` when it carries one, else its rep (1-based)."""
        n = e.payload.get("count") if isinstance(e.payload, dict) else None
        return int(n) if isinstance(n, int) and not isinstance(n, bool) else e.rep + (1 if e.rep == 0 else 0)

    def _trial_end(self, trial: int, t_ns: int, t_req: int, onset: Onset | None = None) -> None:
        if trial in self._trial_done:
            return
        self._trial_done.add(trial)
        key = SOUND_PROMPTS[Sound.TRIAL_DONE]
        o = onset or Onset(str(Sound.TRIAL_DONE), key, "", t_ns, t_req, trial)
        o.key = key
        clip = self._sound(Sound.TRIAL_DONE, key)
        self._schedule(self._after_words(t_ns, clip), clip, 1.0, o)

    def _phase(self, ch: Any, t_req: int) -> None:
        if ch.phase != "countdown":
            self._gen += 1  # countdown ticks not yet played are cancelled (a pause, a stop)
        if ch.phase == "countdown" and ch.until_ns is not None:
            remaining = (ch.until_ns - ch.t_ns) / 1e9
            if remaining <= 0:
                return
            if ch.trial not in self._announced:
                self._announced.add(ch.trial)
                ex = ch.exercise
                keys = instruction_keys(ex, exercises.contract_of(ex)) if ex else []
                o = Onset("instruction", "your_turn", "", ch.t_ns, t_req, ch.trial, "countdown")
                clip = self._sound(Sound.COUNTDOWN, "your_turn")
                for key in keys:
                    rec = self.library.recording(key)
                    if rec is not None:
                        clip = clip.then(rec)
                        o.key = f"your_turn+{key}"
                        break
                self._schedule(self._after_words(ch.t_ns, clip), clip, 1.0, o)
            for k in range(math.ceil(remaining - 1e-9), 0, -1):  # a tick at each whole second left
                due = ch.until_ns - k * 1_000_000_000
                if due >= ch.t_ns:
                    self._schedule(due, chime(Sound.COUNTDOWN, self.mixer.rate), self._gain(True),
                                   Onset(str(Sound.COUNTDOWN), "", "", due, t_req, ch.trial), generation=self._gen)
        elif ch.phase == "play" and ch.trial not in self._started:
            self._started.add(ch.trial)
            self._schedule(ch.t_ns, chime(Sound.START, self.mixer.rate), self._gain(True),
                           Onset(str(Sound.START), "", "", ch.t_ns, t_req, ch.trial, "play"))
        elif ch.phase == "trial_end":
            self._trial_end(ch.trial, ch.t_ns, t_req)
        elif ch.phase in ("celebrate", "done") and not self.sensory.quiet:
            finished = ch.trial - 1 if ch.phase == "celebrate" else ch.trial  # 'celebrate' plays as the next trial begins
            if finished in self._celebrated or finished not in self._trial_done:
                return  # celebrated already, or the trial was not scored (failed): nothing to celebrate
            self._celebrated.add(finished)
            key = SOUND_PROMPTS[Sound.CELEBRATION]
            clip = self._sound(Sound.CELEBRATION, key)
            self._schedule(self._after_words(ch.t_ns, clip), clip, 1.0,
                           Onset(str(Sound.CELEBRATION), key, "", ch.t_ns, t_req, finished, ch.phase))
        elif ch.phase == "retry" and ch.trial not in self._retried:
            self._retried.add(ch.trial)
            clip = self._sound(Sound.TRY_AGAIN, "lets_try_again")
            self._schedule(self._after_words(ch.t_ns, clip), clip, 1.0,
                           Onset(str(Sound.TRY_AGAIN), "lets_try_again", "", ch.t_ns, t_req, ch.trial, "retry"))
