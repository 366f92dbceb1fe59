"""Body exercises on the project's own synthetic landmark streams (known counts, noise, dropouts).

Real-clip accuracy is in ``test_body_real.py``; these cover the machinery exactly: every counter at
10-60 fps with dropped frames, cross-talk between exercises, person selection, pausing, visibility
gating, the region setting, portrait frames, limb patterns and posture flags.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import exercises
from exercises.base import StepInput
from exercises.body import AlternationCounter, CycleCounter, LowPass, select_person
from station.core import InputError, PoseObservation, TrackedFrame
from vision.synth_body import animal_walk_stream, exercise_stream, jumps_stream, one_leg_stream

REP_EXERCISES = ("jumping_jacks", "squats", "pushups", "situps")


def _inputs(frames: list[TrackedFrame]) -> list[StepInput]:
    return [StepInput(f.t_ns, poses=f.poses, frame_seq=f.seq, image_size=f.image_size) for f in frames]


def _run(name: str, frames: list[TrackedFrame], settings: dict | None = None) -> exercises.Exercise:
    ex = exercises.create(name, settings or {})
    for inp in _inputs(frames):
        ex.step(inp)
    ex.finish()
    return ex


@pytest.mark.parametrize("dropout", [0.0, 0.15])
@pytest.mark.parametrize("fps", [10.0, 30.0, 60.0])
@pytest.mark.parametrize("name", REP_EXERCISES)
def test_rep_exercises_exact_count(name: str, fps: float, dropout: float) -> None:
    frames, truth = exercise_stream(name, 6, fps=fps, dropout=dropout, jitter=0.003, seed=11)
    ex = _run(name, frames)
    assert ex.reps() == truth.count == 6
    reps = [e for e in ex.events if e.kind == "rep"]
    assert [e.rep for e in reps] == [1, 2, 3, 4, 5, 6]
    # every rep event comes after its true start and at most one period after its true end
    for e, s, end in zip(reps, truth.start_ns, truth.end_ns, strict=True):
        assert s <= e.t_ns <= end + 1.2e9
        assert 0.0 <= e.value <= 1.0 and e.unit == "quality"
    m = ex.result().metrics
    assert m["mean_cycle_s"] == pytest.approx(1.2, abs=0.12)
    assert m["reps"] == 6


@pytest.mark.parametrize("source", REP_EXERCISES)
def test_no_cross_talk_between_exercises(source: str) -> None:
    frames, _ = exercise_stream(source, 5, seed=2)
    counts = {name: _run(name, frames).reps() for name in REP_EXERCISES}
    assert counts == {name: (5 if name == source else 0) for name in REP_EXERCISES}


@pytest.mark.parametrize("name", (*REP_EXERCISES, "bear_walk", "crab_walk", "jumps", "one_leg_stance"))
def test_standing_still_counts_nothing(name: str) -> None:
    frames, _ = exercise_stream("squats", 0, lead_s=3.0, tail_s=3.0, jitter=0.004, seed=5)
    assert _run(name, frames).reps() == 0


def test_counts_are_scale_and_aspect_invariant() -> None:
    """The same motion, small in a large portrait frame, counts the same."""
    frames, truth = exercise_stream("squats", 5, fps=30, seed=4)
    small = []
    for f in frames:
        (p,) = f.poses
        lm = np.array(p.landmarks, copy=True)
        lm[:, 0] = 0.3 + lm[:, 0] * 0.4 * 640 / 1080  # shrink and move into a 1080x1920 portrait frame
        lm[:, 1] = 0.2 + lm[:, 1] * 0.4 * 480 / 1920 * 1.5
        q = dataclasses.replace(p, landmarks=lm, image_size=(1080, 1920))
        small.append(TrackedFrame(f.source_id, f.seq, f.t_ns, (1080, 1920), poses=(q,)))
    assert _run("squats", small).reps() == truth.count == 5


def _with_second_person(frames: list[TrackedFrame], scale: float, dx: float) -> list[TrackedFrame]:
    """Add a smaller, still person (a copy of the first frame's pose, scaled) beside the child."""
    still = frames[0].poses[0]
    lm = np.array(still.landmarks, copy=True)
    lm[:, :2] = (lm[:, :2] - 0.5) * scale + 0.5
    lm[:, 0] += dx
    other = dataclasses.replace(still, landmarks=lm, person=1)
    out = []
    for f in frames:
        poses = (other, *f.poses) if f.poses else (other,)
        out.append(TrackedFrame(f.source_id, f.seq, f.t_ns, f.image_size, poses=poses))
    return out


def test_largest_person_is_followed() -> None:
    frames, truth = exercise_stream("jumping_jacks", 5, seed=6)
    two = _with_second_person(frames, scale=0.5, dx=0.3)
    assert select_person(two[40].poses) is frames[40].poses[0]
    assert _run("jumping_jacks", two).reps() == truth.count
    # the region setting follows the person whose centre is inside it (here: the small one)
    assert _run("jumping_jacks", two, {"region": "0.7,0,1,1"}).reps() == 0


def test_person_leaving_pauses_and_drops_the_half_rep() -> None:
    frames, _ = exercise_stream("squats", 4, fps=30, period_s=1.5, rest_s=0.3, seed=7)
    # the child leaves for 1 s in the middle of the 2nd squat (after going down, before coming up)
    # and is back, standing, before the 3rd
    t_leave = 1.0 + 1.5 + 0.45
    gone = [f if not (t_leave <= f.t_ns / 1e9 < t_leave + 1.0) else TrackedFrame(f.source_id, f.seq, f.t_ns, f.image_size)
            for f in frames]
    ex = _run("squats", gone, {"pause_after_s": "0.5"})
    kinds = [e.kind for e in ex.events]
    assert "paused" in kinds and "resumed" in kinds
    assert kinds.index("paused") < kinds.index("resumed")
    assert ex.reps() == 3  # the interrupted squat is not counted (nor merged with a later one)
    assert ex.result().metrics["paused_s"] >= 0.9


def test_low_visibility_frames_are_skipped() -> None:
    frames, truth = exercise_stream("pushups", 5, fps=30, seed=8)
    dim = []
    for f in frames:
        (p,) = f.poses
        vis = np.array(p.visibility, copy=True)
        vis[[13, 15]] = 0.1  # the far arm is hidden, as in a side view
        dim.append(TrackedFrame(f.source_id, f.seq, f.t_ns, f.image_size, poses=(dataclasses.replace(p, visibility=vis),)))
    ex = _run("pushups", dim)
    assert ex.reps() == truth.count  # counted on the visible (right) arm
    # with every arm hidden, nothing is used and nothing counts
    hidden = []
    for f in frames:
        (p,) = f.poses
        vis = np.array(p.visibility, copy=True)
        vis[[13, 14, 15, 16]] = 0.1
        hidden.append(TrackedFrame(f.source_id, f.seq, f.t_ns, f.image_size, poses=(dataclasses.replace(p, visibility=vis),)))
    ex2 = _run("pushups", hidden)
    assert ex2.reps() == 0
    assert ex2.result().metrics["frames_low_visibility"] == len(frames)


def test_bad_region_is_an_input_error() -> None:
    with pytest.raises(InputError, match="region"):
        exercises.create("squats", {"region": "0.5,0.5,0.2,0.9"})
    with pytest.raises(InputError, match="exit_frac"):
        exercises.create("squats", {"enter_frac": "0.3", "exit_frac": "0.5"})


@pytest.mark.parametrize("dropout", [0.0, 0.15])
@pytest.mark.parametrize("fps", [10.0, 30.0, 60.0])
@pytest.mark.parametrize("pattern", ["cross-body", "same-side"])
@pytest.mark.parametrize("kind", ["bear", "crab"])
def test_animal_walks_exact_cycles_and_pattern(kind: str, pattern: str, fps: float, dropout: float) -> None:
    frames, truth = animal_walk_stream(kind, 6, pattern=pattern, fps=fps, dropout=dropout, jitter=0.003, seed=3)
    ex = _run(f"{kind}_walk", frames)
    m = ex.result().metrics
    assert ex.reps() == truth.count == 6
    assert m["foot_cycles"] == 6
    assert m["limb_pattern"] == pattern
    assert m["flags"] == f"pattern:{pattern}=6"  # good posture: no quality flags
    assert m["distance_trunks"] > 0


def test_animal_walk_posture_flags() -> None:
    frames, _ = animal_walk_stream("bear", 5, knees_down=True, seed=1)
    m = _run("bear_walk", frames).result().metrics
    assert "knees_on_floor=5" in m["flags"]
    assert m["mean_quality"] < 0.7
    frames, _ = animal_walk_stream("crab", 5, hips_down=True, seed=1)
    m = _run("crab_walk", frames).result().metrics
    assert "hips_down=5" in m["flags"]


def test_alternation_and_cycle_counters_directly() -> None:
    t = np.arange(0, 10, 1 / 30)
    sig = np.where((t > 1) & (t < 9), np.sin(2 * np.pi * 0.5 * (t - 1)), 0.0)  # 4 full swings from neutral
    alt = AlternationCounter(zone_frac=0.3, min_range=0.2, min_cycle_s=0.4, window_s=10)
    assert sum(alt.update(int(x * 1e9), v) is not None for x, v in zip(t, sig, strict=True)) == 4
    assert alt.steps == 8
    cyc = CycleCounter(rest_high=False, enter_frac=0.6, exit_frac=0.3, min_range=0.2, min_cycle_s=0.3, window_s=10)
    bumps = np.clip(sig, 0, None)  # four rest -> active -> rest bumps
    assert sum(cyc.update(int(x * 1e9), v) is not None for x, v in zip(t, bumps, strict=True)) == 4
    # jitter smaller than the hysteresis band never counts
    rng = np.random.default_rng(0)
    cyc2 = CycleCounter(rest_high=True, enter_frac=0.6, exit_frac=0.3, min_range=0.2, min_cycle_s=0.3, window_s=10)
    assert sum(cyc2.update(int(x * 1e9), v) is not None for x, v in zip(t, rng.normal(0, 0.03, t.size), strict=True)) == 0


def test_lowpass_measures_the_frame_rate_and_restarts_after_gaps() -> None:
    lp = LowPass(3.0)
    for i in range(10):
        lp(int(i * 1e9 / 25), 1.0)
    assert lp.rate_hz == pytest.approx(25.0)
    assert lp(int(10 * 1e9 / 25), 1.0) == pytest.approx(1.0)
    assert lp(int(5e9), 7.0) == 7.0  # after a gap the filter restarts at the new value


# -- jumps ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fps", [10.0, 30.0, 60.0])
def test_frog_jumps_count_distance_and_flags(fps: float) -> None:
    frames, truth = jumps_stream(4, fps=fps, forward=0.05, frog=True, crouch=0.15, period_s=1.6, seed=1)
    ex = _run("frog_jumps", frames)
    assert ex.reps() == truth.count == 4
    leg_px = (0.88 - 0.58) * 480  # hip-to-ankle of the synthetic child
    for j in ex.jumps:  # type: ignore[attr-defined]
        assert j.distance_legs == pytest.approx(truth.distance * 640 / leg_px, rel=0.15)
        assert j.flags == []
    # hops in place without hands on the floor are flagged as poor frog jumps
    frames, _ = jumps_stream(3, fps=fps, seed=1)
    flags = [e.payload["flags"] for e in _run("frog_jumps", frames).events if e.kind == "jump"]
    assert flags == ["no_hand_touch,shallow_crouch"] * 3


def test_long_jump_distance_with_floor_calibration() -> None:
    frames, truth = jumps_stream(1, fps=30, forward=0.15, height=0.1, flight_s=0.45, seed=1)
    ex = _run("long_jump", frames, {"floor_mm_per_px": "2.0"})
    assert ex.reps() == 1
    m = ex.result().metrics
    # leading toe at take-off to trailing heel at landing: travel minus the toe-to-heel span
    span_px = (0.555 - 0.46) * 640
    expect_mm = (truth.distance * 640 - span_px) * 2.0
    assert m["best_distance_mm"] == pytest.approx(expect_mm, abs=16.0)
    ex2 = _run("long_jump", frames, {"leg_length_mm": "500"})
    assert ex2.result().metrics["best_distance_mm"] == pytest.approx(m["best_distance_legs"] * 500, rel=1e-6)


def test_bunny_hops_alias_counts_like_jumps() -> None:
    frames, truth = jumps_stream(5, fps=30, dropout=0.1, seed=2)
    assert _run("bunny_hops", frames).reps() == _run("jumps", frames).reps() == truth.count


# -- one-leg stance ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("fps", [10.0, 30.0, 60.0])
def test_one_leg_stance_holds_and_caps(fps: float, dropout: float) -> None:
    frames, truth = one_leg_stream((3.0, 12.0, 1.5), fps=fps, dropout=dropout, seed=2)
    ex = _run("one_leg_stance", frames, {"protocol": "bot2"})
    holds = [e for e in ex.events if e.kind == "hold"]
    assert len(holds) == 3
    assert [e.payload["capped"] for e in holds] == [False, True, False]
    m = ex.result().metrics
    assert m["best_hold_s"] == 10.0 and m["cap_s"] == 10.0 and m["capped"] == 1
    for e, s in zip(holds, truth.start_ns, strict=True):
        assert abs(e.payload["lift_ns"] - s) <= 0.25e9
    assert holds[0].value == pytest.approx(3.0 + 0.15, abs=0.3)
    assert [e.kind for e in ex.events].count("hold_done") == 1
    assert m["best_left_s"] == 10.0 and m["best_right_s"] is None
    # MABC-2 caps at 30 s: the 12 s hold is not capped there
    assert _run("one_leg_stance", frames, {"protocol": "mabc2"}).result().metrics["best_hold_s"] == pytest.approx(12.15, abs=0.3)


def test_one_leg_stance_lost_view_ends_the_attempt() -> None:
    frames, _ = one_leg_stream((6.0,), fps=30, seed=3)
    cut = [f if f.t_ns < 3e9 else TrackedFrame(f.source_id, f.seq, f.t_ns, f.image_size) for f in frames]
    ex = _run("one_leg_stance", cut)
    (hold,) = [e for e in ex.events if e.kind == "hold"]
    assert hold.payload["flags"] == "lost_view"
    assert hold.value == pytest.approx(3.0 - 1.0, abs=0.3)


def test_live_values_for_the_ui() -> None:
    frames, _ = exercise_stream("squats", 2, seed=1)
    ex = exercises.create("squats")
    for inp in _inputs(frames[:50]):
        ex.step(inp)
    live = ex.live()
    assert set(live) >= {"reps", "progress", "paused", "last_quality"}
    assert 0.0 <= live["progress"] <= 1.0
    assert all(isinstance(v, float) for v in live.values())
    assert isinstance(PoseObservation, type)


def test_lowpass_step_equals_scipy_sosfilt() -> None:
    from scipy.signal import sosfilt, sosfilt_zi

    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(0, 1, 300))
    lp = LowPass(4.0)
    ts = (np.arange(300) * 1e9 / 30).astype(np.int64)
    ours = np.array([lp(int(t), float(v)) for t, v in zip(ts, x, strict=True)])
    assert lp._sos is not None
    k = lp.n_rate  # the filter is designed after n_rate intervals and starts in steady state at sample k
    ref, _ = sosfilt(lp._sos, x[k + 1 :], zi=sosfilt_zi(lp._sos) * x[k])
    np.testing.assert_allclose(ours[k + 1 :], ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ours[: k + 1], x[: k + 1])


def test_one_leg_stance_ignores_steps() -> None:
    frames, _ = one_leg_stream((0.1, 3.0), fps=30, seed=4)  # a quick step, then a real hold
    m = _run("one_leg_stance", frames).result().metrics
    assert m["attempts"] == 1 and m["short_lifts"] == 1
    assert m["best_hold_s"] == pytest.approx(3.15, abs=0.3)
