"""``station demo``: the main job on embedded defaults."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    @app.command(
        help="Run a short practice session on embedded defaults and record it.\n\n"
        "A child at the webcam plays the protocol (tracing, jumps) with live MediaPipe tracking; without "
        "a webcam (or with --simulated) a clearly labelled simulated child plays it; "
        "simulated grip and balance devices on pseudo-terminals play the grip and balance trials. "
        "The session goes into the station database and a report is written.\n\n"
        "Example: station demo --headless --seconds 20"
    )
    def demo(
        seconds: float | None = typer.Option(None, "--seconds", min=1.0, help="Bound the whole protocol to N seconds (default: about a minute)."),
        headless: bool = typer.Option(False, "--headless", help="Never open a window; print a live text dashboard."),
        participant: str = typer.Option("DEMO-001", "--participant", help="Pseudonymous participant code (never a name)."),
        db: str | None = typer.Option(None, "--db", help="Database URL (default: SQLite in the station's data directory)."),
        fast: bool = typer.Option(False, "--fast", help="Run as fast as possible instead of real time (for testing)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the simulated child."),
        backend: str = typer.Option("mediapipe", "--backend", help="Tracker backend (see `station backends`; registered with vision.trackers.register_backend)."),
        camera: str | None = typer.Option(None, "--camera", help="Webcam index or video device path (default: the first webcam found, if any)."),
        games: bool = typer.Option(False, "--games", help="Play the executive-function and calm-down games (copy the animals, stop and go, "
                                   "a breathing break) instead of the motor protocol; about 3.5 minutes, --seconds shortens it."),
        simulated: bool = typer.Option(False, "--simulated", help="Use the simulated child even when a webcam is present."),
        window: bool = typer.Option(False, "--window", help="Open the station window even when no display is detected (e.g. offscreen Qt)."),
        quit_after: float | None = typer.Option(None, "--quit-after", min=0.5, help="With the window: close it after S seconds (the session is stopped cleanly)."),
        quit_after_frames: int | None = typer.Option(None, "--quit-after-frames", min=1, help="With the window: close it once N frames have been "
                                                     "scored or the protocol ends (the session is stopped cleanly)."),
        place: str = typer.Option("clinic", "--place", help="Where the session is played: clinic, home or school (stored with it)."),
    ) -> None:
        from station.cli.dashboard import TextDashboard, summary_table
        from station.core import InputError, SystemClock
        from station.demo import (
            BALANCE_EXERCISE,
            CAMERA_LABEL,
            DEVICE_LABEL,
            GRIP_EXERCISE,
            SIM_LABEL,
            DemoOptions,
            DeviceDemo,
            demo_trials,
        )
        from station.paths import data_dir, default_db_url, session_dir

        def session_dir_path(sid: str) -> Path:
            return data_dir(create=False) / "sessions" / sid
        from station.core import check_participant_code
        from station.lsl import require_lsl
        from station.report import write_both
        from station.session import SessionRunner
        from station.storage import open_database

        participant = check_participant_code(participant)  # the one rule: never a name, a path or an e-mail
        from station.core import is_demo_code

        if not is_demo_code(participant):  # the demo's devices (and without a webcam its child) are simulated
            raise InputError(f"the demo records simulated data; it cannot go under participant '{participant}'",
                             fix="use a DEMO- code (the default DEMO-001); for a real child use `station run --camera N`")
        from station.core.provenance import check_place

        place = check_place(place)
        require_lsl()
        console = Console()
        cam: int | str | None = None
        if camera is not None:
            cam = int(camera) if camera.isdigit() else camera
            if isinstance(cam, str) and not Path(cam).exists():
                raise InputError("camera not found", where=cam, fix="give a webcam index (0, 1...) or an existing device path")
        elif not simulated:
            from vision.sources import find_camera

            cam = find_camera()
        if cam is not None and fast:
            raise InputError("--fast needs the simulated child", where="--fast", fix="add --simulated, or drop --fast")
        if window or (not headless and _display_present()):
            raise typer.Exit(_run_window(cam, seconds, participant, db, seed, quit_after, backend, quit_after_frames, place, games))
        database = open_database(db or default_db_url())
        clock = SystemClock()
        runner = SessionRunner(
            database, participant, clock, pacing="none" if fast else "own", place=place,
            config={"command": "demo", "seconds": seconds, "seed": seed,
                    "source": "simulated" if cam is None else f"camera:{cam}" if isinstance(cam, int) else f"video:{Path(cam).name}"},
            deadline_s=seconds,
        )
        # Ctrl-C / SIGTERM: stop the trial cleanly, store and report what was played, then exit 130 / 143.
        # A second signal while storing changes nothing (it must not cost the report).
        stopped_by: list[int] = []

        def on_signal(signum: int, _frame: object) -> None:
            if not stopped_by:
                stopped_by.append(signum)
                runner.stop()
                Console(stderr=True).print("stopping: the session is being stored and its report written", markup=False)

        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        for sig in previous:
            signal.signal(sig, on_signal)
        try:
            # the simulated devices (pseudo-terminals) live exactly as long as the session
            with DeviceDemo(seconds, clock=clock, seed=seed, names=() if games else (GRIP_EXERCISE, BALANCE_EXERCISE)) as device_demo:
                trials = demo_trials(DemoOptions(seconds=seconds, seed=seed, backend=backend), device_demo, camera=cam, clock=clock, games=games)
                child = SIM_LABEL if cam is None else CAMERA_LABEL.format(camera=cam)
                banner = child if not device_demo.active else f"{child} + {DEVICE_LABEL}"
                with TextDashboard(banner=banner) as dash:
                    runner.updated.connect(dash.update)
                    summary = runner.run(trials)
            report: Path | None = None
            pdf: Path | None = None
            report_error = pdf_error = ""
            try:  # the session is recorded: a full disk or an unwritable folder only costs the report
                report, pdf, pdf_error = write_both(database, summary.session_id, session_dir(summary.session_id))
                os.chmod(report, 0o600)
            except (OSError, InputError) as exc:
                report_error = exc.what if isinstance(exc, InputError) else (exc.strerror or str(exc))
            console.print(summary_table(summary))
            from station.core.provenance import provenance_label

            label = provenance_label(summary.simulated, summary.status)
            console.print(f"session: {summary.session_id} ({summary.status}, {summary.rows_written} rows, source {summary.source}, "
                          f"place {summary.place}){' ' + label if label else ''}", soft_wrap=True, highlight=False, markup=False)
            if summary.failure:
                Console(stderr=True).print(f"error: session {summary.session_id} failed: {summary.failure}", soft_wrap=True, markup=False)
            if summary.write_error:
                console.print(f"NOT SAVED: {summary.rows_unwritten} rows could not be written ({summary.write_error})",
                              style="bold red", soft_wrap=True)
            console.print(f"database: {database.url}", highlight=False, soft_wrap=True)
            for line in summary.goals:  # simulated trials never count toward a goal
                console.print(f"goal: {line}", highlight=False, soft_wrap=True)
            if report is not None:
                console.print(f"report: {Path(report).resolve()}", highlight=False, soft_wrap=True)
            if pdf is not None:
                console.print(f"report: {Path(pdf).resolve()}", highlight=False, soft_wrap=True)
            elif pdf_error:
                Console(stderr=True).print(f"warning: the PDF report was not written ({pdf_error}); the HTML report has everything",
                                           soft_wrap=True, markup=False)
            database.dispose()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if report is None:
            raise InputError(f"session {summary.session_id} is recorded, but its report could not be written ({report_error})",
                             where=str(session_dir_path(summary.session_id)),
                             fix=f"free disk space or fix the folder's permissions, then run: station report {summary.session_id}")
        if stopped_by:
            raise typer.Exit(130 if stopped_by[0] == signal.SIGINT else 143)
        if summary.status == "failed":
            raise typer.Exit(2)


def _display_present() -> bool:
    """A real display to open windows on (offscreen Qt does not count)."""
    import sys

    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    if not (not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))):
        return False
    from station.ui.display import xcb_problem

    if (problem := xcb_problem()) is not None:  # Qt would abort: say what to install and go on headless
        print(f"{problem}; running headless", file=sys.stderr)
        return False
    return True


def _run_window(cam: int | str | None, seconds: float | None, participant: str, db: str | None, seed: int,
                quit_after: float | None, backend: str = "mediapipe", quit_after_frames: int | None = None,
                place: str = "clinic", games: bool = False) -> int:
    """The demo in the station window: the same protocol as a session plan, started at once."""
    from station.demo import demo_plan, demo_run_options, games_plan
    from station.paths import data_dir
    from station.plans import save_plan
    from station.ui.runner import run_station

    plan = games_plan(seconds, participant) if games else demo_plan(seconds, participant)
    plan_path = save_plan(plan, data_dir() / "plans" / ("games.toml" if games else "demo.toml"), overwrite=True)
    opts = demo_run_options(cam, participant=participant, seed=seed, backend=backend, place=place, plan=plan_path, db_url=db,
                            start=True, quit_after=quit_after, quit_after_frames=quit_after_frames, countdown_s=3.0, end_when_done=True)
    from station.cli.run import end_of_run

    sessions: list[str] = []
    rc = run_station(opts, sessions)
    return end_of_run(opts, sessions) or rc
