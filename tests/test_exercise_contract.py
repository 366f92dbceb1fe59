"""One walk over the exercise registry: every name an exercise declares to the station is real.

Each exercise runs on its own simulated child (the same one the station's simulated sessions use);
its declared headline and history metrics must be in the result it then gives, its quality events
among the events it emitted, every emitted event among the declared ones, its difficulty settings on
its settings model, its presets valid, its game/pictogram/chart known to the screens.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

import exercises
from devices.kinds import get_kind
from exercises.contract import CHARTS, GAMES, PICTOGRAMS, SESSION_SOUNDS, Sound, TrialOutcome, settings_of
from station.plans import step_difficulty

ROOT = Path(__file__).resolve().parents[1]
NAMES = exercises.names()
T0 = 1_000_000_000


def _run(name: str, duration_s: float = 24.0) -> exercises.ExerciseResult:
    cls = exercises.get(name)
    ex = cls()
    for inp in cls.contract.sim.inputs(ex.settings, t0_ns=T0, duration_s=duration_s, reps=None, seed=3, image_size=(640, 480)):
        ex.step(inp)
    ex.finish()
    return ex.result()


@pytest.fixture(scope="module")
def results() -> dict[str, exercises.ExerciseResult]:
    return {n: _run(n) for n in NAMES}


def test_every_exercise_declares_a_contract() -> None:
    assert len(NAMES) >= 20
    for n in NAMES:
        c = exercises.get(n).contract
        assert c.headline, n
        assert c.history in {m.name for m in c.headline}, n
        assert c.game in GAMES and c.pictogram in PICTOGRAMS and c.chart in CHARTS, n
        assert set(c.quality_events) <= set(c.events), n
        cls = exercises.get(n)
        assert c.sim.device is None or (c.sim.device in cls.inputs and c.sim.profile in get_kind(c.sim.device).sim_profiles), n
        for cue in c.sounds:
            assert isinstance(cue.sound, Sound) and (cue.sound not in SESSION_SOUNDS or cue.sound is Sound.TRIAL_DONE), n
            assert cue.event in c.events, (n, cue)


@pytest.mark.parametrize("name", NAMES)
def test_declared_names_are_real_on_the_simulated_child(name: str, results: dict[str, exercises.ExerciseResult]) -> None:
    c = exercises.get(name).contract
    r = results[name]
    emitted = {e.kind for e in r.events}
    assert emitted, f"{name}: its simulated child scored nothing"
    assert emitted <= set(c.events), f"{name} emitted undeclared events {emitted - set(c.events)}"
    for m in c.headline:
        assert m.name in r.metrics, f"{name}: headline metric {m.name} not in its result"
        assert r.units.get(m.name, "") == m.unit, f"{name}: {m.name} unit {r.units.get(m.name)!r} != declared {m.unit!r}"
    hist = r.metrics[c.history]
    assert isinstance(hist, int | float) and math.isfinite(hist), f"{name}: history metric {c.history} empty ({hist!r})"
    missing = set(c.quality_events) - emitted
    assert not missing, f"{name}: declared quality events {missing} never emitted by its simulated child"


@pytest.mark.parametrize("name", NAMES)
def test_difficulty_settings_and_presets_are_real(name: str) -> None:
    cls = exercises.get(name)
    fields = cls.Settings.model_fields
    for s in settings_of(cls.Settings):
        assert s.name in fields and s.label and s.unit and s.help and s.step > 0
        assert s.harder in (1, -1)
    for preset in (cls.contract.presets.easier, cls.contract.presets.harder):
        assert set(preset) <= {s.name for s in settings_of(cls.Settings)}, name
        cls.parse_settings(preset)
    if settings_of(cls.Settings):  # a harder step moves every knob its declared way
        base = cls.Settings().model_dump()
        harder = step_difficulty(name, {}, +1)
        for s in settings_of(cls.Settings):
            assert (harder[s.name] - base[s.name]) * s.harder >= 0, (name, s.name)


def test_star_rules_give_one_to_three_stars() -> None:
    for n in NAMES:
        rule = exercises.get(n).contract.stars
        assert rule.score(TrialOutcome({}, 0, 5)).stars == 1
        assert rule.score(TrialOutcome({"completion": 1.0, "in_band_pct": 100.0}, 5, 5, 1.0)).stars == 3


def test_quality_lowers_the_stars_of_a_movement() -> None:
    rule = exercises.get("squats").contract.stars
    assert rule.score(TrialOutcome({}, 5, 5, 1.0)).stars == 3
    assert rule.score(TrialOutcome({}, 5, 5, 0.2)).stars == 2


# The screens and the station read the contract; none of them tests an exercise's name.
_WORDS = "|".join([*NAMES, "peg", "tap", "finger", "squat", "push", "crab", "bear", "jump", "grip_", "balance_"])
_NAME_TEST = re.compile(
    r"""["'](""" + _WORDS + r""")["']\s+in\s+[\w.]*(exercise|name)\b"""
    r"""|\b(exercise|name)["'\]]*\s*[!=]=\s*["'](""" + "|".join(NAMES) + r""")["']"""
)


def test_no_station_module_tests_an_exercise_name() -> None:
    offenders = []
    for path in sorted((ROOT / "station").rglob("*.py")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _NAME_TEST.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not offenders, "read the exercise's contract instead:\n" + "\n".join(offenders)


def test_the_name_test_catches_what_it_should() -> None:
    assert _NAME_TEST.search('if "peg" in s.exercise:')
    assert _NAME_TEST.search('if trial["exercise"] != "tracing" or x')
    assert _NAME_TEST.search('crouch = "squat" in name')
    assert not _NAME_TEST.search('if "shape" in s.settings:')
