"""History, reports, exports and privacy commands: ``station sessions``, ``station participants``,
``station progress``, ``station report``, ``station export``.

Every command takes ``--db URL`` (default: the SQLite database in the station's data directory).
Bad input (unknown session or participant, a non-empty export folder, a database that does not
connect or is newer than this software) is one line on stderr and exit code 2, with nothing written.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

log = logging.getLogger(__name__)

def _console() -> Console:
    """A console that does not squeeze tables to 80 columns when the output is not a terminal."""
    c = Console()
    return c if c.is_terminal else Console(width=160)


DB_HELP = "Database URL (default: SQLite in the station's data directory; or postgresql://USER:PW@HOST/DB)."


def _open(db: str | None) -> Any:
    from station.paths import default_db_url
    from station.recovery import recover_interrupted
    from station.storage import open_database

    database = open_database(db or default_db_url())
    try:  # a session whose process was killed is shown as interrupted, not as still recording
        recover_interrupted(database)
    except Exception:
        log.warning("could not check for interrupted sessions", exc_info=True)
    return database


def _skipped(database: Any) -> None:
    """After a listing: one error line (exit 2) naming the damaged rows the readers skipped, if any."""
    if database.damaged:
        from station.storage.damage import DamagedDatabaseError

        shown = "; ".join(database.damaged[:3]) + (f"; and {len(database.damaged) - 3} more" if len(database.damaged) > 3 else "")
        raise DamagedDatabaseError(f"{len(database.damaged)} damaged row(s) skipped, the rest is listed above ({shown})",
                                   where=database.url)


def _when(iso: str | None) -> str:
    if not iso:
        return "–"
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:  # a damaged row: show what is stored rather than fail the whole listing
        return f"{iso!r} (not a date)"


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    """A one-line chart of ``values`` (oldest first) with block characters."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi == lo:
        return SPARK[3] * len(values)
    return "".join(SPARK[min(7, int((v - lo) / (hi - lo) * 7.999))] for v in values)


def progress_rows(history: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[tuple[str, str, float]]]:
    """Group metric history by (exercise, metric, unit) -> [(session_id, utc_start, value)], oldest first.

    Several trials of one exercise in a session are averaged (the mean of that session).
    """
    acc: dict[tuple[str, str, str], dict[str, tuple[str, list[float]]]] = {}
    for r in history:
        key = (r["exercise"], r["name"], r["unit"] or "")
        per = acc.setdefault(key, {})
        per.setdefault(r["session_id"], (r["utc_start"], []))[1].append(float(r["value"]))
    out = {}
    for key, per in acc.items():
        out[key] = sorted(((sid, utc, sum(v) / len(v)) for sid, (utc, v) in per.items()), key=lambda x: (x[1], x[0]))
    return out


def _status(r: dict[str, Any]) -> str:
    """A session's status with its provenance marker: ``complete``, ``stopped SIMULATED``, ``failed``..."""
    from station.core.provenance import provenance_label

    label = provenance_label(bool(r.get("simulated")), None)
    return f"{r['status']} {label}".strip()


