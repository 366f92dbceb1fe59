"""A single-line stroke font for letter and digit tracing templates.

Glyphs are the upper-case letters ``A``-``Z`` and the digits ``0``-``9`` drawn the way children are
taught to form them (top to bottom, left to right; curves counter-clockwise where a school script
does so). Each glyph is a list of *strokes* (pen-down polylines) in drawing order; the first point
of the first stroke is the glyph's start point.

Coordinates: a glyph box 0..``width`` in x (to the right) and 0..1 in y (**down**), i.e. the cap
height is 1. Curves are sampled every few degrees, so the polylines can be scored directly.
"""

from __future__ import annotations

import logging
from functools import cache

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

Stroke = NDArray[np.float64]


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 0) -> list[tuple[float, float]]:
    """Points of an elliptic arc; angles in degrees, 0 = right, 90 = **down** (y down), a0 -> a1."""
    n = n or max(4, int(abs(a1 - a0) / 8) + 1)
    a = np.radians(np.linspace(a0, a1, n))
    return [(cx + rx * float(np.cos(t)), cy + ry * float(np.sin(t))) for t in a]


W = 0.7  # default glyph width (cap height = 1)

# Glyph definitions: each is a list of strokes; a stroke is a list of (x, y) points.
_GLYPHS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0.0, 1.0), (0.35, 0.0), (0.7, 1.0)], [(0.14, 0.6), (0.56, 0.6)]],
    "B": [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 0.0), (0.4, 0.0), *_arc(0.4, 0.25, 0.22, 0.25, -90, 90), (0.0, 0.5),
                                    (0.45, 0.5), *_arc(0.45, 0.75, 0.25, 0.25, -90, 90), (0.0, 1.0)]],
    "C": [_arc(0.4, 0.5, 0.38, 0.5, -45, -315)],
    "D": [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 0.0), (0.2, 0.0), *_arc(0.2, 0.5, 0.5, 0.5, -90, 90), (0.0, 1.0)]],
    "E": [[(0.65, 0.0), (0.0, 0.0), (0.0, 1.0), (0.65, 1.0)], [(0.0, 0.5), (0.5, 0.5)]],
    "F": [[(0.65, 0.0), (0.0, 0.0), (0.0, 1.0)], [(0.0, 0.5), (0.5, 0.5)]],
    "G": [[*_arc(0.4, 0.5, 0.38, 0.5, -45, -360), (0.78, 0.55), (0.45, 0.55)]],
    "H": [[(0.0, 0.0), (0.0, 1.0)], [(0.7, 0.0), (0.7, 1.0)], [(0.0, 0.5), (0.7, 0.5)]],
    "I": [[(0.35, 0.0), (0.35, 1.0)], [(0.1, 0.0), (0.6, 0.0)], [(0.1, 1.0), (0.6, 1.0)]],
    "J": [[(0.6, 0.0), (0.6, 0.72), *_arc(0.33, 0.72, 0.27, 0.28, 0, 180)]],
    "K": [[(0.0, 0.0), (0.0, 1.0)], [(0.65, 0.0), (0.0, 0.6)], [(0.22, 0.42), (0.7, 1.0)]],
    "L": [[(0.0, 0.0), (0.0, 1.0), (0.6, 1.0)]],
    "M": [[(0.0, 1.0), (0.0, 0.0), (0.4, 0.65), (0.8, 0.0), (0.8, 1.0)]],
    "N": [[(0.0, 1.0), (0.0, 0.0), (0.7, 1.0), (0.7, 0.0)]],
    "O": [_arc(0.4, 0.5, 0.4, 0.5, -90, -450)],
    "P": [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 0.0), (0.4, 0.0), *_arc(0.4, 0.27, 0.25, 0.27, -90, 90), (0.0, 0.54)]],
    "Q": [_arc(0.4, 0.5, 0.4, 0.5, -90, -450), [(0.45, 0.7), (0.8, 1.05)]],
    "R": [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 0.0), (0.4, 0.0), *_arc(0.4, 0.27, 0.25, 0.27, -90, 90), (0.0, 0.54),
                                    (0.3, 0.54), (0.68, 1.0)]],
    "S": [[*_arc(0.35, 0.25, 0.3, 0.25, -20, -270), *_arc(0.35, 0.75, 0.32, 0.25, -90, 160)]],
    "T": [[(0.0, 0.0), (0.7, 0.0)], [(0.35, 0.0), (0.35, 1.0)]],
    "U": [[(0.0, 0.0), (0.0, 0.65), *_arc(0.35, 0.65, 0.35, 0.35, 180, 0), (0.7, 0.0)]],
    "V": [[(0.0, 0.0), (0.35, 1.0), (0.7, 0.0)]],
    "W": [[(0.0, 0.0), (0.2, 1.0), (0.45, 0.35), (0.7, 1.0), (0.9, 0.0)]],
    "X": [[(0.0, 0.0), (0.7, 1.0)], [(0.7, 0.0), (0.0, 1.0)]],
    "Y": [[(0.0, 0.0), (0.35, 0.5), (0.7, 0.0)], [(0.35, 0.5), (0.35, 1.0)]],
    "Z": [[(0.0, 0.0), (0.7, 0.0), (0.0, 1.0), (0.7, 1.0)]],
    "0": [_arc(0.35, 0.5, 0.35, 0.5, -90, -450)],
    "1": [[(0.12, 0.22), (0.38, 0.0), (0.38, 1.0)]],
    "2": [[*_arc(0.35, 0.3, 0.32, 0.3, 190, 380), (0.0, 1.0), (0.7, 1.0)]],
    "3": [[*_arc(0.33, 0.25, 0.3, 0.25, 200, 450), *_arc(0.33, 0.75, 0.33, 0.25, -90, 160)]],
    "4": [[(0.5, 1.0), (0.5, 0.0), (0.0, 0.7), (0.7, 0.7)]],
    "5": [[(0.65, 0.0), (0.1, 0.0), (0.05, 0.45), *_arc(0.35, 0.68, 0.33, 0.32, -135, 160)]],
    "6": [[*_arc(0.38, 0.5, 0.36, 0.5, -60, -180), *_arc(0.36, 0.72, 0.34, 0.28, 180, 540)]],
    "7": [[(0.0, 0.0), (0.7, 0.0), (0.25, 1.0)]],
    "8": [[*_arc(0.35, 0.25, 0.28, 0.25, 0, -270), *_arc(0.35, 0.75, 0.34, 0.25, -90, 270), *_arc(0.35, 0.25, 0.28, 0.25, 90, 0)]],
    "9": [[*_arc(0.34, 0.3, 0.32, 0.3, 0, -360), (0.66, 0.3), (0.6, 1.0)]],
}

CHARACTERS = tuple(sorted(_GLYPHS))
"""Every character the font can draw."""


@cache
def glyph(ch: str) -> tuple[Stroke, ...]:
    """Strokes of a character (upper-cased), in drawing order; coordinates in cap heights, y down.

    Raises ``KeyError`` for a character the font does not have (see :data:`CHARACTERS`).
    """
    strokes = _GLYPHS[ch.upper()]
    out = []
    for s in strokes:
        a = np.asarray(s, dtype=np.float64)
        a.setflags(write=False)
        out.append(a)
    return tuple(out)


def glyph_width(ch: str) -> float:
    """Width of a glyph's ink in cap heights."""
    pts = np.vstack(glyph(ch))
    return float(pts[:, 0].max() - pts[:, 0].min())
