"""Balance-board exercises and the sway metrics of the centre of pressure (CoP).

Conventions
-----------
Input
    ``inp.samples`` of the balance board. The centre of pressure is taken from the channels
    ``cop_x``, ``cop_y`` (mm from the board centre, x to the child's right, y forward) when the
    driver provides them (``devices.balance``), else computed here from the four load cells
    ``tl, tr, bl, br`` (kg) with the board geometry of the settings (sensor spacing ``board_x_mm``,
    ``board_y_mm``; the Wii Balance Board's 433 x 238 mm by default)::

        cop_x = board_x_mm / 2 * ((tr + br) - (tl + bl)) / total
        cop_y = board_y_mm / 2 * ((tl + tr) - (bl + br)) / total

    Samples with a total load under ``min_load_kg`` (nobody on the board) have no CoP.
Time
    Sample ``t_ns`` on the session clock; :func:`sway_metrics` takes seconds.

Sway metrics (definitions version 1; Prieto et al. 1996, IEEE Trans Biomed Eng 43(9):956-966)
--------------------------------------------------------------------------------------------
Resampling
    Board samples arrive unevenly. Before anything is differentiated the CoP is resampled to
    ``rate_hz`` by **window averaging**: output sample ``k`` is the mean of the input samples with
    ``t0 + k/rate <= t < t0 + (k+1)/rate``; empty windows are dropped (counted in
    ``empty_windows``), never interpolated. ``rate_hz`` defaults to the largest whole rate not
    above the median input rate, at most 100 Hz (the rate used is reported).
Filtering
    Optional zero-phase 4th-order Butterworth low-pass at ``lowpass_hz`` (Prieto used 5 Hz);
    ``None`` (the default) leaves the window-averaged series as is.
Referencing
    AP (y) and ML (x) time series are taken relative to their means: ``ap = y - mean(y)``,
    ``ml = x - mean(x)``, ``rd = sqrt(ap^2 + ml^2)``.
Metrics
    ``path_length_mm`` (Prieto's total excursion, TOTEX) = sum of distances between successive
    resampled points; ``mean_velocity_mm_s`` (MVELO) = path length / duration, with the duration
    ``T`` = time from the first to the last resampled window; ``mean_velocity_ap/ml_mm_s`` the same
    per direction; ``mean_distance_mm`` (MDIST) = mean ``rd``; ``rms_distance_mm`` (RDIST) =
    ``sqrt(mean(rd^2))``; ``rms_ap/ml_mm`` the RMS of ``ap``/``ml``; ``range_ap/ml_mm`` = max - min
    per direction; ``ellipse95_area_mm2`` = the 95% prediction ellipse area
    ``pi * chi2(0.95, 2) * sqrt(det(cov))`` with ``cov`` the 2 x 2 sample covariance (ddof 1) of
    (ml, ap) and ``chi2(0.95, 2) = 5.991``; ``mean_frequency_hz`` (MFREQ) = MVELO / (2 pi MDIST).
"""

from __future__ import annotations

import logging
import math
from typing import Annotated, Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import Field, model_validator

from exercises.base import Exercise, Settings, SettingsModel, StepInput
from exercises.contract import Contract, CountStars, Knob, Metric, Presets, Sound, SoundCue, SteadyStars
from exercises.registry import register
from exercises.simulated import DeviceChild
from station.core import ScoreEvent

log = logging.getLogger(__name__)

CHI2_95_2DOF = 5.991464547107979
"""chi-square 0.95 quantile with 2 degrees of freedom (``scipy.stats.chi2.ppf(0.95, 2)``)."""

