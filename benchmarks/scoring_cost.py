"""Scoring cost per frame (or per sensor sample) of every body, grip and balance exercise.

Target: under 0.2 ms per frame for every exercise, so tracking (about 17 ms per frame for pose)
stays the limit. Inputs are the project's synthetic streams (pose at 30 fps) and built sensor
streams (grip 80 Hz, balance 100 Hz); each exercise scores its stream ``REPEATS`` times and the
median of the per-frame cost is printed with its ratio to the target.

Run: ``.venv/bin/python benchmarks/scoring_cost.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import exercises
from exercises.base import StepInput
from station.core import SensorSample
from vision.synth_body import animal_walk_stream, exercise_stream, jumps_stream, one_leg_stream

TARGET_MS = 0.2
REPEATS = 5


def _pose(frames: list) -> list[StepInput]:  # type: ignore[type-arg]
    return [StepInput(f.t_ns, poses=f.poses, frame_seq=f.seq, image_size=f.image_size) for f in frames]


def _grip(n: int = 2400) -> list[StepInput]:
    t = np.arange(n) / 80.0
    f = 40 + 30 * np.sin(2 * np.pi * t / 3)
    return [StepInput(int(ti * 1e9), samples=[SensorSample("grip0", i, int(ti * 1e9), int(ti * 1e9), None, (float(fi),), ("force",), ("N",))])
            for i, (ti, fi) in enumerate(zip(t, f, strict=True))]


def _balance(n: int = 3000) -> list[StepInput]:
    t = np.arange(n) / 100.0
    x, y = 40 * np.sin(t), 40 * np.cos(t * 0.7)
    out = []
    for i, (ti, xi, yi) in enumerate(zip(t, x, y, strict=True)):
        a, b = xi / 216.5, yi / 119.0
        vals = (6.25 * (1 - a + b), 6.25 * (1 + a + b), 6.25 * (1 - a - b), 6.25 * (1 + a - b))
        ns = int(ti * 1e9)
        out.append(StepInput(ns, samples=[SensorSample("balance0", i, ns, ns, None, vals, ("tl", "tr", "bl", "br"), ("kg",) * 4)]))
    return out


def streams() -> dict[str, list[StepInput]]:
    s: dict[str, list[StepInput]] = {}
    for name in ("jumping_jacks", "squats", "pushups", "situps"):
        s[name] = _pose(exercise_stream(name, 20, fps=30, seed=1)[0])
    s["bear_walk"] = _pose(animal_walk_stream("bear", 20, fps=30, seed=1)[0])
    s["crab_walk"] = _pose(animal_walk_stream("crab", 20, fps=30, seed=1)[0])
    jumps = _pose(jumps_stream(20, fps=30, seed=1)[0])
    for name in ("jumps", "bunny_hops", "long_jump"):
        s[name] = jumps
    s["frog_jumps"] = _pose(jumps_stream(20, fps=30, forward=0.02, frog=True, crouch=0.15, seed=1)[0])
    s["one_leg_stance"] = _pose(one_leg_stream((5.0, 5.0, 5.0), fps=30, seed=1)[0])
    grip = _grip()
    for name in ("grip_squeeze", "grip_max", "grip_repeat", "grip_tracking"):
        s[name] = grip
    bal = _balance()
    for name in ("balance_quiet_stance", "balance_one_leg", "balance_lean"):
        s[name] = bal
    return s


def main() -> int:
    worst = 0.0
    print(f"{'exercise':<22} {'steps':>6} {'ms/step':>9} {'ratio to 0.2 ms':>16}")
    for name, inputs in streams().items():
        costs = []
        for _ in range(REPEATS):
            ex = exercises.create(name, {"duration_s": "600"} if name.startswith("balance") else {})
            t0 = time.perf_counter()
            for inp in inputs:
                ex.step(inp)
            ex.finish()
            costs.append((time.perf_counter() - t0) * 1e3 / len(inputs))
        ms = statistics.median(costs)
        worst = max(worst, ms)
        print(f"{name:<22} {len(inputs):>6} {ms:>9.4f} {ms / TARGET_MS:>16.2f}")
    print(f"worst: {worst:.4f} ms per step = {worst / TARGET_MS:.2f} x target ({'OK' if worst < TARGET_MS else 'OVER TARGET'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
