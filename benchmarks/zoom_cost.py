"""What the pose tracker's zoom on a small person (``vision/zoom.py``) costs and gains.

For a few clips, tracks every frame with the legacy MediaPipe pose tracker with and without the zoom
and prints frames with a person, milliseconds of model time per frame (the sum of the observations'
``latency_ns``: the whole frame, the crop and any search window), and the ratio. Clips: the
``child_sized`` validity variant of ``squats_5.mp4`` (a 64 px person: the zoom's reason), the clip at
full size (a large person: the zoom should stay off), and ``pedestrians_walking_many.mp4`` (small
passers-by, mostly nobody found: the search's cost). Not a timed test.

    .venv/bin/python benchmarks/zoom_cost.py
"""

from __future__ import annotations

import logging
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from _validity import make_variant  # noqa: E402

MEDIA = ROOT / "tests" / "media"


def _run(path: Path, zoom: bool) -> tuple[int, int, float, int, int]:
    from vision.pipeline import track_stream
    from vision.sources import open_source
    from vision.trackers import make_tracker

    trk = make_tracker(["pose"], pose_options={"zoom": zoom})
    try:
        frames = list(track_stream(open_source(path), trk))
        z = getattr(trk, "_zoom", None)
        searches, zoomed = (z.search_runs, z.zoomed_frames) if z is not None else (0, 0)
    finally:
        trk.close()
    found = sum(bool(tf.poses) for tf in frames)
    ms = sum(tf.latency_ns for tf in frames) / 1e6 / max(len(frames), 1)
    return len(frames), found, ms, searches, zoomed


def main() -> int:
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="zoomcost-"))
    clips = [
        ("squats_5 child_sized", make_variant(MEDIA, "body/squats_5.mp4", "child_sized", tmp / "child.mkv")),
        ("squats_5", MEDIA / "body" / "squats_5.mp4"),
        ("pedestrians_walking_many", MEDIA / "body" / "controls" / "pedestrians_walking_many.mp4"),
    ]
    print(f"{'clip':26} | {'frames':>6} | {'found off':>9} | {'found on':>8} | {'ms/frame off':>12} | {'ms/frame on':>11} | {'ratio':>5} | {'searches':>8} | {'zoomed':>6}")
    for name, path in clips:
        _run(path, False)  # warm the model files and caches once
        n, f_off, ms_off, _, _ = _run(path, False)
        _, f_on, ms_on, searches, zoomed = _run(path, True)
        print(f"{name:26} | {n:6d} | {f_off:9d} | {f_on:8d} | {ms_off:12.1f} | {ms_on:11.1f} | {ms_on / ms_off:5.2f} | {searches:8d} | {zoomed:6d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
