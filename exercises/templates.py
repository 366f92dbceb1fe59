"""Tracing templates as parametric paths.

Coordinates: normalised image coordinates (x right in frame widths, y down in frame heights).
``size`` is the shape's width (a circle's diameter, a square's side, a line's length) as a fraction
of the frame **height**; ``aspect`` = width / height of the frame converts it to x units. Every
template has a start point (``points[0]``) and a drawing direction (the order of ``points``).
Distances in this module are in frame heights (isotropic), computed after scaling x by ``aspect``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from station.core import InputError

SHAPES = ("circle", "line", "square")


@dataclass(frozen=True)
class Template:
    """A sampled path: ``points`` N x 2 in normalised image coordinates, in drawing order."""

    shape: str
    points: NDArray[np.float64]
    aspect: float
    closed: bool

    @property
    def iso(self) -> NDArray[np.float64]:
        """Points in isotropic frame-height units (x multiplied by ``aspect``)."""
        return self.points * np.array([self.aspect, 1.0])

    @property
    def length(self) -> float:
        """Path length in frame heights."""
        d = np.diff(self.iso, axis=0)
        return float(np.hypot(d[:, 0], d[:, 1]).sum())


def _unit_shape(shape: str, n: int) -> tuple[NDArray[np.float64], bool]:
    """Shape of width 1 centred at the origin, y down, starting at its documented start point."""
    if shape == "circle":
        # starts at the top, clockwise on screen (y down): theta from -pi/2 increasing
        th = np.linspace(0, 2 * np.pi, n) - np.pi / 2
        return np.stack((0.5 * np.cos(th), 0.5 * np.sin(th)), axis=1), True
    if shape == "line":
        # left to right, horizontal
        x = np.linspace(-0.5, 0.5, n)
        return np.stack((x, np.zeros(n)), axis=1), False
    if shape == "square":
        # top-left corner, clockwise on screen
        c = np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5), (-0.5, -0.5)])
        per = max(2, n // 4)
        pts = [np.linspace(c[i], c[i + 1], per, endpoint=False) for i in range(4)]
        return np.vstack([*pts, c[-1:]]), True
    raise InputError(f"unknown shape '{shape}'", fix=f"choose one of: {', '.join(SHAPES)}")


def make_template(
    shape: str,
    *,
    center: tuple[float, float] = (0.5, 0.5),
    size: float = 0.6,
    aspect: float = 4 / 3,
    n: int = 400,
) -> Template:
    """Build a template. ``center`` in normalised image coordinates; ``size`` in frame heights."""
    if size <= 0:
        raise InputError(f"shape size must be positive, got {size}", fix="e.g. --set size=0.6")
    unit, closed = _unit_shape(shape, n)
    pts = unit * size
    pts[:, 0] /= aspect
    pts += np.asarray(center, dtype=np.float64)
    return Template(shape, pts, aspect, closed)


def point_to_path(p_iso: NDArray[np.float64], path_iso: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Distance from each point to a polyline, and the arc-length position of the nearest point.

    Both inputs are in isotropic units; returns ``(distance[n], arc_position[n])`` in the same units.
    """
    p = np.atleast_2d(p_iso)
    a = path_iso[:-1]
    ab = path_iso[1:] - a
    seg_len2 = np.maximum((ab**2).sum(axis=1), 1e-18)
    ap = p[:, None, :] - a[None, :, :]
    u = np.clip((ap * ab[None]).sum(axis=2) / seg_len2[None], 0.0, 1.0)
    proj = a[None] + u[..., None] * ab[None]
    d2 = ((p[:, None, :] - proj) ** 2).sum(axis=2)
    j = np.argmin(d2, axis=1)
    seg_len = np.sqrt(seg_len2)
    cum = np.concatenate(([0.0], np.cumsum(seg_len)))
    rows = np.arange(p.shape[0])
    return np.sqrt(d2[rows, j]), cum[j] + u[rows, j] * seg_len[j]
