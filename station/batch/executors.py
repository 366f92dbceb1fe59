"""Where batch tasks run: in this process, a local process pool, or Dask distributed.

Each executor takes :class:`station.batch.work.Task` s and yields ``(task, row)`` as each file
finishes (not in submission order). A worker that dies (a crash in native code, the out-of-memory
killer) costs only the files it was scoring: they come back as ``error`` rows, the rest go on.

- :class:`InlineExecutor`: one file after another in this process (``--jobs 1``).
- :class:`PoolExecutor`: a ``spawn`` process pool, models loaded once per process by the pool's
  initializer. The fallback for ``--jobs N`` when Dask is not installed.
- :class:`DaskExecutor`: a Dask ``distributed`` client, either on a running scheduler
  (``--cluster tcp://host:8786``) or on a :class:`distributed.LocalCluster` it starts (``--jobs N``
  worker processes x ``--threads T`` threads, every port on 127.0.0.1, the scheduler's HTTP port a free one). Models are loaded
  once per worker by a ``WorkerPlugin`` (:mod:`station.batch.dask_plugin`) and kept in the worker's
  :class:`station.batch.work.ModelCache`.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from station.analyze import create_exercise, video_kinds
from station.batch.work import CacheKey, Task, error_row, quiet_worker, score, worker_cache
from station.core import InputError

log = logging.getLogger(__name__)

Spec = CacheKey


class Executor(Protocol):
    name: str
    workers: int

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]: ...

    def close(self) -> None: ...


def model_specs(tasks: Sequence[Task]) -> list[Spec]:
    """The distinct (tracker kinds, options) the video tasks need: what each worker loads at start."""
    specs: dict[Spec, None] = {}
    for t in tasks:
        if t.kind == "video":
            specs[(tuple(video_kinds(create_exercise(t.exercise, dict(t.settings)))), t.options)] = None
    return list(specs)


def dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


class InlineExecutor:
    """Every file in this process, one after another (models kept in this process's cache)."""

    name = "in-process"
    workers = 1

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        for t in tasks:
            yield t, score(t)

    def close(self) -> None:
        worker_cache().close()


class PoolExecutor:
    """A local ``spawn`` process pool (MediaPipe runs threads: forking a process that has them is unsafe)."""

    name = "process pool"

    def __init__(self, jobs: int) -> None:
        self.workers = max(1, jobs)
        self.name = f"process pool ({self.workers} processes)"
        self._pool: ProcessPoolExecutor | None = None

    def _start(self, specs: list[Spec]) -> ProcessPoolExecutor:
        from station.batch.work import pool_initializer

        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=pool_initializer, initargs=(specs,))

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        specs = model_specs(tasks)
        pending = list(tasks)
        crashed: dict[str, int] = {}
        while pending:
            self._pool = self._start(specs)
            futs: dict[Future[dict[str, Any]], Task] = {self._pool.submit(score, t): t for t in pending}
            pending = []
            broken = False
            while futs:
                done, _ = wait(futs, return_when=FIRST_COMPLETED)
                for f in done:
                    t = futs.pop(f)
                    try:
                        yield t, f.result()
                    except BrokenProcessPool:
                        # Every unfinished file of a broken pool fails alike; which one killed the
                        # worker is unknown: each gets one more try in a new pool, then an error row.
                        crashed[t.row_id] = crashed.get(t.row_id, 0) + 1
                        broken = True
                        if crashed[t.row_id] >= 2:
                            yield t, error_row(t, "a worker process died while scoring this file (twice)")
                        else:
                            pending.append(t)
                    except Exception as exc:
                        yield t, error_row(t, f"worker failed: {type(exc).__name__}: {exc}")
            self._pool.shutdown(wait=not broken, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """Dask distributed: a scheduler at ``address``, or a LocalCluster of ``jobs`` x ``threads``."""

    name = "dask"

    def __init__(self, address: str | None = None, *, jobs: int = 2, threads: int = 1, local_directory: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError("Dask is not installed", fix="pip install 'motor-station[cluster]' (or drop --cluster)") from None
        self.cluster: Any = None
        if not logging.getLogger().isEnabledFor(logging.DEBUG):  # --verbose shows Dask's own log
            logging.getLogger("distributed").setLevel(logging.ERROR)  # the client reports what matters, one line each
        try:
            if address is not None:
                self.client = Client(address, timeout="10s")
            else:
                self.cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=max(1, threads), processes=True,
                                            host="127.0.0.1", dashboard_address="127.0.0.1:0", local_directory=local_directory,
                                            silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            self._close_cluster()
            raise InputError(f"cannot reach the Dask scheduler ({exc})", where=address or "local cluster",
                             fix="start it with 'dask scheduler' and workers with 'dask worker ADDRESS' (docs/CLUSTER.md)") from None
        info = self.client.scheduler_info()
        self.workers = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()) or 1
        self.name = f"dask ({address}, {self.workers} worker threads)" if address else f"dask local cluster ({max(1, jobs)} x {max(1, threads)} threads)"

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, dict[str, Any]]]:
        from distributed import as_completed

        from station.batch.dask_plugin import ModelPlugin

        self.client.register_plugin(ModelPlugin(model_specs(tasks)))
        import uuid

        run = uuid.uuid4().hex[:8]
        futs = {}
        for t in tasks:
            f = self.client.submit(score, t, key=f"motor-station-score-{t.row_id}-{run}", pure=False)
            futs[f.key] = (f, t)
        try:
            for f in as_completed([f for f, _ in futs.values()]):
                t = futs[f.key][1]
                try:
                    row = f.result()
                except Exception as exc:  # KilledWorker (a worker died on it), a cancelled task...
                    row = error_row(t, f"worker failed: {type(exc).__name__}: {exc}")
                f.release()
                yield t, row
        finally:
            self.client.cancel([f for f, _ in futs.values() if not f.done()])

    def _close_cluster(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            self._close_cluster()


def make_executor(kind: str = "auto", *, jobs: int = 1, threads: int = 1, cluster: str | None = None,
                  local_directory: str | None = None) -> Executor:
    """The executor for ``kind`` (``auto``, ``inline``, ``pool``, ``dask``).

    ``auto``: Dask on ``cluster`` when given; else in-process for ``jobs == 1``; else a Dask
    LocalCluster when Dask is installed, the local process pool when not.
    """
    if cluster is not None:
        if kind not in ("auto", "dask"):
            raise InputError(f"--cluster runs on Dask, not '{kind}'", fix="drop --executor or --cluster")
        return DaskExecutor(cluster)
    if kind == "auto":
        kind = "inline" if jobs <= 1 and threads <= 1 else ("dask" if dask_available() else "pool")
    if kind == "inline":
        quiet_worker()
        return InlineExecutor()
    if kind == "pool":
        return PoolExecutor(jobs)
    if kind == "dask":
        return DaskExecutor(None, jobs=jobs, threads=threads, local_directory=local_directory)
    raise InputError(f"unknown executor '{kind}'", fix="choose auto, inline, pool or dask")
