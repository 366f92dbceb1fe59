"""Whole-trial metrics of a drawn or traced path against a template (pure functions).

Conventions
-----------
* Positions are N x 2 arrays in **isotropic** units of the template plane (frame heights on screen,
  millimetres on a sheet, canvas units on a tablet): x to the right, y down.
* Times are ``int`` nanoseconds on the session clock (or any monotonic clock); functions that need
  a sampling rate resample the trace to a uniform grid first (:func:`uniform_resample`).
* Speeds are isotropic units per second.

Definitions (version 2)
-----------------------
deviation
    Perpendicular (shortest) distance from each sample to the drawn segments of the template.
band exits
    Number of transitions from inside (``deviation <= tolerance``) to outside the band; a trace that
    starts outside counts one exit at its first sample. A BOT-2 style scorer counts these as errors.
completion (in order)
    The template's arc length is cut into ``n_bins`` equal bins. A *progress front* starts at the
    start point (open paths: the first in-band sample must lie within ``max_jump`` of it; closed
    paths may be started anywhere, the front then starts at the first in-band sample); an in-band sample whose nearest template position lies ahead of the front by less
    than ``max_jump`` (a fraction of the path length) moves the front there and covers every bin in
    between. Jumps farther ahead (cutting across the figure) and backward moves cover nothing.
    Completion is the covered fraction (0..1).
Hausdorff distance
    ``max(directed(drawn, ref), directed(ref, drawn))`` with ``scipy.spatial.distance.directed_hausdorff``
    on the samples and the template resampled densely; the same definition as graphomotor's
    ``hausdorff_distance_maximum``.
area between paths
    Open templates: area enclosed between the drawn polyline and the template, closing the ends
    with straight segments (first drawn point to template start, last drawn point to template end),
    computed with shapely's ``polygonize`` as graphomotor's ``area_under_curve`` does. Closed
    templates: area of the symmetric difference of the drawn and template outlines. Isotropic
    units squared.
velocity peaks per length
    Local maxima of the speed (low-passed at 10 Hz, zero phase) with a prominence of at least 10% of
    the peak speed, divided by the drawn path length. Fewer peaks per length = fewer sub-movements.
SPARC
    Spectral arc length of the speed profile (Balasubramanian et al. 2015, J NeuroEng Rehabil
    12:112): zero-padded FFT magnitude (4 levels) normalised to its DC/peak value, cut at the last
    frequency below 10 Hz where the magnitude is at least 0.05, then minus the arc length of that
    curve with frequency normalised to the cut-off. Dimensionless, <= 0, closer to 0 = smoother.
LDLJ
    Log dimensionless jerk (Hogan & Sternad 2009, "LDLJ-V" of Balasubramanian 2015):
    ``-ln( (t2 - t1)^3 / v_peak^2 * integral |d^2 v/dt^2|^2 dt )`` on the velocity vector. Minimum-jerk
    point-to-point movement: ``-ln(720 / 1.875^2) = -5.322``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TypedDict, Unpack

import numpy as np
from numpy.typing import NDArray

from exercises.templates import Template, make_template, point_to_path, shape_names

log = logging.getLogger(__name__)

Array = NDArray[np.float64]


# -- online pieces (O(1) per sample) ------------------------------------------------------------
class OrderedCoverage:
    """Completion "in order" (see the module definitions), updated one sample at a time in O(1)."""

    def __init__(self, length: float, closed: bool, n_bins: int = 100, max_jump: float = 0.1, template: Template | None = None) -> None:
        self.template = template
        self.length = max(float(length), 1e-12)
        self.closed = closed
        self.n_bins = n_bins
        self.max_jump = max_jump
        self.bins = np.zeros(n_bins, dtype=bool)
        self.front = 0.0
        """Progress front, unwrapped arc length from the start (may exceed ``length`` on closed paths)."""
        self._covered = 0
        self._started = False

    def update_point(self, p_iso: Array, s: float, d: float, tolerance: float,
                     proj: tuple[Array, Array] | None = None) -> None:
        """Feed one sample by position: where the path crosses itself (figure-eight, letters) the
        globally nearest template position may be the *other* branch; this looks first for an
        in-band position just ahead of the front (within ``max_jump``) and uses it when there is one.
        ``s``/``d`` are the global nearest arc position and distance (from :func:`point_to_path`);
        ``proj`` the per-segment ``(d2, u)`` of :meth:`Template.project` when already computed."""
        if d > tolerance:
            return
        t = self.template
        if t is not None:
            # before the start: prefer a position just after the template's start point
            _, _, s0 = t.segments
            seg_len = t._proj[6]
            L = self.length
            pos = (self.front % L if self.closed else self.front) if self._started else 0.0
            rel = (s0 - pos) % L if self.closed else s0 - pos
            m = (rel < self.max_jump * L) & (rel + seg_len >= 0)
            if self.closed:
                m |= rel > L - seg_len  # the segment holding the front
            if m.any():
                d2, u = proj if proj is not None else t.project(float(p_iso[0]), float(p_iso[1]))
                idx = np.flatnonzero(m)
                j = int(idx[np.argmin(d2[idx])])
                if d2[j] <= tolerance**2:
                    s = float(t.arc_at(j, u[j]))
        self.update(s, True)

    def update(self, s: float, inside: bool) -> None:
        """Feed one sample's template arc position ``s`` and whether it was in the band."""
        if not inside:
            return
        L = self.length
        jump = self.max_jump * L
        if not self._started:
            self._started = True
            if self.closed:
                # a closed path may be started anywhere (a detection gap at the start must not void
                # the lap): the lap is measured from the first in-band sample
                self.front = s
                self._cover(s, s)
            elif s <= jump:
                self._cover(0.0, s)
                self.front = s
            else:
                self._started = False
            return
        pos = self.front % L if self.closed else self.front
        step = s - pos
        if self.closed:
            step %= L
        if not 0.0 <= step < jump:
            return
        self._cover(self.front, self.front + step)
        self.front += step

    def _cover(self, a: float, b: float) -> None:
        n = self.n_bins
        b0 = int(a / self.length * n)
        b1 = int(b / self.length * n)
        if not self.closed:
            b0, b1 = min(b0, n - 1), min(b1, n - 1)
        idx = np.arange(b0, min(b1, b0 + n - 1) + 1) % n
        self._covered += int(np.count_nonzero(~self.bins[idx]))
        self.bins[idx] = True

    @property
    def started(self) -> bool:
        """Whether a sample has started the progress front."""
        return self._started

    @property
    def fraction(self) -> float:
        return self._covered / self.n_bins