def register(app: typer.Typer) -> None:
    sessions_app = typer.Typer(help="Recorded sessions: list them and show one.\n\nExample: station sessions list --participant P-001",
                               no_args_is_help=True, rich_markup_mode=None)
    participants_app = typer.Typer(help="Participants (pseudonymous codes): list, show, add, forget.\n\n"
                                   "Example: station participants show P-001", no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(sessions_app, name="sessions")
    app.add_typer(participants_app, name="participants")

    @sessions_app.command("list", help="List sessions, newest first.\n\nExample: station sessions list --participant P-001 --limit 10")
    def sessions_list(
        participant: str | None = typer.Option(None, "--participant", "-p", help="Only this participant's sessions."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="Show at most N sessions."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        with _open(db) as database:
            if participant is not None:
                database.participant(participant)
            rows = database.list_sessions(participant, limit)
            t = Table(title=f"{len(rows)} session(s)")
            for c in ("session", "participant", "started", "status", "source", "place", "exercises", "reps"):
                t.add_column(c)
            for r in rows:
                t.add_row(r["id"], r["participant"], _when(r["utc_start"]), _status(r), r.get("source") or "–", r.get("place") or "–",
                          ", ".join(r["exercises"]), str(r["reps"]))
            _console().print(t)
            _skipped(database)

    @sessions_app.command("show", help="Show one session: header, trials, metrics, events, devices, calibrations.\n\n"
                          "The id may be shortened to a unique prefix.\n\nExample: station sessions show 3f2a9c")
    def sessions_show(
        session: str = typer.Argument(..., help="Session id (or a unique prefix of at least 4 characters)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.storage import schema as S

        with _open(db) as database:
            s = database.session(session)
            sid = s["id"]
            con = _console()
            h = s["header"]
            con.print(f"session {sid}", highlight=False)
            con.print(f"participant {s['participant']} · started {_when(s['utc_start'])} · ended {_when(s['ended_utc'])} · "
                      f"status {_status(s)} · software {h.get('software_version')}", highlight=False, soft_wrap=True)
            con.print(f"source {s.get('source') or '–'} · place {s.get('place') or '–'}"
                      + (" · SIMULATED: a simulator or the simulated child produced this session, not a child" if s.get("simulated") else ""),
                      highlight=False, soft_wrap=True)
            trials = database.rows(S.trials, sid, skip_damaged=True, order=("trial",))
            metrics = database.rows(S.metrics, sid, skip_damaged=True, order=("trial", "name"))
            events = database.rows(S.events, sid, skip_damaged=True, order=("trial", "t_ns"))
            for tr in trials:
                dur = None if tr["t_end_ns"] is None else (tr["t_end_ns"] - tr["t_start_ns"]) / 1e9
                n_ev = sum(1 for e in events if e["trial"] == tr["trial"])
                failed = f" · FAILED: {tr.get('reason') or 'its input failed'}" if tr.get("status") == "failed" else ""
                sim = " · simulated" if tr.get("simulated") else ""
                t = Table(title=f"trial {tr['trial'] + 1}: {tr['exercise']} · {_fmt(tr['reps'])} reps · {_fmt(dur)} s · {n_ev} events"
                                f" · source {tr.get('source') or '–'}{sim}{failed}")
                for c in ("metric", "value", "unit", "definition"):
                    t.add_column(c, overflow="fold")
                for m in (m for m in metrics if m["trial"] == tr["trial"]):
                    t.add_row(m["name"], _fmt(m["value"] if m["value"] is not None else m["text"]), m["unit"], m["definition"])
                con.print(t)
            devs = database.rows(S.devices, sid, skip_damaged=True)
            cals = database.rows(S.calibrations, sid, skip_damaged=True)
            files = database.rows(S.files, sid, skip_damaged=True)
            con.print("devices: " + (", ".join(f"{d['device_id']} ({d['info'].get('model')} sn {d['info'].get('serial')})" for d in devs) or "none"),
                      highlight=False, soft_wrap=True)
            con.print("calibrations: " + (", ".join(f"{c['kind']} {c['key']} v{c['version']}" for c in cals) or "none"), highlight=False, soft_wrap=True)
            if files:
                con.print("files: " + ", ".join(f"{f['kind']}: {f['path']}" for f in files), highlight=False, soft_wrap=True)
            _skipped(database)

    @participants_app.command("list", help="List participants with their number of sessions.\n\nExample: station participants list")
    def participants_list(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
        with _open(db) as database:
            rows = database.list_participants()
            t = Table(title=f"{len(rows)} participant(s)")
            for c in ("code", "born", "hand", "sessions", "first", "last"):
                t.add_column(c)
            for r in rows:
                born = f"{r['birth_year']}-{r['birth_month']:02d}" if r["birth_year"] and r["birth_month"] else _fmt(r["birth_year"])
                t.add_row(r["code"], born, _fmt(r["dominant_hand"]), str(r["n_sessions"]), _when(r["first_utc"]), _when(r["last_utc"]))
            _console().print(t)

    @participants_app.command("add", help="Register a participant, or update their details (never a name: a pseudonymous code).\n\n"
                              "Example: station participants add P-001 --born 2019-05 --hand left")
    def participants_add(
        code: str = typer.Argument(..., help="Pseudonymous participant code."),
        born: str | None = typer.Option(None, "--born", help="Birth year and month, YYYY-MM (only these are kept)."),
        hand: str | None = typer.Option(None, "--hand", help="Dominant hand: left, right or ambidextrous."),
        notes: str | None = typer.Option(None, "--notes", help="Therapist notes (no identifying details)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.core import InputError, check_participant_code, parse_birth

        code = check_participant_code(code)
        fields: dict[str, Any] = {}
        if born is not None:
            y, m = parse_birth(born)
            fields |= {"birth_year": y, "birth_month": m}
        if hand is not None:
            if hand.lower() not in ("left", "right", "ambidextrous"):
                raise InputError("unknown dominant hand", where=f"--hand {hand}", fix="use left, right or ambidextrous")
            fields["dominant_hand"] = hand.lower()
        if notes is not None:
            fields["notes"] = notes
        with _open(db) as database:
            database.ensure_participant(code)
            database.update_participant(code, **fields)
            database.audit("participant_update", fields=sorted(fields))
            _console().print(f"participant {code}: " + (", ".join(f"{k}={v}" for k, v in fields.items() if k != "notes") or "registered"), highlight=False)

    @participants_app.command("show", help="Show a participant: details, sessions and progress per metric.\n\n"
                              "Example: station participants show P-001")
    def participants_show(
        code: str = typer.Argument(..., help="Participant code."),
        include_simulated: bool = typer.Option(False, "--include-simulated", help="Count simulated and failed sessions in the progress."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        with _open(db) as database:
            p = database.participant(code)
            con = _console()
            born = f"{p['birth_year']}-{p['birth_month']:02d}" if p["birth_year"] and p["birth_month"] else "–"
            con.print(f"participant {code} · born {born} · dominant hand {_fmt(p['dominant_hand'])}", highlight=False)
            if p["notes"]:
                con.print(f"notes: {p['notes']}", highlight=False)
            sess = database.list_sessions(code)
            t = Table(title=f"{len(sess)} session(s)")
            for c in ("session", "started", "status", "source", "place", "exercises", "reps"):
                t.add_column(c)
            for r in sess:
                t.add_row(r["id"][:8], _when(r["utc_start"]), _status(r), r.get("source") or "–", r.get("place") or "–",
                          ", ".join(r["exercises"]), str(r["reps"]))
            con.print(t)
            _print_progress(con, database.metric_history(code, include_simulated=include_simulated), None, None)
            _left_out(con, database, code, include_simulated)

    @participants_app.command("forget", help="Remove a participant's data everywhere: database rows, session folders, "
                              "referenced files. Says what it removed. Cannot be undone.\n\n"
                              "Example: station participants forget P-001 --yes")
    def participants_forget(
        code: str = typer.Argument(..., help="Participant code."),
        yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        import shutil

        from station.paths import data_dir

        with _open(db) as database:
            database.participant(code)
            n = len(database.list_sessions(code))
            if not yes and not typer.confirm(f"Remove participant {code} and all {n} session(s)? This cannot be undone."):
                raise typer.Exit(1)
            out = database.forget_participant(code)
            root = data_dir()
            removed_paths = []
            for rel in out["files"]:
                p = root / rel
                if p.is_file():
                    p.unlink()
                    removed_paths.append(str(p))
            for sid in out["sessions"]:
                d = root / "sessions" / sid
                if d.is_dir():
                    shutil.rmtree(d)
                    removed_paths.append(str(d))
            con = _console()
            rows = ", ".join(f"{k} {v}" for k, v in out["rows"].items() if v)
            con.print(f"forgot participant {code}: {len(out['sessions'])} session(s); database rows: {rows}", highlight=False, soft_wrap=True)
            for p in removed_paths:
                con.print(f"removed {p}", highlight=False, soft_wrap=True)
            if not removed_paths:
                con.print("no files on this station", highlight=False)
            for e in out["exports"]:
                con.print(f"NOT removed (outside the station): an earlier export containing {code} went to {e}", highlight=False, soft_wrap=True)

    @app.command(help="Progress of a participant across sessions, per exercise and metric: a table with a sparkline "
                 "per metric, and optionally a chart (PNG/SVG/PDF).\n\nExample: station progress P-001 --metric mean_dev --chart progress.png")
    def progress(
        code: str = typer.Argument(..., help="Participant code."),
        metric: list[str] = typer.Option([], "--metric", "-m", help="Only these metrics (repeatable)."),
        exercise: str | None = typer.Option(None, "--exercise", "-e", help="Only this exercise."),
        chart: Path | None = typer.Option(None, "--chart", help="Also draw the chart into this file (.png, .svg or .pdf)."),
        include_simulated: bool = typer.Option(False, "--include-simulated", help="Also count simulated and failed sessions "
                                               "(left out by default: they are not the child's results)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.core import InputError

        with _open(db) as database:
            database.participant(code)
            if chart is not None and chart.suffix.lower() not in (".png", ".svg", ".pdf"):
                raise InputError("the chart must be a .png, .svg or .pdf file", where=str(chart))
            if metric:
                known = database.metric_names()
                unknown = [m for m in metric if m not in known]
                if unknown:
                    raise InputError(f"no metric called {', '.join(repr(m) for m in unknown)} has been recorded",
                                     where="--metric", fix=f"choose from: {', '.join(sorted(known)) or 'none recorded yet'}")
            hist = database.metric_history(code, metric or None, include_simulated=include_simulated)
            if exercise:
                hist = [h for h in hist if h["exercise"] == exercise]
            con = _console()
            groups = _print_progress(con, hist, metric, exercise)
            _left_out(con, database, code, include_simulated)
            from station.goals import progress as goal_progress

            goals = goal_progress(database, code)
            if exercise:
                goals = [p for p in goals if exercise in p.goal.spec.exercises]
            if goals:
                print_goals(con, goals)
            if chart is not None and groups:
                from station.report import progress_figure

                keys = sorted(groups)[:12] if metric else None  # asked-for metrics, else those that changed most
                fig = progress_figure(groups, title=f"Progress of {code}", keys=keys)
                chart.parent.mkdir(parents=True, exist_ok=True)
                fig.savefig(chart, dpi=110)
                chart.chmod(0o600)
                con.print(f"chart: {chart.resolve()}", highlight=False, soft_wrap=True)

    @app.command(help="Write a session report (HTML; --pdf for the same report as PDF): the headline results first with the "
                 "change since the last sessions, then every metric with its definition, plots, devices and calibrations, data "
                 "quality and notes. --summary writes the one-page summary for home and school in plain words instead.\n\n"
                 "Example: station report 3f2a9c --out report.html --pdf")
    def report(
        session: str = typer.Argument(..., help="Session id (or a unique prefix)."),
        out: Path | None = typer.Option(None, "--out", help="HTML file to write (default: report.html, or summary.html with "
                                        "--summary, in the session's folder)."),
        pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF beside the HTML file."),
        summary: bool = typer.Option(False, "--summary", help="The one-page summary for home and school (plain words, no "
                                     "internals) instead of the full report."),
        lang: str | None = typer.Option(None, "--lang", help="Language of the report: en or es (default: the language "
                                        "chosen for the child in their sensory settings, else MOTOR_STATION_LANG, else en)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.core import InputError
        from station.paths import session_dir
        from station.report import write_pdf, write_report

        if lang is not None:
            from station.i18n import language

            lang = language(lang)  # an unknown code: one line and exit 2, before the database is opened
        with _open(db) as database:
            sid = database.resolve_session(session)
            if out is not None and out.is_dir():
                raise InputError("--out is a folder", where=str(out), fix="give a file name such as report.html")
            path = out if out is not None else session_dir(sid) / ("summary.html" if summary else "report.html")
            written = [write_report(database, sid, path, summary=summary, lang=lang)]
            if pdf:
                try:
                    written.append(write_pdf(database, sid, path.with_suffix(".pdf"), summary=summary, lang=lang))
                except ImportError as exc:  # WeasyPrint without the system's Pango
                    raise InputError(f"the PDF needs the system library Pango ({str(exc).splitlines()[0]})", where=str(path),
                                     fix="install it (Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0) "
                                         "or open the HTML report") from None
            database.audit("report", session=sid, files=[str(p.resolve()) for p in written])
            for p in written:
                _console().print(f"report: {p.resolve()}", highlight=False, soft_wrap=True)

    @app.command(help="Export sessions for research: tidy CSV or Parquet tables with a JSON data dictionary, or a BIDS "
                 "dataset (motion, beh, physio). The folder must be new or empty. Every export is logged in the audit log.\n\n"
                 "Example: station export --participant P-001 --format bids --shift-dates --out export/")
    def export(
        session: str | None = typer.Argument(None, help="Session id (or a unique prefix); or use --participant / --all."),
        participant: str | None = typer.Option(None, "--participant", "-p", help="All sessions of this participant."),
        all_: bool = typer.Option(False, "--all", help="All sessions in the database."),
        fmt: str = typer.Option("parquet", "--format", "-f", help="csv, parquet or bids."),
        out: Path = typer.Option(..., "--out", "-o", help="New or empty folder to write."),
        shift_dates: bool = typer.Option(False, "--shift-dates", help="Shift dates back by a secret number of days per participant."),
        include_video: bool = typer.Option(False, "--include-video", help="Also copy recorded videos (off by default: videos identify children)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.core import InputError
        from station.export import check_out_dir, formats, select_sessions
        from station.export import export as do_export

        if fmt not in formats():
            raise InputError(f"unknown export format '{fmt}'", where="--format", fix=f"use one of {', '.join(formats())}")
        check_out_dir(out)
        with _open(db) as database:
            ids = select_sessions(database, session, participant, all_)
            summary = do_export(database, ids, fmt, out, shift_dates=shift_dates, include_video=include_video)
            _console().print(f"exported {len(ids)} session(s) as {fmt} to {summary.out.resolve()} ({len(summary.files)} files"
                            f"{', dates shifted' if shift_dates else ''})", highlight=False, soft_wrap=True)


def print_goals(con: Any, items: list[Any]) -> None:
    """The goals table of ``station goals list`` and ``station progress``."""
    from station.goals import summary_t_score

    t = Table(title=f"{len(items)} goal(s)")
    for c in ("goal", "status", "goal as written", "met", "tries", "value", "trend", "GAS level", "last tries"):
        t.add_column(c, overflow="fold")
    for p in items:
        g, e = p.goal, p.evaluation
        unit = g.spec.unit
        t.add_row(g.id[:8], g.status, g.spec.sentence(), "yes" if e.met else "no", f"{e.hits}/{e.window}" if e.n_trials else "0",
                  f"{_fmt(e.value)} {unit}" if e.value is not None else "–", e.trend, "–" if e.level is None else f"{e.level:+d}",
                  sparkline(list(e.last_values)))
    con.print(t)
    ts, n = summary_t_score(items)
    if ts is not None:
        con.print(f"GAS T-score over {n} goal(s) with levels: {ts:.1f} (50 = as expected; rho = 0.3, weights as set)", highlight=False)
    for p in items:
        con.print("  " + p.evaluation.words(p.goal.spec), highlight=False)



def _left_out(con: Console, database: Any, code: str, included: bool) -> None:
    n = database.left_out(code)
    if n:
        con.print(f"{n} simulated or failed session(s) " + ("included (--include-simulated)" if included
                  else "left out (--include-simulated shows them)"), highlight=False, soft_wrap=True)


def _print_progress(con: Console, hist: list[dict[str, Any]], metric: list[str] | None, exercise: str | None) -> Any:
    groups = progress_rows(hist)
    if not groups:
        con.print("no numeric metrics recorded" + (f" for {', '.join(metric)}" if metric else "") + (f" in {exercise}" if exercise else ""),
                  highlight=False)
        return groups
    t = Table(title="progress per metric (oldest -> newest session)")
    for c in ("exercise", "metric", "unit", "sessions", "first", "last", "change", "trend"):
        t.add_column(c)
    for (ex, name, unit), pts in sorted(groups.items()):
        vals = [v for _, _, v in pts]
        t.add_row(ex, name, unit, str(len(vals)), _fmt(vals[0]), _fmt(vals[-1]), _fmt(vals[-1] - vals[0]), sparkline(vals))
    con.print(t)
    return groups
