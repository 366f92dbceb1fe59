"""Workspace calibration: a homography from image pixels to a plane in millimetres.

The plane is a printed sheet (tabletop tracing), a pegboard, or a floor mat. Its frame: origin at
the sheet's top-left corner, x to the right, y down (as the sheet is read), millimetres.

Two ways to find it:

* **ArUco markers** (:func:`detect_markers`, :func:`fit_from_markers`): the sheet carries markers of
  known ids whose corner positions on the sheet are known (:class:`MarkerLayout`, written by
  :mod:`calibration.sheets`); OpenCV's ``aruco`` module finds them and ``cv2.findHomography`` fits
  the image -> sheet mapping over all their corners.
* **Four clicked corners** (:func:`fit_from_corners`) of a rectangle of known size.

The **residual** is the RMS distance, in mm on the plane, between the known corner positions and
the detected ones mapped through the homography (0 for exactly four points). A workspace is stored
in the versioned calibration store as kind ``"workspace"`` keyed by the camera id
(:func:`save_workspace`, :func:`load_workspace`); the store's status (``ok``, ``stale`` after a day,
``missing``) is what the therapist sees.

OpenCV is imported inside the functions that need it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from station.core import CalibrationRecord, InputError

log = logging.getLogger(__name__)

ARUCO_DICT = "DICT_4X4_50"
"""The marker dictionary of every sheet the station prints."""


def homography_dlt(src: NDArray[np.float64], dst: NDArray[np.float64]) -> NDArray[np.float64]:
    """Least-squares homography ``dst ~ H @ src`` from >= 4 point pairs (normalised DLT, NumPy only)."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 4:
        raise InputError("a homography needs at least 4 point pairs (N x 2 each)")

    def norm(p: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        c = p.mean(axis=0)
        s = np.sqrt(2) / max(float(np.mean(np.hypot(*(p - c).T))), 1e-12)
        T = np.array([[s, 0, -s * c[0]], [0, s, -s * c[1]], [0, 0, 1]])
        return (p - c) * s, T

    a, Ta = norm(src)
    b, Tb = norm(dst)
    rows = []
    for (x, y), (u, v) in zip(a, b, strict=True):
        rows.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        rows.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    _, sv, vt = np.linalg.svd(np.asarray(rows))
    if sv.size >= 8 and sv[7] < 1e-12 * sv[0]:
        raise InputError("the points are degenerate (collinear or repeated)", fix="use four corners of a rectangle")
    Hn = vt[-1].reshape(3, 3)
    H = np.linalg.inv(Tb) @ Hn @ Ta
    return H / H[2, 2]


def apply_homography(H: ArrayLike, pts: ArrayLike) -> NDArray[np.float64]:
    """Map N x 2 points through a 3 x 3 homography (any real arrays; computed in float64)."""
    p = np.atleast_2d(np.asarray(pts, dtype=np.float64))
    q = np.c_[p, np.ones(len(p))] @ np.asarray(H, dtype=np.float64).T
    return q[:, :2] / q[:, 2:3]


@dataclass(frozen=True)
class MarkerLayout:
    """Where markers are on a plane: marker id -> its 4 corners (mm; ArUco corner order TL, TR, BR, BL)."""

    corners_mm: Mapping[int, tuple[tuple[float, float], ...]]
    dictionary: str = ARUCO_DICT
    plane: str = "sheet"

    def to_json(self) -> dict[str, Any]:
        return {"dictionary": self.dictionary, "plane": self.plane,
                "corners_mm": {str(k): [list(c) for c in v] for k, v in self.corners_mm.items()}}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> MarkerLayout:
        return cls({int(k): tuple(_xy(c) for c in v) for k, v in d["corners_mm"].items()},
                   str(d.get("dictionary", ARUCO_DICT)), str(d.get("plane", "sheet")))


def _xy(c: Iterable[Any]) -> tuple[float, float]:
    x, y = map(float, c)
    return x, y


def square_marker(x_mm: float, y_mm: float, size_mm: float) -> tuple[tuple[float, float], ...]:
    """Corners (TL, TR, BR, BL) of a marker whose top-left corner is at (x, y) mm."""
    return ((x_mm, y_mm), (x_mm + size_mm, y_mm), (x_mm + size_mm, y_mm + size_mm), (x_mm, y_mm + size_mm))


@dataclass(frozen=True)
class Workspace:
    """A fitted image -> plane mapping.

    ``H`` maps image **pixels** (x right, y down, of an image of ``image_size`` = (w, h)) to plane mm.
    """

    H: NDArray[np.float64]
    image_size: tuple[int, int]
    residual_mm: float | None
    method: str
    plane: str = "sheet"
    markers: tuple[int, ...] = ()
    created_utc: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_mm(self, pts_px: NDArray[np.float64]) -> NDArray[np.float64]:
        """Image pixels -> plane mm (N x 2)."""
        return apply_homography(self.H, pts_px)

    def to_px(self, pts_mm: NDArray[np.float64]) -> NDArray[np.float64]:
        """Plane mm -> image pixels (N x 2)."""
        return apply_homography(np.linalg.inv(self.H), pts_mm)

    def normalised_to_mm(self, pts_norm: NDArray[np.float64]) -> NDArray[np.float64]:
        """Normalised image coordinates (0..1) -> plane mm; rescaled when the image size differs."""
        w, h = self.image_size
        return self.to_mm(np.atleast_2d(pts_norm) * np.array([w, h], dtype=np.float64))

    def to_record(self, camera_id: str, software_version: str = "") -> CalibrationRecord:
        return CalibrationRecord(
            key=camera_id, kind="workspace", method=self.method,
            params={"H": self.H.tolist(), "image_size": list(self.image_size), "plane": self.plane, "markers": list(self.markers)},
            residual=self.residual_mm, residual_unit="mm", created_utc=self.created_utc, software_version=software_version,
        )

    @classmethod
    def from_record(cls, rec: CalibrationRecord) -> Workspace:
        p = rec.params
        try:
            H = np.asarray(p["H"], dtype=np.float64).reshape(3, 3)
            size = tuple(int(v) for v in p["image_size"])
        except (KeyError, TypeError, ValueError):
            raise InputError("workspace calibration record is malformed", where=f"{rec.key} v{rec.version}", fix="recalibrate") from None
        return cls(H, (size[0], size[1]), rec.residual, rec.method, str(p.get("plane", "sheet")), tuple(p.get("markers", ())), rec.created_utc)


def with_workspace(obs: Any, ws: Workspace) -> Any:
    """A copy of a :class:`~station.core.HandObservation` (or pose observation) whose ``workspace``
    field holds its landmarks in plane millimetres (N x 2).

    Normalised landmarks are scaled by the workspace's own ``image_size``, so a calibration made at
    one resolution serves the same camera view at another. This is the one call a pipeline needs to
    let tabletop tracing and the physical pegboard score in mm.
    """
    import dataclasses

    mm = ws.normalised_to_mm(np.asarray(obs.landmarks[:, :2], dtype=np.float64))
    return dataclasses.replace(obs, workspace=mm)


def fit_from_corners(corners_px: Sequence[Sequence[float]], width_mm: float, height_mm: float, image_size: tuple[int, int]) -> Workspace:
    """Workspace from the four clicked corners (TL, TR, BR, BL, image pixels) of a width x height mm rectangle."""
    c = np.asarray(corners_px, dtype=np.float64)
    if c.shape != (4, 2):
        raise InputError("four corners are needed (TL, TR, BR, BL), as x,y pixel pairs")
    if not (width_mm > 0 and height_mm > 0):
        raise InputError("the rectangle's width and height must be positive (mm)")
    dst = np.array([(0, 0), (width_mm, 0), (width_mm, height_mm), (0, height_mm)], dtype=np.float64)
    H = homography_dlt(c, dst)
    return Workspace(H, image_size, 0.0, "corners")


def detect_markers(image: NDArray[np.uint8], dictionary: str = ARUCO_DICT) -> dict[int, NDArray[np.float64]]:
    """ArUco markers in a BGR or grey image: id -> 4 x 2 corner pixels (TL, TR, BR, BL of the marker)."""
    import cv2

    d = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, dictionary))
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    det = cv2.aruco.ArucoDetector(d, params)
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    corners, ids, _ = det.detectMarkers(grey)
    if ids is None:
        return {}
    return {int(i): np.asarray(c, dtype=np.float64).reshape(4, 2) for i, c in zip(ids.ravel(), corners, strict=True)}


