"""The child's screen: the camera image (mirrored when live) (or a drawn meadow) with the game drawn over it.

Nothing here needs reading: a picture schedule (now / next), a big countdown, a character that follows
the fingertip along the path, a balloon that grows with grip force, a turtle steered by the centre of
pressure, a friendly figure over the body, dots that fill with stars per repetition, and stars with
confetti at the end of every trial.

Coordinates: observations are normalised, **unmirrored** image coordinates (x right, y down); with a
live camera this view mirrors them (x -> 1 - x) so the child sees itself as in a mirror; a recorded
video and the simulated child's drawn meadow are shown unmirrored (:attr:`ChildView.mirrored`). The image area keeps the
camera's aspect ratio and is centred in the widget.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QImage, QLinearGradient, QPainter, QPainterPath, QPen, QPixmap, QPolygonF, QRadialGradient
from PySide6.QtWidgets import QSizePolicy, QWidget

from exercises.contract import Pictogram
from station.session.model import ScheduleItem, ViewState, grip_zone
from station.ui.games import game_painter
from station.ui.palette import BLUE, GREEN, INK, ORANGE, PURPLE, SKY, VERMILLION, WHITE, YELLOW, qc
from station.ui.pictograms import (
    draw_balloon,
    draw_bee,
    draw_face,
    draw_hourglass,
    draw_pause,
    draw_peg,
    draw_pictogram,
    draw_star,
    draw_turtle,
)

if TYPE_CHECKING:
    from exercises.templates import Template

log = logging.getLogger(__name__)


@runtime_checkable
class _HasBoard(Protocol):
    """An exercise that lays out a board to draw (the pegboard: :meth:`exercises.pegboard.Pegboard.board_image`)."""

    def board_image(self, image_size: tuple[int, int], plane_to_image: NDArray[np.float64] | None = None
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None: ...

# BlazePose limbs drawn as the child's friendly figure (landmark index pairs).
POSE_LIMBS = ((11, 13), (13, 15), (12, 14), (14, 16), (11, 12), (11, 23), (12, 24), (23, 24), (23, 25), (25, 27), (24, 26), (26, 28))
HAND_BONES = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11), (11, 12),
              (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (17, 18), (18, 19), (19, 20), (0, 17))
CONFETTI = (SKY, ORANGE, GREEN, YELLOW, BLUE, VERMILLION, PURPLE)



def _pictogram(item: ScheduleItem) -> Pictogram:
    """The schedule picture an exercise declares (a plain figure for a name no longer registered)."""
    c = item.contract
    return c.pictogram if c is not None else "jump"

class ChildView(QWidget):
    """Paints a :class:`~station.session.model.ViewState`; call :meth:`show_state` from the UI timer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(480, 320)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.state: ViewState | None = None
        self._qimage: QImage | None = None
        self._image_t: int | None = None
        self._t = 0.0
        self._template_key: tuple[object, ...] | None = None
        self._template: Template | None = None
        """The tracing path (cached per ``_template_key``)."""
        self._board: tuple[NDArray[np.float64], tuple[float, ...]] | None = None
        """The pegboard's hole centres and dish centre (cached per ``_template_key``)."""
        self._bg: QPixmap | None = None
        self._bg_key: tuple[int, int] | None = None
        self._layers: dict[str, tuple[tuple[object, ...], QPixmap]] = {}
        self._last_reps = 0
        self._burst_t = -10.0
        self.cop_trail: np.ndarray | None = None
        """Recent CoP points (N x 2) for the balance trail; set by the window from the ring buffer."""
        self.idle_pictogram: Pictogram | None = None
        """The picture of the exercise about to be played, on the waiting screen before a session (set by
        the window from the plan); the bee when ``None``."""

    @property
    def mirrored(self) -> bool:
        """Only a live camera is mirrored (the child moves as in a mirror); a recorded video or the drawn
        meadow of the simulated child is shown as it is, so text in a clip reads the right way round."""
        return self.state is not None and self.state.source_label == "camera"

    # -- data ------------------------------------------------------------------------------------
    def show_state(self, state: ViewState, t_s: float) -> None:
        """Take a new state (``t_s`` = display time in seconds, animates wings and confetti) and repaint."""
        self.state = state
        self._t = t_s
        if state.image is not None and state.image_t_ns != self._image_t:
            img = np.ascontiguousarray(state.image)  # BGR, unmirrored (no copy when already contiguous)
            h, w = img.shape[:2]
            # one conversion per new frame into the raster engine's native format; mirrored when drawn
            self._qimage = QImage(img.data, w, h, 3 * w, QImage.Format.Format_BGR888).convertToFormat(QImage.Format.Format_RGB32)
            self._image_t = state.image_t_ns
        elif state.image is None:
            self._qimage = None
        self.update()

    def show_idle(self, t_s: float) -> None:
        """Before any session: animate the waiting screen."""
        self._t = t_s
        self.update()

    def _image_size(self) -> tuple[int, int]:
        s = self.state
        if self._qimage is not None:
            return self._qimage.width(), self._qimage.height()
        if s is not None:
            for o in (*s.hands, *s.poses):
                return o.image_size
        return 640, 480

    def _area(self) -> QRectF:
        """Where the (mirrored) image plane sits: keeps the camera aspect, below the schedule strip."""
        w, h = self.width(), self.height()
        top = h * 0.16
        iw, ih = self._image_size()
        avail_h = h - top
        scale = min(w / iw, avail_h / ih)
        aw, ah = iw * scale, ih * scale
        return QRectF((w - aw) / 2, top + (avail_h - ah) / 2, aw, ah)

    def _map(self, area: QRectF, x: float, y: float) -> QPointF:
        xs = (1.0 - x) if self.mirrored else x
        return QPointF(area.left() + xs * area.width(), area.top() + y * area.height())

    # -- painting --------------------------------------------------------------------------------
    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        s = self.state
        area = self._area()
        self._background(p, area)
        if s is None or s.phase == "idle":
            # waiting for the therapist: the exercise's own picture (the bee before any plan), next to a big "play" triangle
            w, h = self.width(), self.height()
            r = min(w, h) * 0.12
            pic = self.idle_pictogram
            if s is not None and s.schedule:
                pic = _pictogram(s.schedule[min(max(s.trial, 0), len(s.schedule) - 1)])
            if pic is None:
                draw_bee(p, w * 0.38, h * 0.55, r, True, self._t)
            else:
                card = QRectF(w * 0.38 - 1.5 * r, h * 0.55 - 1.5 * r, 3 * r, 3 * r)
                p.setPen(QPen(qc(ORANGE), 6))
                p.setBrush(qc(WHITE, 240))
                p.drawRoundedRect(card, r * 0.3, r * 0.3)
                draw_pictogram(p, card.adjusted(r * 0.2, r * 0.2, -r * 0.2, -r * 0.2), pic)
            tri = QPolygonF([QPointF(w * 0.55, h * 0.55 - r), QPointF(w * 0.55, h * 0.55 + r), QPointF(w * 0.55 + 1.6 * r, h * 0.55)])
            p.setPen(QPen(qc(INK), 6))
            p.setBrush(qc(GREEN))
            p.drawPolygon(tri)
            if s is not None:
                self._schedule(p, s)
            return
        self._schedule(p, s)
        if s.reps > self._last_reps and s.phase == "play":
            self._burst_t = self._t  # a new repetition: a burst of stars
        self._last_reps = s.reps if s.phase != "countdown" else 0
        if s.phase in ("play", "paused", "countdown"):
            kinds = s.inputs
            game = s.contract.game if s.contract is not None else None  # what the exercise declares
            if "hand" in kinds:
                self._hand_game(p, area, s)
            if "pose" in kinds:
                self._pose_game(p, area, s)
            if "grip" in kinds or game == "grip":
                self._grip_game(p, area, s)
            if "balance" in kinds or game == "pond":
                self._balance_game(p, area, s)
            registered = game_painter(game)  # a game module of station.ui.games draws on top
            if registered is not None:
                registered(self, p, area, s)
            self._progress(p, s)
        if s.phase == "countdown":
            self._countdown(p, s)
        elif s.phase == "paused":
            draw_pause(p, self.width() / 2, self.height() / 2, min(self.width(), self.height()) * 0.16)
        elif s.phase in ("celebrate", "done"):
            self._celebrate(p, s)
        elif s.phase in ("retry", "error"):  # failed: no stars, no confetti, a neutral 'let's try again'
            self._try_again(p)
        elif s.phase == "rest":
            self._rest(p, s)
        if s.source_label == "simulated":
            p.setPen(qc(INK, 150))
            f = p.font()
            f.setPixelSize(max(11, int(self.height() * 0.022)))
            p.setFont(f)
            p.drawText(QRectF(8, self.height() - 28, self.width() - 16, 24), Qt.AlignmentFlag.AlignRight, self.tr("simulated child"))

    def _background(self, p: QPainter, area: QRectF) -> None:
        if self._qimage is not None:
            p.fillRect(self.rect(), qc(INK))
            p.save()
            if self.mirrored:  # a live camera: the child sees a mirror
                p.translate(area.right(), area.top())
                p.scale(-1.0, 1.0)
            else:  # a recorded video: as it was filmed
                p.translate(area.left(), area.top())
            p.drawImage(QRectF(0.0, 0.0, area.width(), area.height()), self._qimage)
            p.restore()
            return
        key = (self.width(), self.height())
        if self._bg is None or self._bg_key != key:  # the drawn meadow is static: paint it once per size
            self._bg = QPixmap(self.size())
            bp = QPainter(self._bg)
            bp.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._meadow(bp)
            bp.end()
            self._bg_key = key
        p.drawPixmap(0, 0, self._bg)

    def _meadow(self, p: QPainter) -> None:
        w, h = self.width(), self.height()
        sky = QLinearGradient(0, 0, 0, h)
        sky.setColorAt(0.0, qc("#BFE3F7"))
        sky.setColorAt(0.75, qc("#E8F5FC"))
        p.fillRect(self.rect(), QBrush(sky))
        p.setPen(Qt.PenStyle.NoPen)
        sun = QRadialGradient(w * 0.9, h * 0.24, h * 0.14)
        sun.setColorAt(0, qc(YELLOW))
        sun.setColorAt(0.6, qc(YELLOW, 230))
        sun.setColorAt(1, qc(YELLOW, 0))
        p.setBrush(QBrush(sun))
        p.drawEllipse(QPointF(w * 0.9, h * 0.24), h * 0.14, h * 0.14)
        p.setBrush(qc(WHITE, 230))
        for cx, cy, r in ((0.12, 0.26, 0.05), (0.17, 0.24, 0.065), (0.23, 0.27, 0.045), (0.62, 0.2, 0.04), (0.67, 0.19, 0.05)):
            p.drawEllipse(QPointF(w * cx, h * cy), w * r, h * r * 0.8)
        hills = QPainterPath()
        hills.moveTo(0, h)
        hills.lineTo(0, h * 0.8)
        hills.cubicTo(w * 0.25, h * 0.7, w * 0.45, h * 0.86, w * 0.65, h * 0.78)
        hills.cubicTo(w * 0.8, h * 0.72, w * 0.92, h * 0.76, w, h * 0.8)
        hills.lineTo(w, h)
        hills.closeSubpath()
        p.setBrush(qc("#7CC9A4"))
        p.drawPath(hills)

    def _schedule(self, p: QPainter, s: ViewState) -> None:
        """Picture schedule: done (with stars), now (big, outlined), next; no text. Redrawn only when it changes."""
        items = s.schedule
        if not items:
            return
        key = (tuple((it.exercise, it.inputs, it.stars) for it in items), s.trial, s.phase == "done")
        strip = QRectF(0, 0, self.width(), self.height() * 0.16)
        p.drawPixmap(0, 0, self._layer("schedule", strip, key, lambda lp: self._paint_schedule(lp, s)))

    def _paint_schedule(self, p: QPainter, s: ViewState) -> None:
        items = s.schedule
        h = self.height() * 0.14
        w_card = h * 1.15
        gap = h * 0.18
        n = len(items)
        total = n * w_card + (n - 1) * gap + w_card * 0.3
        x = max(8.0, (self.width() - total) / 2)
        for i, it in enumerate(items):
            now = i == s.trial and s.phase not in ("done",)
            scale = 1.0 if now else 0.78
            cw, ch = w_card * scale * (1.3 if now else 1.0), h * scale
            r = QRectF(x, 6 + (h - ch) / 2, cw, ch)
            p.setPen(QPen(qc(ORANGE if now else INK, 255 if now else 120), 6 if now else 2))
            p.setBrush(qc(WHITE, 240 if now or it.stars is None else 150))
            p.drawRoundedRect(r, ch * 0.18, ch * 0.18)
            draw_pictogram(p, r.adjusted(ch * 0.1, ch * 0.08, -ch * 0.1, -ch * 0.15), _pictogram(it))
            if it.stars is not None:
                for k in range(it.stars):
                    draw_star(p, r.left() + r.width() * (0.25 + 0.25 * k), r.bottom() - ch * 0.06, ch * 0.13)
            if i == s.trial + 1 and s.phase != "done":
                p.setPen(QPen(qc(INK, 160), 4))
                ax = r.left() - gap * 0.85
                p.drawLine(QPointF(ax, r.center().y()), QPointF(ax + gap * 0.6, r.center().y()))
                p.drawLine(QPointF(ax + gap * 0.6, r.center().y()), QPointF(ax + gap * 0.35, r.center().y() - gap * 0.25))
                p.drawLine(QPointF(ax + gap * 0.6, r.center().y()), QPointF(ax + gap * 0.35, r.center().y() + gap * 0.25))
            x += cw + gap

    # -- games -----------------------------------------------------------------------------------
    def _template_for(self, s: ViewState) -> Template | None:
        st = s.settings
        if "shape" not in st:
            return None
        iw, ih = self._image_size()
        key = (st.get("shape"), tuple(st.get("center", (0.5, 0.5))), st.get("size"), iw, ih)
        if key != self._template_key:
            from exercises.templates import make_template

            try:
                self._template = make_template(str(st["shape"]), center=tuple(st.get("center", (0.5, 0.5))),
                                               size=float(st.get("size", 0.6)), aspect=iw / ih)
            except Exception:  # a template the UI cannot draw must not break the screen
                log.exception("cannot draw template %s", key)
                self._template = None
            self._template_key = key
        return self._template

    def _hand_game(self, p: QPainter, area: QRectF, s: ViewState) -> None:
        tmpl = self._template_for(s)
        tol = float(s.settings.get("tolerance", 0.03))
        dev = s.live.get("deviation", math.nan)
        on_path = math.isfinite(dev) and dev <= tol
        if tmpl is not None:
            pts = np.asarray(tmpl.points)
            band_px = max(14.0, 2 * tol * area.height())
            rb = area.adjusted(-band_px, -band_px, band_px, band_px)
            p.drawPixmap(rb.toAlignedRect().topLeft(),
                         self._layer("path", rb, (self._template_key, tol, self.mirrored), lambda lp: self._paint_path(lp, tmpl, area, band_px)))
            comp = float(s.live.get("completion", 0.0) or 0.0)
            if comp > 0:
                n = max(2, int(len(pts) * min(1.0, comp)))
                done = QPainterPath()
                done.moveTo(self._map(area, float(pts[0, 0]), float(pts[0, 1])))
                for k in range(1, n):
                    done.lineTo(self._map(area, float(pts[k, 0]), float(pts[k, 1])))
                dp = QPen(qc(GREEN, 230), max(6.0, band_px * 0.35))
                dp.setCapStyle(Qt.PenCapStyle.RoundCap)
                dp.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                p.setPen(dp)
                p.drawPath(done)
            start = self._map(area, float(pts[0, 0]), float(pts[0, 1]))
            self._start_and_direction(p, area, pts, band_px, comp)
            draw_star(p, start.x(), start.y(), band_px * 0.55, filled=comp < 0.9)
        for h in s.hands[:1]:
            lm = np.asarray(h.landmarks)
            if "shape" not in s.settings:  # a hand game without a path: show the whole hand softly
                p.setPen(QPen(qc(WHITE, 200), max(4.0, area.height() * 0.012)))
                for a, b in HAND_BONES:
                    p.drawLine(self._map(area, lm[a, 0], lm[a, 1]), self._map(area, lm[b, 0], lm[b, 1]))
            tip = self._map(area, float(lm[8, 0]), float(lm[8, 1]))
            r = max(18.0, area.height() * 0.055)
            if not on_path and tmpl is not None:
                p.setPen(QPen(qc(ORANGE), 5, Qt.PenStyle.DashLine))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(tip, r * 1.5, r * 1.5)
            draw_bee(p, tip.x(), tip.y(), r, happy=on_path or tmpl is None, t=self._t)
        if s.contract is not None and s.contract.game == "pegs":
            self._peg_game(p, area, s)

    def _start_and_direction(self, p: QPainter, area: QRectF, pts: np.ndarray, band_px: float, comp: float) -> None:
        """Where to start and which way to go, as on the printed sheet: a green start dot on the path's
        first point and an arrow along its first stretch (hidden once a third of the path is traced)."""
        start = self._map(area, float(pts[0, 0]), float(pts[0, 1]))
        p.setPen(QPen(qc(INK), 3))
        p.setBrush(qc(GREEN))
        p.drawEllipse(start, band_px * 0.75, band_px * 0.75)
        if comp > 0.33 or len(pts) < 3:
            return
        # the arrow follows the path a short way ahead of the start (about 12 % of the frame height)
        seg = np.hypot(*np.diff(pts[:, :2], axis=0).T)
        k = int(np.searchsorted(np.cumsum(seg), 0.12)) + 1
        k = min(max(k, 1), len(pts) - 1)
        a = self._map(area, float(pts[min(2, k), 0]), float(pts[min(2, k), 1]))
        b = self._map(area, float(pts[k, 0]), float(pts[k, 1]))
        d = QPointF(b.x() - start.x(), b.y() - start.y())
        n = math.hypot(d.x(), d.y())
        if n < 1.0:
            return
        ux, uy = d.x() / n, d.y() / n
        off = band_px * 1.6  # beside the path, on the side away from the rest of the shape, so it never hides the line
        ox, oy = -uy * off, ux * off
        mid = self._map(area, float(np.mean(pts[:, 0])), float(np.mean(pts[:, 1])))
        if (start.x() + ox - mid.x()) ** 2 + (start.y() + oy - mid.y()) ** 2 < (start.x() - ox - mid.x()) ** 2 + (start.y() - oy - mid.y()) ** 2:
            ox, oy = -ox, -oy
        tail = QPointF(a.x() + ox, a.y() + oy)
        head = QPointF(b.x() + ox, b.y() + oy)
        pen = QPen(qc(BLUE), max(4.0, band_px * 0.3))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawLine(tail, head)
        hs = max(12.0, band_px * 0.9)
        tri = QPolygonF([QPointF(head.x() + ux * hs * 0.6, head.y() + uy * hs * 0.6),
                         QPointF(head.x() - ux * hs * 0.5 - uy * hs * 0.6, head.y() - uy * hs * 0.5 + ux * hs * 0.6),
                         QPointF(head.x() - ux * hs * 0.5 + uy * hs * 0.6, head.y() - uy * hs * 0.5 - ux * hs * 0.6)])
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qc(BLUE))
        p.drawPolygon(tri)

    def _peg_game(self, p: QPainter, area: QRectF, s: ViewState) -> None:
        """The pegboard: the exercise's holes (filled as pegs go in) and the dish with the pegs left. A
        virtual board is drawn where the exercise puts it; a physical one over the camera image where
        the real board is, when the workspace calibration maps it (else nothing is drawn)."""
        physical = s.settings.get("mode", "virtual") == "physical"
        item = s.schedule[s.trial] if 0 <= s.trial < len(s.schedule) else None
        m = item.plane_to_image if item is not None else None
        if physical and m is None and not s.settings.get("corners"):
            return
        iw, ih = self._image_size()
        key = ("peg", tuple(sorted((k, str(v)) for k, v in s.settings.items())), iw, ih, m, self.mirrored)
        if self._template_key != key:
            import exercises

            try:
                ex = exercises.create(s.exercise, s.settings)
                if not isinstance(ex, _HasBoard):
                    raise AttributeError(f"exercise {s.exercise!r} lays out no board (no board_image)")
                board = ex.board_image((iw, ih), None if m is None else np.asarray(m))
                self._board = None if board is None else (np.asarray(board[0]), tuple(board[1]))
            except Exception:  # an exercise without a board draws nothing
                log.exception("cannot lay out the pegboard")
                self._board = None
            self._template_key = key
        if self._board is None:
            return
        holes, dish = self._board
        n_in = int(s.live.get("pegs_in_board", 0) or 0)
        if physical:  # the pitch on screen, from the mapped holes (the board is seen in perspective)
            pts = np.array([[self._map(area, float(x), float(y)).x(), self._map(area, float(x), float(y)).y()] for x, y in holes])
            gaps = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)) if len(pts) > 1 else np.array([[area.height() * 0.1]])
            pitch = float(np.min(gaps[gaps > 0])) if np.any(gaps > 0) else area.height() * 0.1
            r = max(8.0, pitch * 0.3)
        else:
            spacing = float(s.settings.get("spacing", 0.1))
            r = max(10.0, spacing * area.height() * 0.3)
        d = self._map(area, float(dish[0]), float(dish[1]))
        p.setPen(QPen(qc(INK), 4))
        p.setBrush(qc(SKY, 200))
        p.drawEllipse(d, r * 3.2, r * 2.2)
        left = max(0, len(holes) - n_in - (1 if s.live.get("holding") else 0))
        for k in range(left):
            a = 2 * math.pi * k / max(1, left)
            draw_peg(p, d.x() + math.cos(a) * r * 1.6, d.y() + math.sin(a) * r * 0.9 + r * 0.4, r * 0.45,
                     CONFETTI[k % len(CONFETTI)], True)
        mask = s.live.get("_occupied_mask")
        bits = int(mask) if isinstance(mask, int | float) and math.isfinite(mask) else None
        for k, (hx, hy) in enumerate(holes):
            q = self._map(area, float(hx), float(hy))
            placed = bool(bits >> k & 1) if bits is not None else k < n_in  # the very holes used, when known
            draw_peg(p, q.x(), q.y(), r, CONFETTI[k % len(CONFETTI)], placed)

    def _layer(self, name: str, rect: QRectF, key: tuple[object, ...], paint: Callable[[QPainter], None]) -> QPixmap:
        """A transparent layer covering ``rect`` (widget coordinates), painted once per ``key`` (static parts
        of a game); draw it with ``p.drawPixmap(rect.topLeft(), layer)``. ``paint`` draws in widget coordinates."""
        r = rect.toAlignedRect()
        key = (self.width(), self.height(), r.getRect(), *key)
        hit = self._layers.get(name)
        if hit is None or hit[0] != key:
            layer = QPixmap(max(1, r.width()), max(1, r.height()))
            layer.fill(Qt.GlobalColor.transparent)
            lp = QPainter(layer)
            lp.setRenderHint(QPainter.RenderHint.Antialiasing)
            lp.translate(-r.left(), -r.top())
            paint(lp)
            lp.end()
            self._layers[name] = hit = (key, layer)
        return hit[1]

    def _paint_path(self, p: QPainter, tmpl: Template, area: QRectF, band_px: float) -> None:
        """The tolerance band and the dashed centre line of the path."""
        pts = np.asarray(tmpl.points)
        drawn = np.asarray(tmpl.drawn)
        path = QPainterPath()
        pen_up = True
        for k in range(len(pts)):
            q = self._map(area, float(pts[k, 0]), float(pts[k, 1]))
            if pen_up:
                path.moveTo(q)
            else:
                path.lineTo(q)
            pen_up = k < len(drawn) and not drawn[k]
        band = QPen(qc(SKY, 150), band_px)
        band.setCapStyle(Qt.PenCapStyle.RoundCap)
        band.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(band)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        centre = QPen(qc(BLUE, 230), max(3.0, band_px * 0.12), Qt.PenStyle.DashLine)
        centre.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(centre)
        p.drawPath(path)

    def _pose_game(self, p: QPainter, area: QRectF, s: ViewState) -> None:
        for pose in s.poses[:1]:
            lm = np.asarray(pose.landmarks)
            vis = np.asarray(pose.visibility) if pose.visibility is not None else np.ones(len(lm))
            width = max(8.0, area.height() * 0.03)
            pen = QPen(qc(PURPLE, 220), width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            for a, b in POSE_LIMBS:
                if vis[a] > 0.4 and vis[b] > 0.4:
                    p.drawLine(self._map(area, lm[a, 0], lm[a, 1]), self._map(area, lm[b, 0], lm[b, 1]))
            if vis[0] > 0.4:
                head = self._map(area, lm[0, 0], lm[0, 1])
                sh = max(abs(lm[11, 0] - lm[12, 0]) * area.width(), 0.35 * abs(lm[11, 1] - lm[23, 1]) * area.height(),
                         0.35 * abs(lm[11, 0] - lm[23, 0]) * area.width())
                r = max(16.0, sh * 0.45)
                p.setPen(QPen(qc(INK), 3))
                p.setBrush(qc(YELLOW, 235))
                p.drawEllipse(head, r, r)
                draw_face(p, head.x(), head.y(), r * 0.8, True)
        tx, ty = s.live.get("target_x"), s.live.get("target_y")
        if tx is not None and ty is not None and math.isfinite(tx) and math.isfinite(ty):
            q = self._map(area, tx, ty)
            draw_star(p, q.x(), q.y(), area.height() * 0.07)
        if s.live.get("in_flight"):
            r = area.height() * 0.08
            pen = QPen(qc(ORANGE), 10)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            x = area.right() - r * 1.5
            p.drawLine(QPointF(x, area.top() + r * 3), QPointF(x, area.top() + r))
            p.drawLine(QPointF(x, area.top() + r), QPointF(x - r * 0.5, area.top() + r * 1.5))
            p.drawLine(QPointF(x, area.top() + r), QPointF(x + r * 0.5, area.top() + r * 1.5))

    def _grip_game(self, p: QPainter, area: QRectF, s: ViewState) -> None:
        zone_n = grip_zone(s.live, s.settings)
        f = max(0.0, s.grip or 0.0)
        mid = (zone_n[0] + zone_n[1]) / 2 if zone_n else float(s.settings.get("onset_n", 20.0)) * 4
        frac = min(1.5, f / max(mid, 1e-6))
        cx, cy = area.center().x(), area.center().y() - area.height() * 0.08
        r_target = area.height() * 0.25
        r = max(area.height() * 0.05, r_target * frac)
        lo_f, hi_f = (zone_n[0] / mid, zone_n[1] / mid) if zone_n else (0.85, 1.15)
        in_zone = zone_n is not None and zone_n[0] <= f <= zone_n[1]

        def zone(lp: QPainter) -> None:  # the target zone: a green ring between 85 % and 115 % of the target
            lp.setPen(QPen(qc(GREEN, 230), 8, Qt.PenStyle.DashLine))
            lp.setBrush(qc(GREEN, 40))
            lp.drawEllipse(QPointF(cx, cy), r_target * 0.92 * hi_f, r_target * 1.1 * hi_f)
            lp.setBrush(Qt.BrushStyle.NoBrush)
            lp.drawEllipse(QPointF(cx, cy), r_target * 0.92 * lo_f, r_target * 1.1 * lo_f)

        rz = QRectF(cx - r_target * 1.1 * hi_f - 8, cy - r_target * 1.2 * hi_f - 8, r_target * 2.2 * hi_f + 16, r_target * 2.4 * hi_f + 16)
        if zone_n is not None:
            p.drawPixmap(rz.toAlignedRect().topLeft(), self._layer("grip", rz, (lo_f, hi_f), zone))
        draw_balloon(p, cx, cy, r, VERMILLION if not in_zone else ORANGE, in_zone)
        if in_zone:
            for k in range(5):
                a = self._t * 2 + k * 2 * math.pi / 5
                draw_star(p, cx + math.cos(a) * r_target * 1.4, cy + math.sin(a) * r_target * 1.3, area.height() * 0.03)

    def _balance_game(self, p: QPainter, area: QRectF, s: ViewState) -> None:
        cx, cy = area.center().x(), area.center().y()
        R = area.height() * 0.36

        def pond(lp: QPainter) -> None:  # the pond and its calm centre
            lp.setPen(QPen(qc(BLUE), 6))
            lp.setBrush(qc(SKY, 120))
            lp.drawEllipse(QPointF(cx, cy), R, R)
            lp.setPen(QPen(qc(GREEN), 5, Qt.PenStyle.DashLine))
            lp.setBrush(qc(GREEN, 60))
            lp.drawEllipse(QPointF(cx, cy), R * 0.3, R * 0.3)

        rp = QRectF(cx - R - 6, cy - R - 6, 2 * R + 12, 2 * R + 12)
        p.drawPixmap(rp.toAlignedRect().topLeft(), self._layer("balance", rp, (), pond))
        reach = s.settings.get("reach_mm")
        range_mm = max(50.0, 1.6 * float(reach)) if isinstance(reach, int | float) else 50.0
        tx, ty = s.live.get("target_x_mm"), s.live.get("target_y_mm")
        if isinstance(tx, float) and isinstance(ty, float) and math.isfinite(tx) and math.isfinite(ty):
            range_mm = max(range_mm, 1.25 * math.hypot(tx, ty))  # keep the target inside the pond
        scale = R if s.cop_unit == "norm" else R / range_mm  # the pond's edge is range_mm from the centre
        trail = self.cop_trail
        if trail is not None and len(trail) > 1:
            # separate segments: stroking one self-crossing wide path is very slow in Qt's raster engine
            q = [QPointF(cx + float(x) * scale, cy - float(y) * scale) for x, y in trail[-90:]]
            pen = QPen(qc(WHITE, 220), 3)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawLines([QLineF(a, b) for a, b in itertools.pairwise(q)])
        if isinstance(tx, float) and isinstance(ty, float) and math.isfinite(tx) and math.isfinite(ty):
            rr = max(R * 0.08, float(s.settings.get("target_radius_mm", 15.0)) * scale)
            draw_star(p, cx + tx * scale, cy - ty * scale, rr)
        if s.cop is not None and all(math.isfinite(c) for c in s.cop):
            x, y = s.cop
            px, py = cx + max(-1.1, min(1.1, x * scale / R)) * R, cy - max(-1.1, min(1.1, y * scale / R)) * R
            centred = math.hypot(px - cx, py - cy) <= R * 0.3
            draw_turtle(p, px, py, R * 0.16, happy=centred)
        else:
            draw_turtle(p, cx, cy, R * 0.16, happy=False)

    def _burst(self, p: QPainter, cx: float, cy: float, scale: float) -> None:
        """Stars flying out from (cx, cy) for 0.7 s after a repetition was counted."""
        age = self._t - self._burst_t
        if not 0 <= age < 0.7:
            return
        for k in range(8):
            a = k * math.pi / 4 + 0.3
            d = scale * (1.3 + 2.5 * age)
            draw_star(p, cx + math.cos(a) * d, cy + math.sin(a) * d, scale * 0.35 * (1 - age / 0.7) + 3)

    def _progress(self, p: QPainter, s: ViewState) -> None:
        """Repetitions as big dots along the bottom (filled with a star when done), or the completion ring."""
        w, h = self.width(), self.height()
        comp = s.live.get("completion")
        if comp is not None and math.isfinite(comp) and not s.target_reps:
            r = h * 0.07
            c = QPointF(w - r * 1.6, h - r * 1.6)
            p.setPen(QPen(qc(WHITE, 220), r * 0.35))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(c, r, r)
            pen = QPen(qc(GREEN), r * 0.35)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            p.drawArc(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), 90 * 16, -int(360 * 16 * min(1.0, comp)))
            draw_star(p, c.x(), c.y(), r * 0.55, filled=comp >= 0.9)
            return
        if (s.contract is not None and s.contract.game == "pegs") or not ("pose" in s.inputs or s.target_reps or s.reps > 0):
            return
        target = s.target_reps or max(5, s.reps + (5 - s.reps % 5 if s.reps % 5 else 0) + (5 if s.reps and s.reps % 5 == 0 else 0))
        n = min(target, 15)
        r = min(h * 0.045, (w * 0.8) / (n * 2.6))
        x0 = w / 2 - (n - 1) * r * 1.3
        y = h - r * 1.8
        shown = s.reps - (max(0, s.reps - 1) // n) * n if not s.target_reps else s.reps

        def dots(lp: QPainter) -> None:
            for k in range(n):
                x = x0 + k * r * 2.6
                if k < shown:
                    lp.setPen(QPen(qc(INK), 3))
                    lp.setBrush(qc(GREEN))
                    lp.drawEllipse(QPointF(x, y), r, r)
                    draw_star(lp, x, y, r * 0.75)
                else:
                    lp.setPen(QPen(qc(INK, 150), 3, Qt.PenStyle.DashLine))
                    lp.setBrush(qc(WHITE, 170))
                    lp.drawEllipse(QPointF(x, y), r, r)

        row = QRectF(x0 - r - 4, y - r - 4, (n - 1) * r * 2.6 + 2 * r + 8, 2 * r + 8)
        p.drawPixmap(row.toAlignedRect().topLeft(), self._layer("progress", row, (n, shown), dots))  # redrawn per rep only
        if shown:
            self._burst(p, x0 + (min(shown, n) - 1) * r * 2.6, y, r)

    # -- phases ----------------------------------------------------------------------------------
    def _countdown(self, p: QPainter, s: ViewState) -> None:
        n = max(1, math.ceil(s.phase_remaining_s))
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), qc(WHITE, 90))
        r = min(w, h) * 0.2
        frac = s.phase_remaining_s - math.floor(s.phase_remaining_s)
        rr = r * (0.9 + 0.2 * frac)
        p.setPen(QPen(qc(INK), 8))
        p.setBrush(qc((VERMILLION, ORANGE, YELLOW, GREEN)[min(3, n - 1)] if n <= 4 else SKY))
        p.drawEllipse(QPointF(w / 2, h * 0.55), rr, rr)
        f = p.font()
        f.setPixelSize(int(rr * 1.25))
        f.setBold(True)
        p.setFont(f)
        p.setPen(qc(INK))
        p.drawText(QRectF(w / 2 - rr, h * 0.55 - rr, 2 * rr, 2 * rr), Qt.AlignmentFlag.AlignCenter, str(n))

    def _celebrate(self, p: QPainter, s: ViewState) -> None:
        """Stars and confetti in a band along the top (over the schedule strip), never over the child:
        the camera image below stays as it is."""
        w = self.width()
        h = self.height() * 0.3  # the band: the schedule strip and a little below it
        p.save()
        p.setClipRect(QRectF(0, 0, w, h))
        p.fillRect(QRectF(0, 0, w, h), qc(WHITE, 200))
        rng = np.random.default_rng(7)
        n = 0 if s.quiet else 60  # quiet mode (the child's sensory settings): no confetti, still stars
        xs, speed, phase, size = rng.uniform(0, 1, n), rng.uniform(0.15, 0.4, n), rng.uniform(0, 1, n), rng.uniform(0.6, 1.4, n)
        p.setPen(Qt.PenStyle.NoPen)
        for k in range(n):
            y = ((phase[k] + self._t * speed[k]) % 1.0) * h
            x = xs[k] * w + math.sin(self._t * 3 + k) * 12
            p.setBrush(qc(CONFETTI[k % len(CONFETTI)]))
            p.save()
            p.translate(x, y)
            p.rotate((self._t * 180 + k * 37) % 360)
            p.drawRect(QRectF(-6 * size[k], -3 * size[k], 12 * size[k], 6 * size[k]))
            p.restore()
        if s.phase == "done":
            stars = [it.stars or 1 for it in s.schedule if it.stars is not None]
            n_stars = max(1, round(sum(stars) / len(stars))) if stars else 1
        else:
            n_stars = s.last_score.stars if s.last_score else 1
        r = min(w * 0.1, h * 0.36)
        for k in range(3):
            cx = w / 2 + (k - 1) * r * 2.3
            cy = h * 0.5 - (r * 0.2 if k == 1 else 0)
            pulse = 1.0 + (0.0 if s.quiet else 0.06) * math.sin(self._t * 6 + k)  # quiet: no pulsing
            draw_star(p, cx, cy, r * pulse * (1.1 if k == 1 else 1.0), filled=k < n_stars)
        p.restore()

    def _try_again(self, p: QPainter) -> None:
        """A calm 'let's try again' picture: a soft veil and a big round arrow (no text, no stars, nothing sad)."""
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), qc(WHITE, 170))
        r = min(w, h) * 0.16
        cx, cy = w / 2, h / 2
        p.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(qc(BLUE), r * 0.22)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawArc(QRectF(cx - r, cy - r, 2 * r, 2 * r), 60 * 16, 280 * 16)
        tip_a = math.radians(60)  # the arrow head at the start of the arc, pointing round
        tx, ty = cx + r * math.cos(tip_a), cy - r * math.sin(tip_a)
        head = QPainterPath()
        head.moveTo(tx + r * 0.42, ty - r * 0.08)
        head.lineTo(tx - r * 0.12, ty - r * 0.38)
        head.lineTo(tx - r * 0.02, ty + r * 0.30)
        head.closeSubpath()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qc(BLUE))
        p.drawPath(head)

    def _rest(self, p: QPainter, s: ViewState) -> None:
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), qc(WHITE, 120))
        draw_hourglass(p, w * 0.35, h * 0.55, h * 0.2, s.phase_progress)
        nxt = s.schedule[s.trial] if 0 <= s.trial < len(s.schedule) else None
        if nxt is not None:
            r = QRectF(w * 0.52, h * 0.35, h * 0.4, h * 0.4)
            p.setPen(QPen(qc(ORANGE), 6))
            p.setBrush(qc(WHITE, 240))
            p.drawRoundedRect(r, 20, 20)
            draw_pictogram(p, r.adjusted(12, 12, -12, -12), _pictogram(nxt))
