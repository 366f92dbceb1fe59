"""Daily-living games: tooth brushing, spoon to mouth, the picture routine, sitting tall at the desk.

Each painter draws over the child's (mirrored) camera picture what the exercise's live values say; no
text: a mouth with four zones and a timer ring, a spoon that tips, the routine's step card with a
thumbs-up ring, a little desk figure that sits tall. Pictures for the schedule (``toothbrush``, ``spoon``,
``schedule``, ``desk``) and the routine's step set (``step_<name>``, :data:`exercises.routine.STEPS`)
register themselves here.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen

from station.ui.games import register_game, register_pictogram
from station.ui.palette import BLUE, GREEN, INK, ORANGE, PURPLE, SKY, VERMILLION, WHITE, YELLOW, qc
from station.ui.pictograms import draw_face, draw_hourglass, draw_star


def _pen(colour: str, width: float, alpha: int = 255) -> QPen:
    pen = QPen(qc(colour, alpha), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _f(live: dict[str, float], key: str, default: float = math.nan) -> float:
    v = live.get(key, default)
    return float(v) if isinstance(v, int | float) else default


def _timer_ring(p: QPainter, c: QPointF, r: float, frac_left: float) -> None:
    """A ring that empties as time runs out (green, then orange in the last fifth)."""
    p.setPen(_pen(WHITE, r * 0.3, 200))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(c, r, r)
    p.setPen(_pen(GREEN if frac_left > 0.2 else ORANGE, r * 0.3))
    p.drawArc(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), 90 * 16, int(360 * 16 * max(0.0, min(1.0, frac_left))))


# -- pictures -----------------------------------------------------------------------------------
def draw_toothbrush(p: QPainter, rect: QRectF, angle: float = -30.0) -> None:
    s = min(rect.width(), rect.height())
    p.save()
    p.translate(rect.center())
    p.rotate(angle)
    p.setPen(_pen(INK, s * 0.03))
    p.setBrush(qc(SKY))
    p.drawRoundedRect(QRectF(-s * 0.42, -s * 0.06, s * 0.62, s * 0.12), s * 0.05, s * 0.05)
    p.setBrush(qc(WHITE))
    p.drawRect(QRectF(s * 0.18, -s * 0.2, s * 0.24, s * 0.14))
    p.setPen(_pen(SKY, s * 0.02))
    for k in range(5):
        x = s * (0.21 + 0.045 * k)
        p.drawLine(QPointF(x, -s * 0.19), QPointF(x, -s * 0.08))
    p.restore()


@register_pictogram("toothbrush")
def _pic_toothbrush(p: QPainter, rect: QRectF) -> None:
    draw_toothbrush(p, rect)


def draw_spoon(p: QPainter, rect: QRectF, tilt: float = 0.0, full: bool = True) -> None:
    s = min(rect.width(), rect.height())
    p.save()
    p.translate(rect.center())
    p.rotate(tilt)
    p.setPen(_pen(INK, s * 0.03))
    p.setBrush(qc("#C9D3DA"))
    p.drawRoundedRect(QRectF(-s * 0.45, -s * 0.045, s * 0.5, s * 0.09), s * 0.04, s * 0.04)
    p.drawEllipse(QPointF(s * 0.2, 0), s * 0.2, s * 0.13)
    if full:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qc(ORANGE))
        p.drawEllipse(QPointF(s * 0.2, -s * 0.02), s * 0.14, s * 0.07)
    p.restore()


@register_pictogram("spoon")
def _pic_spoon(p: QPainter, rect: QRectF) -> None:
    draw_spoon(p, rect, -20.0)


@register_pictogram("schedule")
def _pic_schedule(p: QPainter, rect: QRectF) -> None:
    s = min(rect.width(), rect.height())
    for k in range(3):
        r = QRectF(rect.center().x() - s * 0.35, rect.top() + s * (0.08 + 0.3 * k), s * 0.7, s * 0.24)
        p.setPen(_pen(INK, s * 0.025))
        p.setBrush(qc(WHITE))
        p.drawRoundedRect(r, s * 0.05, s * 0.05)
        if k < 2:
            p.setPen(_pen(GREEN, s * 0.05))
            p.drawLine(QPointF(r.left() + s * 0.08, r.center().y()), QPointF(r.left() + s * 0.14, r.center().y() + s * 0.06))
            p.drawLine(QPointF(r.left() + s * 0.14, r.center().y() + s * 0.06), QPointF(r.left() + s * 0.26, r.center().y() - s * 0.07))
        p.setPen(_pen(SKY, s * 0.04))
        p.drawLine(QPointF(r.left() + s * 0.34, r.center().y()), QPointF(r.right() - s * 0.06, r.center().y()))


def draw_desk_child(p: QPainter, rect: QRectF, lean: float = 0.0, colour: str = PURPLE) -> None:
    """A child on a chair at a desk; ``lean`` 0 (tall) .. 1 (slumped over the desk)."""
    s = min(rect.width(), rect.height())
    cx, base = rect.center().x(), rect.bottom() - s * 0.08
    p.setPen(_pen(INK, s * 0.03))
    p.setBrush(qc(ORANGE, 220))
    p.drawRect(QRectF(cx + s * 0.05, base - s * 0.38, s * 0.4, s * 0.05))  # desk top
    p.drawLine(QPointF(cx + s * 0.4, base - s * 0.33), QPointF(cx + s * 0.4, base))
    p.setPen(_pen(BLUE, s * 0.03))
    p.drawLine(QPointF(cx - s * 0.3, base - s * 0.25), QPointF(cx - s * 0.05, base - s * 0.25))  # chair seat
    p.drawLine(QPointF(cx - s * 0.3, base - s * 0.25), QPointF(cx - s * 0.3, base))
    p.drawLine(QPointF(cx - s * 0.3, base - s * 0.25), QPointF(cx - s * 0.32, base - s * 0.55))
    hip = QPointF(cx - s * 0.2, base - s * 0.3)
    a = math.radians(10 + 55 * max(0.0, min(1.0, lean)))
    sh = QPointF(hip.x() + math.sin(a) * s * 0.3, hip.y() - math.cos(a) * s * 0.3)
    head = QPointF(sh.x() + math.sin(a * 1.2) * s * 0.12, sh.y() - math.cos(a * 1.2) * s * 0.12)
    p.setPen(_pen(colour, s * 0.07))
    p.drawLine(hip, sh)
    p.drawLine(hip, QPointF(cx + s * 0.02, base - s * 0.28))
    p.drawLine(QPointF(cx + s * 0.02, base - s * 0.28), QPointF(cx + s * 0.02, base))
    p.drawLine(sh, QPointF(cx + s * 0.12, base - s * 0.4))
    p.setPen(_pen(INK, s * 0.02))
    p.setBrush(qc(YELLOW))
    p.drawEllipse(head, s * 0.09, s * 0.09)
    draw_face(p, head.x(), head.y(), s * 0.07, lean < 0.5)


@register_pictogram("desk")
def _pic_desk(p: QPainter, rect: QRectF) -> None:
    draw_desk_child(p, rect, 0.0)


# the routine's step pictures
def _step_picture(name: str) -> Any:
    def paint(p: QPainter, rect: QRectF) -> None:
        s = min(rect.width(), rect.height())
        c = rect.center()
        p.setPen(_pen(INK, s * 0.03))
        if name == "wash_hands":
            p.setBrush(qc(SKY, 200))
            p.drawRoundedRect(QRectF(c.x() - s * 0.4, c.y() + s * 0.15, s * 0.8, s * 0.2), s * 0.05, s * 0.05)  # basin
            p.setBrush(qc(YELLOW))
            p.drawEllipse(QPointF(c.x() - s * 0.1, c.y()), s * 0.13, s * 0.18)
            p.drawEllipse(QPointF(c.x() + s * 0.1, c.y()), s * 0.13, s * 0.18)
            p.setBrush(qc(BLUE))
            for k in range(3):
                p.drawEllipse(QPointF(c.x() - s * 0.1 + s * 0.1 * k, c.y() - s * 0.3 + s * 0.05 * (k % 2)), s * 0.03, s * 0.045)
        elif name == "brush_teeth":
            draw_toothbrush(p, rect)
        elif name == "toilet":
            p.setBrush(qc(WHITE))
            p.drawRect(QRectF(c.x() + s * 0.05, c.y() - s * 0.35, s * 0.2, s * 0.3))
            p.drawEllipse(QPointF(c.x(), c.y()), s * 0.3, s * 0.1)
            p.drawRect(QRectF(c.x() - s * 0.15, c.y() + s * 0.05, s * 0.3, s * 0.3))
        elif name in ("get_dressed", "coat"):
            shirt = QPainterPath()
            L = 0.45 if name == "coat" else 0.3
            shirt.moveTo(c.x() - s * 0.15, c.y() - s * 0.3)
            shirt.lineTo(c.x() - s * 0.4, c.y() - s * 0.1)
            shirt.lineTo(c.x() - s * 0.3, c.y() + s * 0.02)
            shirt.lineTo(c.x() - s * 0.2, c.y() - s * 0.05)
            shirt.lineTo(c.x() - s * 0.2, c.y() + s * L)
            shirt.lineTo(c.x() + s * 0.2, c.y() + s * L)
            shirt.lineTo(c.x() + s * 0.2, c.y() - s * 0.05)
            shirt.lineTo(c.x() + s * 0.3, c.y() + s * 0.02)
            shirt.lineTo(c.x() + s * 0.4, c.y() - s * 0.1)
            shirt.lineTo(c.x() + s * 0.15, c.y() - s * 0.3)
            shirt.closeSubpath()
            p.setBrush(qc(VERMILLION if name == "coat" else GREEN))
            p.drawPath(shirt)
            if name == "coat":
                p.setBrush(qc(YELLOW))
                for k in range(3):
                    p.drawEllipse(QPointF(c.x(), c.y() + s * 0.08 * k), s * 0.03, s * 0.03)
        elif name in ("socks", "shoes"):
            p.setBrush(qc(PURPLE if name == "socks" else BLUE))
            foot = QPainterPath()
            foot.moveTo(c.x() - s * 0.15, c.y() - (s * 0.35 if name == "socks" else s * 0.1))
            foot.lineTo(c.x() + s * 0.05, c.y() - (s * 0.35 if name == "socks" else s * 0.1))
            foot.lineTo(c.x() + s * 0.05, c.y() + s * 0.05)
            foot.lineTo(c.x() + s * 0.35, c.y() + s * 0.1)
            foot.lineTo(c.x() + s * 0.35, c.y() + s * 0.25)
            foot.lineTo(c.x() - s * 0.15, c.y() + s * 0.25)
            foot.closeSubpath()
            p.drawPath(foot)
        elif name == "pack_bag":
            p.setBrush(qc(ORANGE))
            p.drawRoundedRect(QRectF(c.x() - s * 0.28, c.y() - s * 0.25, s * 0.56, s * 0.6), s * 0.1, s * 0.1)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawArc(QRectF(c.x() - s * 0.15, c.y() - s * 0.4, s * 0.3, s * 0.3), 0, 180 * 16)
            p.setBrush(qc(YELLOW))
            p.drawRoundedRect(QRectF(c.x() - s * 0.18, c.y() + s * 0.05, s * 0.36, s * 0.18), s * 0.04, s * 0.04)
        elif name == "eat":
            p.setBrush(qc(WHITE))
            p.drawEllipse(c, s * 0.3, s * 0.3)
            p.setBrush(qc(GREEN, 160))
            p.drawEllipse(c, s * 0.15, s * 0.15)
            draw_spoon(p, QRectF(c.x() + s * 0.15, c.y() - s * 0.3, s * 0.5, s * 0.5), -80.0, full=False)
        elif name == "comb_hair":
            p.setBrush(qc(PURPLE))
            p.drawRect(QRectF(c.x() - s * 0.35, c.y() - s * 0.12, s * 0.7, s * 0.1))
            for k in range(9):
                x = c.x() - s * 0.32 + k * s * 0.08
                p.drawLine(QPointF(x, c.y() - s * 0.02), QPointF(x, c.y() + s * 0.18))
    return paint


def _register_steps() -> None:
    from exercises.routine import STEPS

    for n in STEPS:
        register_pictogram(f"step_{n}")(_step_picture(n))


_register_steps()


def _mouth_zones(p: QPainter, c: QPointF, r: float, zone: int, done_upto: int, brushing: bool, t: float) -> None:
    """A big smiling mouth split into four zones (the child's upper right .. lower right, as in a mirror)."""
    p.setPen(_pen(INK, r * 0.06))
    p.setBrush(qc(VERMILLION, 230))
    p.drawEllipse(c, r * 1.3, r * 0.9)
    # the child's right is on the screen's right in a mirror picture
    quads = {0: (0, -1), 1: (-1, -1), 2: (-1, 1), 3: (0, 1)}  # zone -> (x side, y side)
    for k, (xs, ys) in quads.items():
        rr = QRectF(c.x() - r if xs < 0 else c.x(), c.y() - r * 0.6 if ys < 0 else c.y(), r, r * 0.6)
        now = k == zone
        p.setPen(_pen(ORANGE if now else INK, r * (0.1 if now else 0.04)))
        p.setBrush(qc(WHITE, 255 if now else 200))
        p.drawRoundedRect(rr.adjusted(r * 0.05, r * 0.05, -r * 0.05, -r * 0.05), r * 0.12, r * 0.12)
        if k < done_upto:
            draw_star(p, rr.center().x(), rr.center().y(), r * 0.2)
        if now and brushing:
            for j in range(4):
                a = t * 5 + j * math.pi / 2
                draw_star(p, rr.center().x() + math.cos(a) * r * 0.3, rr.center().y() + math.sin(a) * r * 0.18, r * 0.08)


@register_game("brush")
def paint_brush(view: Any, p: QPainter, area: QRectF, s: Any) -> None:
    live = s.live
    zone = int(_f(live, "zone", 0.0) if math.isfinite(_f(live, "zone", 0.0)) else 0)
    r = area.height() * 0.16
    c = QPointF(area.left() + r * 1.6, area.top() + r * 1.3)
    _mouth_zones(p, c, r, zone, zone, _f(live, "brushing", 0.0) > 0.5, view._t)
    dur = float(s.settings.get("duration_s", 120.0) or 120.0)
    left = _f(live, "time_left_s", dur)
    rc = area.height() * 0.09
    _timer_ring(p, QPointF(area.right() - rc * 1.6, area.top() + rc * 1.6), rc, (left if math.isfinite(left) else dur) / dur)
    for h in s.hands[:1]:
        lm = h.landmarks
        q = view._map(area, float(lm[[0, 5, 9, 13, 17], 0].mean()), float(lm[[0, 5, 9, 13, 17], 1].mean()))
        sz = area.height() * 0.22
        wob = 12.0 * math.sin(view._t * 18) if _f(live, "brushing", 0.0) > 0.5 else 0.0
        draw_toothbrush(p, QRectF(q.x() - sz / 2, q.y() - sz / 2, sz, sz), -30.0 + wob)


@register_game("spoon")
def paint_spoon(view: Any, p: QPainter, area: QRectF, s: Any) -> None:
    live = s.live
    tilt = _f(live, "last_tilt_deg", 0.0)
    risky = math.isfinite(tilt) and tilt > float(s.settings.get("tilt_max", 30.0) or 30.0)
    for pose in s.poses[:1]:
        lm = pose.landmarks
        m = view._map(area, float((lm[9, 0] + lm[10, 0]) / 2), float((lm[9, 1] + lm[10, 1]) / 2))
        r = area.height() * 0.07
        p.setPen(_pen(GREEN if _f(live, "at_mouth", 0.0) > 0.5 else WHITE, r * 0.18, 220))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(m, r, r)
    for h in s.hands[:1]:
        lm = h.landmarks
        q = view._map(area, float(lm[[4, 8], 0].mean()), float(lm[[4, 8], 1].mean()))
        sz = area.height() * 0.2
        draw_spoon(p, QRectF(q.x() - sz / 2, q.y() - sz / 2, sz, sz), -tilt if risky else 0.0, full=not risky)
    if risky:  # a gentle 'keep it level' picture: a level spoon beside a tipped one
        r = area.height() * 0.12
        box = QRectF(area.right() - r * 2.4, area.top() + r * 0.3, r * 2.1, r * 1.2)
        p.setPen(_pen(ORANGE, 5))
        p.setBrush(qc(WHITE, 220))
        p.drawRoundedRect(box, 14, 14)
        draw_spoon(p, box.adjusted(8, 8, -8, -8), 0.0, full=True)


@register_game("routine")
def paint_routine(view: Any, p: QPainter, area: QRectF, s: Any) -> None:
    from station.ui.pictograms import draw_pictogram

    live = s.live
    steps = list(s.settings.get("steps") or ())
    if not steps:
        return
    k = int(_f(live, "step", 0.0)) if math.isfinite(_f(live, "step", 0.0)) else 0
    h = area.height()
    card = QRectF(area.center().x() - h * 0.28, area.top() + h * 0.08, h * 0.56, h * 0.56)
    prompted = _f(live, "prompts", 0.0) > 0
    pulse = 1.0 + (0.05 * math.sin(view._t * 6) if prompted else 0.0)
    c = card.center()
    card = QRectF(c.x() - card.width() * pulse / 2, c.y() - card.height() * pulse / 2, card.width() * pulse, card.height() * pulse)
    if k < len(steps):
        p.setPen(_pen(ORANGE, 10 if prompted else 6))
        p.setBrush(qc(WHITE, 240))
        p.drawRoundedRect(card, 30, 30)
        draw_pictogram(p, card.adjusted(30, 30, -30, -30), f"step_{steps[k]}")  # type: ignore[arg-type]
    # the steps as a row of small cards: done ones with a star
    n = len(steps)
    w = min(h * 0.16, area.width() * 0.8 / max(1, n))
    x0 = area.center().x() - n * w * 0.55
    for j, name in enumerate(steps):
        r = QRectF(x0 + j * w * 1.1, area.bottom() - w * 1.15, w, w)
        p.setPen(_pen(ORANGE if j == k else INK, 5 if j == k else 2, 255 if j >= k else 120))
        p.setBrush(qc(WHITE, 230 if j >= k else 140))
        p.drawRoundedRect(r, 10, 10)
        draw_pictogram(p, r.adjusted(8, 8, -8, -8), f"step_{name}")  # type: ignore[arg-type]
        if j < k:
            draw_star(p, r.right() - w * 0.15, r.top() + w * 0.15, w * 0.16)
    # the thumbs-up ring fills while the child holds the thumbs-up
    hold = _f(live, "hold", 0.0)
    rc = h * 0.08
    cc = QPointF(card.right() + rc * 1.8, card.center().y())
    p.setPen(_pen(WHITE, rc * 0.25, 200))
    p.setBrush(qc(WHITE, 160))
    p.drawEllipse(cc, rc, rc)
    if math.isfinite(hold) and hold > 0:
        p.setPen(_pen(GREEN, rc * 0.25))
        p.drawArc(QRectF(cc.x() - rc, cc.y() - rc, 2 * rc, 2 * rc), 90 * 16, -int(360 * 16 * min(1.0, hold)))
    p.setPen(_pen(INK, rc * 0.08))
    p.setBrush(qc(YELLOW))
    p.drawRoundedRect(QRectF(cc.x() - rc * 0.35, cc.y() - rc * 0.1, rc * 0.7, rc * 0.55), rc * 0.15, rc * 0.15)  # fist
    p.drawRoundedRect(QRectF(cc.x() - rc * 0.32, cc.y() - rc * 0.65, rc * 0.22, rc * 0.6), rc * 0.1, rc * 0.1)  # thumb


@register_game("posture")
def paint_posture(view: Any, p: QPainter, area: QRectF, s: Any) -> None:
    live = s.live
    h = area.height()
    box = QRectF(area.right() - h * 0.42, area.top() + h * 0.04, h * 0.38, h * 0.38)
    p.setPen(_pen(INK, 3))
    p.setBrush(qc(WHITE, 210))
    p.drawRoundedRect(box, 20, 20)
    if _f(live, "calibrating", 0.0) > 0.5:  # sit tall while the station learns the child's upright posture
        draw_desk_child(p, box.adjusted(10, 10, -10, -10), 0.0, GREEN)
        draw_hourglass(p, box.left() - h * 0.08, box.center().y(), h * 0.08, s.elapsed_s / max(1e-6, float(s.settings.get("calib_s", 3.0))))
        return
    trunk, head = _f(live, "trunk_deg"), _f(live, "head_deg")
    tmax, hmax = float(s.settings.get("trunk_max", 15.0)), float(s.settings.get("head_max", 25.0))
    lean = 0.0
    if math.isfinite(trunk) and math.isfinite(head):
        lean = max(0.0, min(1.0, max(trunk / (2 * tmax), head / (2 * hmax))))
    upright = _f(live, "upright", 1.0) > 0.5
    draw_desk_child(p, box.adjusted(10, 10, -10, -10), lean, GREEN if upright else PURPLE)
    share = _f(live, "upright_share", math.nan)
    if math.isfinite(share):  # a flower grows with the time sat tall
        base = QPointF(box.left() - h * 0.1, box.bottom())
        stem = h * 0.3 * share
        p.setPen(_pen(GREEN, 8))
        p.drawLine(base, QPointF(base.x(), base.y() - stem))
        p.setPen(_pen(INK, 2))
        p.setBrush(qc(YELLOW))
        for j in range(6):
            a = j * math.pi / 3
            p.drawEllipse(QPointF(base.x() + math.cos(a) * h * 0.03, base.y() - stem + math.sin(a) * h * 0.03), h * 0.022, h * 0.022)
        p.setBrush(qc(ORANGE))
        p.drawEllipse(QPointF(base.x(), base.y() - stem), h * 0.02, h * 0.02)
    if _f(live, "cue", 0.0) > 0.5:  # the gentle cue: the sun rises behind the little figure
        c = QPointF(box.center().x(), box.top() + h * 0.02)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qc(YELLOW, 200 + int(40 * math.sin(view._t * 4))))
        p.drawEllipse(c, h * 0.05, h * 0.05)