def fit_from_markers(detected: Mapping[int, NDArray[np.float64]], layout: MarkerLayout, image_size: tuple[int, int]) -> Workspace:
    """Fit the image -> plane homography over the corners of every detected marker of ``layout``.

    Needs at least two markers (8 corners) for a residual; one marker (4 corners) fits exactly but
    says nothing about the error, so it is refused.
    """
    import cv2

    ids = sorted(set(detected) & set(layout.corners_mm))
    if len(ids) < 2:
        raise InputError(
            f"found {len(ids)} of the sheet's {len(layout.corners_mm)} markers",
            fix="show the whole sheet to the camera, flat and well lit",
        )
    src = np.vstack([detected[i] for i in ids])
    dst = np.vstack([np.asarray(layout.corners_mm[i], dtype=np.float64) for i in ids])
    H, _ = cv2.findHomography(src, dst, 0)
    if H is None:
        raise InputError("the markers' positions are degenerate", fix="show the whole sheet, flat")
    resid = apply_homography(H, src) - dst
    rms = float(np.sqrt((resid**2).sum(axis=1).mean()))
    return Workspace(np.asarray(H, dtype=np.float64), image_size, rms, "aruco", layout.plane, tuple(ids))


def calibrate_image(image: NDArray[np.uint8], layout: MarkerLayout) -> Workspace:
    """Detect the layout's markers in one image and fit the workspace."""
    h, w = image.shape[:2]
    return fit_from_markers(detect_markers(image, layout.dictionary), layout, (w, h))


def save_workspace(store: Any, camera_id: str, ws: Workspace, software_version: str = "") -> CalibrationRecord:
    """Store ``ws`` as the next ``workspace`` version of ``camera_id`` in a :class:`~calibration.store.CalibrationStore`."""
    return store.save(ws.to_record(camera_id, software_version))


def load_workspace(store: Any, camera_id: str, now: datetime | None = None) -> tuple[str, Workspace | None]:
    """``(status, workspace)``: status ``ok``, ``stale`` or ``missing`` from the store (a stale one is
    still returned, so the therapist can choose to use it while seeing the warning)."""
    status, rec = store.status(camera_id, "workspace", now)
    return status, (Workspace.from_record(rec) if rec is not None else None)
