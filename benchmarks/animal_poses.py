"""Confusion matrices of the animal-pose classifier (:mod:`vision.poses`): generated poses and real clips.

1. Generated: every pose (bird, frog, flamingo, giraffe, star, neutral) at 5 sizes x 5 positions x both
   mirror images x 2 flamingo legs, with landmark noise of 0.002 and 0.01 frame heights, plus half-way
   blends (truth: the blend is not yet the pose; they must not be named as another animal). Rows = truth.
2. Real clips (``tests/media``), frames labelled by hand in ``tests/animal_pose_labels.csv``: real
   MediaPipe pose (video mode) on every frame of each clip, the label of each labelled frame.

What the real clips can and cannot show: they are adults, not children; they contain birds (arms out),
frogs (squats), a flamingo (one-leg stance) and neutral standing, and many frames that are none of the
game poses (yoga, standing with the hands at the chest). **No real clip here shows a giraffe (both arms
straight up, feet together) or a star (jumping-jack star)**: those two rows stay empty for real footage and
are measured on generated poses only.

Usage::

    .venv/bin/python benchmarks/animal_poses.py
"""

from __future__ import annotations

import csv
import sys
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated")

LABELS_CSV = ROOT / "tests" / "animal_pose_labels.csv"


def generated(noise: float, seed: int = 0) -> tuple[list[str], list[str]]:
    import numpy as np

    from vision.poses import ANIMALS, NEUTRAL, animal_pose, classify

    rng = np.random.default_rng(seed)
    truth, pred = [], []
    for label in (*ANIMALS, NEUTRAL):
        for scale in (0.5, 0.7, 0.85, 1.0, 1.1):
            for dx, dy in ((0, 0), (-0.2, 0), (0.2, 0), (0, -0.05), (0.1, 0.05)):
                for mirror in (False, True):
                    for leg in ("left", "right"):
                        pts = animal_pose(label, lifted=leg, scale=scale, dx=dx, dy=dy)
                        if mirror:
                            pts = pts.copy()
                            pts[:, 0] = 1.0 - pts[:, 0]
                        pts = pts + rng.normal(0, noise, pts.shape)
                        truth.append(label)
                        pred.append(classify(pts * np.array([640.0, 480.0])))
    return truth, pred


def blends(noise: float, seed: int = 1) -> dict[str, dict[str, int]]:
    """What half-way blends (amount 0.4) are called: anything but another animal is fine."""
    import numpy as np

    from vision.poses import ANIMALS, animal_pose, classify

    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, int]] = {}
    for label in ANIMALS:
        c: dict[str, int] = defaultdict(int)
        for k in range(50):
            pts = animal_pose(label, amount=0.4 + 0.002 * k) + rng.normal(0, noise, (33, 2))
            c[classify(pts * np.array([640.0, 480.0]))] += 1
        out[label] = dict(c)
    return out


def read_labels() -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = defaultdict(dict)
    with LABELS_CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            out[row["clip"]][int(row["frame"])] = row["label"]
    return out


def real_clip(clip: str) -> list[tuple[object, object] | None]:
    """``(pts px, visibility)`` per frame of a clip (``None`` where MediaPipe found nobody)."""
    import cv2
    import numpy as np

    from station.core import Frame
    from vision.trackers import PoseTracker

    cap = cv2.VideoCapture(str(ROOT / "tests" / "media" / clip))
    out: list[tuple[object, object] | None] = []
    with PoseTracker() as tr:
        i = 0
        while True:
            ok, img = cap.read()
            if not ok:
                break
            t = int(i * 1e8)
            f = tr.process(Frame(clip, i, t, t, img))
            out.append(None if not f.poses else (f.poses[0].xy_px(), np.asarray(f.poses[0].visibility, dtype=np.float64)))
            i += 1
    return out


def main() -> int:
    from vision.poses import LABELS, classify, confusion, format_confusion

    for noise in (0.002, 0.01):
        t, p = generated(noise)
        m = confusion(t, p)
        acc = sum(a == b for a, b in zip(t, p, strict=True)) / len(t)
        print(f"== generated poses, landmark noise {noise} frame heights: {len(t)} frames, accuracy {100 * acc:.1f} %")
        print(format_confusion(m))
        print("half-way blends (amount 0.40-0.50) called:", blends(noise))
        print()
    labels = read_labels()
    truth, pred = [], []
    print("== real clips (adults; frames labelled by hand in tests/animal_pose_labels.csv), real MediaPipe pose")
    for clip, frames in labels.items():
        obs = real_clip(clip)
        ct, cp = [], []
        for k, lab in sorted(frames.items()):
            o = obs[k] if k < len(obs) else None
            ct.append(lab)
            cp.append("unknown" if o is None else classify(o[0], o[1]))  # type: ignore[arg-type]
        ok = sum(a == b for a, b in zip(ct, cp, strict=True))
        called: dict[str, int] = defaultdict(int)
        for x in cp:
            called[x] += 1
        print(f"{clip}: {ok}/{len(ct)} as labelled; called {dict(called)}")
        truth += ct
        pred += cp
    m = confusion(truth, pred, LABELS)
    print(format_confusion(m, LABELS))
    acc = sum(a == b for a, b in zip(truth, pred, strict=True)) / len(truth)
    print(f"real frames: {len(truth)}, accuracy {100 * acc:.1f} %; no real giraffe or star frames exist in tests/media (rows absent)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
