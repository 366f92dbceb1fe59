"""``station audio``: what this station can play and record, and a simulated trial heard as a WAV file."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    audio = typer.Typer(help="Sound: the sound card and microphone, the prompt sets, a trial rendered to WAV.", no_args_is_help=True)
    app.add_typer(audio, name="audio")

    @audio.command("check", help="Say which sound card and microphone the station would use and whether every prompt "
                                 "the exercises declare exists in each language.\n\nExample: station audio check")
    def check() -> None:
        import exercises
        from station.audio import NullBackend, open_backend
        from station.audio.prompts import LANGUAGES, PromptLibrary, declared_prompts
        from station.audio.record import microphone

        b = open_backend("auto")
        print(f"sound output: {b.name}" + (f" ({b.reason})" if isinstance(b, NullBackend) and b.reason else ""))
        b.close()
        ok, text = microphone()
        print(f"microphone: {text}" if ok else f"microphone: none ({text}): recording is off; the shipped prompts play")
        needed = set().union(*declared_prompts((n, exercises.get(n).contract) for n in exercises.names()).values())
        for lang, name in LANGUAGES.items():
            lib = PromptLibrary(lang)
            missing = sorted(k for k in needed if not lib.has(k))
            own = sum(1 for k in needed if (p := lib.path_of(k)) is not None and p.suffix == ".wav")
            print(f"prompts {lang} ({name}): {len(needed) - len(missing)}/{len(needed)} present, {own} recorded by you"
                  + (f"; missing (a chime plays): {', '.join(missing)}" if missing else ""))

    @audio.command("render", help="Play a simulated trial through the audio service into a WAV file on the session "
                                  "clock (what the child would hear, with the chosen language and sensory settings).\n\n"
                                  "Example: station audio render --exercise bunny_hops --reps 5 --lang es --out hops_es.wav")
    def render(
        exercise: str = typer.Option(..., "--exercise", help="Exercise (see `station exercises`)."),
        out: Path = typer.Option(..., "--out", help="WAV file to write."),
        reps: int | None = typer.Option(None, "--reps", min=1, help="Target repetitions."),
        seconds: float = typer.Option(10.0, "--seconds", min=1.0, help="Trial length bound, s."),
        lang: str = typer.Option("en", "--lang", help="Prompt language (en, es)."),
        volume: float = typer.Option(0.8, "--volume", min=0.0, max=1.0),
        quiet: bool = typer.Option(False, "--quiet", help="Quiet mode (no celebration sounds)."),
        loudest: float = typer.Option(-6.0, "--loudest", max=0.0, help="Loudest sound, dBFS."),
    ) -> None:
        import tempfile

        from pydantic import ValidationError

        from station.audio import AudioService, WavFileBackend
        from station.core import FakeClock, InputError
        from station.plans import PlanItem, SensorySettings
        from station.session import SessionRunner, TrialSpec
        from station.session.control import PlannedTrial, SessionController, schedule_of
        from station.session.feeds import simulated_feed
        from station.session.model import LiveModel
        from station.storage import open_database

        try:
            sensory = SensorySettings(volume=volume, quiet=quiet, max_loudness_db=loudest, language=lang)
            item = PlanItem(exercise=exercise, reps=reps, duration_s=seconds)
        except ValidationError as exc:
            raise InputError("invalid audio render options", where="; ".join(str(e["msg"]) for e in exc.errors()),
                             fix="see station audio render --help") from None
        with tempfile.TemporaryDirectory(prefix="motor-station-audio-") as d:
            db = open_database(f"sqlite:///{Path(d) / 'render.db'}")
            clock = FakeClock(start_ns=10**12)
            spec = TrialSpec(item.exercise, dict(item.settings), simulated_feed(item.exercise, item.settings, duration_s=seconds, reps=reps),
                             label=item.exercise, source="synthetic")
            trials = [PlannedTrial.from_item(item, spec)]
            model = LiveModel(clock, schedule_of(trials))
            runner = SessionRunner(db, "DEMO-001", clock, pacing="own")
            ctl = SessionController(runner, trials, model, countdown_s=3.0)
            svc = AudioService(WavFileBackend(out, clock.now_ns()), clock, sensory=sensory).start()
            svc.attach(runner, model)
            ctl.start()
            ctl.join()
            svc.close()
            db.dispose()
        played = [(o, o.t_onset_ns) for o in svc.onsets if o.t_onset_ns is not None]
        for o, t_onset_ns in played:
            print(f"{(t_onset_ns - 10**12) / 1e9:7.3f} s  {o.sound:<12} {o.clip}")
        print(f"wrote {out} ({len(played)} sounds, simulated child, {sensory.words()})")
