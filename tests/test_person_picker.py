"""The dashboard's person picker (issue 16): the participant is shown among the people in view, and a
click on another person makes them the participant (offscreen Qt, real MediaPipe on a real clip with a
second person pasted in, real exercise)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import pytest
from _validity import make_variant
from PySide6.QtCore import QPoint, Qt

from exercises.registry import create
from station.core import StepInput
from station.ui.person_picker import PersonPicker, attach_person_picker, choose, participant_where
from vision.recording import read_landmarks
from vision.smoothing import LandmarkSmoother, SmoothingSettings

pytestmark = pytest.mark.slow


def _click_at(picker: PersonPicker, x: float, y: float, qtbot) -> None:  # type: ignore[no-untyped-def]
    r = picker._frame_rect()
    qtbot.mouseClick(picker, Qt.MouseButton.LeftButton, pos=QPoint(round(r.x() + x * r.width()), round(r.y() + y * r.height())))


def test_clicking_a_person_makes_them_the_participant(qtbot, media: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       landmarks: Callable[..., Path]) -> None:
    clip = make_variant(media, "body/squats_5.mp4", "second_person", tmp_path / "squats-two.mkv")
    frames = read_landmarks(landmarks(clip, backend="mediapipe-tasks", num_poses=4))
    cap = cv2.VideoCapture(str(clip))
    images = []
    while (ok_img := cap.read())[0]:
        images.append(ok_img[1])
    cap.release()
    assert len(images) == len(frames)

    picker = PersonPicker()
    qtbot.addWidget(picker)
    picker.resize(480, 300)
    picker.show()
    chosen: list[tuple[float, float]] = []
    ex = create("squats")
    picker.person_chosen.connect(lambda x, y: (chosen.append((x, y)), choose(ex, x, y)))
    smooth = LandmarkSmoother(SmoothingSettings())

    def play(lo: int, hi: int) -> None:
        for f, img in zip(frames[lo:hi], images[lo:hi], strict=True):
            ex.step(StepInput.from_tracked(smooth(f)))
            picker.set_view(img, f.poses, participant_where(ex))

    play(0, 25)  # by default the squatter (larger, central) is chosen over the adult pasted at the left
    assert len(picker.boxes) >= 2
    assert picker.chosen is not None
    squatter = picker.boxes[picker.chosen]
    assert 0.5 * (squatter[0] + squatter[2]) > 0.35
    where = participant_where(ex)
    assert where is not None and where[0] > 0.35

    pasted = min(range(len(picker.boxes)), key=lambda i: picker.boxes[i][0])
    b = picker.boxes[pasted]
    assert b[2] < 0.3  # the pasted adult sits at the left edge
    _click_at(picker, 0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3]), qtbot)
    assert len(chosen) == 1 and chosen[0][0] < 0.3
    assert picker.chosen == pasted

    play(25, len(frames))  # from the next frame on, the pasted adult is followed and highlighted
    where = participant_where(ex)
    assert where is not None and where[0] < 0.3
    assert picker.chosen is not None and picker.boxes[picker.chosen][2] < 0.3
    assert ex.result().reps == 0  # the pasted adult holds still: the squatter's squats are no longer scored

    # a click where nobody is changes nothing
    _click_at(picker, 0.98, 0.02, qtbot)
    assert len(chosen) == 1


def test_picker_docks_on_the_window_and_ignores_exercises_without_a_participant(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDockWidget, QMainWindow

    win = QMainWindow()
    qtbot.addWidget(win)
    win.model = None  # type: ignore[attr-defined]
    win.controller = None  # type: ignore[attr-defined]
    picker = attach_person_picker(win)
    assert isinstance(picker.parent(), QDockWidget)
    picker.refresh()  # no model yet: nothing happens
    grip = create("grip_squeeze")
    assert participant_where(grip) is None
    assert choose(grip, 0.5, 0.5) is False
