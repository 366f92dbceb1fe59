"""The worker side of a batch: score one input into one result row, with models kept per process.

Every executor (in-process, local process pool, Dask workers) runs :func:`score` in a worker
process. :func:`score` never raises: a file that cannot be decoded, a landmark file that is not one,
a model error, anything, becomes a row with ``status = "error"`` and the reason in ``error`` (metrics
empty), so one bad file never costs another file's result.

Models are loaded once per worker process and kept (:class:`ModelCache`): a tracker is taken from
the cache for a file, reset after it (:meth:`vision.trackers.HandTracker.reset`: graph restarted,
same loaded model), and given back, so the next file is tracked exactly as by a fresh tracker. A
tracker without ``reset`` (another backend) is closed after each file instead. Several threads in
one worker each get their own tracker (MediaPipe graphs are not shared between threads).
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from station.analyze import TrackerOptions
from vision.trackers import TrackKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to score one input (plain values: pickled to other processes)."""

    row_id: str
    key: str
    path: str
    label: str
    kind: str
    exercise: str
    settings: Mapping[str, Any]
    definitions_version: str
    participant: str | None
    sha256: str
    options: TrackerOptions
    smoothing: bool = True
    workspace: str | None = None
    """Camera id whose stored workspace calibration maps hands to plane millimetres (local runs)."""

    @property
    def backend(self) -> str:
        return "replay" if self.kind == "landmarks" else self.options.backend

    def backend_options(self) -> dict[str, Any]:
        """What changes the landmarks or their filtering, beside the backend's name (part of the key)."""
        extra = {} if self.workspace is None else {"workspace": self.workspace}
        if self.kind == "landmarks":
            return {"smoothing": self.smoothing, **extra}
        o = self.options
        return {"hand_complexity": o.hand_complexity, "max_hands": o.max_hands, "pose_complexity": o.pose_complexity,
                "mirrored": o.mirrored, "hands_from_pose": o.hands_from_pose, "num_poses": o.num_poses, "zoom": o.zoom,
                "smoothing": self.smoothing, **extra}


CacheKey = tuple[tuple[TrackKind, ...], TrackerOptions]


class ModelCache:
    """Trackers kept by one worker process, keyed by (kinds, options); thread-safe.

    ``loaded`` counts models built, ``reused`` files served by a kept one (both per process).
    """

    def __init__(self) -> None:
        self._free: dict[CacheKey, list[Any]] = {}
        self._lock = threading.Lock()
        self.loaded = 0
        self.reused = 0

    def acquire(self, kinds: Iterable[TrackKind], options: TrackerOptions) -> tuple[Any, bool]:
        """A tracker for ``kinds`` with ``options`` and whether it was just loaded."""
        from station.analyze import build_tracker

        key: CacheKey = (tuple(kinds), options)
        with self._lock:
            free = self._free.get(key)
            if free:
                self.reused += 1
                return free.pop(), False
        trk = build_tracker(list(key[0]), options)
        with self._lock:
            self.loaded += 1
        return trk, True

    def release(self, kinds: Iterable[TrackKind], options: TrackerOptions, trk: Any, *, healthy: bool) -> None:
        """Give a tracker back after a file: reset and kept, or closed when it failed or cannot reset."""
        reset = getattr(trk, "reset", None)
        if healthy and callable(reset):
            try:
                reset()
            except Exception:
                log.warning("tracker reset failed; it is closed and loaded again for the next file", exc_info=True)
            else:
                with self._lock:
                    self._free.setdefault((tuple(kinds), options), []).append(trk)
                return
        trk.close()

    def preload(self, specs: Iterable[CacheKey]) -> None:
        """Load one tracker per spec now (worker start-up), so no file pays for it."""
        for kinds, options in specs:
            trk, _ = self.acquire(kinds, options)
            self.release(kinds, options, trk, healthy=True)

    def close(self) -> None:
        with self._lock:
            trackers = [t for ts in self._free.values() for t in ts]
            self._free.clear()
        for t in trackers:
            t.close()


_CACHE = ModelCache()


def worker_cache() -> ModelCache:
    """This process's model cache (one per worker process)."""
    return _CACHE