def band_exits(dev: Array, tolerance: float) -> int:
    """Inside-to-outside transitions of ``dev <= tolerance`` (a first sample outside counts one)."""
    inside = np.asarray(dev) <= tolerance
    if not inside.size:
        return 0
    return int(np.count_nonzero(inside[:-1] & ~inside[1:])) + (0 if inside[0] else 1)


def completion(p_iso: Array, s: Array, dev: Array, tolerance: float, template: Template, n_bins: int = 100, max_jump: float = 0.1) -> float:
    """Completion in order (0..1) of samples ``p_iso`` with nearest arc positions ``s`` and deviations ``dev``."""
    cov = OrderedCoverage(template.length, template.closed, n_bins, max_jump, template)
    for pi, si, di in zip(p_iso, s, dev, strict=True):
        cov.update_point(pi, float(si), float(di), tolerance)
    return cov.fraction


# -- kinematics ----------------------------------------------------------------------------------
def uniform_resample(t_ns: NDArray[np.int64], xy: Array, fs: float | None = None) -> tuple[Array, Array, float]:
    """Resample a trace on a uniform time grid (linear interpolation).

    Returns ``(t_s, xy_u, fs)``: times in seconds from the first sample, positions, and the rate in Hz
    (the median sampling rate of the input when ``fs`` is ``None``). Duplicate times are dropped.
    """
    t = (np.asarray(t_ns, dtype=np.int64) - int(t_ns[0])) / 1e9
    keep = np.concatenate(([True], np.diff(t) > 0))
    t, xy = t[keep], np.asarray(xy, dtype=np.float64)[keep]
    if fs is None:
        dt = np.median(np.diff(t)) if len(t) > 1 else 1.0
        fs = 1.0 / dt
    n = max(2, int(np.floor(t[-1] * fs)) + 1)
    tu = np.arange(n) / fs
    return tu, np.stack((np.interp(tu, t, xy[:, 0]), np.interp(tu, t, xy[:, 1])), axis=1), float(fs)


