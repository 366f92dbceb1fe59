"""Child-screen games of the executive-function and calm-down exercises: pictures only, no text.

``memory``   copy the animals: each animal is a figure in the pose to copy (its colour and a small emblem
             name the animal); "your turn" is a green play sign with one dot per animal (filled as the
             child makes them, a ring for the pose being held); a star for a sequence copied right, a
             round arrow ("again") otherwise.
``stopgo``   go: a figure jumping with an up arrow; no-go: a curled-up sleeping figure under a moon;
             opposites: a figure with the cued body part circled; at each block's start the rule (the
             cue picture, an arrow, what to do). Feedback: a smile ring (right) or a neutral ring (wrong).
``breathe``  a balloon that grows and shrinks with the pacer; "too much movement": a wobbling figure
             (never a number).

Each painter reports the first paint of a cue to :data:`exercises.cues.BOARD` (the session clock of a
live session is ``time.perf_counter_ns``), so reaction times run from what the child could see.
"""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen

from exercises.cues import BOARD
from station.ui.games import register_game, register_pictogram
from station.ui.palette import BLUE, GREEN, INK, ORANGE, PURPLE, SKY, VERMILLION, WHITE, YELLOW, qc
from vision.poses import ANIMALS, animal_pose

ANIMAL_COLOURS = {"bird": SKY, "frog": GREEN, "flamingo": PURPLE, "giraffe": YELLOW, "star": ORANGE}
LIMBS = ((11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24), (23, 25), (25, 27), (24, 26), (26, 28))
PARTS = ("head", "shoulders", "knees", "toes")


def _pen(colour: str, width: float, alpha: int = 255) -> QPen:
    p = QPen(qc(colour, alpha), width)
    p.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return p


def report_paint(s: Any) -> None:
    """Tell the exercise its cue is on the screen now (first paint only; the board keeps the first)."""
    key = s.live.get("cue_key", 0.0)
    if key and math.isfinite(key) and s.phase == "play":
        BOARD.painted(int(key), time.perf_counter_ns())


def _figure_points(pts: Any, rect: QRectF, mirror: bool = True) -> list[QPointF]:
    """Fit a 33-landmark figure (normalised, 640x480 frame) into ``rect`` (mirrored like the camera view)."""
    xs = pts[:, 0] * 640.0
    ys = pts[:, 1] * 480.0
    x0, x1 = float(xs.min()), float(xs.max())
    y0, y1 = float(ys.min()) - 40.0, float(ys.max())
    sc = min(rect.width() / max(1.0, x1 - x0), rect.height() / max(1.0, y1 - y0)) * 0.9
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    out = []
    for x, y in zip(xs, ys, strict=True):
        dx = (x - cx) * sc
        out.append(QPointF(rect.center().x() + (-dx if mirror else dx), rect.center().y() + (y - cy) * sc))
    return out


def draw_pose_figure(p: QPainter, rect: QRectF, pts: Any, colour: str, highlight: str | None = None) -> None:
    q = _figure_points(pts, rect)
    w = max(3.0, rect.height() * 0.05)
    p.save()
    p.setPen(_pen(colour, w))
    for a, b in LIMBS:
        p.drawLine(q[a], q[b])
    head_r = max(6.0, math.hypot(q[11].x() - q[12].x(), q[11].y() - q[12].y()) * 0.42)
    head = QPointF(q[0].x(), q[0].y() - head_r * 0.2)
    p.setPen(_pen(INK, max(2.0, w * 0.4)))
    p.setBrush(qc(colour))
    p.drawEllipse(head, head_r, head_r)
    if highlight is not None:
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(_pen(VERMILLION, max(3.0, w * 0.6)))
        spots = {"head": [head], "shoulders": [q[11], q[12]], "knees": [q[25], q[26]], "toes": [q[27], q[28]]}[highlight]
        for c in spots:
            p.drawEllipse(c, head_r * 1.25, head_r * 1.25)
    p.restore()


