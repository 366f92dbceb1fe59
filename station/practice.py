"""Practice by place (clinic, home, school): how often, how long, what improved — for the one-page summary.

Qt-free; the parent/teacher summary (:mod:`station.report`) shows :func:`practice_by_place`'s result.

Definitions
-----------
sessions / days
    A participant's sessions at a place (simulated and failed sessions left out: a child's summary holds
    only what the child did), and the number of distinct UTC dates among them.
minutes
    Sum of the trials' lengths (first to last scored step, ``t_end_ns - t_start_ns`` of each complete
    trial), minutes.
what improved
    Per exercise played at the place: its declared history metric (``contract.history``) in the first and
    the last session there; ``better`` is true when it moved the metric's better way
    (``higher_is_better``), false when the other way, ``None`` when unchanged, undirected or seen once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from station.storage import schema as S

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    exercise: str
    title: str
    metric: str
    label: str
    unit: str
    first: float
    last: float
    sessions: int
    better: bool | None

    @property
    def change(self) -> float:
        return self.last - self.first


@dataclass
class PlacePractice:
    place: str
    sessions: int = 0
    days: int = 0
    minutes: float = 0.0
    first_utc: str | None = None
    last_utc: str | None = None
    exercises: dict[str, int] = field(default_factory=dict)
    """Exercise name -> number of trials at the place."""
    changes: list[Change] = field(default_factory=list)
    imported: int = 0
    """Sessions that came in a family's practice bundle (``header.imported``)."""


def practice_by_place(db: Any, participant: str, since: str | None = None) -> dict[str, PlacePractice]:
    """Practice of ``participant`` per place since ``since`` (ISO date or datetime, UTC; ``None`` = all)."""
    import exercises

    q = select(S.sessions.c.id, S.sessions.c.utc_start, S.sessions.c.place, S.sessions.c.header).where(
        S.sessions.c.participant == participant, S.sessions.c.simulated.is_(False),
        S.sessions.c.status.in_(("complete", "stopped", "interrupted"))).order_by(S.sessions.c.utc_start)
    if since:
        q = q.where(S.sessions.c.utc_start >= since)
    with db.engine.connect() as c:
        sessions = [dict(r) for r in c.execute(q).mappings()]
        sids = [s["id"] for s in sessions]
        trials = [dict(r) for r in c.execute(select(S.trials.c.session_id, S.trials.c.trial, S.trials.c.exercise, S.trials.c.t_start_ns,
                                                    S.trials.c.t_end_ns).where(S.trials.c.session_id.in_(sids),
                                                                               S.trials.c.status == "complete",
                                                                               S.trials.c.simulated.is_(False))).mappings()] if sids else []
        mets = [dict(r) for r in c.execute(select(S.metrics.c.session_id, S.metrics.c.trial, S.metrics.c.name, S.metrics.c.value)
                                           .where(S.metrics.c.session_id.in_(sids))).mappings()] if sids else []
    place_of = {s["id"]: (s["place"] or "clinic") for s in sessions}
    order = {s["id"]: k for k, s in enumerate(sessions)}
    out: dict[str, PlacePractice] = {}
    days: dict[str, set[str]] = {}
    for s in sessions:
        pp = out.setdefault(place_of[s["id"]], PlacePractice(place_of[s["id"]]))
        pp.sessions += 1
        pp.first_utc = pp.first_utc or s["utc_start"]
        pp.last_utc = s["utc_start"]
        days.setdefault(pp.place, set()).add(str(s["utc_start"])[:10])
        if isinstance(s["header"], dict) and s["header"].get("imported"):
            pp.imported += 1
    for place, d in days.items():
        out[place].days = len(d)
    values: dict[tuple[str, str], list[tuple[int, float]]] = {}
    metric_of = {(m["session_id"], m["trial"], m["name"]): m["value"] for m in mets}
    for t in trials:
        pp = out[place_of[t["session_id"]]]
        pp.exercises[t["exercise"]] = pp.exercises.get(t["exercise"], 0) + 1
        if t["t_end_ns"] is not None and t["t_start_ns"] is not None:
            pp.minutes += max(0, t["t_end_ns"] - t["t_start_ns"]) / 60e9
        contract = exercises.contract_of(t["exercise"])
        if contract is None:
            continue
        v = metric_of.get((t["session_id"], t["trial"], contract.history))
        if v is not None:
            values.setdefault((pp.place, t["exercise"]), []).append((order[t["session_id"]], float(v)))
    for (place, ex), vals in sorted(values.items()):
        contract = exercises.contract_of(ex)
        metric = contract.history_metric() if contract is not None else None
        if metric is None:
            continue
        vals.sort()
        first, last = vals[0][1], vals[-1][1]
        n = len({k for k, _ in vals})
        better = None
        if n > 1 and metric.higher_is_better is not None and last != first:
            better = (last > first) == metric.higher_is_better
        out[place].changes.append(Change(ex, exercises.get(ex).title, metric.name, metric.label, metric.unit, first, last, n, better))
    for pp in out.values():
        pp.minutes = round(pp.minutes, 2)
    return out


def describe(pp: PlacePractice) -> list[str]:
    """Plain lines for a parent or teacher: how often, how long, what improved."""
    lines = [f"{pp.place}: {pp.sessions} session{'s' if pp.sessions != 1 else ''} on {pp.days} day{'s' if pp.days != 1 else ''}, "
             f"{pp.minutes:.0f} min of practice"]
    for c in pp.changes:
        if c.better is None:
            continue
        word = "better" if c.better else "not better yet"
        lines.append(f"  {c.title}: {c.label} {c.first:g} -> {c.last:g} {c.unit} ({word})".rstrip())
    return lines
