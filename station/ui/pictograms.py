"""Pictograms and characters drawn with QPainter: no text, no image files, colour-blind-safe colours.

Every function draws into a rectangle (``QRectF``) in the painter's current coordinates and leaves
the painter's state as it found it.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen, QPolygonF

from exercises.contract import Pictogram
from station.ui.games import pictogram_painter
from station.ui.palette import BLUE, GREEN, INK, ORANGE, PURPLE, SKY, VERMILLION, WHITE, YELLOW, qc


def _pen(colour: str, width: float, alpha: int = 255) -> QPen:
    p = QPen(qc(colour, alpha), width)
    p.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return p


def star_path(cx: float, cy: float, r: float, inner: float = 0.45) -> QPainterPath:
    """A five-pointed star centred on (cx, cy) with outer radius ``r``."""
    path = QPainterPath()
    for k in range(10):
        rr = r if k % 2 == 0 else r * inner
        a = -math.pi / 2 + k * math.pi / 5
        pt = QPointF(cx + rr * math.cos(a), cy + rr * math.sin(a))
        if k == 0:
            path.moveTo(pt)
        else:
            path.lineTo(pt)
    path.closeSubpath()
    return path


def draw_star(p: QPainter, cx: float, cy: float, r: float, filled: bool = True) -> None:
    p.save()
    p.setPen(_pen(INK, max(2.0, r * 0.08)))
    p.setBrush(QBrush(qc(YELLOW)) if filled else Qt.BrushStyle.NoBrush)
    p.drawPath(star_path(cx, cy, r))
    p.restore()


def draw_face(p: QPainter, cx: float, cy: float, r: float, happy: bool = True) -> None:
    """Eyes and a mouth: a smile when ``happy``, a small 'o' (surprised) otherwise."""
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qc(INK))
    for dx in (-0.35, 0.35):
        p.drawEllipse(QPointF(cx + dx * r, cy - 0.15 * r), 0.13 * r, 0.16 * r)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setPen(_pen(INK, max(2.0, 0.09 * r)))
    if happy:
        p.drawArc(QRectF(cx - 0.4 * r, cy - 0.25 * r, 0.8 * r, 0.7 * r), 200 * 16, 140 * 16)
    else:
        p.drawEllipse(QPointF(cx, cy + 0.35 * r), 0.13 * r, 0.16 * r)
    p.restore()


def draw_bee(p: QPainter, cx: float, cy: float, r: float, happy: bool = True, t: float = 0.0) -> None:
    """The tracing character: a round bee with flapping wings (``t`` in seconds animates them)."""
    p.save()
    flap = 0.75 + 0.25 * math.sin(t * 25)
    p.setPen(_pen(INK, max(1.5, r * 0.06)))
    p.setBrush(qc(WHITE, 210))
    for dx in (-0.55, 0.55):
        p.drawEllipse(QPointF(cx + dx * r, cy - 0.85 * r), 0.45 * r, 0.6 * r * flap)
    p.setBrush(qc(YELLOW))
    p.drawEllipse(QPointF(cx, cy), r, r * 0.92)
    p.setPen(_pen(INK, r * 0.16))
    for dy in (0.35, 0.65):
        w = math.sqrt(max(0.0, 1 - dy * dy)) * r * 0.95
        p.drawLine(QPointF(cx - w, cy + dy * r * 0.92), QPointF(cx + w, cy + dy * r * 0.92))
    p.restore()
    draw_face(p, cx, cy - 0.1 * r, r * 0.8, happy)


def draw_balloon(p: QPainter, cx: float, cy: float, r: float, colour: str, happy: bool) -> None:
    """A balloon of radius ``r`` with a string and a face."""
    p.save()
    p.setPen(_pen(INK, 3))
    path = QPainterPath()
    path.moveTo(cx, cy + r * 1.15)
    path.cubicTo(cx - r * 0.3, cy + r * 1.6, cx + r * 0.3, cy + r * 1.9, cx, cy + r * 2.4)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)
    p.setBrush(qc(colour))
    p.setPen(_pen(INK, max(2.0, r * 0.04)))
    p.drawEllipse(QPointF(cx, cy), r * 0.92, r * 1.1)
    p.drawPolygon(QPolygonF([QPointF(cx, cy + r * 1.08), QPointF(cx - r * 0.12, cy + r * 1.22), QPointF(cx + r * 0.12, cy + r * 1.22)]))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qc(WHITE, 120))
    p.drawEllipse(QPointF(cx - r * 0.4, cy - r * 0.45), r * 0.16, r * 0.26)
    p.restore()
    draw_face(p, cx, cy, r * 0.55, happy)


def draw_turtle(p: QPainter, cx: float, cy: float, r: float, happy: bool = True) -> None:
    """The balance character: a turtle seen from above."""
    p.save()
    p.setPen(_pen(INK, max(2.0, r * 0.06)))
    p.setBrush(qc(GREEN))
    for ax, ay in ((-0.8, -0.6), (0.8, -0.6), (-0.8, 0.6), (0.8, 0.6)):
        p.drawEllipse(QPointF(cx + ax * r, cy + ay * r), 0.28 * r, 0.22 * r)
    p.drawEllipse(QPointF(cx, cy - 1.05 * r), 0.38 * r, 0.34 * r)
    p.setBrush(qc(ORANGE))
    p.drawEllipse(QPointF(cx, cy), r, 0.85 * r)
    p.setPen(_pen(INK, max(1.5, r * 0.05), 160))
    p.drawEllipse(QPointF(cx, cy), 0.45 * r, 0.38 * r)
    p.restore()
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qc(INK))
    for dx in (-0.13, 0.13):
        p.drawEllipse(QPointF(cx + dx * r, cy - 1.12 * r), 0.06 * r, 0.07 * r)
    p.restore()
    if happy:
        draw_star(p, cx + 1.05 * r, cy - 1.05 * r, 0.28 * r)


def draw_peg(p: QPainter, cx: float, cy: float, r: float, colour: str, placed: bool) -> None:
    """A hole (ring) and, when ``placed``, a peg standing in it."""
    p.save()
    p.setPen(_pen(INK, max(2.0, r * 0.12)))
    p.setBrush(qc("#5B4636"))
    p.drawEllipse(QPointF(cx, cy), r, r * 0.7)
    if placed:
        p.setBrush(qc(colour))
        p.drawRoundedRect(QRectF(cx - r * 0.55, cy - r * 1.7, r * 1.1, r * 1.8), r * 0.3, r * 0.3)
        p.drawEllipse(QPointF(cx, cy - r * 1.7), r * 0.55, r * 0.3)
    p.restore()


def _figure(p: QPainter, r: QRectF, colour: str, arms_up: bool, crouch: float = 0.0) -> None:
    cx = r.center().x()
    top = r.top() + r.height() * (0.12 + crouch)
    h = r.height() * (0.8 - crouch)
    p.save()
    p.setPen(_pen(colour, max(3.0, r.width() * 0.09)))
    head = QPointF(cx, top + h * 0.1)
    neck = QPointF(cx, top + h * 0.25)
    hip = QPointF(cx, top + h * 0.6)
    p.drawLine(neck, hip)
    ay = -0.15 if arms_up else 0.15
    p.drawLine(neck, QPointF(cx - r.width() * 0.3, top + h * (0.3 + ay)))
    p.drawLine(neck, QPointF(cx + r.width() * 0.3, top + h * (0.3 + ay)))
    p.drawLine(hip, QPointF(cx - r.width() * 0.2, top + h))
    p.drawLine(hip, QPointF(cx + r.width() * 0.2, top + h))
    p.setBrush(qc(colour))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(head, r.width() * 0.12, r.width() * 0.12)
    p.restore()


def draw_pictogram(p: QPainter, rect: QRectF, pictogram: Pictogram) -> None:
    """The schedule picture an exercise declares (``contract.pictogram``)."""
    registered = pictogram_painter(pictogram)  # a game module of station.ui.games brings its own picture
    if registered is not None:
        p.save()
        try:
            registered(p, rect)
        finally:
            p.restore()
        return
    cx, cy = rect.center().x(), rect.center().y()
    s = min(rect.width(), rect.height())
    p.save()
    if pictogram == "pegs":
        for i, placed in enumerate((True, True, False)):
            draw_peg(p, rect.left() + rect.width() * (0.25 + 0.25 * i), cy + s * 0.2, s * 0.11, (BLUE, ORANGE, SKY)[i], placed)
    elif pictogram == "taps":
        _hand(p, cx, cy, s * 0.4)
        p.setPen(_pen(VERMILLION, s * 0.04))
        for a in (-0.6, 0.0, 0.6):
            p.drawLine(QPointF(cx + s * 0.35 * math.sin(a), cy - s * 0.38), QPointF(cx + s * 0.45 * math.sin(a), cy - s * 0.46))
    elif pictogram == "path":  # a wavy path with the bee
        path = QPainterPath()
        path.moveTo(rect.left() + s * 0.1, cy)
        for k in range(1, 41):
            u = k / 40
            path.lineTo(rect.left() + s * 0.1 + u * (rect.width() - s * 0.2), cy + s * 0.18 * math.sin(u * 2 * math.pi))
        p.setPen(_pen(SKY, s * 0.12, 200))
        p.drawPath(path)
        p.setPen(_pen(BLUE, s * 0.03))
        p.drawPath(path)
        draw_bee(p, rect.left() + rect.width() * 0.62, cy + s * 0.18 * math.sin(0.62 * 2 * math.pi) - s * 0.02, s * 0.17)
    elif pictogram == "balloon":
        draw_balloon(p, cx, cy - s * 0.12, s * 0.25, VERMILLION, True)
    elif pictogram == "turtle":
        p.setPen(_pen(INK, s * 0.03))
        p.setBrush(qc(SKY, 160))
        p.drawEllipse(QPointF(cx, cy + s * 0.05), s * 0.42, s * 0.32)
        draw_turtle(p, cx, cy + s * 0.08, s * 0.17)
    else:  # a figure: jumping (arms up) or crouching (squats, push-ups, animal walks)
        crouch = 0.2 if pictogram == "crouch" else 0.0
        _figure(p, QRectF(cx - s * 0.3, rect.top() + s * 0.05, s * 0.6, s * 0.9), PURPLE, crouch == 0.0, crouch)
        if crouch == 0.0:
            p.setPen(_pen(ORANGE, s * 0.04))
            for dx in (-0.35, 0.35):
                p.drawLine(QPointF(cx + dx * s, cy + s * 0.3), QPointF(cx + dx * s, cy + s * 0.05))
                p.drawLine(QPointF(cx + dx * s, cy + s * 0.05), QPointF(cx + dx * s - s * 0.06, cy + s * 0.13))
                p.drawLine(QPointF(cx + dx * s, cy + s * 0.05), QPointF(cx + dx * s + s * 0.06, cy + s * 0.13))
    p.restore()


def _hand(p: QPainter, cx: float, cy: float, r: float) -> None:
    p.save()
    p.setPen(_pen(INK, max(2.0, r * 0.06)))
    p.setBrush(qc("#F3C9A0"))
    p.drawRoundedRect(QRectF(cx - r * 0.45, cy - r * 0.1, r * 0.9, r * 0.8), r * 0.25, r * 0.25)
    for i, (dx, ln) in enumerate(((-0.34, 0.55), (-0.12, 0.7), (0.1, 0.72), (0.3, 0.6))):
        p.drawRoundedRect(QRectF(cx + dx * r - r * 0.09, cy - r * ln, r * 0.18, r * ln), r * 0.09, r * 0.09)
        del i
    p.drawRoundedRect(QRectF(cx - r * 0.75, cy + r * 0.05, r * 0.4, r * 0.18), r * 0.09, r * 0.09)
    p.restore()


def draw_hourglass(p: QPainter, cx: float, cy: float, r: float, frac: float) -> None:
    """Rest picture: an hourglass whose sand runs from top to bottom as ``frac`` goes 0 -> 1."""
    p.save()
    p.setPen(_pen(INK, max(3.0, r * 0.07)))
    p.setBrush(qc(WHITE, 200))
    top = QPolygonF([QPointF(cx - r * 0.6, cy - r), QPointF(cx + r * 0.6, cy - r), QPointF(cx, cy)])
    bot = QPolygonF([QPointF(cx - r * 0.6, cy + r), QPointF(cx + r * 0.6, cy + r), QPointF(cx, cy)])
    p.drawPolygon(top)
    p.drawPolygon(bot)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(qc(ORANGE))
    a = max(0.0, 1 - frac)
    if a > 0:
        h = r * math.sqrt(a)
        p.drawPolygon(QPolygonF([QPointF(cx - 0.6 * h, cy - h), QPointF(cx + 0.6 * h, cy - h), QPointF(cx, cy)]))
    b = min(1.0, frac)
    if b > 0:
        h = r * math.sqrt(b)
        p.drawPolygon(QPolygonF([QPointF(cx - r * 0.6, cy + r), QPointF(cx + r * 0.6, cy + r),
                                 QPointF(cx + r * 0.6 - 0.6 * h * 0.9, cy + r - h), QPointF(cx - r * 0.6 + 0.6 * h * 0.9, cy + r - h)]))
    p.restore()


def draw_pause(p: QPainter, cx: float, cy: float, r: float) -> None:
    p.save()
    p.setPen(_pen(INK, r * 0.06))
    p.setBrush(qc(WHITE, 230))
    p.drawEllipse(QPointF(cx, cy), r, r)
    p.setBrush(qc(BLUE))
    p.setPen(Qt.PenStyle.NoPen)
    for dx in (-0.3, 0.3):
        p.drawRoundedRect(QRectF(cx + dx * r - r * 0.13, cy - r * 0.45, r * 0.26, r * 0.9), r * 0.08, r * 0.08)
    p.restore()
