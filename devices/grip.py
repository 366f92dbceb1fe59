"""The grip dynamometer driver.

Channel ``force`` in newtons (N) on the session clock. The driver also keeps live values for the UI
and exercises in both newtons and kilogram-force (1 kgf = 9.80665 N, what clinicians read on a
Jamar dynamometer): the latest force, the peak since :meth:`GripDynamometer.reset_peak`, and the
current hold (how long the force has stayed at or above ``hold_threshold_n``).

A plain-format device (``N12.34`` per line, like the 3-D-printed dynamometer of
``../shared/media/sensors/grip``) has no declared unit: ``plain_unit`` says what it prints
(``"N"`` by default, or ``"kgf"``), and values are converted to newtons.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from devices.driver import SerialDevice

log = logging.getLogger(__name__)

KGF_N = 9.80665
"""Newtons per kilogram-force."""


class GripDynamometer(SerialDevice):
    """A grip dynamometer on a serial URL (see :class:`devices.driver.SerialDevice` for parameters).

    Extra parameters
    ----------------
    hold_threshold_n: force (N) at or above which the grip counts as held (default 20 N).
    plain_unit: unit of a plain-format device's numbers: ``"N"`` or ``"kgf"``.
    """

    kind: ClassVar[str] = "grip"
    raw_channels: ClassVar[tuple[str, ...]] = ("force",)
    raw_units: ClassVar[tuple[str, ...]] = ("N",)
    plain_format = "plain"

    def __init__(self, url: str, *, hold_threshold_n: float = 20.0, plain_unit: str = "N", **kwargs: Any) -> None:
        if plain_unit not in ("N", "kgf"):
            raise ValueError(f"plain_unit must be 'N' or 'kgf', not {plain_unit!r}")
        kwargs.setdefault("device_id", "grip0")
        super().__init__(url, **kwargs)
        self.hold_threshold_n = hold_threshold_n
        self.plain_unit = plain_unit
        self.force_n = 0.0
        self.peak_n = 0.0
        self._hold_start_ns: int | None = None
        self._last_ns = 0

    def _do_convert(self, values: tuple[float, ...], t_ns: int) -> tuple[float, ...]:
        f = values[0]
        if self.plain_unit == "kgf" and self._parser.format == "plain":
            f *= KGF_N
        self.force_n = f
        if f > self.peak_n:
            self.peak_n = f
        if f >= self.hold_threshold_n:
            if self._hold_start_ns is None:
                self._hold_start_ns = t_ns
        else:
            self._hold_start_ns = None
        self._last_ns = t_ns
        return (f,)

    # -- live values --------------------------------------------------------------------------------
    @property
    def force_kgf(self) -> float:
        """Latest force in kilogram-force."""
        return self.force_n / KGF_N

    @property
    def peak_kgf(self) -> float:
        """Peak force since the last :meth:`reset_peak`, in kilogram-force."""
        return self.peak_n / KGF_N

    @property
    def hold_s(self) -> float:
        """Seconds the force has stayed at or above ``hold_threshold_n`` (0 when below)."""
        return 0.0 if self._hold_start_ns is None else (self._last_ns - self._hold_start_ns) / 1e9

    def reset_peak(self) -> None:
        """Start a new peak (e.g. at the start of a trial)."""
        self.peak_n = 0.0

    def begin_trial(self) -> None:
        self.reset_peak()


def _register() -> None:
    from devices.kinds import DeviceKind, register_kind
    from devices.sim import GRIP_FULL_SCALE_N, GRIP_PROFILES, grip_profile

    register_kind(DeviceKind(
        "grip", GripDynamometer, GripDynamometer.raw_channels, GripDynamometer.raw_units, ("force",), ("N",),
        (GRIP_FULL_SCALE_N,), GRIP_PROFILES, grip_profile, "MS-SIM-GRIP", GripDynamometer.plain_format,
        lsl_type="Force", description="grip dynamometer: force in N",
    ))


_register()
