"""Tracing templates as parametric paths.

Coordinates
-----------
Templates live in a plane with x to the right and y **down**. For screen tracing the plane is the
normalised image (x in frame widths, y in frame heights); ``aspect`` = width / height of the frame
converts x to isotropic units, so distances are in **frame heights**. For tabletop tracing the
plane is the printed sheet in millimetres and ``aspect`` is 1. For tablet traces scored with
``station analyze-trace`` it is the tablet's own canvas units (aspect 1).

``size`` is the shape's width in y units (frame heights, mm...):

=================  ================================================================================
shape              start point, direction, meaning of ``size``
=================  ================================================================================
``line``           left end, to the right; ``size`` = length
``zigzag``         left end, to the right, 4 teeth; ``size`` = width, height = ``size`` / 3
``wave``           left end, to the right, 2 periods of a sine; ``size`` = width, height = size / 3
``circle``         top, clockwise on screen; ``size`` = diameter
``square``         top-left corner, clockwise; ``size`` = side
``triangle``       top vertex, clockwise (equilateral, pointing up); ``size`` = side
``figure8``        centre crossing, up and to the right first (lemniscate of Gerono lying on its
                   side); ``size`` = width, height = ``size`` / 2
``spiral``         centre, clockwise on screen, Archimedean ``r = a + b*theta``, theta 0 ..
                   2*pi*turns, start angle 0 (pointing right); ``size`` = outer diameter
                   ``2*(a + b*2*pi*turns)`` (graphomotor's reference: a=0, b=1.075, 4 turns ->
                   ``size`` = 54.04 canvas units)
one character      a letter ``A``-``Z`` or digit ``0``-``9`` of :mod:`exercises.stroke_font`;
                   ``size`` = cap height (the glyph is centred on ``center``)
=================  ================================================================================

A template is a polyline in drawing order (``points[0]`` is the start point). Multi-stroke glyphs
are one polyline whose pen-up jumps are excluded by :attr:`Template.drawn` (per segment); arc
length, deviation and completion use drawn segments only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from exercises import stroke_font
from station.core import InputError

log = logging.getLogger(__name__)

SHAPES = ("line", "zigzag", "wave", "circle", "square", "triangle", "figure8", "spiral")
"""Parametric shapes; any character of :data:`exercises.stroke_font.CHARACTERS` is also a shape."""
CLOSED = frozenset({"circle", "square", "triangle", "figure8"})


def is_shape(name: str) -> bool:
    """Whether ``name`` names a template (a parametric shape or one font character)."""
    return name in SHAPES or (len(name) == 1 and name.upper() in stroke_font.CHARACTERS)


def shape_names() -> list[str]:
    """All template names, parametric shapes first."""
    return [*SHAPES, *stroke_font.CHARACTERS]


@dataclass(frozen=True, eq=False, init=False)
class Template:
    """A sampled path in drawing order.

    ``points`` is N x 2 in the template plane (see the module docstring); ``drawn`` (N-1 booleans)
    marks the pen-down segments (all ``True`` for single-stroke shapes; the default when not given).
    """

    shape: str
    points: NDArray[np.float64]
    aspect: float
    closed: bool
    drawn: NDArray[np.bool_]

    def __init__(self, shape: str, points: NDArray[np.float64], aspect: float, closed: bool,
                 drawn: NDArray[np.bool_] | None = None) -> None:
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "aspect", aspect)
        object.__setattr__(self, "closed", closed)
        object.__setattr__(self, "drawn", drawn if drawn is not None else np.ones(len(points) - 1, dtype=bool))

    @cached_property
    def iso(self) -> NDArray[np.float64]:
        """Points in isotropic units (x multiplied by ``aspect``)."""
        return self.points * np.array([self.aspect, 1.0])

    @cached_property
    def segments(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """``(a, ab, s0)``: start, vector and arc-length start of every drawn segment (isotropic)."""
        a = self.iso[:-1][self.drawn]
        ab = (self.iso[1:] - self.iso[:-1])[self.drawn]
        seg = np.hypot(ab[:, 0], ab[:, 1])
        s0 = np.concatenate(([0.0], np.cumsum(seg)[:-1]))
        return a, ab, s0

    @cached_property
    def _proj(self) -> tuple[NDArray[np.float64], ...]:
        a, ab, s0 = self.segments
        len2 = np.maximum(ab[:, 0] ** 2 + ab[:, 1] ** 2, 1e-18)
        return a[:, 0].copy(), a[:, 1].copy(), ab[:, 0].copy(), ab[:, 1].copy(), 1.0 / len2, s0, np.sqrt(len2)

    def project(self, x: float, y: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Squared distance from one isotropic point to every drawn segment, and the position of the
        foot point on each segment (0..1). A few vector operations: the per-frame hot path."""
        ax, ay, bx, by, inv2, _, _ = self._proj
        px, py = x - ax, y - ay
        u = np.clip((px * bx + py * by) * inv2, 0.0, 1.0)
        dx, dy = px - u * bx, py - u * by
        return dx * dx + dy * dy, u

    def arc_at(self, j: int | NDArray[np.intp], u: float | NDArray[np.float64]) -> NDArray[np.float64] | float:
        """Arc-length position of the point ``u`` (0..1) along drawn segment ``j``."""
        s0, seg = self._proj[5], self._proj[6]
        return s0[j] + u * seg[j]

    @property
    def length(self) -> float:
        """Drawn path length in isotropic units."""
        _, ab, s0 = self.segments
        return float(s0[-1] + np.hypot(*ab[-1])) if len(ab) else 0.0

    @property
    def start(self) -> NDArray[np.float64]:
        """Start point (template plane)."""
        return self.points[0]

    @property
    def direction(self) -> NDArray[np.float64]:
        """Unit vector of the drawing direction at the start (isotropic units)."""
        _, ab, _ = self.segments
        return ab[0] / max(float(np.hypot(*ab[0])), 1e-12)

    def dense_iso(self, step: float) -> NDArray[np.float64]:
        """Drawn path resampled every ``step`` of arc length (isotropic units), M x 2."""
        L = self.length
        s = np.linspace(0.0, L, max(2, int(np.ceil(L / step)) + 1))
        return self.at_arc(s)

    def at_arc(self, s: NDArray[np.float64]) -> NDArray[np.float64]:
        """Isotropic points at arc-length positions ``s`` along the drawn path."""
        a, ab, s0 = self.segments
        seg = np.hypot(ab[:, 0], ab[:, 1])
        j = np.clip(np.searchsorted(s0, s, side="right") - 1, 0, len(s0) - 1)
        u = np.clip((s - s0[j]) / np.maximum(seg[j], 1e-18), 0.0, 1.0)
        return a[j] + u[:, None] * ab[j]


