"""The therapist's four live charts (pyqtgraph), fed from the live model's ring buffers.

=============  ======================================  ==========================================
chart          x                                       y
=============  ======================================  ==========================================
deviation      s since the trial's play started        distance to the path (% of frame height; mm
                                                       on a calibrated sheet/board), tolerance band
repetitions    s since the trial's play started        cumulative reps; one marker per rep coloured
                                                       by its quality (0..1; grey = not scored)
grip force     s since the trial's play started        force in the device's unit, target zone
                                                       (target +/- 15 %) shaded
CoP            medio-lateral (right +)                 antero-posterior (forward +), with the 95 %
                                                       prediction (sway) ellipse of the last 30 s
=============  ======================================  ==========================================

Speed: axis ranges are fixed and moved in steps (never auto-ranged: that paints twice), long traces
use ``setDownsampling(auto=True, mode="peak")`` and ``setClipToView(True)``, the grid is off.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PySide6.QtWidgets import QGridLayout, QWidget

from station.session.model import LiveModel, sway_ellipse
from station.ui.palette import BLUE, GREEN, INK, ORANGE, PAPER, SKY, VERMILLION, qc

MAX_MARKERS = 500
"""Quality markers are drawn for the most recent reps only (a marker per rep for 10,000 reps costs
milliseconds per refresh and shows nothing more)."""
_EMPTY = (np.empty(0, dtype=np.int64), np.empty((0, 2)))
X_STEP_S = 15.0
"""The time axis grows in steps of this many seconds (no per-frame re-ranging)."""
COP_WINDOW_S = 30.0


QUALITY_CLASSES = (("good", GREEN), ("fair", ORANGE), ("poor", VERMILLION), ("unscored", "#999999"))
"""Rep markers by quality: good >= 0.8 > fair >= 0.5 > poor; unscored (NaN) grey. Shape differs too."""
QUALITY_SYMBOLS = {"good": "o", "fair": "s", "poor": "t", "unscored": "d"}


def quality_class(q: NDArray[np.float64]) -> NDArray[np.str_]:
    """``good`` / ``fair`` / ``poor`` / ``unscored`` for each rep quality (0..1 or NaN)."""
    out = np.full(q.shape, "unscored", dtype="<U8")
    ok = np.isfinite(q)
    out[ok & (q >= 0.8)] = "good"
    out[ok & (q >= 0.5) & (q < 0.8)] = "fair"
    out[ok & (q < 0.5)] = "poor"
    return out


def _plot(title: str, xlabel: str, ylabel: str) -> pg.PlotWidget:
    w = pg.PlotWidget(background=PAPER)
    w.setTitle(title, color=INK, size="11pt")
    pi = w.getPlotItem()
    pi.setLabel("bottom", xlabel, color=INK)
    pi.setLabel("left", ylabel, color=INK)
    pi.setMenuEnabled(False)
    pi.hideButtons()
    for ax in ("bottom", "left"):
        pi.getAxis(ax).setPen(pg.mkPen(INK))
        pi.getAxis(ax).setTextPen(pg.mkPen(INK))
    pi.setDownsampling(auto=True, mode="peak")
    pi.setClipToView(True)
    vb = pi.getViewBox()
    vb.disableAutoRange()
    vb.setMouseEnabled(x=True, y=False)
    return w


class LiveCharts(QWidget):
    """Deviation, repetitions, grip force and CoP charts in a 2 x 2 grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        tr = self.tr
        self.dev_plot = _plot(tr("Distance from the path"), tr("time (s)"), tr("% frame height"))
        self.reps_plot = _plot(tr("Repetitions"), tr("time (s)"), tr("count"))
        self.grip_plot = _plot(tr("Grip force"), tr("time (s)"), "N")
        self.cop_plot = _plot(tr("Centre of pressure"), tr("left – right"), tr("back – front"))
        self.cop_plot.getPlotItem().setClipToView(False)
        self.cop_plot.getPlotItem().setDownsampling(ds=1, auto=False)  # an x-y trace: x is not time
        self.cop_plot.getPlotItem().getViewBox().setAspectLocked(True)
        self.cop_plot.getPlotItem().getViewBox().setMouseEnabled(x=False, y=False)
        lay.addWidget(self.dev_plot, 0, 0)
        lay.addWidget(self.reps_plot, 0, 1)
        lay.addWidget(self.grip_plot, 1, 0)
        lay.addWidget(self.cop_plot, 1, 1)

        self.band = pg.LinearRegionItem((0, 3), orientation="horizontal", movable=False, brush=pg.mkBrush(qc(SKY, 70)),
                                        pen=pg.mkPen(qc(BLUE, 160), width=1))
        self.dev_plot.addItem(self.band)
        self.dev_curve = self.dev_plot.plot(pen=pg.mkPen(BLUE, width=1))
        self.reps_curve = self.reps_plot.plot(pen=pg.mkPen(INK, width=1))
        # one scatter per quality class, each with one brush: per-point brushes re-render every symbol
        self.reps_marks = {
            name: pg.ScatterPlotItem(size=14, pen=pg.mkPen(INK, width=1.5), brush=pg.mkBrush(qc(colour)), symbol=QUALITY_SYMBOLS[name])
            for name, colour in QUALITY_CLASSES
        }
        for item in self.reps_marks.values():
            self.reps_plot.addItem(item)
        self.zone = pg.LinearRegionItem((0, 0), orientation="horizontal", movable=False, brush=pg.mkBrush(qc(GREEN, 60)),
                                        pen=pg.mkPen(qc(GREEN, 200), width=1))
        self.grip_plot.addItem(self.zone)
        self.grip_curve = self.grip_plot.plot(pen=pg.mkPen(VERMILLION, width=1))
        self.cop_curve = self.cop_plot.plot(pen=pg.mkPen(qc(BLUE, 150), width=1))
        self.cop_ellipse = self.cop_plot.plot(pen=pg.mkPen(ORANGE, width=3))
        self.cop_dot = pg.ScatterPlotItem(size=16, brush=pg.mkBrush(qc(VERMILLION)), pen=pg.mkPen(INK, width=1.5))
        self.cop_plot.addItem(self.cop_dot)
        self._x_right = {"dev": 0.0, "reps": 0.0, "grip": 0.0}
        self._y_top = {"dev": 0.0, "reps": 0.0, "grip": 0.0}
        self._cop_range = 0.0
        self._kinds: tuple[int, ...] | None = None
        self._cop_unit = "norm"
        self._tolerance: float | None = -1.0
        self._dev_scale = 100.0  # frame heights -> % of the frame height; 1 for mm
        self._grip_zone: tuple[tuple[float, float] | None, str] = ((-1.0, -1.0), "")
        self.sway_area: float = math.nan
        self.reset()

    def show_chart(self, chart: str, inputs: tuple[str, ...] = ()) -> None:
        """Show the chart an exercise declares (``contract.chart``) over the whole panel: ``deviation``,
        ``reps``, ``force`` or ``cop``; a chart this panel does not draw (``events``, ``breath``,
        ``posture``: drawn by their game modules) falls back to the repetitions, so the panel is never empty."""
        plot = {"deviation": self.dev_plot, "reps": self.reps_plot, "force": self.grip_plot, "cop": self.cop_plot}.get(chart, self.reps_plot)
        self._place([plot])

    def show_kinds(self, inputs: tuple[str, ...], reps: bool = True) -> None:
        """Show the charts that matter for an exercise's inputs (and repetitions when ``reps``), filling the grid."""
        if not inputs:
            return
        show = {self.dev_plot: "hand" in inputs, self.reps_plot: reps, self.grip_plot: "grip" in inputs,
                self.cop_plot: "balance" in inputs}
        if not any(show.values()):
            show[self.reps_plot] = True  # never an empty panel
        self._place([p for p, on in show.items() if on])

    def _place(self, wanted: list[pg.PlotWidget]) -> None:
        key = tuple(id(p) for p in wanted)
        if key == self._kinds:
            return
        self._kinds = key
        lay = self.layout()
        assert isinstance(lay, QGridLayout)
        for p in (self.dev_plot, self.reps_plot, self.grip_plot, self.cop_plot):
            lay.removeWidget(p)
            p.setVisible(p in wanted)
        cells = {1: [(0, 0, 2, 2)], 2: [(0, 0, 2, 1), (0, 1, 2, 1)], 3: [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 2)],
                 4: [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]}[len(wanted)]
        for p, (r, c, rs, cs) in zip(wanted, cells, strict=True):
            lay.addWidget(p, r, c, rs, cs)
        lay.activate()

    def reset(self) -> None:
        """Empty every chart and put the axes back to their first step (a new trial)."""
        for c in (self.dev_curve, self.reps_curve, self.grip_curve, self.cop_curve, self.cop_ellipse):
            c.setData([], [])
        for item in self.reps_marks.values():
            item.clear()
        self.cop_dot.setData([], [])
        self._seen = {"dev": -1, "reps": -1, "grip": -1, "cop": -1}
        self._x_right = dict.fromkeys(self._x_right, 0.0)
        self._y_top = dict.fromkeys(self._y_top, 0.0)
        self._cop_range = 0.0
        self.sway_area = math.nan
        for plot in (self.dev_plot, self.reps_plot, self.grip_plot):
            plot.setXRange(0.0, X_STEP_S, padding=0)
        self.dev_plot.setYRange(0.0, 10.0, padding=0)
        self.reps_plot.setYRange(0.0, 5.0, padding=0)
        self.grip_plot.setYRange(0.0, 100.0, padding=0)
        self.cop_plot.setXRange(-1.0, 1.0, padding=0)
        self.cop_plot.setYRange(-1.0, 1.0, padding=0)

    def _grow_x(self, key: str, plot: pg.PlotWidget, t_last: float) -> None:
        right = max(X_STEP_S, math.ceil((t_last + 1.0) / X_STEP_S) * X_STEP_S)
        if right != self._x_right[key]:
            self._x_right[key] = right
            plot.setXRange(0.0, right, padding=0)

    def _grow_y(self, key: str, plot: pg.PlotWidget, top: float, bottom: float = 0.0) -> None:
        if top > self._y_top[key] or top < self._y_top[key] * 0.4:
            self._y_top[key] = top
            plot.setYRange(bottom, top, padding=0)

    def set_deviation_unit(self, mm: bool) -> None:
        """Deviation in the exercise's unit: millimetres on a calibrated sheet or board (``mm``), else
        frame heights shown as % of the frame height. Cheap when unchanged."""
        scale = 1.0 if mm else 100.0
        if scale == self._dev_scale:
            return
        self._dev_scale = scale
        self._tolerance = -1.0  # redraw the band in the new unit
        self._y_top["dev"] = 0.0  # and let the y range regrow from the next points
        self.dev_plot.getPlotItem().setLabel("left", "mm" if mm else self.tr("% frame height"), color=INK)

    def set_tolerance(self, tolerance: float | None) -> None:
        """Tolerance of the path (the exercise's unit); ``None`` hides the band. Cheap when unchanged."""
        if tolerance == self._tolerance:
            return
        self._tolerance = tolerance
        if tolerance is None:
            self.band.hide()
        else:
            self.band.show()
            self.band.setRegion((0.0, self._dev_scale * tolerance))

    def set_grip_zone(self, zone: tuple[float, float] | None, unit: str = "N") -> None:
        """Target zone ``(low, high)`` of the grip force; ``None`` hides it. Cheap when unchanged."""
        if (zone, unit) == self._grip_zone:
            return
        self._grip_zone = (zone, unit)
        if zone is None:
            self.zone.hide()
        else:
            self.zone.show()
            self.zone.setRegion(zone)
        self.grip_plot.getPlotItem().setLabel("left", unit, color=INK)

    def update_from(self, model: LiveModel, tolerance: float | None = None, grip_zone: tuple[float, float] | None = None,
                    cop_unit: str = "norm") -> None:
        """Copy the ring buffers and redraw (UI thread)."""
        t0 = model.play_t0_ns
        # copy a ring buffer only when it has new rows
        fresh = {k: rb.total != self._seen[k] for k, rb in (("dev", model.deviation), ("reps", model.reps),
                                                             ("grip", model.force), ("cop", model.cop))}
        self._seen = {"dev": model.deviation.total, "reps": model.reps.total, "grip": model.force.total, "cop": model.cop.total}
        # a buffer emptied by a new trial empties its chart: no curve or marker of the previous trial stays
        if fresh["dev"] and model.deviation.total == 0:
            self.dev_curve.setData([], [])
        if fresh["reps"] and model.reps.total == 0:
            self.reps_curve.setData([], [])
            for item in self.reps_marks.values():
                item.clear()
        if fresh["grip"] and model.force.total == 0:
            self.grip_curve.setData([], [])
        if fresh["cop"] and model.cop.total == 0:
            for c in (self.cop_curve, self.cop_ellipse):
                c.setData([], [])
            self.cop_dot.setData([], [])
            self.sway_area = math.nan
        if t0 is None:
            self._seen = {k: (v if v == 0 else -1) for k, v in self._seen.items()}  # rows before play: drawn once it starts
            return
        t, v = model.deviation.snapshot() if fresh["dev"] else _EMPTY
        if len(t):
            x = (t - t0) / 1e9
            y = v[:, 0] * self._dev_scale
            self.dev_curve.setData(x, y)
            self._grow_x("dev", self.dev_plot, float(x[-1]))
            tol = self._dev_scale * (tolerance or 0.0)
            self._grow_y("dev", self.dev_plot, max(3 * tol, 1.2 * float(np.nanmax(y)), 1.0))
        t, v = model.reps.snapshot() if fresh["reps"] else _EMPTY
        if len(t):
            x = (t - t0) / 1e9
            xs = np.concatenate(([0.0], np.repeat(x, 2)))
            ys = np.concatenate(([0.0, 0.0], np.repeat(v[:-1, 0], 2), [v[-1, 0]]))
            self.reps_curve.setData(xs, ys)
            # markers for the most recent MAX_MARKERS reps (the step line shows them all)
            m = slice(-MAX_MARKERS, None)
            cls = quality_class(v[m, 1])
            for name, item in self.reps_marks.items():
                sel = cls == name
                item.setData(x[m][sel], v[m, 0][sel])
            self._grow_x("reps", self.reps_plot, float(x[-1]))
            self._grow_y("reps", self.reps_plot, max(5.0, math.ceil((v[-1, 0] + 1) / 5) * 5))
        t, v = model.force.snapshot() if fresh["grip"] else _EMPTY
        if len(t):
            x = (t - t0) / 1e9
            self.grip_curve.setData(x, v[:, 0])
            self._grow_x("grip", self.grip_plot, float(x[-1]))
            top = max(float(np.nanmax(v[:, 0])) * 1.2, (grip_zone[1] if grip_zone else 0.0) * 1.3, 1.0)
            self._grow_y("grip", self.grip_plot, top)
        t, v = model.cop.snapshot() if fresh["cop"] else _EMPTY
        if len(t):
            keep = t >= t[-1] - int(COP_WINDOW_S * 1e9)
            xy = v[keep]
            self.cop_curve.setData(xy[:, 0], xy[:, 1])
            self.cop_dot.setData([xy[-1, 0]], [xy[-1, 1]])
            outline, self.sway_area = sway_ellipse(xy)
            self.cop_ellipse.setData(outline[:, 0], outline[:, 1]) if len(outline) else self.cop_ellipse.setData([], [])
            rng = 1.0 if cop_unit == "norm" else max(10.0, math.ceil(float(np.nanmax(np.abs(xy))) * 1.3 / 10) * 10)
            if rng > self._cop_range or cop_unit == "norm":
                if rng != self._cop_range:
                    self._cop_range = rng
                    self.cop_plot.setXRange(-rng, rng, padding=0)
                    self.cop_plot.setYRange(-rng, rng, padding=0)
            if cop_unit != self._cop_unit:
                self._cop_unit = cop_unit
                suffix = "" if cop_unit == "norm" else f" ({cop_unit})"
                self.cop_plot.getPlotItem().setLabel("bottom", self.tr("left – right") + suffix, color=INK)
                self.cop_plot.getPlotItem().setLabel("left", self.tr("back – front") + suffix, color=INK)