SWAY_UNITS = {
    "duration_s": "s", "rate_hz": "Hz", "n_samples": "count", "n_windows": "count", "empty_windows": "count",
    "path_length_mm": "mm", "mean_velocity_mm_s": "mm/s", "mean_velocity_ap_mm_s": "mm/s", "mean_velocity_ml_mm_s": "mm/s",
    "mean_distance_mm": "mm", "rms_distance_mm": "mm", "rms_ap_mm": "mm", "rms_ml_mm": "mm", "range_ap_mm": "mm",
    "range_ml_mm": "mm", "ellipse95_area_mm2": "mm^2", "mean_frequency_hz": "Hz", "lowpass_hz": "Hz",
}
SWAY_DEFINITIONS = {
    "duration_s": "time from the first to the last resampled window (T)",
    "rate_hz": "rate of the window-averaged resampling",
    "n_samples": "board samples with a centre of pressure",
    "n_windows": "non-empty resampling windows",
    "empty_windows": "resampling windows without a sample (dropped, not interpolated)",
    "path_length_mm": "total excursion: sum of distances between successive resampled CoP points (Prieto TOTEX)",
    "mean_velocity_mm_s": "path length / T (Prieto MVELO)",
    "mean_velocity_ap_mm_s": "AP path length / T",
    "mean_velocity_ml_mm_s": "ML path length / T",
    "mean_distance_mm": "mean distance from the mean CoP (Prieto MDIST)",
    "rms_distance_mm": "RMS distance from the mean CoP (Prieto RDIST)",
    "rms_ap_mm": "RMS of the AP (y) displacement from its mean",
    "rms_ml_mm": "RMS of the ML (x) displacement from its mean",
    "range_ap_mm": "max - min of AP (y)",
    "range_ml_mm": "max - min of ML (x)",
    "ellipse95_area_mm2": "95% prediction ellipse area, pi * chi2(0.95, 2) * sqrt(det(cov(ml, ap)))",
    "mean_frequency_hz": "MVELO / (2 pi MDIST) (Prieto MFREQ)",
    "lowpass_hz": "zero-phase Butterworth low-pass cut-off applied after resampling (none = not filtered)",
}


