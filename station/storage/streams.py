"""Sample and landmark streams in blocks: building them, reading them back, re-packing old rows.

A *block* is one row of ``sample_blocks`` (one device's samples of one trial, about half a second:
what the recorder gathered between two commits, at most :data:`MAX_BLOCK_ROWS` rows and
:data:`MAX_BLOCK_NS` long) or of ``landmark_blocks`` (one source's hand or pose observations of one
trial). Its payload holds the columns (:mod:`station.storage.codec`); beside it the first/last time
and sequence number, the count, the OR of the flags and a CRC-32, so a reader picks blocks by time
without opening them.

Reading
-------
:func:`read_samples` and :func:`read_landmarks` are the one way to read streams (exports, reports,
replays); they yield typed batches (:class:`SampleBatch`, :class:`LandmarkBatch`) of numpy columns,
read only the blocks overlapping a queried time range, and read rows still in the old
one-row-per-sample tables the same way (a database from before revision 0003 not yet re-packed).
Order: samples by device, then time, then the order they were written; landmarks by trial, time,
kind, person, then write order. A block that does not decode (CRC or format) raises
:class:`DamagedBlockError`, one line naming the session, the device (or source) and the time range.

Times are session-clock nanoseconds (:mod:`station.core.clock`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, and_, delete, func, insert, select
from sqlalchemy import Table as SATable

from station.core import HandObservation, InputError, PoseObservation, SensorSample
from station.storage import schema as S
from station.storage.codec import CODEC, PayloadError, checksum, decode_columns, encode_columns

log = logging.getLogger(__name__)

MAX_BLOCK_ROWS = 2048
"""Most samples (or observations) in one block."""
MAX_BLOCK_NS = 1_000_000_000
"""Longest time span of one block (1 s)."""
OUT_CHUNK = 50_000
"""Samples per batch the readers yield (fewer in the last batch of a device)."""


class DamagedBlockError(InputError):
    """A stored block whose payload does not decode (wrong checksum, truncated, unknown format)."""


# -- typed batches --------------------------------------------------------------------------------
@dataclass
class SampleBatch:
    """Samples of one device, in time order (numpy columns of equal length ``n``).

    ``device_time_us`` is ``None`` where the device gives no clock (mask ``device_time_null``);
    ``values`` is n x channels float64 with ``values_null`` marking missing values (``None``);
    sample ``i`` holds ``widths[i]`` values (fewer than the batch's columns only where a device's
    channel count changed: the rest is padding, also marked null).
    """

    device_id: str
    trial: np.ndarray
    seq: np.ndarray
    t_ns: np.ndarray
    t_arrival_ns: np.ndarray
    device_time_us: np.ndarray
    device_time_null: np.ndarray
    flags: np.ndarray
    values: np.ndarray
    values_null: np.ndarray
    widths: np.ndarray

    def __len__(self) -> int:
        return len(self.t_ns)

    def samples(self, channels: Sequence[str] = (), units: Sequence[str] = ()) -> Iterator[SensorSample]:
        """The batch as :class:`SensorSample` s (for replays and re-scoring)."""
        from station.core import SampleFlag

        for i, v in enumerate(self.value_lists()):
            yield SensorSample(self.device_id, int(self.seq[i]), int(self.t_ns[i]), int(self.t_arrival_ns[i]),
                               None if self.device_time_null[i] else int(self.device_time_us[i]), tuple(v),  # type: ignore[arg-type]
                               tuple(channels), tuple(units), SampleFlag(int(self.flags[i])))

    def value_lists(self) -> list[list[float | None]]:
        """Values per sample as lists (``None`` where missing), as the old layout stored them."""
        vals = self.values.tolist()
        if not self.values_null.any():
            return vals
        return [[None if m else x for x, m in zip(r[:k], nr[:k], strict=True)]
                for r, nr, k in zip(vals, self.values_null.tolist(), self.widths.tolist(), strict=True)]


@dataclass
class LandmarkBatch:
    """Landmark observations (one row per hand or person in a frame), numpy columns of length ``n``.

    ``counts[i]`` landmarks of observation ``i`` are rows ``offsets[i]:offsets[i+1]`` of ``data``
    (float32, x, y, z, visibility in normalised image coordinates).
    """

    trial: np.ndarray
    source_id: np.ndarray  # object (str)
    kind: np.ndarray  # object: hand | pose
    frame_seq: np.ndarray
    t_ns: np.ndarray
    person: np.ndarray
    handedness: np.ndarray  # object: Left | Right | None
    score: np.ndarray
    model: np.ndarray  # object
    width: np.ndarray
    height: np.ndarray
    counts: np.ndarray
    data: np.ndarray
    offsets: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)

    def __len__(self) -> int:
        return len(self.t_ns)

    def landmarks(self, i: int) -> np.ndarray:
        """N x 4 float32 landmarks of observation ``i``."""
        return self.data[self.offsets[i] : self.offsets[i + 1]]

    def take(self, idx: np.ndarray) -> LandmarkBatch:
        """The observations ``idx`` (indices or a boolean mask), in that order."""
        idx = np.flatnonzero(idx) if idx.dtype == bool else idx
        counts = self.counts[idx]
        starts = np.repeat(self.offsets[idx] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        rows = starts + np.arange(int(counts.sum()), dtype=np.int64)  # each observation's landmark rows, in order
        return LandmarkBatch(*(getattr(self, f)[idx] for f in _LM_FIELDS), counts=self.counts[idx], data=self.data[rows])  # type: ignore[misc]


_LM_FIELDS = ("trial", "source_id", "kind", "frame_seq", "t_ns", "person", "handedness", "score", "model", "width", "height")


# -- building blocks ------------------------------------------------------------------------------
def _runs(t_ns: np.ndarray, same: np.ndarray) -> list[tuple[int, int]]:
    """Cut rows into blocks: at most MAX_BLOCK_ROWS rows and MAX_BLOCK_NS, breaking where ``same`` is False."""
    out = []
    start = 0
    n = len(t_ns)
    for i in range(1, n + 1):
        if i == n or not same[i] or i - start >= MAX_BLOCK_ROWS or t_ns[i] - t_ns[start] >= MAX_BLOCK_NS:
            out.append((start, i))
            start = i
    return out


def _block_row(cols: dict[str, Any], t_ns: np.ndarray, seq: np.ndarray, flags: int, meta: dict[str, Any] | None = None,
               **key: Any) -> dict[str, Any]:
    payload = encode_columns(cols, meta)
    return dict(key, t_first_ns=int(t_ns.min()), t_last_ns=int(t_ns.max()), seq_first=int(seq[0]), seq_last=int(seq[-1]),
                n=len(t_ns), flags=flags, codec=CODEC, crc32=checksum(payload), payload=payload)


def sample_block_rows(session_id: str, trial: int, device_id: str, seq: Sequence[int], t_ns: Sequence[int],
                      t_arrival_ns: Sequence[int], device_time_us: Sequence[int | None], flags: Sequence[int],
                      values: Sequence[Sequence[float | None]]) -> list[dict[str, Any]]:
    """Rows of ``sample_blocks`` holding these samples of one device and trial, in the order given."""
    n = len(seq)
    if n == 0:
        return []
    seq_a = np.array(seq, dtype=np.int64)
    t_a = np.array(t_ns, dtype=np.int64)
    ta_a = np.array(t_arrival_ns, dtype=np.int64)
    dt_null = np.array([d is None for d in device_time_us], dtype=bool)
    dt_a = np.array([0 if d is None else d for d in device_time_us], dtype=np.int64)
    fl_a = np.array(flags, dtype=np.int64)
    widths = np.array([len(v) for v in values], dtype=np.int64)
    same = np.ones(n, dtype=bool)
    same[1:] = widths[1:] == widths[:-1]
    rows = []
    for a, b in _runs(t_a, same):
        w = int(widths[a])
        block = [values[i] for i in range(a, b)]
        vnull = np.array([[x is None for x in v] for v in block], dtype=bool).reshape(b - a, w)
        vals = np.array([[0.0 if x is None else x for x in v] for v in block], dtype=np.float64).reshape(b - a, w)
        cols: dict[str, Any] = {"seq": seq_a[a:b], "t_ns": t_a[a:b], "t_arrival_ns": ta_a[a:b], "device_time_us": dt_a[a:b],
                                "flags": fl_a[a:b]}
        if dt_null[a:b].any():
            cols["device_time_null"] = dt_null[a:b].astype(np.uint8)
        preds = _predictions(vals) if not vnull.any() else {}
        for j in range(w):
            col: NDArray[np.float64] | NDArray[np.uint64] = np.ascontiguousarray(vals[:, j])
            if j in preds:  # derived channel: only its difference (XOR of the bits) from the recomputed value
                col = col.view(np.uint64) ^ np.ascontiguousarray(preds[j][1]).view(np.uint64)
            cols[f"v{j}"] = col
            if vnull[:, j].any():
                cols[f"v{j}_null"] = vnull[:, j].astype(np.uint8)
        meta = {"pred": {str(j): p[0] for j, p in preds.items()}} if preds else None
        rows.append(_block_row(cols, t_a[a:b], seq_a[a:b], int(np.bitwise_or.reduce(fl_a[a:b])), meta,
                               session_id=session_id, trial=trial, device_id=device_id))
    return rows


def blocks_from_samples(session_id: str, trial: int, samples: Sequence[SensorSample]) -> list[dict[str, Any]]:
    """``sample_blocks`` rows for samples (any devices) of one trial, keeping each device's order."""
    by: dict[str, list[SensorSample]] = {}
    for s in samples:
        by.setdefault(s.device_id, []).append(s)
    rows = []
    for dev, ss in by.items():
        rows += sample_block_rows(session_id, trial, dev, [s.seq for s in ss], [s.t_ns for s in ss], [s.t_arrival_ns for s in ss],
                                  [s.device_time_us for s in ss], [int(s.flags) for s in ss], [s.values for s in ss])
    return rows


