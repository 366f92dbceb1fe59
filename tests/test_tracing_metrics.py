"""Tracing metrics on analytic paths: exact deviations, areas, smoothness of minimum-jerk movements."""

from __future__ import annotations

import numpy as np
import pytest

from exercises import stroke_font
from exercises import trace_metrics as tm
from exercises.templates import SHAPES, make_template, point_to_path, shape_names, spiral_template


def _times(n: int, fs: float = 100.0) -> np.ndarray:
    return (np.arange(n) * 1e9 / fs).astype(np.int64)


def _circle(r: float, n: int = 2000, c: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    th = np.linspace(0, 2 * np.pi, n) - np.pi / 2
    return np.stack((c[0] + r * np.cos(th), c[1] + r * np.sin(th)), axis=1)


def test_perfect_circle_has_zero_deviation() -> None:
    tmpl = make_template("circle", center=(0, 0), size=2.0, aspect=1.0, n=2000)
    sc = tm.score_trace(_times(2000), _circle(1.0), tmpl, tolerance=0.05)
    assert sc.mean_dev < 1e-6 and sc.max_dev < 1e-6
    assert sc.hausdorff < 1e-2  # template sampled at L/4000
    assert sc.area_between < 1e-3
    assert sc.completion == 1.0 and sc.in_band_pct == 100.0 and sc.band_exits == 0


@pytest.mark.parametrize("d", [0.01, 0.05, 0.2])
def test_circle_of_radius_r_plus_d_deviates_by_d(d: float) -> None:
    tmpl = make_template("circle", center=(0, 0), size=2.0, aspect=1.0, n=2000)
    sc = tm.score_trace(_times(2000), _circle(1.0 + d), tmpl, tolerance=0.5)
    assert sc.mean_dev == pytest.approx(d, abs=1e-5)
    assert sc.rms_dev == pytest.approx(d, abs=1e-5)
    assert sc.hausdorff == pytest.approx(d, abs=2e-3)
    annulus = np.pi * ((1 + d) ** 2 - 1)
    assert sc.area_between == pytest.approx(annulus, rel=2e-3)


def test_band_exits_and_in_band_percentage() -> None:
    dev = np.array([0.0, 0.1, 0.0, 0.0, 0.2, 0.3, 0.0, 0.1])
    assert tm.band_exits(dev, 0.05) == 3
    assert tm.band_exits(np.array([0.2, 0.0]), 0.05) == 1  # starting outside is one exit
    assert tm.band_exits(np.array([]), 0.05) == 0


def test_completion_counts_only_progress_in_drawing_order() -> None:
    tmpl = make_template("circle", center=(0, 0), size=2.0, aspect=1.0, n=2000)
    half = _circle(1.0)[:1000]
    d, s = point_to_path(half, tmpl)
    assert tm.completion(half, s, d, 0.05, tmpl) == pytest.approx(0.5, abs=0.02)
    backwards = _circle(1.0)[::-1]
    d, s = point_to_path(backwards, tmpl)
    # the wrong direction covers at most one allowed forward jump (10% of the path) near the start
    assert tm.completion(backwards, s, d, 0.05, tmpl) <= 0.12
    # skipping across the figure (from the start straight to the far side) covers nothing there
    skip = np.vstack((_circle(1.0)[:50], _circle(1.0)[1000:1050]))
    d, s = point_to_path(skip, tmpl)
    assert tm.completion(skip, s, d, 0.05, tmpl) < 0.05


def _min_jerk(duration: float, fs: float, amp: float = 0.2) -> np.ndarray:
    t = np.arange(0, duration + 1e-12, 1 / fs)
    u = t / duration
    return amp * (30 * u**2 - 60 * u**3 + 30 * u**4) / duration


@pytest.mark.parametrize(("duration", "fs"), [(1.0, 100.0), (3.0, 60.0), (0.8, 1000.0)])
def test_sparc_and_ldlj_of_a_minimum_jerk_movement(duration: float, fs: float) -> None:
    v = _min_jerk(duration, fs)
    # SPARC of a minimum-jerk speed profile is about -1.40 (Balasubramanian et al. 2015, fig. 2),
    # independent of amplitude and duration.
    assert tm.sparc(v, fs) == pytest.approx(-1.40, abs=0.01)
    assert tm.sparc(5 * v, fs) == pytest.approx(tm.sparc(v, fs), abs=1e-9)
    # LDLJ-V analytic value: -ln(720 / 1.875^2)
    assert tm.ldlj(v, fs) == pytest.approx(-np.log(720 / 1.875**2), abs=0.08 if fs < 200 else 0.01)
    assert tm.velocity_peaks(v) == 1


def test_submovements_are_less_smooth() -> None:
    fs = 100.0
    one = _min_jerk(1.0, fs)
    two = np.concatenate((one, one))  # two sub-movements, a stop in between
    assert tm.velocity_peaks(two) == 2
    assert tm.sparc(two, fs) < tm.sparc(one, fs) - 0.3
    assert tm.ldlj(two, fs) < tm.ldlj(one, fs) - 1.0


def test_every_template_has_start_direction_and_length() -> None:
    for name in shape_names():
        t = make_template(name, center=(0.5, 0.5), size=0.5, aspect=1.0)
        assert t.length > 0.3, name
        np.testing.assert_allclose(t.start, t.points[0])
        assert np.hypot(*t.direction) == pytest.approx(1.0)
    assert set(SHAPES) <= set(shape_names()) and "A" in shape_names() and "7" in shape_names()
    circle = make_template("circle", center=(0, 0), size=1.0, aspect=1.0)
    np.testing.assert_allclose(circle.start, (0.0, -0.5), atol=1e-12)  # top
    assert circle.direction[0] > 0.99  # clockwise on screen: to the right first
    assert make_template("line", center=(0, 0), size=1.0, aspect=1.0).length == pytest.approx(1.0)
    assert make_template("square", center=(0, 0), size=1.0, aspect=1.0).length == pytest.approx(4.0)


@pytest.mark.parametrize(("kw", "what"), [
    ({"size": 0.0}, "size must be positive"),
    ({"aspect": 0.0}, "aspect"),
    ({"aspect": float("nan")}, "aspect"),
    ({"aspect": -1.0}, "aspect"),
    ({"n": 1}, "at least 8 points"),
    ({"n": 0}, "at least 8 points"),
    ({"n": 7.5}, "at least 8 points"),
])
def test_impossible_template_parameters_are_an_input_error(kw: dict[str, float], what: str) -> None:
    from station.core import InputError

    args = {"center": (0.5, 0.5), "size": 0.5, "aspect": 1.0} | kw
    with pytest.raises(InputError, match=what):
        make_template("circle", **args)  # type: ignore[arg-type]


def test_letters_exclude_pen_up_jumps() -> None:
    t = make_template("T", center=(0, 0), size=1.0, aspect=1.0)
    assert len(stroke_font.glyph("T")) == 2 and (~t.drawn).sum() == 1
    # the pen-up jump of "T" goes from the right end of the bar back to its middle: not part of the path
    assert t.length == pytest.approx(0.7 + 1.0, rel=0.02)
    d, _ = point_to_path(np.array([[0.0, 0.25]]), t)  # on the stem
    assert d[0] < 1e-9


def test_spiral_matches_the_graphomotor_reference_geometry() -> None:
    t = spiral_template(center=(50, 50), growth=1.075, turns=4)
    np.testing.assert_allclose(t.start, (50, 50), atol=1e-9)
    th = 3.0
    p = np.array([[50 + 1.075 * th * np.cos(th), 50 + 1.075 * th * np.sin(th)]])
    assert point_to_path(p, t)[0][0] < 1e-3
    end = t.points[-1]
    np.testing.assert_allclose(end, (50 + 1.075 * 8 * np.pi, 50), atol=1e-6)


@pytest.mark.parametrize("shape", ["circle", "square", "triangle", "spiral", "zigzag", "figure8"])
def test_free_drawing_recognises_the_shape(shape: str) -> None:
    rng = np.random.default_rng(1)
    t = make_template(shape, center=(0.3, 0.7), size=0.37, aspect=1.0, n=300)
    drawn = t.iso + rng.normal(0, 0.003, t.iso.shape)
    fits = tm.best_shape(drawn)
    assert fits[0].shape == shape
    assert fits[0].scale == pytest.approx(0.37, rel=0.05)


def test_free_drawing_with_rotation() -> None:
    t = make_template("square", center=(0.0, 0.0), size=1.0, aspect=1.0, rotation_deg=20)
    no_rot = tm.align_template(t.iso, "square")
    rot = tm.align_template(t.iso, "square", rotation=True)
    assert rot.rms < no_rot.rms
    assert rot.angle_deg % 90 == pytest.approx(20, abs=3)
