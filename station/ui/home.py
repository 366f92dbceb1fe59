"""The family's screen (``station home``): the assigned plan as big pictures and one Start; no dashboard.

Start plays the plan (:mod:`station.home`, the same session builder and controller as the clinic's
station, ``place`` = home) on the child's game screen; at the end the pictures come back with the
stars earned. Keys: Space = Start, Esc = stop, F11 = full screen; for a grown-up helping with a
routine, D = "step done" and P = "prompt given" (:data:`exercises.routine.THERAPIST`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from station.ui.child_view import ChildView
from station.ui.palette import GREEN, INK, ORANGE, WHITE, qc
from station.ui.pictograms import draw_pictogram, draw_star

log = logging.getLogger(__name__)


class PlanPictures(QWidget):
    """The plan as a row of big picture cards and one big green Start button (no text to read)."""

    def __init__(self, items: list[tuple[str, int | None]], on_start: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items = items
        """``(pictogram, stars or None)`` per activity."""
        self.on_start = on_start
        self.setMinimumSize(640, 400)

    def _start_rect(self) -> QRectF:
        w, h = self.width(), self.height()
        r = min(w, h) * 0.14
        return QRectF(w / 2 - r * 1.6, h * 0.72 - r * 0.8, r * 3.2, r * 1.6)

    def mousePressEvent(self, event: Any) -> None:
        if self._start_rect().contains(event.position()):
            self.on_start()

    def paintEvent(self, _e: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), qc("#E8F5FC"))
        n = max(1, len(self.items))
        card = min(h * 0.38, (w * 0.9) / (n * 1.15))
        x = (w - n * card * 1.15 + card * 0.15) / 2
        for pic, stars in self.items:
            r = QRectF(x, h * 0.1, card, card)
            p.setPen(QPen(qc(ORANGE if stars is None else INK, 255), 6))
            p.setBrush(qc(WHITE))
            p.drawRoundedRect(r, card * 0.12, card * 0.12)
            draw_pictogram(p, r.adjusted(card * 0.12, card * 0.12, -card * 0.12, -card * 0.12), pic)  # type: ignore[arg-type]
            for k in range(stars or 0):
                draw_star(p, r.left() + r.width() * (0.25 + 0.25 * k), r.bottom() - card * 0.02, card * 0.1)
            x += card * 1.15
        s = self._start_rect()
        p.setPen(QPen(qc(INK), 6))
        p.setBrush(qc(GREEN))
        p.drawRoundedRect(s, s.height() * 0.3, s.height() * 0.3)
        tri = [QPointF(s.center().x() - s.height() * 0.22, s.center().y() - s.height() * 0.28),
               QPointF(s.center().x() - s.height() * 0.22, s.center().y() + s.height() * 0.28),
               QPointF(s.center().x() + s.height() * 0.3, s.center().y())]
        p.setBrush(qc(WHITE))
        p.drawPolygon(tri)
        p.end()


class HomeWindow(QWidget):
    """Pictures of the plan -> the child's game screen while playing -> the pictures with stars."""

    def __init__(self, factory: Any, plan: Any, hz: float = 30.0) -> None:
        super().__init__()
        self.setWindowTitle("Motor Station - home")
        self.factory = factory
        self.plan = plan
        self.stack = QStackedWidget(self)
        self.pictures = PlanPictures(self._items({}), self.start)
        self.child = ChildView()
        self.stack.addWidget(self.pictures)
        self.stack.addWidget(self.child)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)
        self.ctl: Any = None
        self.model: Any = None
        self.session_ids: list[str] = []
        self._t0 = time.monotonic()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(int(1000 / hz))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _items(self, stars: dict[int, int]) -> list[tuple[str, int | None]]:
        import exercises

        return [(str(exercises.get(it.exercise).contract.pictogram), stars.get(i)) for i, it in enumerate(self.plan.items)]

    def start(self) -> None:
        if self.ctl is not None and self.ctl.running:
            return
        self.ctl, self.model = self.factory(self.plan.participant, self.plan)
        self.stack.setCurrentWidget(self.child)
        self.ctl.start()

    def stop(self) -> None:
        if self.ctl is not None:
            self.ctl.stop()

    def refresh(self) -> None:
        t = time.monotonic() - self._t0
        if self.model is None:
            self.pictures.update()
            return
        v = self.model.view()
        self.child.show_state(v, t)
        if v.phase in ("done", "error") and self.ctl is not None and not self.ctl.running:
            if v.session_id and v.session_id not in self.session_ids:
                self.session_ids.append(v.session_id)
                stars = {i: it.stars for i, it in enumerate(v.schedule) if it.stars is not None}
                self.pictures.items = self._items(stars)
                # tied to the stack: a window closed within the 3 s never gets the call (no call on a deleted widget)
                QTimer.singleShot(3000, self.stack, lambda: self.stack.setCurrentWidget(self.pictures))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from exercises.routine import THERAPIST

        k = event.key()
        if k == Qt.Key.Key_Space:
            self.start()
        elif k == Qt.Key.Key_Escape:
            self.stop()
        elif k == Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        elif k == Qt.Key.Key_D:
            THERAPIST.put("done")
        elif k == Qt.Key.Key_P:
            THERAPIST.put("prompt")
        else:
            super().keyPressEvent(event)

    def shutdown(self, timeout_s: float = 10.0) -> None:
        self.timer.stop()
        if self.ctl is not None:
            self.ctl.stop()
            self.ctl.join(timeout_s)

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)


def run_home(db_url: str | None, camera: int | None, screenshot: Path | None = None) -> int:
    """Open the family's screen for the assigned plan; with ``screenshot`` render it to that file and exit."""
    from station.home import assigned_plan
    from station.paths import default_db_url
    from station.session.build import RunOptions, make_session_factory
    from station.storage import open_database
    from station.ui.runner import ensure_app, has_display

    plan = assigned_plan()
    if screenshot is None and not has_display():
        from station.core import InputError

        raise InputError("no display to open the home screen on", fix="run it on the family laptop's desktop, or use "
                                                                     "station home play --video PATH without a window")
    if camera is None and screenshot is None:
        from vision.sources import find_camera

        camera = find_camera()
    opts = RunOptions(camera=camera, db_url=db_url, place="home", countdown_s=3.0)
    app = ensure_app()
    db = open_database(db_url or default_db_url())
    try:
        win = HomeWindow(make_session_factory(db, opts), plan)
        win.resize(1280, 800)
        if screenshot is not None:
            win.show()
            app.processEvents()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            if not win.grab().save(str(screenshot)):
                from station.core import InputError

                raise InputError("cannot write the screenshot", where=str(screenshot), fix="choose a writable path ending in .png")
            print(f"screenshot: {screenshot}")
            win.close()
            return 0
        win.showFullScreen()
        app.exec()
        win.shutdown()
        return 0
    finally:
        db.dispose()
