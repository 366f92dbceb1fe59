"""Session plans, difficulty steps, stars and participant history: what the station UI needs, without Qt.

A *session plan* is an ordered list of exercises for one participant, each with its difficulty
settings, a target number of repetitions and/or a duration, and a rest after it. Plans are saved as
validated TOML files (``format = "motor-station-plan"``, ``version = 1``)::

    format = "motor-station-plan"
    version = 1
    name = "Tuesday fine motor"
    participant = "P-017"

    [[items]]
    exercise = "tracing"
    duration_s = 30.0
    rest_s = 10.0
    [items.settings]
    shape = "circle"
    tolerance = 0.04

Units: ``duration_s`` and ``rest_s`` are seconds of active play on the session clock (pauses do not
count); ``reps`` is a count. Settings are validated by the exercise's own pydantic model
(:meth:`exercises.base.Exercise.parse_settings`), so a plan that loads is a plan that runs.

Difficulty steps (:func:`step_difficulty`) move the settings each exercise declares as difficulty
knobs (:class:`~exercises.contract.Knob`), each its declared harder way, so a new exercise gets them
without UI changes. Stars come from each exercise's own rule (``contract.stars``); the history table
shows each exercise's declared history metric.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import exercises
from exercises.contract import PathStars, TrialOutcome, TrialScore, settings_of
from station.core import InputError, check_participant_code

log = logging.getLogger(__name__)

PLAN_FORMAT = "motor-station-plan"
PLAN_VERSION = 1

def check_code(code: str) -> str:
    """Validate a pseudonymous participant code: the one rule, :func:`station.core.check_participant_code`."""
    return check_participant_code(code)


class PlanItem(BaseModel):
    """One exercise of a plan."""

    model_config = ConfigDict(extra="forbid")

    exercise: str
    settings: dict[str, Any] = Field(default_factory=dict)
    reps: int | None = Field(default=None, ge=1, le=500)
    """Target repetitions (the trial ends when reached); ``None`` = no target."""
    duration_s: float | None = Field(default=None, gt=0, le=3600)
    """Active play time bound in seconds; ``None`` = until the input ends or the target is reached."""
    rest_s: float = Field(default=0.0, ge=0, le=600)
    """Rest after this item, in seconds (the child view shows a resting picture)."""
    label: str = ""

    @field_validator("exercise")
    @classmethod
    def _known(cls, v: str) -> str:
        try:
            return exercises.get(v).name
        except InputError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _settings_valid(self) -> PlanItem:
        try:
            exercises.get(self.exercise).parse_settings(self.settings)
        except InputError as exc:
            raise ValueError(str(exc)) from None
        return self

    def title(self) -> str:
        return self.label or exercises.get(self.exercise).title


class SensorySettings(BaseModel):
    """Per child: how the station sounds and looks (the plan's ``[sensory]`` section, shown in reports).

    ``volume`` scales every sound (0 = silent, 1 = as recorded); ``max_loudness_db`` caps the mixed
    output's peak in dB full scale (0 = no cap, -12 = a quarter of full scale), whatever the volume;
    ``quiet`` = no celebration sounds, softer visuals, no confetti; ``language`` = the spoken prompts'
    language (a code of :data:`station.i18n.LANGUAGES`)."""

    model_config = ConfigDict(extra="forbid")

    volume: float = Field(default=0.8, ge=0.0, le=1.0)
    quiet: bool = False
    max_loudness_db: float = Field(default=-6.0, ge=-40.0, le=0.0)
    language: str = "en"

    @field_validator("language")
    @classmethod
    def _lang(cls, v: str) -> str:
        from station.i18n import LANGUAGES

        if v not in LANGUAGES:
            raise ValueError(f"no prompts in language {v!r}; use one of {', '.join(LANGUAGES)}")
        return v

    @property
    def ceiling(self) -> float:
        """The output's peak cap as a linear amplitude (0..1)."""
        return float(10 ** (self.max_loudness_db / 20))

    def words(self) -> str:
        """The settings as a report line: ``volume 80 %, loudest -6 dBFS, quiet mode, prompts in English``."""
        from station.i18n import LANGUAGES

        parts = [f"volume {self.volume * 100:.0f} %", f"loudest {self.max_loudness_db:g} dBFS"]
        if self.quiet:
            parts.append("quiet mode (no celebration sounds, softer visuals, no confetti)")
        parts.append(f"prompts in {LANGUAGES.get(self.language, self.language)}")
        return ", ".join(parts)


class SessionPlan(BaseModel):
    """An ordered list of :class:`PlanItem` for one participant."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["motor-station-plan"] = "motor-station-plan"
    version: Literal[1] = 1
    name: str = "plan"
    participant: str | None = None
    items: list[PlanItem] = Field(min_length=1)
    sensory: SensorySettings | None = None
    """The child's sound and sensory settings (``None``: the station's defaults)."""

    @field_validator("participant")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        if v is None:
            return None
        try:
            return check_code(v)
        except InputError as exc:
            raise ValueError(str(exc)) from None


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(plan)'}: {e['msg']}" for e in exc.errors())


def plan_from_dict(data: Mapping[str, Any], where: str = "(plan)") -> SessionPlan:
    """Validate a plan given as plain data; :class:`InputError` lists every problem."""
    try:
        return SessionPlan.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError("invalid session plan", where=f"{where}: {_problems(exc)}",
                         fix="see station/plans.py for the format; 'station run --help' has an example") from None


def load_plan(path: str | Path) -> SessionPlan:
    """Read and validate a plan TOML file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("plan file not found", where=str(p), fix="give the path of a saved plan (.toml)") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError("plan file is not valid TOML", where=f"{p}: {exc}", fix="fix the TOML syntax") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("cannot read plan file", where=str(p), fix=str(exc)) from None
    return plan_from_dict(data, where=str(p))


