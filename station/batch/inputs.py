"""What a batch scores: sources (files, folders, globs, manifest CSVs) -> :class:`BatchItem` s.

A *source* on the command line is

- a video file (``.mp4``, ``.avi``, ``.mov``, ``.gif``...) or a landmark file saved by ``station track``
  (``.parquet``: re-scored without video, the fast path);
- a folder: its videos and landmark files (not recursive; sorted by name);
- a glob pattern (``'archive/**/*.mp4'``, quoted so the shell leaves it alone; ``**`` recurses);
- a manifest CSV (``.csv``) with a header and the columns ``path`` (required; relative paths are
  relative to the manifest's folder), ``participant`` (a pseudonymous code), ``exercise`` and
  ``settings`` (``KEY=VALUE`` pairs separated by ``;``, or a JSON object), and optionally ``sha256``
  (the file's hash, for clusters where the client cannot read the workers' paths).

A manifest row's exercise and settings override ``--exercise`` / ``--set``. Every exercise and its
settings are validated here, on the client, before any work: a bad row is one :class:`InputError`
naming the manifest and the row.

Identity of a result (the resume key)
--------------------------------------
``(input_sha256, exercise, settings, definitions_version, backend, backend_options)`` where
``settings`` is the exercise's *complete* validated settings (defaults included) as canonical JSON,
so ``--set depth=0.3`` equal to the default is the same key, and ``backend_options`` the model
options and smoothing that change landmarks. A result row is stored per key and input path
(:func:`row_id`), so two paths with the same bytes each get their row. Labels: a folder's files are
named relative to the folder (``a.mp4``), a manifest's as its ``path`` column says, a glob's and a
file's as matched or given.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from station.core import InputError, check_participant_code

log = logging.getLogger(__name__)

LANDMARK_SUFFIXES = (".parquet",)
MANIFEST_SUFFIXES = (".csv",)
MANIFEST_COLUMNS = ("path", "participant", "exercise", "settings", "sha256")


@dataclass(frozen=True)
class BatchItem:
    """One input to score: a file, with the exercise and settings it is scored with.

    ``path`` is where to open it (on a worker); ``label`` is how results name it (the path as the
    user wrote it, or as the manifest lists it, so a moved archive keeps its labels).
    """

    path: str
    label: str
    kind: str
    """``video`` (tracked and scored) or ``landmarks`` (re-scored without video)."""
    exercise: str
    settings: Mapping[str, Any]
    """Complete validated settings (defaults included), JSON-compatible."""
    definitions_version: str
    participant: str | None = None
    sha256: str | None = None
    where: str = ""
    """Where it came from, for error lines (``manifest.csv row 4``, a folder, a glob)."""
    extra: Mapping[str, Any] = field(default_factory=dict)


def canonical_settings(settings: Mapping[str, Any]) -> str:
    """Settings as canonical JSON (sorted keys, tuples as lists): one spelling per meaning."""
    return json.dumps(_plain(settings), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if hasattr(v, "item") and callable(v.item):
        return v.item()
    return v


def result_key(sha256: str, exercise: str, settings: Mapping[str, Any] | str, definitions_version: str, backend: str,
               backend_options: Mapping[str, Any] | str) -> str:
    """The resume key as one string (hex digest) of the fields in this module's docstring."""
    s = settings if isinstance(settings, str) else canonical_settings(settings)
    o = backend_options if isinstance(backend_options, str) else canonical_settings(backend_options)
    text = "\x1f".join((sha256, exercise, s, str(definitions_version), backend, o))
    return hashlib.sha256(text.encode()).hexdigest()


def row_id(key: str, label: str) -> str:
    """The name of one stored result: its key and the input's label (hex, 32 characters)."""
    return hashlib.sha256(f"{key}\x1f{label}".encode()).hexdigest()[:32]


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                return h.hexdigest()
            h.update(b)


def input_kind(path: Path) -> str | None:
    from vision.sources import VIDEO_SUFFIXES

    suf = path.suffix.lower()
    if suf in VIDEO_SUFFIXES:
        return "video"
    if suf in LANDMARK_SUFFIXES:
        return "landmarks"
    return None