def landmark_array(obs: HandObservation | PoseObservation) -> np.ndarray:
    """N x 4 float32 (x, y, z, visibility) of an observation (visibility NaN when the model gives none)."""
    n = obs.landmarks.shape[0]
    arr = np.empty((n, 4), dtype="<f4")
    arr[:, :3] = obs.landmarks[:, :3]
    arr[:, 3] = obs.visibility if obs.visibility is not None else np.nan
    return arr


def landmark_block_rows(session_id: str, trial: int, source_id: str, kind: str, frame_seq: Sequence[int], t_ns: Sequence[int],
                        person: Sequence[int], handedness: Sequence[str | None], score: Sequence[float], model: Sequence[str],
                        width: Sequence[int], height: Sequence[int], data: Sequence[np.ndarray]) -> list[dict[str, Any]]:
    """Rows of ``landmark_blocks`` for observations of one source, kind and trial, in the order given."""
    n = len(frame_seq)
    if n == 0:
        return []
    t_a = np.array(t_ns, dtype=np.int64)
    fs = np.array(frame_seq, dtype=np.int64)
    counts = np.array([len(d) for d in data], dtype=np.int64)
    rows = []
    for a, b in _runs(t_a, np.ones(n, dtype=bool)):
        c = counts[a:b]
        arrs = [np.asarray(d, dtype="<f4").reshape(-1, 4) for d in data[a:b]]
        flat = np.concatenate(arrs) if (c != c[0]).any() else np.stack(arrs).reshape(b - a, -1)
        cols: dict[str, Any] = {
            "frame_seq": fs[a:b], "t_ns": t_a[a:b], "person": np.array(person[a:b], dtype=np.int64),
            "handedness": list(handedness[a:b]), "score": np.array(score[a:b], dtype=np.float64), "model": list(model[a:b]),
            "width": np.array(width[a:b], dtype=np.int64), "height": np.array(height[a:b], dtype=np.int64),
            "count": c, "data": np.ascontiguousarray(flat),
        }
        rows.append(_block_row(cols, t_a[a:b], fs[a:b], 0, None, session_id=session_id, trial=trial, source_id=source_id, kind=kind))
    return rows


