"""Camera intrinsics from rendered checkerboard/ChArUco sheets seen by a known pinhole camera."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from calibration.camera import Intrinsics, calibrate_charuco, calibrate_checkerboard, load_intrinsics, save_intrinsics
from calibration.sheets import SheetSpec, charuco_board, render
from calibration.store import CalibrationStore
from station.core import InputError

SIZE = (800, 600)
F = 700.0


def camera_views(spec: SheetSpec, n: int = 10, seed: int = 0, dpi: int = 150) -> tuple[list[np.ndarray], np.ndarray]:
    """Images of a printed sheet seen by a distortion-free camera (focal ``F`` px) from ``n`` poses.

    The image of a plane is a homography: ``K [r1 r2 t]`` applied to sheet millimetres, composed
    with the sheet raster's pixels -> mm scale; OpenCV warps the rendered sheet with it.
    """
    import cv2

    sheet = render(spec, dpi)
    ppmm = dpi / 25.4
    w_mm, h_mm = spec.size_mm
    K = np.array([[F, 0, SIZE[0] / 2], [0, F, SIZE[1] / 2], [0, 0, 1]])
    to_mm = np.array([[1 / ppmm, 0, -w_mm / 2], [0, 1 / ppmm, -h_mm / 2], [0, 0, 1]])
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        rvec = np.r_[rng.uniform(-0.45, 0.45, 2), rng.uniform(-0.3, 0.3)]
        R, _ = cv2.Rodrigues(rvec)
        t = np.array([rng.uniform(-40, 40), rng.uniform(-30, 30), rng.uniform(380, 480)])
        H = K @ np.c_[R[:, :2], t] @ to_mm
        out.append(cv2.warpPerspective(sheet, H, SIZE, flags=cv2.INTER_AREA, borderValue=128))
    return out, K


def test_checkerboard_recovers_the_focal_length() -> None:
    imgs, _ = camera_views(SheetSpec(kind="checkerboard", squares=(9, 7), square_mm=20))
    intr = calibrate_checkerboard(imgs, (8, 6), 20.0)
    assert intr.n_views == 10 and intr.method == "checkerboard"
    assert intr.fx == pytest.approx(F, rel=0.01) and intr.fy == pytest.approx(F, rel=0.01)
    assert intr.K[0, 2] == pytest.approx(SIZE[0] / 2, abs=8) and intr.K[1, 2] == pytest.approx(SIZE[1] / 2, abs=8)
    assert 0 < intr.rms_px < 0.5


def test_charuco_recovers_the_focal_length() -> None:
    spec = SheetSpec(kind="charuco", squares=(9, 7), square_mm=20)
    imgs, _ = camera_views(spec, seed=1)
    intr = calibrate_charuco(imgs, charuco_board(spec))
    assert intr.n_views >= 8 and intr.fx == pytest.approx(F, rel=0.02)
    assert 0 < intr.rms_px < 0.6


def test_bad_input_is_reported() -> None:
    imgs, _ = camera_views(SheetSpec(kind="markers"), n=3)
    with pytest.raises(InputError, match="checkerboard was found in 0 of 3"):
        calibrate_checkerboard(imgs, (8, 6), 20.0)
    with pytest.raises(InputError, match="different sizes"):
        calibrate_checkerboard([imgs[0], imgs[1][:300]], (8, 6), 20.0)
    with pytest.raises(InputError, match="no calibration images"):
        calibrate_checkerboard([], (8, 6), 20.0)


def test_intrinsics_are_versioned_in_the_store(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path / "cal")
    assert load_intrinsics(store, "cam0") == ("missing", None)
    intr = Intrinsics(np.array([[700.0, 0, 400], [0, 701, 300], [0, 0, 1]]), np.zeros(5), SIZE, 0.21, 10, "checkerboard")
    rec = save_intrinsics(store, "cam0", intr, "0.1.0")
    assert rec.version == 1 and rec.residual == 0.21 and rec.residual_unit == "px"
    save_intrinsics(store, "cam0", intr)
    status, back = load_intrinsics(store, "cam0")
    assert status == "ok" and back is not None and back.fy == 701 and back.image_size == SIZE
    assert len(store.history("cam0", "intrinsics")) == 2
    later = datetime.now(UTC) + timedelta(days=400)
    assert load_intrinsics(store, "cam0", now=later)[0] == "stale"
