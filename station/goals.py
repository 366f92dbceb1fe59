"""Treatment goals the station measures: SMART goals per child and Goal Attainment Scaling (GAS).

A goal (:class:`GoalSpec`) names a participant, one exercise (or a family: every exercise that declares
the metric), one **headline metric the exercise's contract declares** with its direction (``at_least`` /
``at_most``), a threshold in the metric's unit, a criterion over trials, settings that must hold, a target
date and optionally the five GAS levels (-2..+2) in the same metric and unit.

Criteria (see :class:`Criterion`), over the trials that count (:func:`counts_toward_goals`), oldest first:

``k-of-n``       met when at least ``k`` of the last ``n`` trials reach the threshold (fewer than ``n``
                 trials so far: not met yet).
``in-a-row``     met when each of the last ``n`` sessions (sessions with a counting trial) had its best
                 trial reach the threshold.
``best``         met when the best trial of the most recent session reaches the threshold.

The **criterion value** is the one number the criterion is judged on, in the metric's unit: ``k-of-n``:
the k-th best of the last n trials (the value reached in k of the last n tries); ``in-a-row``: the worst
of the last n session bests; ``best``: the last session's best. The current **GAS level** is the highest
level whose value the criterion value reaches in the goal's direction (-2 when even -1 is not reached).
The **trend** compares the mean of the newer half of the last (up to) 10 trials with the older half:
``improving`` / ``worsening`` when the difference in the goal's direction exceeds 5 % of the threshold's
magnitude (or of the spread of the values when the threshold is 0), else ``steady``.

Trials count only when real and finished: simulated trials (the simulated child, a ``sim://`` device) and
failed, interrupted or stopped trials without a result never count; the metric must carry the goal's unit
(a tabletop trial's mm never mix with a screen trial's frame heights) and every setting the goal names must
hold (compared on the exercise's full settings, defaults included).

Stored append-only (:mod:`station.storage.schema` ``goals``, ``goal_versions``, ``goal_events``): editing a
goal adds a version, achieving or retiring it adds an event; nothing is overwritten.

GAS T-score (Kiresuk & Sherman 1968), over the goals with levels and a current level::

    T = 50 + 10 * sum(w_i x_i) / sqrt((1 - rho) * sum(w_i^2) + rho * (sum w_i)^2),  rho = 0.3, w_i = 1

Assumptions (stated in ``exercises/DEFINITIONS.md``): the goals' scores correlate with rho = 0.3 and the
levels are set so that each goal's outcome is centred on 0 with a unit spread; equal weights by default.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy import insert, select

from station.core import InputError
from station.storage import schema as S

log = logging.getLogger(__name__)

RHO = 0.3
"""Assumed correlation between goal scores in the GAS T-score (Kiresuk & Sherman 1968)."""
LEVELS = (-2, -1, 0, 1, 2)
TREND_WINDOW = 10
TREND_SHARE = 0.05
ALT_UNITS = {"frame_height": ("mm",)}
"""Units a metric may also carry: length metrics are frame heights on screen and mm on a calibrated tabletop."""

Direction = Literal["at_least", "at_most"]


# -- the goal -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Criterion:
    """Over which trials the threshold must be reached (see the module docstring)."""

    kind: Literal["k-of-n", "in-a-row", "best"]
    k: int = 1
    n: int = 1

    @classmethod
    def parse(cls, text: str) -> Criterion:
        """``4-of-5`` (or ``4/5``), ``3-in-a-row`` (sessions), ``best`` (best of the session)."""
        t = text.strip().lower().replace(" ", "-")
        if m := re.fullmatch(r"(\d+)(?:-of-|/)(\d+)", t):
            k, n = int(m[1]), int(m[2])
            if not 1 <= k <= n <= 100:
                raise InputError(f"criterion '{text}' needs 1 <= k <= n <= 100", where="--in", fix="e.g. 4-of-5")
            return cls("k-of-n", k, n)
        if m := re.fullmatch(r"(\d+)-(?:sessions-)?in-a-row", t):
            n = int(m[1])
            if not 1 <= n <= 100:
                raise InputError(f"criterion '{text}' needs 1 to 100 sessions", where="--in", fix="e.g. 3-in-a-row")
            return cls("in-a-row", n, n)
        if t in ("best", "best-of-session", "best-of-the-session"):
            return cls("best")
        raise InputError(f"unknown criterion '{text}'", where="--in", fix="use K-of-N (4-of-5), N-in-a-row (3-in-a-row) or best")

    def words(self) -> str:
        if self.kind == "k-of-n":
            return f"in {self.k} of the last {self.n} tries"
        if self.kind == "in-a-row":
            return f"in {self.n} sessions in a row"
        return "as the best try of a session"

    def code(self) -> str:
        return {"k-of-n": f"{self.k}-of-{self.n}", "in-a-row": f"{self.n}-in-a-row", "best": "best"}[self.kind]


@dataclass(frozen=True, slots=True)
class GoalSpec:
    """One version of a goal, as the therapist wrote it (stored whole in ``goal_versions.spec``)."""

    participant: str
    exercises: tuple[str, ...]
    metric: str
    label: str
    unit: str
    direction: Direction
    threshold: float
    criterion: Criterion
    target_date: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    gas: tuple[float, float, float, float, float] | None = None
    """Values of the levels -2, -1, 0, +1, +2 in the metric's unit (ordered worse -> better)."""
    weight: float = 1.0
    family: str | None = None
    note: str = ""

    @property
    def title(self) -> str:
        return self.family or (self.exercises[0] if len(self.exercises) == 1 else " / ".join(self.exercises))

    def sentence(self) -> str:
        """The goal in words, e.g. "P-017 will reach Mean deviation at most 5 mm in tracing in 4 of the
        last 5 tries, with mode = tabletop, by 2027-03-01"."""
        rel = "at least" if self.direction == "at_least" else "at most"
        unit = "" if self.unit == "count" else f" {self.unit}"
        where = f"the {self.family} family ({', '.join(self.exercises)})" if self.family else self.title
        s = f"{self.participant} will reach {self.label} {rel} {_num(self.threshold)}{unit} in {where} {self.criterion.words()}"
        if self.settings:
            s += ", with " + ", ".join(f"{k} = {v}" for k, v in self.settings.items())
        if self.target_date:
            s += f", by {self.target_date}"
        return s

    def to_json(self) -> dict[str, Any]:
        return {"participant": self.participant, "exercises": list(self.exercises), "family": self.family,
                "metric": self.metric, "label": self.label, "unit": self.unit, "direction": self.direction,
                "threshold": self.threshold, "criterion": {"kind": self.criterion.kind, "k": self.criterion.k, "n": self.criterion.n},
                "target_date": self.target_date, "settings": dict(self.settings),
                "gas": None if self.gas is None else list(self.gas), "weight": self.weight, "note": self.note}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> GoalSpec:
        c = d["criterion"]
        gas = d.get("gas")
        return cls(d["participant"], tuple(d["exercises"]), d["metric"], d.get("label") or d["metric"], d["unit"], d["direction"],
                   float(d["threshold"]), Criterion(c["kind"], int(c["k"]), int(c["n"])), d.get("target_date"),
                   dict(d.get("settings") or {}), None if gas is None else _five(gas),
                   float(d.get("weight", 1.0)), d.get("family"), d.get("note") or "")

    def better(self, a: float, b: float) -> bool:
        """``a`` reaches ``b`` in the goal's direction."""
        return a >= b if self.direction == "at_least" else a <= b

    def reaches(self, v: float) -> bool:
        return self.better(v, self.threshold)


