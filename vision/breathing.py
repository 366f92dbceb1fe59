"""Breathing from the upper body: shoulder landmarks, refined with dense optical flow on the chest.

Not validated on real breathing or on children: the only test material is a real still photo whose
upper body is displaced at known rates (:func:`vision.synth_games.breathing_video`) and generated
landmark streams. Published camera methods reach about 0.5-0.8 breaths/min mean absolute error in
adults (Massaroni et al. 2018; Bae et al. 2021); those are their figures, not measured here.

Signals (definitions version 1)
-------------------------------
Scale
    Shoulder width ``sw`` (pixels between landmarks 11 and 12, median of the recent frames).
Landmark signal
    Height of the mid-shoulder point above the mid-hip point (when both hips are visible; above the
    frame's bottom otherwise), in shoulder widths.
Flow signal (when the frame's image is given)
    Chest region: from 0.25 sw above the shoulder line to 0.5 sw below it, across the shoulders plus
    0.1 sw on each side (it holds the shoulders' upper contour, where breathing moves the most edge).
    It is fixed while the shoulders stay within 0.1 sw of where it was set. Dense optical flow
    (:func:`cv2.calcOpticalFlowFarneback`, Farneback 2003) between consecutive frames of the region,
    downscaled to at most 96 px wide; the signal is the cumulative sum of minus the mean vertical flow
    (up = positive) minus the median vertical flow of two reference strips beside the body (0.5 to
    0.8 sw beyond each shoulder: camera shake moves them too, breathing does not), in shoulder widths.
Too much movement
    A frame is *moving* when, over the last second, the mid-shoulder point or the nose moved more
    than ``move_limit`` sw in x or y (range), or the shoulders were not seen. A window of signal is
    usable when at most ``max_moving`` of its time is moving; moving samples are bridged by linear
    interpolation. An unusable window gives no rate: the screen shows "too much movement".
Rate
    The signal resampled to 10 Hz, linearly detrended, band-passed 0.05-0.8 Hz (3-48 breaths/min;
    4th-order Butterworth, zero phase), its periodogram (zero-padded to 2^14 points, Hann window)
    peak in that band, refined by parabolic interpolation; breaths/min = 60 x peak frequency. The flow
    signal is used when images covered at least 80 % of the window, the landmark signal otherwise.
Regularity
    Breath-to-breath intervals between successive maxima of the band-passed signal (at least 0.6
    periods apart, prominence at least 0.3 x its standard deviation): coefficient of variation (SD /
    mean, %).
Phase agreement with the pacer
    Instantaneous phases of the band-passed signal and of the pacer's own waveform passed through the
    same filter (Hilbert transform, :func:`scipy.signal.hilbert`); agreement = % of the usable samples
    whose phase difference is within +-45 degrees (``phase_tolerance_deg``); the phase-locking value
    (|mean of exp(i x difference)|) is given beside it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

L_SH, R_SH, L_HIP, R_HIP, NOSE = 11, 12, 23, 24, 0
FS = 10.0
BAND = (0.05, 0.8)


@dataclass(frozen=True, slots=True)
class BreathEstimate:
    rate_per_min: float | None
    """None when the window was not usable (too much movement or too short)."""
    regularity_cv_pct: float | None
    phase_agreement_pct: float | None
    phase_locking: float | None
    source: str
    """``flow``, ``landmarks`` or ``none``."""
    usable: bool
    moving_share: float
    usable_s: float
    breaths: int


def _bandpass(x: NDArray[np.float64], fs: float = FS) -> NDArray[np.float64]:
    from scipy.signal import butter, sosfiltfilt

    sos = butter(4, [BAND[0], BAND[1]], btype="bandpass", fs=fs, output="sos")
    pad = min(len(x) - 1, 3 * 30)
    return np.asarray(sosfiltfilt(sos, x, padlen=pad), dtype=np.float64)


def spectral_rate(x: NDArray[np.float64], fs: float = FS) -> float | None:
    """Breaths per minute from the periodogram peak of an already band-passed signal."""
    if len(x) < fs * 5 or not np.any(x):
        return None
    n = 1 << 14
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / fs)
    band = (freqs >= BAND[0]) & (freqs <= BAND[1])
    idx = np.flatnonzero(band)
    k = int(idx[np.argmax(spec[idx])])
    if 0 < k < len(spec) - 1:
        a, b, c = np.log(spec[k - 1: k + 2] + 1e-30)
        off = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
        f = freqs[k] + off * (freqs[1] - freqs[0])
    else:
        f = freqs[k]
    return float(60.0 * f)


class BreathingEstimator:
    """Collects per-frame signals and estimates breathing over a time window (see the module docstring)."""

    def __init__(self, *, move_limit: float = 0.1, max_moving: float = 0.2, phase_tolerance_deg: float = 45.0,
                 keep_s: float = 900.0) -> None:
        self.move_limit = move_limit
        self.max_moving = max_moving
        self.tol = math.radians(phase_tolerance_deg)
        self.keep_ns = int(keep_s * 1e9)
        self.t: deque[int] = deque()
        self.lm: deque[float] = deque()
        self.flow: deque[float] = deque()  # cumulative, NaN when no image
        self.moving: deque[bool] = deque()
        self._sw: deque[float] = deque(maxlen=31)
        self._recent: deque[tuple[int, float, float, float, float]] = deque()  # t, mid-shoulder x, y, nose x, y
        self._roi: tuple[int, int, int, int] | None = None
        self._roi_anchor: NDArray[np.float64] | None = None
        self._prev: NDArray[np.uint8] | None = None
        self._refs: list[tuple[int, int, int, int]] = []
        self._cum = 0.0
        self.flow_frames = 0

    @property
    def shoulder_width(self) -> float:
        return float(np.median(self._sw)) if self._sw else math.nan

    def push(self, t_ns: int, pts: NDArray[np.float64] | None, vis: NDArray[np.float64] | None = None,
             image: NDArray[np.uint8] | None = None, min_visibility: float = 0.5) -> bool:
        """One frame (``pts`` 33 x 2 pixels or ``None`` when nobody was found); returns whether it is moving."""
        seen = pts is not None and (vis is None or min(float(vis[L_SH]), float(vis[R_SH])) >= min_visibility)
        if not seen:
            self._append(t_ns, math.nan, math.nan, True)
            self._prev = None
            return True
        assert pts is not None
        sw_now = float(np.hypot(*(pts[L_SH] - pts[R_SH])))
        if sw_now <= 1e-6:
            self._append(t_ns, math.nan, math.nan, True)
            return True
        self._sw.append(sw_now)
        sw = self.shoulder_width
        ms = 0.5 * (pts[L_SH] + pts[R_SH])
        hips_seen = vis is None or min(float(vis[L_HIP]), float(vis[R_HIP])) >= min_visibility
        ref_y = 0.5 * (pts[L_HIP, 1] + pts[R_HIP, 1]) if hips_seen else (image.shape[0] if image is not None else 0.0)
        lm = (ref_y - ms[1]) / sw
        self._recent.append((t_ns, float(ms[0]), float(ms[1]), float(pts[NOSE, 0]), float(pts[NOSE, 1])))
        while self._recent and self._recent[0][0] < t_ns - 1_000_000_000:
            self._recent.popleft()
        r = np.array([x[1:] for x in self._recent])
        moving = bool(np.any((r.max(axis=0) - r.min(axis=0)) / sw > self.move_limit))
        fl = math.nan
        if image is not None:
            fl = self._flow(image, pts, sw)
        self._append(t_ns, lm, fl, moving)
        return moving

    def _append(self, t_ns: int, lm: float, fl: float, moving: bool) -> None:
        self.t.append(t_ns)
        self.lm.append(lm)
        self.flow.append(fl)
        self.moving.append(moving)
        while self.t and self.t[0] < t_ns - self.keep_ns:
            for d in (self.t, self.lm, self.flow, self.moving):
                d.popleft()

    def _flow(self, image: NDArray[np.uint8], pts: NDArray[np.float64], sw: float) -> float:
        import cv2

        h, w = image.shape[:2]
        ms = 0.5 * (pts[L_SH] + pts[R_SH])
        if self._roi is None or self._roi_anchor is None or float(np.hypot(*(ms - self._roi_anchor))) > 0.1 * sw:
            xl, xr = sorted((float(pts[L_SH, 0]), float(pts[R_SH, 0])))
            x0, x1 = int(max(0, xl - 0.1 * sw)), int(min(w, xr + 0.1 * sw))
            y0, y1 = int(max(0, ms[1] - 0.25 * sw)), int(min(h, ms[1] + 0.5 * sw))
            self._roi, self._roi_anchor, self._prev = (x0, y0, x1, y1), ms.copy(), None
            self._refs = []
            for a, b in ((xl - 0.8 * sw, xl - 0.5 * sw), (xr + 0.5 * sw, xr + 0.8 * sw)):
                if a >= 0 and b <= w:
                    self._refs.append((int(a), y0, int(b), y1))
        x0, y0, x1, y1 = self._roi
        if x1 - x0 < 8 or y1 - y0 < 8:
            return math.nan
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        scale = min(1.0, 96.0 / (x1 - x0))
        boxes = [self._roi, *self._refs]
        crops = [cv2.resize(gray[b[1]:b[3], b[0]:b[2]], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) for b in boxes]
        prev, self._prev = self._prev, np.concatenate([c.ravel() for c in crops]).astype(np.uint8)
        if prev is None or prev.size != self._prev.size:
            return self._cum / sw
        vs = []
        off = 0
        for c in crops:
            n = c.size
            before = prev[off:off + n].reshape(c.shape)
            off += n
            f = cv2.calcOpticalFlowFarneback(before, c, None, 0.5, 2, 9, 3, 5, 1.1, 0)
            vs.append(float(np.mean(f[..., 1])) / scale if c is crops[0] else float(np.median(f[..., 1])) / scale)
        v = vs[0] - (float(np.mean(vs[1:])) if len(vs) > 1 else 0.0)
        self._cum += -v  # image y grows downward: rising = negative flow
        self.flow_frames += 1
        return self._cum / sw

    # -- estimates ---------------------------------------------------------------------------------
    def estimate(self, t0_ns: int | None = None, t1_ns: int | None = None, *, pacer_rate: float | None = None,
                 pacer_t0_ns: int = 0, min_s: float = 15.0, signal: str | None = None) -> BreathEstimate:
        """Breathing between ``t0_ns`` and ``t1_ns`` (all kept frames by default); ``signal`` forces
        ``"landmarks"`` or ``"flow"`` instead of the automatic choice."""
        t = np.array(self.t, dtype=np.int64)
        none = BreathEstimate(None, None, None, None, "none", False, 1.0, 0.0, 0)
        if t.size < 3:
            return none
        sel = np.ones(t.size, dtype=bool)
        if t0_ns is not None:
            sel &= t >= t0_ns
        if t1_ns is not None:
            sel &= t <= t1_ns
        if sel.sum() < 3:
            return none
        t = t[sel]
        lm = np.array(self.lm)[sel]
        fl = np.array(self.flow)[sel]
        mov = np.array(self.moving)[sel]
        span_s = (t[-1] - t[0]) / 1e9
        moving_share = float(mov.mean())
        use_flow = bool(np.isfinite(fl).mean() >= 0.8) if signal is None else signal == "flow"
        x = fl if use_flow else lm
        good = ~mov & np.isfinite(x)
        usable_s = span_s * float(good.mean())
        if moving_share > self.max_moving or usable_s < min_s or good.sum() < 3:
            return BreathEstimate(None, None, None, None, "flow" if use_flow else "landmarks", False, moving_share, usable_s, 0)
        ts = (t - t[0]) / 1e9
        grid = np.arange(0.0, ts[-1], 1 / FS)
        xi = np.interp(grid, ts[good], x[good])
        xi = xi - np.polyval(np.polyfit(grid, xi, 1), grid)
        bp = _bandpass(xi)
        rate = spectral_rate(bp)
        from scipy.signal import find_peaks, hilbert

        cv = None
        n_breaths = 0
        if rate:
            period = 60.0 / rate
            pk, _ = find_peaks(bp, distance=max(1, int(0.6 * period * FS)), prominence=0.3 * float(np.std(bp)))
            n_breaths = int(pk.size)
            if pk.size >= 3:
                iv = np.diff(pk) / FS
                cv = float(100.0 * np.std(iv, ddof=1) / np.mean(iv))
        agree = plv = None
        if pacer_rate:
            tt = grid + (t[0] - pacer_t0_ns) / 1e9
            pacer = 0.5 * (1 - np.cos(2 * math.pi * pacer_rate / 60.0 * tt))
            pb = _bandpass(pacer - pacer.mean())
            d = np.angle(np.exp(1j * (np.angle(hilbert(bp)) - np.angle(hilbert(pb)))))
            keep = np.interp(grid, ts, good.astype(float)) > 0.5
            edge = int(min(len(d) // 10, 2 * FS))  # the Hilbert transform is unreliable at the ends
            keep[:edge] = False
            keep[len(keep) - edge:] = False
            if keep.any():
                agree = float(100.0 * np.mean(np.abs(d[keep]) <= self.tol))
                plv = float(np.abs(np.mean(np.exp(1j * d[keep]))))
        return BreathEstimate(rate, cv, agree, plv, "flow" if use_flow else "landmarks", rate is not None, moving_share,
                              usable_s, n_breaths)

    def moving_now(self) -> bool:
        return bool(self.moving[-1]) if self.moving else False

    def signal(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Times and the signal in use (flow when images were given, landmarks otherwise), for charts."""
        fl = np.array(self.flow)
        x = fl if fl.size and np.isfinite(fl).mean() >= 0.8 else np.array(self.lm)
        return np.array(self.t, dtype=np.int64), x
