"""The recorder: an append-only writer on its own thread.

Producers call the ``record_*`` methods from any thread; they only put rows into an in-memory queue
and never block on the database. The writer thread inserts them in batches, committing at least
every ``flush_s`` seconds (default 0.5 s), so a crash loses at most the last second (SQLite runs in
WAL mode with ``synchronous=NORMAL``: a committed batch survives the process being killed).
Samples and landmark observations are packed by the writer thread into blocks
(:mod:`station.storage.streams`): what arrived per device (per source and kind) since the last
commit becomes one block, inserted whole in that commit, so a crash leaves only complete blocks.
``close()`` writes everything still queued before it returns (a clean stop loses nothing).
Even the end of a trial (its result and metrics) is queued, so the scoring loop never waits.

If the database fails (disk full, server gone), the rows stay queued, the failure is counted in
:attr:`Recorder.write_errors` and reported through :attr:`Recorder.last_error`, and the writer keeps
retrying; nothing already written is touched.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Table, insert, update

from station.core import (
    CalibrationRecord,
    DeviceInfo,
    ExerciseResult,
    HandObservation,
    Observation,
    PoseObservation,
    ScoreEvent,
    SensorSample,
)
from station.storage import schema as S
from station.storage.db import Database
from station.storage.streams import blocks_from_observations, blocks_from_samples, landmark_array

log = logging.getLogger(__name__)


def _json(v: Any) -> Any:
    return json.loads(json.dumps(v, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def pack_landmarks(obs: HandObservation | PoseObservation) -> bytes:
    """N x 4 float32 (x, y, z, visibility), little-endian (the old layout's ``landmarks.data``)."""
    return landmark_array(obs).tobytes()


def unpack_landmarks(data: bytes) -> np.ndarray:
    """Inverse of :func:`pack_landmarks`: N x 4 float32."""
    return np.frombuffer(data, dtype="<f4").reshape(-1, 4)


class Recorder:
    """Batched, threaded writer of one session's streams."""

    LOG_EVERY_S = 30.0
    """While writes keep failing the same way, the log repeats the error at most this often."""

    def __init__(self, db: Database, session_id: str, *, flush_s: float = 0.5) -> None:
        self.db = db
        self.session_id = session_id
        self.flush_s = flush_s
        self._pending: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        self._trial_updates: list[tuple[int, dict[str, Any]]] = []
        self._samples: dict[int, list[SensorSample]] = defaultdict(list)  # per trial, packed into blocks by the writer
        self._observations: dict[int, list[HandObservation | PoseObservation]] = defaultdict(list)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one batch in flight at a time, in order
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.rows_written = 0
        self.write_errors = 0
        self.last_error: str | None = None
        self._failed_run = 0  # failed attempts since the last successful write
        self._logged_at = float("-inf")
        self._thread = threading.Thread(target=self._run, name=f"recorder-{session_id[:8]}", daemon=True)
        self._thread.start()

    # -- producers -------------------------------------------------------------------------------
    def _put(self, table: Table, rows: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._pending[table].extend(rows)

    def record_observations(
        self, trial: int, hands: Iterable[HandObservation] = (), poses: Iterable[PoseObservation] = ()
    ) -> None:
        """Queue the observations of one frame (packed into landmark blocks by the writer)."""
        obs: list[Observation] = [*hands, *poses]
        if obs:
            with self._lock:
                self._observations[trial].extend(obs)

    def record_samples(self, trial: int, samples: Iterable[SensorSample]) -> None:
        """Queue sensor samples (packed into sample blocks by the writer)."""
        samples = list(samples)
        if samples:
            with self._lock:
                self._samples[trial].extend(samples)

    def record_events(self, events: Iterable[ScoreEvent]) -> None:
        self._put(
            S.events,
            (
                dict(
                    session_id=self.session_id,
                    trial=e.trial,
                    t_ns=e.t_ns,
                    exercise=e.exercise,
                    rep=e.rep,
                    kind=e.kind,
                    value=None if e.value is None or not np.isfinite(e.value) else float(e.value),
                    unit=e.unit,
                    payload=_json(dict(e.payload)),
                )
                for e in events
            ),
        )

    def record_device(self, info: DeviceInfo) -> None:
        self._put(S.devices, [dict(session_id=self.session_id, device_id=info.device_id, info=_json(asdict(info)))])

    def begin_trial(self, trial: int, exercise: str, settings: dict[str, Any], t_start_ns: int, *,
                    source: str = "", simulated: bool = False, place: str = "clinic") -> None:
        self._put(
            S.trials,
            [dict(session_id=self.session_id, trial=trial, exercise=exercise, settings=_json(settings), t_start_ns=t_start_ns,
                  source=source[:128], simulated=bool(simulated), place=place)],
        )

    def end_trial(self, trial: int, result: ExerciseResult, t_end_ns: int, *, status: str = "complete",
                  reason: str | None = None) -> None:
        """Queue a trial's result and metrics (written after every row queued before it)."""
        d = result.to_dict()
        rows = []
        for name, value in d["metrics"].items():
            num = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
            if num is not None and not np.isfinite(num):
                num = None
            rows.append(
                dict(
                    session_id=self.session_id,
                    trial=trial,
                    name=name,
                    exercise=result.exercise,
                    value=num,
                    text=None if num is not None or value is None else str(value)[:256],
                    unit=result.units.get(name, ""),
                    definition=result.definitions.get(name, ""),
                )
            )
        values = dict(t_end_ns=t_end_ns, reps=result.reps, result=_json({k: v for k, v in d.items() if k != "events"}),
                      status=status, reason=reason)
        with self._lock:
            self._pending[S.metrics].extend(rows)
            self._trial_updates.append((trial, values))

    def record_calibration(self, rec: CalibrationRecord) -> None:
        """Queue a calibration the session uses (with its provenance)."""
        self._put(
            S.calibrations,
            [dict(session_id=self.session_id, key=rec.key, kind=rec.kind, method=rec.method, version=rec.version,
                  params=_json(dict(rec.params)), residual=rec.residual, residual_unit=rec.residual_unit,
                  created_utc=rec.created_utc.isoformat(), software_version=rec.software_version)],
        )

    def record_file(self, kind: str, path: str, *, size: int | None = None, sha256: str | None = None,
                    meta: dict[str, Any] | None = None) -> None:
        """Queue a reference to a file kept beside the database.

        ``kind`` says what it is (``landmarks_parquet``, ``samples_parquet``, ``video``...), ``path``
        where it is, relative to the data directory (``sessions/<id>/...``).
        """
        self._put(
            S.files,
            [dict(session_id=self.session_id, kind=kind, path=path, bytes=size, sha256=sha256,
                  created_utc=datetime.now(UTC).isoformat(), meta=_json(meta or {}))],
        )

    # -- writer thread ---------------------------------------------------------------------------
    Batch = tuple[dict[Table, list[dict[str, Any]]], list[tuple[int, dict[str, Any]]]]

    def _take(self) -> Batch:
        with self._lock:
            batch, self._pending = self._pending, defaultdict(list)
            updates, self._trial_updates = self._trial_updates, []
            samples, self._samples = self._samples, defaultdict(list)
            observations, self._observations = self._observations, defaultdict(list)
        # packing happens here, on the writer's thread; blocks not written stay queued as blocks
        for trial, ss in samples.items():
            batch[S.sample_blocks].extend(blocks_from_samples(self.session_id, trial, ss))
        for trial, os_ in observations.items():
            batch[S.landmark_blocks].extend(blocks_from_observations(self.session_id, trial, os_))
        return batch, updates

    def _write(self, taken: Batch) -> bool:
        batch, updates = taken
        if not any(batch.values()) and not updates:
            return True
        order = (S.trials, S.devices, S.calibrations, S.files, S.landmark_blocks, S.sample_blocks, S.events, S.metrics)
        try:
            with self.db.engine.begin() as c:
                for table in order:
                    rows = batch.get(table)
                    if rows:
                        c.execute(insert(table), rows)
                for trial, values in updates:
                    c.execute(update(S.trials).where(S.trials.c.session_id == self.session_id, S.trials.c.trial == trial).values(**values))
        except Exception as exc:  # never let the writer thread die: keep the rows and retry
            self.write_errors += 1
            error = str(getattr(exc, "orig", None) or exc)
            now = time.monotonic()
            # one line when writing starts failing (or fails differently), then a reminder every
            # LOG_EVERY_S: a full disk retried every second must not flood the log it may share
            if error != self.last_error or now - self._logged_at >= self.LOG_EVERY_S:
                log.error("recorder could not write (%s); keeping %d rows queued, retrying (%d failed attempts so far)",
                          error, _count(batch), self._failed_run + 1)
                self._logged_at = now
            self._failed_run += 1
            self.last_error = error
            with self._lock:  # put them back in front, preserving order
                for table, rows in batch.items():
                    self._pending[table][0:0] = rows
                self._trial_updates[0:0] = updates
            return False
        self.rows_written += _count(batch)
        if self._failed_run:
            log.warning("recorder writing again after %d failed attempts; %d rows written, none lost",
                        self._failed_run, self.rows_written)
            self._failed_run = 0
        self.last_error = None
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_s)
            self._wake.clear()
            ok = self._flush_once()
            if not ok:
                time.sleep(min(1.0, self.flush_s))
        self._flush_once()

    def _flush_once(self) -> bool:
        with self._write_lock:
            return self._write(self._take())

    def flush(self) -> bool:
        """Write everything queued now (from the caller's thread); ``True`` when it all went in."""
        return self._flush_once()

    def close(self, retry_s: float = 10.0) -> None:
        """Stop the writer thread after writing everything still queued.

        When the database refuses the last rows, retries for up to ``retry_s`` seconds, then logs
        how many rows could not be written (they are lost only if the process ends).
        """
        self._stop.set()
        self._wake.set()
        self._thread.join()
        deadline = time.monotonic() + retry_s
        while (self.pending or self._trial_updates) and not self._flush_once() and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.pending or self._trial_updates:
            log.error("recorder closed with %d rows it could not write: %s", self.pending, self.last_error)

    @property
    def pending(self) -> int:
        """Rows queued and not yet written (each sample and landmark observation counts as one)."""
        with self._lock:
            return (_count(self._pending) + len(self._trial_updates) + sum(map(len, self._samples.values()))
                    + sum(map(len, self._observations.values())))


def _count(batch: dict[Table, list[dict[str, Any]]]) -> int:
    """Rows in a batch, a block counting as the samples or observations it holds."""
    return sum(sum(r["n"] for r in rows) if table in (S.sample_blocks, S.landmark_blocks) else len(rows) for table, rows in batch.items())