def _five(values: Sequence[float]) -> tuple[float, float, float, float, float]:
    a, b, c, d, e = (float(x) for x in values)
    return a, b, c, d, e


def _num(v: float) -> str:
    return f"{v:.4g}"


def declared_metric(exercise: str, metric: str) -> Any:
    """The :class:`~exercises.contract.Metric` ``exercise`` declares as ``metric``; :class:`InputError`
    (one line) naming the declared ones otherwise."""
    import exercises

    cls = exercises.get(exercise)
    for m in cls.contract.headline:
        if m.name == metric:
            return m
    names = ", ".join(f"{m.name} ({m.unit})" for m in cls.contract.headline)
    raise InputError(f"exercise '{cls.name}' does not declare a metric '{metric}'", where="--metric", fix=f"choose one of: {names}")


def family_exercises(metric: str, family: str) -> list[str]:
    """Exercises of a family for a family goal: registered exercises whose name starts with or contains
    ``family`` (``jumps`` -> jumps, frog_jumps, broad_jumps...) and that declare ``metric``."""
    import exercises

    key = family.strip().lower().replace("-", "_")
    out = []
    for name in exercises.names():
        if key in name and any(m.name == metric for m in exercises.get(name).contract.headline):
            out.append(name)
    if not out:
        raise InputError(f"no exercise of the family '{family}' declares a metric '{metric}'", where="--family",
                         fix="choose a family word of the exercise names (station exercises list) and a metric they declare")
    return out