def _folder_files(d: Path, exclude: Sequence[Path]) -> list[Path]:
    return sorted(p for p in d.iterdir() if p.is_file() and input_kind(p) is not None and not _inside(p, exclude))


def _inside(p: Path, dirs: Sequence[Path]) -> bool:
    rp = p.resolve()
    return any(rp.is_relative_to(d) for d in dirs)


def _parse_manifest_settings(text: str, where: str) -> dict[str, Any]:
    from exercises import registry

    t = (text or "").strip()
    if not t:
        return {}
    if t.startswith("{"):
        try:
            v = json.loads(t)
        except json.JSONDecodeError as exc:
            raise InputError(f"settings are not a JSON object ({exc.msg})", where=where) from None
        if not isinstance(v, dict):
            raise InputError("settings must be a JSON object or KEY=VALUE pairs separated by ';'", where=where)
        return v
    try:
        return dict(registry.parse_sets([p.strip() for p in t.split(";") if p.strip()]))
    except InputError as exc:
        raise InputError(exc.what.replace("--set", "setting"), where=where, fix="write KEY=VALUE pairs separated by ';', "
                         "or a JSON object") from None


def _validated(exercise: str | None, sets: Mapping[str, Any], where: str) -> tuple[str, dict[str, Any], str]:
    """``(name, complete settings, definitions_version)`` or one :class:`InputError` naming ``where``."""
    from station.analyze import create_exercise, video_kinds

    if not exercise:
        raise InputError("no exercise for this input", where=where, fix="pass --exercise or give an 'exercise' column")
    try:
        ex = create_exercise(exercise, sets)
        video_kinds(ex)
    except InputError as exc:
        raise InputError(exc.what, where=where + (f" ({exc.where})" if exc.where else ""), fix=exc.fix) from None
    return ex.name, _plain(ex.settings.model_dump()), ex.definitions_version