def save_plan(plan: SessionPlan, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a plan as TOML (validated again first); refuses to overwrite unless asked."""
    import tomli_w

    p = Path(path)
    plan = SessionPlan.model_validate(plan.model_dump())
    if p.exists() and not overwrite:
        raise InputError("plan file exists", where=str(p), fix="choose another name or allow overwriting")
    data = plan.model_dump(exclude_none=True)
    for item in data["items"]:
        item["settings"] = {k: list(v) if isinstance(v, tuple) else v for k, v in item["settings"].items()}
        if not item["label"]:
            del item["label"]
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(p.suffix + ".tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(p)
    return p


# -- difficulty ---------------------------------------------------------------------------------
# Which settings a step changes, and which way is harder, is declared by each exercise as
# :class:`~exercises.contract.Knob` metadata on its settings model. Durations are not knobs on purpose:
# a longer time limit makes some exercises harder (a longer stance) and others easier (more time to
# place pegs).
STEP_FACTOR = 1.25
"""Each step multiplies (or divides) a float knob by this factor; integer knobs move by at least 1."""


def difficulty_knobs(exercise: str) -> dict[str, int]:
    """Settings of ``exercise`` that a difficulty step changes, with their direction (+1 larger=harder)."""
    return {s.name: s.harder for s in settings_of(exercises.get(exercise).Settings)}


def describe_difficulty(exercise: str, settings: Mapping[str, Any], words: Callable[[str], str] | None = None) -> str:
    """The difficulty settings among ``settings`` as the therapist reads them, e.g. ``Band 0.024 frame heights``;
    ``words`` translates the knobs' labels and units (the dashboard's ``Contract`` context)."""
    tr = words or (lambda text: text)
    out = []
    for s in settings_of(exercises.get(exercise).Settings):
        if s.name in settings:
            v = settings[s.name]
            shown = f"{v:.4g}" if isinstance(v, float) else str(v)
            out.append(f"{tr(s.label)} {shown} {tr(s.unit)}".strip())
    return ", ".join(out)


def step_difficulty(exercise: str, settings: Mapping[str, Any], steps: int) -> dict[str, Any]:
    """Settings made ``steps`` levels harder (positive) or easier (negative), validated.

    A step that would make the settings invalid (e.g. a tolerance below its minimum) is not taken;
    the last valid settings are returned.
    """
    cls = exercises.get(exercise)
    current = cls.parse_settings(settings).model_dump()
    knobs = difficulty_knobs(exercise)
    for _ in range(abs(steps)):
        harder = steps > 0
        trial = dict(current)
        for name, sign in knobs.items():
            v = current[name]
            if not isinstance(v, int | float) or isinstance(v, bool):
                continue
            up = (sign > 0) == harder
            nv: int | float
            if isinstance(v, int):
                nv = max(v + 1, round(v * STEP_FACTOR)) if up else min(v - 1, round(v / STEP_FACTOR))
                if nv < 1:
                    continue
            else:
                nv = v * STEP_FACTOR if up else v / STEP_FACTOR
                nv = float(f"{nv:.4g}")
            trial[name] = nv
        try:
            current = cls.parse_settings(trial).model_dump()
        except InputError:
            break
    return {k: v for k, v in current.items() if k in settings or k in knobs}


# -- stars ----------------------------------------------------------------------------------
def trial_score(live: Mapping[str, float], reps: int, target_reps: int | None) -> TrialScore:
    """The path family's rule (:class:`~exercises.contract.PathStars`): ``completion`` and ``in_band_pct``
    when present, else repetitions against the target. Each exercise's own rule is ``contract.stars``."""
    return PathStars().score(TrialOutcome(live, reps, target_reps))


