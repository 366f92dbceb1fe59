"""Tidy tables of stored sessions (one observation per row), as pyarrow tables.

Conventions
-----------
Time
    ``t_ns`` is the session clock in nanoseconds, exactly as stored; ``t_s`` is seconds from the
    session start (``(t_ns - clock_start_ns) / 1e9``); ``t_trial_s`` seconds from the trial start.
    ``utc_start`` of a session ties the clock to UTC (shifted back by a per-participant number of
    days when the export shifts dates; times of day are kept).
Coordinates
    Landmarks ``x`` (right) and ``y`` (down) are normalised to 0..1 of the frame width and height
    in the unmirrored camera image; ``z`` is MediaPipe's relative depth (same scale as x, negative
    towards the camera); ``visibility`` in 0..1 (NaN when the model gives none).
Long format
    Landmarks have one row per landmark per observation; sensor samples one row per channel per
    sample. Every table carries ``session_id`` so tables from several sessions concatenate.

:data:`DICTIONARY` documents every column (unit, definition); exports write it as JSON.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from station.export.names import landmark_names
from station.storage import Database
from station.storage import schema as S
from station.storage.streams import LandmarkBatch, SampleBatch, read_landmarks, read_samples

log = logging.getLogger(__name__)

TIME_BASE = (
    "t_ns: session clock in integer nanoseconds (monotonic host clock, time.perf_counter_ns); "
    "t_s: seconds from the session start; t_trial_s: seconds from the trial start; "
    "sessions.utc_start gives the UTC time of the session start (shifted when date_shift_days > 0)"
)

# table -> (description, {column: (arrow type, unit, definition)})
Col = tuple[pa.DataType, str, str]
DICTIONARY: dict[str, tuple[str, dict[str, Col]]] = {
    "sessions": ("One row per session.", {
        "session_id": (pa.string(), "", "session UUID"),
        "participant": (pa.string(), "", "pseudonymous participant code (never a name)"),
        "utc_start": (pa.string(), "ISO 8601 UTC", "UTC time of the session start (shifted by date_shift_days when dates are shifted)"),
        "ended_utc": (pa.string(), "ISO 8601 UTC", "UTC time the session ended (shifted likewise)"),
        "date_shift_days": (pa.int32(), "d", "days subtracted from every date of this participant (0 = real dates)"),
        "age_years": (pa.int32(), "yr", "completed years of age at the session, from birth year and month"),
        "status": (pa.string(), "", "complete | stopped | interrupted | failed | recording"),
        "source": (pa.string(), "", "what produced the data: camera:N, video:NAME, simulated, device:KIND:URL, simulator:KIND "
                   "(the trials' sources joined with +)"),
        "simulated": (pa.bool_(), "", "true when a generator or simulator (the simulated child, sim:// or pty devices) "
                      "produced any of it: not a child's result"),
        "place": (pa.string(), "", "where the session was played: clinic | home | school"),
        "software_version": (pa.string(), "", "Motor Station version that recorded the session"),
        "clock_start_ns": (pa.int64(), "ns", "session clock at the session start"),
        "n_trials": (pa.int32(), "", "number of trials"),
    }),
    "trials": ("One row per trial.", {
        "session_id": (pa.string(), "", "session UUID"),
        "trial": (pa.int32(), "", "trial index in the session, from 0"),
        "exercise": (pa.string(), "", "exercise name (see the exercise registry)"),
        "settings": (pa.string(), "JSON", "exercise settings used"),
        "t_start_s": (pa.float64(), "s", "trial start, seconds from the session start"),
        "t_end_s": (pa.float64(), "s", "time of the last scored input, seconds from the session start"),
        "duration_s": (pa.float64(), "s", "t_end_s - t_start_s"),
        "reps": (pa.int32(), "", "repetitions scored in the trial"),
        "t_start_ns": (pa.int64(), "ns", "trial start on the session clock"),
        "t_end_ns": (pa.int64(), "ns", "last scored input on the session clock"),
        "source": (pa.string(), "", "what produced the trial's input (see sessions.source)"),
        "simulated": (pa.bool_(), "", "true when a generator or simulator produced the trial's input"),
        "status": (pa.string(), "", "complete | failed (its input failed or showed no child: no score)"),
        "reason": (pa.string(), "", "why the trial failed (empty otherwise)"),
    }),
    "metrics": ("One row per metric per trial; definitions come from the exercise that computed them.", {
        "session_id": (pa.string(), "", "session UUID"),
        "trial": (pa.int32(), "", "trial index"),
        "exercise": (pa.string(), "", "exercise name"),
        "name": (pa.string(), "", "metric name"),
        "value": (pa.float64(), "see unit", "numeric value (null when not numeric or not computable)"),
        "text": (pa.string(), "", "value of a non-numeric metric"),
        "unit": (pa.string(), "", "unit of value"),
        "definition": (pa.string(), "", "exact definition of the metric"),
    }),
    "events": ("One row per scored event (rep, jump, left_path, peg_placed...).", {
        "session_id": (pa.string(), "", "session UUID"),
        "trial": (pa.int32(), "", "trial index"),
        "exercise": (pa.string(), "", "exercise name"),
        "t_ns": (pa.int64(), "ns", "event time on the session clock"),
        "t_s": (pa.float64(), "s", "seconds from the session start"),
        "t_trial_s": (pa.float64(), "s", "seconds from the trial start"),
        "rep": (pa.int32(), "", "repetition number the event belongs to"),
        "kind": (pa.string(), "", "event kind, documented by each exercise"),
        "value": (pa.float64(), "see unit", "the event's main quantity"),
        "unit": (pa.string(), "", "unit of value"),
        "payload": (pa.string(), "JSON", "small extra fields of the event"),
    }),
    "landmarks": ("One row per landmark per observation (hand: 21 landmarks, pose: 33).", {
        "session_id": (pa.string(), "", "session UUID"),
        "trial": (pa.int32(), "", "trial index"),
        "source_id": (pa.string(), "", "frame source (camera, video file, synthetic)"),
        "frame_seq": (pa.int64(), "", "frame sequence number of the source (gaps = frames not tracked)"),
        "t_ns": (pa.int64(), "ns", "capture time of the frame on the session clock"),
        "t_s": (pa.float64(), "s", "seconds from the session start"),
        "t_trial_s": (pa.float64(), "s", "seconds from the trial start"),
        "kind": (pa.string(), "", "hand | pose"),
        "person": (pa.int32(), "", "index of the hand/person in the frame (0 = the one followed)"),
        "handedness": (pa.string(), "", "Left | Right: the child's anatomical hand (hands only)"),
        "score": (pa.float64(), "1", "detection confidence 0..1"),
        "model": (pa.string(), "", "model name and version"),
        "width": (pa.int32(), "px", "frame width"),
        "height": (pa.int32(), "px", "frame height"),
        "landmark": (pa.int32(), "", "landmark index in the MediaPipe topology"),
        "landmark_name": (pa.string(), "", "MediaPipe landmark name"),
        "x": (pa.float32(), "1 (frame width)", "x to the right, normalised to 0..1 of the frame width, unmirrored image"),
        "y": (pa.float32(), "1 (frame height)", "y down, normalised to 0..1 of the frame height"),
        "z": (pa.float32(), "1 (frame width)", "MediaPipe relative depth, same scale as x, negative towards the camera"),
        "visibility": (pa.float32(), "1", "landmark visibility/presence 0..1 (NaN when the model gives none)"),
    }),
    "samples": ("One row per channel per sensor sample.", {
        "session_id": (pa.string(), "", "session UUID"),
        "trial": (pa.int32(), "", "trial index"),
        "device_id": (pa.string(), "", "station-wide device id"),
        "seq": (pa.int64(), "", "the device's sequence number (gaps = lost samples)"),
        "t_ns": (pa.int64(), "ns", "sample time on the session clock (device clock mapped by the clock fit)"),
        "t_s": (pa.float64(), "s", "seconds from the session start"),
        "t_trial_s": (pa.float64(), "s", "seconds from the trial start"),
        "t_arrival_ns": (pa.int64(), "ns", "host time the sample arrived, session clock"),
        "device_time_us": (pa.int64(), "us", "the device's own clock (null for plain formats)"),
        "flags": (pa.int32(), "", "bits: 1 saturated, 2 gap before, 4 resynced, 8 uncalibrated, 16 clock reset"),
        "channel": (pa.string(), "", "channel name"),
        "value": (pa.float64(), "see unit", "channel value"),
        "unit": (pa.string(), "", "unit of value"),
    }),
    "devices": ("One row per device used in a session.", {
        "session_id": (pa.string(), "", "session UUID"),
        "device_id": (pa.string(), "", "station-wide device id"),
        "kind": (pa.string(), "", "grip | balance | ..."),
        "model": (pa.string(), "", "device model"),
        "serial": (pa.string(), "", "device serial number"),
        "firmware": (pa.string(), "", "firmware version"),
        "channels": (pa.string(), "", "channel names, comma separated"),
        "units": (pa.string(), "", "channel units, comma separated"),
        "rate_hz": (pa.float64(), "Hz", "nominal sampling rate"),
        "protocol": (pa.string(), "", "wire protocol"),
    }),
    "calibrations": ("One row per calibration a session used.", {
        "session_id": (pa.string(), "", "session UUID"),
        "key": (pa.string(), "", "what was calibrated (device serial, camera id)"),
        "kind": (pa.string(), "", "loadcell | intrinsics | workspace | latency ..."),
        "method": (pa.string(), "", "calibration method"),
        "version": (pa.int32(), "", "version of the calibration in the store"),
        "params": (pa.string(), "JSON", "calibration parameters"),
        "residual": (pa.float64(), "see residual_unit", "fit residual"),
        "residual_unit": (pa.string(), "", "unit of residual"),
        "created_utc": (pa.string(), "ISO 8601 UTC", "when the calibration was made (shifted when dates are shifted)"),
        "software_version": (pa.string(), "", "software that made it"),
    }),
}

TABLES = tuple(DICTIONARY)


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([(c, t) for c, (t, _, _) in DICTIONARY[table][1].items()])


def dictionary_json(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data dictionary: every table and column with type, unit and definition."""
    out: dict[str, Any] = {
        "format": "motor-station-tidy-export",
        "format_version": 1,
        "time_base": TIME_BASE,
        "tables": {
            name: {
                "description": desc,
                "columns": {c: {"type": str(t), "unit": u, "definition": d} for c, (t, u, d) in cols.items()},
            }
            for name, (desc, cols) in DICTIONARY.items()
        },
    }
    out.update(extra or {})
    return out


