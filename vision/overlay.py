"""Overlay drawing: hand and body skeletons, fingertip trails, target paths (OpenCV + NumPy only).

Shared by exported overlay videos (``station analyze --overlay``) and the Qt UI (which converts the
drawn BGR image for display), so what a therapist sees live and what a researcher exports match.

Conventions
-----------
* Images are ``H x W x 3`` ``uint8`` **BGR**, drawn in place; every function also returns the image.
* Points come in normalised image coordinates of the unmirrored image (x right, y down, 0..1), as
  stored in observations; pass ``mirror=True`` to draw onto a mirrored (child-facing) view, where
  x becomes ``1 - x``.
* Colours are BGR tuples; line widths scale with the image height (``scale`` = height / 480).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from station.core import HandObservation, InputError, PoseObservation, TrackedFrame

log = logging.getLogger(__name__)

HAND_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4),
    (0, 5), (5, 6), (6, 7), (7, 8),
    (5, 9), (9, 10), (10, 11), (11, 12),
    (9, 13), (13, 14), (14, 15), (15, 16),
    (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
)
POSE_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)
# Left side of the body (anatomical, BlazePose odd indices from 11) drawn in one colour, right in another.
_POSE_LEFT = {1, 2, 3, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31}

WHITE = (255, 255, 255)
LEFT_COLOUR = (255, 160, 0)    # blue-ish (BGR)
RIGHT_COLOUR = (0, 140, 255)   # orange (BGR)
TRAIL_COLOUR = (60, 220, 60)
PATH_COLOUR = (0, 215, 255)     # yellow (BGR), outlined in dark grey for contrast on light scenes


def _px(points: NDArray[np.floating], size: tuple[int, int], mirror: bool) -> NDArray[np.int32]:
    w, h = size
    p = np.asarray(points, dtype=np.float64)[:, :2].copy()
    if mirror:
        p[:, 0] = 1.0 - p[:, 0]
    p *= (w, h)
    return np.round(p).astype(np.int32)


def _scale(img: NDArray[np.uint8]) -> float:
    return max(0.5, img.shape[0] / 480.0)


def draw_hand(img: NDArray[np.uint8], obs: HandObservation, *, mirror: bool = False, colour: tuple[int, int, int] | None = None) -> NDArray[np.uint8]:
    """Draw one hand's 21 landmarks and bones; colour by handedness unless ``colour`` is given."""
    import cv2

    h, w = img.shape[:2]
    pts = _px(obs.landmarks, (w, h), mirror)
    c = colour or (LEFT_COLOUR if obs.handedness == "Left" else RIGHT_COLOUR)
    # Scale with the hand's own size (wrist to middle-finger knuckle), not the frame: a small hand in a
    # whole-body view stays readable, a close-up hand gets bold strokes.
    palm = float(np.hypot(*(pts[9] - pts[0]).astype(np.float64)))
    s = min(_scale(img), max(0.25, palm / 40.0))
    lw = max(1, round(2 * s))
    for a, b in HAND_CONNECTIONS:
        cv2.line(img, tuple(pts[a]), tuple(pts[b]), c, lw, cv2.LINE_AA)
    for i, p in enumerate(pts):
        cv2.circle(img, tuple(p), max(1, round((5 if i in (4, 8) else 3) * s)), WHITE, -1, cv2.LINE_AA)
    return img


def draw_pose(
    img: NDArray[np.uint8], obs: PoseObservation, *, mirror: bool = False, min_visibility: float = 0.5
) -> NDArray[np.uint8]:
    """Draw a BlazePose skeleton; bones with an end below ``min_visibility`` are skipped."""
    import cv2

    h, w = img.shape[:2]
    pts = _px(obs.landmarks, (w, h), mirror)
    vis = obs.visibility if obs.visibility is not None else np.ones(len(pts))
    s = _scale(img)
    lw = max(1, round(2 * s))
    for a, b in POSE_CONNECTIONS:
        if vis[a] < min_visibility or vis[b] < min_visibility:
            continue
        c = LEFT_COLOUR if (a in _POSE_LEFT and b in _POSE_LEFT) else RIGHT_COLOUR if (a not in _POSE_LEFT and b not in _POSE_LEFT) else WHITE
        cv2.line(img, tuple(pts[a]), tuple(pts[b]), c, lw, cv2.LINE_AA)
    for i, p in enumerate(pts):
        if vis[i] >= min_visibility:
            cv2.circle(img, tuple(p), max(2, round(3 * s)), WHITE, -1, cv2.LINE_AA)
    return img


def draw_trail(
    img: NDArray[np.uint8], points: NDArray[np.floating] | Sequence[Sequence[float]], *, mirror: bool = False,
    colour: tuple[int, int, int] = TRAIL_COLOUR, fade: bool = True,
) -> NDArray[np.uint8]:
    """Draw a fingertip trail (oldest first, N x 2 normalised); older segments fade and thin out."""
    import cv2

    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    p = p[np.isfinite(p).all(axis=1)]
    if len(p) < 2:
        return img
    h, w = img.shape[:2]
    pts = _px(p, (w, h), mirror)
    s = _scale(img)
    n = len(pts) - 1
    for i in range(n):
        k = (i + 1) / n if fade else 1.0
        c = tuple(round(v * (0.3 + 0.7 * k)) for v in colour)
        cv2.line(img, tuple(pts[i]), tuple(pts[i + 1]), c, max(1, round((1 + 3 * k) * s)), cv2.LINE_AA)
    return img


