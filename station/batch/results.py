"""The results of batch scoring: a Parquet dataset, one small file per result, written as it arrives.

Layout of ``--out DIR``::

    DIR/<row_id>.parquet      one row: one input file scored with one exercise and settings
    DIR/.tmp-*                a file being written (renamed into place when complete; ignored)

Every file has the same schema (:data:`SCHEMA`), so ``pyarrow.dataset.dataset(DIR)`` or
``pandas.read_parquet(DIR)`` reads the whole dataset as one table. A result is written to a
temporary name, flushed to disk and renamed (atomic on POSIX): a client killed at any moment leaves
complete files only, never a half row. ``row_id`` is a hash of the resume key and the input's label
(:func:`station.batch.inputs.row_id`): writing a result again (``--force``, or a failed file that
now succeeds) replaces its file, so the dataset never holds two rows for one input and key. Results
of different definitions versions or settings are different keys and are all kept.

Merging datasets written on several machines is copying their files into one folder: equal names
are the same result.

Compaction: thousands of one-row files are slow to list and read, so a run that finishes (not one
interrupted) merges the one-row files into one ``DIR/part-<id>.parquet`` once there are at least
:data:`COMPACT_AT` of them (:func:`compact`; ``station analyze --compact-at N``, 0 = never). The
compacted part is written like a row (temporary name, fsync, rename) before the files it replaces are
removed, so a crash in between leaves the same row twice, never none. Readers therefore keep one row per
``row_id``: the one finished last (a row re-scored after compaction lives in its own file and wins).

Columns: identity (``row_id``, ``key``, ``input_path``, ``input_sha256``, ``input_kind``,
``participant``, ``exercise``, ``settings`` as canonical JSON, ``definitions_version``,
``backend``, ``backend_options``), provenance (``model`` with its version, ``software_version``,
``worker``, ``model_loaded``: whether this file paid for loading the model, ``started_at``,
``finished_at`` in UTC, ``wall_s`` in s), outcome (``status`` ``ok`` or ``error``, ``error``), and
the result (``reps``, ``frames``, ``frames_with_detection``, ``duration_s`` in file seconds,
``processing_fps`` in frames per wall-clock second, ``metrics`` as a map of name -> value with
``units`` name -> unit beside it, and ``result_json``: the full result of ``station analyze --json``
with events and definitions). Failed rows have no result columns.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from station.core import InputError

log = logging.getLogger(__name__)

SCHEMA = pa.schema([
    ("row_id", pa.string()), ("key", pa.string()), ("input_path", pa.string()), ("input_sha256", pa.string()),
    ("input_kind", pa.string()), ("participant", pa.string()), ("exercise", pa.string()), ("settings", pa.string()),
    ("definitions_version", pa.string()), ("backend", pa.string()), ("backend_options", pa.string()),
    ("model", pa.string()), ("software_version", pa.string()), ("status", pa.string()), ("error", pa.string()),
    ("reps", pa.int64()), ("frames", pa.int64()), ("frames_with_detection", pa.int64()), ("duration_s", pa.float64()),
    ("processing_fps", pa.float64()), ("metrics", pa.map_(pa.string(), pa.float64())), ("units", pa.map_(pa.string(), pa.string())),
    ("result_json", pa.string()), ("worker", pa.string()), ("model_loaded", pa.bool_()),
    ("started_at", pa.timestamp("us", tz="UTC")), ("finished_at", pa.timestamp("us", tz="UTC")), ("wall_s", pa.float64()),
])
COLUMNS = SCHEMA.names
PART_PREFIX = "part-"
COMPACT_AT = 256
"""One-row files in a results folder that make a finished run compact them (see the module docstring)."""


def prepare(out: str | Path) -> Path:
    """The results folder, created if missing; one :class:`InputError` when it cannot be used."""
    d = Path(out)
    if d.exists() and not d.is_dir():
        raise InputError("--out must be a folder (the Parquet results dataset)", where=str(d))
    if not d.parent.exists():
        raise InputError("output folder's parent does not exist", where=str(d.parent))
    try:
        d.mkdir(exist_ok=True)
        probe = d / f".tmp-probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"results folder is not writable ({exc.strerror})", where=str(d)) from None
    for stale in d.glob(".tmp-*"):  # left by a killed client: never a complete result
        with contextlib.suppress(OSError):
            stale.unlink()
    return d


def write_row(out: Path, row: Mapping[str, Any]) -> Path:
    """Write one result row as ``out/<row_id>.parquet`` atomically (temporary file, fsync, rename)."""
    table = pa.Table.from_pylist([{c: row.get(c) for c in COLUMNS}], schema=SCHEMA)
    return _write_atomic(out, table, f"{row['row_id']}.parquet")


def _write_atomic(out: Path, table: pa.Table, name: str) -> Path:
    final = out / name
    tmp = out / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    try:
        with pa.OSFile(str(tmp), "wb") as sink:
            pq.write_table(table, sink)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return final


def read_rows(out: str | Path, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every complete row in the dataset, one per ``row_id`` (the one finished last; unreadable files are
    skipped with a warning)."""
    return list(_read(Path(out), columns)[0].values())


