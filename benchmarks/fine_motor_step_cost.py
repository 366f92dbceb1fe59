"""Per-frame scoring cost of the fine-motor exercises (tracing, pegboard, finger taps).

Feeds each exercise the simulated child's landmark stream (``vision.synth_hand``) and prints the
mean and 95th-percentile cost of one ``step`` (target: < 0.2 ms per frame per exercise), and the
cost of the whole-trial metrics (``result()``), which run once at the end.

Run: ``.venv/bin/python benchmarks/fine_motor_step_cost.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _cost(name: str, settings: dict, frames: list) -> tuple[float, float, float, int]:  # type: ignore[type-arg]
    import exercises
    from exercises.base import StepInput

    inputs = [StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size) for f in frames]
    ex = exercises.create(name, settings)
    per = np.empty(len(inputs))
    for i, inp in enumerate(inputs):
        t0 = time.perf_counter_ns()
        ex.step(inp)
        per[i] = time.perf_counter_ns() - t0
    t0 = time.perf_counter()
    ex.result()
    return float(per.mean() / 1e6), float(np.percentile(per, 95) / 1e6), (time.perf_counter() - t0) * 1e3, len(inputs)


def main() -> int:
    import exercises
    from exercises.templates import make_template
    from vision.synth_hand import finger_tap_stream, pegboard_stream, tracing_stream

    cases = []
    for shape in ("circle", "spiral", "figure8", "S"):
        frames, _ = tracing_stream(make_template(shape, size=0.6).points, duration_s=20, fps=30, seed=1)
        cases.append((f"tracing {shape}", "tracing", {"shape": shape, "size": 0.6}, frames))
    frames, _ = tracing_stream(make_template("triangle", size=0.4).points, duration_s=20, fps=30, seed=1)
    cases.append(("tracing free", "tracing", {"shape": "triangle", "mode": "free"}, frames))
    peg = {"board": "nine_hole", "center": "0.6,0.5", "spacing": 0.1, "dish": "0.25,0.5"}
    holes = exercises.create("pegboard", peg).holes_normalised((640, 480))
    frames, _ = pegboard_stream(holes, (0.25, 0.5), drops=(3,))
    cases.append(("pegboard nhpt", "pegboard", peg, frames))
    frames, _ = finger_tap_stream(n_taps=60, fps=30)
    cases.append(("finger_taps", "finger_taps", {"duration_s": 60}, frames))
    print(f"{'case':18s} {'frames':>6s} {'step mean ms':>12s} {'step p95 ms':>11s} {'ratio to 0.2 ms':>15s} {'result() ms':>11s}")
    for label, name, settings, frames in cases:
        _cost(name, settings, frames[:50])  # warm up imports and caches
        mean, p95, res, n = _cost(name, settings, frames)
        print(f"{label:18s} {n:6d} {mean:12.4f} {p95:11.4f} {mean / 0.2:15.2f} {res:11.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