def blocks_from_observations(session_id: str, trial: int, obs: Sequence[HandObservation | PoseObservation]) -> list[dict[str, Any]]:
    """``landmark_blocks`` rows for observations of one trial, per source and kind, keeping their order."""
    by: dict[tuple[str, str], list[HandObservation | PoseObservation]] = {}
    for o in obs:
        by.setdefault((o.source_id, "hand" if isinstance(o, HandObservation) else "pose"), []).append(o)
    rows = []
    for (src, kind), os_ in by.items():
        rows += landmark_block_rows(session_id, trial, src, kind, [o.frame_seq for o in os_], [o.t_ns for o in os_],
                                    [o.person for o in os_], [getattr(o, "handedness", None) for o in os_], [float(o.score) for o in os_],
                                    [o.model for o in os_], [o.image_size[0] for o in os_], [o.image_size[1] for o in os_],
                                    [landmark_array(o) for o in os_])
    return rows


# -- decoding -----------------------------------------------------------------------------------
def _where(session_id: str, b: Any, t_ns: int | None = None, clock_start_ns: int | None = None) -> str:
    def ts(t: int) -> str:
        return f"{(t - clock_start_ns) / 1e9:.3f} s" if clock_start_ns is not None else f"{t} ns"

    key = f"device {b.device_id}" if hasattr(b, "device_id") else f"source {b.source_id} {b.kind}"
    return f"session {session_id}, {key}, trial {b.trial}, {ts(b.t_first_ns)} to {ts(b.t_last_ns)} (block {b.id})"


def _decode(b: Any, session_id: str, clock_start_ns: int | None) -> dict[str, Any]:
    try:
        if b.codec != CODEC:
            raise PayloadError(f"unknown block format '{b.codec}'")
        payload = bytes(b.payload)
        if checksum(payload) != int(b.crc32):
            raise PayloadError("checksum mismatch")
        cols = decode_columns(payload)
        if len(cols["t_ns"]) != int(b.n):
            raise PayloadError(f"{len(cols['t_ns'])} rows where the block says {b.n}")
        return cols
    except PayloadError as exc:
        raise DamagedBlockError(f"damaged stream block ({exc})", where=_where(session_id, b, None, clock_start_ns),
                                fix="the rest of the session reads; restore the database from a backup to recover this block") from None


def _predict(spec: dict[str, Any], vals: np.ndarray) -> np.ndarray:
    """Recompute a derived channel from the load cells (columns 0-3): their sum, or a centre of pressure."""
    tl, tr, bl, br = (vals[:, i] for i in range(4))
    total = tl + tr + bl + br
    with np.errstate(all="ignore"):
        if spec["f"] == "sum4":
            return total
        d = (tr + br) - (tl + bl) if spec["f"] == "copx" else (tl + tr) - (bl + br)
        return spec["k"] * d / total


