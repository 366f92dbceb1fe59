"""Treatment goals: criteria over crafted trial histories, the trial filter (simulated and failed trials
never count; settings that must hold), GAS levels and the T-score against values computed by hand from
Kiresuk & Sherman's formula, append-only storage, and the CLI round trip on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from station.cli import main
from station.core import InputError
from station.goals import (
    Criterion,
    GoalSpec,
    TrialPoint,
    add_goal,
    counts_toward_goals,
    edit_goal,
    evaluate,
    gas_level,
    get_goal,
    goal_versions,
    header_says_simulated,
    list_goals,
    load_trials,
    make_spec,
    progress,
    propose_levels,
    retire_goal,
    t_score,
)

P = "P-017"


def spec(direction: str = "at_most", threshold: float = 5.0, crit: str = "4-of-5", **kw: Any) -> GoalSpec:
    return make_spec(P, exercise=kw.pop("exercise", "tracing"), family=None, metric=kw.pop("metric", "mean_dev"),
                     direction=direction, threshold=threshold, criterion=Criterion.parse(crit), unit=kw.pop("unit", "mm"), **kw)  # type: ignore[arg-type]


def tp(values: list[float], *, session: str = "s1", day: int = 1, exercise: str = "tracing", unit: str = "mm",
       settings: dict[str, Any] | None = None, finished: bool = True, simulated: bool = False, start: int = 0) -> list[TrialPoint]:
    return [TrialPoint(session, f"2026-03-{day:02d}T09:00:00+00:00", start + i, exercise, {"mode": "tabletop"} if settings is None else settings,
                       finished, simulated, {"mean_dev": (v, unit)}) for i, v in enumerate(values)]


# -- criteria ---------------------------------------------------------------------------------------
def test_k_of_n_met_and_not_met_at_the_window_edge() -> None:
    g = spec()
    # the last 5 tries: 4.0 6.0 4.5 5.0 3.0 -> 4 reach "at most 5" (5.0 is on the threshold: counts)
    met = evaluate(g, tp([9.0, 9.0, 4.0, 6.0, 4.5, 5.0, 3.0]))
    assert (met.met, met.hits, met.window, met.n_trials) == (True, 4, 5, 7)
    assert met.value == 5.0  # the 4th best of the last 5
    # the same tries plus one miss: the 4.0 leaves the window -> 3 of the last 5
    miss = evaluate(g, tp([9.0, 9.0, 4.0, 6.0, 4.5, 5.0, 3.0, 5.01]))
    assert (miss.met, miss.hits, miss.window) == (False, 3, 5)
    # fewer than 5 tries so far: not met even when all reach it
    early = evaluate(g, tp([1.0, 1.0, 1.0, 1.0]))
    assert (early.met, early.hits, early.window, early.value) == (False, 4, 4, None)
    assert early.words(g) == "Tracing: goal reached on 4 of 4 tries so far (5 tries needed)"
    assert met.words(g) == "Tracing: goal met on 4 of the last 5 tries"


def test_sessions_in_a_row_and_best_of_the_session() -> None:
    g = spec(crit="3-in-a-row")
    hist = tp([7.0, 4.0], session="a", day=1) + tp([6.0, 4.9], session="b", day=2) + tp([8.0], session="c", day=3)
    ev = evaluate(g, hist)
    assert (ev.met, ev.hits, ev.window) == (False, 2, 3)  # the last session's best (8.0) misses
    hist += tp([5.0, 9.0], session="d", day=4)
    ev = evaluate(g, hist[2:])  # sessions b, c, d -> c misses
    assert not ev.met
    ev = evaluate(g, tp([4.0], session="a", day=1) + tp([4.9], session="b", day=2) + tp([6.0, 5.0], session="d", day=4))
    assert (ev.met, ev.value) == (True, 5.0)  # the worst of the session bests
    best = spec(crit="best")
    assert evaluate(best, hist).met  # session d's best is 5.0
    assert not evaluate(best, hist[:-2]).met  # session c's best is 8.0


def test_simulated_failed_unit_and_settings_that_must_hold_never_count() -> None:
    g = spec(settings={"mode": "tabletop"})
    real = tp([4.0, 4.0, 4.0], session="r")
    noise = (tp([1.0, 1.0], session="sim", simulated=True, start=10)
             + tp([1.0], session="fail", finished=False, start=20)
             + tp([1.0], session="px", unit="frame_height", start=30)  # a screen trial's frame heights
             + tp([1.0], session="scr", settings={"mode": "screen"}, start=40)
             + tp([1.0], session="other", exercise="pegboard", start=50))
    ev = evaluate(g, real + noise)
    assert (ev.n_trials, ev.hits, ev.met) == (3, 3, False)
    assert not counts_toward_goals(noise[0]) and not counts_toward_goals(noise[2]) and counts_toward_goals(real[0])
    # defaults count as settings: a trial with no stored mode is a screen trial
    screen_goal = spec(settings={"mode": "screen"}, unit="mm")
    assert evaluate(screen_goal, tp([1.0], settings={})).n_trials == 1
    assert evaluate(screen_goal, tp([1.0], settings={"mode": "tabletop"})).n_trials == 0


def test_header_says_simulated() -> None:
    assert header_says_simulated({"config": {"source": "simulated"}}, 0)
    assert header_says_simulated({"config": {"trials": [{"source": "synthetic"}]}}, 0)
    assert header_says_simulated({"config": {"trials": [{"source": "device:grip:sim://grip"}]}}, 0)
    assert header_says_simulated({"config": {"trials": [{"source": "simulator:grip"}]}}, 0)
    assert header_says_simulated({"config": {"source": "grip"}, "devices": [{"url": "sim://grip"}]}, 0)
    assert not header_says_simulated({"config": {"trials": [{"source": "camera:0"}]}, "devices": [{"url": "sim://grip"}]}, 0)
    assert not header_says_simulated({"config": {"source": "camera", "trials": [{"source": "device:grip:/dev/ttyUSB0"}]},
                                      "devices": [{"url": "/dev/ttyUSB0"}]}, 0)


def test_trend() -> None:
    g = spec()
    assert evaluate(g, tp([9, 8, 7, 6, 5, 4])).trend == "improving"  # at most: falling is better
    assert evaluate(g, tp([4, 5, 6, 7])).trend == "worsening"
    assert evaluate(g, tp([5, 5.1, 5, 5.1])).trend == "steady"
    assert evaluate(g, tp([5, 5])).trend == "–"


# -- GAS --------------------------------------------------------------------------------------------
def test_gas_levels_and_t_score_by_hand() -> None:
    g = spec(gas=[12, 9, 5, 4, 3])  # at most: -2 = 12 mm ... +2 = 3 mm
    assert [gas_level(g, v) for v in (13.0, 12.0, 9.0, 8.9, 5.0, 4.5, 4.0, 3.0, 1.0)] == [-2, -2, -1, -1, 0, 0, 1, 2, 2]
    ev = evaluate(g, tp([4.0, 3.5, 4.2, 6.0, 3.9]))
    assert (ev.value, ev.level) == (4.2, 0)  # the 4th best of [4.0, 3.5, 4.2, 6.0, 3.9]
    # T = 50 + 10 sum(w x) / sqrt((1 - rho) sum w^2 + rho (sum w)^2), rho = 0.3
    assert t_score([0, 0, 0]) == pytest.approx(50.0)
    assert t_score([2]) == pytest.approx(70.0)  # sqrt(0.7 + 0.3) = 1
    assert t_score([1, -1, 2]) == pytest.approx(50 + 20 / math.sqrt(0.7 * 3 + 0.3 * 9))  # 59.1287
    assert t_score([1, -1, 2]) == pytest.approx(59.1287, abs=1e-4)
    assert t_score([-2, -1], [2, 1]) == pytest.approx(50 - 50 / math.sqrt(0.7 * 5 + 0.3 * 9))  # 29.9195
    assert t_score([-2, -1], [2, 1]) == pytest.approx(29.9195, abs=1e-4)
    assert t_score([]) is None


def test_levels_proposed_from_the_baseline_and_checked() -> None:
    g = spec(threshold=5.0)
    levels = propose_levels(g, tp([9.0, 9.0, 8.0, 10.0, 9.0]))  # baseline 9 mm, d = -4
    assert levels == (11.0, 9.0, 5.0, 3.0, 1.0)
    assert propose_levels(g, tp([4.0])) is None  # already at the goal
    assert propose_levels(g, []) is None
    with pytest.raises(InputError, match="worse"):
        spec(gas=[1, 3, 5, 9, 12])  # increasing for an at-most goal


def test_an_undeclared_metric_or_unit_is_refused() -> None:
    with pytest.raises(InputError, match="does not declare a metric 'jumps'"):
        spec(metric="jumps")
    with pytest.raises(InputError, match="not 'cm'"):
        spec(unit="cm")
    with pytest.raises(InputError, match="no setting 'colour'"):
        spec(settings={"colour": "red"})
    fam = make_spec(P, exercise=None, family="jump", metric="jumps", direction="at_least", threshold=10,
                    criterion=Criterion.parse("3-in-a-row"))
    assert "jumps" in fam.exercises and len(fam.exercises) >= 2 and "tracing" not in fam.exercises
    for bad in ("5-of-4", "often", "0-in-a-row"):
        with pytest.raises(InputError):
            Criterion.parse(bad)


# -- storage and the CLI (SQLite and PostgreSQL) -----------------------------------------------------
def record(db: Any, sid: str, day: int, values: list[float | None], *, source: str = "camera:0", config_source: str = "camera",
           settings: dict[str, Any] | None = None) -> None:
    """A session written through the Recorder: one tracing trial per value (``None`` = a trial that
    never ended with a result)."""
    from exercises.base import ExerciseResult
    from station.core import SessionMeta
    from station.storage import Recorder

    st = {"mode": "tabletop"} if settings is None else settings
    t0 = day * 10**12
    db.create_session(SessionMeta(sid, P, datetime(2026, 3, 1, 9, tzinfo=UTC) + timedelta(days=day), t0, "0.1.0", {},
                                  {"source": config_source, "trials": [{"exercise": "tracing", "settings": st, "source": source}] * len(values)}))
    rec = Recorder(db, sid)
    for i, v in enumerate(values):
        rec.begin_trial(i, "tracing", st, t0 + i * 10**10)
        if v is not None:
            rec.end_trial(i, ExerciseResult("tracing", 1, {"mean_dev": v}, [], {"mean_dev": "mm"}), t0 + i * 10**10 + 10**9)
    rec.close()
    db.end_session(sid, "complete")


def test_goals_on_stored_trials_append_only(db: Any) -> None:
    record(db, "real-1", 1, [9.0, 4.0, None])  # the third trial failed (no result)
    record(db, "sim-1", 2, [1.0, 1.0, 1.0, 1.0, 1.0], source="synthetic", config_source="simulated")
    record(db, "real-2", 3, [4.5, 3.0, 4.9])
    trials = load_trials(db, P)
    assert len(trials) == 11 and sum(counts_toward_goals(t) for t in trials) == 5
    g = add_goal(db, spec(gas=[12, 9, 5, 4, 3]))
    [p] = progress(db, P)
    assert (p.evaluation.met, p.evaluation.hits, p.evaluation.n_trials) == (True, 4, 5)
    assert p.goal.status == "achieved" and [e["kind"] for e in p.goal.events] == ["created", "achieved"]
    progress(db, P)  # achieved once, not again
    assert [e["kind"] for e in get_goal(db, g.id).events] == ["created", "achieved"]
    g2 = edit_goal(db, g.id, spec(threshold=4.0, gas=[12, 9, 4, 3.5, 3]))
    assert g2.version == 2 and [v for v, _, _ in goal_versions(db, g.id)] == [1, 2]
    assert goal_versions(db, g.id)[0][2].threshold == 5.0  # the first version is kept as written
    retire_goal(db, g.id[:6], "new goal written")
    assert get_goal(db, g.id).status == "retired" and list_goals(db, P, include_retired=False) == []
    with pytest.raises(InputError, match="already retired"):
        retire_goal(db, g.id)
    out = db.forget_participant(P)
    assert out["rows"]["goals"] == 1 and out["rows"]["goal_versions"] == 2 and out["rows"]["goal_events"] == 4


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_round_trip(db: Any, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    record(db, "real-1", 1, [9.0, 8.0, 9.5, 7.0, 8.0])  # the baseline: 8.3 mm
    code, out, err = run(capsys, "goals", "add", P, "--exercise", "tracing", "--metric", "mean_dev", "--at-most", "5", "--unit", "mm",
                         "--in", "4-of-5", "--by", "2027-03-01", "--require", "mode=tabletop", "--propose-gas", "--db", url)
    assert code == 0, err
    assert "P-017 will reach Mean deviation at most 5 mm in tracing in 4 of the last 5 tries, with mode = tabletop, by 2027-03-01" in out
    assert "GAS levels: -2: 9.95 mm, -1: 8.3 mm, +0: 5 mm, +1: 3.35 mm, +2: 1.7 mm" in out
    record(db, "real-2", 2, [4.0, 3.0, 4.5, 6.0, 4.0])
    gid = out.split()[1].rstrip(":")
    code, out, err = run(capsys, "goals", "list", P, "--db", url)
    assert code == 0, err
    assert "Tracing: goal met on 4 of the last 5 tries" in out and "GAS T-score over 1 goal(s)" in out
    code, out, err = run(capsys, "progress", P, "--db", url)
    assert code == 0 and "Tracing: goal met on 4 of the last 5 tries" in out
    code, out, err = run(capsys, "goals", "edit", gid, "--at-most", "3", "--db", url)
    assert code == 0 and "v2" in out
    code, out, err = run(capsys, "goals", "show", gid, "--db", url)
    assert code == 0 and "v1" in out and "v2" in out and "created" in out and "achieved" in out and "edited" in out
    assert "at most 3 mm" in out and "goal reached on 1 of the last 5 tries (4 needed)" in out
    code, out, err = run(capsys, "goals", "retire", gid, "--reason", "rewritten", "--db", url)
    assert code == 0 and "retired" in out
    code, out, err = run(capsys, "goals", "add", P, "--exercise", "tracing", "--metric", "jumps", "--at-least", "5", "--db", url)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "does not declare a metric 'jumps'" in err
    code, out, err = run(capsys, "goals", "add", P, "--exercise", "tracing", "--metric", "mean_dev", "--at-most", "5", "--in", "often", "--db", url)
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, "goals", "show", "zzzz", "--db", url)
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_exports_carry_goals_and_their_evaluations(db: Any, tmp_path: Any) -> None:
    import json

    import pyarrow.parquet as pq
    from test_export_bids import errors, validate

    from station.export import export, select_sessions

    record(db, "real-1", 1, [4.0, 3.0, 4.5, 6.0, 4.0])
    add_goal(db, spec(gas=[12, 9, 5, 4, 3], target_date="2027-03-01"))
    ids = select_sessions(db, participant=P)
    export(db, ids, "parquet", tmp_path / "pq", shift_dates=True)
    [row] = pq.read_table(tmp_path / "pq" / "goals.parquet").to_pylist()
    assert (row["participant"], row["metric"], row["unit"], row["met"], row["hits"], row["gas_level"]) == (P, "mean_dev", "mm", True, 4, 0)
    assert row["target_date"] < "2027-03-01"  # shifted like every date
    assert json.loads((tmp_path / "pq" / "data_dictionary.json").read_text())["goals"]["rows"] == 1
    export(db, ids, "csv", tmp_path / "csv")
    text = (tmp_path / "csv" / "goals.csv").read_text()
    assert "2027-03-01" in text and "P-017 will reach Mean deviation at most 5 mm" in text
    export(db, ids, "bids", tmp_path / "bids")
    tsv = (tmp_path / "bids" / "phenotype" / "goals.tsv").read_text().splitlines()
    assert tsv[0].startswith("participant_id\tgoal_id") and tsv[1].startswith("sub-P017\t") and len(tsv) == 2
    assert errors(validate(tmp_path / "bids")) == []


def test_a_session_of_the_simulated_child_never_counts(db: Any) -> None:
    """End to end through the real session runner: the simulated child's trials are stored, but no goal sees them."""
    from datetime import UTC, datetime

    from station.core import FakeClock
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner

    add_goal(db, make_spec(P, exercise="tracing", family=None, metric="in_band_pct", direction="at_least", threshold=0.0,
                           criterion=Criterion.parse("best"), unit="%"))
    runner = SessionRunner(db, P, FakeClock(start_ns=10**12, utc_start=datetime(2026, 3, 1, 9, tzinfo=UTC)), pacing="own",
                           config={"source": "simulated"})
    summary = runner.run(simulated_trials(DemoOptions(seconds=3, seed=1)))
    trials = load_trials(db, P)
    assert trials and all(t.simulated for t in trials) and any("in_band_pct" in t.metrics for t in trials)
    assert summary.goals == ["Tracing: no tries counted yet"]
    [p] = progress(db, P)
    assert p.evaluation.n_trials == 0 and p.goal.status == "active"