def quiet_worker() -> None:
    """Keep third-party start-up chatter off the terminal in worker processes (the client reports)."""
    import warnings

    warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated", category=UserWarning)
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pool_initializer(specs: list[CacheKey]) -> None:
    """Process-pool worker start: quiet logs, load the models once."""
    quiet_worker()
    try:
        _CACHE.preload(specs)
    except Exception:  # reported per file by score(), which tries again
        log.warning("model preload failed", exc_info=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def base_row(task: Task) -> dict[str, Any]:
    """The identity and provenance columns of ``task``'s row (no result yet)."""
    from station import __version__
    from station.batch.inputs import canonical_settings

    return {
        "row_id": task.row_id, "key": task.key, "input_path": task.label, "input_sha256": task.sha256,
        "input_kind": task.kind, "participant": task.participant, "exercise": task.exercise,
        "settings": canonical_settings(task.settings), "definitions_version": task.definitions_version,
        "backend": task.backend, "backend_options": canonical_settings(task.backend_options()),
        "model": None, "software_version": __version__, "status": "error", "error": None,
        "reps": None, "frames": None, "frames_with_detection": None, "duration_s": None, "processing_fps": None,
        "metrics": None, "units": None, "result_json": None, "worker": _worker_name(), "model_loaded": False,
        "started_at": _now(), "finished_at": None, "wall_s": None,
    }


def error_row(task: Task, error: str) -> dict[str, Any]:
    """A failed row for ``task`` (also built by the client when a worker died)."""
    row = base_row(task)
    row.update(status="error", error=error, finished_at=_now(), wall_s=0.0)
    return row


def _numeric(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float) and math.isfinite(float(v)):
        return float(v)
    return None


def score(task: Task) -> dict[str, Any]:
    """Score ``task``'s file into one result row; never raises (see the module docstring)."""
    from station.analyze import analyze, analyze_landmarks, create_exercise, video_kinds
    from station.core import StationError
    from vision.smoothing import SmoothingSettings

    row = base_row(task)
    t0 = time.perf_counter()
    smoothing = SmoothingSettings(enabled=task.smoothing)
    try:
        if task.kind == "landmarks":
            res = analyze_landmarks(task.path, task.exercise, dict(task.settings), smoothing=smoothing, workspace=task.workspace)
        else:
            kinds = video_kinds(create_exercise(task.exercise, dict(task.settings)))
            trk, loaded = _CACHE.acquire(kinds, task.options)
            row["model_loaded"] = loaded
            healthy = False
            try:
                res = analyze(task.path, task.exercise, dict(task.settings), options=task.options, smoothing=smoothing, tracker=trk,
                              workspace=task.workspace)
                healthy = True
            except StationError:
                healthy = True  # a file we refused (unreadable, empty): the model itself is fine
                raise
            finally:
                _CACHE.release(kinds, task.options, trk, healthy=healthy)
        d = res.to_dict()
        if str(d["definitions_version"]) != str(task.definitions_version):
            # A worker running other software than the client: its result is not what was asked for.
            raise StationError(f"this worker scores '{task.exercise}' with definitions_version {d['definitions_version']}, "
                               f"the client asked for {task.definitions_version} (install the same motor-station on every worker)")
    except StationError as exc:
        row.update(error=str(exc))
    except Exception as exc:  # a decoder or model failure on one file must not stop the batch
        log.warning("scoring %s failed", task.path, exc_info=True)
        row.update(error=f"{type(exc).__name__}: {exc}")
    else:
        metrics = d["metrics"]
        row.update(
            status="ok", model=d["model"], reps=int(d["reps"]), frames=int(d["frames"]),
            frames_with_detection=int(d["frames_with_detection"]), duration_s=float(d["duration_s"]),
            processing_fps=float(d["processing_fps"]),
            metrics=[(k, _numeric(v)) for k, v in metrics.items()],
            units=[(k, str(u)) for k, u in d["units"].items()],
            result_json=json.dumps(d, sort_keys=True, allow_nan=False),
        )
    row["wall_s"] = time.perf_counter() - t0
    row["finished_at"] = _now()
    return row