def draw_emblem(p: QPainter, name: str, cx: float, cy: float, r: float) -> None:
    """A small sign of the animal beside its figure (beak, frog eyes, pink leg, spots, star)."""
    p.save()
    p.setPen(_pen(INK, max(1.5, r * 0.1)))
    c = ANIMAL_COLOURS.get(name, WHITE)
    p.setBrush(qc(c))
    if name == "bird":
        p.drawEllipse(QPointF(cx, cy), r * 0.6, r * 0.5)
        p.setBrush(qc(ORANGE))
        p.drawPolygon([QPointF(cx + r * 0.55, cy - r * 0.1), QPointF(cx + r * 1.0, cy), QPointF(cx + r * 0.55, cy + r * 0.12)])
    elif name == "frog":
        p.drawEllipse(QPointF(cx, cy + r * 0.1), r * 0.8, r * 0.55)
        for dx in (-0.4, 0.4):
            p.setBrush(qc(WHITE))
            p.drawEllipse(QPointF(cx + dx * r, cy - r * 0.35), r * 0.25, r * 0.25)
    elif name == "flamingo":
        p.drawEllipse(QPointF(cx, cy - r * 0.2), r * 0.6, r * 0.4)
        p.drawLine(QPointF(cx, cy + r * 0.2), QPointF(cx, cy + r * 0.9))
    elif name == "giraffe":
        p.drawRect(QRectF(cx - r * 0.2, cy - r * 0.9, r * 0.4, r * 1.6))
        p.setBrush(qc("#8B5A2B"))
        for dy in (-0.5, 0.0, 0.4):
            p.drawEllipse(QPointF(cx, cy + dy * r), r * 0.1, r * 0.12)
    elif name == "star":
        from station.ui.pictograms import star_path

        p.drawPath(star_path(cx, cy, r))
    p.restore()


def draw_animal(p: QPainter, rect: QRectF, name: str) -> None:
    """The card of one animal: the pose figure in the animal's colour and its emblem in the corner."""
    p.save()
    p.setPen(_pen(INK, max(2.0, rect.height() * 0.012)))
    p.setBrush(qc(WHITE, 235))
    p.drawRoundedRect(rect, rect.width() * 0.08, rect.width() * 0.08)
    p.restore()
    draw_pose_figure(p, rect.adjusted(rect.width() * 0.1, rect.height() * 0.12, -rect.width() * 0.1, -rect.height() * 0.05),
                     animal_pose(name), ANIMAL_COLOURS[name])
    r = rect.height() * 0.09
    draw_emblem(p, name, rect.left() + r * 1.6, rect.top() + r * 1.5, r)


def _dots(p: QPainter, cx: float, cy: float, n: int, filled: int, r: float, holding: float = 0.0, current: int = -1) -> None:
    gap = r * 2.8
    x0 = cx - gap * (n - 1) / 2
    for k in range(n):
        c = QPointF(x0 + k * gap, cy)
        p.setPen(_pen(INK, max(2.0, r * 0.15)))
        p.setBrush(qc(GREEN) if k < filled else qc(WHITE, 220))
        p.drawEllipse(c, r * (1.25 if k == current else 1.0), r * (1.25 if k == current else 1.0))
        if k == filled and holding > 0:
            p.setPen(_pen(GREEN, r * 0.35))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawArc(QRectF(c.x() - r * 1.5, c.y() - r * 1.5, r * 3, r * 3), 90 * 16, -int(360 * 16 * holding))


def _play_sign(p: QPainter, cx: float, cy: float, r: float) -> None:
    p.save()
    p.setPen(_pen(INK, max(3.0, r * 0.08)))
    p.setBrush(qc(GREEN))
    p.drawEllipse(QPointF(cx, cy), r, r)
    p.setBrush(qc(WHITE))
    p.drawPolygon([QPointF(cx - r * 0.3, cy - r * 0.45), QPointF(cx - r * 0.3, cy + r * 0.45), QPointF(cx + r * 0.5, cy)])
    p.restore()


