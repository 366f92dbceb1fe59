"""Treatment goals: ``station goals add / list / show / edit / retire`` (see :mod:`station.goals`).

``add`` reads like the sentence it builds::

    station goals add P-017 --exercise tracing --metric mean_dev --at-most 5 --unit mm --in 4-of-5 --by 2027-03-01

Bad input (a metric the exercise does not declare, a unit it is not measured in, an unknown criterion)
is one line on stderr and exit code 2, with nothing stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from station.cli.data import DB_HELP, _console, _fmt, _open, print_goals

if TYPE_CHECKING:
    from station.goals import Direction


def _levels(text: str | None) -> list[float] | None:
    from station.core import InputError

    if text is None:
        return None
    try:
        return [float(x) for x in text.replace(";", ",").split(",")]
    except ValueError:
        raise InputError("GAS levels must be five numbers separated by commas", where=f"--gas {text}",
                         fix="e.g. --gas 12,9,5,4,3 for the levels -2,-1,0,+1,+2") from None


def _require(pairs: list[str]) -> dict[str, str]:
    from exercises.registry import parse_sets

    return parse_sets(pairs)


def _direction(at_least: float | None, at_most: float | None) -> tuple[Direction, float]:
    from station.core import InputError

    if at_least is not None and at_most is None:
        return "at_least", float(at_least)
    if at_most is not None and at_least is None:
        return "at_most", float(at_most)
    raise InputError("give one of --at-least or --at-most", where="goal", fix="e.g. --at-most 5 for a deviation, --at-least 10 for jumps")


def register(app: typer.Typer) -> None:
    goals_app = typer.Typer(help="Treatment goals the station measures (SMART goals, Goal Attainment Scaling).\n\n"
                            "Example: station goals add P-017 --exercise tracing --metric mean_dev --at-most 5 --unit mm --in 4-of-5 --by 2027-03-01",
                            no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(goals_app, name="goals")

    @goals_app.command("add", help="Write a goal: the participant, the exercise (or --family), a metric the exercise declares "
                       "with --at-least / --at-most and its unit, the criterion (--in 4-of-5, 3-in-a-row, best), settings that must "
                       "hold (--require mode=tabletop), a target date, and optionally the five GAS levels (--gas, or --propose-gas "
                       "from the child's baseline).\n\n"
                       "Example: station goals add P-017 --exercise tracing --metric mean_dev --at-most 5 --unit mm --in 4-of-5 --by 2027-03-01")
    def goals_add(
        code: str = typer.Argument(..., help="Participant code."),
        exercise: str | None = typer.Option(None, "--exercise", "-e", help="The exercise (see `station exercises list`)."),
        family: str | None = typer.Option(None, "--family", help="A family of exercises instead (every exercise whose name contains it and declares the metric)."),
        metric: str = typer.Option(..., "--metric", "-m", help="A headline metric the exercise declares."),
        at_least: float | None = typer.Option(None, "--at-least", help="Threshold: the metric must reach at least this."),
        at_most: float | None = typer.Option(None, "--at-most", help="Threshold: the metric must be at most this."),
        unit: str | None = typer.Option(None, "--unit", help="The threshold's unit (default: the declared unit; checked)."),
        criterion: str = typer.Option("4-of-5", "--in", help="K-of-N (trials), N-in-a-row (sessions) or best (of the session)."),
        by: str | None = typer.Option(None, "--by", help="Target date, YYYY-MM-DD."),
        require: list[str] = typer.Option([], "--require", help="A setting that must hold, NAME=VALUE (repeatable)."),
        gas: str | None = typer.Option(None, "--gas", help="GAS levels -2,-1,0,+1,+2 in the metric's unit, comma-separated."),
        propose_gas: bool = typer.Option(False, "--propose-gas", help="Propose the GAS levels from the child's baseline."),
        weight: float = typer.Option(1.0, "--weight", help="Weight of the goal in the GAS T-score."),
        note: str = typer.Option("", "--note", help="Therapist's note (no identifying details)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.core import InputError
        from station.goals import Criterion, add_goal, load_trials, make_spec, propose_levels, with_levels

        direction, threshold = _direction(at_least, at_most)
        crit = Criterion.parse(criterion)
        if gas is not None and propose_gas:
            raise InputError("give --gas or --propose-gas, not both", where="--gas")
        spec = make_spec(code, exercise=exercise, family=family, metric=metric, direction=direction, threshold=threshold,
                         criterion=crit, unit=unit, target_date=by, settings=_require(require), gas=_levels(gas), weight=weight, note=note)
        with _open(db) as database:
            if propose_gas:
                levels = propose_levels(spec, load_trials(database, spec.participant))
                if levels is None:
                    raise InputError("no baseline to propose GAS levels from (no counting trials, or the baseline already reaches the goal)",
                                     where="--propose-gas", fix="give the five levels with --gas")
                spec = with_levels(spec, levels)
            g = add_goal(database, spec)
            database.audit("goal_add", goal=g.id, participant=spec.participant)
            con = _console()
            con.print(f"goal {g.id[:8]}: {spec.sentence()}", highlight=False, soft_wrap=True)
            if spec.gas is not None:
                con.print("GAS levels: " + ", ".join(f"{lv:+d}: {_fmt(x)} {spec.unit}" for lv, x in zip((-2, -1, 0, 1, 2), spec.gas, strict=True)),
                          highlight=False, soft_wrap=True)

    @goals_app.command("list", help="A participant's goals with where the child stands on each (real trials only).\n\n"
                       "Example: station goals list P-017")
    def goals_list(
        code: str = typer.Argument(..., help="Participant code."),
        retired: bool = typer.Option(False, "--retired", help="Also list retired goals."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.goals import progress

        with _open(db) as database:
            database.participant(code)
            print_goals(_console(), progress(database, code, include_retired=retired))

    @goals_app.command("show", help="One goal: every version as written, its history (created, edited, achieved, retired) and "
                       "its evaluation.\n\nExample: station goals show 3f2a9c1d")
    def goals_show(
        goal: str = typer.Argument(..., help="Goal id (or a unique prefix of at least 4 characters)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.goals import evaluate, get_goal, goal_versions, load_trials

        with _open(db) as database:
            g = get_goal(database, goal)
            con = _console()
            con.print(f"goal {g.id} · {g.status} · participant {g.spec.participant}", highlight=False)
            for v, utc, spec in goal_versions(database, g.id):
                con.print(f"  v{v} ({utc[:19]} UTC): {spec.sentence()}" + (
                    "; GAS " + ", ".join(f"{lv:+d}={_fmt(x)}" for lv, x in zip((-2, -1, 0, 1, 2), spec.gas, strict=True)) if spec.gas else ""),
                          highlight=False, soft_wrap=True)
            for e in g.events:
                extra = ", ".join(f"{k} {_fmt(v)}" for k, v in (e["detail"] or {}).items() if v not in (None, ""))
                con.print(f"  {e['utc'][:19]} UTC {e['kind']} (v{e['version']})" + (f": {extra}" if extra else ""), highlight=False)
            ev = evaluate(g.spec, load_trials(database, g.spec.participant))
            con.print(ev.words(g.spec), highlight=False)
            con.print(f"tries counted {ev.n_trials} · criterion value {_fmt(ev.value)} {g.spec.unit} · trend {ev.trend}"
                      + ("" if ev.level is None else f" · GAS level {ev.level:+d}"), highlight=False)

    @goals_app.command("edit", help="Change a goal: a new version is stored beside the old ones (never overwritten).\n\n"
                       "Example: station goals edit 3f2a9c1d --at-most 4 --in 4-of-5")
    def goals_edit(
        goal: str = typer.Argument(..., help="Goal id (or a unique prefix)."),
        at_least: float | None = typer.Option(None, "--at-least", help="New threshold (at least)."),
        at_most: float | None = typer.Option(None, "--at-most", help="New threshold (at most)."),
        criterion: str | None = typer.Option(None, "--in", help="New criterion: K-of-N, N-in-a-row or best."),
        by: str | None = typer.Option(None, "--by", help="New target date, YYYY-MM-DD."),
        gas: str | None = typer.Option(None, "--gas", help="New GAS levels -2,-1,0,+1,+2."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.goals import Criterion, edit_goal, get_goal, make_spec

        with _open(db) as database:
            g = get_goal(database, goal)
            s = g.spec
            direction, threshold = (s.direction, s.threshold) if at_least is None and at_most is None else _direction(at_least, at_most)
            fam = s.family
            spec = make_spec(s.participant, exercise=None if fam else s.exercises[0], family=fam, metric=s.metric, direction=direction,
                             threshold=threshold, criterion=Criterion.parse(criterion) if criterion else s.criterion, unit=s.unit,
                             target_date=by or s.target_date, settings=s.settings, gas=_levels(gas) if gas else s.gas,
                             weight=s.weight, note=s.note)
            g = edit_goal(database, g.id, spec)
            database.audit("goal_edit", goal=g.id, version=g.version)
            _console().print(f"goal {g.id[:8]} v{g.version}: {spec.sentence()}", highlight=False, soft_wrap=True)

    @goals_app.command("retire", help="Retire a goal (kept with its history; no longer evaluated).\n\n"
                       "Example: station goals retire 3f2a9c1d --reason 'met, new goal written'")
    def goals_retire(
        goal: str = typer.Argument(..., help="Goal id (or a unique prefix)."),
        reason: str = typer.Option("", "--reason", help="Why (no identifying details)."),
        db: str | None = typer.Option(None, "--db", help=DB_HELP),
    ) -> None:
        from station.goals import retire_goal

        with _open(db) as database:
            g = retire_goal(database, goal, reason)
            database.audit("goal_retire", goal=g.id)
            _console().print(f"goal {g.id[:8]} retired: {g.spec.sentence()}", highlight=False, soft_wrap=True)