def make_spec(participant: str, *, exercise: str | None, family: str | None, metric: str, direction: Direction,
              threshold: float, criterion: Criterion, unit: str | None = None, target_date: str | None = None,
              settings: Mapping[str, Any] | None = None, gas: Sequence[float] | None = None, weight: float = 1.0,
              note: str = "") -> GoalSpec:
    """A checked goal: the metric must be declared by the exercise (every exercise of a family), the unit
    must be the declared one (or a length metric's mm), settings must be settings of the exercise, GAS
    levels must be five values ordered from worse to better. Bad input: :class:`InputError`, one line."""
    import exercises
    from station.core import check_participant_code

    participant = check_participant_code(participant)
    if (exercise is None) == (family is None):
        raise InputError("give one of --exercise or --family", where="goal")
    names = [exercises.get(exercise).name] if exercise is not None else family_exercises(metric, family or "")
    decl = [declared_metric(n, metric) for n in names]
    m = decl[0]
    allowed = (m.unit, *ALT_UNITS.get(m.unit, ()))
    unit = unit or m.unit
    if unit not in allowed:
        raise InputError(f"metric '{metric}' is measured in {' or '.join(allowed)}, not '{unit}'", where="--unit",
                         fix=f"use --unit {m.unit}")
    if m.higher_is_better is not None:
        natural: Direction = "at_least" if m.higher_is_better else "at_most"
        if direction != natural:
            log.info("goal direction %s differs from the metric's better direction", direction)
    if not math.isfinite(threshold):
        raise InputError("the threshold must be a number", where="goal")
    settings = dict(settings or {})
    for n in names:
        known = exercises.get(n).Settings.model_fields
        unknown = [k for k in settings if k not in known]
        if unknown:
            raise InputError(f"exercise '{n}' has no setting {', '.join(repr(k) for k in unknown)}", where="--require",
                             fix=f"choose from: {', '.join(known)}")
        exercises.get(n).parse_settings(settings)
    if target_date is not None:
        try:
            target_date = date.fromisoformat(target_date).isoformat()
        except ValueError:
            raise InputError(f"target date '{target_date}' is not a date", where="--by", fix="write it as YYYY-MM-DD") from None
    levels: tuple[float, float, float, float, float] | None = None
    if gas is not None:
        if len(gas) != 5 or not all(math.isfinite(float(x)) for x in gas):
            raise InputError("GAS needs five values for the levels -2, -1, 0, +1, +2", where="--gas", fix="e.g. --gas 12,9,5,4,3")
        levels = _five(gas)
        spec0 = GoalSpec(participant, tuple(names), metric, m.label, unit, direction, threshold, criterion)
        if not all(spec0.better(levels[i + 1], levels[i]) and levels[i + 1] != levels[i] for i in range(4)):
            raise InputError("GAS levels must go from worse (-2) to better (+2) in the goal's direction", where="--gas",
                             fix=f"{'increasing' if direction == 'at_least' else 'decreasing'} values, e.g. five numbers")
    if not (weight > 0 and math.isfinite(weight)):
        raise InputError("the GAS weight must be a positive number", where="--weight")
    return GoalSpec(participant, tuple(names), metric, m.label, unit, direction, float(threshold), criterion, target_date,
                    settings, levels, float(weight), family, note)


# -- trials ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TrialPoint:
    """One stored trial of a participant, as goals see it."""

    session_id: str
    utc_start: str
    trial: int
    exercise: str
    settings: Mapping[str, Any]
    finished: bool
    """The trial ended with a result (failed, interrupted or stopped trials without one: ``False``)."""
    simulated: bool
    metrics: Mapping[str, tuple[float, str]]
    """name -> (value, unit) of the numeric metrics."""


