"""Software path latency of a cue: from the frame that put it up to the child screen painting it.

Runs ``station run --simulated --exercise stop_go`` (the real window, the simulated child, a throw-away
SQLite database) for ``--seconds`` and reads the ``cue`` events back: each carries ``paint_latency_ms`` =
painted - scheduled on the session clock (scheduled = the time of the frame at which the exercise put the cue
up; painted = the first paint the child view reported, :mod:`exercises.cues`). Prints the median and range.
The screen's own latency (paint to light) is not included. Use a real display (``DISPLAY=:99`` with Xvfb, or
a monitor); offscreen Qt paints too, but not on a display's schedule.

Usage::

    DISPLAY=:99 .venv/bin/python benchmarks/cue_paint_latency.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "latency.db"
        env = dict(os.environ, MOTOR_STATION_HOME=str(Path(tmp) / "home"))
        station = Path(sys.executable).parent / "station"
        r = subprocess.run([str(station), "run", "--simulated", "--exercise", "stop_go", "--db", f"sqlite:///{db}",
                            "--screenshot", str(Path(tmp) / "shot.png"), "--quit-after", str(args.seconds)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.seconds + 240)
        if r.returncode != 0:
            print(r.stdout[-2000:], r.stderr[-2000:])
            return 1
        with sqlite3.connect(db) as c:
            rows = c.execute("select payload from events where kind = 'cue'").fetchall()
    lat = [p["paint_latency_ms"] for (raw,) in rows if (p := json.loads(raw)).get("paint_latency_ms") is not None]
    platform = os.environ.get("QT_QPA_PLATFORM") or ("xcb " + os.environ.get("DISPLAY", "")).strip()
    print(f"platform {platform}: {len(rows)} cues, {len(lat)} reported painted")
    if lat:
        print(f"paint latency: median {statistics.median(lat):.1f} ms, range {min(lat):.1f}-{max(lat):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
