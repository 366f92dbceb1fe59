"""Workspace homography from printed ArUco sheets seen by a camera, and tabletop tracing in mm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import exercises
from calibration.sheets import SheetSpec, nine_hole_sheet, read_layout, render, write
from calibration.store import CalibrationStore
from calibration.workspace import (
    apply_homography,
    calibrate_image,
    detect_markers,
    fit_from_corners,
    homography_dlt,
    load_workspace,
    save_workspace,
)
from exercises.base import StepInput
from exercises.templates import make_template
from station.core import InputError
from vision.synth_hand import tracing_stream

SIZE = (1280, 720)
DPI = 150


def _sheet_to_image(spec: SheetSpec, tilt: float = 0.35) -> np.ndarray:
    """Homography sheet mm -> image px of a camera looking down at the sheet at an angle."""
    import cv2

    w, h = spec.size_mm
    K = np.array([[900.0, 0, SIZE[0] / 2], [0, 900.0, SIZE[1] / 2], [0, 0, 1]])
    R, _ = cv2.Rodrigues(np.array([tilt, 0.1, np.pi / 2 + 0.05]))  # landscape view, tilted
    t = np.array([0.0, 0.0, 420.0])
    return K @ np.c_[R[:, :2], t] @ np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]])


def _view(spec: SheetSpec, H_mm_to_px: np.ndarray) -> np.ndarray:
    import cv2

    ppmm = DPI / 25.4
    sheet = render(spec, DPI)
    H = H_mm_to_px @ np.diag([1 / ppmm, 1 / ppmm, 1.0])
    img = cv2.warpPerspective(sheet, H, SIZE, flags=cv2.INTER_AREA, borderValue=90)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def test_markers_give_the_sheet_in_mm_with_sub_mm_residual() -> None:
    spec = SheetSpec(kind="markers")
    H_true = _sheet_to_image(spec)
    img = _view(spec, H_true)
    found = detect_markers(img)
    assert sorted(found) == [0, 1, 2, 3]
    ws = calibrate_image(img, spec.layout())
    assert ws.method == "aruco" and ws.markers == (0, 1, 2, 3) and ws.image_size == SIZE
    assert ws.residual_mm is not None and ws.residual_mm < 0.5
    pts_mm = np.array([(105.0, 148.5), (40.0, 60.0), (170.0, 250.0)])
    back = ws.to_mm(apply_homography(H_true, pts_mm))
    assert np.abs(back - pts_mm).max() < 0.6
    np.testing.assert_allclose(ws.to_px(back), apply_homography(H_true, pts_mm), atol=1e-6)


def test_missing_markers_are_reported() -> None:
    spec = SheetSpec(kind="markers")
    H = _sheet_to_image(spec)
    img = _view(spec, H)
    # keep only marker 0 in view: one marker fits exactly and says nothing about the error
    box = apply_homography(H, np.asarray(spec.layout().corners_mm[0]))
    (xa, ya), (xb, yb) = np.floor(box.min(axis=0) - 15).astype(int), np.ceil(box.max(axis=0) + 15).astype(int)
    one = np.full_like(img, 90)
    one[ya:yb, xa:xb] = img[ya:yb, xa:xb]
    assert sorted(detect_markers(one)) == [0]
    with pytest.raises(InputError, match="found 1 of the sheet's 4 markers"):
        calibrate_image(one, spec.layout())


def test_four_clicked_corners_and_dlt() -> None:
    corners = np.array([(100.0, 80.0), (900.0, 120.0), (950.0, 650.0), (60.0, 600.0)])
    ws = fit_from_corners(corners, 200.0, 150.0, SIZE)
    np.testing.assert_allclose(ws.to_mm(corners), [(0, 0), (200, 0), (200, 150), (0, 150)], atol=1e-9)
    rng = np.random.default_rng(0)
    H = np.array([[1.2, 0.1, 5], [-0.05, 0.9, 7], [1e-4, 2e-4, 1]])
    src = rng.uniform(0, 500, (12, 2))
    np.testing.assert_allclose(homography_dlt(src, apply_homography(H, src)), H, atol=1e-9)
    with pytest.raises(InputError, match="degenerate"):
        homography_dlt(np.array([(0, 0), (1, 1), (2, 2), (3, 3)], dtype=float), np.array([(0, 0), (1, 0), (1, 1), (0, 1)], dtype=float))
    with pytest.raises(InputError, match="four corners"):
        fit_from_corners(corners[:3], 200, 150, SIZE)


def test_workspace_store_status(tmp_path: Path) -> None:
    spec = SheetSpec(kind="markers")
    ws = calibrate_image(_view(spec, _sheet_to_image(spec)), spec.layout())
    store = CalibrationStore(tmp_path / "cal")
    assert load_workspace(store, "cam0") == ("missing", None)
    rec = save_workspace(store, "cam0", ws, "0.1.0")
    assert rec.kind == "workspace" and rec.residual_unit == "mm" and rec.version == 1
    status, back = load_workspace(store, "cam0")
    assert status == "ok" and back is not None
    np.testing.assert_allclose(back.H, ws.H)
    assert load_workspace(store, "cam0", now=datetime.now(UTC) + timedelta(days=2))[0] == "stale"


def test_sheet_files_pdf_png_and_layout(tmp_path: Path) -> None:
    spec = nine_hole_sheet()
    assert len(spec.holes_mm) == 9 and abs(spec.holes_mm[1][0] - spec.holes_mm[0][0] - 32.0) < 1e-9
    pdf = write(spec, tmp_path / "board.pdf", dpi=120)
    png = write(spec, tmp_path / "board.png", dpi=100)
    text = pdf.read_bytes()
    assert text.startswith(b"%PDF") and b"/MediaBox [ 0 0 595.27" in text  # A4 at actual size (pt)
    import cv2

    img = cv2.imread(str(png))
    assert img.shape[:2] == (round(297 * 100 / 25.4), round(210 * 100 / 25.4))
    assert read_layout(tmp_path / "board.png.json").corners_mm == spec.layout().corners_mm
    with pytest.raises(InputError, match="never overwritten"):
        write(spec, tmp_path / "board.pdf")
    with pytest.raises(InputError, match=r"\.pdf or \.png"):
        write(spec, tmp_path / "board.svg")


def test_tabletop_tracing_through_a_fitted_workspace() -> None:
    """A circle printed on a sheet, a fingertip tracing it 4 mm outside, seen by the camera: the
    tracing exercise maps the fingertip through the marker workspace and reports 4 mm."""
    x0, y0, x1, y1 = SheetSpec().free_area()
    c = ((x0 + x1) / 2, (y0 + y1) / 2)
    tmpl = make_template("circle", center=c, size=120, aspect=1.0)
    spec = SheetSpec(kind="tracing", path_mm=tuple(map(tuple, tmpl.points)), tolerance_mm=5)
    H_true = _sheet_to_image(spec)
    ws = calibrate_image(_view(spec, H_true), spec.layout())
    drawn_mm = make_template("circle", center=c, size=120 + 2 * 4, aspect=1.0).points
    drawn_norm = apply_homography(H_true, drawn_mm) / np.array(SIZE)
    frames, _ = tracing_stream(drawn_norm, duration_s=6, image_size=SIZE, drift=0, tremor=0, jitter=0)
    ex = exercises.create("tracing", {"mode": "tabletop", "shape": "circle", "center": f"{c[0]},{c[1]}", "size": 120,
                                      "tolerance": 5, "homography": ",".join(repr(float(v)) for v in ws.H.ravel())})
    for f in frames:
        ex.step(StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size))
    m = ex.result().metrics
    assert m["mean_dev"] == pytest.approx(4.0, abs=0.4) and m["completion"] == 1.0 and m["in_band_pct"] == 100.0


def test_floor_mat_with_one_marker_per_page(tmp_path: Path) -> None:
    """Markers printed one per page and taped into the corners of a 1200 x 800 mm mat, seen by a
    camera standing in front of it: the workspace maps the mat in mm."""
    import cv2

    from calibration.sheets import mat_layout

    spec = SheetSpec(kind="marker", marker_id=2, marker_mm=150)
    page = render(spec, 100)
    assert len(detect_markers(page)) == 1 and 2 in detect_markers(page)
    layout = mat_layout(1200, 800, 150)
    mat = np.full((800, 1200), 170, np.uint8)  # 1 px per mm, a grey mat
    d = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    for mid, corners in layout.corners_mm.items():
        x, y = (int(v) for v in corners[0])
        mat[y : y + 150, x : x + 150] = cv2.aruco.generateImageMarker(d, mid, 150, borderBits=1)
    K = np.array([[800.0, 0, SIZE[0] / 2], [0, 800.0, SIZE[1] / 2], [0, 0, 1]])
    R, _ = cv2.Rodrigues(np.array([0.9, 0.0, 0.0]))  # a camera low in front of the mat, looking down at it
    H_true = K @ np.c_[R[:, :2], [0.0, 0.0, 1800.0]] @ np.array([[1, 0, -600], [0, 1, -400], [0, 0, 1]])
    img = cv2.cvtColor(cv2.warpPerspective(mat, H_true, SIZE, flags=cv2.INTER_AREA, borderValue=60), cv2.COLOR_GRAY2BGR)
    ws = calibrate_image(img, layout)
    # about 0.45 px per mm at 1.8 m: a 5 mm residual is about 2 px of corner error
    assert ws.plane == "mat" and ws.markers == (0, 1, 2, 3) and ws.residual_mm < 5.0
    probe = np.array([(600.0, 400.0), (300.0, 200.0), (1000.0, 700.0)])
    assert np.abs(ws.to_mm(apply_homography(H_true, probe)) - probe).max() < 5.0
    with pytest.raises(InputError, match="larger than two markers"):
        mat_layout(250, 800, 150)


def test_with_workspace_feeds_tabletop_tracing_in_mm() -> None:
    """The pipeline call: observations get their landmarks in sheet mm, and tabletop tracing uses
    them without a homography setting (here the workspace was calibrated at twice the resolution)."""
    import dataclasses

    from calibration.workspace import Workspace, with_workspace

    # 1280x720 calibration: sheet mm = pixels / 4 (0.25 mm per px at that resolution)
    ws = Workspace(np.diag([0.25, 0.25, 1.0]), (1280, 720), 0.1, "aruco")
    tmpl_mm = make_template("circle", center=(160, 90), size=100 + 2 * 3, aspect=1.0)
    norm = tmpl_mm.points * 4 / np.array([1280, 720])
    frames, _ = tracing_stream(norm, duration_s=5, image_size=(640, 360), drift=0, tremor=0, jitter=0)
    frames = [dataclasses.replace(f, hands=tuple(with_workspace(h, ws) for h in f.hands)) for f in frames]
    ex = exercises.create("tracing", {"mode": "tabletop", "shape": "circle", "center": "160,90", "size": 100, "tolerance": 5})
    for f in frames:
        ex.step(StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size))
    m = ex.result().metrics
    assert m["mean_dev"] == pytest.approx(3.0, abs=0.01) and m["unmapped_frames"] == 0