def read_manifest(path: Path, exercise: str | None, sets: Mapping[str, Any]) -> list[BatchItem]:
    """Items of a manifest CSV (see the module docstring); every row validated."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read manifest ({exc})", where=str(path)) from None
    rows = list(csv.DictReader(text.splitlines()))
    header = [h.strip().lower() for h in (csv.DictReader(text.splitlines()).fieldnames or [])]
    if "path" not in header:
        raise InputError("manifest has no 'path' column", where=str(path), fix=f"columns: {', '.join(MANIFEST_COLUMNS)}")
    unknown = [h for h in header if h not in MANIFEST_COLUMNS]
    if unknown:
        raise InputError(f"manifest has unknown columns: {', '.join(unknown)}", where=str(path),
                         fix=f"columns: {', '.join(MANIFEST_COLUMNS)}")
    base = path.parent
    items: list[BatchItem] = []
    for i, raw in enumerate(rows, start=2):  # row 1 is the header
        r = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        where = f"{path} row {i}"
        rel = r.get("path", "")
        if not rel:
            raise InputError("empty path", where=where)
        p = Path(rel) if Path(rel).is_absolute() else base / rel
        kind = input_kind(p)
        if kind is None:
            raise InputError("not a video or landmark file (.parquet)", where=f"{where} ({rel})")
        participant = check_participant_code(r["participant"]) if r.get("participant") else None
        row_sets = {**sets, **_parse_manifest_settings(r.get("settings", ""), where)}
        name, full, dv = _validated(r.get("exercise") or exercise, row_sets, where)
        sha = (r.get("sha256") or "").lower() or None
        if sha is not None and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
            raise InputError("sha256 is not 64 hex digits", where=where)
        items.append(BatchItem(str(p), rel, kind, name, full, dv, participant, sha, where))
    if not items:
        raise InputError("manifest lists no files", where=str(path))
    return items


def collect(
    sources: Iterable[str | Path],
    exercise: str | None,
    sets: Mapping[str, Any] | None = None,
    *,
    exclude: Sequence[str | Path] = (),
) -> list[BatchItem]:
    """Every item of ``sources`` (see the module docstring), in the order given; files under
    ``exclude`` (e.g. the results folder) are left out. :class:`InputError` for a source that does
    not exist, matches nothing or is not a video, landmark file, folder or manifest."""
    sets = dict(sets or {})
    ex_dirs = [Path(e).resolve() for e in exclude]
    default: tuple[str, dict[str, Any], str] | None = None
    items: list[BatchItem] = []
    for src in sources:
        s = str(src)
        p = Path(s)
        if p.suffix.lower() in MANIFEST_SUFFIXES and p.is_file():
            items += read_manifest(p, exercise, sets)
            continue
        if any(ch in s for ch in "*?[") and not p.exists():
            files = sorted(Path(f) for f in glob.glob(s, recursive=True))
            files = [f for f in files if f.is_file() and input_kind(f) is not None and not _inside(f, ex_dirs)]
            if not files:
                raise InputError("pattern matches no video or landmark file", where=s)
            where = s
        elif p.is_dir():
            files = _folder_files(p, ex_dirs)
            if not files:
                from vision.sources import VIDEO_SUFFIXES

                raise InputError("no videos or landmark files in folder", where=s,
                                 fix=f"expected files ending in {', '.join((*VIDEO_SUFFIXES, *LANDMARK_SUFFIXES))}")
            where = s
        elif p.is_file():
            if input_kind(p) is None:
                raise InputError("not a video, landmark file (.parquet), folder or manifest (.csv)", where=s)
            files, where = [p], s
        else:
            raise InputError("file or folder not found", where=s)
        if default is None:
            default = _validated(exercise, sets, "--exercise/--set")
        name, full, dv = default
        for f in files:
            label = f.name if p.is_dir() else str(f)  # a folder's files are named relative to it: a moved folder resumes
            items.append(BatchItem(str(f), label, input_kind(f) or "", name, full, dv, None, None, where))
    if not items:
        raise InputError("nothing to score", fix="give videos, landmark files, folders, globs or a manifest")
    return items


HASH_CACHE = "_input_hashes.json"
"""In the results folder: ``{absolute path: [size, mtime_ns, sha256]}`` of inputs hashed before, so a
rerun over a large archive does not read every file again (a file whose size or modification time
changed is hashed again)."""


def with_hashes(items: Sequence[BatchItem], threads: int = 4, cache_dir: Path | None = None) -> list[BatchItem]:
    """Items with ``sha256`` filled in (read on the client, a few files at a time; with
    ``cache_dir``, unchanged files hashed by an earlier run are not read again). A file the client
    cannot read is one :class:`InputError` (give its hash in the manifest's ``sha256`` column when
    only the workers can read it)."""
    import dataclasses
    import os

    cache_file = cache_dir / HASH_CACHE if cache_dir is not None else None
    cache: dict[str, list[Any]] = {}
    if cache_file is not None:
        try:
            loaded = json.loads(cache_file.read_text(encoding="utf-8"))
            cache = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            cache = {}
    stats: dict[str, tuple[int, int]] = {}

    def one(it: BatchItem) -> BatchItem:
        if it.sha256 is not None:
            return it
        key = os.path.abspath(it.path)
        try:
            st = os.stat(it.path)
        except OSError:
            pass  # reported by the read below
        else:
            stats[key] = (st.st_size, st.st_mtime_ns)
            hit = cache.get(key)
            if isinstance(hit, list) and len(hit) == 3 and tuple(hit[:2]) == stats[key]:
                return dataclasses.replace(it, sha256=str(hit[2]))
        try:
            return dataclasses.replace(it, sha256=file_sha256(it.path))
        except OSError as exc:
            raise InputError(f"cannot read input ({exc.strerror or exc})", where=f"{it.where}: {it.path}" if it.where != it.path else it.path,
                             fix="check the path, or give the file's sha256 in the manifest when only the workers can read it") from None

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        out = list(pool.map(one, items))
    if cache_file is not None:
        for it in out:
            key = os.path.abspath(it.path)
            if key in stats and it.sha256 is not None:
                cache[key] = [*stats[key], it.sha256]  # the stat taken before hashing: a file changed meanwhile is hashed again
        tmp = cache_file.with_name(f".tmp-{HASH_CACHE}")
        try:
            tmp.write_text(json.dumps(cache), encoding="utf-8")
            os.replace(tmp, cache_file)
        except OSError as exc:
            log.warning("could not save input hashes in %s: %s", cache_file, exc)
    return out