def speed_profile(t_ns: NDArray[np.int64], xy: Array, fs: float | None = None, cutoff_hz: float = 10.0) -> tuple[Array, Array, float]:
    """Speed (units/s) on a uniform grid, low-passed at ``cutoff_hz`` (4th-order Butterworth, zero
    phase) when the rate allows it. Returns ``(t_s, speed, fs)``."""
    from scipy import signal

    tu, xyu, fs = uniform_resample(t_ns, xy, fs)
    if len(tu) > 15 and cutoff_hz < fs / 2:
        sos = signal.butter(4, cutoff_hz, fs=fs, output="sos")
        xyu = signal.sosfiltfilt(sos, xyu, axis=0)
    v = np.gradient(xyu, 1.0 / fs, axis=0)
    return tu, np.hypot(v[:, 0], v[:, 1]), fs


def sparc(speed: Array, fs: float, padlevel: int = 4, fc: float = 10.0, amp_th: float = 0.05) -> float:
    """Spectral arc length of a speed profile (dimensionless, <= 0; see the module docstring)."""
    v = np.asarray(speed, dtype=np.float64)
    if v.size < 3 or not np.any(v):
        return float("nan")
    nfft = int(2 ** (np.ceil(np.log2(v.size)) + padlevel))
    f = np.arange(nfft) * fs / nfft
    mag = np.abs(np.fft.fft(v, nfft))
    mag = mag / mag.max()
    sel = f <= fc
    f_sel, m_sel = f[sel], mag[sel]
    above = np.nonzero(m_sel >= amp_th)[0]
    f_sel = f_sel[above[0] : above[-1] + 1]
    m_sel = m_sel[above[0] : above[-1] + 1]
    if f_sel.size < 2:
        return 0.0
    return -float(np.sum(np.sqrt((np.diff(f_sel) / (f_sel[-1] - f_sel[0])) ** 2 + np.diff(m_sel) ** 2)))


