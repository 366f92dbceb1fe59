"""The audio service renders real sessions (controller, runner, simulated child) to WAV on the session clock."""

from __future__ import annotations

import logging
import wave
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

import exercises
from exercises.contract import Sound, quality_of
from station.audio import BLOCK, RATE, AudioService, NullBackend, PromptLibrary, WavFileBackend, chime, open_backend
from station.audio import backends as audio_backends
from station.core import FakeClock, ScoreEvent
from station.plans import PlanItem, SensorySettings, load_plan, plan_from_dict, save_plan
from station.session import SessionRunner, TrialSpec
from station.session.control import PlannedTrial, SessionController, schedule_of
from station.session.feeds import simulated_feed
from station.session.model import LiveModel, PhaseChange
from station.storage import open_database
from station.storage import schema as S

T0 = 10**12
BLOCK_NS = BLOCK * 1e9 / RATE


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, RATE, 2)
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768


def _session(tmp_path: Path, items: list[PlanItem], sensory: SensorySettings, library: PromptLibrary | None = None):  # type: ignore[no-untyped-def]
    db = open_database(f"sqlite:///{tmp_path / 'audio.db'}")
    clock = FakeClock(start_ns=T0)
    trials = [PlannedTrial.from_item(i, TrialSpec(i.exercise, dict(i.settings), simulated_feed(i.exercise, i.settings, duration_s=i.duration_s, reps=i.reps),
                                                  label=i.exercise, source="synthetic")) for i in items]
    model = LiveModel(clock, schedule_of(trials))
    runner = SessionRunner(db, "P-100", clock, pacing="own")
    ctl = SessionController(runner, trials, model, countdown_s=3.0)
    phases: list[PhaseChange] = []
    model.phase_changed.connect(phases.append)  # our own record of the phases, to check the service against
    wav = tmp_path / "session.wav"
    svc = AudioService(WavFileBackend(wav, T0), clock, sensory=sensory, library=library)
    svc.start()
    svc.attach(runner, model)
    ctl.start()
    assert ctl.join(120)
    assert ctl.summary is not None and ctl.summary.status == "complete"
    svc.close()
    with db.engine.connect() as c:
        events = [ScoreEvent(r.t_ns, r.exercise, r.trial, r.rep, r.kind, r.value, r.unit or "", r.payload or {})
                  for r in c.execute(select(S.events).where(S.events.c.session_id == ctl.summary.session_id).order_by(S.events.c.t_ns))]
    db.dispose()
    return svc, model, phases, events, _read(wav)


def test_a_session_sounds_its_events_at_their_session_times(tmp_path: Path) -> None:
    items = [PlanItem(exercise="bunny_hops", reps=4), PlanItem(exercise="pegboard", duration_s=8)]
    svc, _model, phases, events, y = _session(tmp_path, items, SensorySettings(volume=0.5, max_loudness_db=0.0, language="en"))
    played = [o for o in svc.onsets if o.t_onset_ns is not None]
    assert played and all(0 <= o.t_onset_ns - o.t_event_ns < BLOCK_NS + 1 for o in played if o.kind not in ("celebrate", "done", "countdown"))
    # every stored event with a sound cue sounded within one audio block, with the right sound
    expected = 0
    for e in events:
        c = exercises.contract_of(e.exercise)
        assert c is not None
        for cue in c.sounds:
            if cue.event != e.kind:
                continue
            q = quality_of(e.kind, e.value, e.unit, e.payload, c.quality_events)
            if cue.min_quality is not None and (q is None or q < cue.min_quality):
                assert not any(o.sound == cue.sound and o.t_event_ns == e.t_ns for o in played), f"{cue.sound} below its quality"
                continue
            if cue.sound == Sound.TRIAL_DONE:
                continue  # said once per trial, checked below
            expected += 1
            match = [o for o in played if o.sound == cue.sound and o.t_event_ns == e.t_ns and o.kind == e.kind]
            assert len(match) == 1, (cue, e)
            assert 0 <= match[0].t_onset_ns - e.t_ns < BLOCK_NS + 1
            assert svc.onset_of(e) is not None and abs(svc.onset_of(e) - e.t_ns) < BLOCK_NS + 1  # type: ignore[operator]
            if cue.sound == Sound.DONE:  # counted aloud: the rep's number
                assert match[0].clip == f"number.{e.rep}"
    assert expected >= 4 + 4  # 4 hops (done) + at least their good chimes or the pegs
    # countdown: a tick at each whole second before play, then the start chime when play starts
    for i in range(len(items)):
        cd = next(p for p in phases if p.phase == "countdown" and p.trial == i)
        play = next(p for p in phases if p.phase == "play" and p.trial == i)
        ticks = sorted(o.t_onset_ns for o in played if o.sound == "countdown" and o.trial == i)
        assert cd.until_ns is not None
        assert ticks == [cd.until_ns - k * 1_000_000_000 + _late(cd.until_ns - k * 1_000_000_000) for k in (3, 2, 1)]
        start = [o for o in played if o.sound == "start" and o.trial == i]
        assert len(start) == 1 and 0 <= start[0].t_onset_ns - play.t_ns < BLOCK_NS + 1
        assert [o.clip for o in played if o.sound == "instruction" and o.trial == i] == [f"chime:countdown+your_turn+ex.{items[i].exercise}"]
        assert len([o for o in played if o.sound == "trial_done" and o.trial == i]) == 1
        assert len([o for o in played if o.sound == "celebration" and o.trial == i]) == 1
    # the WAV is exactly these clips at these onsets (volume 0.5, no ceiling), and silence elsewhere
    lib = PromptLibrary("en")
    rebuilt = np.zeros(len(y) + RATE)
    for o in played:
        clip = _clip(lib, o.clip)
        gain = 1.0
        k = round((o.t_onset_ns - T0) * RATE / 1e9)
        assert k % BLOCK == 0  # every sound starts on a block boundary
        rebuilt[k:k + len(clip)] += clip * gain
    rebuilt = rebuilt[:len(y)] * 0.5
    assert np.abs(rebuilt - y).max() < 3 / 32768
    assert np.abs(y).max() > 0.1


