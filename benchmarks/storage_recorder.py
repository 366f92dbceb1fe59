"""Recorder: a live session never waits on the database, and at most the last second is queued.

A paced producer (30 fps hand + pose observations and a 120 Hz four-channel sensor, like a balance
board) runs for ``--seconds`` of real time on SQLite (and on PostgreSQL when a URL is given). Prints
the producer's call latency (what the scoring loop pays per frame), the most rows ever queued (what
a crash could lose), and the writer's burst throughput. Targets: p99 producer call < 1 ms; queued
data <= 1 s.

    .venv/bin/python benchmarks/storage_recorder.py [--seconds 20] [--pg postgresql://USER:PW@HOST/DB]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime

import numpy as np

from station.core import HandObservation, PoseObservation, SensorSample, SessionMeta
from station.storage import Recorder, open_database

FPS = 30
SENSOR_HZ = 120


def paced(url: str, seconds: float) -> None:
    db = open_database(url)
    sid = f"bench-{time.time_ns()}"
    db.create_session(SessionMeta(sid, "BENCH-1", datetime.now(UTC), 0, "bench", {}, {}))
    rec = Recorder(db, sid)
    hl = np.random.default_rng(0).random((21, 3), dtype=np.float32)
    pl = np.random.default_rng(1).random((33, 3), dtype=np.float32)
    lat, queued = [], []
    t0 = time.perf_counter()
    n = seq = 0
    while time.perf_counter() - t0 < seconds:
        n += 1
        while time.perf_counter() < t0 + n / FPS:
            time.sleep(0.001)
        t1 = time.perf_counter()
        tn = time.perf_counter_ns()
        rec.record_observations(0, hands=[HandObservation("cam", n, tn, hl, (640, 480))], poses=[PoseObservation("cam", n, tn, pl, (640, 480))])
        k = SENSOR_HZ // FPS
        rec.record_samples(0, [SensorSample("bal0", seq + j, tn, tn, None, (1.0, 2.0, 3.0, 4.0), ("fl", "fr", "bl", "br"), ("N",) * 4) for j in range(k)])
        seq += k
        lat.append((time.perf_counter() - t1) * 1e3)
        queued.append(rec.pending)
    rec.close()
    db.end_session(sid)
    a = np.array(lat)
    rows_per_s = FPS * (2 + SENSOR_HZ // FPS)
    worst_s = max(queued) / rows_per_s
    print(f"{db.engine.dialect.name}: paced {seconds:.0f} s, {rec.rows_written} rows; producer call median {np.median(a):.3f} ms, "
          f"p99 {np.percentile(a, 99):.3f} ms (target < 1 ms: ratio {np.percentile(a, 99) / 1.0:.2f}), max {a.max():.2f} ms; "
          f"most queued {max(queued)} rows = {worst_s:.2f} s of data (target <= 1 s: ratio {worst_s:.2f}); write errors {rec.write_errors}")
    db.dispose()


def burst(url: str, frames: int = 18_000) -> None:
    db = open_database(url)
    sid = f"burst-{time.time_ns()}"
    db.create_session(SessionMeta(sid, "BENCH-1", datetime.now(UTC), 0, "bench", {}, {}))
    rec = Recorder(db, sid)
    hl = np.random.default_rng(0).random((21, 3), dtype=np.float32)
    t = time.perf_counter()
    for i in range(frames):
        rec.record_observations(0, hands=[HandObservation("cam", i, i * 33_333_333, hl, (640, 480))])
    rec.close()
    dt = time.perf_counter() - t
    db.end_session(sid)
    print(f"{db.engine.dialect.name}: burst of {frames} hand frames (10 min at 30 fps) written in {dt:.2f} s = {frames / dt:.0f} rows/s "
          f"({frames / dt / FPS:.0f}x real time)")
    db.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--pg", default=None, help="also run on this PostgreSQL URL")
    args = ap.parse_args()
    urls = [f"sqlite:///{tempfile.mkdtemp()}/bench.db"] + ([args.pg] if args.pg else [])
    for url in urls:
        paced(url, args.seconds)
        burst(url)


if __name__ == "__main__":
    main()
