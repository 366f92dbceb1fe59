"""Desk mode: a handwriting session = the seated-posture trial plus the pen trace written during it.

The posture exercise (:mod:`exercises.posture`) scores the upper body from the camera (no video stored);
the pen or tablet trace is scored by the tracing definitions (``station analyze-trace``,
:func:`station.cli.trace.score_file`). :func:`add_pen_trace` stores the trace's scores as one more trial
of the same session (exercise ``tracing``, ``source`` = ``pen:FILE``, the session's place), so the
session's report and the child's history show posture and handwriting side by side.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, insert, select

from station.core import InputError
from station.storage import schema as S
from station.storage.db import Database

log = logging.getLogger(__name__)

PEN_EXERCISE = "tracing"


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v) if math.isfinite(float(v)) else None


def add_pen_trace(db: Database, session_id: str, scored: Mapping[str, Any]) -> tuple[int, bool]:
    """Add a scored pen trace (``score_file``'s dict) to a finished session; ``(trial number, added)``.

    Adding the same file to the same session again changes nothing (``added`` is false)."""
    sid = db.resolve_session(session_id)
    sess = db.session(sid)
    if sess["status"] == "recording":
        raise InputError(f"session {sid[:8]} is still recording", fix="add the pen trace after the session has ended")
    name = str(scored.get("file") or "")
    trials = db.rows(S.trials, sid, ("trial",))
    for t in trials:
        if (t.get("settings") or {}).get("imported_trace") == name and t["source"] == f"pen:{name}"[:128]:
            return int(t["trial"]), False
    metrics = {str(k): v for k, v in dict(scored.get("metrics") or {}).items()}
    units = {str(k): str(v) for k, v in dict(scored.get("units") or {}).items()}
    defs = {str(k): str(v) for k, v in dict(scored.get("definitions") or {}).items()}
    n = len(trials)
    t0 = max((int(t["t_end_ns"] or t["t_start_ns"]) for t in trials), default=int(sess["clock_start_ns"]))
    dur = _num(metrics.get("duration_s")) or 0.0
    result = {"exercise": PEN_EXERCISE, "reps": 0, "metrics": json.loads(json.dumps(metrics, default=float).replace("NaN", "null")),
              "units": units, "definitions": defs, "definitions_version": "1"}
    with db.engine.begin() as c:
        nxt = c.execute(select(func.coalesce(func.max(S.trials.c.trial), -1)).where(S.trials.c.session_id == sid)).scalar_one()
        n = int(nxt) + 1
        c.execute(insert(S.trials).values(session_id=sid, trial=n, exercise=PEN_EXERCISE,
                                          settings={"imported_trace": name, "shape": scored.get("shape", "none")},
                                          t_start_ns=t0, t_end_ns=t0 + int(dur * 1e9), reps=0, result=result,
                                          source=f"pen:{name}"[:128], simulated=False, place=sess["place"], status="complete"))
        rows = []
        for k, v in metrics.items():
            num = _num(v)
            rows.append(dict(session_id=sid, trial=n, name=k[:64], exercise=PEN_EXERCISE, value=num,
                             text=None if num is not None or v is None else str(v)[:256], unit=units.get(k, ""), definition=defs.get(k, "")))
        if rows:
            c.execute(insert(S.metrics), rows)
    db.audit("pen_trace_added", session=sid, trial=n, file=name)
    return n, True
