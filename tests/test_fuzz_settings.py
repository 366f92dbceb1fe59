"""Fuzzing the settings of every registered exercise: bad input gives InputError, nothing else.

Covers each exercise in the registry, so exercises added later are fuzzed too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _fuzz import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exercises
from exercises.base import StepInput
from exercises.registry import parse_sets
from station.core import InputError, SensorSample

NAMES = exercises.names()


def _probe_inputs() -> dict[str, list[StepInput]]:
    """A few frames/samples of each input kind, to step every accepted configuration."""
    from exercises.templates import make_template
    from vision.synth_body import jumps_stream
    from vision.synth_hand import tracing_stream

    hand, _ = tracing_stream(make_template("circle").points, duration_s=0.3, fps=30)
    pose, _ = jumps_stream(1, fps=30, lead_s=0.2, tail_s=0.2, period_s=0.5, flight_s=0.2)
    def samples(dev: str, ch: tuple[str, ...], unit: str) -> list[StepInput]:
        return [StepInput(i * 10_000_000, samples=[SensorSample(dev, i, i * 10_000_000, i * 10_000_000, i * 10_000,
                tuple(10.0 + i for _ in ch), ch, tuple(unit for _ in ch))]) for i in range(5)]
    return {
        "hand": [StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size) for f in hand],
        "pose": [StepInput(f.t_ns, poses=f.poses, frame_seq=f.seq, image_size=f.image_size) for f in pose[:20]],
        "grip": samples("grip0", ("force",), "N"),
        "balance": samples("balance0", ("tl", "tr", "bl", "br"), "kg"),
    }


PROBES = _probe_inputs()

keys = st.one_of(st.sampled_from(["shape", "size", "center", "tolerance", "up", "down", "hand", "target", "duration_s"]), st.text(max_size=12))
values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e308", "0.5,0.5", "1,2,3", "", "circle", "true"]),
)


def test_registry_is_not_empty() -> None:
    assert "tracing" in NAMES and "jumps" in NAMES


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.dictionaries(keys, values, max_size=4))
def test_settings_fuzz(name: str, pairs: dict[str, str]) -> None:
    try:
        ex = exercises.create(name, pairs)
    except InputError as exc:
        assert name in str(exc) or "unknown" in str(exc)
        return
    # accepted settings must give a usable exercise that can score its own kind of input
    for kind in ex.inputs:
        for inp in PROBES[kind]:
            ex.step(inp)
    ex.finish()
    assert isinstance(ex.live(), dict)
    assert ex.result().exercise == ex.name


@settings(max_examples=examples(200), deadline=None)
@given(raw=st.lists(st.text(max_size=30), max_size=5))
def test_parse_sets_fuzz(raw: list[str]) -> None:
    try:
        out = parse_sets(raw)
    except InputError as exc:
        assert "--set" in str(exc)
        return
    assert len(out) <= len(raw)


def test_ci_draws_the_same_examples_on_every_run(tmp_path: Path) -> None:
    """With CI set, two runs of a property test try the very same examples (the ``ci`` profile is
    derandomized), so a submission cannot pass or fail CI by luck; without it they differ."""
    import os
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]

    def drawn(ci: bool) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "MOTOR_STATION_HYPOTHESIS")}
        if ci:
            env["CI"] = "true"
        r = subprocess.run([sys.executable, "-m", "pytest", "-s", "-p", "no:cacheprovider", "--hypothesis-verbosity=verbose",
                            f"{Path(__file__)}::test_parse_sets_fuzz"], cwd=root, env=env, capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stdout[-2000:]
        assert ("hypothesis profile: ci (derandomized" in r.stdout) == ci
        return "".join(re.findall(r"Test case: .*?\n\)", r.stdout, flags=re.S))

    first = drawn(ci=True)
    assert first.count("Test case") >= 100
    assert drawn(ci=True) == first
    assert drawn(ci=False) != first