def _predictions(vals: np.ndarray) -> dict[int, tuple[dict[str, Any], np.ndarray]]:
    """Channels 4-6 that are (nearly always exactly) the load cells' sum and centre of pressure, as a
    balance board derives them: ``{channel: (spec, predicted values)}``. Only the XOR of each value with
    its prediction is stored, so a value that differs is still kept exactly."""
    n, w = vals.shape
    if w != 7 or n == 0 or not np.all(np.isfinite(vals[:, :4])):
        return {}
    out: dict[int, tuple[dict[str, Any], np.ndarray]] = {}
    total = _predict({"f": "sum4"}, vals)
    if np.mean(total == vals[:, 4]) > 0.9:
        out[4] = ({"f": "sum4"}, total)
    for j, f in ((5, "copx"), (6, "copy")):
        tl, tr, bl, br = (vals[:, i] for i in range(4))
        d = (tr + br) - (tl + bl) if f == "copx" else (tl + tr) - (bl + br)
        with np.errstate(all="ignore"):
            est = vals[:, j] * total / d
        est = est[np.isfinite(est)]
        if not len(est):
            continue
        k0 = float(np.median(est))
        best = None
        for digits in range(7):  # the geometry is a round number of millimetres: try k rounded
            spec = {"f": f, "k": round(k0, digits)}
            hit = float(np.mean(_predict(spec, vals).view(np.uint64) == vals[:, j].view(np.uint64)))
            if best is None or hit > best[0]:
                best = (hit, spec)
        if best is not None and best[0] > 0.9:
            out[j] = (best[1], _predict(best[1], vals))
    return out


