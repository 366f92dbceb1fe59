"""Saving landmark streams to Parquet and replaying them in place of the model.

File format (``motor-station-landmarks``, version 1)
----------------------------------------------------
One Parquet file per stream, written with pyarrow. One row per observation (a hand or a person in a
frame) and one row with ``kind = null`` for every processed frame *without* a detection, so a replay
knows about every frame the model saw (exercises need frames without detections to flag gaps).

=================  ==============  ==========================================================
column             type            meaning
=================  ==============  ==========================================================
``source_id``      string          the frame source (file name, ``camera0``)
``seq``            int64           frame sequence number of the source
``t_ns``           int64           frame capture time, ns on the session clock (for files
                                   analysed by ``station analyze``/``track``: the file's own
                                   time, starting at 0)
``width``          int32           frame width, px
``height``         int32           frame height, px
``frame_latency_ns`` int64         total inference time of the frame, ns
``t_done_ns``      int64           session clock when tracking of the frame finished (for files
                                   analysed offline: the host clock, not file time)
``kind``           string|null     ``hand``, ``pose``, or null (no detection in the frame)
``person``         int16           index of the hand/person in the frame
``handedness``     string|null     anatomical hand (``Left``/``Right``), hands only
``score``          float64         detection confidence 0..1
``model``          string          model name/version
``latency_ns``     int64           inference time of this observation's model, ns
``gap_frames``     int32           frames without this track just before (0 in raw streams)
``landmarks``      list<float32>   N x 3 flattened row-major: normalised x, y (unmirrored image),
                                   relative depth z
``visibility``     list<float32>|null  N visibilities 0..1 (pose)
``world``          list<float32>|null  N x 3 metres in the model frame
=================  ==============  ==========================================================

The file's key-value metadata holds ``format``, ``format_version``, ``source``, ``model``, ``kinds``
and a JSON ``info`` object (tracker settings, software version). Raw tracker output is saved (before
smoothing), so a re-scoring applies the same (or a different) filter to exactly the model's output;
float32 landmarks round-trip bit-exactly.

Rows are written in row groups of ``batch`` frames; the file is complete (readable) once closed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from station.core import Frame, HandObservation, InputError, Observation, PoseObservation, SessionClock, SystemClock, TrackedFrame

log = logging.getLogger(__name__)

FORMAT = "motor-station-landmarks"
FORMAT_VERSION = 1

SCHEMA = pa.schema([
    ("source_id", pa.string()),
    ("seq", pa.int64()),
    ("t_ns", pa.int64()),
    ("width", pa.int32()),
    ("height", pa.int32()),
    ("frame_latency_ns", pa.int64()),
    ("t_done_ns", pa.int64()),
    ("kind", pa.string()),
    ("person", pa.int16()),
    ("handedness", pa.string()),
    ("score", pa.float64()),
    ("model", pa.string()),
    ("latency_ns", pa.int64()),
    ("gap_frames", pa.int32()),
    ("landmarks", pa.list_(pa.float32())),
    ("visibility", pa.list_(pa.float32())),
    ("world", pa.list_(pa.float32())),
])


def _flat(a: Any) -> list[float] | None:
    return None if a is None else np.asarray(a, dtype=np.float32).ravel().tolist()


class LandmarkWriter:
    """Append :class:`TrackedFrame` s to a Parquet file.

    Parameters
    ----------
    path: the file to create; an existing file is never overwritten (:class:`InputError`) unless
        ``overwrite=True``.
    source, model, kinds: what produced the stream (stored in the file metadata).
    info: extra JSON-serialisable provenance (tracker settings, software version).
    batch: frames per row group.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        source: str = "",
        model: str = "",
        kinds: Sequence[str] = (),
        info: dict[str, Any] | None = None,
        batch: int = 256,
        overwrite: bool = False,
    ) -> None:
        self.path = Path(path)
        if self.path.exists() and not overwrite:
            raise InputError("output file exists (never overwritten)", where=str(self.path), fix="choose another name or pass --force")
        if not self.path.parent.exists():
            raise InputError("output folder does not exist", where=str(self.path.parent))
        meta = {
            "format": FORMAT,
            "format_version": str(FORMAT_VERSION),
            "source": source,
            "model": model,
            "kinds": ",".join(kinds),
            "info": json.dumps(info or {}),
        }
        self._schema = SCHEMA.with_metadata(meta)
        self._writer = pq.ParquetWriter(str(self.path), self._schema)
        self._rows: dict[str, list[Any]] = {n: [] for n in SCHEMA.names}
        self._pending = 0
        self.batch = batch
        self.frames = 0
        self.observations = 0

    def _row(self, tf: TrackedFrame, obs: HandObservation | PoseObservation | None) -> None:
        r = self._rows
        r["source_id"].append(tf.source_id)
        r["seq"].append(tf.seq)
        r["t_ns"].append(tf.t_ns)
        r["width"].append(tf.image_size[0])
        r["height"].append(tf.image_size[1])
        r["frame_latency_ns"].append(tf.latency_ns)
        r["t_done_ns"].append(tf.t_done_ns)
        if obs is None:
            for k in ("kind", "person", "handedness", "score", "model", "latency_ns", "gap_frames", "landmarks", "visibility", "world"):
                r[k].append(None)
            return
        r["kind"].append("hand" if isinstance(obs, HandObservation) else "pose")
        r["person"].append(obs.person)
        r["handedness"].append(obs.handedness if isinstance(obs, HandObservation) else None)
        r["score"].append(float(obs.score))
        r["model"].append(obs.model)
        r["latency_ns"].append(obs.latency_ns)
        r["gap_frames"].append(obs.gap_frames)
        r["landmarks"].append(_flat(obs.landmarks))
        r["visibility"].append(_flat(obs.visibility))
        r["world"].append(_flat(obs.world))
        self.observations += 1

    def write(self, tf: TrackedFrame) -> None:
        """Append one tracked frame (with or without detections)."""
        obs: tuple[Observation, ...] = (*tf.hands, *tf.poses)
        if not obs:
            self._row(tf, None)
        for o in obs:
            self._row(tf, o)
        self.frames += 1
        self._pending += 1
        if self._pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.table(self._rows, schema=self._schema))
            self._rows = {n: [] for n in SCHEMA.names}
            self._pending = 0

    def close(self) -> None:
        if self._writer is not None:
            self.flush()
            self._writer.close()
            self._writer = None

    def __enter__(self) -> LandmarkWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The file's metadata (``format``, ``format_version``, ``source``, ``model``, ``kinds``, ``info``)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("landmark file not found", where=str(p))
    try:
        raw = pq.read_schema(str(p)).metadata or {}
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError("not a Parquet landmark file", where=str(p), fix=str(exc)) from None
    meta = {k.decode(): v.decode() for k, v in raw.items() if not k.startswith(b"ARROW")}
    if meta.get("format") != FORMAT:
        raise InputError("not a Motor Station landmark file", where=str(p), fix="write one with 'station track'")
    if int(meta.get("format_version", "0")) > FORMAT_VERSION:
        raise InputError(f"landmark file format {meta['format_version']} is newer than this station reads ({FORMAT_VERSION})", where=str(p))
    return {
        "format": meta["format"],
        "format_version": int(meta["format_version"]),
        "source": meta.get("source", ""),
        "model": meta.get("model", ""),
        "kinds": tuple(k for k in meta.get("kinds", "").split(",") if k),
        "info": _info(meta.get("info", "{}"), p),
    }


