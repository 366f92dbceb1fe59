"""Throughput of ``station analyze`` versus a bare decode + MediaPipe loop on the same clip.

Target: the station's frames per second are at least 0.9 of the bare loop's (the model is the limit;
everything of ours must be nearly free).

* bare: ``cv2.VideoCapture.read`` -> ``cvtColor`` -> the model on every frame, nothing else (model
  loaded before the clock starts): ``mediapipe.solutions.{hands,pose}.process`` for the ``mediapipe``
  backend, ``HandLandmarker``/``PoseLandmarker.detect_for_video`` with the station's bundles for
  ``mediapipe-tasks``.
* station: :func:`station.analyze.analyze` (decode thread, tracker, One Euro smoothing, exercise
  scoring, result); its ``processing_fps`` covers the frame loop only, like the bare figure. The
  end-to-end time of the ``station analyze`` command (process start, imports, model load) is
  printed too.

Bare and station runs are interleaved ``--repeats`` times (a load spike from another process hits
both sides alike); the ratio is the median of the per-pair ratios. Usage::

    .venv/bin/python benchmarks/pipeline_vs_bare.py [--repeats 5] [--quick] [--backend mediapipe-tasks]

Every backend that runs on this Python is measured (``--backend`` picks one). Where the installed
mediapipe sends usage metrics (>= 0.10.30) the Tasks backend needs MOTOR_STATION_ALLOW_MEDIAPIPE_METRICS=1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MEDIA = ROOT / "tests" / "media"
warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")

CASES = [  # clip, exercise, model kind
    ("body/squats_5.mp4", "squats", "pose"),
    ("hand/open_palm.mp4", "tracing", "hand"),
    ("body/jump_from_box_two_people.mp4", "jumps", "pose"),
]


def bare_fps(clip: Path, kind: str, backend: str) -> float:
    """Frames per second of decode -> RGB -> model, nothing else."""
    import cv2

    model, run = _bare_model(kind, backend)
    cap = cv2.VideoCapture(str(clip))
    n = 0
    t0 = time.perf_counter()
    while True:
        ok, img = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        run(rgb, n * 40 + 1)
        n += 1
    dt = time.perf_counter() - t0
    cap.release()
    model.close()
    return n / dt


def _bare_model(kind: str, backend: str) -> tuple[Any, Callable[[Any, int], Any]]:
    """The model (loaded) and ``run(rgb, ms)`` for one frame."""
    import mediapipe as mp

    if backend == "mediapipe":
        sol = (mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=2, model_complexity=1)
               if kind == "hand" else mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=False))
        return sol, lambda rgb, ms: sol.process(rgb)
    from mediapipe.tasks.python import vision as mpv
    from mediapipe.tasks.python.core.base_options import BaseOptions

    from vision.mp_tasks import bundle, check_metrics_consent

    check_metrics_consent()
    video = mpv.RunningMode.VIDEO
    if kind == "hand":
        lm = mpv.HandLandmarker.create_from_options(mpv.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=bundle("hand_landmarker_full.task")), running_mode=video, num_hands=2))
    else:
        lm = mpv.PoseLandmarker.create_from_options(mpv.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=bundle("pose_landmarker_full.task")), running_mode=video))
    return lm, lambda rgb, ms: lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ms)


def station_fps(clip: Path, exercise: str, backend: str) -> float:
    from station.analyze import TrackerOptions, analyze

    return analyze(clip, exercise, options=TrackerOptions(backend=backend)).processing_fps


def cli_seconds(clip: Path, exercise: str, backend: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "station", "analyze", str(clip), "--exercise", exercise, "--json", os.devnull, "--force",
                    "--backend", backend], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="only the small squats clip, one repeat")
    ap.add_argument("--backend", choices=["mediapipe", "mediapipe-tasks"], default=None, help="one backend (default: every one that runs here)")
    args = ap.parse_args()
    from vision.mp_tasks import mediapipe_info

    info = mediapipe_info()
    chosen = [args.backend] if args.backend else [*(["mediapipe"] if info.legacy_solutions else []), "mediapipe-tasks"]
    cases = CASES[:1] if args.quick else CASES
    repeats = 1 if args.quick else args.repeats
    print(f"pipeline vs bare loop (median of {repeats}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
    print(f"mediapipe {info.version}, Python {sys.version.split()[0]}")
    print(f"{'backend':16s} {'clip':42s} {'model':5s} {'bare fps':>9s} {'station fps':>12s} {'ratio':>6s} {'target':>7s} {'CLI total s':>12s}")
    worst = float("inf")
    for backend, (rel, exercise, kind) in ((b, c) for b in chosen for c in cases):
        clip = MEDIA / rel
        station_fps(clip, exercise, backend)  # warm-up: lazy imports inside exercises, model files in the page cache
        # Interleaved pairs, so a load spike from another process hits both sides alike; the ratio is
        # the median of the per-pair ratios.
        pairs = [(bare_fps(clip, kind, backend), station_fps(clip, exercise, backend)) for _ in range(repeats)]
        bare = statistics.median(b for b, _ in pairs)
        ours = statistics.median(o for _, o in pairs)
        ratio = statistics.median(o / b for b, o in pairs)
        cli = cli_seconds(clip, exercise, backend)
        worst = min(worst, ratio)
        print(f"{backend:16s} {rel:42s} {kind:5s} {bare:9.1f} {ours:12.1f} {ratio:6.2f} {'>=0.90':>7s} {cli:12.2f}")
    print(f"worst ratio {worst:.2f} (target >= 0.90): {'OK' if worst >= 0.9 else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