def _resample_polyline(p: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    d = np.hypot(*np.diff(p, axis=0).T)
    s = np.concatenate(([0.0], np.cumsum(d)))
    t = np.linspace(0, s[-1], n)
    return np.stack((np.interp(t, s, p[:, 0]), np.interp(t, s, p[:, 1])), axis=1)


def _unit_shape(shape: str, n: int, *, turns: float, start_radius: float) -> tuple[NDArray[np.float64], bool, NDArray[np.bool_] | None]:
    """Shape of width 1 centred at the origin, y down, starting at its documented start point."""
    if shape == "circle":
        th = np.linspace(0, 2 * np.pi, n) - np.pi / 2
        return np.stack((0.5 * np.cos(th), 0.5 * np.sin(th)), axis=1), True, None
    if shape == "line":
        x = np.linspace(-0.5, 0.5, n)
        return np.stack((x, np.zeros(n)), axis=1), False, None
    if shape in ("square", "triangle"):
        if shape == "square":
            c = np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5), (-0.5, -0.5)])
        else:
            h = np.sqrt(3) / 2
            c = np.array([(0.0, -h / 2), (0.5, h / 2), (-0.5, h / 2), (0.0, -h / 2)])
        k = len(c) - 1
        per = max(2, n // k)
        pts = [np.linspace(c[i], c[i + 1], per, endpoint=False) for i in range(k)]
        return np.vstack([*pts, c[-1:]]), True, None
    if shape == "zigzag":
        teeth = 4
        x = np.linspace(-0.5, 0.5, 2 * teeth + 1)
        y = np.where(np.arange(2 * teeth + 1) % 2 == 0, 1 / 6, -1 / 6)
        return _resample_polyline(np.stack((x, y), axis=1), n), False, None
    if shape == "wave":
        x = np.linspace(-0.5, 0.5, 20 * n)
        return _resample_polyline(np.stack((x, -np.sin(2 * np.pi * 2 * (x + 0.5)) / 6), axis=1), n), False, None
    if shape == "figure8":
        # lemniscate of Gerono on its side: x = sin(t)/2, y = -sin(t)cos(t)/2 (width 1, height 1/2)
        t = np.linspace(0, 2 * np.pi, 20 * n)
        return _resample_polyline(np.stack((0.5 * np.sin(t), -0.5 * np.sin(t) * np.cos(t)), axis=1), n), True, None
    if shape == "spiral":
        th = np.linspace(0.0, 2 * np.pi * turns, 20 * n)
        r = start_radius + th  # b = 1: the result is scaled to the outer diameter below
        outer = 2 * r[-1]
        dense = np.stack((r * np.cos(th), r * np.sin(th)), axis=1) / outer
        return _resample_polyline(dense, n), False, None  # equidistant in arc length
    if len(shape) == 1 and shape.upper() in stroke_font.CHARACTERS:
        strokes = stroke_font.glyph(shape)
        pts, drawn = [], []
        per = max(8, n // max(1, len(strokes)))
        for i, s in enumerate(strokes):
            r = _resample_polyline(s, per)
            if i:
                drawn.append(False)  # pen-up jump from the previous stroke
            pts.append(r)
            drawn.extend([True] * (len(r) - 1))
        p = np.vstack(pts)
        lo, hi = p.min(axis=0), p.max(axis=0)
        p = (p - (lo + hi) / 2) / 1.0  # cap height 1 -> width of unit shape = glyph height
        return p, False, np.asarray(drawn, dtype=bool)
    raise InputError(f"unknown shape '{shape}'", fix=f"choose one of: {', '.join(SHAPES)}, or a letter/digit")


def make_template(
    shape: str,
    *,
    center: tuple[float, float] = (0.5, 0.5),
    size: float = 0.6,
    aspect: float = 4 / 3,
    n: int = 400,
    turns: float = 4.0,
    start_radius: float = 0.0,
    rotation_deg: float = 0.0,
    reverse: bool = False,
) -> Template:
    """Build a template.

    Parameters
    ----------
    shape: a name of :data:`SHAPES` or one character of the stroke font.
    center: centre of the shape in the template plane (normalised image coordinates on screen).
    size: width of the shape in y units (see the module table); must be positive.
    aspect: x units per y unit (frame width / height on screen; 1 for mm or canvas units).
    n: number of samples along the path.
    turns, start_radius: spiral only: number of turns, and ``a`` as a fraction of ``b`` (r = b*(a'+theta)).
    rotation_deg: rotation of the shape about its centre, degrees, clockwise on screen (y down).
    reverse: draw the other way round: closed shapes keep their start point and go counter-clockwise;
        open shapes and glyphs start at the other end (a spiral from the outside in).
    """
    if not size > 0:
        raise InputError(f"shape size must be positive, got {size}", fix="e.g. --set size=0.6")
    if not (aspect > 0 and np.isfinite(aspect)):
        raise InputError(f"template aspect (x units per y unit) must be a positive number, got {aspect}",
                         fix="give the frame's width / height, e.g. 640/480, or 1 for mm")
    if not (isinstance(n, int | np.integer) and n >= 8):
        raise InputError(f"a template needs at least 8 points along its path, got n={n}", fix="e.g. n=400 (the default)")
    if shape == "spiral" and not turns > 0:
        raise InputError(f"spiral turns must be positive, got {turns}", fix="e.g. --set turns=4")
    unit, closed, drawn = _unit_shape(shape, n, turns=turns, start_radius=start_radius)
    if reverse:
        unit = unit[::-1].copy()
        if drawn is not None:
            drawn = drawn[::-1].copy()
        # closed shapes end where they start, so the reversed order keeps the start point
    if rotation_deg:
        c, s = np.cos(np.radians(rotation_deg)), np.sin(np.radians(rotation_deg))
        unit = unit @ np.array([[c, s], [-s, c]])
    pts = unit * size
    pts[:, 0] /= aspect
    pts += np.asarray(center, dtype=np.float64)
    return Template(shape, pts, aspect, closed, drawn)


def spiral_template(
    *, center: tuple[float, float], growth: float, turns: float = 4.0, start_radius: float = 0.0, n: int = 4000
) -> Template:
    """Archimedean spiral ``r = start_radius + growth * theta`` (theta 0..2*pi*turns), aspect 1.

    The plane's own units (e.g. a tablet canvas); the graphomotor reference is
    ``spiral_template(center=(50, 50), growth=1.075)``.
    """
    outer = 2 * (start_radius + growth * 2 * np.pi * turns)
    return make_template("spiral", center=center, size=outer, aspect=1.0, n=n, turns=turns, start_radius=start_radius / growth)


def _point_to_path_tree(
    p: NDArray[np.float64], a: NDArray[np.float64], ab: NDArray[np.float64], s0: NDArray[np.float64],
    seg_len2: NDArray[np.float64], seg_len: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Exact point-to-polyline distance for long traces with a k-d tree of segment midpoints.

    If the nearest midpoint is at distance r, the true distance d <= r, and the nearest segment's
    midpoint lies within d + (longest half-segment) <= r + h: only those segments are checked.
    """
    from scipy.spatial import cKDTree

    tree = cKDTree(a + ab / 2)
    r, _ = tree.query(p)
    cands = tree.query_ball_point(p, r + seg_len.max() / 2 + 1e-12)
    counts = np.fromiter((len(c) for c in cands), dtype=np.int64, count=len(cands))
    seg = np.fromiter((j for c in cands for j in c), dtype=np.int64, count=int(counts.sum()))
    row = np.repeat(np.arange(len(p)), counts)
    ap = p[row] - a[seg]
    u = np.clip((ap * ab[seg]).sum(axis=1) / seg_len2[seg], 0.0, 1.0)
    d2 = ((ap - u[:, None] * ab[seg]) ** 2).sum(axis=1)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    # argmin per row: sort by (row, d2) and take the first of each row
    order = np.lexsort((d2, row))
    best = order[starts]
    return np.sqrt(d2[best]), s0[seg[best]] + u[best] * seg_len[seg[best]]


def point_to_path(p_iso: NDArray[np.float64], path_iso: NDArray[np.float64] | Template) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Distance from each point to a path, and the arc-length position of the nearest path point.

    ``path_iso`` is an isotropic polyline (all segments drawn) or a :class:`Template` (its drawn
    segments only). Returns ``(distance[n], arc_position[n])`` in isotropic units. Cost is
    O(n * segments); chunked so memory stays bounded for long traces.
    """
    if isinstance(path_iso, Template):
        a, ab, s0 = path_iso.segments
    else:
        a = path_iso[:-1]
        ab = path_iso[1:] - a
        seg = np.hypot(ab[:, 0], ab[:, 1])
        s0 = np.concatenate(([0.0], np.cumsum(seg)[:-1]))
    p = np.atleast_2d(np.asarray(p_iso, dtype=np.float64))
    seg_len2 = np.maximum((ab**2).sum(axis=1), 1e-18)
    seg_len = np.sqrt(seg_len2)
    if len(p) * len(a) > 200_000:
        return _point_to_path_tree(p, a, ab, s0, seg_len2, seg_len)
    out_d = np.empty(len(p))
    out_s = np.empty(len(p))
    chunk = max(1, 2_000_000 // max(1, len(a)))
    for i in range(0, len(p), chunk):
        q = p[i : i + chunk]
        ap = q[:, None, :] - a[None, :, :]
        u = np.clip((ap * ab[None]).sum(axis=2) / seg_len2[None], 0.0, 1.0)
        d2 = ((ap - u[..., None] * ab[None]) ** 2).sum(axis=2)
        j = np.argmin(d2, axis=1)
        rows = np.arange(len(q))
        out_d[i : i + chunk] = np.sqrt(d2[rows, j])
        out_s[i : i + chunk] = s0[j] + u[rows, j] * seg_len[j]
    return out_d, out_s
