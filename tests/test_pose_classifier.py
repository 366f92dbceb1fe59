"""The animal-pose classifier (vision.poses): invariance on generated poses, the hold tracker, and the
confusion on real clips labelled by hand (tests/animal_pose_labels.csv, real MediaPipe pose).

The real clips hold adults making birds, frogs, a flamingo and neutral standing, plus many frames that are
none of the game poses; no real clip here shows a giraffe or a star (those are measured on generated poses
only). The rules were adjusted once after the first look at these clips (80 % -> 98 % of labelled frames),
so the real-clip figure is a development figure, not a held-out validation.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from vision.poses import ANIMALS, LABELS, NEUTRAL, UNKNOWN, PoseTracker, animal_pose, classify, confusion

ROOT = Path(__file__).resolve().parents[1]
PX = np.array([640.0, 480.0])


@pytest.mark.parametrize("label", [*ANIMALS, NEUTRAL])
def test_each_pose_is_named_whatever_its_size_place_and_mirror(label: str) -> None:
    rng = np.random.default_rng(0)
    for scale in (0.5, 0.8, 1.1):
        for dx in (-0.2, 0.0, 0.2):
            for mirror in (False, True):
                pts = animal_pose(label, scale=scale, dx=dx, lifted="right" if mirror else "left")
                if mirror:
                    pts = pts.copy()
                    pts[:, 0] = 1.0 - pts[:, 0]
                assert classify((pts + rng.normal(0, 0.002, pts.shape)) * PX) == label, (label, scale, dx, mirror)


def test_noise_costs_little_and_never_makes_one_animal_another() -> None:
    rng = np.random.default_rng(1)
    truth, pred = [], []
    for label in (*ANIMALS, NEUTRAL):
        for _ in range(60):
            truth.append(label)
            pred.append(classify((animal_pose(label) + rng.normal(0, 0.01, (33, 2))) * PX))
    m = confusion(truth, pred)
    assert np.trace(m) / m.sum() >= 0.9
    off = m.copy()
    np.fill_diagonal(off, 0)
    assert off[:, :LABELS.index(UNKNOWN)].sum() == 0  # errors go to 'unknown', never to another pose


def test_not_upright_or_unseen_is_unknown() -> None:
    pts = animal_pose("flamingo") * PX
    lying = pts[:, ::-1].copy()  # the body turned on its side
    assert classify(lying) == UNKNOWN
    vis = np.ones(33)
    vis[[23, 24]] = 0.1  # the hips not seen
    assert classify(pts, vis) == UNKNOWN
    arms_hidden = np.ones(33)
    arms_hidden[[15, 16]] = 0.1  # a squat with the hands out of sight is still a frog
    assert classify(animal_pose("frog") * PX, arms_hidden) == "frog"


def test_hold_time_neutral_between_repeats_and_short_gaps() -> None:
    tr = PoseTracker(hold_s=0.5, gap_s=0.15)
    ms = 1_000_000
    got = []
    seq = [("bird", 0, 400), ("neutral", 400, 1000), ("giraffe", 1000, 1700), ("giraffe", 1700, 2400), ("unknown", 2400, 2500),
           ("giraffe", 2500, 3000), ("neutral", 3000, 3600), ("giraffe", 3600, 4200)]
    for label, a, b in seq:
        for t in range(a, b, 33):
            acc = tr.push(t * ms, label)
            if acc is not None:
                got.append((acc.label, acc.start_ns // ms))
    # the 0.4 s bird is too short; the giraffe is accepted once, a 100 ms gap does not restart it, the same pose
    # again needs the neutral in between
    assert [g[0] for g in got] == ["neutral", "giraffe", "neutral", "giraffe"]
    assert got[1] == ("giraffe", 1000)  # held from its first frame


def _labels() -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = defaultdict(dict)
    with (ROOT / "tests" / "animal_pose_labels.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            assert row["label"] in LABELS, row
            out[row["clip"]][int(row["frame"])] = row["label"]
    return out


def test_real_clips_confusion(landmarks: Callable[..., Path], artifacts: Path) -> None:
    pytest.importorskip("mediapipe")
    from vision.poses import format_confusion
    from vision.recording import read_landmarks

    truth: list[str] = []
    pred: list[str] = []
    per_clip: dict[str, tuple[int, int]] = {}
    for clip, frames in _labels().items():
        tracked = {f.seq: f for f in read_landmarks(landmarks(clip, ("pose",)))}
        ok = 0
        for k, lab in sorted(frames.items()):
            f = tracked.get(k)
            p = UNKNOWN
            if f is not None and f.poses:
                o = f.poses[0]
                p = classify(o.xy_px(), None if o.visibility is None else np.asarray(o.visibility, dtype=np.float64))
            truth.append(lab)
            pred.append(p)
            ok += p == lab
        per_clip[clip] = (ok, len(frames))
    m = confusion(truth, pred)
    (artifacts / "animal_pose_confusion_real.txt").write_text(format_confusion(m) + "\n" + repr(per_clip) + "\n")
    assert len(truth) == 168
    assert np.trace(m) / m.sum() >= 0.9, format_confusion(m)
    idx = {k: i for i, k in enumerate(LABELS)}
    for animal in ("bird", "frog", "flamingo"):  # the real animal frames are named right
        row = m[idx[animal]]
        assert row[idx[animal]] / row.sum() >= 0.9, (animal, format_confusion(m))
    # frames that are no game pose (yoga, hands at the chest) are never called an animal
    assert m[idx[UNKNOWN], [idx[a] for a in ANIMALS]].sum() == 0, format_confusion(m)
    assert per_clip["body/yoga_flow.gif"] == (39, 39)
