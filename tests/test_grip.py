"""Grip exercises on the real dynamometer traces in tests/media/sensors/grip and on built profiles.

The real traces (``Time,X_Position,Y_Position,Grip_Force,Vertical_Error,Grip_Force_Error``) are in
newtons: the source project's firmware prints ``N<value>`` and its MATLAB reader labels the axis
"Force (N)". Their ``Time`` column restarts at 0 for each of 6 identical 3.2-3.5 s laps (one trial
repeated in the file); tests join the laps on one increasing clock. ``Grip_Force_Error`` is the
force error beyond a tolerance band around the moving target (0 inside the band).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import exercises
from exercises.base import StepInput
from exercises.grip import GripTracking
from station.core import SensorSample


def _load(path: Path) -> dict[str, np.ndarray]:
    d = np.genfromtxt(path, delimiter=",", names=True)
    t = np.asarray(d["Time"], dtype=np.float64)
    # join the laps: each restart continues one median interval after the previous lap's end
    dt = np.diff(t)
    step = float(np.median(dt[dt > 0]))
    offset = np.concatenate([[0.0], np.cumsum(np.where(dt < 0, t[:-1] - t[1:] + step, 0.0))])
    return {"t": t + offset, "force": np.asarray(d["Grip_Force"]), "err": np.asarray(d["Grip_Force_Error"])}


def _samples(t_s: np.ndarray, force: np.ndarray, device: str = "grip0") -> list[StepInput]:
    out = []
    for i, (t, f) in enumerate(zip(t_s, force, strict=True)):
        ns = int(np.rint(t * 1e9))
        out.append(StepInput(ns, samples=[SensorSample(device, i, ns, ns, None, (float(f),), ("force",), ("N",))]))
    return out


def _run(ex: exercises.Exercise, inputs: list[StepInput]) -> exercises.Exercise:
    for inp in inputs:
        ex.step(inp)
    ex.finish()
    return ex


@pytest.fixture(scope="module")
def traces(media: Path) -> dict[str, dict[str, np.ndarray]]:
    files = sorted((media / "sensors" / "grip").glob("*.csv"))
    assert len(files) == 4
    return {f.stem: _load(f) for f in files}


def test_real_traces_join_into_one_increasing_clock(traces: dict[str, dict[str, np.ndarray]]) -> None:
    for tr in traces.values():
        assert np.all(np.diff(tr["t"]) > 0)
        rate = 1 / np.median(np.diff(tr["t"]))
        assert 80 < rate < 95  # about 83-91 Hz, as the media README says


def test_real_trace_squeezes_peak_and_fatigue(traces: dict[str, dict[str, np.ndarray]]) -> None:
    tr = traces["P2_-_Power_Grasp_-_Force_Only_-_Medium_-_Trial_1"]
    ex = exercises.create("grip_max", {"onset_n": "40", "release_frac": "0.75"})
    _run(ex, _samples(tr["t"], tr["force"]))
    m = ex.result().metrics
    # six identical laps of the same two-hump target: the same squeezes in every lap
    peaks = [float(x) for x in m["peaks_n"].split(",")]
    per_lap = len(peaks) // 6
    assert per_lap == 2 and len(peaks) == 12
    assert peaks == peaks[:per_lap] * 6
    assert m["peak_n"] == pytest.approx(float(tr["force"].max()), abs=0.01)
    assert m["best_of_3_n"] == pytest.approx(max(peaks[:3]), abs=0.01)
    assert m["fatigue_index_pct"] == pytest.approx(100 * (peaks[0] - peaks[-1]) / peaks[0], abs=0.02)
    # time to peak of the first lap, computed independently
    lap = tr["t"] < tr["t"][0] + 3.2
    f, t = tr["force"][lap], tr["t"][lap]
    onset = t[np.argmax(f >= 40.0)]
    assert m["time_to_peak_s"] == pytest.approx(float(t[np.argmax(f)] - onset), abs=1e-6)


@pytest.mark.parametrize("name", ["P1_-_Power_Grasp_-_Force_Only_-_Easy_-_Trial_1", "P1_-_Pinch_Grasp_-_Force_Only_-_Medium_-_Trial_1"])
def test_real_trace_tracking_error_matches_the_recorded_error(traces: dict[str, dict[str, np.ndarray]], name: str) -> None:
    """With the target the source study used where it recorded an error (force - error), the
    tracking error integrated over uneven samples equals the recorded error column."""
    tr = traces[name]
    t, f, e = tr["t"], tr["force"], tr["err"]
    target = f - e

    def target_fn(ts: float) -> float:
        return float(np.interp(t[0] + ts, t, target))

    ex = GripTracking(GripTracking.parse_settings({"tolerance_n": "1e-6"}), target=target_fn)
    _run(ex, _samples(t, f))
    m = ex.result().metrics
    w = np.diff(t)  # each sample's error holds until the next sample
    expect_rmse = math.sqrt(float(np.sum(e[:-1] ** 2 * w) / np.sum(w)))
    assert m["rmse_n"] == pytest.approx(expect_rmse, rel=1e-6)
    assert m["bias_n"] == pytest.approx(float(np.sum(e[:-1] * w) / np.sum(w)), abs=1e-6)
    assert m["in_band_pct"] == pytest.approx(100 * float(np.sum(w[np.abs(e[:-1]) <= 1e-6]) / np.sum(w)), abs=1e-6)
    assert m["tracked_s"] == pytest.approx(float(t[-1] - t[0]), rel=1e-9)
    assert expect_rmse > 0


def _profile(holds: list[tuple[float, float, float]], rate: float = 100.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Force profile: for each ``(start_s, hold_s, level_n)`` a 0.3 s ramp up, a hold, a 0.3 s ramp down;
    uneven sample times (+-30% jitter)."""
    rng = np.random.default_rng(seed)
    end = max(s + h + 1.0 for s, h, _ in holds) + 1.0
    n = int(end * rate)
    t = np.cumsum(rng.uniform(0.7, 1.3, n) / rate)
    f = np.full(n, 2.0)
    for s, h, lvl in holds:
        up = (t >= s) & (t < s + 0.3)
        f[up] = 2 + (lvl - 2) * (t[up] - s) / 0.3
        f[(t >= s + 0.3) & (t < s + 0.3 + h)] = lvl
        dn = (t >= s + 0.3 + h) & (t < s + 0.6 + h)
        f[dn] = lvl - (lvl - 2) * (t[dn] - s - 0.3 - h) / 0.3
    return t, f


