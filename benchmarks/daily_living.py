"""Errors of the daily-living scoring against known answers (no timed asserts; figures printed).

Generated streams (``vision/synth_daily.py``; unit tests of the scoring, not validation) with random
segment plans: brushing seconds per zone, hand-to-mouth cycles and spill risks, routine step times, posture
time upright; plus the real clips: the thumbs-up in ``tests/media/hand/fist_to_thumbs_up.mp4`` and a video
built from the real photo ``tests/media/body/person_sitting.jpg`` with a known lean.

Run: .venv/bin/python benchmarks/daily_living.py [--trials N]
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import numpy as np

import exercises
from station.core import StepInput
from vision.synth_daily import brushing_stream, gesture_stream, hand_to_mouth_stream, posture_stream

MEDIA = Path(__file__).resolve().parents[1] / "tests" / "media"


def run(name: str, frames: list, **settings: object) -> exercises.ExerciseResult:
    cls = exercises.get(name)
    ex = cls(cls.parse_settings(settings))
    for f in frames:
        ex.step(StepInput.from_tracked(f))
    ex.finish()
    return ex.result()


def stats(errs: list[float]) -> str:
    a = np.abs(np.asarray(errs, dtype=float))
    return f"mean |error| {a.mean():.3f}, max {a.max():.3f} (n={a.size})"


def brushing(rng: np.random.Generator, n: int) -> None:
    total, zone = [], []
    for _ in range(n):
        segs: list[tuple[float, str]] = []
        t = 0.0
        while t < 60:
            d = float(rng.uniform(1.0, 8.0))
            segs.append((d, str(rng.choice(["brush", "brush", "still", "away", "wave", "slow"]))))
            t += d
        frames, truth = brushing_stream(segs, freq_hz=float(rng.uniform(2.0, 4.5)), seed=int(rng.integers(1 << 30)))
        r = run("brushing", frames, duration_s=60.0)
        total.append(r.metrics["brushing_s"] - truth.seconds_between(0, 60))
        for k, z in enumerate(("upper_right", "upper_left", "lower_left", "lower_right")):
            zone.append(r.metrics[f"zone_{z}_s"] - truth.seconds_between(15 * k, 15 * k + 15))
    print(f"brushing, 60 s trials: total brushing s {stats(total)}; per zone s {stats(zone)}")


def feeding(rng: np.random.Generator, n: int) -> None:
    cnt, risk = [], []
    for _ in range(n):
        k = int(rng.integers(1, 12))
        frames, truth = hand_to_mouth_stream(k, reach_s=float(rng.uniform(0.6, 1.4)), tilt_every=int(rng.integers(0, 4)),
                                             tremor=float(rng.uniform(0, 0.01)), seed=int(rng.integers(1 << 30)))
        r = run("hand_to_mouth", frames)
        cnt.append(r.metrics["cycles"] - truth.cycles)
        risk.append(r.metrics["spill_risk"] - sum(truth.tilted))
    print(f"hand to mouth: cycles {stats(cnt)}; spill risks {stats(risk)}")


def routine(rng: np.random.Generator, n: int) -> None:
    errs = []
    for _ in range(n):
        segs: list[tuple[float, str]] = []
        truth = []
        t = 0.0
        for _s in range(3):
            work = float(rng.uniform(1.0, 10.0))
            segs += [(work, str(rng.choice(["none", "fist", "open"]))), (1.0, "thumbs_up"), (0.5, "none")]
            truth.append(work + 0.5)  # done when the thumbs-up has been held 0.5 s
            t += work + 1.5
        # the step clock restarts at each done: step k lasts its work time plus the remainder of the previous hold
        exp = [truth[0]] + [truth[k] + 1.0 for k in range(1, 3)]
        r = run("routine", gesture_stream(segs, seed=int(rng.integers(1 << 30))), steps="socks,shoes,coat", prompt_after_s=60.0)
        errs += [r.metrics.get(f"step{k + 1}_s", math.nan) - exp[k] for k in range(3)]
    print(f"routine step times s: {stats(errs)}")


def posture(rng: np.random.Generator, n: int) -> None:
    errs = []
    for _ in range(n):
        segs = [(3.0, 0.0, 0.0)] + [(float(rng.uniform(1, 8)), float(rng.choice([0, 5, 25, 35])), float(rng.choice([0, 10, 35, 45])))
                                    for _ in range(6)]
        frames, truth = posture_stream(segs, seed=int(rng.integers(1 << 30)))
        r = run("posture", frames, calib_s=3.0)
        slumped = sum(e - max(s, 3.0) for s, e in truth.slumped if e > 3.0)
        errs.append(r.metrics["upright_s"] - (truth.duration_s - 3.0 - slumped))
    print(f"posture time upright s: {stats(errs)}")


def real() -> None:
    import cv2

    from station.analyze import TrackerOptions, track_file
    from vision.gestures import HoldDetector, classify
    from vision.recording import read_landmarks

    with tempfile.TemporaryDirectory() as d:
        lm = Path(d) / "thumb.parquet"
        track_file(MEDIA / "hand" / "fist_to_thumbs_up.mp4", lm, ("hand",), options=TrackerOptions())
        frames = [tf for tf in read_landmarks(lm) if tf.hands]
        labels = [classify(tf.hands[0]) for tf in frames]
        first = next(tf.t_ns for tf, g in zip(frames, labels, strict=True) if g == "thumbs_up")
        hold = HoldDetector()
        fired = [tf.t_ns for tf, g in zip(frames, labels, strict=True) if hold.update(g, tf.t_ns)]
        print(f"real thumbs-up clip: {len(frames)} frames with a hand, {labels.count('thumbs_up')} thumbs-up, first at "
              f"{(first - frames[0].t_ns) / 1e9:.2f} s after the hand appeared; 'done' fired {len(fired)} time(s)")
        img = cv2.imread(str(MEDIA / "body" / "person_sitting.jpg"))
        h, w = img.shape[:2]
        for squash in (0.9, 0.8, 0.7):
            sq = np.full_like(img, 128)
            small = cv2.resize(img, (w, int(h * squash)))
            sq[h - small.shape[0]:] = small
            video = Path(d) / f"sit{squash}.mp4"
            vw = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (w, h))
            for frame in [img] * 40 + [sq] * 40:
                vw.write(frame)
            vw.release()
            out = Path(d) / f"sit{squash}.parquet"
            track_file(video, out, ("pose",), options=TrackerOptions())
            cls = exercises.get("posture")
            ex = cls(cls.parse_settings({"calib_s": 3.0}))
            trunk, head = [], []
            for k, tf in enumerate(read_landmarks(out)):
                ex.step(StepInput.from_tracked(tf))
                if k >= 45:
                    trunk.append(ex.live()["trunk_deg"])
                    head.append(ex.live()["head_deg"])
            truth = math.degrees(math.acos(squash))
            print(f"real seated photo squashed to {squash}: lean truth {truth:.1f} deg; trunk {np.nanmedian(trunk):.1f} deg, "
                  f"head {np.nanmedian(head):.1f} deg (median over the squashed part)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--no-real", action="store_true")
    a = ap.parse_args()
    rng = np.random.default_rng(20)
    brushing(rng, a.trials)
    feeding(rng, a.trials)
    routine(rng, a.trials)
    posture(rng, a.trials)
    if not a.no_real:
        real()


if __name__ == "__main__":
    main()