def _again_sign(p: QPainter, cx: float, cy: float, r: float) -> None:
    p.save()
    p.setPen(_pen(ORANGE, r * 0.22))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(cx - r, cy - r, 2 * r, 2 * r), 60 * 16, 280 * 16)
    a = math.radians(60)
    tip = QPointF(cx + r * math.cos(a), cy - r * math.sin(a))
    p.setBrush(qc(ORANGE))
    p.setPen(_pen(ORANGE, r * 0.05))
    p.drawPolygon([tip + QPointF(-r * 0.35, -r * 0.15), tip + QPointF(r * 0.3, -r * 0.3), tip + QPointF(r * 0.1, r * 0.35)])
    p.restore()


def _feedback_ring(p: QPainter, cx: float, cy: float, r: float, good: bool) -> None:
    from station.ui.pictograms import draw_face

    p.save()
    p.setPen(_pen(GREEN if good else ORANGE, r * 0.12) if good else QPen(qc(ORANGE), r * 0.12, Qt.PenStyle.DashLine))
    p.setBrush(qc(YELLOW if good else WHITE, 235))
    p.drawEllipse(QPointF(cx, cy), r, r)
    p.restore()
    draw_face(p, cx, cy, r * 0.8, good)


def _panel(area: QRectF, frac: float = 0.62) -> QRectF:
    side = min(area.width(), area.height()) * frac
    return QRectF(area.center().x() - side * 0.5, area.center().y() - side * 0.55, side, side)


@register_game("memory")
def paint_memory(view: Any, p: QPainter, area: QRectF, s: Any) -> None:
    live = s.live
    phase = int(live.get("phase", -1))
    n = int(live.get("length", 0))
    card = _panel(area)
    if phase == 0:
        k = int(live.get("animal", -1))
        if 0 <= k < len(ANIMALS):
            draw_animal(p, card, ANIMALS[k])
            report_paint(s)
        _dots(p, card.center().x(), card.top() - card.height() * 0.09, n, 0, card.height() * 0.045,
              current=int(live.get("position", 0)) - 1)
    elif phase == 1:
        r = card.height() * 0.28
        _play_sign(p, card.center().x(), card.center().y() - r * 0.2, r)
        report_paint(s)
        _dots(p, card.center().x(), card.top() - card.height() * 0.09, n, int(live.get("done", 0)), card.height() * 0.05,
              holding=float(live.get("holding", 0.0)))
    elif phase == 2:
        from station.ui.pictograms import draw_star

        draw_star(p, card.center().x(), card.center().y(), card.height() * 0.35)
    elif phase == 3:
        _again_sign(p, card.center().x(), card.center().y(), card.height() * 0.3)


def _sleeping(p: QPainter, rect: QRectF) -> None:
    """A curled-up sleeping figure under a moon, with zig-zag snores (no letters)."""
    cx, cy, r = rect.center().x(), rect.center().y() + rect.height() * 0.12, rect.height() * 0.22
    p.save()
    p.setPen(_pen(INK, max(2.0, r * 0.06)))
    p.setBrush(qc(BLUE))
    p.drawEllipse(QPointF(cx, cy), r * 1.3, r * 0.8)
    p.setBrush(qc(YELLOW))
    p.drawEllipse(QPointF(cx - r * 1.1, cy - r * 0.4), r * 0.5, r * 0.5)
    p.setPen(_pen(INK, max(2.0, r * 0.07)))
    for dx in (-0.3, 0.0):  # closed eyes
        p.drawArc(QRectF(cx - r * 1.1 + dx * r - r * 0.12, cy - r * 0.5, r * 0.24, r * 0.16), 180 * 16, 180 * 16)
    moon = QPainterPath()
    mx, my, mr = rect.right() - r * 0.9, rect.top() + r * 0.9, r * 0.55
    moon.addEllipse(QPointF(mx, my), mr, mr)
    cut = QPainterPath()
    cut.addEllipse(QPointF(mx + mr * 0.45, my - mr * 0.2), mr * 0.85, mr * 0.85)
    p.setBrush(qc(YELLOW))
    p.setPen(_pen(INK, max(2.0, r * 0.05)))
    p.drawPath(moon.subtracted(cut))
    p.setPen(_pen(SKY, max(2.0, r * 0.08)))
    for k, s in enumerate((0.18, 0.26)):
        x, y = cx + r * (0.2 + 0.6 * k), cy - r * (1.1 + 0.55 * k)
        z = s * r
        p.drawPolyline([QPointF(x - z, y - z), QPointF(x + z, y - z), QPointF(x - z, y + z), QPointF(x + z, y + z)])
    p.restore()


