"""Exports for researchers, derived only from what is stored.

Formats register themselves (:func:`register_format`). ``tidy`` formats (``csv``, ``parquet``): one file per table (:data:`station.export.tables.TABLES`)
holding every exported session, plus ``data_dictionary.json`` (column, type, unit, definition,
time base) and ``metric_definitions`` of the exercises. ``bids``: a BIDS dataset (motion, beh,
physio), see :mod:`station.export.bids`.

Privacy: only pseudonymous codes leave the station; ``shift_dates`` moves every date of a
participant back by the same secret number of days (:meth:`Database.date_shift_days`); ages are
whole years. Videos are never exported unless ``include_video``. Every export is written to a
hidden folder beside ``out`` and renamed into place when complete (a failed export leaves nothing),
files are owner-only (0600, folders 0700), and the export is logged in the audit table.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from station import __version__
from station.core import InputError
from station.export.tables import TABLES, DatePolicy, arrow_schema, dictionary_json, session_tables
from station.storage import Database
from station.storage import schema as S

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)

class _TableWriter(Protocol):
    """What ``pyarrow.csv.CSVWriter`` and ``pyarrow.parquet.ParquetWriter`` share."""

    def write_table(self, table: pa.Table) -> None: ...

    def close(self) -> None: ...


Format = Literal["csv", "parquet", "bids"]
Writer = Callable[[Database, list[str], Path, DatePolicy], None]
"""``write(db, session_ids, folder, dates)``: writes one export format into an empty folder."""
_WRITERS: dict[str, Writer] = {}
SOURCEDATA: dict[str, str] = {}
"""Formats that keep non-standard material (an opted-in video) in a subfolder."""


def register_format(name: str, writer: Writer, *, sourcedata: str = "") -> None:
    """Make an export format available by name (``station export --format NAME``)."""
    _WRITERS[name] = writer
    if sourcedata:
        SOURCEDATA[name] = sourcedata


def formats() -> tuple[str, ...]:
    """The registered export formats."""
    return tuple(_WRITERS)


@dataclass
class ExportSummary:
    out: Path
    format: str
    sessions: list[str]
    files: list[Path] = field(default_factory=list)
    shift_dates: bool = False


def select_sessions(db: Database, session: str | None = None, participant: str | None = None, all_: bool = False) -> list[str]:
    """Session ids named by exactly one of ``session``, ``participant`` or ``all_`` (oldest first)."""
    if sum(x is not None and x is not False for x in (session, participant, all_)) != 1:
        raise InputError("name what to export", fix="give a SESSION id, or --participant CODE, or --all")
    if session is not None:
        return [db.resolve_session(session)]
    if participant is not None:
        db.participant(participant)
        ids = [s["id"] for s in reversed(db.list_sessions(participant))]
    else:
        ids = [s["id"] for s in reversed(db.list_sessions())]
    if not ids:
        raise InputError("there are no sessions to export", where=participant or "database", fix="record a session first (station demo)")
    return ids


def check_out_dir(out: Path) -> None:
    """Refuse an existing file or a non-empty folder (an export never overwrites or mixes)."""
    if out.exists() and not out.is_dir():
        raise InputError("the export destination is a file", where=str(out), fix="give a new or empty folder with --out")
    if out.is_dir() and any(out.iterdir()):
        raise InputError("the export folder exists and is not empty", where=str(out), fix="give a new or empty folder with --out")
    parent = out.resolve().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise InputError("cannot write the export folder here", where=str(parent), fix="choose a writable place for --out")


def _owner_only(root: Path) -> list[Path]:
    files = []
    os.chmod(root, 0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(Path(dirpath) / d, 0o700)
        for f in filenames:
            p = Path(dirpath) / f
            os.chmod(p, 0o600)
            files.append(p)
    return sorted(files)


def export(
    db: Database,
    session_ids: list[str],
    fmt: str,
    out: Path,
    *,
    shift_dates: bool = False,
    include_video: bool = False,
    data_root: Path | None = None,
) -> ExportSummary:
    """Export ``session_ids`` to the new folder ``out`` in ``fmt`` (``csv``, ``parquet`` or ``bids``).

    ``data_root`` is the station data directory (for files referenced from the database, e.g. an
    opted-in video); ``include_video`` copies such videos into the export.
    """
    if fmt not in _WRITERS:
        raise InputError(f"unknown export format '{fmt}'", fix=f"use one of {', '.join(_WRITERS)}")
    out = Path(out)
    check_out_dir(out)
    sessions = [db.session(s) for s in session_ids]
    codes = sorted({s["participant"] for s in sessions})
    dates = DatePolicy({c: db.date_shift_days(c) for c in codes} if shift_dates else {})
    tmp = out.resolve().parent / f".{out.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(mode=0o700)
    try:
        _WRITERS[fmt](db, session_ids, tmp, dates)
        if include_video:  # BIDS keeps non-BIDS material under sourcedata/ (ignored by the validator)
            _copy_videos(db, session_ids, tmp / SOURCEDATA[fmt] if fmt in SOURCEDATA else tmp, data_root)
        files = _owner_only(tmp)
        if out.is_dir():
            out.rmdir()  # checked empty above
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    db.audit("export", format=fmt, sessions=session_ids, participants=codes, out=str(out.resolve()),
             shift_dates=shift_dates, include_video=include_video, files=len(files))
    return ExportSummary(out, fmt, list(session_ids), [out / f.relative_to(tmp) for f in files], shift_dates)


def _write_tidy(db: Database, session_ids: list[str], fmt: str, out: Path, dates: DatePolicy) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    writers: dict[str, _TableWriter] = {}
    counts = dict.fromkeys(TABLES, 0)
    metric_defs: dict[str, dict[str, dict[str, str]]] = {}
    try:
        for name in TABLES:
            path = out / f"{name}.{'csv' if fmt == 'csv' else 'parquet'}"
            schema = arrow_schema(name)
            writers[name] = pacsv.CSVWriter(str(path), schema) if fmt == "csv" else pq.ParquetWriter(str(path), schema, compression="zstd")
        for sid in session_ids:
            for name, table in session_tables(db, sid, dates):
                if table.num_rows:
                    writers[name].write_table(table)
                    counts[name] += table.num_rows
            for m in db.rows(S.metrics, sid):
                metric_defs.setdefault(m["exercise"], {})[m["name"]] = {"unit": m["unit"], "definition": m["definition"]}
    finally:
        for w in writers.values():
            w.close()
    codes = sorted({db.session(sid)["participant"] for sid in session_ids})
    goals = goal_table(db, codes, dates)
    if goals.num_rows:
        gpath = out / f"goals.{'csv' if fmt == 'csv' else 'parquet'}"
        if fmt == "csv":
            pacsv.write_csv(goals, str(gpath))
        else:
            pq.write_table(goals, str(gpath), compression="zstd")
    extra = {
        "software": f"motor-station {__version__}",
        "goals": {"file": f"goals.{'csv' if fmt == 'csv' else 'parquet'}" if goals.num_rows else None, "rows": goals.num_rows,
                  "columns": GOAL_COLUMNS},
        "file_format": fmt,
        "files": {name: f"{name}.{'csv' if fmt == 'csv' else 'parquet'}" for name in TABLES},
        "rows": counts,
        "sessions": session_ids,
        "dates_shifted": bool(dates.shift_days),
        "metric_definitions": metric_defs,
        "missing_values": "empty field (CSV) / null (Parquet); visibility NaN when the model gives none",
    }
    (out / "data_dictionary.json").write_text(json.dumps(dictionary_json(extra), indent=2), encoding="utf-8")


GOAL_COLUMNS: dict[str, str] = {
    "participant": "pseudonymous participant code",
    "goal_id": "the goal's id (UUID)",
    "version": "newest version of the goal (earlier versions stay in the station's database)",
    "status": "active | achieved | retired",
    "created_utc": "when the goal was written (ISO-8601 UTC; shifted like every date when the export shifts dates)",
    "exercises": "exercise(s) the goal is about (comma-separated for a family goal)",
    "metric": "the headline metric the exercise declares", "unit": "unit of threshold, levels and values",
    "direction": "at_least | at_most", "threshold": "the goal's threshold",
    "criterion": "K-of-N (last N trials), N-in-a-row (sessions) or best (of the session)",
    "settings": "settings that must hold (NAME=VALUE, comma-separated)", "target_date": "target date (YYYY-MM-DD)",
    "gas_m2": "GAS level -2 value", "gas_m1": "GAS level -1 value", "gas_0": "GAS level 0 value (expected outcome)",
    "gas_p1": "GAS level +1 value", "gas_p2": "GAS level +2 value", "weight": "weight in the GAS T-score",
    "sentence": "the goal as written", "met": "criterion met at export time",
    "n_trials": "real, finished trials that count for the goal (simulated and result-less trials never count)",
    "hits": "trials (K-of-N) or sessions in the window that reached the threshold", "window": "trials or sessions in the window",
    "criterion_value": "value the criterion is judged on (see station.goals)", "trend": "improving | steady | worsening | –",
    "gas_level": "current GAS level (-2..+2) when the goal has levels",
}
"""Columns of the goals table (tidy exports) and of ``phenotype/goals.tsv`` (BIDS); goals are evaluated on
every stored trial of the participant when the export is made."""


def goal_table(db: Database, codes: list[str], dates: DatePolicy) -> pa.Table:
    """The goals of ``codes`` with their evaluations, dates shifted by ``dates``."""
    import pyarrow as pa

    from station.goals import evaluation_rows

    rows = evaluation_rows(db, codes)
    for r in rows:
        r["created_utc"] = dates.shift(r["created_utc"], r["participant"])
        if r["target_date"]:
            r["target_date"] = (dates.shift(r["target_date"] + "T00:00:00+00:00", r["participant"]) or "")[:10]
    return pa.Table.from_pylist(rows) if rows else pa.table({})


def _copy_videos(db: Database, session_ids: list[str], out: Path, data_root: Path | None) -> None:
    if data_root is None:
        from station.paths import data_dir

        data_root = data_dir()
    for sid in session_ids:
        for f in db.rows(S.files, sid):
            if f["kind"] != "video":
                continue
            src = data_root / f["path"]
            if not src.is_file():
                raise InputError("a recorded video is missing", where=str(src), fix="export without --include-video")
            dst = out / "video" / sid / src.name
            dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            log.info("exporting video %s (asked for explicitly)", src)
            shutil.copy2(src, dst)


def _write_bids(db: Database, session_ids: list[str], out: Path, dates: DatePolicy) -> None:
    from station.export.bids import write_bids

    write_bids(db, session_ids, out, dates)
    _write_bids_goals(db, session_ids, out, dates)


def _write_bids_goals(db: Database, session_ids: list[str], out: Path, dates: DatePolicy) -> None:
    """``phenotype/goals.tsv`` (one row per goal, ``participant_id`` = the subject label) + its JSON sidecar."""
    from station.export.bids import label

    codes = sorted({db.session(sid)["participant"] for sid in session_ids})
    rows = goal_table(db, codes, dates).to_pylist()
    if not rows:
        return
    cols = [c for c in GOAL_COLUMNS if c != "participant"]
    pdir = out / "phenotype"
    pdir.mkdir(mode=0o700, exist_ok=True)

    def cell(v: object) -> str:
        if v is None or v == "":
            return "n/a"
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v).replace("\t", " ")

    lines = ["\t".join(["participant_id", *cols])]
    lines += ["\t".join([f"sub-{label(r['participant'])}", *(cell(r[c]) for c in cols)]) for r in rows]
    (pdir / "goals.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    side = {"MeasurementToolMetadata": {"Description": "Treatment goals written by the therapist and evaluated by Motor Station "
                                        "(Goal Attainment Scaling: Kiresuk & Sherman 1968)"},
            "participant_id": {"Description": "BIDS subject label"}}
    side |= {c: {"Description": GOAL_COLUMNS[c]} for c in cols}
    (pdir / "goals.json").write_text(json.dumps(side, indent=2), encoding="utf-8")


register_format("csv", lambda db, ids, out, dates: _write_tidy(db, ids, "csv", out, dates))
register_format("parquet", lambda db, ids, out, dates: _write_tidy(db, ids, "parquet", out, dates))
register_format("bids", _write_bids, sourcedata="sourcedata")
FORMATS: tuple[str, ...] = formats()
"""The built-in formats (kept for callers; :func:`formats` also lists formats registered later)."""
