"""``station home``, ``station plan export``, ``station pairing import``, ``station bundle import``: home practice.

Clinic: ``station plan export P-017 --for home`` writes the signed home plan (and opens a pairing for
it); ``station pairing import pairing-P-017.json`` records the family station's key for P-017;
``station bundle import bundle.json`` adds the family's practice to P-017's history.
Family: ``station home import-plan plan.json`` (writes the pairing file to send back), ``station home``
(the family's screen: big pictures, one Start), ``station home play --video F`` (no window), ``station home
export`` (the practice bundle to send to the clinic). See :mod:`station.bundles` for the rules.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from station.core import InputError


def _db(url: str | None):  # type: ignore[no-untyped-def]
    from station.paths import default_db_url
    from station.storage import open_database

    return open_database(url or default_db_url())


def _key():  # type: ignore[no-untyped-def]
    from station.keys import station_key
    from station.paths import data_dir

    return station_key(data_dir())


def register(app: typer.Typer) -> None:
    plan_app = typer.Typer(help="Session plans that travel: export a participant's home plan.\n\n"
                                "Example: station plan export P-017 --for home --out P-017-home.json", no_args_is_help=True)
    home_app = typer.Typer(help="The family's station: the plan the therapist assigned, played at home.\n\n"
                                "Without a command it opens the family's screen (big pictures, one Start).\n\n"
                                "Example: station home import-plan P-017-home.json", invoke_without_command=True)
    pairing_app = typer.Typer(help="Pair a family's station with this clinic.\n\nExample: station pairing import pairing-P-017.json",
                              no_args_is_help=True)
    bundle_app = typer.Typer(help="Practice bundles from families' stations.\n\nExample: station bundle import P-017-practice.json",
                             no_args_is_help=True)
    app.add_typer(plan_app, name="plan")
    app.add_typer(home_app, name="home")
    app.add_typer(pairing_app, name="pairing")
    app.add_typer(bundle_app, name="bundle")
    desk_app = typer.Typer(help="Desk mode (school): seated posture with the pen trace written at the same time.\n\n"
                                "Example: station desk add-trace 1a2b3c4d letters.svc", no_args_is_help=True)
    app.add_typer(desk_app, name="desk")

    @desk_app.command("add-trace", help="Add a pen or tablet trace (CSV or SVC handwriting) to a recorded session, e.g. the "
                                        "seated-posture session it was written in; scored with the template-free tracing metrics.\n\n"
                                        "Example: station desk add-trace 1a2b3c4d letters.svc")
    def desk_add_trace(session: str = typer.Argument(..., help="Session id (or a unique prefix of at least 4 characters)."),
                       file: Path = typer.Argument(..., help="The pen trace (CSV with x, y, t columns, or Wacom SVC)."),
                       time_unit: str = typer.Option("auto", "--time-unit", help="Unit of the time column: s, ms, us or ns."),
                       db: str | None = typer.Option(None, "--db", help="Database URL.")) -> None:
        from station.cli.trace import score_file
        from station.desk import add_pen_trace

        if not file.is_file():
            raise InputError("trace file not found", where=str(file), fix="give the path of a CSV or SVC pen trace")
        scored = score_file(file, shape="none", center=(0.0, 0.0), size=None, growth=None, turns=1.0, tolerance=1.0,
                            time_unit=time_unit)
        database = _db(db)
        try:
            n, added = add_pen_trace(database, session, scored)
        finally:
            database.dispose()
        print(f"pen trace {file.name}: trial {n + 1} of the session" + ("" if added else " (already added; nothing changed)"))

    @plan_app.command("export", help="Export a participant's signed home plan (opens a one-time pairing for the family's station).\n\n"
                                     "Example: station plan export P-017 --for home --plan plans/P-017.toml")
    def plan_export(
        participant: str = typer.Argument(..., help="Pseudonymous participant code."),
        for_: str = typer.Option("home", "--for", help="Where the plan is played (home)."),
        plan: Path | None = typer.Option(None, "--plan", help="The plan (.toml); default: the participant's newest saved plan."),
        out: Path | None = typer.Option(None, "--out", help="Output file (default: P-CODE-home-plan.json here)."),
        db: str | None = typer.Option(None, "--db", help="Database URL."),
    ) -> None:
        from station.bundles import export_home_plan
        from station.home import clinic_plan_for
        from station.paths import data_dir
        from station.plans import check_code, load_plan

        code = check_code(participant)
        if for_.strip().lower() != "home":
            raise InputError(f"unknown --for '{for_}'", fix="plans travel to a family's station: --for home")
        database = _db(db)
        try:
            database.participant(code)
            path = plan or clinic_plan_for(code, data_dir() / "plans")
            p = load_plan(path)
            if p.participant and p.participant != code:
                raise InputError(f"the plan is for {p.participant}, not {code}", where=str(path), fix="give the participant's own plan")
            written, token = export_home_plan(database, _key(), code, p, out or Path(f"{code}-home-plan.json"))
        finally:
            database.dispose()
        print(f"home plan: {written.resolve()}")
        print(f"pairing code: {token[:4]}-{token[4:8]} (the family's station answers with a pairing file: station pairing import FILE)")

    @home_app.callback()
    def home_main(
        ctx: typer.Context,
        db: str | None = typer.Option(None, "--db", help="Database URL (default: SQLite in the station's data directory)."),
        camera: int | None = typer.Option(None, "--camera", min=0, help="Webcam index (default: the first found)."),
        screenshot: Path | None = typer.Option(None, "--screenshot", help="Save a screenshot of the home screen and exit."),
    ) -> None:
        if ctx.invoked_subcommand is not None:
            return
        from station.ui.home import run_home

        raise typer.Exit(run_home(db, camera, screenshot))

    @home_app.command("import-plan", help="Import the clinic's signed home plan; writes the pairing file to send back.\n\n"
                                          "Example: station home import-plan P-017-home-plan.json")
    def home_import(file: Path = typer.Argument(..., help="The home plan file from the clinic."),
                    db: str | None = typer.Option(None, "--db", help="Database URL.")) -> None:
        from station.bundles import import_home_plan
        from station.home import home_dir

        database = _db(db)
        try:
            r = import_home_plan(database, _key(), file, home_dir())
        finally:
            database.dispose()
        print(f"home plan for {r.participant}: {len(r.plan.items)} activities ({', '.join(i.exercise for i in r.plan.items)})")
        print(f"pairing file: {r.pairing_path.resolve()} (send it to the clinic: station pairing import FILE)")

    @home_app.command("play", help="Play the assigned plan once without a window (a recorded video or a webcam), place = home.\n\n"
                                   "Example: station home play --video practice.mp4")
    def home_play(video: Path | None = typer.Option(None, "--video", help="A recorded video of the practice."),
                  camera: int | None = typer.Option(None, "--camera", min=0, help="Webcam index."),
                  db: str | None = typer.Option(None, "--db", help="Database URL."),
                  countdown: float = typer.Option(0.0, "--countdown", min=0.0, help="Countdown before each activity, s.")) -> None:
        from station.home import assigned_plan, play
        from station.session.build import RunOptions

        if video is None and camera is None:
            raise InputError("no input given", fix="give --video PATH or --camera N")
        import signal

        plan = assigned_plan()
        database = _db(db)
        stopped_by: list[int] = []
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def hook(ctl: object) -> None:  # Ctrl-C / SIGTERM: end the session cleanly (everything recorded is kept)
            def on_signal(signum: int, _frame: object) -> None:
                if not stopped_by:
                    stopped_by.append(signum)
                    ctl.stop()  # type: ignore[attr-defined]
                    print("stopping: the session is being stored", file=sys.stderr, flush=True)

            for sig in previous:
                signal.signal(sig, on_signal)

        try:
            opts = RunOptions(camera=camera, video=video, db_url=db, countdown_s=countdown, place="home")
            s = play(database, plan, opts, on_start=hook)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            database.dispose()
        print(f"session: {s.session_id} ({s.status}, source {s.source}, place {s.place})")
        if stopped_by:
            raise typer.Exit(130 if stopped_by[0] == signal.SIGINT else 143)
        if s.status == "failed":
            raise InputError(f"session {s.session_id} failed: {s.failure}")

    @home_app.command("export", help="Export the practice bundle (no video; pseudonymous code; landmarks, events, results), signed.\n\n"
                                     "Example: station home export --out P-017-practice.json")
    def home_export(out: Path | None = typer.Option(None, "--out", help="Output file (default: P-CODE-practice-DATE.json here)."),
                    since: str | None = typer.Option(None, "--since", help="Only sessions from this UTC date (YYYY-MM-DD)."),
                    db: str | None = typer.Option(None, "--db", help="Database URL.")) -> None:
        import datetime as dt

        from station.bundles import export_bundle
        from station.home import assigned_plan

        if since is not None:
            try:
                dt.date.fromisoformat(since)
            except ValueError:
                raise InputError(f"--since '{since}' is not a date", fix="write YYYY-MM-DD") from None
        plan = assigned_plan()
        database = _db(db)
        try:
            day = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
            path, n = export_bundle(database, _key(), plan.participant, out or Path(f"{plan.participant}-practice-{day}.json"),
                                    since_utc=since)
        finally:
            database.dispose()
        print(f"practice bundle: {path.resolve()} ({n} sessions; send it to the clinic: station bundle import FILE)")

    @pairing_app.command("import", help="Record a family's station key for the participant its pairing file names.\n\n"
                                        "Example: station pairing import pairing-P-017.json")
    def pairing_import(file: Path = typer.Argument(..., help="The pairing file the family's station wrote."),
                       db: str | None = typer.Option(None, "--db", help="Database URL.")) -> None:
        from station.bundles import import_pairing

        database = _db(db)
        try:
            code, kid, new = import_pairing(database, file)
        finally:
            database.dispose()
        print(f"paired: {code} with station {kid[:8]}" + ("" if new else " (already paired; nothing changed)"))

    @bundle_app.command("import", help="Import a family's signed practice bundle into the participant's history.\n\n"
                                       "Example: station bundle import P-017-practice-20261206.json")
    def bundle_import(file: Path = typer.Argument(..., help="The practice bundle file."),
                      db: str | None = typer.Option(None, "--db", help="Database URL.")) -> None:
        from station.bundles import import_bundle

        database = _db(db)
        try:
            r = import_bundle(database, file)
        finally:
            database.dispose()
        if r.already:
            print(f"bundle {r.bundle_id[:12]} already imported for {r.participant}; nothing changed")
            return
        print(f"imported for {r.participant}: {len(r.added)} sessions" + (f", {len(r.skipped)} already in the history" if r.skipped else ""))
