"""Breathing rate on videos made from a real still photo: error in breaths/min.

Each clip is ``tests/media/body/person_sitting.jpg`` (a real photo of a seated adult) whose upper body
is displaced up and down at a known rate (:func:`vision.synth_games.breathing_video`: 3 px peak to
peak at 640 px wide, +-3 % cycle-to-cycle rate jitter, sensor noise, optionally a random-walk camera
shake). Every frame goes through real MediaPipe pose (video mode) and
:class:`vision.breathing.BreathingEstimator` (landmarks + Farneback flow on the chest). Printed per
clip: true rate, estimated rate (flow and landmark signals), absolute error, regularity, phase
agreement with a pacer at the true rate; then the mean absolute error.

This is **not** a validation on real breathing or on children: a moved still photo has no real
chest wall motion, clothing, posture drift or lighting change. Published camera methods report about
0.5-0.8 breaths/min mean absolute error in adults (Massaroni et al. 2018; Bae et al. 2021); those are
their figures, not re-measured here, and nothing here claims parity with them.

Usage::

    .venv/bin/python benchmarks/breathing_rate.py [--seconds 40] [--fps 15] [--rates 6,9,12,15,18,24]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")

PHOTO = ROOT / "tests" / "media" / "body" / "person_sitting.jpg"
CHEST = (0.28, 0.15, 0.52, 0.62)
"""The photo's displaced region (fractions of the image): the seated person's head, shoulders and chest."""


def load_photo(width: int = 640):  # type: ignore[no-untyped-def]
    import cv2

    img = cv2.imread(str(PHOTO))
    if img is None:
        raise SystemExit(f"cannot read {PHOTO}")
    s = width / img.shape[1]
    return cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)


def run_clip(rate: float, *, seconds: float, fps: float, noise: float, shake_px: float, seed: int,
             tracker_factory=None):  # type: ignore[no-untyped-def]
    """Estimate of one generated clip: ``(flow estimate, landmark estimate)``."""
    import numpy as np

    from station.core import Frame
    from vision.breathing import BreathingEstimator
    from vision.synth_games import breathing_video
    from vision.trackers import PoseTracker

    img = load_photo()
    est = BreathingEstimator()
    lm_only = BreathingEstimator()
    tracker = tracker_factory() if tracker_factory else PoseTracker()
    try:
        for i, (t, frame) in enumerate(breathing_video(img, CHEST, rate, duration_s=seconds, fps=fps, noise=noise,
                                                       shake_px=shake_px, seed=seed)):
            t_ns = round(t * 1e9)
            tf = tracker.process(Frame("synthetic-breathing", i, t_ns, t_ns, frame))
            pts = vis = None
            if tf.poses:
                pts = tf.poses[0].xy_px()
                vis = None if tf.poses[0].visibility is None else np.asarray(tf.poses[0].visibility, dtype=np.float64)
            est.push(t_ns, pts, vis, frame)
            lm_only.push(t_ns, pts, vis, None)
    finally:
        tracker.close()
    return est.estimate(pacer_rate=rate), lm_only.estimate(pacer_rate=rate)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--fps", type=float, default=15.0)
    ap.add_argument("--rates", default="6,9,12,15,18,24")
    args = ap.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    conditions = [("noise 2", 2.0, 0.0), ("noise 4 + shake 2 px", 4.0, 2.0)]
    print(f"photo: {PHOTO.relative_to(ROOT)}; {args.seconds:.0f} s clips at {args.fps:.0f} fps; 3 px peak-to-peak at 640 px")
    print(f"{'condition':22s} {'true':>6s} {'flow':>7s} {'lm':>7s} {'|err| flow':>10s} {'|err| lm':>9s} {'CV %':>6s} {'agree %':>8s}")
    errs: dict[str, list[float]] = {"flow": [], "landmarks": []}
    t0 = time.perf_counter()
    for name, noise, shake in conditions:
        for k, r in enumerate(rates):
            fe, le = run_clip(r, seconds=args.seconds, fps=args.fps, noise=noise, shake_px=shake, seed=k)
            ef = abs(fe.rate_per_min - r) if fe.rate_per_min is not None else float("nan")
            el = abs(le.rate_per_min - r) if le.rate_per_min is not None else float("nan")
            errs["flow"].append(ef)
            errs["landmarks"].append(el)
            fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
            print(f"{name:22s} {r:6.1f} {fmt(fe.rate_per_min):>7s} {fmt(le.rate_per_min):>7s} {ef:10.2f} {el:9.2f} "
                  f"{fmt(fe.regularity_cv_pct):>6s} {fmt(fe.phase_agreement_pct):>8s}")
    import math

    for k, v in errs.items():
        good = [x for x in v if math.isfinite(x)]
        mae = sum(good) / len(good) if good else float("nan")
        print(f"mean absolute error ({k}): {mae:.2f} breaths/min over {len(good)}/{len(v)} clips with an estimate")
    print(f"({time.perf_counter() - t0:.0f} s; not validated on real breathing or on children)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
