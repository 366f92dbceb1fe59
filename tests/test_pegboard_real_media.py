"""Grasp and tap detection on real hands: MediaPipe landmarks of the real test videos.

``media/hand/open_palm.mp4``: a hand rises and opens palm-up (never grasps, never taps).
``media/hand/fist_to_thumbs_up.mp4``: a fist turns into a thumbs-up (fingers curled throughout: one
palmar grasp that is never released; thumb and index separate once: no tap). The videos are tracked
once per test session (the ``landmarks`` fixture, as ``station track`` does) and the saved landmarks are scored by ``station analyze``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from station.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def tracked(landmarks: Callable[..., Path]) -> dict[str, Path]:
    return {name: landmarks(f"hand/{name}.mp4", ("hand",)) for name in ("open_palm", "fist_to_thumbs_up")}


def _score(lm: Path, exercise: str, tmp_path: Path, *sets: str) -> dict:
    out = tmp_path / f"{exercise}.json"
    args = [a for s in sets for a in ("--set", s)]
    assert main(["analyze", str(lm), "--exercise", exercise, *args, "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_world_landmarks_measure_the_real_hands(tracked: dict[str, Path]) -> None:
    from exercises.hand_geometry import measures
    from vision.recording import read_landmarks

    def series(name: str) -> np.ndarray:
        return np.array([measures(tf.hands[0])[:2] for tf in read_landmarks(tracked[name]) if tf.hands])

    palm, fist = series("open_palm"), series("fist_to_thumbs_up")
    assert np.median(palm[len(palm) // 4 :, 1]) > 0.8  # open hand: fingertips far from the palm
    assert np.mean(fist[:, 1] < 0.45) > 0.95  # fist and thumbs-up: fingers curled (but in the turn)
    assert np.all(fist[:, 1] < 0.7) and np.all(palm[len(palm) // 8 :, 1] > 0.7)  # the palmar hysteresis band
    assert np.median(fist[len(fist) // 2 :, 0]) > 0.6  # thumbs-up: thumb away from the index


def test_open_palm_is_no_grasp_and_no_tap(tracked: dict[str, Path], tmp_path: Path) -> None:
    # the virtual board's dish where the hand rises (grip point about x 0.34-0.40, y 0.52-0.74)
    peg = _score(tracked["open_palm"], "pegboard", tmp_path, "dish=0.37,0.63", "dish_radius=0.2")
    assert [e["kind"] for e in peg["events"]] == []
    assert peg["metrics"]["pinch_grasps"] == 0 and peg["metrics"]["palmar_grasps"] == 0
    taps = _score(tracked["open_palm"], "finger_taps", tmp_path)
    assert taps["reps"] == 0 and taps["metrics"]["hand_used"] == "Right"


def test_fist_is_one_palmar_grasp_and_no_tap(tracked: dict[str, Path], tmp_path: Path) -> None:
    peg = _score(tracked["fist_to_thumbs_up"], "pegboard", tmp_path, "grasp_anywhere=true")
    grasps = [e for e in peg["events"] if e["kind"] == "grasp"]
    assert len(grasps) == 1 and grasps[0]["payload"]["grasp"] == "palmar"
    assert peg["metrics"]["grasp_type"] == "palmar" and peg["metrics"]["pegs_placed"] == 0 and peg["metrics"]["drops"] == 0
    assert _score(tracked["fist_to_thumbs_up"], "finger_taps", tmp_path)["reps"] == 0
