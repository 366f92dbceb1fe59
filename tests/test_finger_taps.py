"""Finger taps scored on generated landmark streams that encode known taps and amplitudes."""

from __future__ import annotations

import numpy as np
import pytest

import exercises
from exercises.base import StepInput
from exercises.hand_geometry import Hysteresis, aperture, curl, iso_xy
from vision.synth_hand import finger_tap_stream, posed_hand


def _run(frames, **settings):  # type: ignore[no-untyped-def]
    ex = exercises.create("finger_taps", settings)
    for f in frames:
        ex.step(StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size))
    ex.finish()
    return ex


def test_posed_hand_has_the_requested_aperture_at_any_scale_and_aspect() -> None:
    from station.core import HandObservation

    for aspect, size in ((4 / 3, 0.1), (16 / 9, 0.3)):
        for ap in (0.05, 0.4, 1.2):
            lm = posed_hand((0.4, 0.6), aperture=ap, hand_size=size, aspect=aspect)
            obs = HandObservation("s", 0, 0, lm, (int(480 * aspect), 480))
            assert aperture(iso_xy(obs)) == pytest.approx(ap, abs=1e-4)
            assert curl(iso_xy(obs)) > 0.6
        palmar = HandObservation("s", 0, 0, posed_hand((0.4, 0.6), aperture=0, grasp="palmar", hand_size=size, aspect=aspect), (int(480 * aspect), 480))
        assert curl(iso_xy(palmar)) < 0.3


def test_hysteresis_switch() -> None:
    s = Hysteresis(0.2, 0.4)
    assert [s.update(v) for v in (0.5, 0.3, 0.1, 0.15, 0.3, 0.45, 0.3, 0.19)] == [None, None, True, None, None, False, None, True]
    with pytest.raises(ValueError):
        Hysteresis(0.4, 0.2)


@pytest.mark.parametrize(("fps", "dropout", "jitter"), [(30.0, 0.0, 0.0), (60.0, 0.0, 0.002), (30.0, 0.05, 0.001)])
def test_taps_counted_exactly_at_the_right_times(fps: float, dropout: float, jitter: float) -> None:
    frames, truth = finger_tap_stream(n_taps=20, rate_hz=2.5, fps=fps, dropout=dropout, jitter=jitter, rate_jitter=0.1, seed=3)
    ex = _run(frames, duration_s=60)
    taps = [e for e in ex.events if e.kind == "tap"]
    assert len(taps) == ex.reps() == 20
    # each tap is stamped at the frame where the aperture crossed the closing threshold: before the
    # true full closure by less than a fifth of a cycle (plus a frame, plus a dropped frame)
    lag = (truth.tap_ns - np.array([e.t_ns for e in taps])) / 1e9
    assert np.all(lag > -1.5 / fps) and np.all(lag < 0.2 / 2.5 + 2 / fps)
    amps = np.array([e.value for e in taps])
    # the peak frame itself may be dropped: then the amplitude is that of a neighbouring frame
    assert np.allclose(amps, truth.amplitude, atol=0.03 + 10 * jitter + (0.05 if dropout else 0.0))


def test_rate_amplitude_and_decrement() -> None:
    frames, truth = finger_tap_stream(n_taps=18, rate_hz=3.0, amplitude=1.2, decrement=0.5, fps=60)
    m = _run(frames, duration_s=60).result().metrics
    assert m["taps"] == 18
    assert m["rate_hz"] == pytest.approx(3.0, rel=0.02)
    a = truth.amplitude
    assert m["amplitude_mean"] == pytest.approx(a.mean(), abs=0.01)
    assert m["amplitude_slope"] == pytest.approx(-1.2 * 0.5 / 17, rel=0.05)
    expected = 100 * (1 - a[-6:].mean() / a[:6].mean())
    assert m["amplitude_decrement_pct"] == pytest.approx(expected, abs=1.5)
    steady = _run(finger_tap_stream(n_taps=18, rate_hz=3.0, fps=60)[0], duration_s=60).result().metrics
    assert abs(steady["amplitude_decrement_pct"]) < 1.0 and steady["hesitations"] == 0


def test_trial_duration_limits_the_count_and_hand_filter() -> None:
    frames, truth = finger_tap_stream(n_taps=20, rate_hz=2.0, lead_s=0.5, handedness="Left")
    ex = _run(frames, duration_s=5.0)
    expected = int(np.sum(truth.tap_ns - frames[0].t_ns <= 5.0e9))
    assert abs(ex.reps() - expected) <= 1 and ex.reps() < 20
    assert [e.kind for e in ex.events].count("time_up") == 1
    assert _run(frames, hand="right").reps() == 0
    r = _run(frames, hand="left", duration_s=60).result()
    assert r.metrics["hand_used"] == "Left" and r.reps == 20
    assert set(r.metrics) == set(r.units) == set(r.definitions)


def test_small_movements_below_the_hysteresis_are_not_taps() -> None:
    frames, _ = finger_tap_stream(n_taps=10, amplitude=0.35, fps=30)  # never opens past 0.45
    assert _run(frames).reps() == 0


def test_max_taps_stops_after_the_first_ten() -> None:
    frames, truth = finger_tap_stream(n_taps=16, rate_hz=3.0, amplitude=1.0, decrement=0.6, fps=60)
    ex = _run(frames, max_taps=10, duration_s=60)
    r = ex.result()
    assert r.reps == 10 and [e.kind for e in r.events].count("taps_done") == 1
    a = truth.amplitude[:10]
    assert r.metrics["amplitude_decrement_pct"] == pytest.approx(100 * (1 - a[-3:].mean() / a[:3].mean()), abs=1.5)


def test_world_landmarks_make_the_measures_rotation_invariant() -> None:
    """A hand tilted 60 degrees away from the camera: the image foreshortens it, MediaPipe's world
    landmarks do not, and aperture/curl come from the world landmarks when present."""
    from exercises.hand_geometry import measures
    from station.core import HandObservation

    lm = posed_hand((0.5, 0.5), aperture=0.6, hand_size=0.2, aspect=1.0)
    flat = np.c_[(lm[:, :2] - 0.5) * 0.5, np.zeros(21)]  # metres-ish, z = 0 (hand facing the camera)
    c, s = np.cos(np.radians(60)), np.sin(np.radians(60))
    tilted = flat @ np.array([[1, 0, 0], [0, c, -s], [0, s, c]]).T  # about the x axis
    seen = lm.copy()
    seen[:, 1] = 0.5 + (lm[:, 1] - 0.5) * c  # the image sees y shrunk by cos(60) = 0.5
    image_only = HandObservation("s", 0, 0, seen, (480, 480))
    with_world = HandObservation("s", 0, 0, seen, (480, 480), world=tilted.astype(np.float32))
    ap_img, cu_img, *_ = measures(image_only)
    ap_w, cu_w, gx, gy = measures(with_world)
    assert ap_w == pytest.approx(0.6, abs=1e-3) and abs(ap_img - 0.6) > 0.1
    upright = measures(HandObservation("s", 0, 0, lm, (480, 480)))
    assert cu_w == pytest.approx(upright[1], abs=1e-3) and abs(cu_img - upright[1]) > 0.05
    assert (gx, gy) == pytest.approx(((seen[4, 0] + seen[8, 0]) / 2, (seen[4, 1] + seen[8, 1]) / 2))  # grip point stays in the image
