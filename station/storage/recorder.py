"""The recorder: an append-only writer on its own thread.

Producers call the ``record_*`` methods from any thread; they only put rows into an in-memory queue
and never block on the database. The writer thread inserts them in batches, committing at least
every ``flush_s`` seconds (default 0.5 s), so a crash loses at most the last second. ``close()``
writes everything still queued before it returns (a clean stop loses nothing).

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
from typing import Any

import numpy as np
from sqlalchemy import Table, insert, update
from sqlalchemy.exc import SQLAlchemyError

from exercises.base import ExerciseResult
from station.core import DeviceInfo, HandObservation, PoseObservation, ScoreEvent, SensorSample
from station.storage import schema as S
from station.storage.db import Database

log = logging.getLogger(__name__)


def _json(v: Any) -> Any:
    return json.loads(json.dumps(v, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def pack_landmarks(obs: HandObservation | PoseObservation) -> bytes:
    """N x 4 float32 (x, y, z, visibility), little-endian."""
    n = obs.landmarks.shape[0]
    arr = np.empty((n, 4), dtype="<f4")
    arr[:, :3] = obs.landmarks[:, :3]
    arr[:, 3] = obs.visibility if obs.visibility is not None else np.nan
    return arr.tobytes()


def unpack_landmarks(data: bytes) -> np.ndarray:
    """Inverse of :func:`pack_landmarks`: N x 4 float32."""
    return np.frombuffer(data, dtype="<f4").reshape(-1, 4)


class Recorder:
    """Batched, threaded writer of one session's streams."""

    def __init__(self, db: Database, session_id: str, *, flush_s: float = 0.5) -> None:
        self.db = db
        self.session_id = session_id
        self.flush_s = flush_s
        self._pending: dict[Table, list[dict[str, Any]]] = defaultdict(list)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one batch in flight at a time, in order
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.rows_written = 0
        self.write_errors = 0
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"recorder-{session_id[:8]}", daemon=True)
        self._thread.start()

    # -- producers -------------------------------------------------------------------------------
    def _put(self, table: Table, rows: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._pending[table].extend(rows)

    def record_observations(
        self, trial: int, hands: Iterable[HandObservation] = (), poses: Iterable[PoseObservation] = ()
    ) -> None:
        """Queue landmark rows for the observations of one frame."""
        rows = []
        for kind, obs_list in (("hand", hands), ("pose", poses)):
            for obs in obs_list:
                rows.append(
                    dict(
                        session_id=self.session_id,
                        trial=trial,
                        source_id=obs.source_id,
                        frame_seq=obs.frame_seq,
                        t_ns=obs.t_ns,
                        kind=kind,
                        person=obs.person,
                        handedness=getattr(obs, "handedness", None),
                        score=float(obs.score),
                        model=obs.model,
                        width=obs.image_size[0],
                        height=obs.image_size[1],
                        data=pack_landmarks(obs),
                    )
                )
        if rows:
            self._put(S.landmarks, rows)

    def record_samples(self, trial: int, samples: Iterable[SensorSample]) -> None:
        self._put(
            S.samples,
            (
                dict(
                    session_id=self.session_id,
                    trial=trial,
                    device_id=s.device_id,
                    seq=s.seq,
                    t_ns=s.t_ns,
                    t_arrival_ns=s.t_arrival_ns,
                    device_time_us=s.device_time_us,
                    flags=int(s.flags),
                    values=list(s.values),
                )
                for s in samples
            ),
        )

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

    def begin_trial(self, trial: int, exercise: str, settings: dict[str, Any], t_start_ns: int) -> None:
        self._put(
            S.trials,
            [dict(session_id=self.session_id, trial=trial, exercise=exercise, settings=_json(settings), t_start_ns=t_start_ns)],
        )

    def end_trial(self, trial: int, result: ExerciseResult, t_end_ns: int) -> None:
        """Store a trial's result and metrics (waits for rows queued before it, so order holds)."""
        self.flush()
        d = result.to_dict()
        with self.db.engine.begin() as c:
            c.execute(
                update(S.trials)
                .where(S.trials.c.session_id == self.session_id, S.trials.c.trial == trial)
                .values(t_end_ns=t_end_ns, reps=result.reps, result={k: v for k, v in d.items() if k != "events"})
            )
            rows = []
            for name, value in d["metrics"].items():
                num = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
                rows.append(
                    dict(
                        session_id=self.session_id,
                        trial=trial,
                        name=name,
                        exercise=result.exercise,
                        value=num,
                        text=None if num is not None or value is None else str(value),
                        unit=result.units.get(name, ""),
                        definition=result.definitions.get(name, ""),
                    )
                )
            if rows:
                c.execute(insert(S.metrics), rows)

    # -- writer thread ---------------------------------------------------------------------------
    def _take(self) -> dict[Table, list[dict[str, Any]]]:
        with self._lock:
            batch, self._pending = self._pending, defaultdict(list)
        return batch

    def _write(self, batch: dict[Table, list[dict[str, Any]]]) -> bool:
        if not any(batch.values()):
            return True
        order = (S.trials, S.devices, S.landmarks, S.samples, S.events)
        try:
            with self.db.engine.begin() as c:
                for table in order:
                    rows = batch.get(table)
                    if rows:
                        c.execute(insert(table), rows)
        except SQLAlchemyError as exc:
            self.write_errors += 1
            self.last_error = str(exc.orig if hasattr(exc, "orig") else exc)
            log.error("recorder could not write (%s); keeping %d rows queued", self.last_error, sum(map(len, batch.values())))
            with self._lock:  # put them back in front, preserving order
                for table, rows in batch.items():
                    self._pending[table][0:0] = rows
            return False
        self.rows_written += sum(len(r) for r in batch.values())
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

    def close(self) -> None:
        """Stop the writer thread after writing everything still queued."""
        self._stop.set()
        self._wake.set()
        self._thread.join()
        if any(self._pending.values()):
            self._flush_once()

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._pending.values())
