"""Scoring of copy-the-animals, stop-and-go and breathing on generated landmark streams with known answers.

These are unit tests of the scoring on simulated children (planned sequences, planned mistakes, known
reaction times and breathing rates), not a validation on children. The real-media parts: the pose
classifier on hand-labelled real clips (test_pose_classifier.py) and breathing on a real still photo moved
at a known rate (the last test here, real MediaPipe).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pytest
from scipy.stats import norm

import exercises
from exercises.breathing import Breathing, BreathingChild
from exercises.copy_animals import ERROR_KINDS, CopyAnimals, CopyAnimalsChild, align
from exercises.cues import CueBoard
from exercises.stop_go import StopGo, StopGoChild, block_items, d_prime
from station.core import ScoreEvent, StepInput

T0 = 1_000_000_000
FRAME_S = 1 / 30


def _kinds(ops: list[tuple[str, int | None, int | None]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for op, *_ in ops:
        if op != "match":
            out[op] = out.get(op, 0) + 1
    return out


def test_alignment_names_each_error_kind() -> None:
    t = ["bird", "frog", "star"]
    assert _kinds(align(t, t)) == {}
    assert _kinds(align(t, ["frog", "bird", "star"])) == {"order": 2}  # a transposed pair: both animals
    assert _kinds(align(t, ["bird", "star"])) == {"omission": 1}
    assert _kinds(align(t, ["bird", "frog", "star", "giraffe"])) == {"intrusion": 1}
    assert _kinds(align(t, ["bird", "giraffe", "star"])) == {"wrong_pose": 1}
    assert _kinds(align(t, ["bird", "star", "star"])) == {"order": 1}  # substituted by an animal shown elsewhere
    assert _kinds(align(t, [])) == {"omission": 3}


def _run(ex, inputs: Iterable[StepInput], board: CueBoard | None = None, paint_delay_ns: int = 0) -> list[ScoreEvent]:  # type: ignore[no-untyped-def]
    """Step ``ex``; with a board, report every cue it puts up as painted ``paint_delay_ns`` after the frame."""
    out: list[ScoreEvent] = []
    for inp in inputs:
        out += ex.step(inp)
        if board is not None:
            key = int(ex.live().get("cue_key", 0))
            if key:
                board.painted(key, inp.t_ns + paint_delay_ns)
    out += ex.finish()
    return out


class PlannedCopier(CopyAnimalsChild):
    def __init__(self, plan: tuple[str, ...]) -> None:
        self._plan = plan

    def inputs(self, settings, *, t0_ns, duration_s, reps, seed, image_size):  # type: ignore[no-untyped-def]
        return self._run(settings, t0_ns, duration_s, seed, image_size, self._plan)


EXPECTED_ERRORS = {"correct": {}, "order": {"order": 2}, "omission": {"omission": 1}, "intrusion": {"intrusion": 1},
                   "wrong_pose": {"wrong_pose": 1}}


def _expected_spans(outcomes: list[bool], start: int = 2, max_span: int = 7) -> list[int]:
    span, streak, out = start, 0, []
    for ok in outcomes:
        out.append(span)
        streak = (streak + 1 if streak > 0 else 1) if ok else (streak - 1 if streak < 0 else -1)
        if streak >= 2:
            span, streak = min(max_span, span + 1), 0
        elif streak <= -2:
            span, streak = max(1, span - 1), 0
    return out


def test_copy_animals_scores_every_planned_mistake_and_adapts_the_span() -> None:
    child = CopyAnimalsChild()
    ex = CopyAnimals()
    ev = _run(ex, child.inputs(ex.settings, t0_ns=T0, duration_s=230.0, reps=None, seed=5, image_size=(640, 480)))
    seqs = [e for e in ev if e.kind == "sequence"]
    assert len(seqs) >= 10
    plan = [child.plan[k % len(child.plan)] for k in range(len(seqs))]
    for e, behaviour in zip(seqs, plan, strict=True):
        got = {k: e.payload[f"errors_{k}"] for k in ERROR_KINDS if e.payload[f"errors_{k}"]}
        assert got == EXPECTED_ERRORS[behaviour], (behaviour, e.payload)
        assert e.payload["correct"] is (behaviour == "correct")
    assert [e.payload["span"] for e in seqs] == _expected_spans([b == "correct" for b in plan])
    r = ex.result()
    assert r.metrics["longest_span"] == max(e.payload["span"] for e, b in zip(seqs, plan, strict=True) if b == "correct")
    assert r.metrics["sequences"] == len(seqs) and r.metrics["errors_intrusion"] == plan.count("intrusion")
    assert r.metrics["errors_order"] == 2 * plan.count("order") and r.metrics["errors_wrong_pose"] == plan.count("wrong_pose")
    n_pos = sum(e.payload["span"] for e in seqs)
    right = sum(round(e.value * e.payload["span"]) for e in seqs)  # type: ignore[operator]
    assert r.metrics["accuracy_pct"] == pytest.approx(100 * right / n_pos)
    assert {e.kind for e in ev} >= {"cue", "pose", "sequence", "span_change"}


def test_two_failures_shorten_the_span_and_it_never_drops_below_one() -> None:
    ex = CopyAnimals()
    child = PlannedCopier(("omission",))
    ev = _run(ex, child.inputs(ex.settings, t0_ns=T0, duration_s=60.0, reps=None, seed=1, image_size=(640, 480)))
    spans = [e.payload["span"] for e in ev if e.kind == "sequence"]
    assert spans[:5] == [2, 2, 1, 1, 1]
    assert ex.result().metrics["longest_span"] == 0  # nothing was copied right


def test_response_time_runs_from_the_painted_your_turn_cue() -> None:
    """The child begins each pose 0.5 s after the 'your turn' picture went up; the screen painted every cue
    40 ms after the frame that put it up: the first response time is measured from the painted onset."""
    board = CueBoard()
    ex = CopyAnimals(board=board)
    child = PlannedCopier(("correct",))
    ev = _run(ex, child.inputs(ex.settings, t0_ns=T0, duration_s=40.0, reps=None, seed=2, image_size=(640, 480)), board, 40_000_000)
    cues = [e for e in ev if e.kind == "cue"]
    assert cues and all(e.payload["onset_source"] == "painted" and e.payload["paint_latency_ms"] == pytest.approx(40.0) for e in cues)
    turns = {e.rep: e.t_ns for e in cues if e.payload["cue"] == "your_turn"}
    for e in (e for e in ev if e.kind == "sequence"):
        first = e.payload["first_response_s"]
        assert 0.5 - 0.04 - FRAME_S <= first <= 0.5 + 0.35 - 0.04 + FRAME_S  # the pose is named during its 0.35 s blend
        assert turns[e.rep] > 0
    assert ex.result().metrics["cue_paint_latency_ms"] == pytest.approx(40.0)


def _stopgo(board: CueBoard | None = None, delay_ns: int = 0, duration_s: float = 80.0):  # type: ignore[no-untyped-def]
    child = StopGoChild(paint_delay_ns=delay_ns if board is not None else None)
    ex = StopGo(board=board) if board is not None else StopGo()
    ev = _run(ex, child.inputs(ex.settings, t0_ns=T0, duration_s=duration_s, reps=None, seed=3, image_size=(640, 480)), board, delay_ns)
    return ex, child, ev


def test_go_nogo_counts_reaction_times_and_d_prime_match_the_plan() -> None:
    ex, child, ev = _stopgo()
    items = [e for e in ev if e.kind == "item" and e.payload["block"] == "gonogo"]
    cues = [it.cue for it in block_items(ex.s, "gonogo")]
    assert [e.payload["cue"] for e in items] == cues
    truth = child.truth[: len(cues)]
    expected = []
    for cue, (action, _delay) in zip(cues, truth, strict=True):
        jump = action == "jump"
        expected.append(("hit" if jump else "omission") if cue == "go" else ("commission" if jump else "correct_rejection"))
    assert [e.payload["outcome"] for e in items] == expected
    assert {"omission", "commission", "hit", "correct_rejection"} <= set(expected)  # every outcome is exercised
    for e, (action, delay) in zip(items, truth, strict=True):
        if action == "jump":  # movement onset within one frame of the planned one (the first frame that moved)
            assert delay <= e.payload["rt_s"] <= delay + FRAME_S + 1e-6, (delay, e.payload)
    m = ex.result().metrics
    go, nogo = cues.count("go"), cues.count("nogo")
    hits, comm = expected.count("hit"), expected.count("commission")
    assert (m["hits"], m["omission_errors"], m["commission_errors"], m["correct_rejections"]) == (hits, go - hits, comm, nogo - comm)
    assert m["d_prime"] == pytest.approx(norm.ppf((hits + 0.5) / (go + 1)) - norm.ppf((comm + 0.5) / (nogo + 1)))


def test_reaction_time_runs_from_the_painted_cue() -> None:
    board = CueBoard()
    _ex, child, ev = _stopgo(board, 50_000_000, duration_s=25.0)
    items = [e for e in ev if e.kind == "item" and e.payload["block"] == "gonogo"]
    assert len(items) == 10
    for e, (action, delay) in zip(items, child.truth, strict=False):
        cue = next(c for c in ev if c.kind == "cue" and c.t_ns == e.payload["onset_ns"])
        assert cue.payload["onset_source"] == "painted" and cue.payload["paint_latency_ms"] == pytest.approx(50.0)
        if action == "jump":  # the child moved 'delay' after the cue went up; the screen showed it 50 ms later
            assert delay - 0.05 <= e.payload["rt_s"] <= delay - 0.05 + FRAME_S + 1e-6, (delay, e.payload)


def test_htks_items_score_two_one_zero_as_planned() -> None:
    ex, _child, ev = _stopgo()
    items = [e for e in ev if e.kind == "item" and e.payload["block"] != "gonogo"]
    assert len(items) == 12
    expected = [1 if k % 5 == 3 else 0 if k % 7 == 5 else 2 for k in range(len(items))]
    assert [e.payload["score"] for e in items] == expected
    for e in items:
        assert e.payload["answer"] != e.payload["cue"]  # the opposite part, by the block's rule
    m = ex.result().metrics
    assert m["htks_total"] == sum(expected) and m["htks_max"] == 24 and m["htks_self_corrected"] == expected.count(1)
    assert m["htks_scores"] == ",".join(map(str, expected))
    switched = [e for e in items if e.payload["block"] == "htks3"]
    assert all({e.payload["cue"], e.payload["answer"]} in ({"head", "knees"}, {"shoulders", "toes"}) for e in switched)


def test_d_prime_corrects_extreme_rates() -> None:
    assert d_prime(10, 10, 0, 5) == pytest.approx(norm.ppf(10.5 / 11) - norm.ppf(0.5 / 6))
    assert math.isfinite(d_prime(0, 10, 5, 5))  # type: ignore[arg-type]
    assert d_prime(3, 3, 0, 0) is None and d_prime(0, 0, 1, 3) is None


def test_repeat_request_reshows_the_memory_sequence() -> None:
    board = CueBoard()
    ex = CopyAnimals(board=board)
    child = CopyAnimalsChild()
    shown: list[float] = []
    for i, inp in enumerate(child.inputs(ex.settings, t0_ns=T0, duration_s=12.0, reps=None, seed=1, image_size=(640, 480))):
        ex.step(inp)
        shown.append(ex.live()["animal"])
        if i == 75:  # 2.5 s in: the therapist repeats the instruction
            board.request_repeat()
    ev = ex.finish() + ex.events
    assert [e.kind for e in ev].count("repeat") == 1 and ex.repeats == 1
    first = [a for a in shown[:75] if a >= 0]
    again = [a for a in shown[76:76 + 90] if a >= 0]
    assert first and again and again[0] == first[0]  # the same sequence from its first animal


@pytest.mark.parametrize("rate", [6.0, 10.0, 15.0, 20.0, 24.0])
def test_breathing_rate_on_generated_landmarks(rate: float) -> None:
    ex = Breathing()
    child = BreathingChild(rate=rate, fidget=False)
    _run(ex, child.inputs(ex.settings, t0_ns=T0, duration_s=60.0, reps=None, seed=int(rate), image_size=(640, 480)))
    m = ex.result().metrics
    assert m["breaths_per_min"] == pytest.approx(rate, abs=0.5) and m["too_much_movement"] == "no" and m["signal"] == "landmarks"


def test_breathing_phase_agreement_with_the_pacer() -> None:
    with_pacer, other = Breathing(), Breathing()
    _run(with_pacer, BreathingChild(fidget=False).inputs(with_pacer.settings, t0_ns=T0, duration_s=60.0, reps=None, seed=1, image_size=(640, 480)))
    _run(other, BreathingChild(rate=10.0, fidget=False).inputs(other.settings, t0_ns=T0, duration_s=60.0, reps=None, seed=1, image_size=(640, 480)))
    assert with_pacer.result().metrics["phase_agreement_pct"] > 80.0
    assert other.result().metrics["phase_agreement_pct"] < 50.0


def test_too_much_movement_is_shown_and_never_a_number() -> None:
    ex = Breathing()
    live_during: list[dict[str, float]] = []
    child = BreathingChild(fidget_s=20.0)  # fidgets for a third of the trial
    for inp in child.inputs(ex.settings, t0_ns=T0, duration_s=60.0, reps=None, seed=1, image_size=(640, 480)):
        ex.step(inp)
        if ex.live()["too_much_movement"]:
            live_during.append(ex.live())
    ex.finish()
    m = ex.result().metrics
    assert live_during and all(math.isnan(v["breaths_per_min"]) for v in live_during)
    assert m["too_much_movement"] == "yes" and m["breaths_per_min"] is None and m["phase_agreement_pct"] is None
    assert "too_much_movement" in {e.kind for e in ex.events}


def test_contract_sim_child_fidget_is_flagged_but_the_rate_survives() -> None:
    ex = exercises.get("breathing")()
    _run(ex, ex.contract.sim.inputs(ex.settings, t0_ns=T0, duration_s=60.0, reps=None, seed=1, image_size=(640, 480)))
    m = ex.result().metrics
    assert m["movement_episodes"] == 1 and m["too_much_movement"] == "no"
    assert m["breaths_per_min"] == pytest.approx(6.0, abs=0.5)


def test_breathing_on_a_real_photo_moved_at_a_known_rate() -> None:
    """tests/media/body/person_sitting.jpg, upper body moved at 15 breaths/min (3 px peak to peak), noise and a
    2 px camera shake; real MediaPipe pose on every frame, landmarks refined by optical flow on the chest."""
    pytest.importorskip("mediapipe")
    from pathlib import Path

    import cv2

    from station.core import Frame
    from vision.breathing import BreathingEstimator
    from vision.synth_games import breathing_video
    from vision.trackers import PoseTracker

    img = cv2.imread(str(Path(__file__).parent / "media" / "body" / "person_sitting.jpg"))
    img = cv2.resize(img, None, fx=640 / img.shape[1], fy=640 / img.shape[1], interpolation=cv2.INTER_AREA)
    est = BreathingEstimator()
    with PoseTracker() as tracker:
        for i, (t, frame) in enumerate(breathing_video(img, (0.28, 0.15, 0.52, 0.62), 15.0, duration_s=30.0, fps=10.0,
                                                       noise=3.0, shake_px=2.0, seed=4)):
            t_ns = round(t * 1e9)
            f = tracker.process(Frame("photo", i, t_ns, t_ns, frame))
            assert f.poses, f"frame {i}: nobody found in the photo"
            est.push(t_ns, f.poses[0].xy_px(), np.asarray(f.poses[0].visibility, dtype=np.float64), frame)
    e = est.estimate(pacer_rate=15.0)
    assert e.source == "flow" and e.usable and e.rate_per_min is not None
    assert abs(e.rate_per_min - 15.0) < 1.0
