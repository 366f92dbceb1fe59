"""A BIDS dataset of stored sessions (checked with the official validator, ``bids-validator-deno``).

Layout (one BIDS session per station session, numbered in time order per participant)::

    dataset_description.json  README  participants.tsv/.json
    sub-<code>/sub-<code>_sessions.tsv
    sub-<code>/ses-<n>/sub-<code>_ses-<n>_scans.tsv
    sub-<code>/ses-<n>/motion/..._task-<exercise>_tracksys-<MediaPipeHands|MediaPipePose>_motion.tsv
                                 (+ _channels.tsv, _motion.json)
    sub-<code>/ses-<n>/beh/..._task-<exercise>_beh.tsv      metrics of the trial (+ .json)
    sub-<code>/ses-<n>/motion/..._task-<exercise>_events.tsv scored events (+ .json; in beh/ when the
                                 trial has no landmarks)
    sub-<code>/ses-<n>/beh/..._task-<exercise>_recording-<device>_physio.tsv.gz   sensor streams (+ .json)
    sourcedata/video/<session id>/...   only with ``include_video`` (ignored by BIDS tools)

Conventions
-----------
- ``sub-`` labels are the pseudonymous codes with non-alphanumerics removed (``P-001`` -> ``P001``).
- Motion rows are tracked frames (frames with a detection); the first column is a ``LATENCY``
  channel: seconds from the trial start on the session clock (frames are not equally spaced, so it
  is the exact time base); ``SamplingFrequency`` is the nominal rate (median frame interval).
  Positions are normalised image coordinates (x right, y down, 0..1 of width/height, unmirrored):
  no SI unit applies, so ``units`` is ``n/a`` and the channel description says so. Missing values
  (a hand not found in a frame where the other was) are ``n/a``.
- Physio files have one row per sample: ``t`` (seconds from the trial start), ``seq``, the channels;
  ``StartTime`` is the first sample's time from the trial start.
- ``scans.tsv`` ``acq_time`` is the trial start in UTC (shifted when dates are shifted, BIDS style:
  shifted dates land in 1925 or earlier). ``participants.tsv`` gives age in whole years at the first
  exported session.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from station import __version__
from station.core import InputError
from station.export.names import landmark_names
from station.export.tables import DatePolicy, age_years
from station.storage import Database
from station.storage import schema as S
from station.storage.streams import read_landmarks, read_samples

log = logging.getLogger(__name__)

BIDS_VERSION = "1.10.0"
TRACKSYS = {"hand": "MediaPipeHands", "pose": "MediaPipePose"}
SIM_TRACKSYS = {"hand": "SimulatedHands", "pose": "SimulatedPose"}
"""Tracking-system labels of landmarks the simulated child generated (no tracker saw a child)."""


def label(text: str) -> str:
    """A BIDS label (letters and digits only) from a code or name."""
    out = re.sub(r"[^A-Za-z0-9]", "", text)
    if not out:
        raise InputError(f"'{text}' has no letters or digits to make a BIDS label from", fix="use alphanumeric participant codes")
    return out


def _na(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return "n/a" if not np.isfinite(v) else f"{v:.9g}"
    return str(v).replace("\t", " ").replace("\n", " ")


def _tsv(path: Path, header: list[str] | None, rows: list[list[Any]]) -> None:
    lines = [] if header is None else ["\t".join(header)]
    lines += ["\t".join(_na(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _acq_time(utc_iso: str, offset_ns: int, code: str, dates: DatePolicy) -> str:
    t = datetime.fromisoformat(dates.shift(utc_iso, code) or utc_iso) + timedelta(microseconds=offset_ns // 1000)
    return t.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S")


def write_bids(db: Database, session_ids: list[str], root: Path, dates: DatePolicy) -> None:
    """Write the sessions as a BIDS dataset into the (empty) folder ``root``."""
    sessions = [db.session(s) for s in session_ids]
    subs: dict[str, str] = {}
    for s in sessions:
        lab = label(s["participant"])
        if subs.setdefault(lab, s["participant"]) != s["participant"]:
            raise InputError(f"participant codes '{subs[lab]}' and '{s['participant']}' give the same BIDS label sub-{lab}",
                             fix="export them separately")
    _json(root / "dataset_description.json", {
        "Name": "Motor Station motor practice sessions",
        "BIDSVersion": BIDS_VERSION,
        "DatasetType": "raw",
        "GeneratedBy": [{"Name": "motor-station", "Version": __version__,
                         "Description": "sensor-assisted motor practice station (webcam landmarks via MediaPipe, serial sensors)"}],
    })
    (root / "README").write_text(
        "Motor Station export\n====================\n\nPractice sessions recorded by Motor Station (pediatric occupational "
        "therapy). Participants are identified by pseudonymous codes only. Landmarks are MediaPipe hand/pose "
        "landmarks in normalised image coordinates (x right, y down, 0..1, unmirrored camera image); the first motion "
        "channel is the exact frame time in seconds from the trial start. Metrics (beh) carry their definitions in "
        "the JSON sidecars."
        + ("\n\nDates are shifted back by a secret number of days per participant (times of day kept)." if dates.shift_days else "")
        + "\n",
        encoding="utf-8",
    )
    by_sub: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in sessions:
        by_sub[s["participant"]].append(s)
    prows = []
    for code, ss in sorted(by_sub.items()):
        part = db.participant(code)
        # session numbers follow the participant's whole history, so they are stable across exports
        order = [x["id"] for x in sorted(db.list_sessions(code), key=lambda x: (x["utc_start"], x["id"]))]
        ss.sort(key=lambda x: order.index(x["id"]))
        first = ss[0]["utc_start"]
        hand = {"left": "left", "right": "right", "both": "ambidextrous", "ambidextrous": "ambidextrous"}.get(
            str(part["dominant_hand"] or "").lower(), "n/a")
        prows.append([f"sub-{label(code)}", age_years(part["birth_year"], part["birth_month"], first), hand])
        srows = []
        for s in ss:
            ses = f"{order.index(s['id']) + 1:02d}"
            _write_session(db, s, root / f"sub-{label(code)}" / f"ses-{ses}", label(code), ses, dates)
            srows.append([f"ses-{ses}", _acq_time(s["utc_start"], 0, code, dates), s["id"], s["status"],
                          s.get("source") or "n/a", "true" if s.get("simulated") else "false", s.get("place") or "n/a"])
        _tsv(root / f"sub-{label(code)}" / f"sub-{label(code)}_sessions.tsv",
             ["session_id", "acq_time", "station_session_uuid", "status", "source", "simulated", "place"], srows)
    _tsv(root / "participants.tsv", ["participant_id", "age", "handedness"], prows)
    _json(root / "sessions.json", {
        "acq_time": {"Description": "UTC start of the session (shifted when dates are shifted)"},
        "station_session_uuid": {"Description": "Motor Station session id (traces a BIDS session back to the station database)"},
        "status": {"Description": "how the session ended", "Levels": {
            "complete": "all trials ran", "stopped": "stopped early by the therapist", "interrupted": "the station process died",
            "failed": "a trial's input failed or showed no child (no score)", "recording": "still recording when exported"}},
        "source": {"Description": "what produced the data: camera:N, video:NAME, simulated, device:KIND:URL, simulator:KIND"},
        "simulated": {"Description": "true when a generator or simulator produced any of it (files carry acq-simulated): "
                                     "not a child's result", "Levels": {"true": "simulated", "false": "recorded from a child"}},
        "place": {"Description": "where the session was played", "Levels": {"clinic": "clinic", "home": "home", "school": "school"}},
    })
    _json(root / "participants.json", {
        "participant_id": {"Description": "pseudonymous participant code (non-alphanumerics removed); no names are ever stored"},
        "age": {"Description": "age in completed years at the first exported session, from birth year and month", "Units": "year"},
        "handedness": {"Description": "dominant hand as recorded by the therapist",
                       "Levels": {"left": "left", "right": "right", "ambidextrous": "ambidextrous"}},
    })


def _write_session(db: Database, sess: dict[str, Any], sdir: Path, sub: str, ses: str, dates: DatePolicy) -> None:
    sid = sess["id"]
    code = sess["participant"]
    t0 = int(sess["clock_start_ns"])
    trials = db.rows(S.trials, sid, order=("trial",))
    per_task: dict[str, int] = defaultdict(int)
    for t in trials:
        per_task[label(t["exercise"])] += 1
    run_no: dict[str, int] = defaultdict(int)
    scans: list[list[Any]] = []
    devices = {d["device_id"]: d["info"] for d in db.rows(S.devices, sid)}
    metrics = db.rows(S.metrics, sid, order=("trial", "name"))
    events = db.rows(S.events, sid, order=("trial", "t_ns", "id"))
    for t in trials:
        task = label(t["exercise"])
        run_no[task] += 1
        run = f"_run-{run_no[task]}" if per_task[task] > 1 else ""
        sim = "_acq-simulated" if t.get("simulated") else ""  # simulated data says so in every file name
        stem = f"sub-{sub}_ses-{ses}_task-{task}"
        ts = int(t["t_start_ns"])
        acq = _acq_time(sess["utc_start"], ts - t0, code, dates)
        task_meta = {"TaskName": task, "TaskDescription": f"Motor Station exercise '{t['exercise']}'",
                     "Instructions": json.dumps(t["settings"], sort_keys=True)}
        # motion: one file per tracking system (hand / pose)
        has_motion = False
        for kind, tracksys in TRACKSYS.items():
            if t.get("simulated"):
                tracksys = SIM_TRACKSYS[kind]
            rel = _write_motion(db, sid, t["trial"], ts, kind, sdir / "motion", f"{stem}_tracksys-{tracksys}{sim}{run}", tracksys, task_meta)
            if rel:
                scans.append([f"motion/{rel}", acq])
                has_motion = True
        # beh: metrics and scored events of the trial
        beh = sdir / "beh"
        beh.mkdir(parents=True, exist_ok=True)
        ms = [m for m in metrics if m["trial"] == t["trial"]]
        _tsv(beh / f"{stem}{sim}{run}_beh.tsv", ["metric", "value", "unit"],
             [[m["name"], m["value"] if m["value"] is not None else m["text"], m["unit"] or "n/a"] for m in ms])
        _json(beh / f"{stem}{sim}{run}_beh.json", {
            **task_meta,
            "metric": {"Description": "metric name; definitions below (MetricDefinitions)"},
            "value": {"Description": "metric value (n/a when it could not be computed)"},
            "unit": {"Description": "unit of value"},
            "MetricDefinitions": {m["name"]: m["definition"] for m in ms},
            "Repetitions": t["reps"],
            "DurationSeconds": None if t["t_end_ns"] is None else (t["t_end_ns"] - ts) / 1e9,
        })
        scans.append([f"beh/{stem}{sim}{run}_beh.tsv", acq])
        # scored events sit beside the motion data they were scored from (else with the behaviour)
        edir = sdir / "motion" if has_motion else beh
        evs = [e for e in events if e["trial"] == t["trial"]]
        _tsv(edir / f"{stem}{sim}{run}_events.tsv", ["onset", "duration", "trial_type", "rep", "value", "unit"],
             [[(e["t_ns"] - ts) / 1e9, 0, e["kind"], e["rep"], e["value"], e["unit"] or "n/a"] for e in evs])
        _json(edir / f"{stem}{sim}{run}_events.json", {
            **task_meta,
            "StimulusPresentation": {"SoftwareName": "motor-station", "SoftwareVersion": __version__},
            "onset": {"Description": "event time from the trial start (session clock)", "Units": "s"},
            "duration": {"Description": "events are instants", "Units": "s"},
            "trial_type": {"Description": "event kind as scored by the exercise (rep, jump, left_path, peg_placed...)"},
            "rep": {"Description": "repetition number the event belongs to"},
            "value": {"Description": "the event's main quantity, in unit"},
            "unit": {"Description": "unit of value"},
        })
        # physio: sensor samples of the trial, one file per device
        for dev_id, info in sorted(devices.items()):
            rel = _write_physio(db, sid, t["trial"], ts, dev_id, info, beh, f"{stem}{sim}_recording-{label(dev_id)}{run}", task_meta)
            if rel:
                scans.append([f"beh/{rel}", acq])
    sdir.mkdir(parents=True, exist_ok=True)
    _tsv(sdir / f"sub-{sub}_ses-{ses}_scans.tsv", ["filename", "acq_time"], scans)


def _write_motion(db: Database, sid: str, trial: int, ts: int, kind: str, mdir: Path, stem: str, tracksys: str,
                  task_meta: dict[str, Any]) -> str | None:
    batches = list(read_landmarks(db, sid, trial=trial, kind=kind, person=0 if kind == "pose" else None))
    if not batches:
        return None
    b = batches[0]
    hand = [(h or "Right").lower() for h in b.handedness]
    # one group of channels per tracked body part: the hand's side, or the single followed person
    groups = sorted(set(hand)) if kind == "hand" else ["body"]
    names = landmark_names(kind, int(b.counts[0]))
    frames: dict[int, dict[str, np.ndarray]] = {}
    times: dict[int, int] = {}
    for i, (fs, t) in enumerate(zip(b.frame_seq.tolist(), b.t_ns.tolist(), strict=True)):
        g = hand[i] if kind == "hand" else "body"
        frames.setdefault(fs, {}).setdefault(g, b.landmarks(i))
        times.setdefault(fs, t)
    seqs = sorted(frames, key=lambda s: times[s])
    chan: list[list[str]] = [["latency", "n/a", "LATENCY", "n/a", "s", "frame capture time from the trial start (session clock)"]]
    for g in groups:
        for name in names:
            tp = f"{g}_{name}" if kind == "hand" else name
            for comp, desc in (("x", "normalised image x (right), 0..1 of the frame width, unmirrored"),
                               ("y", "normalised image y (down), 0..1 of the frame height"),
                               ("z", "MediaPipe relative depth, scale of x, negative towards the camera")):
                chan.append([f"{tp}_{comp}", comp, "POS", tp, "n/a", desc])
            chan.append([f"{tp}_visibility", "n/a", "MISC", tp, "n/a", "landmark visibility/presence 0..1"])
    data = []
    for s in seqs:
        row: list[Any] = [(times[s] - ts) / 1e9]
        for g in groups:
            a = frames[s].get(g)
            if a is None:
                row += [None] * (4 * len(names))
            else:
                row += [float(v) for v in a[:, :4].ravel()]
        data.append(row)
    mdir.mkdir(parents=True, exist_ok=True)
    _tsv(mdir / f"{stem}_motion.tsv", None, data)
    _tsv(mdir / f"{stem}_channels.tsv", ["name", "component", "type", "tracked_point", "units", "description"], chan)
    t = np.array([times[s] for s in seqs], dtype=np.int64)
    dt = np.diff(t) / 1e9
    fs = float(round(1.0 / float(np.median(dt)), 3)) if len(dt) and np.median(dt) > 0 else "n/a"
    n_pos = sum(1 for c in chan if c[2] == "POS")
    _json(mdir / f"{stem}_motion.json", {
        **task_meta,
        "SamplingFrequency": fs,
        "SamplingFrequencyEffective": float(round((len(t) - 1) / ((t[-1] - t[0]) / 1e9), 6)) if len(t) > 1 and t[-1] > t[0] else "n/a",
        "TrackingSystemName": f"{tracksys} ({b.model[0]})",
        "Manufacturer": "Google MediaPipe" if "mediapipe" in b.model[0].lower() else "Motor Station",
        "ManufacturersModelName": b.model[0],
        "SoftwareVersions": f"motor-station {__version__}",
        "RecordingDuration": float((t[-1] - ts) / 1e9) if len(t) else 0.0,
        "RecordingType": "continuous",
        "MotionChannelCount": len(chan),
        "POSChannelCount": n_pos,
        "MISCChannelCount": sum(1 for c in chan if c[2] == "MISC"),
        "LATENCYChannelCount": 1,
        **{f"{k}ChannelCount": 0 for k in ("ACCEL", "ANGACCEL", "GYRO", "JNTANG", "MAGN", "ORNT", "VEL")},
        "SubjectArtefactDescription": "n/a",
        "TrackedPointsCount": len(groups) * len(names),
        "SpatialAxes": "RDF",
        "MissingValues": "n/a",
        "SourceId": b.source_id[0],
    })
    return f"{stem}_motion.tsv"


def _write_physio(db: Database, sid: str, trial: int, ts: int, dev_id: str, info: dict[str, Any], bdir: Path, stem: str,
                  task_meta: dict[str, Any]) -> str | None:
    batches = list(read_samples(db, sid, device_id=dev_id, trial=trial))
    if not batches:
        return None
    chans = [label(c) for c in (info.get("channels") or [])] or [f"ch{i}" for i in range(int(batches[0].widths[0]))]
    units = list(info.get("units") or [""] * len(chans))
    lines = []
    t_all = []
    for b in batches:
        t_all.append(b.t_ns)
        for seq, t_ns, flags, values in zip(b.seq.tolist(), b.t_ns.tolist(), b.flags.tolist(), b.value_lists(), strict=True):
            vals = [_na(None if v is None else float(v)) for v in values]
            lines.append("\t".join([f"{(t_ns - ts) / 1e9:.9f}", str(seq), str(flags), *vals]))
    t_ns_all = np.concatenate(t_all)
    path = bdir / f"{stem}_physio.tsv.gz"
    # mtime 0: the same data gives the same bytes (no export time inside the file)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))
    rate = float(info.get("rate_hz") or 0.0)
    _json(bdir / f"{stem}_physio.json", {
        "SamplingFrequency": rate if rate > 0 else float(round(1.0 / float(np.median(np.diff(t_ns_all) / 1e9)), 3)),
        "StartTime": (int(t_ns_all[0]) - ts) / 1e9,
        "Columns": ["t", "seq", "flags", *chans],
        "t": {"Description": "sample time from the trial start (device clock mapped to the session clock)", "Units": "s"},
        "seq": {"Description": "device sequence number (a gap means lost samples)"},
        "flags": {"Description": "bits: 1 saturated, 2 gap before, 4 resynced, 8 uncalibrated, 16 clock reset"},
        **{c: {"Description": f"channel {c} of {dev_id}", "Units": u or "n/a"} for c, u in zip(chans, units, strict=False)},
        "Manufacturer": str(info.get("model", "")),
        "DeviceSerialNumber": str(info.get("serial", "")),
        "SoftwareVersions": str(info.get("firmware", "")),
    })
    return f"{stem}_physio.tsv.gz"