def _read(d: Path, columns: Sequence[str] | None) -> tuple[dict[str, dict[str, Any]], list[Path]]:
    """``row_id -> row`` (latest ``finished_at`` wins; a one-row file wins a tie with a part) and the files read."""
    if not d.is_dir():
        return {}, []
    cols = None if columns is None else list(dict.fromkeys([*columns, "row_id", "finished_at"]))
    best: dict[str, tuple[tuple[bool, float, bool], dict[str, Any]]] = {}
    read: list[Path] = []
    for f in sorted(d.glob("*.parquet")):
        try:
            if "row_id" not in pq.read_schema(f).names:
                log.warning("skipping %s: not a result file", f)
                continue
            t = pq.read_table(f, columns=cols)
        except (OSError, pa.ArrowException) as exc:
            log.warning("skipping unreadable result file %s: %s", f, exc)
            continue
        read.append(f)
        single = not f.name.startswith(PART_PREFIX)
        for r in t.to_pylist():
            fin = r.get("finished_at")
            rank = (fin is not None, fin.timestamp() if fin is not None else 0.0, single)
            if r["row_id"] not in best or rank >= best[r["row_id"]][0]:
                best[r["row_id"]] = (rank, r)
    rows = {}
    for rid, (_rank, r) in best.items():
        rows[rid] = r if columns is None else {c: r.get(c) for c in columns}
    return rows, read


def compact(out: str | Path, *, at: int = COMPACT_AT) -> int:
    """Merge the dataset into one part file when it holds at least ``at`` one-row files (``at`` <= 0: never).

    Returns the number of files replaced (0 when nothing was done). Run it only when no other client
    writes to ``out`` (the end of a run does)."""
    d = Path(out)
    singles = [f for f in d.glob("*.parquet") if not f.name.startswith(PART_PREFIX)]
    if at <= 0 or len(singles) < at:
        return 0
    rows, read = _read(d, None)
    if not rows:
        return 0
    table = pa.Table.from_pylist(sorted(rows.values(), key=lambda r: r["row_id"]), schema=SCHEMA)
    part = _write_atomic(d, table, f"{PART_PREFIX}{uuid.uuid4().hex}.parquet")
    for f in read:  # only files whose rows are in the new part; anything written since stays
        if f != part:
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
    log.info("compacted %d result files into %s", len(read), part.name)
    return len(read)


def read_table(out: str | Path) -> pa.Table:
    """The whole dataset as one table (empty with :data:`SCHEMA` when there is none)."""
    rows = read_rows(out)
    return pa.Table.from_pylist(rows, schema=SCHEMA) if rows else SCHEMA.empty_table()


def done_ids(out: str | Path) -> dict[str, dict[str, Any]]:
    """``row_id -> row`` of the results that count as done (``status = ok``)."""
    return {r["row_id"]: r for r in read_rows(out) if r.get("status") == "ok"}


CSV_FIRST = ["file", "participant", "status", "error", "exercise", "reps", "frames", "frames_with_detection", "duration_s",
             "processing_fps", "definitions_version", "input_sha256"]


def flat(row: Mapping[str, Any]) -> dict[str, Any]:
    """A result row as one flat CSV record (metrics unpacked into ``metric.NAME`` columns)."""
    out: dict[str, Any] = {"file": row.get("input_path")}
    for c in CSV_FIRST[1:]:
        out[c] = row.get(c)
    for k, v in _pairs(row.get("metrics")):
        out[f"metric.{k}"] = v
    return out


def _pairs(v: Any) -> list[tuple[str, Any]]:
    if not v:
        return []
    if isinstance(v, Mapping):
        return list(v.items())
    return [(k, x) for k, x in v]


def write_csv(rows: Iterable[Mapping[str, Any]], out: str | Path, *, overwrite: bool = False) -> Path:
    """The flat summary: fixed first columns, then ``metric.*`` columns in first-seen order."""
    import csv

    p = Path(out)
    if p.exists() and not overwrite:
        raise InputError("output file exists (never overwritten)", where=str(p), fix="choose another name or pass --force")
    recs = [flat(r) for r in rows]
    cols = list(CSV_FIRST)
    for r in recs:
        cols += [k for k in r if k not in cols]
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in recs:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})
    return p


def result_of(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The full JSON result of an ``ok`` row (as ``station analyze --json`` prints it)."""
    text = row.get("result_json")
    return json.loads(text) if text else None
