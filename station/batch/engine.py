"""Batch scoring on the client: plan (hash, resume), run on an executor, store each result as it comes.

:func:`run_batch` hashes every input (:func:`station.batch.inputs.with_hashes`), leaves out those
whose result is already in ``out`` (same input label and resume key, ``status = ok``; ``--force``
scores them again), hands the rest to an executor and writes each row to the Parquet dataset the
moment it arrives (:func:`station.batch.results.write_row`). A client killed at any moment keeps
every result that arrived; running the same command again scores only what is missing. Failed files
are stored as ``error`` rows (tried again on the next run) and reported; they never stop the others.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from station.analyze import TrackerOptions
from station.batch import results
from station.batch.executors import Executor, make_executor
from station.batch.inputs import BatchItem, result_key, row_id, with_hashes
from station.batch.work import Task
from station.core import InputError

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    """What a batch did. ``rows`` has one row per distinct input and key, in input order (stored
    results of skipped inputs included); ``failed`` the error rows of this run."""

    total: int
    skipped: int
    scored: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    frames: int = 0
    elapsed_s: float = 0.0
    executor: str = ""
    workers: int = 0
    models_loaded: int = 0
    compacted: int = 0
    """One-row result files merged into a part file at the end of the run (0: none)."""


def plan(items: Sequence[BatchItem], options: TrackerOptions, smoothing: bool = True, workspace: str | None = None) -> list[Task]:
    """One :class:`Task` per distinct (label, key); ``items`` must carry their sha256."""
    tasks: dict[str, Task] = {}
    for it in items:
        assert it.sha256 is not None
        t = Task("", "", it.path, it.label, it.kind, it.exercise, dict(it.settings), it.definitions_version, it.participant,
                 it.sha256, options, smoothing, workspace)
        key = result_key(it.sha256, it.exercise, it.settings, it.definitions_version, t.backend, t.backend_options())
        rid = row_id(key, it.label)
        if rid not in tasks:
            tasks[rid] = dataclasses.replace(t, row_id=rid, key=key)
        elif tasks[rid].participant != it.participant:
            raise InputError(f"the same file is listed for two participants ({tasks[rid].participant}, {it.participant})",
                             where=f"{it.where}: {it.label}", fix="one recording belongs to one participant: fix the manifest")
    return list(tasks.values())


def run_batch(
    items: Sequence[BatchItem],
    *,
    out: str | Path | None = None,
    force: bool = False,
    options: TrackerOptions | None = None,
    smoothing: bool = True,
    workspace: str | None = None,
    executor: str | Executor = "auto",
    jobs: int = 1,
    threads: int = 1,
    cluster: str | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    compact_at: int = results.COMPACT_AT,
) -> BatchReport:
    """Score ``items`` (see the module docstring).

    Parameters
    ----------
    out: the results folder (Parquet dataset, resume); ``None`` keeps results in memory only.
    force: score again inputs whose result is already in ``out`` (a failure then keeps the stored good row).
    workspace: a camera id whose stored workspace maps hands to millimetres (see :func:`station.analyze.analyze`).
    executor: ``auto``, ``inline``, ``pool``, ``dask``, or an executor object (left open).
    jobs, threads: local workers and threads per worker; cluster: a Dask scheduler address.
    on_start(to_score, skipped): called once the plan is known (before any scoring).
    on_row(row): called with each row of this run as it is stored.
    compact_at: a run that finishes merges the one-row result files once there are this many (0: never;
    see :func:`station.batch.results.compact`).

    A ``KeyboardInterrupt`` stops the run after closing the executor; what was stored stays.
    """
    opts = options or TrackerOptions()
    out_dir = results.prepare(out) if out is not None else None
    tasks = plan(with_hashes(items, cache_dir=out_dir), opts, smoothing, workspace)
    stored = results.done_ids(out_dir) if out_dir is not None else {}
    done = {} if force else stored
    todo = [t for t in tasks if t.row_id not in done]
    report = BatchReport(total=len(tasks), skipped=len(tasks) - len(todo))
    if on_start is not None:
        on_start(len(todo), report.skipped)
    new: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()
    if todo:
        ex = make_executor(executor, jobs=jobs, threads=threads, cluster=cluster) if isinstance(executor, str) else executor
        report.executor, report.workers = ex.name, ex.workers
        try:
            for _task, row in ex.run(todo):
                if out_dir is not None and not (row["status"] != "ok" and row["row_id"] in stored):
                    results.write_row(out_dir, row)  # (a forced run that fails keeps the earlier good result)
                new[row["row_id"]] = row
                report.scored += row["status"] == "ok"
                report.frames += row.get("frames") or 0
                report.models_loaded += bool(row.get("model_loaded"))
                if row["status"] != "ok":
                    report.failed.append(row)
                if on_row is not None:
                    on_row(row)
        finally:
            if isinstance(executor, str):
                ex.close()
        if out_dir is not None:  # reached only when the run was not interrupted
            report.compacted = results.compact(out_dir, at=compact_at)
    report.elapsed_s = time.perf_counter() - t0
    report.rows = [new.get(t.row_id) or done[t.row_id] for t in tasks if t.row_id in new or t.row_id in done]
    return report