def _info(text: str, p: Path) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise InputError("landmark file metadata is damaged", where=str(p), fix="write it again with 'station track'") from None


def _list_column(table: pa.Table, name: str) -> tuple[NDArray[np.float32], np.ndarray, np.ndarray]:
    """(values, offsets, is_null) of a list<float32> column, without Python objects per row."""
    arr = table.column(name).combine_chunks()
    if arr.offset:  # pragma: no cover - combine_chunks gives offset 0 for freshly read files
        arr = pa.concat_arrays([arr])
    values = arr.values.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    offsets = arr.offsets.to_numpy()
    nulls = arr.is_null().to_numpy(zero_copy_only=False)
    return values, offsets, nulls


def read_landmarks(path: str | Path) -> list[TrackedFrame]:
    """All tracked frames of a landmark file, in file order (float32 arrays, bit-exact).

    A damaged file (corrupt pages, missing or retyped columns) is an :class:`InputError` naming it.
    """
    read_metadata(path)
    try:
        return _read_landmarks(path)
    except (KeyError, ValueError, TypeError, IndexError, OSError, pa.ArrowException) as exc:
        raise InputError("landmark file is damaged", where=str(path),
                         fix=f"write it again with 'station track' ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None


def _read_landmarks(path: str | Path) -> list[TrackedFrame]:
    table = pq.read_table(str(path))
    n = table.num_rows
    col = {name: table.column(name).to_pylist() for name in ("source_id", "kind", "handedness", "model")}
    num = {name: table.column(name).to_numpy(zero_copy_only=False)
           for name in ("seq", "t_ns", "width", "height", "frame_latency_ns", "t_done_ns")}
    opt = {name: table.column(name).to_pylist() for name in ("person", "score", "latency_ns", "gap_frames")}
    lists = {name: _list_column(table, name) for name in ("landmarks", "visibility", "world")}

    def arr(name: str, i: int, cols: int) -> NDArray[np.float32] | None:
        values, offsets, nulls = lists[name]
        if nulls[i]:
            return None
        a = values[offsets[i]:offsets[i + 1]].copy()
        return a.reshape(-1, cols) if cols > 1 else a

    out: list[TrackedFrame] = []
    i = 0
    while i < n:
        j = i
        key = (col["source_id"][i], int(num["seq"][i]))
        hands: list[HandObservation] = []
        poses: list[PoseObservation] = []
        while j < n and (col["source_id"][j], int(num["seq"][j])) == key:
            kind = col["kind"][j]
            if kind is not None:
                landmarks = arr("landmarks", j, 3)
                if landmarks is None:
                    raise ValueError(f"row {j} is a {kind} observation without landmarks")
                common = (key[0], key[1], int(num["t_ns"][j]), landmarks, (int(num["width"][j]), int(num["height"][j])),
                          arr("visibility", j, 1), arr("world", j, 3), None, opt["score"][j], col["model"][j],
                          opt["latency_ns"][j], opt["person"][j], opt["gap_frames"][j])
                if kind == "hand":
                    hands.append(HandObservation(*common, col["handedness"][j]))
                else:
                    poses.append(PoseObservation(*common))
            j += 1
        out.append(TrackedFrame(key[0], key[1], int(num["t_ns"][i]), (int(num["width"][i]), int(num["height"][i])),
                                tuple(hands), tuple(poses), int(num["frame_latency_ns"][i]), int(num["t_done_ns"][i])))
        i = j
    return out


class ReplayTracker:
    """Saved landmarks standing in for the model (the :class:`~vision.trackers.Tracker` protocol).

    Two ways to use it:

    * as a tracker, beside the original video: :meth:`process` returns the saved observations of
      the frame with the same ``seq`` (re-stamped to the frame's ``t_ns``), or an empty
      ``TrackedFrame`` when the file has none;
    * without video: iterate it (:meth:`__iter__`) to get the saved ``TrackedFrame`` s in order,
      shifted by ``t0_ns`` and paced on the clock when ``timing="own"``.
    """

    def __init__(self, path: str | Path, *, timing: str = "none", clock: SessionClock | None = None, t0_ns: int = 0) -> None:
        self.path = Path(path)
        self.meta = read_metadata(self.path)
        self.frames = read_landmarks(self.path)
        self._by_seq = {tf.seq: tf for tf in self.frames}
        self.kinds = tuple(self.meta["kinds"])
        self.model = f"replay:{self.meta['model']}"
        self.timing = timing
        self.clock: SessionClock = clock if clock is not None else SystemClock()
        self.t0_ns = t0_ns

    def process(self, frame: Frame) -> TrackedFrame:
        tf = self._by_seq.get(frame.seq)
        if tf is None:
            return TrackedFrame(frame.source_id, frame.seq, frame.t_ns, (frame.width, frame.height), t_done_ns=self.clock.now_ns())
        return _shift(tf, frame.t_ns - tf.t_ns) if tf.t_ns != frame.t_ns else tf

    def __iter__(self) -> Iterator[TrackedFrame]:
        for tf in self.frames:
            out = _shift(tf, self.t0_ns) if self.t0_ns else tf
            if self.timing == "own":
                self.clock.sleep_until(out.t_ns)
            yield out

    def __len__(self) -> int:
        return len(self.frames)

    def close(self) -> None:
        pass


def _shift(tf: TrackedFrame, dt: int) -> TrackedFrame:
    import dataclasses

    return dataclasses.replace(
        tf,
        t_ns=tf.t_ns + dt,
        t_done_ns=tf.t_done_ns + dt,
        hands=tuple(dataclasses.replace(h, t_ns=h.t_ns + dt) for h in tf.hands),
        poses=tuple(dataclasses.replace(p, t_ns=p.t_ns + dt) for p in tf.poses),
    )
