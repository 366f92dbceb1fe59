"""One Euro smoothing of landmark streams: jitter vs lag on the simulated child, explicit gaps."""

from __future__ import annotations

import numpy as np
import pytest

from exercises.templates import make_template
from station.core import HandObservation, PoseObservation, TrackedFrame
from vision.smoothing import LandmarkSmoother, OneEuroFilter, SmoothingSettings
from vision.synth_hand import tracing_stream

PX = np.array([640.0, 480.0])
FRAME_NS = 33_333_333


def _hand(seq: int, xy: tuple[float, float], label: str = "Right") -> HandObservation:
    lm = np.zeros((21, 3), dtype=np.float32)
    lm[:, :2] = xy
    return HandObservation("cam", seq, seq * FRAME_NS, lm, (640, 480), handedness=label)  # type: ignore[arg-type]


def _frame(seq: int, *hands: HandObservation, poses: tuple[PoseObservation, ...] = ()) -> TrackedFrame:
    return TrackedFrame("cam", seq, seq * FRAME_NS, (640, 480), tuple(hands), poses)


def test_constant_input_passes_unchanged() -> None:
    f = OneEuroFilter()
    x = np.array([0.25, 0.75])
    for i in range(20):
        assert np.array_equal(f(i * FRAME_NS, x), x)


def test_defaults_halve_jitter_at_rest() -> None:
    rng = np.random.default_rng(3)
    still = 0.5 + rng.normal(0, 0.003, (300, 2))
    f = OneEuroFilter()
    out = np.array([f(i * FRAME_NS, x) for i, x in enumerate(still)])
    raw = np.sqrt(np.mean(np.sum(((still[30:] - 0.5) * PX) ** 2, axis=1)))
    smooth = np.sqrt(np.mean(np.sum(((out[30:] - 0.5) * PX) ** 2, axis=1)))
    assert smooth < 0.6 * raw


def test_defaults_follow_a_fast_child_stroke_with_little_lag() -> None:
    """The simulated child traces a 0.6-frame-height circle in 4 s (median 240 px/s at 640x480):
    the filtered fingertip stays within a few pixels (well under one frame's movement, 8 px)."""
    tmpl = make_template("circle", center=(0.5, 0.5), size=0.6, aspect=640 / 480)
    frames, _ = tracing_stream(tmpl.points, duration_s=4.0, fps=30, image_size=(640, 480), seed=0, jitter=0.0)
    sm = LandmarkSmoother()
    raw = np.array([f.hands[0].landmarks[8, :2] for f in frames])
    out = np.array([sm(f).hands[0].landmarks[8, :2] for f in frames])
    lag = np.sqrt(np.mean(np.sum(((out - raw) * PX) ** 2, axis=1)))
    assert 0.5 < lag < 4.0  # it does filter, and it does not trail the stroke
    speed = np.hypot(*(np.diff(raw, axis=0) * PX * 30).T)
    assert np.median(speed) > 200  # the stroke really is fast


def test_missing_frames_are_flagged_never_invented() -> None:
    frames = [_frame(i, _hand(i, (0.5, 0.5))) if i not in (4, 5, 6) else _frame(i) for i in range(10)]
    out = list(LandmarkSmoother().stream(frames))
    assert [len(f.hands) for f in out] == [len(f.hands) for f in frames]  # no hand appears in frames 4-6
    assert [f.hands[0].gap_frames for f in out if f.hands] == [0, 0, 0, 0, 3, 0, 0]


def test_dropped_frames_count_in_the_gap_by_sequence_number() -> None:
    sm = LandmarkSmoother()
    sm(_frame(0, _hand(0, (0.5, 0.5))))
    out = sm(_frame(5, _hand(5, (0.5, 0.5))))  # frames 1-4 never reached the tracker (latest-frame slot)
    assert out.hands[0].gap_frames == 4


def test_a_long_gap_restarts_the_filter() -> None:
    sm = LandmarkSmoother(SmoothingSettings(max_gap_s=0.5))
    for i in range(10):
        sm(_frame(i, _hand(i, (0.2, 0.2))))
    back = sm(_frame(40, _hand(40, (0.8, 0.8))))  # 1 s later, elsewhere: no smoothing across the gap
    assert np.array_equal(back.hands[0].landmarks[:, :2], np.full((21, 2), 0.8, dtype=np.float32))
    assert back.hands[0].gap_frames == 30 and sm.restarts == 1
    short = LandmarkSmoother(SmoothingSettings(max_gap_s=0.5))
    for i in range(10):
        short(_frame(i, _hand(i, (0.2, 0.2))))
    near = short(_frame(12, _hand(12, (0.8, 0.8))))  # a short gap is bridged: still filtered
    assert near.hands[0].landmarks[0, 0] < 0.8 and short.restarts == 0


def test_hands_are_filtered_per_handedness() -> None:
    sm = LandmarkSmoother()
    for i in range(20):
        out = sm(_frame(i, _hand(i, (0.3, 0.5), "Left"), _hand(i, (0.3 + 0.02 * i, 0.5), "Right")))
    left = next(h for h in out.hands if h.handedness == "Left")
    right = next(h for h in out.hands if h.handedness == "Right")
    assert np.allclose(left.landmarks[:, 0], 0.3)  # the still hand is not pulled by the moving one
    assert right.landmarks[0, 0] < 0.3 + 0.02 * 19


def test_disabled_smoothing_keeps_raw_values_but_flags_gaps() -> None:
    sm = LandmarkSmoother(SmoothingSettings(enabled=False))
    a = _hand(0, (0.1, 0.1))
    assert sm(_frame(0, a)).hands[0] is a
    b = _hand(3, (0.9, 0.9))
    out = sm(_frame(3, b)).hands[0]
    assert np.array_equal(out.landmarks, b.landmarks) and out.gap_frames == 2


def test_pose_world_landmarks_are_filtered_and_visibility_passes() -> None:
    sm = LandmarkSmoother()
    vis = np.linspace(0, 1, 33, dtype=np.float32)
    outs = []
    for i in range(5):
        lm = np.full((33, 3), 0.1 * i, dtype=np.float32)
        p = PoseObservation("cam", i, i * FRAME_NS, lm, (640, 480), vis, lm.copy(), score=0.7)
        outs.append(sm(_frame(i, poses=(p,))).poses[0])
    last = outs[-1]
    assert last.landmarks.dtype == np.float32 and last.world is not None
    assert 0.0 < last.landmarks[0, 0] < 0.4 and 0.0 < last.world[0, 0] < 0.4
    assert last.visibility is vis and last.score == 0.7


def test_filter_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0)


def test_time_going_backwards_restarts_rather_than_dividing_by_zero() -> None:
    f = OneEuroFilter()
    f(100, np.array([0.0]))
    assert f(100, np.array([1.0]))[0] == 1.0
