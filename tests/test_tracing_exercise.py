"""The tracing exercise in its three modes, fed by the simulated child (vision.synth_hand)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import exercises
from exercises.base import StepInput
from exercises.templates import make_template, point_to_path
from vision.synth_hand import tracing_stream


def _run(settings: dict, frames) -> exercises.Exercise:  # type: ignore[no-untyped-def]
    ex = exercises.create("tracing", settings)
    for f in frames:
        ex.step(StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size))
    ex.finish()
    return ex


@pytest.mark.parametrize("shape", ["circle", "spiral", "figure8", "zigzag", "triangle", "S"])
def test_screen_mode_scores_the_simulated_child_against_truth(shape: str) -> None:
    tmpl = make_template(shape, size=0.6, aspect=4 / 3)
    frames, truth = tracing_stream(tmpl.points, duration_s=10, fps=30, drift=0.01, tremor=0.002, jitter=0.0, seed=2)
    ex = _run({"shape": shape, "size": 0.6, "tolerance": 0.03}, frames)
    r = ex.result()
    d, _ = point_to_path(truth.fingertip * [4 / 3, 1], tmpl)
    assert r.metrics["mean_dev"] == pytest.approx(d.mean(), abs=1e-6)  # landmarks are float32
    assert r.metrics["max_dev"] == pytest.approx(d.max(), abs=1e-6)
    assert r.metrics["mean_dev_px"] == pytest.approx(d.mean() * 480, abs=1e-3)
    assert r.metrics["completion"] >= 0.95 and r.reps == 1
    assert r.units["mean_dev"] == "frame_height" and r.units["mean_dev_px"] == "px"
    assert set(r.metrics) <= set(r.units) and set(r.metrics) <= set(r.definitions)
    assert np.isfinite(r.metrics["sparc"]) and r.metrics["sparc"] < 0
    assert [e.kind for e in r.events].count("rep") == 1


def test_offset_path_is_reported_as_the_offset_in_pixels() -> None:
    offset = make_template("circle", size=0.6 + 2 * 0.05, aspect=16 / 9)
    frames, _ = tracing_stream(offset.points, duration_s=6, image_size=(1280, 720), drift=0, tremor=0, jitter=0)
    m = _run({"shape": "circle", "size": 0.6, "tolerance": 0.03}, frames).result().metrics
    assert m["mean_dev"] == pytest.approx(0.05, abs=2e-4)
    assert m["mean_dev_px"] == pytest.approx(0.05 * 720, abs=0.2)
    assert m["in_band_pct"] == 0.0 and m["band_exits"] == 1 and m["completion"] == 0.0


def test_tabletop_mode_maps_the_fingertip_to_sheet_millimetres() -> None:
    # image pixels -> sheet mm: 0.5 mm per pixel, origin shifted; the circle is 100 mm wide at (105, 148)
    H = np.array([[0.5, 0.0, -10.0], [0.0, 0.5, -20.0], [0.0, 0.0, 1.0]])
    w, h = 640, 480
    c_px = ((105 + 10) / 0.5, (148 + 20) / 0.5)
    tmpl_img = make_template("circle", center=(c_px[0] / w, c_px[1] / h), size=(100 + 2 * 3) / 0.5 / h, aspect=w / h)
    frames, _ = tracing_stream(tmpl_img.points, duration_s=6, drift=0, tremor=0, jitter=0)
    settings = {"shape": "circle", "mode": "tabletop", "center": "105,148", "size": 100, "tolerance": 5,
                "homography": ",".join(str(v) for v in H.ravel())}
    r = _run(settings, frames).result()
    assert r.units["mean_dev"] == "mm"
    assert r.metrics["mean_dev"] == pytest.approx(3.0, abs=0.02)
    assert r.metrics["completion"] == 1.0
    # workspace landmarks from the pipeline win over the setting; frames without any mapping are counted
    shifted = [dataclasses.replace(f, hands=tuple(dataclasses.replace(hd, workspace=np.tile([105.0, 98.0], (21, 1))) for hd in f.hands)) for f in frames]
    r2 = _run(settings, shifted).result()
    assert r2.metrics["mean_dev"] == pytest.approx(0.0, abs=1e-6)  # (105, 98) is the circle's top
    r3 = _run({k: v for k, v in settings.items() if k != "homography"}, frames).result()
    assert r3.metrics["unmapped_frames"] == len(frames) and r3.metrics["samples"] == 0


def test_free_mode_aligns_and_recognises_the_drawing() -> None:
    # the child draws a triangle somewhere else and at another size than the template's
    drawn = make_template("triangle", center=(0.3, 0.6), size=0.35, aspect=4 / 3)
    frames, _ = tracing_stream(drawn.points, duration_s=6, drift=0.004, tremor=0.001, jitter=0.0005, seed=4)
    r = _run({"shape": "triangle", "mode": "free", "tolerance": 0.03}, frames).result()
    assert r.metrics["best_shape"] == "triangle" and r.metrics["shape_match"] == 1
    assert r.metrics["fit_scale"] == pytest.approx(0.35, rel=0.06)
    assert r.metrics["mean_dev"] < 0.01 and r.metrics["completion"] > 0.9
    wrong = _run({"shape": "circle", "mode": "free"}, frames).result()
    assert wrong.metrics["shape_match"] == 0 and wrong.metrics["best_shape"] == "triangle"
    assert wrong.metrics["mean_dev"] > r.metrics["mean_dev"]


def test_hand_filter_and_live_values() -> None:
    tmpl = make_template("line", size=0.6)
    frames, _ = tracing_stream(tmpl.points, duration_s=3, handedness="Left", drift=0, tremor=0, jitter=0)
    assert _run({"shape": "line", "hand": "right"}, frames).result().metrics["samples"] == 0
    ex = _run({"shape": "line", "hand": "left"}, frames)
    live = ex.live()
    assert live["samples"] == len(frames) and live["in_band_pct"] == 100.0 and live["completion"] == 1.0
    assert ex.result().metrics["hand_used"] == "Left"


def test_overlay_paths_split_letters_into_strokes() -> None:
    ex = exercises.create("tracing", {"shape": "H", "size": 0.5})
    strokes = ex.overlay_paths((640, 480))
    assert len(strokes) == 3 and all(s.ndim == 2 and s.shape[1] == 2 for s in strokes)
    assert all(np.all((s > 0) & (s < 1)) for s in strokes)
    assert len(exercises.create("tracing", {"shape": "circle"}).overlay_paths((640, 480))) == 1
    assert exercises.create("tracing", {"mode": "tabletop", "size": 100, "center": "105,148"}).overlay_paths((640, 480)) == []


def test_reverse_direction_and_live_progress_point() -> None:
    tmpl = make_template("circle", size=0.6, aspect=4 / 3, reverse=True)
    assert tmpl.direction[0] < -0.99  # counter-clockwise on screen: to the left first
    frames, _ = tracing_stream(tmpl.points, duration_s=6, drift=0, tremor=0, jitter=0)
    forward = _run({"shape": "circle", "size": 0.6}, frames).result().metrics
    backward = _run({"shape": "circle", "size": 0.6, "reverse": "true"}, frames)
    assert forward["completion"] < 0.15 and backward.result().metrics["completion"] == 1.0
    # the progress point follows the child: half way through, it is at the bottom of the circle
    ex = exercises.create("tracing", {"shape": "circle", "size": 0.6})
    fwd, _ = tracing_stream(make_template("circle", size=0.6, aspect=4 / 3).points, duration_s=6, drift=0, tremor=0, jitter=0)
    for f in fwd[: len(fwd) // 2 + 1]:
        ex.step(StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size))
    live = ex.live()
    assert live["progress_x"] == pytest.approx(0.5, abs=0.02) and live["progress_y"] == pytest.approx(0.8, abs=0.02)
