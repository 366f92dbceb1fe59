"""Printable sheets and boards with ArUco markers (PDF or PNG).

Every sheet carries four ArUco markers (dictionary :data:`calibration.workspace.ARUCO_DICT`, ids
0-3 in the corners TL, TR, BR, BL) so the camera can map the fingertip to sheet millimetres, plus
its content:

``tracing``  a tracing template (any shape of :mod:`exercises`' templates is passed in as points),
             with its tolerance band, a green start dot and an arrow for the direction;
``pegboard`` a hole grid (e.g. the 3 x 3 Nine-Hole Peg Test pattern, 32 mm pitch) and a dish circle;
``markers``  the markers only (any flat surface the size of the paper);
``marker``   one large marker (``marker_id``, ``marker_mm``) alone on a page, for a floor mat: print
             ids 0-3, tape them into the mat's corners and use :func:`mat_layout`;
``checkerboard`` / ``charuco``  camera-intrinsics targets (no corner markers).

Coordinates: sheet millimetres, origin top-left, x right, y down. Print at 100% ("actual size"):
a 50 mm scale bar on every sheet lets the therapist check. PNGs are rendered with OpenCV at
``dpi``; PDFs embed the same raster at its physical size with matplotlib (imported in the function).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from calibration.workspace import ARUCO_DICT, MarkerLayout, square_marker
from station.core import InputError

if TYPE_CHECKING:
    import cv2

log = logging.getLogger(__name__)

PAPER_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4), "a3": (297.0, 420.0)}
Kind = Literal["tracing", "pegboard", "markers", "checkerboard", "charuco", "marker"]


@dataclass(frozen=True)
class SheetSpec:
    """What to print. Lengths in mm."""

    kind: Kind = "markers"
    paper: str = "a4"
    landscape: bool = False
    marker_mm: float = 30.0
    margin_mm: float = 10.0
    path_mm: tuple[tuple[float, float], ...] = ()
    """Tracing: template points in sheet mm (drawing order)."""
    drawn: tuple[bool, ...] = ()
    """Tracing: per segment, pen-down (empty = all drawn)."""
    tolerance_mm: float = 5.0
    holes_mm: tuple[tuple[float, float], ...] = ()
    hole_diameter_mm: float = 10.0
    dish_mm: tuple[float, float] | None = None
    dish_diameter_mm: float = 60.0
    squares: tuple[int, int] = (9, 7)
    """Checkerboard/ChArUco: squares across and down."""
    square_mm: float = 20.0
    title: str = ""
    marker_id: int = 0
    """``marker`` sheets: which marker id to print."""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def size_mm(self) -> tuple[float, float]:
        try:
            w, h = PAPER_MM[self.paper.lower()]
        except KeyError:
            raise InputError(f"unknown paper '{self.paper}'", fix=f"choose one of: {', '.join(PAPER_MM)}") from None
        return (h, w) if self.landscape else (w, h)

    def layout(self) -> MarkerLayout:
        """Corner positions (mm) of the sheet's four markers: ids 0 TL, 1 TR, 2 BR, 3 BL."""
        w, h = self.size_mm
        m, s = self.margin_mm, self.marker_mm
        pos = {0: (m, m), 1: (w - m - s, m), 2: (w - m - s, h - m - s), 3: (m, h - m - s)}
        return MarkerLayout({i: square_marker(x, y, s) for i, (x, y) in pos.items()}, ARUCO_DICT, self.kind)

    def free_area(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) mm of the area between the markers, for content."""
        w, h = self.size_mm
        inner = self.margin_mm + self.marker_mm + 5
        return (self.margin_mm, inner, w - self.margin_mm, h - inner)


def _mm(p: NDArray[np.float64] | tuple[float, float], ppmm: float) -> NDArray[np.int32]:
    return np.round(np.asarray(p, dtype=np.float64) * ppmm * 16).astype(np.int32)  # 4 fractional bits


def render(spec: SheetSpec, dpi: int = 200) -> NDArray[np.uint8]:
    """The sheet as a grey image (white paper), ``dpi`` pixels per inch."""
    import cv2

    if not 50 <= dpi <= 1200:
        raise InputError(f"dpi must be 50..1200, got {dpi}")
    ppmm = dpi / 25.4
    w, h = spec.size_mm
    img = np.full((round(h * ppmm), round(w * ppmm)), 255, dtype=np.uint8)
    shift = 4
    lw = max(1, round(0.6 * ppmm))
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, ARUCO_DICT))
    if spec.kind in ("tracing", "pegboard", "markers"):
        for mid, corners in spec.layout().corners_mm.items():
            (x0, y0), (x1, _), _, _ = corners
            side = round((x1 - x0) * ppmm)
            mk = cv2.aruco.generateImageMarker(dictionary, mid, side, borderBits=1)
            r, c = round(y0 * ppmm), round(x0 * ppmm)
            img[r : r + side, c : c + side] = mk
    if spec.kind == "marker":
        if not 0 <= spec.marker_id < 50:
            raise InputError(f"marker id must be 0..49 ({ARUCO_DICT}), got {spec.marker_id}")
        side_mm = min(spec.marker_mm, w - 2 * spec.margin_mm, h - 40)
        side = round(side_mm * ppmm)
        mk = cv2.aruco.generateImageMarker(dictionary, spec.marker_id, side, borderBits=1)
        r, c = round((h - side_mm) / 2 * ppmm), round((w - side_mm) / 2 * ppmm)
        img[r : r + side, c : c + side] = mk
        corner = ["top-left", "top-right", "bottom-right", "bottom-left"][spec.marker_id % 4]
        lines = (f"marker {spec.marker_id} ({side_mm:.0f} mm): cut along the black edge,",
                 f"lay it upright in the mat's {corner} corner, edges flush with the mat's edges")
        top = (h - side_mm) / 2
        for k, text in enumerate(lines):
            cv2.putText(img, text, (round(spec.margin_mm * ppmm), round((top - 12 + 6 * k) * ppmm)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.1 * ppmm, 0, max(1, round(0.18 * ppmm)), cv2.LINE_AA)
    if spec.kind == "tracing" and spec.path_mm:
        p = np.asarray(spec.path_mm, dtype=np.float64)
        drawn = np.asarray(spec.drawn, dtype=bool) if spec.drawn else np.ones(len(p) - 1, dtype=bool)
        strokes, cur = [], [p[0]]
        for i, d in enumerate(drawn):
            if d:
                cur.append(p[i + 1])
            else:
                strokes.append(np.asarray(cur))
                cur = [p[i + 1]]
        strokes.append(np.asarray(cur))
        band = max(1, round(2 * spec.tolerance_mm * ppmm))
        for st in strokes:
            if len(st) > 1:
                cv2.polylines(img, [_mm(st, ppmm)], False, 215, band, cv2.LINE_AA, shift)
        for st in strokes:
            if len(st) > 1:
                cv2.polylines(img, [_mm(st, ppmm)], False, 40, max(1, round(1.2 * ppmm)), cv2.LINE_AA, shift)
        cv2.circle(img, tuple(_mm(p[0], ppmm)), round(3 * ppmm) * 16, 0, -1, cv2.LINE_AA, shift)
        # direction: a 12 mm arrow along the tangent at the start (first 1.5 mm of path)
        far = np.nonzero(np.hypot(*(p - p[0]).T) > 1.5)[0]
        if far.size:
            u = (p[far[0]] - p[0]) / np.hypot(*(p[far[0]] - p[0]))
            cv2.arrowedLine(img, tuple(_mm(p[0], ppmm)), tuple(_mm(p[0] + 12 * u, ppmm)), 0, lw * 2, cv2.LINE_AA, shift, 0.35)
    if spec.kind == "pegboard":
        for hx, hy in spec.holes_mm:
            cv2.circle(img, tuple(_mm((hx, hy), ppmm)), round(spec.hole_diameter_mm / 2 * ppmm) * 16, 0, lw, cv2.LINE_AA, shift)
            cv2.drawMarker(img, tuple(int(v) for v in np.round(np.array((hx, hy)) * ppmm)), 120, cv2.MARKER_CROSS, round(3 * ppmm), 1)
        if spec.dish_mm is not None:
            cv2.circle(img, tuple(_mm(spec.dish_mm, ppmm)), round(spec.dish_diameter_mm / 2 * ppmm) * 16, 0, lw, cv2.LINE_AA, shift)
    if spec.kind == "checkerboard":
        cols, rows = spec.squares
        x0, y0 = _target_origin(spec)
        sq = spec.square_mm * ppmm
        for r in range(rows):
            for c in range(cols):
                if (r + c) % 2 == 0:
                    a = (round((x0 + c * spec.square_mm) * ppmm), round((y0 + r * spec.square_mm) * ppmm))
                    img[a[1] : a[1] + round(sq), a[0] : a[0] + round(sq)] = 0
    if spec.kind == "charuco":
        board = charuco_board(spec)
        cols, rows = spec.squares
        bw, bh = round(cols * spec.square_mm * ppmm), round(rows * spec.square_mm * ppmm)
        x0, y0 = _target_origin(spec)
        img[round(y0 * ppmm) : round(y0 * ppmm) + bh, round(x0 * ppmm) : round(x0 * ppmm) + bw] = board.generateImage((bw, bh))
    # scale bar: 50 mm, bottom centre
    y = round((h - 4) * ppmm)
    xa, xb = round((w / 2 - 25) * ppmm), round((w / 2 + 25) * ppmm)
    cv2.line(img, (xa, y), (xb, y), 0, lw)
    for x in (xa, xb):
        cv2.line(img, (x, y - round(1.5 * ppmm)), (x, y + round(1.5 * ppmm)), 0, lw)
    label = f"Motor Station {spec.kind} sheet - print at 100% (actual size): this bar is 50 mm"
    if spec.title:
        label = f"{spec.title} - {label}"
    cv2.putText(img, label, (round(spec.margin_mm * ppmm), round((h - 7) * ppmm)), cv2.FONT_HERSHEY_SIMPLEX,
                0.09 * ppmm, 0, max(1, round(0.15 * ppmm)), cv2.LINE_AA)
    return img


def _target_origin(spec: SheetSpec) -> tuple[float, float]:
    w, h = spec.size_mm
    cols, rows = spec.squares
    return (w - cols * spec.square_mm) / 2, (h - rows * spec.square_mm) / 2


def charuco_board(spec: SheetSpec) -> cv2.aruco.CharucoBoard:
    """The OpenCV ChArUco board of a ``charuco`` sheet (markers 0.75 of a square, ids from 0)."""
    import cv2

    d = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, ARUCO_DICT))
    return cv2.aruco.CharucoBoard(spec.squares, spec.square_mm, 0.75 * spec.square_mm, d)


def write(spec: SheetSpec, out: str | Path, *, dpi: int = 300, overwrite: bool = False) -> Path:
    """Write the sheet as ``.pdf`` (physical size) or ``.png``, plus ``OUT.json`` (e.g. ``sheet.pdf.json``) with its layout.

    The JSON holds the marker corners in mm and the content (path, holes), so a later calibration
    or scoring run knows the sheet without re-deriving it.
    """
    import cv2

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise InputError("sheet output must end in .pdf or .png", where=str(out))
    side = out.with_name(out.name + ".json")
    for p in (out, side):
        if p.exists() and not overwrite:
            raise InputError("output file exists (never overwritten)", where=str(p), fix="choose another name")
    if not out.parent.exists():
        raise InputError("output folder does not exist", where=str(out.parent))
    img = render(spec, dpi)
    if suffix == ".png":
        if not cv2.imwrite(str(out), img):
            raise InputError("cannot write PNG", where=str(out))
    else:
        from matplotlib.backends.backend_pdf import FigureCanvasPdf
        from matplotlib.figure import Figure

        w, h = spec.size_mm
        fig = Figure(figsize=(w / 25.4, h / 25.4))
        FigureCanvasPdf(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.imshow(img, cmap="gray", vmin=0, vmax=255, interpolation="nearest", extent=(0, w, h, 0))
        ax.set_axis_off()
        fig.savefig(str(out), format="pdf", dpi=dpi)
    meta = {
        "format": "motor-station-sheet", "format_version": 1, "kind": spec.kind, "paper": spec.paper,
        "size_mm": list(spec.size_mm), "dpi": dpi, "layout": spec.layout().to_json() if spec.kind in ("tracing", "pegboard", "markers") else None,
        "path_mm": [list(p) for p in spec.path_mm], "drawn": list(spec.drawn), "tolerance_mm": spec.tolerance_mm,
        "holes_mm": [list(p) for p in spec.holes_mm], "dish_mm": list(spec.dish_mm) if spec.dish_mm else None,
        "squares": list(spec.squares), "square_mm": spec.square_mm, **({"extra": spec.extra} if spec.extra else {}),
    }
    side.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out


def read_layout(sidecar: str | Path) -> MarkerLayout:
    """The marker layout of a printed sheet, from its ``.json`` sidecar."""
    p = Path(sidecar)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
        return MarkerLayout.from_json(d["layout"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError("cannot read the sheet layout", where=str(p), fix=f"use the .json written beside the sheet ({exc})") from None


def mat_layout(width_mm: float, height_mm: float, marker_mm: float) -> MarkerLayout:
    """Layout of a floor mat (or any large surface) with markers 0-3 printed one per page
    (``kind="marker"``) and placed *inside* its corners: marker 0 with its top-left corner on the
    mat's top-left corner, 1 top-right, 2 bottom-right, 3 bottom-left (each marker upright).
    Mat frame: mm from the top-left corner, x along the width, y along the height."""
    if not (width_mm > 2 * marker_mm and height_mm > 2 * marker_mm and marker_mm > 0):
        raise InputError("the mat must be larger than two markers in each direction", where=f"{width_mm} x {height_mm} mm, markers {marker_mm} mm")
    w, h, s = width_mm, height_mm, marker_mm
    pos = {0: (0.0, 0.0), 1: (w - s, 0.0), 2: (w - s, h - s), 3: (0.0, h - s)}
    return MarkerLayout({i: square_marker(x, y, s) for i, (x, y) in pos.items()}, ARUCO_DICT, "mat")


def nine_hole_sheet(paper: str = "a4", pitch_mm: float = 32.0) -> SheetSpec:
    """A paper Nine-Hole Peg Test template: 3 x 3 holes at ``pitch_mm`` and a dish beside them."""
    spec = SheetSpec(kind="pegboard", paper=paper)
    x0, y0, x1, y1 = spec.free_area()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 + 40
    holes = tuple((cx + pitch_mm * i, cy + pitch_mm * j) for j in (-1, 0, 1) for i in (-1, 0, 1))
    return SheetSpec(kind="pegboard", paper=paper, holes_mm=holes, dish_mm=(cx, cy - 110), title="Nine-Hole Peg Test board")
