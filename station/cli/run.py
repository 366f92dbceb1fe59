"""``station run``: open the station (child view + therapist dashboard)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    @app.command(
        help="Open the station: the child's game screen and the therapist's live dashboard.\n\n"
        "Input: --camera N, --video PATH, device ports (--grip/--balance), or the first webcam found; with "
        "none of them it refuses. --simulated plays the clearly labelled simulated child (and sim:// devices) "
        "under a DEMO- participant code only. With one screen both "
        "views share a window; --child-screen N puts the child view full screen on monitor N. "
        "Keys: Space start/pause, Esc stop, F11 full screen. --screenshot PATH --quit-after S runs a "
        "real session for S seconds, saves PATH (whole window) and PATH_child (child view) and exits; without --db it records "
        "into a throw-away database. At the end the session id and its report are printed.\n\n"
        "Example: station run --video pushups_5.mp4 --exercise push_ups --participant P-017\n\n"
        "Example: station run --simulated --exercise tracing --set shape=wave --screenshot shot.png --quit-after 5\n\n"
        "Example: station run --exercise grip_squeeze --grip /dev/ttyACM0 --participant P-017\n\n"
        "Example (tabletop tracing on the printed sheet, scored in mm with camera 0's workspace 'cam0'): "
        "station run --camera 0 --exercise tracing --set mode=tabletop --set shape=circle --set center=105,148 --set size=110"
    )
    def run(
        camera: int | None = typer.Option(None, "--camera", min=0, help="Webcam index (live tracking)."),
        video: Path | None = typer.Option(None, "--video", help="Play a video file through the trackers, in real time."),
        grip: str | None = typer.Option(None, "--grip", help="Grip dynamometer URL (serial port or sim://grip)."),
        balance: str | None = typer.Option(None, "--balance", help="Balance board URL (serial port or sim://balance)."),
        participant: str | None = typer.Option(None, "--participant", help="Pseudonymous participant code, never a name (default: the plan's, else DEMO-001; simulated data only under DEMO- codes)."),
        simulated: bool = typer.Option(False, "--simulated", help="Play the clearly labelled simulated child (and sim:// devices); recorded as simulated under a DEMO- code."),
        place: str = typer.Option("clinic", "--place", help="Where the session is played: clinic, home or school (stored with it)."),
        exercise: str | None = typer.Option(None, "--exercise", help="Exercise to play (see `station exercises`)."),
        sets: list[str] = typer.Option([], "--set", help="Exercise setting KEY=VALUE (repeatable)."),
        plan: Path | None = typer.Option(None, "--plan", help="A saved session plan (.toml)."),
        child_screen: int | None = typer.Option(None, "--child-screen", min=0, help="Put the child view full screen on monitor N."),
        screenshot: Path | None = typer.Option(None, "--screenshot", help="Save a screenshot after --quit-after S seconds."),
        quit_after: float | None = typer.Option(None, "--quit-after", help="Quit after S seconds (the session is stopped cleanly)."),
        quit_after_frames: int | None = typer.Option(None, "--quit-after-frames", help="Quit once N frames have been scored, or when the "
                                                     "session ends (the session is stopped cleanly; with --quit-after S as a time limit)."),
        countdown: float | None = typer.Option(None, "--countdown", min=0.0, help="Countdown before each trial, s (default 3; 0 with --screenshot)."),
        start: bool = typer.Option(False, "--start", help="Start the plan at once."),
        db: str | None = typer.Option(None, "--db", help="Database URL (default: SQLite in the station's data directory)."),
        seed: int = typer.Option(0, "--seed", help="Seed of the simulated child."),
        backend: str = typer.Option("mediapipe", "--backend", help="Tracker backend (see `station backends`; registered with vision.trackers.register_backend)."),
        record_video: bool = typer.Option(False, "--record-video", help="Record the session's raw video (off by default: video identifies the child; never exported unless asked)."),
        lang: str | None = typer.Option(None, "--lang", help="Language of the therapist's screens: en or es (default: MOTOR_STATION_LANG, "
                                        "else en). The child's prompts follow the plan's sensory settings."),
        audio: str = typer.Option("auto", "--audio", help="The child's sounds: auto (the sound card, else none), device, wav (with --audio-wav) or off."),
        audio_wav: Path | None = typer.Option(None, "--audio-wav", help="With --audio wav: render the session's sound into this WAV file."),
        workspace: str | None = typer.Option(None, "--workspace", help="Camera id of the stored workspace calibration that maps the hand to "
                                             "sheet/board mm (tabletop tracing, physical pegboard; default camN with --camera N)."),
    ) -> None:
        from exercises.registry import parse_sets
        from station.session.build import RunOptions
        from station.ui.runner import run_station

        if camera is None and video is None and not simulated:
            from vision.sources import find_camera

            camera = find_camera()  # the webcam by default, as `station demo` (none, no device: preflight refuses)
        scratch: Path | None = None
        if screenshot is not None and db is None:  # screenshots never land in the station's real database
            import tempfile

            scratch = Path(tempfile.mkdtemp(prefix="motor-station-screenshot-"))
            db = f"sqlite:///{scratch / 'station.db'}"
            print(f"screenshot run: recording into a throw-away database ({db}); name one with --db to keep it", flush=True)

        from station.i18n import language

        ui_lang = language(lang)
        if audio not in ("auto", "device", "wav", "off"):
            from station.core import InputError

            raise InputError(f"unknown --audio {audio!r}", fix="use auto, device, wav or off")
        if (audio == "wav") != (audio_wav is not None):
            from station.core import InputError

            raise InputError("--audio wav and --audio-wav PATH go together", fix="give both, or neither")
        opts = RunOptions(
            camera=camera, video=video, grip=grip, balance=balance, participant=participant, exercise=exercise,
            settings=parse_sets(sets), plan=plan, child_screen=child_screen, screenshot=screenshot, quit_after=quit_after,
            quit_after_frames=quit_after_frames,
            countdown_s=countdown if countdown is not None else (0.0 if screenshot is not None else 3.0),
            db_url=db, seed=seed, start=start, record_video=record_video, workspace=workspace, backend=backend,
            simulated=simulated, place=place, report_dir=scratch, lang=ui_lang, audio=audio, audio_wav=audio_wav,
        )

        from station.lsl import require_lsl

        require_lsl()
        sessions: list[str] = []
        rc = run_station(opts, sessions)
        rc = end_of_run(opts, sessions) or rc
        if rc:
            raise typer.Exit(rc)


def end_of_run(opts: Any, sessions: list[str]) -> int:
    """Write the reports of the sessions a windowed run played and print where they are; the exit code."""
    if not sessions:
        return 0
    from station.paths import default_db_url
    from station.storage import open_database

    db = open_database(opts.db_url or default_db_url())
    try:
        return report_sessions(db, sessions, opts.report_dir, lang=opts.lang)
    finally:
        db.dispose()


def report_sessions(db: Any, session_ids: list[str], report_dir: Any = None, lang: str | None = None) -> int:
    """Write each session's report and print its id, status, provenance and report path (stdout); a failed
    session is one line on stderr and exit code 2. Returns the exit code (0 when nothing failed)."""
    from station.core import InputError
    from station.core.provenance import provenance_label
    from station.paths import session_dir
    from station.report import write_both

    rc = 0
    for sid in session_ids:
        row = db.session(sid)
        label = provenance_label(bool(row.get("simulated")), row["status"])
        print(f"session: {sid} ({row['status']}, source {row.get('source') or '-'}, place {row.get('place') or '-'})"
              + (f" {label}" if label else ""), flush=True)
        print(f"database: {db.url}", flush=True)
        try:
            folder = session_dir(sid) if report_dir is None else report_dir / sid
            folder.mkdir(parents=True, exist_ok=True)
            report, pdf, why = write_both(db, sid, folder, lang=lang)
            os.chmod(report, 0o600)
            print(f"report: {report.resolve()}", flush=True)
            if pdf is not None:
                print(f"report: {pdf.resolve()}", flush=True)
            else:
                print(f"warning: the PDF report was not written ({why}); the HTML report has everything", file=sys.stderr)
        except (OSError, InputError) as exc:
            print(f"error: session {sid} is recorded, but its report could not be written ({exc}); "
                  f"fix: free disk space or fix the folder's permissions, then run: station report {sid}", file=sys.stderr)
            rc = rc or 2
        if row["status"] == "failed":
            from station.storage import schema as S

            reasons = [t["reason"] for t in db.rows(S.trials, sid, ("trial",)) if t.get("reason")]
            print(f"error: session {sid} failed: {reasons[0] if reasons else 'its input failed'}", file=sys.stderr)
            rc = 2
    return rc

