"""Daily-living scoring (tooth brushing, hand to mouth, routine, seated posture) on generated landmark streams
with known answers, and the thumbs-up classifier on the real hand clips.

The generated streams (:mod:`vision.synth_daily`) are unit tests of the scoring, not validation: no real
brushing, feeding or classroom clip is at hand. The gesture tests use the real MediaPipe landmarks of
``tests/media/hand/fist_to_thumbs_up.mp4`` (a fist turning into a thumbs-up), ``thumb_up.jpg`` and
``open_palm.mp4`` (never a thumbs-up).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import exercises
from exercises.routine import THERAPIST
from station.core import InputError, StepInput
from vision.synth_daily import brushing_stream, gesture_stream, hand_to_mouth_stream, posture_stream


def _run(name: str, frames: list, **settings: object) -> exercises.ExerciseResult:
    cls = exercises.get(name)
    ex = cls(cls.parse_settings(settings))
    for f in frames:
        ex.step(StepInput.from_tracked(f))
    ex.finish()
    return ex.result()


# -- tooth brushing --------------------------------------------------------------------------------
def test_brushing_time_per_zone_matches_the_generated_truth() -> None:
    segs = [(2, "away"), (10, "brush"), (3, "still"), (8, "brush"), (4, "away"), (3, "wave"), (6, "brush"), (4, "slow")]
    frames, truth = brushing_stream(segs, seed=1)
    r = _run("brushing", frames, duration_s=40.0)
    assert abs(r.metrics["brushing_s"] - truth.seconds_between(0, 40)) <= 1.0
    for k, zone in enumerate(("upper_right", "upper_left", "lower_left", "lower_right")):
        assert abs(r.metrics[f"zone_{zone}_s"] - truth.seconds_between(10 * k, 10 * k + 10)) <= 1.0, zone
    assert r.metrics["brushed_share_pct"] == pytest.approx(100 * r.metrics["brushing_s"] / 40, abs=0.01)
    assert r.metrics["zones_done"] == 3  # the third zone had 3 s of 10 brushed
    assert r.metrics["freq_hz"] == pytest.approx(3.0, abs=0.5)
    kinds = [e.kind for e in r.events]
    assert kinds.count("zone_start") == 4 and kinds.count("zone_done") == 4


@pytest.mark.parametrize("mode", ["still", "wave", "slow", "away", "gone"])
def test_no_brushing_without_an_oscillating_hand_at_the_mouth(mode: str) -> None:
    frames, _ = brushing_stream([(12, mode)], seed=2)
    r = _run("brushing", frames, duration_s=12.0)
    assert r.metrics["brushing_s"] == 0.0, mode


@pytest.mark.parametrize("freq", [1.0, 2.0, 4.0, 7.0])
def test_brushing_band_is_1_5_to_5_hz(freq: float) -> None:
    frames, _ = brushing_stream([(10, "brush")], freq_hz=freq, seed=3)
    r = _run("brushing", frames, duration_s=10.0)
    if 1.5 <= freq <= 5.0:
        assert r.metrics["brushing_s"] >= 8.5
    else:
        assert r.metrics["brushing_s"] <= 1.0


# -- hand to mouth ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 5, 9])
def test_hand_to_mouth_counts_cycles_and_spill_risks(n: int) -> None:
    frames, truth = hand_to_mouth_stream(n, tilt_every=3, seed=n)
    r = _run("hand_to_mouth", frames)
    assert r.metrics["cycles"] == truth.cycles == n
    assert r.metrics["spill_risk"] == sum(truth.tilted)
    risky = [e.rep for e in r.events if e.kind == "spill_risk"]
    assert risky == [k + 1 for k, t in enumerate(truth.tilted) if t]
    arrivals = [e.t_ns for e in r.events if e.kind == "to_mouth"]
    assert all(0 <= m - a <= 400_000_000 for a, m in zip(arrivals, truth.mouth_ns, strict=True))  # the near threshold is crossed before the stop
    assert r.metrics["tilt_measured"] == "yes"


def test_hand_to_mouth_smoothness_drops_with_a_tremor() -> None:
    smooth = _run("hand_to_mouth", hand_to_mouth_stream(4, seed=1)[0]).metrics
    shaky = _run("hand_to_mouth", hand_to_mouth_stream(4, tremor=0.015, seed=1)[0]).metrics
    assert smooth["cycles"] == shaky["cycles"] == 4
    assert shaky["sparc_mean"] < smooth["sparc_mean"] - 0.2  # an 8 Hz wobble of 1.5 % of the frame
    assert shaky["ldlj_mean"] < smooth["ldlj_mean"]


def test_hand_to_mouth_without_hand_landmarks_says_tilt_is_not_measured() -> None:
    from dataclasses import replace

    frames, _ = hand_to_mouth_stream(3, tilt_every=1, seed=4)
    r = _run("hand_to_mouth", [replace(f, hands=()) for f in frames])
    assert r.metrics["cycles"] == 3  # the pose's wrist still travels to the mouth
    assert r.metrics["tilt_measured"] == "no" and r.metrics["spill_risk"] == 0


# -- routine ---------------------------------------------------------------------------------------
def test_routine_step_times_prompts_and_independence() -> None:
    segs = [(2, "none"), (2, "fist"), (1, "thumbs_up"), (0.5, "none"), (25, "open"), (1, "thumbs_up"), (1, "none"), (3, "fist")]
    r = _run("routine", gesture_stream(segs), steps="wash_hands,get_dressed,pack_bag", prompt_after_s=20.0, hold_s=0.5)
    m = r.metrics
    assert m["steps_done"] == 2 and m["independent"] == 1
    assert m["step1_s"] == pytest.approx(4.5, abs=0.05)  # thumbs-up at 4.0 s, held 0.5 s
    assert m["step2_s"] == pytest.approx(26.5, abs=0.05)  # from 4.5 s to 30.5 + 0.5 s
    prompts = [e for e in r.events if e.kind == "prompt"]
    assert len(prompts) == 1 and prompts[0].payload["by"] == "picture"
    assert prompts[0].t_ns == pytest.approx(24.5e9, abs=0.05e9)


def test_a_thumbs_up_held_on_counts_once() -> None:
    r = _run("routine", gesture_stream([(1, "none"), (6, "thumbs_up")]), steps="socks,shoes")
    assert r.metrics["steps_done"] == 1


def test_a_short_thumbs_up_is_not_done() -> None:
    r = _run("routine", gesture_stream([(1, "none"), (0.3, "thumbs_up"), (2, "none")]), steps="socks", hold_s=0.5)
    assert r.metrics["steps_done"] == 0


def test_therapist_keys_mark_done_and_prompt() -> None:
    cls = exercises.get("routine")
    ex = cls(cls.parse_settings({"steps": "coat,pack_bag"}))
    frames = gesture_stream([(3, "none")])
    for i, f in enumerate(frames):
        if i == 30:
            THERAPIST.put("prompt")
        if i == 45:
            THERAPIST.put("done")
        ex.step(StepInput.from_tracked(f))
    m = ex.result().metrics
    assert m["steps_done"] == 1 and m["independent"] == 0 and m["step1_s"] == pytest.approx(1.5, abs=0.05)
    done = next(e for e in ex.events if e.kind == "step_done")
    assert done.payload["by"] == "therapist" and done.payload["prompts"] == 1


def test_routine_refuses_a_step_outside_the_picture_set() -> None:
    with pytest.raises(InputError, match="invalid settings") as info:
        exercises.get("routine").parse_settings({"steps": "wash_hands,fly_to_moon"})
    assert "unknown step(s) fly_to_moon" in str(info.value)


# -- posture ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("segs", [
    [(4, 0, 0), (6, 2, 5), (8, 30, 10), (4, 0, 0), (7, 5, 40), (5, 0, 0)],
    [(3, 0, 0), (20, 25, 35)],
    [(5, 0, 0), (15, 5, 10)],
])
def test_posture_time_upright_matches_the_truth(segs: list[tuple[float, float, float]]) -> None:
    frames, truth = posture_stream(segs)
    r = _run("posture", frames, calib_s=3.0, cue_after_s=5.0)
    observed = truth.duration_s - 3.0
    slumped = sum(e - max(s, 3.0) for s, e in truth.slumped if e > 3.0)
    assert r.metrics["observed_s"] == pytest.approx(observed, abs=0.1)
    assert r.metrics["upright_s"] == pytest.approx(observed - slumped, abs=0.1)
    assert r.metrics["slump_cues"] == sum(1 for s, e in truth.slumped if e - s >= 5.0)


def test_posture_cue_comes_after_the_set_slump_time() -> None:
    frames, _ = posture_stream([(3, 0, 0), (2, 0, 0), (10, 30, 30)])
    r = _run("posture", frames, calib_s=3.0, cue_after_s=4.0)
    cue = next(e for e in r.events if e.kind == "slump_cue")
    assert cue.t_ns / 1e9 == pytest.approx(5.0 + 4.0, abs=0.05)


def test_posture_calibrates_to_the_child() -> None:
    """A child who sits a little bent from the start is upright against their own calibration."""
    frames, _ = posture_stream([(3, 10, 15), (10, 10, 15)])
    r = _run("posture", frames, calib_s=3.0)
    assert r.metrics["upright_share_pct"] == 100.0


# -- the thumbs-up classifier on real hands ---------------------------------------------------------
@pytest.mark.slow
def test_thumbs_up_on_the_real_clips(landmarks: Callable[..., Path]) -> None:
    from vision.gestures import HoldDetector, classify
    from vision.recording import read_landmarks

    frames = [tf for tf in read_landmarks(landmarks("hand/fist_to_thumbs_up.mp4", ("hand",))) if tf.hands]
    labels = [classify(tf.hands[0]) for tf in frames]
    assert labels[0] == "fist"  # the clip starts with a fist
    tail = labels[-100:]
    assert tail.count("thumbs_up") >= 95  # and ends in a thumbs-up toward the camera
    hold = HoldDetector(hold_s=0.5)
    fired = [tf.t_ns for tf, g in zip(frames, labels, strict=True) if hold.update(g, tf.t_ns)]
    assert len(fired) == 1
    still = next(iter(read_landmarks(landmarks("hand/thumb_up.jpg", ("hand",)))))
    assert [classify(h) for h in still.hands] == ["thumbs_up"]
    palm = [classify(tf.hands[0]) for tf in read_landmarks(landmarks("hand/open_palm.mp4", ("hand",))) if tf.hands]
    assert palm and "thumbs_up" not in palm


# -- seated posture on a real photo, and desk mode with a real pen trace ----------------------------
def _sitting_video(media: Path, out: Path, squash: float = 0.8, fps: int = 10) -> Path:
    """4 s of the real photo of a seated person, then 4 s of the same photo squashed vertically to ``squash`` of
    its height (about the bottom edge): every vertical distance shrinks, so the trunk and the head read as
    leaning by ``acos(squash)`` (36.9 degrees for 0.8) against the upright calibration."""
    import cv2
    import numpy as np

    img = cv2.imread(str(media / "body" / "person_sitting.jpg"))
    h, w = img.shape[:2]
    sq = np.full_like(img, 128)
    small = cv2.resize(img, (w, int(h * squash)))
    sq[h - small.shape[0]:] = small
    vw = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for frame in [img] * (4 * fps) + [sq] * (4 * fps):
        vw.write(frame)
    vw.release()
    return out


@pytest.mark.slow
def test_posture_on_a_real_seated_person(media: Path, tmp_path: Path) -> None:
    from station.analyze import TrackerOptions, track_file
    from vision.recording import read_landmarks

    video = _sitting_video(media, tmp_path / "sitting.mp4")
    lm = tmp_path / "sitting.parquet"
    track_file(video, lm, ("pose",), options=TrackerOptions())
    frames = list(read_landmarks(lm))
    r = _run("posture", frames, calib_s=3.0)
    m = r.metrics
    assert m["calibrated"] == "yes" and m["observed_s"] == pytest.approx(4.9, abs=0.15)
    assert m["upright_share_pct"] == pytest.approx(20.0, abs=3.0)  # upright 3-4 s, leaning 4-8 s
    assert m["slumps"] == 1


@pytest.mark.slow
def test_desk_session_with_its_pen_trace(media: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from station.cli import main
    from station.plans import PlanItem, SessionPlan
    from station.practice import practice_by_place
    from station.session.build import RunOptions, make_session_factory
    from station.storage import open_database
    from station.storage import schema as S

    monkeypatch.setenv("MOTOR_STATION_HOME", str(tmp_path / "school"))
    url = f"sqlite:///{tmp_path / 'school.db'}"
    video = _sitting_video(media, tmp_path / "sitting.mp4")
    plan = SessionPlan(name="writing", participant="P-021", items=[PlanItem(exercise="posture", settings={"calib_s": 3.0})])
    db = open_database(url)
    try:
        ctl, _ = make_session_factory(db, RunOptions(video=video, db_url=url, countdown_s=0.0, place="school"))("P-021", plan)
        ctl.start()
        ctl.join()
        assert ctl.summary is not None and ctl.summary.status == "complete"
        sid = ctl.summary.session_id
    finally:
        db.dispose()
    svc = media / "tracing" / "handwriting" / "signal.svc"
    assert main(["desk", "add-trace", sid[:8], str(svc), "--db", url]) == 0
    assert main(["desk", "add-trace", sid[:8], str(svc), "--db", url]) == 0
    assert "already added" in capsys.readouterr().out
    db = open_database(url)
    try:
        trials = db.rows(S.trials, sid, ("trial",))
        assert [(t["exercise"], t["source"], t["place"]) for t in trials] == [
            ("posture", "video:sitting.mp4", "school"), ("tracing", "pen:signal.svc", "school")]
        names = {m["name"] for m in db.rows(S.metrics, sid) if m["trial"] == 1}
        assert {"duration_s", "sparc"} <= names
        pr = practice_by_place(db, "P-021")
        assert list(pr) == ["school"] and pr["school"].exercises == {"posture": 1, "tracing": 1}
    finally:
        db.dispose()
