"""The balance board driver: four load cells -> total weight and centre of pressure.

Raw channels ``tl, tr, bl, br`` (top-left, top-right, bottom-left, bottom-right load cells as seen
from above with the child facing "top"), in kg. Emitted samples add three derived channels:
``total`` (kg) and the centre of pressure ``cop_x``, ``cop_y`` in millimetres from the board centre,
x to the child's right, y forward (towards "top")::

    cop_x = Lx / 2 * ((tr + br) - (tl + bl)) / total
    cop_y = Ly / 2 * ((tl + tr) - (bl + br)) / total

with ``Lx``, ``Ly`` the sensor spacing left-right and front-back (:class:`BoardGeometry`; the Wii
Balance Board's is 433 mm x 238 mm). Below ``min_load_kg`` the centre of pressure is undefined and
reported as NaN.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, ClassVar

from devices.driver import SerialDevice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoardGeometry:
    """Sensor spacing of a four-cell board, in millimetres (centre to centre)."""

    name: str
    spacing_x_mm: float
    """Left-right distance between the sensor centres."""
    spacing_y_mm: float
    """Front-back distance between the sensor centres."""

    def __post_init__(self) -> None:
        if not (self.spacing_x_mm > 0 and self.spacing_y_mm > 0):
            raise ValueError("board sensor spacing must be positive")

    def cop(self, tl: float, tr: float, bl: float, br: float, min_load_kg: float = 1.0) -> tuple[float, float, float]:
        """``(total kg, cop_x mm, cop_y mm)``; NaN centre of pressure under ``min_load_kg``."""
        total = tl + tr + bl + br
        if total < min_load_kg:
            return total, math.nan, math.nan
        return (
            total,
            self.spacing_x_mm / 2 * ((tr + br) - (tl + bl)) / total,
            self.spacing_y_mm / 2 * ((tl + tr) - (bl + br)) / total,
        )


WII_BALANCE_BOARD = BoardGeometry("wii", 433.0, 238.0)
"""Nintendo Wii Balance Board: sensors 433 mm apart left-right, 238 mm front-back."""
PRESETS = {"wii": WII_BALANCE_BOARD}


class BalanceBoard(SerialDevice):
    """A four-load-cell balance board on a serial URL (see :class:`devices.driver.SerialDevice`).

    Extra parameters
    ----------------
    geometry: a :class:`BoardGeometry` or a preset name (``"wii"``, the default).
    min_load_kg: total load under which the centre of pressure is NaN (default 1 kg).
    """

    kind: ClassVar[str] = "balance"
    raw_channels: ClassVar[tuple[str, ...]] = ("tl", "tr", "bl", "br")
    raw_units: ClassVar[tuple[str, ...]] = ("kg", "kg", "kg", "kg")
    plain_format = "csv"
    CHANNELS = ("tl", "tr", "bl", "br", "total", "cop_x", "cop_y")
    UNITS = ("kg", "kg", "kg", "kg", "kg", "mm", "mm")

    def __init__(self, url: str, *, geometry: BoardGeometry | str = "wii", min_load_kg: float = 1.0, **kwargs: Any) -> None:
        if isinstance(geometry, str):
            if geometry not in PRESETS:
                raise ValueError(f"unknown board preset {geometry!r}; known: {', '.join(PRESETS)}")
            geometry = PRESETS[geometry]
        kwargs.setdefault("device_id", "balance0")
        super().__init__(url, **kwargs)
        self.geometry = geometry
        self.min_load_kg = min_load_kg
        self._out_channels = self.CHANNELS
        self._out_units = self.UNITS
        self.total_kg = 0.0
        self.cop_mm = (math.nan, math.nan)

    def _do_convert(self, values: tuple[float, ...], t_ns: int) -> tuple[float, ...]:
        tl, tr, bl, br = values
        total, x, y = self.geometry.cop(tl, tr, bl, br, self.min_load_kg)
        self.total_kg = total
        self.cop_mm = (x, y)
        return (tl, tr, bl, br, total, x, y)


def _register() -> None:
    from devices.kinds import DeviceKind, register_kind
    from devices.sim import BALANCE_PROFILES, CELL_FULL_SCALE_KG, balance_profile

    register_kind(DeviceKind(
        "balance", BalanceBoard, BalanceBoard.raw_channels, BalanceBoard.raw_units, BalanceBoard.CHANNELS, BalanceBoard.UNITS,
        (CELL_FULL_SCALE_KG,) * 4, BALANCE_PROFILES, balance_profile, "MS-SIM-BALANCE", BalanceBoard.plain_format,
        derive=lambda v: (*v, *WII_BALANCE_BOARD.cop(*v)), sim_decimals=3,
        description="four-load-cell balance board: cells and total in kg, centre of pressure in mm (computed here)",
    ))


_register()