def ldlj(velocity: Array, fs: float) -> float:
    """Log dimensionless jerk of a velocity profile (N x D or N), ``LDLJ-V`` (see the module docstring)."""
    v = np.asarray(velocity, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    if len(v) < 5:
        return float("nan")
    dt = 1.0 / fs
    duration = (len(v) - 1) * dt
    vpeak = float(np.max(np.linalg.norm(v, axis=1)))
    if vpeak <= 0:
        return float("nan")
    jerk = np.gradient(np.gradient(v, dt, axis=0, edge_order=2), dt, axis=0, edge_order=2)
    integral = float(np.trapezoid(np.sum(jerk**2, axis=1), dx=dt))
    if integral <= 0:
        return float("nan")
    return -float(np.log(duration**3 / vpeak**2 * integral))


def velocity_peaks(speed: Array, min_prominence: float = 0.1) -> int:
    """Number of speed peaks with a prominence of at least ``min_prominence`` x the maximum speed."""
    from scipy import signal

    v = np.asarray(speed, dtype=np.float64)
    if v.size < 3 or v.max() <= 0:
        return 0
    peaks, _ = signal.find_peaks(v, prominence=min_prominence * v.max())
    return int(peaks.size)


# -- shape comparison ----------------------------------------------------------------------------
def hausdorff(drawn: Array, ref: Array) -> float:
    """Symmetric Hausdorff distance between two point sets (isotropic units)."""
    from scipy.spatial.distance import directed_hausdorff

    return max(directed_hausdorff(drawn, ref)[0], directed_hausdorff(ref, drawn)[0])


def area_between(drawn: Array, ref: Array, closed: bool = False) -> float:
    """Area between the drawn polyline and the reference.

    Open paths: the area enclosed by the two polylines and the straight segments joining their
    starts and their ends (graphomotor's ``area_under_curve``). Closed paths: the area of the
    symmetric difference of the two filled outlines (a self-crossing drawing is repaired with
    shapely's ``make_valid(method="structure")``).
    """
    import shapely
    from shapely import geometry, ops

    if len(drawn) < 2 or len(ref) < 2:
        return float("nan")
    if closed:
        if len(drawn) < 3:
            return float("nan")
        a, b = geometry.Polygon(drawn), geometry.Polygon(ref)
        # "structure" repair (union of the rings' parts) is about 20x faster than the default "linework"
        a = a if a.is_valid else shapely.make_valid(a, method="structure", keep_collapsed=False)
        b = b if b.is_valid else shapely.make_valid(b, method="structure", keep_collapsed=False)
        return float(a.symmetric_difference(b).area)
    lines = [
        geometry.LineString(drawn),
        geometry.LineString(ref),
        geometry.LineString([drawn[0], ref[0]]),
        geometry.LineString([drawn[-1], ref[-1]]),
    ]
    merged = ops.unary_union(lines)
    return float(sum(p.area for p in ops.polygonize(merged)))


@dataclass(frozen=True)
class Alignment:
    """A similarity transform mapping a template onto a drawing: ``x' = scale * R(angle) x + shift``.

    ``rms`` is the RMS distance between the aligned, resampled template and the resampled drawing,
    relative to the drawing's RMS radius (dimensionless, 0 = identical shapes).
    """

    shape: str
    scale: float
    angle_deg: float
    shift: tuple[float, float]
    rms: float
    reversed: bool
    template: Template
    """The template after alignment (isotropic units, aspect 1)."""


def _resample_arc(p: Array, n: int) -> Array:
    d = np.hypot(*np.diff(p, axis=0).T)
    s = np.concatenate(([0.0], np.cumsum(d)))
    if s[-1] <= 0:
        return np.repeat(p[:1], n, axis=0)
    t = np.linspace(0, s[-1], n)
    return np.stack((np.interp(t, s, p[:, 0]), np.interp(t, s, p[:, 1])), axis=1)


def _decimate(p: Array, frac: float = 0.01) -> Array:
    """Drop samples closer than ``frac`` x the bounding-box diagonal to the last kept one, so
    landmark jitter at slow speeds does not inflate the arc length used for resampling."""
    if len(p) < 3:
        return p
    step = frac * float(np.hypot(*(p.max(axis=0) - p.min(axis=0))))
    keep = [0]
    last = p[0]
    for i in range(1, len(p)):
        if np.hypot(*(p[i] - last)) >= step:
            keep.append(i)
            last = p[i]
    if keep[-1] != len(p) - 1:
        keep.append(len(p) - 1)
    return p[keep]


class ShapeOptions(TypedDict, total=False):
    """The :func:`~exercises.templates.make_template` options :func:`align_template` passes on."""

    turns: float
    start_radius: float
    rotation_deg: float
    reverse: bool


def align_template(drawn_iso: Array, shape: str, *, rotation: bool = False, n: int = 64, **kw: Unpack[ShapeOptions]) -> Alignment:
    """Fit ``shape`` to a free drawing: translation and scale (and rotation when ``rotation``).

    Both paths are resampled to ``n`` points by arc length. Closed shapes are tried at every cyclic
    start and both directions, open shapes both directions; the correspondence with the smallest
    least-squares residual wins (Umeyama's closed-form similarity; without rotation the angle is 0).
    """
    d = _resample_arc(_decimate(np.asarray(drawn_iso, dtype=np.float64)), n)
    tmpl0 = make_template(shape, center=(0.0, 0.0), size=1.0, aspect=1.0, n=max(n * 4, 400), **kw)
    t = _resample_arc(tmpl0.iso, n + (1 if tmpl0.closed else 0))
    if tmpl0.closed:
        t = t[:-1]  # the last point repeats the first
    mu_d = d.mean(axis=0)
    dc = d - mu_d
    rd = float(np.sqrt((dc**2).sum(axis=1).mean())) or 1.0
    cands = []
    for rev in (False, True):
        base = t[::-1] if rev else t
        shifts = range(n) if tmpl0.closed else (0,)
        for k in shifts:
            cands.append((rev, k, np.roll(base, -k, axis=0)))
    T = np.stack([c[2] for c in cands])  # C x n x 2
    Tc = T - T.mean(axis=1, keepdims=True)
    var_t = (Tc**2).sum(axis=(1, 2))
    if rotation:
        # Umeyama: cross-covariance H = sum d_i t_i^T; 2-D optimal rotation angle from it
        a = (dc[None, :, 0] * Tc[:, :, 0] + dc[None, :, 1] * Tc[:, :, 1]).sum(axis=1)
        b = (dc[None, :, 1] * Tc[:, :, 0] - dc[None, :, 0] * Tc[:, :, 1]).sum(axis=1)
        ang = np.arctan2(b, a)
        dot = np.hypot(a, b)
    else:
        ang = np.zeros(len(cands))
        dot = (dc[None] * Tc).sum(axis=(1, 2))
    scale = np.maximum(dot, 1e-12) / np.maximum(var_t, 1e-18)
    resid = (dc**2).sum() - dot**2 / np.maximum(var_t, 1e-18)
    resid = np.where(dot > 0, resid, np.inf)
    i = int(np.argmin(resid))
    rms = float(np.sqrt(max(resid[i], 0.0) / n)) / rd
    c, s = np.cos(ang[i]), np.sin(ang[i])
    R = np.array([[c, -s], [s, c]])
    mu_t = T[i].mean(axis=0)
    shift = mu_d - scale[i] * (R @ mu_t)
    pts = (scale[i] * (R @ tmpl0.iso.T)).T + shift
    rev = cands[i][0]
    if rev:
        pts = pts[::-1]
    drawn_mask = tmpl0.drawn[::-1] if rev else tmpl0.drawn
    aligned = Template(shape, pts, 1.0, tmpl0.closed, drawn_mask.copy())
    if tmpl0.closed:
        # start the aligned closed template at the point nearest the drawing's start
        j = int(np.argmin(np.hypot(*(pts - d[0]).T)))
        core = pts[:-1]
        rolled = np.vstack((np.roll(core, -j, axis=0), np.roll(core, -j, axis=0)[:1]))
        aligned = Template(shape, rolled, 1.0, True)
    return Alignment(shape, float(scale[i]), float(np.degrees(ang[i])), (float(shift[0]), float(shift[1])), rms, rev, aligned)


FREE_SHAPES = ("line", "zigzag", "wave", "circle", "square", "triangle", "figure8", "spiral")
"""Shapes tried when recognising a free drawing (letters are excluded: use ``expected``)."""


def best_shape(drawn_iso: Array, *, rotation: bool = False, candidates: tuple[str, ...] = FREE_SHAPES) -> list[Alignment]:
    """Align every candidate shape to a free drawing; the list is sorted best first (lowest ``rms``)."""
    names = [c for c in candidates if c in shape_names()]
    out = [align_template(drawn_iso, c, rotation=rotation) for c in names]
    return sorted(out, key=lambda a: a.rms)


# -- all metrics of one trace --------------------------------------------------------------------
@dataclass
class TraceScore:
    """Every whole-trial tracing metric (see the module definitions); lengths in isotropic units."""

    samples: int
    mean_dev: float
    rms_dev: float
    max_dev: float
    in_band_pct: float
    band_exits: int
    completion: float
    duration_s: float
    path_length: float
    mean_speed: float
    velocity_peaks: int
    velocity_peaks_per_length: float
    sparc: float
    ldlj: float
    hausdorff: float
    area_between: float
    strokes: int = 1
    pen_up_s: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


UNITS = {
    "samples": "count", "mean_dev": "{u}", "rms_dev": "{u}", "max_dev": "{u}", "in_band_pct": "%",
    "band_exits": "count", "completion": "fraction", "duration_s": "s", "path_length": "{u}",
    "mean_speed": "{u}/s", "velocity_peaks": "count", "velocity_peaks_per_length": "1/{u}",
    "sparc": "dimensionless", "ldlj": "dimensionless", "hausdorff": "{u}", "area_between": "{u}^2",
    "strokes": "count", "pen_up_s": "s",
}
DEFINITIONS = {
    "samples": "fingertip (or pen) samples scored",
    "mean_dev": "mean perpendicular distance from each sample to the template path",
    "rms_dev": "root-mean-square perpendicular distance to the template path",
    "max_dev": "largest perpendicular distance to the template path",
    "in_band_pct": "percent of samples within the tolerance band (deviation <= tolerance)",
    "band_exits": "inside-to-outside transitions of the tolerance band (BOT-2 style errors)",
    "completion": "fraction of 100 arc-length bins covered in drawing order by in-band samples (front may jump <= 10% of the path)",
    "duration_s": "time from the first to the last sample",
    "path_length": "length of the drawn polyline (pen-up jumps between strokes excluded)",
    "mean_speed": "path_length / pen-down time (duration_s - pen_up_s)",
    "velocity_peaks": "speed peaks (10 Hz low-pass, prominence >= 10% of max speed)",
    "velocity_peaks_per_length": "velocity_peaks / template length",
    "sparc": "spectral arc length of the speed profile (Balasubramanian 2015; padlevel 4, fc 10 Hz, threshold 0.05); duration-weighted mean over strokes",
    "ldlj": "log dimensionless jerk of the velocity (LDLJ-V; Hogan & Sternad 2009); duration-weighted mean over strokes",
    "hausdorff": "symmetric Hausdorff distance between samples and template (scipy directed_hausdorff, both ways)",
    "area_between": "area between drawn path and template: open paths ends joined by straight lines (shapely polygonize, as graphomotor), closed paths symmetric difference of the outlines",
    "strokes": "pen-down strokes (1 for a fingertip trace; pen traces split at pen lifts)",
    "pen_up_s": "time between strokes (pen lifted)",
}


def units_for(unit: str) -> dict[str, str]:
    """:data:`UNITS` with the length unit filled in (``"frame_height"``, ``"mm"``, ``"canvas"``)."""
    return {k: v.format(u=unit) for k, v in UNITS.items()}


def _kinematics(t_ns: NDArray[np.int64], xy: Array) -> tuple[float, float, int]:
    """``(sparc, ldlj, velocity_peaks)`` of one pen-down stroke (NaN, NaN, 0 when too short)."""
    if len(xy) < 8 or t_ns[-1] <= t_ns[0]:
        return float("nan"), float("nan"), 0
    _, speed, fs = speed_profile(t_ns, xy)
    _, xyu, _ = uniform_resample(t_ns, xy, fs)
    vel = np.gradient(xyu, 1.0 / fs, axis=0)
    return sparc(speed, fs), ldlj(vel, fs), velocity_peaks(speed)


KINEMATIC_METRICS = ("samples", "duration_s", "path_length", "mean_speed", "velocity_peaks", "sparc", "ldlj", "strokes", "pen_up_s")
"""The metrics that need no template (handwriting, free drawing scored without a reference)."""


def _stroke_kinematics(t_ns: NDArray[np.int64], xy: Array, strokes: NDArray[np.int64] | None) -> dict[str, float | int]:
    """Template-free metrics of a trace split at pen lifts (see :data:`KINEMATIC_METRICS`)."""
    n = len(xy)
    nan = float("nan")
    if n == 0:
        return {"samples": 0, "duration_s": 0.0, "path_length": 0.0, "mean_speed": nan, "velocity_peaks": 0,
                "sparc": nan, "ldlj": nan, "strokes": 0, "pen_up_s": 0.0}
    cuts: list[int] = [] if strokes is None else [int(i) for i in np.flatnonzero(np.diff(np.asarray(strokes)) != 0) + 1]
    bounds = list(zip([0, *cuts], [*cuts, n], strict=True))
    plen = sum(float(np.hypot(*np.diff(xy[a:b], axis=0).T).sum()) for a, b in bounds if b - a > 1)
    dur = (int(t_ns[-1]) - int(t_ns[0])) / 1e9
    pen_up = sum((int(t_ns[b]) - int(t_ns[b - 1])) / 1e9 for _, b in bounds[:-1])
    kin = [(*_kinematics(t_ns[a:b], xy[a:b]), (int(t_ns[b - 1]) - int(t_ns[a])) / 1e9) for a, b in bounds]
    ok = [(sp, lj, w) for sp, lj, _, w in kin if np.isfinite(sp) and np.isfinite(lj) and w > 0]
    wsum = sum(w for _, _, w in ok)
    down = dur - pen_up
    return {
        "samples": n, "duration_s": dur, "path_length": plen, "mean_speed": plen / down if down > 0 else nan,
        "velocity_peaks": sum(k[2] for k in kin),
        "sparc": sum(v * w for v, _, w in ok) / wsum if ok else nan,
        "ldlj": sum(v * w for _, v, w in ok) / wsum if ok else nan,
        "strokes": len(bounds), "pen_up_s": pen_up,
    }


def score_kinematics(t_ns: NDArray[np.int64], xy: Array, strokes: NDArray[np.int64] | None = None) -> dict[str, float | int]:
    """The template-free metrics (:data:`KINEMATIC_METRICS`) of a trace: handwriting, or a drawing
    with no reference path. Same definitions as :func:`score_trace` (``strokes`` as there)."""
    return _stroke_kinematics(np.asarray(t_ns, dtype=np.int64), np.asarray(xy, dtype=np.float64), strokes)


def score_trace(t_ns: NDArray[np.int64], xy_iso: Array, template: Template, tolerance: float,
                strokes: NDArray[np.int64] | None = None) -> TraceScore:
    """All metrics of one trace against ``template`` (positions isotropic; see module conventions).

    ``strokes`` (one id per sample) splits a pen or tablet trace at pen lifts: the jumps between
    strokes are not path length, ``mean_speed`` is per pen-down time, and SPARC/LDLJ are the
    duration-weighted means of the strokes' values (velocity peaks are summed). Deviation, band,
    completion, Hausdorff and area use every sample as one trace.
    """
    xy = np.asarray(xy_iso, dtype=np.float64)
    t_ns = np.asarray(t_ns, dtype=np.int64)
    n = len(xy)
    nan = float("nan")
    if n == 0:
        return TraceScore(0, nan, nan, nan, nan, 0, 0.0, 0.0, 0.0, nan, 0, nan, nan, nan, nan, nan, 0, 0.0)
    k = _stroke_kinematics(t_ns, xy, strokes)
    dev, s = point_to_path(xy, template)
    ref = template.dense_iso(max(template.length / 4000, 1e-9))
    pk = int(k["velocity_peaks"])
    return TraceScore(
        samples=n,
        mean_dev=float(dev.mean()),
        rms_dev=float(np.sqrt((dev**2).mean())),
        max_dev=float(dev.max()),
        in_band_pct=float(100 * (dev <= tolerance).mean()),
        band_exits=band_exits(dev, tolerance),
        completion=completion(xy, s, dev, tolerance, template),
        duration_s=float(k["duration_s"]),
        path_length=float(k["path_length"]),
        mean_speed=float(k["mean_speed"]),
        velocity_peaks=pk,
        velocity_peaks_per_length=pk / template.length if template.length > 0 else nan,
        sparc=float(k["sparc"]),
        ldlj=float(k["ldlj"]),
        hausdorff=hausdorff(xy, ref),
        area_between=area_between(xy, template.iso if template.closed else ref, template.closed) if n >= 2 else nan,
        strokes=int(k["strokes"]),
        pen_up_s=float(k["pen_up_s"]),
    )
