"""Session plans (validated TOML), difficulty steps, stars, participant history and notes."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

import exercises
from station.core import FakeClock, InputError
from station.plans import (
    PlanItem,
    SessionPlan,
    check_code,
    difficulty_knobs,
    history,
    load_plan,
    participants,
    plan_from_dict,
    save_notes,
    save_plan,
    step_difficulty,
    trial_score,
)
from station.storage import open_database


def _plan() -> SessionPlan:
    return SessionPlan(
        name="Tuesday",
        participant="P-017",
        items=[
            PlanItem(exercise="tracing", settings={"shape": "wave", "tolerance": 0.05}, duration_s=30, rest_s=10),
            PlanItem(exercise="bunny_hops", reps=5, rest_s=0),
        ],
    )


def test_plan_round_trips_through_toml(tmp_path: Path) -> None:
    p = save_plan(_plan(), tmp_path / "plans" / "tuesday.toml")
    raw = tomllib.loads(p.read_text(encoding="utf-8"))
    assert raw["format"] == "motor-station-plan" and raw["version"] == 1
    assert raw["items"][0]["settings"] == {"shape": "wave", "tolerance": 0.05}
    assert "reps" not in raw["items"][0]  # None values are left out, not written as strings
    back = load_plan(p)
    assert back == _plan()
    assert back.items[1].title() == exercises.get("bunny_hops").title


def test_saving_never_overwrites_unless_asked(tmp_path: Path) -> None:
    p = save_plan(_plan(), tmp_path / "a.toml")
    before = p.read_bytes()
    with pytest.raises(InputError, match="exists"):
        save_plan(_plan().model_copy(update={"name": "other"}), p)
    assert p.read_bytes() == before
    save_plan(_plan().model_copy(update={"name": "other"}), p, overwrite=True)
    assert load_plan(p).name == "other"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"items": [{"exercise": "juggling"}]}, "unknown exercise"),
        ({"items": [{"exercise": "tracing", "settings": {"tolerance": -1}}]}, "tolerance"),
        ({"items": [{"exercise": "tracing", "settings": {"colour": "red"}}]}, "colour"),
        ({"items": [{"exercise": "tracing", "reps": 0}]}, "reps"),
        ({"items": [{"exercise": "tracing", "rest_s": -2}]}, "rest_s"),
        ({"items": []}, "items"),
        ({"participant": "Anna Smith", "items": [{"exercise": "tracing"}]}, "participant code"),
        ({"format": "something-else", "items": [{"exercise": "tracing"}]}, "format"),
        ({"version": 2, "items": [{"exercise": "tracing"}]}, "version"),
    ],
)
def test_invalid_plans_say_what_and_where(data: dict, message: str) -> None:
    with pytest.raises(InputError) as exc:
        plan_from_dict(data, where="x.toml")
    assert message in str(exc.value) and "x.toml" in str(exc.value)


def test_load_plan_reports_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_plan(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("items = [", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_plan(bad)


def test_participant_codes_are_pseudonymous() -> None:
    assert check_code(" P-017 ") == "P-017"
    for bad in ("", "Anna Smith", "x" * 40, "-P1", "P/1"):
        with pytest.raises(InputError):
            check_code(bad)


def test_difficulty_steps_shrink_tolerance_and_stay_valid() -> None:
    assert difficulty_knobs("tracing") == {"tolerance": -1}
    harder = step_difficulty("tracing", {"tolerance": 0.04}, +1)
    easier = step_difficulty("tracing", {"tolerance": 0.04}, -1)
    assert harder["tolerance"] == pytest.approx(0.032)
    assert easier["tolerance"] == pytest.approx(0.05)
    assert step_difficulty("tracing", {"tolerance": 0.04}, +2)["tolerance"] < harder["tolerance"]
    # unchanged settings are kept as given
    assert step_difficulty("tracing", {"shape": "wave", "tolerance": 0.04}, 1)["shape"] == "wave"
    exercises.get("tracing").parse_settings(step_difficulty("tracing", {}, 5))


def test_trial_score_and_stars() -> None:
    assert trial_score({"completion": 1.0, "in_band_pct": 95.0}, 1, None).stars == 3
    assert trial_score({"completion": 0.6, "in_band_pct": 60.0}, 0, None).stars == 2
    assert trial_score({"completion": 0.1, "in_band_pct": 20.0}, 0, None).stars == 1  # never zero stars
    assert trial_score({"reps": 5.0}, 5, 5).stars == 3
    assert trial_score({}, 2, 5).score == pytest.approx(0.4)
    assert trial_score({"completion": math.nan}, 1, None).score == 1.0


def test_history_and_notes_from_a_real_session(tmp_path: Path) -> None:
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner

    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    summaries = []
    for _ in range(2):
        runner = SessionRunner(db, "P-017", FakeClock(), pacing="own")
        summaries.append(runner.run(simulated_trials(DemoOptions(seconds=10))))
    SessionRunner(db, "P-099", FakeClock(), pacing="own").run(simulated_trials(DemoOptions(seconds=4)))
    rows = history(db, "P-017")
    assert len(rows) == 4 and {r.session_id for r in rows} == {s.session_id for s in summaries}
    tracing = [r for r in rows if r.exercise == "tracing"]
    assert tracing and all(r.main_metric == "in_band_pct" and r.unit == "%" and 0 <= r.main_value <= 100 for r in tracing)
    assert participants(db) == ["P-017", "P-099"]
    save_notes(db, summaries[0].session_id, "calm, needed one prompt")
    assert db.session(summaries[0].session_id)["notes"] == "calm, needed one prompt"
    db.dispose()
