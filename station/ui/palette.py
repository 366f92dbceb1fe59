"""The station's colours: the Okabe-Ito palette (safe for the common colour-vision deficiencies).

Meaning is never carried by colour alone: "on the path" vs "off" also changes shape (a smiling vs
a surprised character, a solid vs dashed ring), and stars are counted, not coloured.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

BLACK = "#000000"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
WHITE = "#FFFFFF"
INK = "#1D2B36"
"""Dark text and outlines (softer than black)."""
PAPER = "#F7F4EC"
"""Background of the therapist's panels."""

GOOD = GREEN
WARN = ORANGE
BAD = VERMILLION
INFO = BLUE

STATE_COLOURS = {
    "streaming": GOOD,
    "connected": GOOD,
    "waiting": SKY,
    "opened": SKY,
    "reconnecting": ORANGE,
    "stalled": ORANGE,
    "lost": VERMILLION,
    "disconnected": VERMILLION,
    "failed": VERMILLION,
    "ended": "#888888",
    "closed": "#888888",
    "calibrated": GOOD,
    "stale": ORANGE,
    "not saving": VERMILLION,
}


def qc(hex_colour: str, alpha: int = 255) -> QColor:
    """A :class:`QColor` from ``#RRGGBB`` with an alpha 0..255."""
    c = QColor(hex_colour)
    c.setAlpha(alpha)
    return c