def draw_path(
    img: NDArray[np.uint8], points: NDArray[np.floating], *, mirror: bool = False, colour: tuple[int, int, int] = PATH_COLOUR,
    tolerance: float | None = None, closed: bool = False,
) -> NDArray[np.uint8]:
    """Draw a target path (N x 2 normalised) and, with ``tolerance`` (frame heights), its band."""
    import cv2

    h, w = img.shape[:2]
    pts = _px(np.asarray(points, dtype=np.float64).reshape(-1, 2), (w, h), mirror).reshape(-1, 1, 2)
    if tolerance is not None and tolerance > 0:
        band = img.copy()
        cv2.polylines(band, [pts], closed, colour, max(1, round(2 * tolerance * h)), cv2.LINE_AA)
        cv2.addWeighted(band, 0.35, img, 0.65, 0, dst=img)
    lw = max(1, round(2 * _scale(img)))
    cv2.polylines(img, [pts], closed, (40, 40, 40), lw + 2, cv2.LINE_AA)
    cv2.polylines(img, [pts], closed, colour, lw, cv2.LINE_AA)
    return img


def draw_tracked(img: NDArray[np.uint8], tf: TrackedFrame, *, mirror: bool = False) -> NDArray[np.uint8]:
    """Every hand and person of a tracked frame."""
    for p in tf.poses:
        draw_pose(img, p, mirror=mirror)
    for hobs in tf.hands:
        draw_hand(img, hobs, mirror=mirror)
    return img


def draw_label(img: NDArray[np.uint8], text: str, *, corner: tuple[int, int] = (10, 30)) -> NDArray[np.uint8]:
    """A readable text label (white on a dark box) at ``corner`` (px)."""
    import cv2

    s = _scale(img)
    font, fs, th = cv2.FONT_HERSHEY_SIMPLEX, 0.6 * s, max(1, round(1.5 * s))
    (tw, tht), base = cv2.getTextSize(text, font, fs, th)
    x, y = corner
    cv2.rectangle(img, (x - 4, y - tht - 6), (x + tw + 4, y + base + 2), (30, 30, 30), -1)
    cv2.putText(img, text, (x, y), font, fs, WHITE, th, cv2.LINE_AA)
    return img


class OverlayVideoWriter:
    """Writes frames (BGR) to an **H.264** MP4 that browsers play (PyAV's FFmpeg with libx264,
    ``yuv420p``, the index at the start: ``+faststart``) at the source's frame rate; never
    overwrites a file. Odd widths/heights (H.264 4:2:0 needs even ones) get one black pixel column/row.

    Frame times: frame ``i`` is shown at ``i / fps`` s (the source's nominal rate; the per-frame
    times of the analysis are in its JSON and landmark files, not in the overlay).
    """

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], *, overwrite: bool = False) -> None:
        from fractions import Fraction

        import av

        self.path = Path(path)
        if self.path.exists() and not overwrite:
            raise InputError("overlay file exists (never overwritten)", where=str(self.path), fix="choose another name or pass --force")
        if not self.path.parent.exists():
            raise InputError("output folder does not exist", where=str(self.path.parent))
        if self.path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
            raise InputError("the overlay is an H.264 MP4", where=str(self.path), fix="use a .mp4 file name")
        self.size = size
        self._even = (size[0] + size[0] % 2, size[1] + size[1] % 2)
        rate = Fraction(fps if fps > 0 else 30.0).limit_denominator(1001)
        try:
            self._c: Any = av.open(str(self.path), mode="w", options={"movflags": "+faststart"})
            self._s: Any = self._c.add_stream("libx264", rate=rate)
        except Exception as exc:
            raise InputError(f"cannot write video ({exc})", where=str(self.path)) from exc
        self._s.width, self._s.height = self._even
        self._s.pix_fmt = "yuv420p"
        self._s.options = {"crf": "23", "preset": "veryfast"}
        self.frames = 0

    def write(self, img: NDArray[np.uint8]) -> None:
        if self._c is None:
            raise InputError("overlay video is closed", where=str(self.path))
        if img.shape[1] != self._even[0] or img.shape[0] != self._even[1]:
            pad = np.zeros((self._even[1], self._even[0], 3), dtype=np.uint8)
            pad[: img.shape[0], : img.shape[1]] = img[: self._even[1], : self._even[0]]
            img = pad
        import av

        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="bgr24")
        for packet in self._s.encode(frame):
            self._c.mux(packet)
        self.frames += 1

    def close(self) -> None:
        if self._c is not None:
            for packet in self._s.encode():
                self._c.mux(packet)
            self._c.close()
            self._c = None

    def __enter__(self) -> OverlayVideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
