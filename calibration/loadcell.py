"""Load-cell calibration: tare (zero offset), span (gain from a known load), per channel.

Model, per channel ``i``: ``calibrated = gain_i * (raw_i - offset_i)``, where ``raw`` is what the
device sends (in its announced unit, or counts) and ``calibrated`` is in :attr:`LoadCellCalibration.unit`
(``N`` for a grip dynamometer, ``kg`` for balance-board cells).

* **Tare**: ``offset_i`` is the mean of a still, unloaded window. "Still" means the window's standard
  deviation is below ``max_std`` (device units); otherwise :class:`~station.core.InputError`.
* **Span**: with the offsets known, ``gain_i`` is fitted by least squares through the origin from one or
  more ``(raw window, known load)`` points: ``gain = sum(k * r) / sum(r * r)`` with ``r = mean(raw) -
  offset``. For a balance board the known weight is placed on each corner in turn (per-channel span),
  or at the centre (one gain for all four cells: the known weight is shared by the cells).
* **Residual**: root-mean-square of ``gain * r - known`` over the span points plus the tare window's
  standard deviation, in the calibrated unit; stored with the calibration.
* **Quality gate** (:func:`check_fit`, applied by :func:`calibrate`): a fit is refused, with its
  numbers and a hint, when the known load changed the readings by less than :data:`MIN_SNR` times the
  tare window's noise (the load was not placed or had not settled: the fitted gain would be absurd), or
  when the residual exceeds :data:`MAX_RESIDUAL_FRAC` of the known load (the load moved, or the
  known mass is wrong). Nothing is stored then.

Calibrations are stored in :class:`calibration.store.CalibrationStore` under the device's serial
number with kind ``"loadcell"`` (never overwritten; the newest is in force). A device without a valid
(present, not stale) calibration has its samples flagged ``UNCALIBRATED``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from calibration.store import CalibrationStore, Status
from station.core import CalibrationRecord, InputError

log = logging.getLogger(__name__)

KIND = "loadcell"
METHOD = "tare+span/least-squares-through-origin/v1"
MIN_SNR = 20.0
"""Smallest change of the readings under the known load, in tare-noise standard deviations."""
MAX_RESIDUAL_FRAC = 0.05
"""Largest residual, as a fraction of the largest known load."""
SETTLE_HINT = "let the load settle and keep the device still, and check the known mass; then calibrate again"


@dataclass(frozen=True)
class LoadCellCalibration:
    """Per-channel offset and gain for one device (keyed by its serial number)."""

    serial: str
    channels: tuple[str, ...]
    offsets: tuple[float, ...]
    gains: tuple[float, ...]
    unit: str
    residual: float | None = None
    points: int = 0
    """Span points used in the fit."""

    def apply(self, values: Sequence[float]) -> tuple[float, ...]:
        """Calibrated values for one sample's raw channel values."""
        return tuple(g * (v - o) for v, o, g in zip(values, self.offsets, self.gains, strict=True))

    def to_record(self, software_version: str = "", created_utc: datetime | None = None) -> CalibrationRecord:
        return CalibrationRecord(
            key=self.serial, kind=KIND, method=METHOD,
            params={"channels": list(self.channels), "offsets": list(self.offsets), "gains": list(self.gains),
                    "unit": self.unit, "points": self.points},
            residual=self.residual, residual_unit=self.unit, created_utc=created_utc or datetime.now(UTC),
            software_version=software_version,
        )

    @classmethod
    def from_record(cls, rec: CalibrationRecord) -> LoadCellCalibration:
        p = rec.params
        try:
            chans = tuple(str(c) for c in p["channels"])
            offs = tuple(float(x) for x in p["offsets"])
            gains = tuple(float(x) for x in p["gains"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError("load-cell calibration is malformed", where=f"{rec.key} v{rec.version}", fix=f"calibrate again ({exc})") from None
        if not (len(chans) == len(offs) == len(gains)):
            raise InputError("load-cell calibration lists channels, offsets and gains of different lengths", where=rec.key)
        return cls(rec.key, chans, offs, gains, str(p.get("unit", "")), rec.residual, int(p.get("points", 0)))


def tare(window: np.ndarray, *, max_std: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Zero offsets from a still, unloaded window.

    Parameters
    ----------
    window: samples x channels of raw values (device units).
    max_std: largest per-channel standard deviation still called "still"; ``None`` = no check.

    Returns
    -------
    (offsets, stds) per channel.
    """
    w = np.asarray(window, dtype=np.float64)
    if w.ndim == 1:
        w = w[:, None]
    if w.shape[0] < 10:
        raise InputError(f"tare needs at least 10 samples, got {w.shape[0]}", fix="record a longer still window (e.g. 2 s)")
    std = w.std(axis=0)
    if max_std is not None and np.any(std > max_std):
        raise InputError("the load cells were not still during tare", where=f"std {np.round(std, 3).tolist()} > {max_std}",
                         fix="take everything off the device, keep it still and try again")
    return w.mean(axis=0), std


def span(points: Sequence[tuple[np.ndarray, float | Sequence[float]]], offsets: np.ndarray) -> tuple[np.ndarray, float, int]:
    """Per-channel gains from known loads (least squares through the origin).

    Parameters
    ----------
    points: ``(window, known)`` pairs; ``window`` samples x channels of raw values; ``known`` the load
        each channel should read (one number: the same for every channel that moved, see below; or
        one per channel).
    offsets: per-channel zero offsets from :func:`tare`.

    A scalar ``known`` with a multi-channel window means the known load sits on the device as a whole
    (a weight at the centre of a balance board): every channel gets the same gain, fitted so that
    the *sum* of the calibrated channels equals ``known``.

    Returns
    -------
    (gains, residual, n_points) with the residual as RMS error in the calibrated unit.
    """
    offsets = np.asarray(offsets, dtype=np.float64)
    n = offsets.size
    num = np.zeros(n)
    den = np.zeros(n)
    shared: list[tuple[float, float]] = []  # (sum of raw deltas, known) for whole-device points
    for window, known in points:
        w = np.asarray(window, dtype=np.float64)
        if w.ndim == 1:
            w = w[:, None]
        r = w.mean(axis=0) - offsets
        if np.ndim(known) == 0 and n > 1:
            shared.append((float(r.sum()), float(np.asarray(known, dtype=np.float64))))
            continue
        k = np.broadcast_to(np.asarray(known, dtype=np.float64), (n,))
        moved = np.abs(k) > 0
        num[moved] += (k * r)[moved]
        den[moved] += (r * r)[moved]
    gains = np.full(n, np.nan)
    if shared:
        rs = np.array([s[0] for s in shared])
        ks = np.array([s[1] for s in shared])
        if float(rs @ rs) <= 0:
            raise InputError("the known load did not change the readings", fix="put the known load on the device and try again")
        gains[:] = float(ks @ rs) / float(rs @ rs)
    ok = den > 0
    gains[ok] = num[ok] / den[ok]
    if np.any(~np.isfinite(gains)) or np.any(gains == 0):
        missing = [i for i in range(n) if not np.isfinite(gains[i]) or gains[i] == 0]
        raise InputError(f"no known load on channel(s) {missing}", fix="place the known load on every corner in turn, or at the centre")
    errs: list[float] = []
    for window, known in points:
        w = np.asarray(window, dtype=np.float64)
        if w.ndim == 1:
            w = w[:, None]
        cal = gains * (w.mean(axis=0) - offsets)
        if np.ndim(known) == 0 and n > 1:
            errs.append(float(cal.sum()) - float(np.asarray(known, dtype=np.float64)))
        else:
            k = np.broadcast_to(np.asarray(known, dtype=np.float64), (n,))
            errs += list((cal - k)[np.abs(k) > 0])
    residual = float(np.sqrt(np.mean(np.square(errs)))) if errs else 0.0
    return gains, residual, len(points)


def calibrate(
    serial: str,
    channels: Sequence[str],
    unit: str,
    tare_window: np.ndarray,
    span_points: Sequence[tuple[np.ndarray, float | Sequence[float]]],
    *,
    max_std: float | None = None,
) -> LoadCellCalibration:
    """Tare + span in one call (see the module docstring); residual includes the tare noise."""
    offsets, std = tare(tare_window, max_std=max_std)
    gains, res, n = span(span_points, offsets)
    tare_noise = float(np.sqrt(np.mean(np.square(gains * std))))
    cal = LoadCellCalibration(serial, tuple(channels), tuple(offsets.tolist()), tuple(gains.tolist()), unit,
                              float(np.hypot(res, tare_noise)), n)
    check_fit(cal, std, span_points)
    return cal


def check_fit(cal: LoadCellCalibration, tare_std: np.ndarray, span_points: Sequence[tuple[np.ndarray, float | Sequence[float]]]) -> None:
    """Refuse an implausible fit with :class:`InputError` (see the module docstring's quality gate)."""
    offsets = np.asarray(cal.offsets, dtype=np.float64)
    std = np.asarray(tare_std, dtype=np.float64)
    largest = 0.0
    for window, known in span_points:
        w = np.asarray(window, dtype=np.float64)
        if w.ndim == 1:
            w = w[:, None]
        r = w.mean(axis=0) - offsets
        if np.ndim(known) == 0:
            moved = np.ones(r.size, dtype=bool)
            largest = max(largest, abs(float(np.asarray(known, dtype=np.float64))))
        else:
            k = np.broadcast_to(np.asarray(known, dtype=np.float64), r.shape)
            moved = np.abs(k) > 0
            largest = max(largest, float(np.abs(k).max()))
        change = abs(float(r[moved].sum()))
        noise = float(np.sqrt(np.sum(np.square(std[moved]))))
        floor = max(noise, 1e-9 * max(1.0, float(np.abs(offsets[moved]).max())))
        if change < MIN_SNR * floor:
            raise InputError(
                f"the known load changed the readings by {change:.4g} device units, only {change / floor:.1f} times the "
                f"noise of the empty device ({noise:.3g}); the fit would be meaningless (gain {max(cal.gains, key=abs):.4g})",
                fix=SETTLE_HINT)
    if largest > 0 and cal.residual is not None and cal.residual > MAX_RESIDUAL_FRAC * largest:
        raise InputError(
            f"the fit does not hold: residual {cal.residual:.4g} {cal.unit} is {100 * cal.residual / largest:.1f} % of the "
            f"known load {largest:g} {cal.unit} (at most {100 * MAX_RESIDUAL_FRAC:g} %)",
            fix=SETTLE_HINT)


def load(store: CalibrationStore, serial: str, now: datetime | None = None) -> tuple[Status, LoadCellCalibration | None]:
    """``(status, calibration)`` in force for a device serial number (``None`` when missing)."""
    status, rec = store.status(serial, KIND, now)
    return status, (LoadCellCalibration.from_record(rec) if rec is not None else None)


def save(store: CalibrationStore, cal: LoadCellCalibration, software_version: str = "") -> CalibrationRecord:
    """Store ``cal`` as the device's next calibration version."""
    return store.save(cal.to_record(software_version))