def header_says_simulated(header: Mapping[str, Any] | None, trial: int) -> bool:
    """Whether a session header says the simulated child or a simulated device (``sim://``) produced a trial."""
    config = (header or {}).get("config") or {}
    if config.get("source") == "simulated":
        return True
    trials = config.get("trials") or []
    src = str(trials[trial].get("source", "")) if 0 <= trial < len(trials) and isinstance(trials[trial], Mapping) else ""
    if src == "synthetic" or src.startswith("simulator") or "sim://" in src:
        return True
    devices = (header or {}).get("devices") or []
    sim_devices = any(str(d.get("url", "")).startswith("sim://") for d in devices if isinstance(d, Mapping))
    return sim_devices and (not src or src.startswith("device:"))  # a device trial while a simulator was the device


def counts_toward_goals(t: TrialPoint) -> bool:
    """THE filter of trials for goals: real and finished. (When sessions/trials carry the provenance
    column, ``t.simulated`` is read from it in :func:`load_trials`; this rule stays.)"""
    return t.finished and not t.simulated


def load_trials(db: Any, participant: str) -> list[TrialPoint]:
    """Every trial of a participant with its numeric metrics, oldest first (session start, trial)."""
    T, M, Ss = S.trials, S.metrics, S.sessions
    with db.engine.connect() as c:
        sess = {r.id: r for r in c.execute(select(Ss.c.id, Ss.c.utc_start, Ss.c.header).where(Ss.c.participant == participant))}
        if not sess:
            return []
        rows = c.execute(select(T.c.session_id, T.c.trial, T.c.exercise, T.c.settings, T.c.t_end_ns, T.c.result,
                                T.c.simulated, T.c.status)
                         .where(T.c.session_id.in_(list(sess)))).all()
        mets: dict[tuple[str, int], dict[str, tuple[float, str]]] = {}
        for r in c.execute(select(M.c.session_id, M.c.trial, M.c.name, M.c.value, M.c.unit)
                           .where(M.c.session_id.in_(list(sess)), M.c.value.is_not(None))):
            mets.setdefault((r.session_id, r.trial), {})[r.name] = (float(r.value), r.unit or "")
    out = []
    for r in rows:
        s = sess[r.session_id]
        out.append(TrialPoint(r.session_id, s.utc_start, r.trial, r.exercise, r.settings if isinstance(r.settings, Mapping) else {},
                              bool(r.result) and r.t_end_ns is not None and r.status != "failed",
                              bool(r.simulated) or header_says_simulated(s.header, r.trial),  # the provenance column (#14)
                              mets.get((r.session_id, r.trial), {})))
    out.sort(key=lambda t: (t.utc_start, t.session_id, t.trial))
    return out


def _settings_hold(spec: GoalSpec, t: TrialPoint) -> bool:
    if not spec.settings:
        return True
    import exercises

    try:
        full = exercises.get(t.exercise).parse_settings(dict(t.settings)).model_dump(mode="json")
    except InputError:
        return False
    return all(str(full.get(k)).lower() == str(v).lower() for k, v in spec.settings.items())


def goal_values(spec: GoalSpec, trials: Iterable[TrialPoint]) -> list[tuple[TrialPoint, float]]:
    """The trials that count for this goal with the goal metric's value, oldest first."""
    out = []
    for t in trials:
        if t.exercise not in spec.exercises or not counts_toward_goals(t):
            continue
        mv = t.metrics.get(spec.metric)
        if mv is None or not math.isfinite(mv[0]) or (mv[1] or spec.unit) != spec.unit:
            continue
        if _settings_hold(spec, t):
            out.append((t, mv[0]))
    return out