def _late(t_ns: int) -> int:
    """From ``t_ns`` to the next block boundary of the WAV (sounds start on one)."""
    samples = (t_ns - T0) * RATE / 1e9
    start = int(np.ceil(samples / BLOCK - 1e-9)) * BLOCK
    return round(start * 1e9 / RATE) + T0 - t_ns


def _clip(lib: PromptLibrary, name: str) -> np.ndarray:
    """A clip by the name the service gave it (``chime:good``, ``number.3``, ``chime:countdown+your_turn+ex.x``)."""
    parts = name.split("+")
    clip = chime(parts[0][6:]) if parts[0].startswith("chime:") else lib.clip(parts[0])
    for p in parts[1:]:
        clip = clip.then(lib.clip(p))
    return clip.samples.astype(np.float64)


def test_quiet_mode_has_no_celebration_and_reaches_the_child_view(tmp_path: Path) -> None:
    svc, model, _phases, _events, y = _session(tmp_path, [PlanItem(exercise="bunny_hops", reps=3)],
                                               SensorySettings(quiet=True, language="es"))
    assert model.view().quiet is True
    sounds = {o.sound for o in svc.onsets}
    assert "celebration" not in sounds and {"done", "trial_done", "countdown"} <= sounds
    assert np.abs(y).max() <= 10 ** (-6 / 20) + 1 / 32768  # the default loudest -6 dBFS


def test_maximum_loudness_caps_the_output_whatever_the_volume(tmp_path: Path) -> None:
    _svc, _m, _p, _e, y = _session(tmp_path, [PlanItem(exercise="bunny_hops", reps=2)],
                                   SensorySettings(volume=1.0, max_loudness_db=-20.0))
    assert 0.05 < np.abs(y).max() <= 10 ** (-20 / 20) + 1 / 32768


