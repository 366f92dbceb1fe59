"""Sway metrics (Prieto 1996 definitions) and the balance-board exercises, on traces with known
answers: a CoP circling at a known radius and frequency, a constant-velocity drift, data with gaps,
and load-cell samples built from a known CoP for a given board geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest

import exercises
from exercises.balance import CHI2_95_2DOF, sway_metrics, window_average
from exercises.base import StepInput
from station.core import InputError, SensorSample


def _uneven(duration: float, rate: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.3, 1.7, int(duration * rate * 1.1)) / rate)
    return t[t < duration]


def test_chi2_constant_matches_scipy() -> None:
    from scipy.stats import chi2

    assert chi2.ppf(0.95, 2) == pytest.approx(CHI2_95_2DOF, rel=1e-12)


def test_circle_has_the_textbook_values() -> None:
    r, f, dur = 10.0, 0.25, 20.0
    t = _uneven(dur, 1000.0)
    x, y = r * np.cos(2 * np.pi * f * t), r * np.sin(2 * np.pi * f * t)
    m = sway_metrics(t, x, y, rate_hz=100)
    assert m["rate_hz"] == 100 and m["empty_windows"] == 0
    assert m["duration_s"] == pytest.approx(dur, abs=0.02)
    assert m["path_length_mm"] == pytest.approx(2 * np.pi * r * f * m["duration_s"], rel=0.005)
    assert m["mean_velocity_mm_s"] == pytest.approx(2 * np.pi * r * f, rel=0.005)
    assert m["mean_distance_mm"] == pytest.approx(r, rel=0.005)
    assert m["rms_distance_mm"] == pytest.approx(r, rel=0.005)
    assert m["rms_ml_mm"] == pytest.approx(r / math.sqrt(2), rel=0.005)
    assert m["range_ml_mm"] == pytest.approx(2 * r, rel=0.005)
    assert m["range_ap_mm"] == pytest.approx(2 * r, rel=0.005)
    assert m["ellipse95_area_mm2"] == pytest.approx(math.pi * CHI2_95_2DOF * r**2 / 2, rel=0.01)
    assert m["mean_frequency_hz"] == pytest.approx(f, rel=0.01)
    # a 5 Hz low-pass (as Prieto) barely changes a 0.25 Hz sway
    assert sway_metrics(t, x, y, rate_hz=100, lowpass_hz=5.0)["path_length_mm"] == pytest.approx(m["path_length_mm"], rel=0.01)


def test_window_averaging_not_interpolation() -> None:
    # samples bunched in time: window means are the means of the samples in each window
    t = np.array([0.00, 0.01, 0.02, 0.10, 0.35, 0.36, 0.52])
    v = np.array([1.0, 2.0, 3.0, 10.0, 4.0, 6.0, 8.0])
    centres, means, empty = window_average(t, v, rate_hz=4.0)  # windows of 0.25 s
    np.testing.assert_allclose(means[:, 0], [4.0, 5.0, 8.0])
    np.testing.assert_allclose(centres, [0.125, 0.375, 0.625])
    assert empty == 0
    # a gap leaves empty windows that are counted, not filled
    t2 = np.r_[np.arange(0, 1, 0.01), np.arange(2, 3, 0.01)]
    m = sway_metrics(t2, t2 * 3.0, np.zeros_like(t2), rate_hz=10)
    assert m["empty_windows"] == 10
    assert m["path_length_mm"] == pytest.approx(3.0 * (m["duration_s"]), rel=0.01)


def test_default_rate_is_the_whole_median_rate_and_inputs_are_checked() -> None:
    t = np.arange(0, 5, 1 / 83.3)
    m = sway_metrics(t, np.sin(t), np.cos(t))
    assert m["rate_hz"] == 83
    with pytest.raises(ValueError, match="at least 3"):
        sway_metrics([0, 1], [0, 1], [0, 1])
    with pytest.raises(ValueError, match="must not decrease"):
        sway_metrics([0, 2, 1, 3], [0, 1, 2, 3], [0, 1, 2, 3])
    with pytest.raises(ValueError, match="lowpass"):
        sway_metrics(t, np.sin(t), np.cos(t), rate_hz=20, lowpass_hz=15)


def _board_inputs(t: np.ndarray, x: np.ndarray, y: np.ndarray, *, weight: float = 25.0, lx: float = 433.0, ly: float = 238.0,
                  with_cop: bool = False) -> list[StepInput]:
    """Load-cell samples (kg) whose centre of pressure is exactly (x, y) mm for a board of spacing lx x ly."""
    out = []
    for i, (ti, xi, yi) in enumerate(zip(t, x, y, strict=True)):
        # a solution of the CoP equations with the load split evenly between the diagonals
        a, b = xi / (lx / 2), yi / (ly / 2)
        tl = weight / 4 * (1 - a + b)
        tr = weight / 4 * (1 + a + b)
        bl = weight / 4 * (1 - a - b)
        br = weight / 4 * (1 + a - b)
        ns = int(np.rint(ti * 1e9))
        if with_cop:
            s = SensorSample("balance0", i, ns, ns, None, (tl, tr, bl, br, weight, xi, yi), ("tl", "tr", "bl", "br", "total", "cop_x", "cop_y"),
                             ("kg", "kg", "kg", "kg", "kg", "mm", "mm"))
        else:
            s = SensorSample("balance0", i, ns, ns, None, (tl, tr, bl, br), ("tl", "tr", "bl", "br"), ("kg",) * 4)
        out.append(StepInput(ns, samples=[s]))
    return out


def _run(name: str, inputs: list[StepInput], settings: dict | None = None) -> exercises.Exercise:
    ex = exercises.create(name, settings or {})
    for inp in inputs:
        ex.step(inp)
    ex.finish()
    return ex


@pytest.mark.parametrize("with_cop", [False, True])
def test_quiet_stance_from_load_cells_or_driver_cop(with_cop: bool) -> None:
    t = _uneven(12.0, 60.0, seed=3)
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(0, 0.3, t.size))
    y = np.cumsum(rng.normal(0, 0.3, t.size))
    ex = _run("balance_quiet_stance", _board_inputs(t, x, y, with_cop=with_cop), {"duration_s": "10"})
    m = ex.result().metrics
    keep = t - t[0] <= 10.0
    ref = sway_metrics(t[keep] - t[0], x[keep], y[keep])
    for k in ("path_length_mm", "mean_velocity_mm_s", "rms_distance_mm", "range_ap_mm", "range_ml_mm", "ellipse95_area_mm2"):
        assert m[k] == pytest.approx(ref[k], rel=1e-6), k
    assert m["mean_load_kg"] == pytest.approx(25.0)
    assert ex.reps() == 1
    assert [e.kind for e in ex.events] == ["on_board", "trial_end"]


def test_board_geometry_setting_scales_the_cop() -> None:
    t = np.arange(0, 5, 0.01)
    x = 20 * np.sin(t)
    inputs = _board_inputs(t, x, np.zeros_like(t), lx=500.0, ly=300.0)
    wrong = _run("balance_quiet_stance", inputs).result().metrics["range_ml_mm"]
    right = _run("balance_quiet_stance", inputs, {"board_x_mm": "500", "board_y_mm": "300"}).result().metrics["range_ml_mm"]
    assert right == pytest.approx(float(np.ptp(x)), rel=0.01)
    assert wrong == pytest.approx(right * 433 / 500, rel=0.01)


def test_nobody_on_the_board_is_ignored() -> None:
    t = np.arange(0, 4, 0.02)
    inputs = _board_inputs(t, np.zeros_like(t), np.zeros_like(t), weight=1.0)
    ex = _run("balance_quiet_stance", inputs)
    assert ex.result().metrics["path_length_mm"] is None
    assert ex.events == []


def test_one_leg_on_the_board_until_touch_down() -> None:
    t = np.arange(0, 12, 0.01)
    x = np.where(t < 7.0, -100.0 + np.sin(5 * t), -10.0)  # under the left foot, then both feet at 7 s
    ex = _run("balance_one_leg", _board_inputs(t, x, np.zeros_like(t)))
    m = ex.result().metrics
    assert m["hold_s"] == pytest.approx(7.0, abs=0.02)
    assert [e.kind for e in ex.events] == ["on_board", "touch_down"]
    # stepping off ends the hold too; no touch-down within the cap gives the cap
    t2 = np.arange(0, 40, 0.02)
    full = _run("balance_one_leg", _board_inputs(t2, np.full_like(t2, -90.0), np.zeros_like(t2)), {"duration_s": "30"})
    assert full.result().metrics["hold_s"] == pytest.approx(30.0, abs=0.03)


def test_lean_to_target_game() -> None:
    # start centred for 1.5 s, then lean to each target in turn (1.5 s each, 0.5 s travel)
    t = np.arange(0, 9.5, 0.02)
    x, y = np.zeros_like(t), np.zeros_like(t)
    for k, (dx, dy) in enumerate([(40, 0), (0, 40), (-40, 0), (0, -40)]):
        a = 1.5 + 2 * k
        u = np.clip((t - a) / 0.5, 0, 1) * ((t >= a) & (t < a + 1.5))
        x += dx * u
        y += dy * u
    ex = _run("balance_lean", _board_inputs(t, x, y), {"hold_s": "0.5"})
    m = ex.result().metrics
    assert ex.reps() == m["targets_reached"] == 4
    reached = [e for e in ex.events if e.kind == "target_reached"]
    assert [e.payload["direction"] for e in reached] == ["right", "front", "left", "back"]
    assert all(0.5 <= e.value <= 2.0 for e in reached)
    with pytest.raises(InputError, match="direction"):
        exercises.create("balance_lean", {"targets": "up,down"})


def test_quiet_stance_completion_and_stepping_off() -> None:
    t = np.arange(0, 6, 0.02)
    on = _board_inputs(t, np.zeros_like(t), np.zeros_like(t))
    short = _run("balance_quiet_stance", on)  # the trial ends (finish) before duration_s: still completed
    assert short.reps() == 1
    assert [e.kind for e in short.events] == ["on_board", "trial_end"]
    off = on[:150] + _board_inputs(t[150:], np.zeros(t.size - 150), np.zeros(t.size - 150), weight=0.5)
    ex = _run("balance_quiet_stance", off)
    assert ex.reps() == 0
    kinds = [e.kind for e in ex.events]
    assert kinds == ["on_board", "stepped_off"]
    assert ex.result().metrics["duration_s"] == pytest.approx(2.98, abs=0.02)