# -- evaluation ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Evaluation:
    """Where the child stands on one goal."""

    met: bool
    n_trials: int
    hits: int
    """Trials (k-of-n) or sessions (in-a-row, best) in the window that reached the threshold."""
    window: int
    """Trials (k-of-n) or sessions in the window so far."""
    value: float | None
    """The criterion value (see the module docstring), ``None`` without enough trials."""
    trend: Literal["improving", "steady", "worsening", "–"]
    level: int | None
    """Current GAS level (-2..+2) when the goal has levels and a criterion value."""
    last_values: tuple[float, ...]

    def words(self, spec: GoalSpec) -> str:
        """Plain words for parents and teachers: "Tracing: goal met on 4 of the last 5 tries"."""
        title = spec.title.replace("_", " ").capitalize()
        c = spec.criterion
        if self.n_trials == 0:
            return f"{title}: no tries counted yet"
        if c.kind == "k-of-n":
            if self.window < c.n:
                return f"{title}: goal reached on {self.hits} of {self.window} tries so far ({c.n} tries needed)"
            return f"{title}: goal {'met' if self.met else 'reached'} on {self.hits} of the last {c.n} tries" + ("" if self.met else f" ({c.k} needed)")
        if c.kind == "in-a-row":
            return f"{title}: goal {'met' if self.met else 'reached'} in {self.hits} of the last {self.window} sessions" + (
                "" if self.met else f" ({c.n} in a row needed)")
        return f"{title}: goal {'met' if self.met else 'not met yet'} with the best try of the last session"


def _trend(spec: GoalSpec, vals: Sequence[float]) -> Literal["improving", "steady", "worsening", "–"]:
    v = list(vals)[-TREND_WINDOW:]
    if len(v) < 4:
        return "–"
    half = len(v) // 2
    old, new = sum(v[: len(v) - half]) / (len(v) - half), sum(v[-half:]) / half
    scale = abs(spec.threshold) or (max(v) - min(v))
    delta = (new - old) if spec.direction == "at_least" else (old - new)
    if scale == 0 or abs(delta) <= TREND_SHARE * scale:
        return "steady"
    return "improving" if delta > 0 else "worsening"


def _best(spec: GoalSpec, vals: Iterable[float]) -> float:
    v = list(vals)
    return max(v) if spec.direction == "at_least" else min(v)


def gas_level(spec: GoalSpec, value: float | None) -> int | None:
    """The highest GAS level whose value ``value`` reaches in the goal's direction (-2 when even -1 is not)."""
    if spec.gas is None or value is None:
        return None
    level = -2
    for lv, x in zip(LEVELS[1:], spec.gas[1:], strict=True):
        if spec.better(value, x):
            level = lv
    return level


def evaluate(spec: GoalSpec, trials: Iterable[TrialPoint]) -> Evaluation:
    """Evaluate a goal over a participant's trials (see the module docstring for the rules)."""
    pts = goal_values(spec, trials)
    vals = [v for _, v in pts]
    c = spec.criterion
    value: float | None = None
    if c.kind == "k-of-n":
        win = vals[-c.n:]
        hits = sum(spec.reaches(v) for v in win)
        met = len(win) == c.n and hits >= c.k
        if len(win) == c.n:
            ranked = sorted(win, reverse=spec.direction == "at_least")
            value = ranked[c.k - 1]
        window = len(win)
    else:
        per: dict[str, list[float]] = {}
        for t, v in pts:
            per.setdefault(t.session_id, []).append(v)
        bests = [_best(spec, vs) for vs in per.values()]  # sessions in order (dicts keep insertion order)
        n = c.n if c.kind == "in-a-row" else 1
        win = bests[-n:]
        hits = sum(spec.reaches(v) for v in win)
        met = len(win) == n and hits == n
        if len(win) == n:
            value = max(win) if spec.direction == "at_most" else min(win)
        window = len(win)
    return Evaluation(met, len(vals), hits, window, value, _trend(spec, vals), gas_level(spec, value), tuple(vals[-TREND_WINDOW:]))


def propose_levels(spec: GoalSpec, trials: Iterable[TrialPoint], baseline_n: int = 5) -> tuple[float, ...] | None:
    """GAS levels proposed from the child's baseline (the therapist edits them): -1 = the baseline (mean
    of the last ``baseline_n`` counting trials), 0 = the goal's threshold, and with d = threshold - baseline:
    -2 = baseline - d/2, +1 = threshold + d/2, +2 = threshold + d. ``None`` without a baseline, or when
    the baseline already reaches the threshold (then the goal itself needs rethinking)."""
    vals = [v for _, v in goal_values(spec, trials)][-baseline_n:]
    if not vals:
        return None
    base = sum(vals) / len(vals)
    d = spec.threshold - base
    if d == 0 or spec.reaches(base):
        return None
    return tuple(round(x, 6) for x in (base - d / 2, base, spec.threshold, spec.threshold + d / 2, spec.threshold + d))