@dataclass(frozen=True)
class DatePolicy:
    """How dates leave the station: ``shift_days`` per participant code (empty = real dates)."""

    shift_days: dict[str, int]

    def days(self, participant: str) -> int:
        return self.shift_days.get(participant, 0)

    def shift(self, iso: str | None, participant: str) -> str | None:
        if not iso:
            return iso
        d = self.days(participant)
        if d == 0:
            return iso
        return (datetime.fromisoformat(iso) - timedelta(days=d)).isoformat()


def age_years(birth_year: int | None, birth_month: int | None, when_iso: str) -> int | None:
    """Completed years of age at ``when_iso`` from birth year and month (month 1-12; unknown month = July)."""
    if birth_year is None:
        return None
    when = datetime.fromisoformat(when_iso)
    months = (when.year - int(birth_year)) * 12 + (when.month - int(birth_month or 7))
    return max(0, months // 12)


def _tbl(name: str, cols: dict[str, Any]) -> pa.Table:
    schema = arrow_schema(name)
    return pa.table({c: pa.array(cols[c], type=schema.field(c).type) for c in schema.names}, schema=schema)


def session_tables(db: Database, session_id: str, dates: DatePolicy) -> Iterator[tuple[str, pa.Table]]:
    """Yield ``(table name, pyarrow table)`` for every tidy table of one session.

    Streams are read through :mod:`station.storage.streams` (blocks, or rows of the old layout) and
    unpacked in bulk (vectorised): landmarks one trial at a time, samples in chunks per device.
    """
    sess = db.session(session_id)
    part = db.participant(sess["participant"])
    code = sess["participant"]
    t0 = int(sess["clock_start_ns"])
    trials = db.rows(S.trials, session_id, order=("trial",))
    t_start = {t["trial"]: int(t["t_start_ns"]) for t in trials}
    yield "sessions", _tbl("sessions", {
        "session_id": [session_id], "participant": [code],
        "utc_start": [dates.shift(sess["utc_start"], code)], "ended_utc": [dates.shift(sess["ended_utc"], code)],
        "date_shift_days": [dates.days(code)],
        "age_years": [age_years(part["birth_year"], part["birth_month"], sess["utc_start"])],
        "status": [sess["status"]], "source": [sess.get("source") or ""], "simulated": [bool(sess.get("simulated"))],
        "place": [sess.get("place") or "clinic"], "software_version": [str(sess["header"].get("software_version", ""))],
        "clock_start_ns": [t0], "n_trials": [len(trials)],
    })
    yield "trials", _tbl("trials", {
        "session_id": [session_id] * len(trials),
        "trial": [t["trial"] for t in trials],
        "exercise": [t["exercise"] for t in trials],
        "settings": [json.dumps(t["settings"], sort_keys=True) for t in trials],
        "t_start_s": [(t["t_start_ns"] - t0) / 1e9 for t in trials],
        "t_end_s": [None if t["t_end_ns"] is None else (t["t_end_ns"] - t0) / 1e9 for t in trials],
        "duration_s": [None if t["t_end_ns"] is None else (t["t_end_ns"] - t["t_start_ns"]) / 1e9 for t in trials],
        "reps": [t["reps"] for t in trials],
        "t_start_ns": [t["t_start_ns"] for t in trials],
        "t_end_ns": [t["t_end_ns"] for t in trials],
        "source": [t.get("source") or "" for t in trials], "simulated": [bool(t.get("simulated")) for t in trials],
        "status": [t.get("status") or "complete" for t in trials], "reason": [t.get("reason") or "" for t in trials],
    })
    ms = db.rows(S.metrics, session_id, order=("trial", "name"))
    yield "metrics", _tbl("metrics", {
        "session_id": [session_id] * len(ms), **{c: [m[c] for m in ms] for c in ("trial", "exercise", "name", "value", "text", "unit", "definition")},
    })
    ev = db.rows(S.events, session_id, order=("trial", "t_ns", "id"))
    yield "events", _tbl("events", {
        "session_id": [session_id] * len(ev),
        **{c: [e[c] for e in ev] for c in ("trial", "exercise", "t_ns", "rep", "kind", "value", "unit")},
        "t_s": [(e["t_ns"] - t0) / 1e9 for e in ev],
        "t_trial_s": [(e["t_ns"] - t_start.get(e["trial"], t0)) / 1e9 for e in ev],
        "payload": [json.dumps(e["payload"], sort_keys=True) for e in ev],
    })
    yield from _landmark_tables(db, session_id, t0, t_start)
    devs = db.rows(S.devices, session_id, order=("device_id",))
    infos = [d["info"] for d in devs]
    yield "devices", _tbl("devices", {
        "session_id": [session_id] * len(devs),
        "device_id": [d["device_id"] for d in devs],
        **{c: [str(i.get(c, "")) for i in infos] for c in ("kind", "model", "serial", "firmware", "protocol")},
        "channels": [",".join(i.get("channels", ())) for i in infos],
        "units": [",".join(i.get("units", ())) for i in infos],
        "rate_hz": [float(i.get("rate_hz") or 0.0) for i in infos],
    })
    yield from _sample_tables(db, session_id, t0, t_start, {d["device_id"]: d["info"] for d in devs})
    cals = db.rows(S.calibrations, session_id, order=("id",))
    yield "calibrations", _tbl("calibrations", {
        "session_id": [session_id] * len(cals),
        **{c: [k[c] for k in cals] for c in ("key", "kind", "method", "version", "residual", "residual_unit", "software_version")},
        "params": [json.dumps(k["params"], sort_keys=True) for k in cals],
        "created_utc": [dates.shift(k["created_utc"], code) for k in cals],
    })


def _landmark_tables(db: Database, sid: str, t0: int, t_start: dict[int, int]) -> Iterator[tuple[str, pa.Table]]:
    for batch in read_landmarks(db, sid):
        yield "landmarks", landmark_table(batch, sid, t0, t_start)
    # an empty table keeps the schema in files even without landmarks
    yield "landmarks", _tbl("landmarks", {c: [] for c in arrow_schema("landmarks").names})


def landmark_table(b: LandmarkBatch, sid: str, t0: int, t_start: dict[int, int]) -> pa.Table:
    """Stored landmark observations -> tidy long table (one row per landmark)."""
    if not len(b):
        return _tbl("landmarks", {c: [] for c in arrow_schema("landmarks").names})
    counts = b.counts
    idx = np.concatenate([np.arange(n) for n in counts])
    names_of: dict[tuple[str, int], np.ndarray] = {}
    names = np.concatenate([names_of.setdefault((k, int(n)), np.array(landmark_names(k, int(n)), dtype=object))
                            for k, n in zip(b.kind, counts, strict=True)])

    def rep(a: np.ndarray) -> np.ndarray:
        return np.repeat(a, counts)

    t_ns = rep(b.t_ns)
    ts = np.array([t_start.get(int(t), t0) for t in b.trial], dtype=np.int64)
    arr = b.data
    return _tbl("landmarks", {
        "session_id": np.full(len(idx), sid, dtype=object), "trial": rep(b.trial),
        "source_id": rep(b.source_id), "frame_seq": rep(b.frame_seq),
        "t_ns": t_ns, "t_s": (t_ns - t0) / 1e9, "t_trial_s": (t_ns - rep(ts)) / 1e9,
        "kind": rep(b.kind), "person": rep(b.person), "handedness": rep(b.handedness),
        "score": rep(b.score), "model": rep(b.model),
        "width": rep(b.width), "height": rep(b.height),
        "landmark": idx, "landmark_name": names,
        "x": arr[:, 0], "y": arr[:, 1], "z": arr[:, 2], "visibility": arr[:, 3],
    })


def _sample_tables(db: Database, sid: str, t0: int, t_start: dict[int, int], infos: dict[str, dict[str, Any]]) -> Iterator[tuple[str, pa.Table]]:
    for batch in read_samples(db, sid):
        yield "samples", sample_table(batch, sid, t0, t_start, infos)
    yield "samples", _tbl("samples", {c: [] for c in arrow_schema("samples").names})


def sample_table(b: SampleBatch, sid: str, t0: int, t_start: dict[int, int], infos: dict[str, dict[str, Any]]) -> pa.Table:
    """Stored samples of one device -> tidy long table (one row per channel per sample, sample-major)."""
    n, w = b.values.shape
    if n == 0 or w == 0:
        return _tbl("samples", {c: [] for c in arrow_schema("samples").names})
    info = infos.get(b.device_id, {})
    chans = list(info.get("channels") or [])
    units = list(info.get("units") or [])
    # a sample has as many rows as values it holds (channels past its width are padding)
    present = np.arange(w) < b.widths[:, None]
    k = present.sum(axis=1)

    def rep(a: np.ndarray) -> np.ndarray:
        return np.repeat(a, k)

    t_ns = rep(b.t_ns)
    ts = np.array([t_start.get(int(t), t0) for t in b.trial], dtype=np.int64)
    ch = np.broadcast_to(np.arange(w), (n, w))[present]
    chan_names = np.array([chans[i] if i < len(chans) else f"ch{i}" for i in range(w)], dtype=object)
    unit_names = np.array([units[i] if i < len(units) else "" for i in range(w)], dtype=object)
    values = pa.array(b.values[present], type=pa.float64(), mask=b.values_null[present])
    dt = pa.array(rep(b.device_time_us), type=pa.int64(), mask=rep(b.device_time_null))
    schema = arrow_schema("samples")
    cols = {
        "session_id": np.full(len(t_ns), sid, dtype=object), "trial": rep(b.trial), "device_id": np.full(len(t_ns), b.device_id, dtype=object),
        "seq": rep(b.seq), "t_ns": t_ns, "t_s": (t_ns - t0) / 1e9, "t_trial_s": (t_ns - rep(ts)) / 1e9,
        "t_arrival_ns": rep(b.t_arrival_ns), "device_time_us": dt, "flags": rep(b.flags),
        "channel": chan_names[ch], "value": values, "unit": unit_names[ch],
    }
    return pa.table({c: cols[c] if isinstance(cols[c], pa.Array) else pa.array(cols[c], type=schema.field(c).type) for c in schema.names},
                    schema=schema)

