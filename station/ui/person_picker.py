"""The dashboard's person picker: which person in the camera's view is the participant.

A small camera thumbnail with every detected person outlined (the box of their landmarks) and the
participant (the person the trial scores, ``exercises.body.Participant``) highlighted. Clicking a
person chooses them: the click's person (their box centre, 0..1 of the frame) goes to the running
exercise's ``choose_participant`` (the same rule as ``--set participant=x,y``: the person nearest
that point), which re-chooses and restarts scoring on them from the next frame.

Self-contained: :func:`attach_person_picker` docks it on the station window and wires it (a refresh
timer reading the live model, clicks to the session runner's current exercise), so the window needs
two lines and the dashboard none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSizePolicy, QWidget

from station.core import PoseObservation

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in 0..1 of the frame."""

CHOSEN = QColor(255, 170, 0)
OTHER = QColor(200, 200, 200)


def person_box(obs: PoseObservation, min_visibility: float = 0.5) -> Box:
    """The box (0..1 of the frame) of the landmarks of ``obs`` visible above ``min_visibility`` (all
    landmarks when fewer than three are)."""
    lm = np.asarray(obs.landmarks[:, :2], dtype=np.float64)
    if obs.visibility is not None:
        good = np.asarray(obs.visibility, dtype=np.float64) >= min_visibility
        if good.sum() >= 3:
            lm = lm[good]
    lo, hi = lm.min(axis=0), lm.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def chosen_index(boxes: Sequence[Box], where: tuple[float, float, float] | None) -> int | None:
    """Which of ``boxes`` is the participant last seen at ``where`` (centre x, y, 0..1): the box whose
    centre is nearest, if that centre is within the participant's size of it."""
    if where is None or not boxes:
        return None
    cx, cy, size = where
    d = [np.hypot(0.5 * (b[0] + b[2]) - cx, 0.5 * (b[1] + b[3]) - cy) for b in boxes]
    i = int(np.argmin(d))
    return i if d[i] <= 0.5 * max(size, 0.05) else None


class PersonPicker(QWidget):
    """Camera thumbnail, people outlined, the participant highlighted; a click chooses a person.

    ``person_chosen(x, y)`` is emitted with the clicked person's box centre (0..1 of the frame).
    """

    person_chosen = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("Click a person to score them")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._qimage: QImage | None = None
        self._aspect = 16 / 9
        self.boxes: list[Box] = []
        self.chosen: int | None = None
        self.source: Callable[[], None] | None = None
        """What :meth:`refresh` runs (set by :func:`attach_person_picker`: read the live model)."""

    def refresh(self) -> None:
        """Redraw from the live session now (the timer does it ``hz`` times a second)."""
        if self.source is not None:
            self.source()

    def set_view(self, image: NDArray[np.uint8] | None, poses: Sequence[PoseObservation],
                 where: tuple[float, float, float] | None) -> None:
        """Show ``image`` (BGR, or ``None``: no camera) with ``poses`` outlined and the person at
        ``where`` (the participant's centre x, y and size, 0..1; ``None``: not chosen yet) highlighted."""
        if image is not None:
            import cv2

            h, w = image.shape[:2]
            self._aspect = w / h if h else self._aspect
            tw = min(w, 480)
            small = np.ascontiguousarray(cv2.resize(image, (tw, max(1, round(tw * h / w))), interpolation=cv2.INTER_AREA))
            self._qimage = QImage(small.data, small.shape[1], small.shape[0], int(small.strides[0]),
                                  QImage.Format.Format_BGR888).copy()
        else:
            self._qimage = None
            if poses:
                w, h = poses[0].image_size
                self._aspect = w / h if h else self._aspect
        self.boxes = [person_box(p) for p in poses]
        self.chosen = chosen_index(self.boxes, where)
        self.update()

    def _frame_rect(self) -> QRectF:
        """Where the frame is drawn in the widget (aspect kept, centred)."""
        w, h = self.width(), self.height()
        fw, fh = (w, w / self._aspect) if w / self._aspect <= h else (h * self._aspect, h)
        return QRectF((w - fw) / 2, (h - fh) / 2, fw, fh)

    def person_at(self, x: float, y: float, margin: float = 0.15) -> int | None:
        """The person under the point (0..1 of the frame): the smallest box containing it, each box
        grown by ``margin`` of its larger side (a click just beside a thin arm still counts);
        ``None`` when nobody is there."""
        hits = []
        for i, b in enumerate(self.boxes):
            m = margin * max(b[2] - b[0], b[3] - b[1])
            if b[0] - m <= x <= b[2] + m and b[1] - m <= y <= b[3] + m:
                hits.append(((b[2] - b[0]) * (b[3] - b[1]), i))
        return min(hits)[1] if hits else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        r = self._frame_rect()
        p = event.position()
        x, y = (p.x() - r.x()) / r.width(), (p.y() - r.y()) / r.height()
        i = self.person_at(x, y)
        if i is None:
            return
        b = self.boxes[i]
        self.chosen = i
        self.update()
        self.person_chosen.emit(0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3]))

    def paintEvent(self, event: QPaintEvent) -> None:
        qp = QPainter(self)
        qp.fillRect(self.rect(), QColor(30, 30, 30))
        r = self._frame_rect()
        if self._qimage is not None:
            qp.drawImage(r, self._qimage)
        else:
            qp.setPen(OTHER)
            qp.drawText(r, Qt.AlignmentFlag.AlignCenter, "no camera image" if not self.boxes else "")
        for i, b in enumerate(self.boxes):
            chosen = i == self.chosen
            qp.setPen(QPen(CHOSEN if chosen else OTHER, 3 if chosen else 1, Qt.PenStyle.SolidLine if chosen else Qt.PenStyle.DashLine))
            box = QRectF(QPointF(r.x() + b[0] * r.width(), r.y() + b[1] * r.height()),
                         QPointF(r.x() + b[2] * r.width(), r.y() + b[3] * r.height()))
            qp.drawRect(box)
            if chosen:
                qp.drawText(box.topLeft() + QPointF(3, 14), "scored")
        qp.end()


