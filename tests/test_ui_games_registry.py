"""Child-screen games and pictograms register themselves (station.ui.games) and the child view paints them."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from station.ui import games


def test_registered_pictogram_is_drawn_and_double_registration_is_refused(qapp: object) -> None:
    from station.ui.pictograms import draw_pictogram

    seen: list[QRectF] = []

    def paint(p: QPainter, rect: QRectF) -> None:
        seen.append(rect)

    name = "test-pictogram-registry"
    games.register_pictogram(name)(paint)
    try:
        img = QImage(64, 64, QImage.Format.Format_ARGB32)
        p = QPainter(img)
        draw_pictogram(p, QRectF(0, 0, 64, 64), name)  # type: ignore[arg-type]
        p.end()
        assert seen == [QRectF(0, 0, 64, 64)]
        with pytest.raises(ValueError, match="registered twice"):
            games.register_pictogram(name)(lambda p, r: None)
    finally:
        games.PICTOGRAMS.pop(name, None)


def test_game_lookup_loads_the_package_and_ignores_unknown_names() -> None:
    assert games.game_painter(None) is None
    assert games.game_painter("no-such-game") is None
    assert games._loaded
