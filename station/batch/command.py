"""``station analyze`` in batch mode: the client's progress bar, failure lines, summary and exit code.

Called by :mod:`station.cli.vision` when the command is given several sources, a folder of videos
or landmark files, a glob, a manifest, ``--out`` or ``--cluster``. Exit codes: 0 all scored, 1 some
file failed (each listed on one line, the others scored and stored), 2 bad input before any work,
130 interrupted (everything stored so far is kept: the same command resumes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from station.analyze import TrackerOptions, create_exercise
from station.batch import results
from station.batch.engine import BatchReport, run_batch
from station.batch.inputs import canonical_settings, collect
from station.core import InputError

TABLE_MAX_ROWS = 50
EXECUTORS = ("auto", "dask", "pool", "inline")


class BatchProgress:
    """A rich progress bar on a terminal: files done of total, frames/s, failures, ETA; nothing otherwise."""

    def __init__(self, console: Console, label: str) -> None:
        self.console = console
        self.label = label
        self.p: Any = None
        self.task: Any = None
        self.frames = 0
        self.failed = 0
        self.t0 = time.perf_counter()

    def start(self, to_score: int, skipped: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        if skipped:
            self.console.print(f"{skipped} already scored (same file, exercise, settings, definitions and backend): skipped",
                               highlight=False, soft_wrap=True)
        self.t0 = time.perf_counter()
        if not self.console.is_terminal or not to_score:
            return
        self.p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                          TextColumn("{task.fields[fps]}"), TextColumn("{task.fields[failed]}"), TimeElapsedColumn(),
                          TextColumn("ETA"), TimeRemainingColumn(), console=self.console, transient=True)
        self.p.start()
        self.task = self.p.add_task(self.label, total=to_score, fps="", failed="")

    def row(self, row: Mapping[str, Any]) -> None:
        self.frames += row.get("frames") or 0
        self.failed += row["status"] != "ok"
        if self.p is not None:
            dt = time.perf_counter() - self.t0
            self.p.update(self.task, advance=1, fps=f"{self.frames / dt:.1f} frames/s" if dt > 0 else "",
                          failed=f"{self.failed} failed" if self.failed else "")

    def stop(self) -> None:
        if self.p is not None:
            self.p.stop()
            self.p = None


def run_command(
    sources: Sequence[str],
    exercise: str | None,
    sets: Mapping[str, Any],
    *,
    out: Path | None,
    csv_out: Path | None,
    json_out: str | None,
    write_json: Callable[[Any], None],
    force: bool,
    options: TrackerOptions,
    smoothing: bool,
    workspace: str | None,
    jobs: int,
    threads: int,
    cluster: str | None,
    executor: str,
    compact_at: int = results.COMPACT_AT,
) -> int:
    """Run the batch; returns the exit code (see the module docstring). ``write_json(data)`` writes
    the list of JSON results where ``--json`` says (``json_out == "-"``: stdout, so the table goes to stderr)."""
    err = Console(stderr=True)
    if executor not in EXECUTORS:
        raise InputError(f"unknown executor '{executor}'", where="--executor", fix=f"choose one of: {', '.join(EXECUTORS)}")
    items = collect(sources, exercise, sets, exclude=[out] if out is not None else [])
    from station.workspaces import check_mapping

    for it in {(i.exercise, canonical_settings(i.settings)): i for i in items}.values():
        check_mapping(it.exercise, create_exercise(it.exercise, dict(it.settings)).settings, workspace)  # before any work
    bar = BatchProgress(err, f"{items[0].exercise if len({i.exercise for i in items}) == 1 else 'batch'}")
    try:
        report = run_batch(items, out=out, force=force, options=options, smoothing=smoothing, workspace=workspace, executor=executor, jobs=jobs,
                           threads=threads, cluster=cluster, on_start=bar.start, on_row=bar.row, compact_at=compact_at)
    except KeyboardInterrupt:
        bar.stop()
        where = f" in {out}" if out is not None else ""
        err.print(f"interrupted: every result that finished is stored{where}; run the same command again to resume",
                  markup=False, highlight=False, soft_wrap=True)
        return 130
    finally:
        bar.stop()
    if csv_out is not None:
        results.write_csv(report.rows, csv_out, overwrite=force)
    if json_out is not None:
        data = [results.result_of(r) or {k: v for k, v in results.flat(r).items()} for r in report.rows]
        write_json(data)
    if len(report.rows) <= TABLE_MAX_ROWS:
        _print_rows(Console(stderr=json_out == "-"), report.rows)
    _print_summary(err, report, out)
    for r in report.failed:
        err.print(f"failed: {r['input_path']}: {r['error']}", markup=False, highlight=False, soft_wrap=True)
    return 1 if report.failed else 0


def _print_summary(console: Console, r: BatchReport, out: Path | None) -> None:
    fps = f", {r.frames / r.elapsed_s:.1f} frames/s" if r.elapsed_s > 0 and r.frames else ""
    ran = f" on {r.executor}" if r.executor else ""
    stored = f"; results in {out}" if out is not None else ""
    if r.compacted:
        stored += f" ({r.compacted} result files merged into one part)"
    console.print(f"{r.total} inputs: {r.scored} scored, {r.skipped} already scored, {len(r.failed)} failed; "
                  f"{r.frames} frames in {r.elapsed_s:.1f} s{fps}{ran}{stored}", markup=False, highlight=False, soft_wrap=True)


def _print_rows(console: Console, rows: Sequence[Mapping[str, Any]]) -> None:
    from rich.table import Table

    t = Table(show_header=True)
    for c in ("file", "status", "reps", "frames", "detected", "fps"):
        t.add_column(c)
    for r in rows:
        fps = r.get("processing_fps")
        t.add_row(str(r["input_path"]), r["status"], _s(r.get("reps")), _s(r.get("frames")), _s(r.get("frames_with_detection")),
                  "" if fps is None else f"{fps:.1f}")
    console.print(t)


def _s(v: Any) -> str:
    return "" if v is None else str(v)