def window_average(t_s: ArrayLike, values: ArrayLike, rate_hz: float) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Resample uneven samples by averaging them in consecutive windows of ``1 / rate_hz`` seconds.

    Returns ``(window centre times s, window means (n x k), number of empty windows)``; empty
    windows are left out.
    """
    t = np.asarray(t_s, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    idx = np.floor((t - t[0]) * rate_hz + 1e-9).astype(np.int64)
    n_win = int(idx[-1]) + 1
    counts = np.bincount(idx, minlength=n_win)
    sums = np.stack([np.bincount(idx, weights=v[:, j], minlength=n_win) for j in range(v.shape[1])], axis=1)
    keep = counts > 0
    means = sums[keep] / counts[keep, None]
    centres = t[0] + (np.nonzero(keep)[0] + 0.5) / rate_hz
    return centres, means, int(n_win - keep.sum())


def sway_metrics(
    t_s: ArrayLike, x_mm: ArrayLike, y_mm: ArrayLike, *, rate_hz: float | None = None, lowpass_hz: float | None = None
) -> dict[str, Any]:
    """Prieto (1996) sway metrics of a centre-of-pressure trace (definitions in the module docstring).

    Parameters
    ----------
    t_s: sample times in seconds (increasing; uneven allowed).
    x_mm, y_mm: medio-lateral (x, to the right) and antero-posterior (y, forward) CoP in mm.
    rate_hz: resampling rate (window averaging); default: the largest whole rate not above the
        median input rate, at most 100 Hz.
    lowpass_hz: optional zero-phase 4th-order Butterworth low-pass after resampling.

    Returns
    -------
    dict of the metrics named in :data:`SWAY_UNITS` (floats; ``None`` where undefined).

    Raises
    ------
    ValueError: fewer than 3 finite samples, times not increasing, or a bad rate.
    """
    t = np.asarray(t_s, dtype=np.float64)
    x = np.asarray(x_mm, dtype=np.float64)
    y = np.asarray(y_mm, dtype=np.float64)
    if not (t.shape == x.shape == y.shape) or t.ndim != 1:
        raise ValueError("t_s, x_mm and y_mm must be 1-D arrays of the same length")
    good = np.isfinite(t) & np.isfinite(x) & np.isfinite(y)
    t, x, y = t[good], x[good], y[good]
    if t.size < 3:
        raise ValueError("need at least 3 finite samples")
    if np.any(np.diff(t) < 0):
        raise ValueError("sample times must not decrease")
    if rate_hz is None:
        dts = np.diff(t)
        med = float(np.median(dts[dts > 0])) if np.any(dts > 0) else 0.0
        if med <= 0:
            raise ValueError("all samples have the same time")
        rate_hz = float(min(100, max(1, math.floor(1.0 / med + 1e-9))))
    if not (math.isfinite(rate_hz) and rate_hz > 0):
        raise ValueError("rate_hz must be positive")
    tc, xy, empty = window_average(t, np.stack([x, y], axis=1), rate_hz)
    if lowpass_hz is not None:
        from scipy.signal import butter, sosfiltfilt

        if not 0 < lowpass_hz < rate_hz / 2:
            raise ValueError("lowpass_hz must be between 0 and half the resampling rate")
        sos = butter(4, lowpass_hz, btype="low", fs=rate_hz, output="sos")
        if len(xy) > 3 * (2 * sos.shape[0] + 1):
            xy = sosfiltfilt(sos, xy, axis=0)
    ml = xy[:, 0] - xy[:, 0].mean()
    ap = xy[:, 1] - xy[:, 1].mean()
    rd = np.hypot(ml, ap)
    duration = float(tc[-1] - tc[0]) if len(tc) > 1 else 0.0
    steps = np.diff(xy, axis=0)
    path = float(np.hypot(steps[:, 0], steps[:, 1]).sum())
    path_ml = float(np.abs(steps[:, 0]).sum())
    path_ap = float(np.abs(steps[:, 1]).sum())
    mdist = float(rd.mean())
    out: dict[str, Any] = {
        "duration_s": duration,
        "rate_hz": float(rate_hz),
        "n_samples": int(t.size),
        "n_windows": len(tc),
        "empty_windows": empty,
        "path_length_mm": path,
        "mean_velocity_mm_s": path / duration if duration > 0 else None,
        "mean_velocity_ap_mm_s": path_ap / duration if duration > 0 else None,
        "mean_velocity_ml_mm_s": path_ml / duration if duration > 0 else None,
        "mean_distance_mm": mdist,
        "rms_distance_mm": float(np.sqrt(np.mean(rd**2))),
        "rms_ap_mm": float(np.sqrt(np.mean(ap**2))),
        "rms_ml_mm": float(np.sqrt(np.mean(ml**2))),
        "range_ap_mm": float(np.ptp(xy[:, 1])),
        "range_ml_mm": float(np.ptp(xy[:, 0])),
        "ellipse95_area_mm2": None,
        "mean_frequency_hz": None,
        "lowpass_hz": lowpass_hz,
    }
    if len(tc) >= 3:
        cov = np.cov(np.stack([ml, ap]), ddof=1)
        out["ellipse95_area_mm2"] = float(math.pi * CHI2_95_2DOF * math.sqrt(max(float(np.linalg.det(cov)), 0.0)))
    if out["mean_velocity_mm_s"] is not None and mdist > 0:
        out["mean_frequency_hz"] = out["mean_velocity_mm_s"] / (2 * math.pi * mdist)
    return out


# ------------------------------------------------------------------------------------------------
class BalanceSettings(Settings):
    board_x_mm: float = Field(433.0, gt=0.0, le=5000.0, description="left-right sensor spacing, mm (Wii: 433)")
    board_y_mm: float = Field(238.0, gt=0.0, le=5000.0, description="front-back sensor spacing, mm (Wii: 238)")
    min_load_kg: float = Field(5.0, gt=0.0, le=500.0, description="total load below which nobody is on the board, kg")
    duration_s: float = Field(30.0, gt=0.0, le=3600.0, description="trial length scored, s (from stepping on)")
    rate_hz: float | None = Field(None, gt=0.0, le=1000.0, description="resampling rate of the sway metrics, Hz")
    lowpass_hz: float | None = Field(None, gt=0.0, le=100.0, description="optional low-pass of the sway metrics, Hz")


class _BalanceBase(Exercise):
    """Collects the CoP trace of a trial (from ``cop_x/cop_y`` or the four load cells)."""

    inputs = ("balance",)
    Settings: ClassVar[type[Settings]] = BalanceSettings
    settings: BalanceSettings

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.b: BalanceSettings = self.settings
        self._t: list[int] = []
        self._x: list[float] = []
        self._y: list[float] = []
        self._w: list[float] = []
        self.t_on_ns: int | None = None
        self.cop = (math.nan, math.nan)
        self.total_kg = math.nan
        self.ended = False

    def cop_of(self, s: Any) -> tuple[float, float, float] | None:
        """``(x mm, y mm, total kg)`` of a sample, or ``None`` when it has no usable CoP."""
        ch = s.channels
        total = math.nan
        if all(c in ch for c in ("tl", "tr", "bl", "br")):
            tl, tr, bl, br = (s.value(c) for c in ("tl", "tr", "bl", "br"))
            total = tl + tr + bl + br
        elif "total" in ch:
            total = s.value("total")
        if not math.isfinite(total) or total < self.b.min_load_kg:
            return None
        if "cop_x" in ch and "cop_y" in ch:
            x, y = s.value("cop_x"), s.value("cop_y")
        elif all(c in ch for c in ("tl", "tr", "bl", "br")):
            x = self.b.board_x_mm / 2 * ((tr + br) - (tl + bl)) / total
            y = self.b.board_y_mm / 2 * ((tl + tr) - (bl + br)) / total
        else:
            return None
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        return x, y, total

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        events: list[ScoreEvent] = []
        for s in inp.samples:
            c = self.cop_of(s)
            if self.ended:
                continue
            if c is None:
                if self.t_on_ns is not None and self._t and self._is_balance(s):
                    events += self._off_board(s.t_ns)
                continue
            if self.t_on_ns is None:
                self.t_on_ns = s.t_ns
                events.append(self.event(s.t_ns, "on_board", value=round(c[2], 3), unit="kg"))
            if s.t_ns - self.t_on_ns > self.b.duration_s * 1e9:
                self.ended = True
                events.append(self.event(s.t_ns, "trial_end", value=self.b.duration_s, unit="s"))
                continue
            self._t.append(s.t_ns)
            self._x.append(c[0])
            self._y.append(c[1])
            self._w.append(c[2])
            self.cop = (c[0], c[1])
            self.total_kg = c[2]
            events += self._sample(s.t_ns, c[0], c[1])
        return events

    def _sample(self, t_ns: int, x: float, y: float) -> list[ScoreEvent]:
        return []

    @staticmethod
    def _is_balance(s: Any) -> bool:
        return "total" in s.channels or "tl" in s.channels

    def _off_board(self, t_ns: int) -> list[ScoreEvent]:
        """The load left the board (below ``min_load_kg``) after the child stepped on."""
        return []

    def _sway(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m: dict[str, float | int | str | None]
        if len(self._t) >= 3:
            t = (np.asarray(self._t, dtype=np.float64) - self._t[0]) / 1e9
            try:
                m = dict(sway_metrics(t, self._x, self._y, rate_hz=self.b.rate_hz, lowpass_hz=self.b.lowpass_hz))
            except ValueError as exc:
                log.info("sway metrics not computed: %s", exc)
                m = {k: None for k in SWAY_UNITS}
        else:
            m = {k: None for k in SWAY_UNITS}
        m["mean_load_kg"] = float(np.mean(self._w)) if self._w else None
        u = dict(SWAY_UNITS, mean_load_kg="kg")
        d = dict(SWAY_DEFINITIONS, mean_load_kg="mean total load on the board")
        return m, u, d

    def live(self) -> dict[str, float]:
        held = (self._t[-1] - self.t_on_ns) / 1e9 if self._t and self.t_on_ns is not None else 0.0
        return {"cop_x_mm": self.cop[0], "cop_y_mm": self.cop[1], "load_kg": self.total_kg, "elapsed_s": held}

    def reps(self) -> int:
        return 1 if self.ended else 0

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        return self._sway()


@register
class QuietStance(_BalanceBase):
    """Quiet stance on both feet for ``duration_s`` (or until the trial ends); scored by the sway
    metrics. One repetition = a completed stance: the child stayed on the board until
    ``duration_s`` or the end of the trial; stepping off first ends it without one (``stepped_off``)."""

    name = "balance_quiet_stance"
    title = "Stand still like a statue"
    contract = Contract(
        headline=(Metric("ellipse95_area_mm2", "Sway area (95 %)", "mm^2", False),
                  Metric("mean_velocity_mm_s", "Sway velocity", "mm/s", False), Metric("path_length_mm", "Sway path", "mm", False)),
        history="ellipse95_area_mm2",
        events=("on_board", "stepped_off", "trial_end"),
        quality_events=(),
        game="pond", pictogram="turtle", chart="cop", stars=SteadyStars(), sim=DeviceChild("balance", "quiet"),
        sounds=(SoundCue(Sound.CUE, "on_board"), SoundCue(Sound.TRY_AGAIN, "stepped_off")),
    )

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.completed = False
        self.stepped_off = False

    def _off_board(self, t_ns: int) -> list[ScoreEvent]:
        self.ended = self.stepped_off = True
        return [self.event(t_ns, "stepped_off", value=(t_ns - (self.t_on_ns or t_ns)) / 1e9, unit="s")]

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        was = self.ended
        out = super()._step(inp)
        if self.ended and not was and not self.stepped_off:
            self.completed = True
        return out

    def _finish(self) -> list[ScoreEvent]:
        if self.ended or len(self._t) < 3:
            return []
        self.ended = self.completed = True
        return [self.event(self._t[-1], "trial_end", value=(self._t[-1] - self._t[0]) / 1e9, unit="s")]

    def reps(self) -> int:
        return int(self.completed)


class OneLegBoardSettings(BalanceSettings):
    duration_s: float = Field(30.0, gt=0.0, le=3600.0, description="cap of the stance, s (MABC-2: 30, BOT-2: 10)")
    max_jump_mm: float = Field(60.0, gt=0.0, le=1000.0, description="a CoP jump this large within 0.1 s is a touch-down")


@register
class OneLegBoard(_BalanceBase):
    """One-leg stance on the board: time until the other foot touches down (or the cap), and sway.

    Touch-down is detected when ``|cop_x|`` drops by more than ``max_jump_mm`` within 0.1 s (the
    second foot landing moves the CoP from under the standing foot toward the midpoint of the
    feet), or when the load leaves the board (``stepped_off``). The hold runs from stepping on to that moment, capped at
    ``duration_s``.
    """

    name = "balance_one_leg"
    title = "Stand on one leg (board)"
    contract = Contract(
        headline=(Metric("hold_s", "Hold", "s", True), Metric("ellipse95_area_mm2", "Sway area (95 %)", "mm^2", False),
                  Metric("mean_velocity_mm_s", "Sway velocity", "mm/s", False)),
        history="hold_s",
        events=("on_board", "touch_down", "hold_done", "trial_end"),
        quality_events=("hold_done",),
        game="pond", pictogram="turtle", chart="cop", stars=SteadyStars(), sim=DeviceChild("balance", "one_leg"),
        sounds=(SoundCue(Sound.CUE, "on_board"), SoundCue(Sound.TRY_AGAIN, "touch_down"), SoundCue(Sound.DONE, "hold_done")),
    )
    Settings: ClassVar[type[Settings]] = OneLegBoardSettings
    settings: OneLegBoardSettings

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.o: OneLegBoardSettings = self.settings
        self.hold_s: float | None = None
        self._recent: list[tuple[int, float]] = []

    def _sample(self, t_ns: int, x: float, y: float) -> list[ScoreEvent]:
        if self.hold_s is not None:
            return []
        self._recent = [p for p in self._recent if t_ns - p[0] <= 100_000_000] + [(t_ns, x)]
        x0 = self._recent[0][1]
        if abs(x0) - abs(x) > self.o.max_jump_mm:
            assert self.t_on_ns is not None
            self.hold_s = (t_ns - self.t_on_ns) / 1e9
            self.ended = True
            return [self.event(t_ns, "touch_down", rep=1, value=round(self.hold_s, 4), unit="s")]
        return []

    def _off_board(self, t_ns: int) -> list[ScoreEvent]:
        if self.hold_s is not None or self.t_on_ns is None:
            return []
        self.hold_s = min((t_ns - self.t_on_ns) / 1e9, self.o.duration_s)
        self.ended = True
        return [self.event(t_ns, "touch_down", rep=1, value=round(self.hold_s, 4), unit="s", reason="stepped_off")]

    def _finish(self) -> list[ScoreEvent]:
        if self.hold_s is None and self._t and self.t_on_ns is not None:
            self.hold_s = min((self._t[-1] - self.t_on_ns) / 1e9, self.o.duration_s)
            return [self.event(self._t[-1], "hold_done", rep=1, value=round(self.hold_s, 4), unit="s")]
        return []

    def reps(self) -> int:
        return 1 if self.hold_s is not None else 0

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m, u, d = self._sway()
        m["hold_s"] = self.hold_s
        u["hold_s"] = "s"
        d["hold_s"] = "time from stepping on to the other foot touching down (or the cap duration_s)"
        return m, u, d


class LeanSettings(BalanceSettings):
    targets: str = Field("right,front,left,back", min_length=1, description="target directions in order")
    reach_mm: Annotated[float, Knob("Reach", "mm", step=5.0, harder=1, help="how far the child must lean to reach a star")] = Field(40.0, gt=0.0, le=500.0, description="CoP distance from the start point that reaches a target, mm")
    hold_s: Annotated[float, Knob("Hold", "s", step=0.25, harder=1, help="time to stay on a star")] = Field(0.5, ge=0.0, le=30.0, description="time the CoP must stay in the target, s")
    target_radius_mm: Annotated[float, Knob("Star size", "mm", step=2.0, harder=-1, help="radius of a star")] = Field(15.0, gt=0.0, le=500.0, description="radius of a target, mm")
    duration_s: float = Field(60.0, gt=0.0, le=3600.0, description="trial length, s")

    @model_validator(mode="after")
    def _dirs(self) -> LeanSettings:
        bad = [d for d in self.targets.split(",") if d.strip() not in _DIRS]
        if bad:
            raise ValueError(f"unknown target direction(s) {bad}; use {sorted(_DIRS)}")
        return self


_DIRS = {"right": (1.0, 0.0), "left": (-1.0, 0.0), "front": (0.0, 1.0), "back": (0.0, -1.0),
         "front-right": (0.707, 0.707), "front-left": (-0.707, 0.707), "back-right": (0.707, -0.707), "back-left": (-0.707, -0.707)}


@register
class LeanToTarget(_BalanceBase):
    """Lean-to-target game: the CoP steers a character to targets at ``reach_mm`` in each direction.

    The start point is the mean CoP of the first second on the board. A target is reached when the
    CoP stays within ``target_radius_mm`` of it for ``hold_s``; the next target then appears.
    Per target: time to reach (from its appearance) and path length travelled (mm).
    """

    name = "balance_lean"
    title = "Lean to the star"
    contract = Contract(
        headline=(Metric("targets_reached", "Stars reached", "count", True),
                  Metric("mean_time_to_target_s", "Time to a star", "s", False), Metric("ellipse95_area_mm2", "Sway area (95 %)", "mm^2", None)),
        history="targets_reached",
        events=("on_board", "target_shown", "target_reached", "trial_end"),
        quality_events=("target_reached",),
        game="pond", pictogram="turtle", chart="cop", stars=CountStars(), sim=DeviceChild("balance", "lean"),
        sounds=(SoundCue(Sound.CUE, "target_shown"), SoundCue(Sound.DONE, "target_reached")),
        presets=Presets(easier={"reach_mm": 30.0, "target_radius_mm": 20.0}, harder={"reach_mm": 60.0, "target_radius_mm": 12.0}),
    )
    Settings: ClassVar[type[Settings]] = LeanSettings
    settings: LeanSettings

    def __init__(self, settings: SettingsModel | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.le: LeanSettings = self.settings
        self.dirs = [d.strip() for d in self.le.targets.split(",")]
        self.origin: tuple[float, float] | None = None
        self.k = 0
        self._shown_ns = 0
        self._inside_since: int | None = None
        self._path = 0.0
        self._prev: tuple[float, float] | None = None
        self.reached: list[tuple[str, float, float]] = []

    def target_mm(self) -> tuple[float, float] | None:
        if self.origin is None or self.k >= len(self.dirs):
            return None
        ux, uy = _DIRS[self.dirs[self.k]]
        return self.origin[0] + ux * self.le.reach_mm, self.origin[1] + uy * self.le.reach_mm

    def _sample(self, t_ns: int, x: float, y: float) -> list[ScoreEvent]:
        assert self.t_on_ns is not None
        if self.origin is None:
            if t_ns - self.t_on_ns >= 1_000_000_000:
                self.origin = (float(np.mean(self._x)), float(np.mean(self._y)))
                self._shown_ns = t_ns
                self._prev = (x, y)
                return [self.event(t_ns, "target_shown", rep=1, direction=self.dirs[0])]
            return []
        if self.k >= len(self.dirs):
            return []
        if self._prev is not None:
            self._path += math.hypot(x - self._prev[0], y - self._prev[1])
        self._prev = (x, y)
        tgt = self.target_mm()
        assert tgt is not None
        if math.hypot(x - tgt[0], y - tgt[1]) <= self.le.target_radius_mm:
            if self._inside_since is None:
                self._inside_since = t_ns
            if (t_ns - self._inside_since) / 1e9 >= self.le.hold_s:
                took = (t_ns - self._shown_ns) / 1e9
                self.reached.append((self.dirs[self.k], took, self._path))
                ev = [self.event(t_ns, "target_reached", rep=len(self.reached), value=round(took, 4), unit="s",
                                 direction=self.dirs[self.k], path_mm=round(self._path, 2))]
                self.k += 1
                self._inside_since = None
                self._path = 0.0
                self._shown_ns = t_ns
                if self.k < len(self.dirs):
                    ev.append(self.event(t_ns, "target_shown", rep=self.k + 1, direction=self.dirs[self.k]))
                else:
                    self.ended = True
                return ev
        else:
            self._inside_since = None
        return []

    def live(self) -> dict[str, float]:
        out = super().live()
        tgt = self.target_mm()
        out.update(target_x_mm=tgt[0] if tgt else math.nan, target_y_mm=tgt[1] if tgt else math.nan,
                   reps=float(len(self.reached)))
        return out

    def reps(self) -> int:
        return len(self.reached)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        m, u, d = self._sway()
        took = [r[1] for r in self.reached]
        m.update({
            "targets_reached": len(self.reached),
            "targets": len(self.dirs),
            "mean_time_to_target_s": float(np.mean(took)) if took else None,
            "times_to_target_s": ",".join(f"{r[0]}={r[1]:.2f}" for r in self.reached),
            "mean_path_to_target_mm": float(np.mean([r[2] for r in self.reached])) if self.reached else None,
        })
        u.update({"targets_reached": "count", "targets": "count", "mean_time_to_target_s": "s", "times_to_target_s": "s",
                  "mean_path_to_target_mm": "mm"})
        d.update({
            "targets_reached": "targets where the CoP stayed within target_radius_mm for hold_s",
            "targets": "targets in the sequence",
            "mean_time_to_target_s": "mean time from a target appearing to it being reached",
            "times_to_target_s": "time to each target, by direction",
            "mean_path_to_target_mm": "mean CoP path travelled per target (straight line = reach_mm)",
        })
        return m, u, d