def t_score(levels: Sequence[int], weights: Sequence[float] | None = None, rho: float = RHO) -> float | None:
    """The GAS T-score (Kiresuk & Sherman 1968) of goals at ``levels`` (-2..+2) with ``weights`` (equal by
    default); ``None`` without goals."""
    if not levels:
        return None
    w = [1.0] * len(levels) if weights is None else [float(x) for x in weights]
    num = sum(wi * xi for wi, xi in zip(w, levels, strict=True))
    den = math.sqrt((1 - rho) * sum(wi * wi for wi in w) + rho * sum(w) ** 2)
    return 50.0 + 10.0 * num / den


# -- storage (append-only) ---------------------------------------------------------------------------
def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class Goal:
    """A stored goal: its newest version and its history of events."""

    id: str
    version: int
    spec: GoalSpec
    created_utc: str
    events: tuple[Mapping[str, Any], ...]

    @property
    def status(self) -> str:
        kinds = [e["kind"] for e in self.events]
        if "retired" in kinds:
            return "retired"
        return "achieved" if "achieved" in kinds else "active"


def add_goal(db: Any, spec: GoalSpec, *, detail: Mapping[str, Any] | None = None) -> Goal:
    gid = str(uuid.uuid4())
    now = _now()
    db.ensure_participant(spec.participant)
    with db.engine.begin() as c:
        c.execute(insert(S.goals).values(id=gid, participant=spec.participant, created_utc=now))
        c.execute(insert(S.goal_versions).values(goal_id=gid, version=1, utc=now, spec=spec.to_json()))
        c.execute(insert(S.goal_events).values(goal_id=gid, utc=now, kind="created", version=1, detail=dict(detail or {})))
    return get_goal(db, gid)


def edit_goal(db: Any, goal_id: str, spec: GoalSpec, *, detail: Mapping[str, Any] | None = None) -> Goal:
    g = get_goal(db, goal_id)
    if spec.participant != g.spec.participant:
        raise InputError("a goal stays with its participant", where=goal_id)
    now = _now()
    with db.engine.begin() as c:
        c.execute(insert(S.goal_versions).values(goal_id=g.id, version=g.version + 1, utc=now, spec=spec.to_json()))
        c.execute(insert(S.goal_events).values(goal_id=g.id, utc=now, kind="edited", version=g.version + 1, detail=dict(detail or {})))
    return get_goal(db, g.id)


def retire_goal(db: Any, goal_id: str, reason: str = "") -> Goal:
    g = get_goal(db, goal_id)
    if g.status == "retired":
        raise InputError("the goal is already retired", where=goal_id)
    with db.engine.begin() as c:
        c.execute(insert(S.goal_events).values(goal_id=g.id, utc=_now(), kind="retired", version=g.version, detail={"reason": reason}))
    return get_goal(db, g.id)


def get_goal(db: Any, goal_id: str) -> Goal:
    """A goal by id (or a unique prefix of at least 4 characters)."""
    with db.engine.connect() as c:
        ids = [r[0] for r in c.execute(select(S.goals.c.id).where(S.goals.c.id.startswith(goal_id, autoescape=True)))] if len(goal_id) >= 4 else []
        if len(ids) != 1:
            raise InputError("no such goal" if not ids else "the goal id is ambiguous", where=goal_id,
                             fix="see `station goals list PARTICIPANT` for the ids")
        return _goals(c, [ids[0]])[0]


def _goals(c: Any, ids: list[str]) -> list[Goal]:
    if not ids:
        return []
    heads = {r.id: r.created_utc for r in c.execute(select(S.goals.c.id, S.goals.c.created_utc).where(S.goals.c.id.in_(ids)))}
    vers: dict[str, tuple[int, Any]] = {}
    for r in c.execute(select(S.goal_versions.c.goal_id, S.goal_versions.c.version, S.goal_versions.c.spec)
                       .where(S.goal_versions.c.goal_id.in_(ids))):
        if r.goal_id not in vers or r.version > vers[r.goal_id][0]:
            vers[r.goal_id] = (r.version, r.spec)
    evs: dict[str, list[dict[str, Any]]] = {}
    for r in c.execute(select(S.goal_events).where(S.goal_events.c.goal_id.in_(ids)).order_by(S.goal_events.c.id)).mappings():
        evs.setdefault(r["goal_id"], []).append(dict(r))
    return [Goal(i, vers[i][0], GoalSpec.from_json(vers[i][1]), heads[i], tuple(evs.get(i, ()))) for i in ids if i in vers]