def _sample_cols(cols: dict[str, Any], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    w = sum(1 for k in cols if k.startswith("v") and not k.endswith("_null") and k[1:].isdigit())
    vals = np.empty((n, w), dtype=np.float64)
    nulls = np.zeros((n, w), dtype=bool)
    preds = cols.get("__meta__", {}).get("pred", {})
    for j in range(w):
        if str(j) in preds:
            continue
        vals[:, j] = cols[f"v{j}"]
        if f"v{j}_null" in cols:
            nulls[:, j] = cols[f"v{j}_null"].astype(bool)
    for j, spec in sorted(preds.items(), key=lambda x: int(x[0])):  # derived channels: prediction XOR stored difference
        vals[:, int(j)] = (np.ascontiguousarray(_predict(spec, vals)).view(np.uint64) ^ cols[f"v{j}"].view(np.uint64)).view(np.float64)
    dt_null = cols["device_time_null"].astype(bool) if "device_time_null" in cols else np.zeros(n, dtype=bool)
    return vals, nulls, cols["device_time_us"], dt_null


def _clock_start(c: Connection, session_id: str) -> int | None:
    v = c.execute(select(S.sessions.c.clock_start_ns).where(S.sessions.c.id == session_id)).scalar()
    return None if v is None else int(v)


# -- reading samples ------------------------------------------------------------------------------
def _range(t: Any, t_from_ns: int | None, t_to_ns: int | None, first: Any = None, last: Any = None) -> list[Any]:
    """Conditions selecting rows (``t``) or blocks (``first``/``last``) overlapping [t_from_ns, t_to_ns]."""
    conds = []
    if t_from_ns is not None:
        conds.append((last if last is not None else t) >= t_from_ns)
    if t_to_ns is not None:
        conds.append((first if first is not None else t) <= t_to_ns)
    return conds


def sample_devices(db: Any, session_id: str) -> list[str]:
    """Ids of the devices with samples stored in a session (either layout), sorted."""
    with db.engine.connect() as c:
        a = {r[0] for r in c.execute(select(S.sample_blocks.c.device_id).where(S.sample_blocks.c.session_id == session_id).distinct())}
        b = {r[0] for r in c.execute(select(S.samples.c.device_id).where(S.samples.c.session_id == session_id).distinct())}
    return sorted(a | b)


def read_samples(db: Any, session_id: str, *, device_id: str | None = None, trial: int | None = None,
                 t_from_ns: int | None = None, t_to_ns: int | None = None, chunk: int = OUT_CHUNK) -> Iterator[SampleBatch]:
    """Yield the stored samples of a session as :class:`SampleBatch` es, one device at a time.

    Parameters
    ----------
    device_id, trial: only this device / trial (default: all).
    t_from_ns, t_to_ns: only samples with ``t_from_ns <= t_ns <= t_to_ns`` (session clock, ns);
        only the blocks overlapping the range are read.
    chunk: samples per batch (the last batch of a device may hold fewer).

    Raises
    ------
    DamagedBlockError
        When a block in the range does not decode (one line: session, device, time range).
    """
    devices = [device_id] if device_id is not None else sample_devices(db, session_id)
    for dev in devices:
        yield from _read_device(db, session_id, dev, trial, t_from_ns, t_to_ns, chunk)


def _concat_samples(dev: str, parts: list[SampleBatch]) -> SampleBatch:
    if len(parts) == 1:
        return parts[0]
    width = max(p.values.shape[1] for p in parts)
    if any(p.values.shape[1] != width for p in parts):  # channel count changed: pad (null) to the widest
        parts = [_pad(p, width) for p in parts]
    return SampleBatch(dev, *(np.concatenate([getattr(p, f) for p in parts]) for f in _S_FIELDS))


_S_FIELDS = ("trial", "seq", "t_ns", "t_arrival_ns", "device_time_us", "device_time_null", "flags", "values", "values_null", "widths")


def _pad(p: SampleBatch, width: int) -> SampleBatch:
    n, w = p.values.shape
    vals = np.zeros((n, width))
    vals[:, :w] = p.values
    nulls = np.ones((n, width), dtype=bool)
    nulls[:, :w] = p.values_null
    return SampleBatch(p.device_id, p.trial, p.seq, p.t_ns, p.t_arrival_ns, p.device_time_us, p.device_time_null, p.flags, vals, nulls,
                       p.widths)


def _take(p: SampleBatch, idx: np.ndarray) -> SampleBatch:
    return SampleBatch(p.device_id, *(getattr(p, f)[idx] for f in _S_FIELDS))


def _read_device(db: Any, sid: str, dev: str, trial: int | None, t_from: int | None, t_to: int | None, chunk: int) -> Iterator[SampleBatch]:
    B = S.sample_blocks
    conds = [B.c.session_id == sid, B.c.device_id == dev, *_range(None, t_from, t_to, B.c.t_first_ns, B.c.t_last_ns)]
    if trial is not None:
        conds.append(B.c.trial == trial)
    meta_cols = (B.c.id, B.c.trial, B.c.device_id, B.c.t_first_ns, B.c.t_last_ns, B.c.n)
    out: list[SampleBatch] = []
    n_out = 0

    def emit(parts: list[SampleBatch]) -> Iterator[SampleBatch]:
        nonlocal out, n_out
        for p in parts:
            if t_from is not None or t_to is not None:
                keep = np.ones(len(p), dtype=bool)
                if t_from is not None:
                    keep &= p.t_ns >= t_from
                if t_to is not None:
                    keep &= p.t_ns <= t_to
                p = _take(p, np.flatnonzero(keep))
            if len(p):
                out.append(p)
                n_out += len(p)
        if n_out >= chunk:  # batches of exactly ``chunk`` samples: the same however the rows were stored
            allb = _concat_samples(dev, out)
            cut = n_out - n_out % chunk
            for i in range(0, cut, chunk):
                yield _take(allb, np.arange(i, i + chunk))
            out = [_take(allb, np.arange(cut, n_out))] if cut < n_out else []
            n_out -= cut

    with db.engine.connect() as c:
        t0 = _clock_start(c, sid)
        metas = c.execute(select(*meta_cols).where(and_(*conds)).order_by(B.c.t_first_ns, B.c.id)).all()
        group: list[SampleBatch] = []
        group_end: int | None = None
        for i in range(0, len(metas), 64):
            page = metas[i : i + 64]
            payloads = {r.id: r for r in c.execute(select(B.c.id, B.c.codec, B.c.crc32, B.c.payload).where(B.c.id.in_([m.id for m in page])))}
            for m in page:
                p = payloads[m.id]
                b = _BlockView(m, p)
                cols = _decode(b, sid, t0)
                vals, nulls, dt, dtn = _sample_cols(cols, int(m.n))
                batch = SampleBatch(dev, np.full(int(m.n), m.trial, dtype=np.int64), cols["seq"], cols["t_ns"], cols["t_arrival_ns"],
                                    dt, dtn, cols["flags"], vals, nulls, np.full(int(m.n), vals.shape[1], dtype=np.int64))
                if group_end is not None and m.t_first_ns > group_end:
                    yield from emit([_sorted(dev, group)])
                    group, group_end = [], None
                group.append(batch)
                group_end = int(m.t_last_ns) if group_end is None else max(group_end, int(m.t_last_ns))
        if group:
            yield from emit([_sorted(dev, group)])
        # rows still in the old layout (a database not yet re-packed): after the blocks, in (t_ns, id) order
        T = S.samples
        lconds = [T.c.session_id == sid, T.c.device_id == dev, *_range(T.c.t_ns, t_from, t_to)]
        if trial is not None:
            lconds.append(T.c.trial == trial)
        q = select(T.c.trial, T.c.seq, T.c.t_ns, T.c.t_arrival_ns, T.c.device_time_us, T.c.flags, T.c["values"]).where(
            and_(*lconds)).order_by(T.c.t_ns, T.c.id)
        result = c.execution_options(yield_per=20_000).execute(q)
        for part in result.partitions():
            yield from emit([_legacy_samples(dev, part)])
    if out:
        yield _concat_samples(dev, out)


class _BlockView:
    """A block's metadata row with its payload columns (what :func:`_decode` needs)."""

    def __init__(self, meta: Any, payload_row: Any) -> None:
        self.id = meta.id
        self.trial = meta.trial
        self.t_first_ns = meta.t_first_ns
        self.t_last_ns = meta.t_last_ns
        self.n = meta.n
        for k in ("device_id", "source_id", "kind"):
            if k in meta._fields:
                setattr(self, k, getattr(meta, k))
        self.codec = payload_row.codec
        self.crc32 = payload_row.crc32
        self.payload = payload_row.payload


def _sorted(dev: str, group: list[SampleBatch]) -> SampleBatch:
    """Blocks overlapping in time, merged in time order (ties: the order they were written)."""
    b = _concat_samples(dev, group)
    if len(group) == 1 and (len(b) < 2 or bool(np.all(np.diff(b.t_ns) >= 0))):
        return b
    return _take(b, np.argsort(b.t_ns, kind="stable"))


def _legacy_samples(dev: str, rows: Sequence[Any]) -> SampleBatch:
    n = len(rows)
    values = [r[6] for r in rows]
    w = max((len(v) for v in values), default=0)
    vals = np.zeros((n, w))
    nulls = np.ones((n, w), dtype=bool)
    for i, v in enumerate(values):
        for j, x in enumerate(v):
            if x is not None:
                vals[i, j] = x
                nulls[i, j] = False
    dt = [r[4] for r in rows]
    return SampleBatch(dev, np.array([r[0] for r in rows], dtype=np.int64), np.array([r[1] for r in rows], dtype=np.int64),
                       np.array([r[2] for r in rows], dtype=np.int64), np.array([r[3] for r in rows], dtype=np.int64),
                       np.array([0 if d is None else d for d in dt], dtype=np.int64), np.array([d is None for d in dt], dtype=bool),
                       np.array([r[5] for r in rows], dtype=np.int64), vals, nulls, np.array([len(v) for v in values], dtype=np.int64))


# -- reading landmarks ----------------------------------------------------------------------------
def read_landmarks(db: Any, session_id: str, *, trial: int | None = None, kind: str | None = None, person: int | None = None,
                   source_id: str | None = None, t_from_ns: int | None = None, t_to_ns: int | None = None) -> Iterator[LandmarkBatch]:
    """Yield the stored landmark observations of a session, one :class:`LandmarkBatch` per trial.

    Order within a trial: time, kind, person, then the order they were written. Filters as in
    :func:`read_samples`; only blocks overlapping the time range (and of the kind/source asked
    for) are read. Raises :class:`DamagedBlockError` for a block that does not decode.
    """
    B, L = S.landmark_blocks, S.landmarks
    bconds = [B.c.session_id == session_id, *_range(None, t_from_ns, t_to_ns, B.c.t_first_ns, B.c.t_last_ns)]
    lconds = [L.c.session_id == session_id, *_range(L.c.t_ns, t_from_ns, t_to_ns)]
    for col, v in (("trial", trial), ("kind", kind), ("source_id", source_id)):
        if v is not None:
            bconds.append(B.c[col] == v)
            lconds.append(L.c[col] == v)
    if person is not None:
        lconds.append(L.c.person == person)
    with db.engine.connect() as c:
        t0 = _clock_start(c, session_id)
        trials = sorted({r[0] for r in c.execute(select(B.c.trial).where(and_(*bconds)).distinct())}
                        | {r[0] for r in c.execute(select(L.c.trial).where(and_(*lconds)).distinct())})
        for tr in trials:
            parts: list[LandmarkBatch] = []
            order: list[np.ndarray] = []
            q = select(B.c.id, B.c.trial, B.c.source_id, B.c.kind, B.c.t_first_ns, B.c.t_last_ns, B.c.n, B.c.codec, B.c.crc32,
                       B.c.payload).where(and_(*bconds), B.c.trial == tr).order_by(B.c.id)
            for b in c.execute(q):
                cols = _decode(b, session_id, t0)
                n = int(b.n)
                counts = cols["count"]
                data = cols["data"].reshape(-1, 4)
                parts.append(LandmarkBatch(np.full(n, tr, dtype=np.int64), np.full(n, b.source_id, dtype=object),
                                           np.full(n, b.kind, dtype=object), cols["frame_seq"], cols["t_ns"], cols["person"],
                                           np.array(cols["handedness"], dtype=object), cols["score"], np.array(cols["model"], dtype=object),
                                           cols["width"], cols["height"], counts, data))
                order.append(np.stack([np.zeros(n, np.int64), np.full(n, b.id, np.int64), np.arange(n, dtype=np.int64)]))
            lq = select(L.c.id, L.c.source_id, L.c.kind, L.c.frame_seq, L.c.t_ns, L.c.person, L.c.handedness, L.c.score, L.c.model,
                        L.c.width, L.c.height, L.c.data).where(and_(*lconds), L.c.trial == tr).order_by(L.c.id)
            rows = c.execute(lq).all()
            if rows:
                parts.append(_legacy_landmarks(tr, rows))
                order.append(np.stack([np.ones(len(rows), np.int64), np.array([r.id for r in rows], np.int64), np.zeros(len(rows), np.int64)]))
            if not parts:
                continue
            batch = _concat_landmarks(parts)
            o = np.concatenate(order, axis=1)
            keep = np.ones(len(batch), dtype=bool)
            if person is not None:
                keep &= batch.person == person
            if t_from_ns is not None:
                keep &= batch.t_ns >= t_from_ns
            if t_to_ns is not None:
                keep &= batch.t_ns <= t_to_ns
            _, kcode = np.unique(batch.kind.astype(str), return_inverse=True) if len(batch) else (None, np.zeros(0, np.int64))
            idx = np.lexsort((o[2], o[1], o[0], batch.person, kcode, batch.t_ns))
            idx = idx[keep[idx]]
            if len(idx):
                yield batch.take(idx)


def _concat_landmarks(parts: list[LandmarkBatch]) -> LandmarkBatch:
    if len(parts) == 1:
        return parts[0]
    return LandmarkBatch(*(np.concatenate([getattr(p, f) for p in parts]) for f in _LM_FIELDS),  # type: ignore[misc]
                         counts=np.concatenate([p.counts for p in parts]), data=np.concatenate([p.data for p in parts]))


def _legacy_landmarks(trial: int, rows: Sequence[Any]) -> LandmarkBatch:
    def obj(k: str) -> np.ndarray:
        a = np.empty(len(rows), dtype=object)
        a[:] = [getattr(r, k) for r in rows]
        return a

    data = [np.frombuffer(bytes(r.data), dtype="<f4").reshape(-1, 4) for r in rows]
    return LandmarkBatch(np.full(len(rows), trial, dtype=np.int64), obj("source_id"), obj("kind"),
                         np.array([r.frame_seq for r in rows], dtype=np.int64), np.array([r.t_ns for r in rows], dtype=np.int64),
                         np.array([r.person for r in rows], dtype=np.int64), obj("handedness"),
                         np.array([r.score for r in rows], dtype=np.float64), obj("model"),
                         np.array([r.width for r in rows], dtype=np.int64), np.array([r.height for r in rows], dtype=np.int64),
                         np.array([len(d) for d in data], dtype=np.int64),
                         np.concatenate(data) if data else np.zeros((0, 4), dtype="<f4"))


# -- summaries without decoding -------------------------------------------------------------------
def sample_counts(db: Any, session_id: str) -> dict[str, int]:
    """Samples stored per device (from the block headers; old-layout rows counted)."""
    B, T = S.sample_blocks, S.samples
    out: dict[str, int] = {}
    with db.engine.connect() as c:
        for dev, n in c.execute(select(B.c.device_id, func.sum(B.c.n)).where(B.c.session_id == session_id).group_by(B.c.device_id)):
            out[dev] = out.get(dev, 0) + int(n)
        for dev, n in c.execute(select(T.c.device_id, func.count()).where(T.c.session_id == session_id).group_by(T.c.device_id)):
            out[dev] = out.get(dev, 0) + int(n)
    return out


# -- re-packing the old layout ------------------------------------------------------------------------
@dataclass
class RepackReport:
    """What a re-pack did (or, with ``dry_run``, would do)."""

    sample_rows: int = 0
    landmark_rows: int = 0
    blocks: int = 0
    old_bytes: int = 0
    """Bytes of the old rows' values (ids, keys, JSON values, blobs), as stored."""
    new_bytes: int = 0
    """Bytes of the blocks that replace them (payloads and their columns)."""
    seconds: float = 0.0


BLOCK_ROW_BYTES = 120
"""Approximate bytes a block row adds besides its payload (ids, keys, times, index entry)."""
OLD_ROW_BYTES = 60
"""Approximate bytes an old row adds besides its values (rowid, ids, index entry)."""


def legacy_rows(db: Any) -> int:
    """Rows left in the old one-row-per-sample/observation tables."""
    with db.engine.connect() as c:
        return sum(int(c.execute(select(func.count()).select_from(t)).scalar_one()) for t in (S.samples, S.landmarks))


def has_legacy_rows(db: Any) -> bool:
    with db.engine.connect() as c:
        return any(c.execute(select(t.c.id).limit(1)).first() is not None for t in (S.samples, S.landmarks))


def repack(db: Any, *, dry_run: bool = False, batch_rows: int = 50_000,
           progress: Callable[[RepackReport], None] | None = None) -> RepackReport:
    """Move streams stored the old way (one row per sample / observation) into blocks, in place.

    Works through (session, trial, device) and (session, trial, source, kind) groups in order,
    ``batch_rows`` rows at a time, each batch in its own transaction: the old rows are deleted and
    their blocks inserted together, so a re-pack killed at any point leaves every sample in exactly
    one layout and the next call carries on. With ``dry_run`` nothing is written: the report says
    how many bytes the rows take now and what the blocks would take.
    """
    rep = RepackReport()
    t_start = time.monotonic()
    for table, keys in ((S.samples, ("session_id", "trial", "device_id")), (S.landmarks, ("session_id", "trial", "source_id", "kind"))):
        with db.engine.connect() as c:
            groups = c.execute(select(*(table.c[k] for k in keys), func.count()).group_by(*(table.c[k] for k in keys))
                               .order_by(*(table.c[k] for k in keys))).all()
        for g in groups:
            key = dict(zip(keys, g[: len(keys)], strict=True))
            after: tuple[int, int] | None = None  # (t_ns, id) of the last row of the previous batch (dry run)
            try:
                while True:
                    with db.engine.begin() as c:
                        rows = _old_batch(c, table, key, batch_rows, after)
                        if not rows:
                            break
                        blocks = _pack_old(table, key, rows)
                        rep.blocks += len(blocks)
                        rep.new_bytes += sum(len(b["payload"]) + BLOCK_ROW_BYTES for b in blocks)
                        rep.old_bytes += sum(_old_size(table, r) for r in rows)
                        if table is S.samples:
                            rep.sample_rows += len(rows)
                        else:
                            rep.landmark_rows += len(rows)
                        if dry_run:
                            after = (rows[-1].t_ns, rows[-1].id)
                        else:
                            ids = [r.id for r in rows]
                            gone = 0
                            for i in range(0, len(ids), 500):
                                gone += int(c.execute(delete(table).where(table.c.id.in_(ids[i : i + 500]))).rowcount or 0)
                            if gone != len(ids):  # another process re-packed them meanwhile: leave it to that one
                                raise _Raced()
                            c.execute(insert(S.sample_blocks if table is S.samples else S.landmark_blocks), blocks)
                    if progress is not None:
                        progress(rep)
            except _Raced:
                log.info("rows of %s were re-packed by another process meanwhile", key)
    rep.seconds = time.monotonic() - t_start
    return rep


class _Raced(Exception):
    pass


def _old_batch(c: Connection, table: SATable, key: dict[str, Any], batch_rows: int, after: tuple[int, int] | None) -> list[Any]:
    """The next rows of a group in (t_ns, id) order, ending on a whole t_ns (no time split between batches)."""
    conds = [table.c[k] == v for k, v in key.items()]
    if after is not None:
        conds.append((table.c.t_ns > after[0]) | ((table.c.t_ns == after[0]) & (table.c.id > after[1])))
    rows = list(c.execute(select(table).where(and_(*conds)).order_by(table.c.t_ns, table.c.id).limit(batch_rows)).all())
    if len(rows) == batch_rows:  # finish the last time stamp, so rows of one t_ns are never split
        last = rows[-1]
        rows += c.execute(select(table).where(and_(*conds), table.c.t_ns == last.t_ns, table.c.id > last.id).order_by(table.c.id)).all()
    return rows


def _pack_old(table: SATable, key: dict[str, Any], rows: list[Any]) -> list[dict[str, Any]]:
    if table is S.samples:
        return sample_block_rows(key["session_id"], key["trial"], key["device_id"], [r.seq for r in rows], [r.t_ns for r in rows],
                                 [r.t_arrival_ns for r in rows], [r.device_time_us for r in rows], [r.flags for r in rows],
                                 [r._mapping["values"] for r in rows])
    return landmark_block_rows(key["session_id"], key["trial"], key["source_id"], key["kind"], [r.frame_seq for r in rows],
                               [r.t_ns for r in rows], [r.person for r in rows], [r.handedness for r in rows], [r.score for r in rows],
                               [r.model for r in rows], [r.width for r in rows], [r.height for r in rows],
                               [np.frombuffer(bytes(r.data), dtype="<f4").reshape(-1, 4) for r in rows])


def _old_size(table: SATable, r: Any) -> int:
    if table is S.samples:
        return OLD_ROW_BYTES + len(r.session_id) + len(r.device_id) + 5 * 8 + len(json.dumps(r._mapping["values"]))
    return OLD_ROW_BYTES + len(r.session_id) + len(r.source_id) + len(r.model) + 8 * 8 + len(bytes(r.data))


def count_stored(c: Connection, stream: str, **where: Any) -> int:
    """Samples (``stream="samples"``) or landmark observations (``"landmarks"``) stored, from the
    block headers plus any old-layout rows; ``where``: column filters (``session_id``, ``trial``,
    ``device_id``, ``source_id``, ``kind``). Works on a connection, so it is cheap to poll."""
    blocks, old = (S.sample_blocks, S.samples) if stream == "samples" else (S.landmark_blocks, S.landmarks)
    n = c.execute(select(func.coalesce(func.sum(blocks.c.n), 0)).where(*(blocks.c[k] == v for k, v in where.items()))).scalar_one()
    m = c.execute(select(func.count()).select_from(old).where(*(old.c[k] == v for k, v in where.items()))).scalar_one()
    return int(n) + int(m)