# -- history --------------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryRow:
    """One trial of a past session (for the dashboard's history table)."""

    session_id: str
    utc_start: str
    status: str
    trial: int
    exercise: str
    reps: int | None
    main_metric: str
    main_value: float | None
    unit: str
    source: str = ""
    simulated: bool = False
    trial_status: str = "complete"
    place: str = "clinic"

    @property
    def marker(self) -> str:
        """The status as the history table shows it: ``complete``, ``stopped SIMULATED``, ``failed``..."""
        st = "failed" if self.trial_status == "failed" else self.status
        return f"{st} SIMULATED" if self.simulated else st


def participants(db: Any) -> list[str]:
    """Known participant codes, sorted."""
    from sqlalchemy import select

    from station.storage import schema as S

    with db.engine.connect() as c:
        return [r[0] for r in c.execute(select(S.participants.c.code).order_by(S.participants.c.code))]


def history(db: Any, participant: str, limit: int = 200) -> list[HistoryRow]:
    """The participant's trials across sessions, newest first (plain SQLAlchemy selects)."""
    from sqlalchemy import select

    from station.storage import schema as S

    q = (
        select(S.sessions.c.id, S.sessions.c.utc_start, S.sessions.c.status, S.trials.c.trial, S.trials.c.exercise,
               S.trials.c.reps, S.trials.c.result, S.trials.c.source, S.trials.c.simulated, S.trials.c.status.label("trial_status"),
               S.sessions.c.place, S.sessions.c.simulated.label("session_simulated"))
        .join(S.trials, S.trials.c.session_id == S.sessions.c.id)
        .where(S.sessions.c.participant == participant)
        .order_by(S.sessions.c.utc_start.desc(), S.trials.c.trial)
        .limit(limit)
    )
    out = []
    with db.engine.connect() as c:
        for r in c.execute(q):
            result = r.result or {}
            metrics = result.get("metrics", {}) or {}
            units = result.get("units", {}) or {}
            contract = exercises.contract_of(r.exercise)
            name = contract.history if contract is not None and isinstance(metrics.get(contract.history), int | float) else ""
            failed = r.trial_status == "failed" or r.status == "failed"
            out.append(HistoryRow(r.id, r.utc_start, r.status, r.trial, r.exercise, r.reps, name,
                                  float(metrics[name]) if name and not failed else None,  # a failed trial has no score
                                  units.get(name, ""), r.source or "", bool(r.simulated or r.session_simulated),
                                  r.trial_status or "complete", r.place or "clinic"))
    return out


def save_notes(db: Any, session_id: str, notes: str) -> None:
    """Store the therapist's notes on a session (replaces earlier notes of that session)."""
    from sqlalchemy import update

    from station.storage import schema as S

    with db.engine.begin() as c:
        c.execute(update(S.sessions).where(S.sessions.c.id == session_id).values(notes=notes))


# -- sensory settings per child (#22) --------------------------------------------------------------
def _sensory_path(code: str, create: bool = False) -> Path:
    from station.paths import data_dir

    return data_dir(create=create) / "children" / f"{check_code(code)}.sensory.toml"


def child_sensory(code: str) -> SensorySettings | None:
    """The sensory settings last chosen for a child (``None``: never chosen; the plan's or the defaults apply).
    An unreadable file is logged and ignored (the defaults are safe)."""
    p = _sensory_path(code)
    if not p.exists():
        return None
    try:
        return SensorySettings.model_validate(tomllib.loads(p.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValidationError) as exc:
        log.warning("ignoring the unreadable sensory settings %s: %s", p, str(exc).splitlines()[0])
        return None


def remember_sensory(code: str, settings: SensorySettings) -> Path:
    """Keep a child's sensory settings for their next sessions (beside the station's database)."""
    import tomli_w

    p = _sensory_path(code, create=True)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(settings.model_dump()), encoding="utf-8")
    tmp.replace(p)
    return p


def session_sensory(config: Mapping[str, Any] | None) -> SensorySettings | None:
    """The sensory settings a session was played with, from its header's config (``config["plan"]["sensory"]``,
    written by the station's session factory); ``None`` when the session had none (the defaults applied) or
    the stored value no longer validates. For reports: ``session_sensory(meta.config).words()``."""
    plan = (config or {}).get("plan")
    raw = plan.get("sensory") if isinstance(plan, Mapping) else None
    if not isinstance(raw, Mapping):
        return None
    try:
        return SensorySettings.model_validate(dict(raw))
    except ValidationError:
        return None
