"""Validity of the counts on real clips with hand-annotated ground truth (issue 16).

Runs every real clip in ``tests/_validity.py`` (asserted and benchmark-only) and every robustness
variant, tracked with real MediaPipe (the legacy backend, and the Tasks backend with several people),
scored with ``station.analyze.analyze_landmarks``. Prints a table (exercise, clip, truth, count,
error, detection rate), the false repetitions of the cross-exercise runs, and totals. Not a timed
test: the exactness assertions live in ``tests/test_validity_real.py``.

    .venv/bin/python benchmarks/validity.py [--backend mediapipe-tasks] [--no-variants]

Benchmark-only clips, and the variants in ``BENCH_VARIANTS`` (measured, not passing), are marked
``bench``; nothing in the test suite asserts them. The variants include the camera rolled by a known
angle (``tiltedA``) and a low camera looking up (``low_angle``, a perspective warp).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from _validity import BENCH_VARIANTS, CLIPS, cross_exercises, make_variant, variant_backend  # noqa: E402

MEDIA = ROOT / "tests" / "media"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=None, help="score every clip with this backend (default: each clip's own)")
    ap.add_argument("--no-variants", action="store_true", help="skip the robustness variants")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    from station.analyze import TrackerOptions, analyze_landmarks, track_file

    tmp = Path(tempfile.mkdtemp(prefix="validity-"))
    cache: dict[tuple[str, str, int], tuple[Path, float]] = {}

    def tracked(src: Path, backend: str, num_poses: int) -> tuple[Path, float]:
        key = (str(src), backend, num_poses)
        if key not in cache:
            out = tmp / f"{len(cache)}-{src.stem}.parquet"
            frames, found = track_file(src, out, ("pose",), options=TrackerOptions(backend=backend, num_poses=num_poses))
            cache[key] = (out, found / max(frames, 1))
        return cache[key]

    rows: list[tuple[str, ...]] = []
    false_rows: list[tuple[str, str, str, int]] = []
    exact = total = abs_err = 0
    false_total = cross_runs = 0
    for clip in CLIPS:
        backend = args.backend or clip.backend
        num_poses = clip.num_poses if backend == clip.backend else (4 if backend == "mediapipe-tasks" else 1)
        sources: list[tuple[str, Path]] = [("original", MEDIA / clip.path)]
        if not args.no_variants:
            kinds = [*clip.variants, *(BENCH_VARIANTS.get(clip.path, ()) if clip.asserted else ())]
            sources += [(v, make_variant(MEDIA, clip.path, v, tmp / f"{Path(clip.path).stem}-{v}.mkv")) for v in kinds]
        for kind, src in sources:
            vb, vn = (backend, num_poses) if kind == "original" else variant_backend(clip, kind)
            if args.backend and kind != "second_person":
                vb, vn = backend, num_poses
            path, rate = tracked(src, vb, vn)
            role = "assert" if clip.asserted and kind not in BENCH_VARIANTS.get(clip.path, ()) else "bench"
            name = f"{Path(clip.path).name}" + ("" if kind == "original" else f" [{kind}]")
            if clip.exercise is not None:
                n = analyze_landmarks(path, clip.exercise).result.reps
                err = n - clip.count
                rows.append((clip.exercise, name, role, vb, str(clip.count), str(n), f"{err:+d}", f"{rate:.0%}"))
                exact += err == 0
                abs_err += abs(err)
                total += 1
            if kind != "original":
                continue
            for ex in cross_exercises(clip):
                n = analyze_landmarks(path, ex).result.reps
                cross_runs += 1
                false_total += n
                if n:
                    false_rows.append((name, role, ex, n))
            if clip.exercise is None:
                rows.append(("(control)", name, role, backend, "0", "-", "-", f"{rate:.0%}"))

    head = ("exercise", "clip", "role", "backend", "truth", "count", "error", "detected")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print(" | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print()
    print(f"counts: {exact}/{total} exact, total absolute error {abs_err}")
    print(f"cross-exercise runs (expected 0 each): {cross_runs}, false repetitions {false_total}")
    for name, role, ex, n in false_rows:
        print(f"  false: {name} ({role}) scored as {ex}: {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