def test_squeeze_and_hold_zone() -> None:
    t, f = _profile([(1.0, 4.0, 55.0), (7.0, 2.0, 60.0), (11.0, 3.5, 50.0), (16.0, 5.0, 95.0)])
    ex = exercises.create("grip_squeeze", {"zone_lo_n": "40", "zone_hi_n": "80", "hold_s": "3"})
    _run(ex, _samples(t, f))
    m = ex.result().metrics
    assert ex.reps() == m["holds"] == 2  # the 2 s stay is too short, the 95 N squeeze is above the zone
    kinds = [e.kind for e in ex.events]
    # left early: the 2 s stay, and the 95 N squeeze passing through the zone up and down
    assert kinds.count("hold_done") == 2 and kinds.count("left_zone") == 3
    # in the zone: the holds plus the parts of the ramps between 40 and 80 N
    ramp_in = lambda lvl: 0.3 * (min(lvl, 80) - 40) / (lvl - 2)  # noqa: E731
    expect = 4 + 2 + 3.5 + 2 * (ramp_in(55) + ramp_in(60) + ramp_in(50)) + 2 * 0.3 * 40 / 93
    assert m["time_in_zone_s"] == pytest.approx(expect, abs=0.1)
    assert 50.0 < m["hold_mean_n"] < 60.0
    assert m["squeezes"] == 4 and m["peak_n"] == pytest.approx(95.0)
    live = ex.live()
    assert set(live) >= {"force_n", "fill", "in_zone", "reps"}


def test_max_squeezes_best_of_3_and_fatigue() -> None:
    t, f = _profile([(1.0, 1.0, 300.0), (4.0, 1.0, 280.0), (7.0, 1.0, 310.0), (10.0, 1.0, 240.0)])
    ex = _run(exercises.create("grip_max"), _samples(t, f))
    m = ex.result().metrics
    assert m["squeezes"] == 4
    assert m["best_of_3_n"] == pytest.approx(310.0)
    assert m["fatigue_index_pct"] == pytest.approx(100 * (300 - 240) / 300)
    assert m["time_to_peak_s"] == pytest.approx(0.3 * (1 - (20 - 2) / (310 - 2)), abs=0.03)


def test_repeated_squeezes_rhythm_and_foreign_samples_ignored() -> None:
    t, f = _profile([(1.0 + 1.5 * k, 0.5, 60.0) for k in range(6)])
    inputs = _samples(t, f)
    # samples of another device and NaN forces are ignored
    inputs.insert(10, StepInput(inputs[10].t_ns, samples=[SensorSample("balance0", 0, inputs[10].t_ns, 0, None, (1.0, 2.0, 3.0, 4.0),
                                                                       ("tl", "tr", "bl", "br"), ("kg",) * 4)]))
    inputs.insert(20, StepInput(inputs[20].t_ns, samples=[SensorSample("grip0", 99, inputs[20].t_ns, 0, None, (math.nan,), ("force",), ("N",))]))
    ex = _run(exercises.create("grip_repeat"), inputs)
    m = ex.result().metrics
    assert ex.reps() == 6
    assert m["mean_interval_s"] == pytest.approx(1.5, abs=0.03)
    assert m["cv_interval"] < 0.05


def test_sine_tracking_of_a_perfect_and_a_lagging_child() -> None:
    t = np.arange(0, 12, 0.012)
    ex = exercises.create("grip_tracking", {"target_lo_n": "20", "target_hi_n": "60", "period_s": "6"})
    target = 20 + 40 * 0.5 * (1 - np.cos(2 * np.pi * t / 6))
    _run(ex, _samples(t, target))
    assert ex.result().metrics["rmse_n"] == pytest.approx(0.0, abs=1e-9)
    assert ex.result().metrics["in_band_pct"] == pytest.approx(100.0)
    lag = 20 + 40 * 0.5 * (1 - np.cos(2 * np.pi * (t - 0.5) / 6))
    ex2 = _run(exercises.create("grip_tracking", {"target_lo_n": "20", "target_hi_n": "60", "period_s": "6"}), _samples(t, lag))
    # RMS of the difference of two sines of amplitude 20 N shifted by 0.5 s: 20 * sqrt(2) * sin(pi * 0.5 / 6)
    assert ex2.result().metrics["rmse_n"] == pytest.approx(20 * math.sqrt(2) * math.sin(math.pi * 0.5 / 6), rel=0.02)