def list_goals(db: Any, participant: str | None = None, *, include_retired: bool = True) -> list[Goal]:
    """Goals (of a participant), oldest first."""
    q = select(S.goals.c.id).order_by(S.goals.c.created_utc, S.goals.c.id)
    if participant is not None:
        q = q.where(S.goals.c.participant == participant)
    with db.engine.connect() as c:
        out = _goals(c, [r[0] for r in c.execute(q)])
    return out if include_retired else [g for g in out if g.status != "retired"]


def goal_versions(db: Any, goal_id: str) -> list[tuple[int, str, GoalSpec]]:
    with db.engine.connect() as c:
        return [(r.version, r.utc, GoalSpec.from_json(r.spec)) for r in
                c.execute(select(S.goal_versions).where(S.goal_versions.c.goal_id == goal_id).order_by(S.goal_versions.c.version))]


@dataclass(frozen=True, slots=True)
class Progress:
    goal: Goal
    evaluation: Evaluation


def progress(db: Any, participant: str, *, record: bool = True, include_retired: bool = False,
             until_utc: str | None = None) -> list[Progress]:
    """Every goal of a participant evaluated on the stored trials; ``record`` adds an ``achieved`` event
    the first time a goal's criterion is met (append-only). ``until_utc``: only sessions that started at
    or before it (a report of an older session shows where the child stood then), never recording."""
    trials = load_trials(db, participant)
    if until_utc is not None:
        trials = [t for t in trials if t.utc_start <= until_utc]
        record = False
    out = []
    for g in list_goals(db, participant, include_retired=include_retired):
        ev = evaluate(g.spec, trials)
        if record and ev.met and g.status == "active":
            with db.engine.begin() as c:
                c.execute(insert(S.goal_events).values(goal_id=g.id, utc=_now(), kind="achieved", version=g.version,
                                                       detail={"value": ev.value, "trials": ev.n_trials}))
            g = get_goal(db, g.id)
        out.append(Progress(g, ev))
    return out


def summary_t_score(items: Sequence[Progress]) -> tuple[float | None, int]:
    """The GAS T-score over the goals with levels and a current level, and how many goals it covers."""
    use = [(p.evaluation.level, p.goal.spec.weight) for p in items if p.evaluation.level is not None and p.goal.status != "retired"]
    if not use:
        return None, 0
    return t_score([lv for lv, _ in use], [w for _, w in use]), len(use)


def evaluation_rows(db: Any, participants: Iterable[str]) -> list[dict[str, Any]]:
    """One row per goal (newest version) with its evaluation, for exports."""
    rows = []
    for code in participants:
        for p in progress(db, code, record=False, include_retired=True):
            s, e = p.goal.spec, p.evaluation
            rows.append({
                "participant": code, "goal_id": p.goal.id, "version": p.goal.version, "status": p.goal.status,
                "created_utc": p.goal.created_utc, "exercises": ",".join(s.exercises), "metric": s.metric, "unit": s.unit,
                "direction": s.direction, "threshold": s.threshold, "criterion": s.criterion.code(),
                "settings": ",".join(f"{k}={v}" for k, v in s.settings.items()), "target_date": s.target_date or "",
                "gas_m2": None if s.gas is None else s.gas[0], "gas_m1": None if s.gas is None else s.gas[1],
                "gas_0": None if s.gas is None else s.gas[2], "gas_p1": None if s.gas is None else s.gas[3],
                "gas_p2": None if s.gas is None else s.gas[4], "weight": s.weight, "sentence": s.sentence(),
                "met": e.met, "n_trials": e.n_trials, "hits": e.hits, "window": e.window, "criterion_value": e.value,
                "trend": e.trend, "gas_level": e.level,
            })
    return rows


def with_levels(spec: GoalSpec, levels: Sequence[float] | None) -> GoalSpec:
    return replace(spec, gas=None if levels is None else _five(levels))
