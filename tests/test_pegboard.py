"""Pegboard scoring on generated landmark streams that encode known grasps, placements and drops."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import exercises
from calibration.workspace import apply_homography, homography_dlt
from exercises.base import StepInput
from station.core import TrackedFrame
from vision.synth_hand import pegboard_stream

FPS = 30.0


def _run(frames, settings):  # type: ignore[no-untyped-def]
    ex = exercises.create("pegboard", settings)
    for f in frames:
        ex.step(StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size))
    ex.finish()
    return ex


def _holes(settings: dict, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    return exercises.create("pegboard", settings).holes_normalised(size)


@pytest.mark.parametrize("grasp", ["pinch", "palmar"])
def test_nine_hole_peg_test_events_match_the_truth(grasp: str) -> None:
    settings = {"board": "nine_hole", "center": "0.6,0.5", "spacing": 0.1, "dish": "0.25,0.5"}
    frames, truth = pegboard_stream(_holes(settings), (0.25, 0.5), grasp=grasp, drops=(3,), placement_error=0.012,
                                    jitter=0.0005, seed=5)
    ex = _run(frames, settings)
    r = ex.result()
    m = r.metrics
    assert m["pegs_placed"] == 9 and m["pegs_removed"] == 9 and m["drops"] == 1 and m["completed"] == 1
    assert m["grasp_type"] == grasp and m[f"{grasp}_grasps"] == 19 and m["hand_used"] == "Right"
    assert m["placement_error"] == pytest.approx(0.012, abs=0.002)
    for kind in ("grasp", "peg_placed", "peg_dropped", "peg_removed"):
        got = np.array([e.t_ns for e in r.events if e.kind == kind])
        want = np.array([e.t_ns for e in truth if e.kind == kind])
        assert len(got) == len(want), kind
        assert np.all(np.abs(got - want) <= 2.5e9 / FPS), kind  # within two frames of the true event
    assert [e.payload["hole"] for e in r.events if e.kind == "peg_placed"] == [e.hole for e in truth if e.kind == "peg_placed"]
    first_touch = min(e.t_ns for e in truth if e.kind == "grasp")
    last_out = max(e.t_ns for e in truth if e.kind == "peg_removed")
    assert m["total_time_s"] == pytest.approx((last_out - first_touch) / 1e9, abs=3 / FPS)
    assert [e.kind for e in r.events].count("test_done") == 1
    assert set(m) == set(r.units) == set(r.definitions)


def test_purdue_style_counts_pegs_placed_within_30_s() -> None:
    settings = {"board": "grid", "rows": 5, "cols": 5, "spacing": 0.07, "center": "0.6,0.5", "protocol": "purdue",
                "duration_s": 30, "dish": "0.2,0.5"}
    frames, truth = pegboard_stream(_holes(settings), (0.2, 0.5), protocol="place", n_pegs=25, transport_s=0.8, return_s=0.5)
    r = _run(frames, settings).result()
    t0 = frames[0].t_ns
    within = sum(1 for e in truth if e.kind == "peg_placed" and e.t_ns - t0 <= 30e9)
    assert 5 < within < 25
    assert r.metrics["pegs_placed"] == within and r.metrics["total_time_s"] == 30
    assert [e.kind for e in r.events].count("time_up") == 1


def test_both_hands_are_tracked_separately() -> None:
    settings = {"board": "grid", "rows": 2, "cols": 3, "spacing": 0.1, "center": "0.5,0.4", "protocol": "purdue",
                "duration_s": 60, "hand": "both", "dish": "0.5,0.8", "dish_radius": 0.16}
    holes = _holes(settings)
    left, _tl = pegboard_stream(holes[:3], (0.4, 0.8), protocol="place", n_pegs=3, handedness="Left", seed=1)
    right, _tr = pegboard_stream(holes[3:], (0.6, 0.8), protocol="place", n_pegs=3, handedness="Right", seed=2)
    n = min(len(left), len(right))
    both = [TrackedFrame(lf.source_id, i, lf.t_ns, lf.image_size, hands=(*lf.hands, *rf.hands)) for i, (lf, rf) in enumerate(zip(left[:n], right[:n], strict=True))]
    m = _run(both, settings).result().metrics
    assert m["placed_left"] == 3 and m["placed_right"] == 3 and m["hand_used"] == "both" and m["drops"] == 0
    assert m["pairs_placed"] == 3
    # one hand only: the other hand's placements are not counted
    assert _run(both, settings | {"hand": "left"}).result().metrics["pegs_placed"] == 3


def test_physical_board_from_four_clicked_corners_in_mm() -> None:
    # a 200 x 150 mm board seen in perspective: its corners in normalised image coordinates
    corners = np.array([(0.25, 0.2), (0.8, 0.25), (0.85, 0.8), (0.2, 0.75)])
    settings = {"mode": "physical", "board": "nine_hole", "center": "120,75", "spacing": 32, "dish": "30,75",
                "dish_radius": 25, "corners": ",".join(f"{v:.6f}" for v in corners.ravel()), "board_size": "200,150"}
    H = homography_dlt(np.array([(0, 0), (200, 0), (200, 150), (0, 150)], dtype=float), corners)  # mm -> normalised
    holes_mm = np.array([(120 + 32 * i, 75 + 32 * j) for j in (-1, 0, 1) for i in (-1, 0, 1)], dtype=float)
    holes_img = apply_homography(H, holes_mm)
    dish_img = apply_homography(H, np.array([[30.0, 75.0]]))[0]
    frames, _truth = pegboard_stream(holes_img, tuple(dish_img), hand_size=0.1)
    r = _run(frames, settings).result()
    assert r.metrics["pegs_placed"] == 9 and r.metrics["completed"] == 1 and r.units["placement_error"] == "mm"
    assert r.metrics["placement_error"] < 0.5  # released exactly over the hole centres
    # without corners or workspace landmarks nothing can be scored, and that is reported
    r2 = _run(frames, {k: v for k, v in settings.items() if k != "corners"}).result()
    assert r2.metrics["pegs_placed"] == 0 and r2.metrics["unmapped_frames"] == len(frames)
    # workspace landmarks (mm) from a calibrated pipeline are used directly
    Hinv = np.linalg.inv(H)
    ws_frames = [dataclasses.replace(f, hands=tuple(dataclasses.replace(h, workspace=apply_homography(Hinv, np.asarray(h.landmarks[:, :2], dtype=float))) for h in f.hands)) for f in frames]
    r3 = _run(ws_frames, {k: v for k, v in settings.items() if k != "corners"}).result()
    assert r3.metrics["pegs_placed"] == 9 and r3.metrics["placement_error"] < 0.5


def test_release_far_from_holes_is_a_drop_and_flicker_is_not_a_grasp() -> None:
    settings = {"board": "nine_hole", "center": "0.6,0.5", "spacing": 0.1, "dish": "0.25,0.5", "protocol": "free"}
    frames, _truth = pegboard_stream(_holes(settings), (0.25, 0.5), protocol="place", n_pegs=4, drops=(0, 1, 2, 3, 4, 5, 6, 7),
                                    jitter=0.001)
    m = _run(frames, settings).result().metrics
    # eight dropped attempts, then the four pegs placed
    assert m["pegs_placed"] == 4 and m["drops"] == 8 and m["pinch_grasps"] == 12
    # placement error beyond the capture radius (half the spacing) is no placement (a single hole,
    # so the release cannot land near a neighbouring hole instead)
    settings |= {"board": "grid", "rows": 1, "cols": 1}
    frames, _ = pegboard_stream(_holes(settings), (0.25, 0.5), protocol="place", n_pegs=3, placement_error=0.06)
    m = _run(frames, settings).result().metrics
    assert m["pegs_placed"] == 0 and m["drops"] == 3


def test_overlay_and_scene_for_drawing_the_board() -> None:
    ex = exercises.create("pegboard", {"board": "nine_hole", "center": "0.6,0.5", "spacing": 0.1, "dish": "0.25,0.5"})
    paths = ex.overlay_paths((640, 480))
    assert len(paths) == 10  # 9 holes + the dish
    np.testing.assert_allclose(paths[4].mean(axis=0), (0.6, 0.5), atol=0.01)  # the centre hole
    frames, _ = pegboard_stream(ex.holes_normalised((640, 480)), (0.25, 0.5), protocol="place", n_pegs=2)
    for f in frames:
        ex.step(StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size))
    sc = ex.scene()
    assert sc["occupied"][:2] == [True, True] and sum(sc["occupied"]) == 2 and sc["hands"]["Right"]["holding"] is False
    corners = "0.2,0.2,0.8,0.2,0.8,0.8,0.2,0.8"
    phys = exercises.create("pegboard", {"mode": "physical", "corners": corners, "board_size": "200,150", "center": "100,75",
                                         "spacing": 32, "dish": "30,75"})
    ring = phys.overlay_paths((640, 480))[4]
    np.testing.assert_allclose(ring.mean(axis=0), (0.5, 0.5), atol=0.01)  # board centre = image centre


def test_closures_away_from_the_dish_are_not_grasps_unless_allowed() -> None:
    settings = {"board": "nine_hole", "center": "0.6,0.5", "spacing": 0.1, "dish": "0.25,0.5", "protocol": "free"}
    # the simulated child's "dish" is somewhere else: every closure happens away from the board's dish
    frames, _ = pegboard_stream(_holes(settings), (0.3, 0.15), protocol="place", n_pegs=3)
    m = _run(frames, settings).result().metrics
    assert m["pinch_grasps"] == 0 and m["pegs_placed"] == 0 and m["closures_elsewhere"] == 3
    m = _run(frames, settings | {"grasp_anywhere": True}).result().metrics
    assert m["pinch_grasps"] == 3 and m["pegs_placed"] == 3
