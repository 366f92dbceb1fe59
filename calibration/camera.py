"""Camera intrinsics from a checkerboard or a ChArUco board (OpenCV), with the reprojection error.

Conventions
-----------
* Image pixels: x right, y down, origin at the top-left pixel's centre (OpenCV).
* ``K`` is the 3 x 3 camera matrix (fx, fy, cx, cy in pixels); ``dist`` OpenCV's distortion
  coefficients (k1, k2, p1, p2, k3).
* ``rms_px`` is OpenCV's RMS reprojection error over every detected corner of every view, in
  pixels: the residual stored with the calibration (``residual_unit = "px"``).
* Board geometry is in millimetres (``square_mm``), so extrinsics come out in mm.

Stored in the versioned calibration store as kind ``"intrinsics"`` keyed by the camera id
(:func:`save_intrinsics`, :func:`load_intrinsics`). OpenCV is imported inside the functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from station.core import CalibrationRecord, InputError

log = logging.getLogger(__name__)

MIN_VIEWS = 3


@dataclass(frozen=True)
class Intrinsics:
    """A camera calibration (see the module conventions)."""

    K: NDArray[np.float64]
    dist: NDArray[np.float64]
    image_size: tuple[int, int]
    rms_px: float
    n_views: int
    method: str
    created_utc: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def fx(self) -> float:
        return float(self.K[0, 0])

    @property
    def fy(self) -> float:
        return float(self.K[1, 1])

    def undistort_points(self, pts_px: NDArray[np.float64]) -> NDArray[np.float64]:
        """Undistorted pixel positions (N x 2) of distorted ones."""
        import cv2

        p = np.asarray(pts_px, dtype=np.float64).reshape(-1, 1, 2)
        return np.asarray(cv2.undistortPoints(p, self.K, self.dist, P=self.K), dtype=np.float64).reshape(-1, 2)

    def to_record(self, camera_id: str, software_version: str = "") -> CalibrationRecord:
        return CalibrationRecord(
            key=camera_id, kind="intrinsics", method=self.method,
            params={"K": self.K.tolist(), "dist": self.dist.ravel().tolist(), "image_size": list(self.image_size), "n_views": self.n_views},
            residual=self.rms_px, residual_unit="px", created_utc=self.created_utc, software_version=software_version,
        )

    @classmethod
    def from_record(cls, rec: CalibrationRecord) -> Intrinsics:
        p = rec.params
        try:
            return cls(np.asarray(p["K"], dtype=np.float64).reshape(3, 3), np.asarray(p["dist"], dtype=np.float64),
                       (int(p["image_size"][0]), int(p["image_size"][1])), float(rec.residual or 0.0), int(p.get("n_views", 0)),
                       rec.method, rec.created_utc)
        except (KeyError, TypeError, ValueError, IndexError):
            raise InputError("intrinsics calibration record is malformed", where=f"{rec.key} v{rec.version}", fix="recalibrate") from None


def _grey(img: NDArray[np.uint8]) -> NDArray[np.uint8]:
    import cv2

    return img if img.ndim == 2 else np.asarray(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def _check_sizes(images: list[NDArray[np.uint8]]) -> tuple[int, int]:
    if not images:
        raise InputError("no calibration images", fix="give 10-20 photos of the board from different angles")
    sizes = {(im.shape[1], im.shape[0]) for im in images}
    if len(sizes) != 1:
        raise InputError("calibration images have different sizes", where=", ".join(f"{w}x{h}" for w, h in sorted(sizes)),
                         fix="use photos from one camera at one resolution")
    return sizes.pop()


def calibrate_checkerboard(images: Iterable[NDArray[np.uint8]], inner_corners: tuple[int, int], square_mm: float) -> Intrinsics:
    """Intrinsics from views of a checkerboard with ``inner_corners`` = (columns, rows) of inner corners.

    Views where the whole board is not found are skipped; at least :data:`MIN_VIEWS` are needed.
    """
    import cv2

    imgs = list(images)
    size = _check_sizes(imgs)
    cols, rows = inner_corners
    obj = np.zeros((cols * rows, 3), np.float32)
    obj[:, :2] = np.mgrid[0:cols, 0:rows].T.reshape(-1, 2) * square_mm
    obj_pts, img_pts = [], []
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 50, 1e-4)
    for im in imgs:
        g = _grey(im)
        ok, corners = cv2.findChessboardCorners(g, (cols, rows), flags=cv2.CALIB_CB_ADAPTIVE_THRESH + cv2.CALIB_CB_NORMALIZE_IMAGE)
        if not ok:
            continue
        corners = cv2.cornerSubPix(g, corners, (5, 5), (-1, -1), crit)
        obj_pts.append(obj)
        img_pts.append(corners)
    if len(obj_pts) < MIN_VIEWS:
        raise InputError(f"the checkerboard was found in {len(obj_pts)} of {len(imgs)} images (need {MIN_VIEWS})",
                         fix=f"check --corners {cols}x{rows} (inner corners) and show the whole board, sharp")
    rms, K, dist, _, _ = cv2.calibrateCamera(obj_pts, img_pts, size, None, None)
    return Intrinsics(np.asarray(K, dtype=np.float64), np.asarray(dist, dtype=np.float64).ravel(), size, float(rms), len(obj_pts), "checkerboard")


def calibrate_charuco(images: Iterable[NDArray[np.uint8]], board: Any) -> Intrinsics:
    """Intrinsics from views of an OpenCV ``CharucoBoard`` (see :func:`calibration.sheets.charuco_board`).

    Views with fewer than 6 ChArUco corners are skipped; partial views of the board are fine.
    """
    import cv2

    imgs = list(images)
    size = _check_sizes(imgs)
    det = cv2.aruco.CharucoDetector(board)
    obj_pts, img_pts = [], []
    for im in imgs:
        ch_corners, ch_ids, _, _ = det.detectBoard(_grey(im))
        if ch_ids is None or len(ch_ids) < 6:
            continue
        o, i = board.matchImagePoints(ch_corners, ch_ids)
        obj_pts.append(o)
        img_pts.append(i)
    if len(obj_pts) < MIN_VIEWS:
        raise InputError(f"the ChArUco board was found in {len(obj_pts)} of {len(imgs)} images (need {MIN_VIEWS})",
                         fix="print the board with 'station calibrate sheet --kind charuco' and show it sharp, from several angles")
    rms, K, dist, _, _ = cv2.calibrateCamera(obj_pts, img_pts, size, None, None)
    return Intrinsics(np.asarray(K, dtype=np.float64), np.asarray(dist, dtype=np.float64).ravel(), size, float(rms), len(obj_pts), "charuco")


def save_intrinsics(store: Any, camera_id: str, intr: Intrinsics, software_version: str = "") -> CalibrationRecord:
    """Store as the next ``intrinsics`` version of ``camera_id`` in a :class:`~calibration.store.CalibrationStore`."""
    return store.save(intr.to_record(camera_id, software_version))


def load_intrinsics(store: Any, camera_id: str, now: datetime | None = None) -> tuple[str, Intrinsics | None]:
    """``(status, intrinsics)`` with status ``ok``, ``stale`` or ``missing``."""
    status, rec = store.status(camera_id, "intrinsics", now)
    return status, (Intrinsics.from_record(rec) if rec is not None else None)