def _jumping(p: QPainter, rect: QRectF) -> None:
    pts = animal_pose("neutral")
    pts = pts.copy()
    pts[:, 1] -= 0.08
    body = QRectF(rect.left(), rect.top() + rect.height() * 0.1, rect.width() * 0.7, rect.height() * 0.85)
    draw_pose_figure(p, body, pts, GREEN)
    x = rect.left() + rect.width() * 0.85
    r = rect.height() * 0.12
    p.save()
    p.setPen(_pen(GREEN, r * 0.35))
    p.drawLine(QPointF(x, rect.bottom() - r), QPointF(x, rect.top() + r))
    p.drawLine(QPointF(x, rect.top() + r), QPointF(x - r * 0.7, rect.top() + r * 1.7))
    p.drawLine(QPointF(x, rect.top() + r), QPointF(x + r * 0.7, rect.top() + r * 1.7))
    p.restore()


def _part_card(p: QPainter, rect: QRectF, part: str, colour: str = PURPLE) -> None:
    p.save()
    p.setPen(_pen(INK, max(2.0, rect.height() * 0.012)))
    p.setBrush(qc(WHITE, 235))
    p.drawRoundedRect(rect, rect.width() * 0.08, rect.width() * 0.08)
    p.restore()
    draw_pose_figure(p, rect.adjusted(rect.width() * 0.1, rect.height() * 0.1, -rect.width() * 0.1, -rect.height() * 0.05),
                     animal_pose("neutral"), colour, highlight=part)


def _arrow(p: QPainter, a: QPointF, b: QPointF, w: float, colour: str = INK) -> None:
    p.save()
    p.setPen(_pen(colour, w))
    p.drawLine(a, b)
    ang = math.atan2(b.y() - a.y(), b.x() - a.x())
    for s in (-1, 1):
        p.drawLine(b, QPointF(b.x() - w * 3 * math.cos(ang + s * 0.5), b.y() - w * 3 * math.sin(ang + s * 0.5)))
    p.restore()


RULES = {"htks1": (("head", "toes"),), "htks2": (("head", "toes"), ("knees", "shoulders")),
         "htks3": (("head", "knees"), ("shoulders", "toes"))}
BLOCK_NAMES = ("gonogo", "htks1", "htks2", "htks3")


@register_game("stopgo")
def paint_stopgo(view: Any, p: QPainter, area: QRectF, s: Any) -> None:
    live = s.live
    phase = int(live.get("phase", -1))
    block_i = int(live.get("block", -1))
    block = BLOCK_NAMES[block_i] if 0 <= block_i < len(BLOCK_NAMES) else ""
    card = _panel(area)
    if phase == 0 and block:  # the rule picture
        report_paint(s)
        h = card.height() * 0.45
        if block == "gonogo":
            rows = [("go", "jump"), ("nogo", "still")]
        else:
            rows = [pair for pair in RULES[block]]
        y = card.top()
        for cue, answer in rows:
            left = QRectF(area.center().x() - h * 1.35, y, h, h)
            right = QRectF(area.center().x() + h * 0.35, y, h, h)
            if cue == "go":
                _jumping(p, left)
                _jumping(p, right)
            elif cue == "nogo":
                _sleeping(p, left)
                draw_pose_figure(p, right, animal_pose("neutral"), BLUE)
            else:
                _part_card(p, left, cue)
                _part_card(p, right, answer, GREEN)
            _arrow(p, QPointF(left.right() + h * 0.1, y + h / 2), QPointF(right.left() - h * 0.1, y + h / 2), max(3.0, h * 0.04))
            y += h * 1.15
        return
    if phase == 1:
        cue_no = int(live.get("cue", -1))
        if cue_no == 1:
            _jumping(p, card)
        elif cue_no == 0:
            _sleeping(p, card)
        elif cue_no >= 2:
            _part_card(p, card, PARTS[cue_no - 2])
        report_paint(s)
    fb = live.get("feedback", 0.0)
    if fb:
        r = card.height() * 0.12
        _feedback_ring(p, area.right() - r * 1.6, area.top() + r * 1.6, r, fb > 0)


