"""The simulated child (synthetic landmark generators) and the scorers that consume it."""

from __future__ import annotations

import numpy as np
import pytest

import exercises
from exercises.base import StepInput
from exercises.templates import make_template, point_to_path
from station.core import InputError
from vision.synth_body import jumps_stream
from vision.synth_hand import tracing_stream


def _inputs(frames):  # type: ignore[no-untyped-def]
    return [StepInput(f.t_ns, hands=f.hands, poses=f.poses, frame_seq=f.seq, image_size=f.image_size) for f in frames]


def test_tracing_generator_speed_profile_and_truth() -> None:
    tmpl = make_template("circle", size=0.6, aspect=4 / 3)
    frames, truth = tracing_stream(tmpl.points, duration_s=6, fps=30, drift=0.0, tremor=0.0, jitter=0.0)
    assert len(frames) == 180
    tips = np.array([f.hands[0].landmarks[8, :2] for f in frames], dtype=np.float64)
    np.testing.assert_allclose(tips, truth.fingertip, atol=1e-6)
    # With no drift/tremor the fingertip lies on the path.
    d, _ = point_to_path(tips * [4 / 3, 1], tmpl.iso)
    assert d.max() < 1e-3
    # Minimum-jerk-like: slow at both ends, fastest in the middle.
    v = np.hypot(*np.diff(tips * [4 / 3, 1], axis=0).T)
    assert v[:10].mean() < 0.3 * v[80:100].mean()
    assert v[-10:].mean() < 0.3 * v[80:100].mean()


def test_tracing_scores_known_offset() -> None:
    """A perfect circle of radius r + d against a template of radius r deviates by exactly d."""
    tmpl = make_template("circle", size=0.6, aspect=4 / 3)
    big = make_template("circle", size=0.6 + 2 * 0.02, aspect=4 / 3)
    frames, _ = tracing_stream(big.points, duration_s=6, drift=0.0, tremor=0.0, jitter=0.0)
    ex = exercises.create("tracing", {"shape": "circle", "size": "0.6", "tolerance": "0.03"})
    for inp in _inputs(frames):
        ex.step(inp)
    m = ex.result().metrics
    assert m["mean_dev"] == pytest.approx(0.02, abs=2e-4)
    assert m["in_band_pct"] == 100.0
    assert m["completion"] == 1.0
    assert ex.result().reps == 1
    assert tmpl.length == pytest.approx(np.pi * 0.6, rel=1e-3)


def test_tracing_counts_band_exits() -> None:
    tmpl = make_template("line", size=0.6, aspect=4 / 3)
    frames, truth = tracing_stream(tmpl.points, duration_s=5, drift=0.05, tremor=0.0, jitter=0.0, seed=3)
    ex = exercises.create("tracing", {"shape": "line", "size": 0.6, "tolerance": 0.03})
    for inp in _inputs(frames):
        ex.step(inp)
    dev = np.abs(truth.fingertip[:, 1] - 0.5)
    inside = dev <= 0.03
    expected_exits = int(np.sum(inside[:-1] & ~inside[1:])) + (0 if inside[0] else 1)
    assert expected_exits > 0
    assert ex.result().metrics["band_exits"] == expected_exits
    assert [e.kind for e in ex.events].count("left_path") == expected_exits


@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("fps", [10.0, 30.0, 60.0])
def test_jumps_exact_count(fps: float, dropout: float) -> None:
    frames, truth = jumps_stream(6, fps=fps, dropout=dropout, seed=7)
    ex = exercises.create("jumps")
    for inp in _inputs(frames):
        ex.step(inp)
    assert ex.reps() == truth.count == 6
    # each jump event lands within two frames of the true landing
    lands = np.array([e.t_ns for e in ex.events if e.kind == "jump"])
    assert np.all(np.abs(lands - truth.landing_ns) <= 2.5e9 / fps)


def test_standing_still_is_not_a_jump() -> None:
    frames, _ = jumps_stream(0 + 1, fps=30, height=0.0, crouch=0.05, seed=1)
    ex = exercises.create("jumps")
    for inp in _inputs(frames):
        ex.step(inp)
    assert ex.reps() == 0


def test_registry_errors_name_the_problem() -> None:
    with pytest.raises(InputError, match="unknown exercise 'nope'.*tracing"):
        exercises.get("nope")
    with pytest.raises(InputError, match="invalid settings for exercise 'tracing'.*size"):
        exercises.create("tracing", {"size": "-1"})
    with pytest.raises(InputError, match="known settings"):
        exercises.create("tracing", {"colour": "red"})
    from exercises.registry import parse_sets

    assert parse_sets(["shape=circle", "center = 0.5,0.5"]) == {"shape": "circle", "center": "0.5,0.5"}
    with pytest.raises(InputError, match="malformed --set 'shape'"):
        parse_sets(["shape"])


def test_exercise_names_are_forgiving_about_separators() -> None:
    assert exercises.get("push_ups") is exercises.get("pushups") is exercises.get("Push-Ups")
    assert exercises.get("sit ups") is exercises.get("situps")
    assert exercises.get("one-leg-stance") is exercises.get("one_leg_stance")
    with pytest.raises(InputError):
        exercises.get("push")