def participant_where(exercise: Any) -> tuple[float, float, float] | None:
    """Where the exercise's participant was last seen (0..1 of the frame), ``None`` for an exercise
    without one (not a body exercise) or before the choice."""
    part = getattr(exercise, "participant", None)
    where = getattr(part, "where", None)
    return where() if callable(where) else None


def choose(exercise: Any, x: float, y: float) -> bool:
    """Send a click to the exercise (``choose_participant``); ``False`` when it has no participant."""
    fn = getattr(exercise, "choose_participant", None)
    if not callable(fn):
        return False
    fn(x, y)
    return True


def attach_person_picker(window: QMainWindow, hz: float = 5.0) -> PersonPicker:
    """Add a :class:`PersonPicker` to the station window (a "Who is scored" tab of the dashboard; a dock on
    a window without one) and wire it: every ``1/hz`` s it shows the
    live model's latest image and people and the running exercise's participant; a click re-chooses
    the participant of the trial being scored. ``window`` is a ``StationWindow`` (``model``,
    ``controller`` attributes, either ``None``)."""
    picker = PersonPicker()
    tabs = getattr(getattr(window, "dashboard", None), "tabs", None)
    if tabs is not None:  # the station window: a tab beside Plan / Summary / History (the layout keeps its width)
        tabs.addTab(picker, window.tr("Who is scored"))
    else:
        dock = QDockWidget(window.tr("Who is scored"), window)
        dock.setObjectName("person_picker")
        dock.setWidget(picker)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

    def current_exercise() -> Any:
        ctl = getattr(window, "controller", None)
        return getattr(getattr(ctl, "runner", None), "exercise", None)

    def refresh() -> None:
        model = getattr(window, "model", None)
        if model is None or not picker.isVisible():
            return
        v = model.view()
        picker.set_view(v.image, v.poses, participant_where(current_exercise()))

    picker.person_chosen.connect(lambda x, y: choose(current_exercise(), x, y))
    timer = QTimer(picker)
    timer.setInterval(max(1, round(1000 / hz)))
    timer.timeout.connect(picker.refresh)
    timer.start()
    picker.source = refresh
    return picker