@register_game("breathe")
def paint_breathe(view: Any, p: QPainter, area: QRectF, s: Any) -> None:
    live = s.live
    size = float(live.get("pacer", 0.0))
    if not math.isfinite(size):
        size = 0.0
    cx, cy = area.center().x(), area.center().y() - area.height() * 0.05
    r = area.height() * (0.12 + 0.22 * size)
    p.save()
    p.setPen(_pen(INK, max(2.0, area.height() * 0.006)))
    p.drawLine(QPointF(cx, cy + r), QPointF(cx - r * 0.1, area.bottom() - area.height() * 0.03))
    p.setBrush(qc(SKY, 235))
    p.drawEllipse(QPointF(cx, cy), r * 0.9, r)
    p.setBrush(qc(WHITE, 150))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QPointF(cx - r * 0.35, cy - r * 0.4), r * 0.15, r * 0.22)
    p.restore()
    from station.ui.pictograms import draw_face

    draw_face(p, cx, cy, r * 0.5, True)
    if live.get("too_much_movement", 0.0) > 0.5:  # shown, never a number: a wobbling figure with motion lines
        w = area.height() * 0.22
        box = QRectF(area.left() + w * 0.1, area.top() + w * 0.1, w * 0.8, w)
        wob = math.sin(getattr(view, "_t", 0.0) * 12) * 0.03
        pts = animal_pose("neutral").copy()
        pts[:, 0] += wob
        draw_pose_figure(p, box, pts, ORANGE)
        p.save()
        p.setPen(_pen(ORANGE, max(2.0, w * 0.04)))
        for k in range(3):
            y = box.top() + box.height() * (0.3 + 0.15 * k)
            p.drawLine(QPointF(box.right() + w * 0.05, y), QPointF(box.right() + w * 0.25, y))
        p.restore()


# -- schedule pictures ------------------------------------------------------------------------------
@register_pictogram("animals")
def pict_animals(p: QPainter, rect: QRectF) -> None:
    draw_pose_figure(p, rect.adjusted(rect.width() * 0.05, rect.height() * 0.05, -rect.width() * 0.05, -rect.height() * 0.05),
                     animal_pose("bird"), SKY)
    draw_emblem(p, "bird", rect.right() - rect.width() * 0.2, rect.top() + rect.height() * 0.2, rect.height() * 0.12)


@register_pictogram("stopgo")
def pict_stopgo(p: QPainter, rect: QRectF) -> None:
    half = QRectF(rect.left(), rect.top(), rect.width() * 0.55, rect.height())
    _jumping(p, half)
    _sleeping(p, QRectF(rect.left() + rect.width() * 0.45, rect.top() + rect.height() * 0.3, rect.width() * 0.55, rect.height() * 0.7))


@register_pictogram("breathe")
def pict_breathe(p: QPainter, rect: QRectF) -> None:
    from station.ui.pictograms import draw_balloon

    draw_balloon(p, rect.center().x(), rect.center().y() - rect.height() * 0.1, rect.height() * 0.3, SKY, True)