def test_missing_prompts_fall_back_to_chimes_never_silence(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    empty = PromptLibrary("es", dirs=[tmp_path / "nothing"])
    caplog.set_level(logging.INFO, "station.audio.prompts")
    svc, _m, _p, _events, y = _session(tmp_path, [PlanItem(exercise="bunny_hops", reps=3)], SensorySettings(language="es"), library=empty)
    played = [o for o in svc.onsets if o.t_onset_ns is not None]
    assert played and all(o.clip.startswith("chime:") and "+" not in o.clip for o in played)
    assert {o.clip for o in played if o.sound == "done"} == {"chime:done"}
    for o in played:  # each sounds: the WAV is not silent in the block it starts
        k = round((o.t_onset_ns - T0) * RATE / 1e9)
        assert np.abs(y[k:k + BLOCK]).max() > 0.01, o
    assert empty.fell_back >= {"number.1", "your_turn"}


def test_no_sound_device_plays_nothing_and_says_so_once(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio_backends, "_no_device_said", False)
    caplog.set_level(logging.WARNING, "station.audio.backends")
    a = open_backend("auto", device="no such sound card 22")
    b = open_backend("auto", device="no such sound card 22")
    assert isinstance(a, NullBackend) and isinstance(b, NullBackend)
    lines = [r for r in caplog.records if r.name == "station.audio.backends"]
    assert len(lines) == 1 and "no sound output" in lines[0].getMessage()
    clock = FakeClock(start_ns=T0)
    with AudioService(a, clock) as svc:  # a session without a device runs, silently, with no onsets
        e = ScoreEvent(T0, "bunny_hops", 0, 1, "jump", 0.9, "quality")
        svc.on_events([e])
        assert svc.flush()
        assert svc.onset_of(e, timeout=0.05) is None


def test_sensory_settings_are_stored_with_the_plan(tmp_path: Path) -> None:
    plan = plan_from_dict({"participant": "P-017", "items": [{"exercise": "bunny_hops", "reps": 3}],
                           "sensory": {"volume": 0.4, "quiet": True, "max_loudness_db": -12, "language": "es"}})
    p = save_plan(plan, tmp_path / "plan.toml")
    assert "[sensory]" in p.read_text()
    back = load_plan(p)
    assert back.sensory == plan.sensory and back.sensory is not None
    assert back.sensory.words() == "volume 40 %, loudest -12 dBFS, quiet mode (no celebration sounds, softer visuals, no confetti), prompts in Español"
    with pytest.raises(Exception, match="language"):
        plan_from_dict({"items": [{"exercise": "bunny_hops"}], "sensory": {"language": "xx"}})


def test_a_station_session_sounds_and_keeps_its_onsets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The station's own session factory (what Start in the dashboard runs) attaches the audio service."""
    import csv

    from station.session.build import RunOptions, make_session_factory

    monkeypatch.setenv("MOTOR_STATION_HOME", str(tmp_path / "home"))
    db = open_database(f"sqlite:///{tmp_path / 'station.db'}")
    wav = tmp_path / "station.wav"
    opts = RunOptions(simulated=True, exercise="bunny_hops", countdown_s=3.0, audio="wav", audio_wav=wav)
    plan = plan_from_dict({"participant": "DEMO-001", "items": [{"exercise": "bunny_hops", "reps": 3}],
                           "sensory": {"language": "es", "quiet": True}})
    ctl, model = make_session_factory(db, opts, clock=FakeClock(start_ns=T0))("DEMO-001", plan)
    ctl.start()
    assert ctl.join(120) and ctl.summary is not None
    assert model.view().quiet is True
    y = _read(wav)
    assert np.abs(y).max() > 0.05
    with db.engine.connect() as c:
        files = list(c.execute(select(S.files).where(S.files.c.session_id == ctl.summary.session_id)).mappings())
    kept = [f for f in files if f["kind"] == "sound_onsets"]
    assert len(kept) == 1
    with open(tmp_path / "home" / kept[0]["path"], encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    dones = [r for r in rows if r["sound"] == "done"]
    assert [r["clip"] for r in dones] == ["number.1", "number.2", "number.3"]
    assert all(0 <= int(r["t_onset_ns"]) - int(r["t_event_ns"]) < BLOCK_NS + 1 for r in dones)
    assert not any(r["sound"] == "celebration" for r in rows)  # quiet mode
    db.dispose()


def test_a_real_time_backend_marks_onsets_when_the_block_is_mixed() -> None:
    """The paced null backend pulls blocks on its own thread as a sound card's callback does: each cue's
    onset is the time of the block it was first mixed into, never before the cue (figures: the benchmark)."""
    from station.core import SystemClock

    clock = SystemClock()
    with AudioService(NullBackend(paced=True), clock) as svc:
        events = []
        for i in range(5):
            e = ScoreEvent(clock.now_ns(), "balance_lean", 0, i, "target_shown")
            svc.on_events([e])
            events.append(e)
            clock.sleep_until(clock.now_ns() + 30_000_000)
        onsets = [svc.onset_of(e, timeout=2.0) for e in events]
    assert all(o is not None and o >= e.t_ns for o, e in zip(onsets, events, strict=True))
    assert svc.mixer.blocks > 0 and svc.delays_ms() and all(d >= 0 for d in svc.delays_ms())


def test_a_cue_chimes_when_it_goes_up_and_its_output_time_reaches_the_game(tmp_path: Path) -> None:
    """Stop and go publishes each cue's key in its live values: the service chimes when a new key appears (not
    when the response is scored, seconds later) and reports the chime's output time to the cue board, where the
    game stores it beside the painted time (``sounded_ns`` in its ``cue`` events)."""
    from exercises.cues import BOARD

    svc, _model, _phases, events, _y = _session(tmp_path, [PlanItem(exercise="stop_go", duration_s=20.0)], SensorySettings())
    cue_onsets = {o.rep: o for o in svc.onsets if o.kind == "cue_key"}
    cues = [e for e in events if e.kind == "cue"]
    assert len(cues) >= 3 and {int(e.payload["key"]) for e in cues} <= set(cue_onsets)
    for e in cues:
        o = cue_onsets[int(e.payload["key"])]
        assert o.sound == "cue" and o.t_onset_ns is not None
        assert 0 <= o.t_onset_ns - int(e.payload["scheduled_ns"]) <= BLOCK_NS + 40_000_000  # the frame's step + one block
        assert BOARD.onset(int(e.payload["key"])).sounded_ns == o.t_onset_ns
    assert not [o for o in svc.onsets if o.sound == "cue" and o.kind == "cue"]  # never a second, late chime at scoring
