"""Child-screen games and schedule pictures that register themselves.

A new exercise brings its child-screen game as **one module in this package**; the module registers a
painter for the game name its contract declares (``contract.game``) and, when it needs a new schedule
picture, a painter for its pictogram (``contract.pictogram``)::

    from station.ui.games import register_game, register_pictogram

    @register_game("memory")
    def paint_memory(view: ChildView, p: QPainter, area: QRectF, s: ViewState) -> None: ...

    @register_pictogram("animals")
    def draw_animals(p: QPainter, rect: QRectF) -> None: ...

:class:`~station.ui.child_view.ChildView` paints the built-in layers for the trial's inputs (the figure
over the body, the hand, the balloon, the pond) and then the registered game painter, if any, on top;
:func:`~station.ui.pictograms.draw_pictogram` draws a registered pictogram when it has no built-in one.
Every module of this package is imported by :func:`load` (once, when the child view is first built).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter

GamePainter = Callable[[Any, "QPainter", "QRectF", Any], None]
"""``paint(view, painter, image_area, view_state)``: ``view`` is the ChildView (its ``_map`` turns
normalised unmirrored image coordinates into widget points, ``_t`` is the display time in seconds)."""
PictogramPainter = Callable[["QPainter", "QRectF"], None]

GAMES: dict[str, GamePainter] = {}
PICTOGRAMS: dict[str, PictogramPainter] = {}
_loaded = False


def register_game(name: str) -> Callable[[GamePainter], GamePainter]:
    def deco(fn: GamePainter) -> GamePainter:
        if name in GAMES and GAMES[name] is not fn:
            raise ValueError(f"child-screen game {name!r} registered twice")
        GAMES[name] = fn
        return fn
    return deco


def register_pictogram(name: str) -> Callable[[PictogramPainter], PictogramPainter]:
    def deco(fn: PictogramPainter) -> PictogramPainter:
        if name in PICTOGRAMS and PICTOGRAMS[name] is not fn:
            raise ValueError(f"pictogram {name!r} registered twice")
        PICTOGRAMS[name] = fn
        return fn
    return deco


def load() -> None:
    """Import every game module of this package (idempotent)."""
    global _loaded
    if _loaded:
        return
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
    _loaded = True


def game_painter(name: str | None) -> GamePainter | None:
    load()
    return GAMES.get(name) if name else None


def pictogram_painter(name: str) -> PictogramPainter | None:
    load()
    return PICTOGRAMS.get(name)
