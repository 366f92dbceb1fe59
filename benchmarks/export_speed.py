"""Export speed: a 10-minute session (30 fps hand + pose landmarks) to Parquet, CSV and BIDS.

Target: an export takes less than a tenth of the session's length (60 s for 10 minutes).
``--devices 2`` adds a grip dynamometer (1 channel) and a balance board (7 channels) at 1 kHz.

    .venv/bin/python benchmarks/export_speed.py [--minutes 10] [--devices 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from station.core import DeviceInfo, HandObservation, PoseObservation, SensorSample, SessionMeta
from station.export import export
from station.storage import Recorder, open_database


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--devices", type=int, default=0, choices=(0, 1, 2), help="devices at 1 kHz (grip, balance) besides the landmarks")
    args = ap.parse_args()
    d = Path(tempfile.mkdtemp())
    db = open_database(f"sqlite:///{d}/export.db")
    db.create_session(SessionMeta("bench", "BENCH-1", datetime(2026, 1, 1, tzinfo=UTC), 0, "bench", {}, {}))
    rec = Recorder(db, "bench")
    rec.begin_trial(0, "tracing", {}, 0)
    rng = np.random.default_rng(0)
    n = int(args.minutes * 60 * 30)
    for i in range(n):
        t = i * 33_333_333
        rec.record_observations(0, hands=[HandObservation("cam", i, t, rng.random((21, 3), dtype=np.float32), (640, 480))],
                                poses=[PoseObservation("cam", i, t, rng.random((33, 3), dtype=np.float32), (640, 480))])
    devs = [DeviceInfo("grip0", "grip", "G", "S1", "1", ("force",), ("kg",), 1000.0),
            DeviceInfo("balance0", "balance", "B", "S2", "1", ("tl", "tr", "bl", "br", "total", "cop_x", "cop_y"), ("kg",) * 5 + ("mm",) * 2,
                       1000.0)][: args.devices]
    for info in devs:
        rec.record_device(info)
        w = len(info.channels)
        for start in range(0, int(args.minutes * 60_000), 1000):
            vals = np.round(rng.normal(10, 1, (1000, w)), 3)
            rec.record_samples(0, [SensorSample(info.device_id, start + i, (start + i) * 1_000_000, (start + i) * 1_000_000 + 50_000,
                                                (start + i) * 1000, tuple(vals[i].tolist()), info.channels, info.units)
                                   for i in range(1000)])
    rec.close()
    db.end_session("bench")
    budget = args.minutes * 60 / 10
    for fmt in ("parquet", "csv", "bids"):
        t0 = time.perf_counter()
        s = export(db, ["bench"], fmt, d / fmt)
        dt = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in s.files) / 1e6
        print(f"{fmt}: {args.minutes:g} min at 30 fps ({n} frames, {n * 54} landmark rows, {len(devs)} devices) in {dt:.1f} s, {size:.1f} MB "
              f"(target < {budget:.0f} s: ratio {dt / budget:.2f})")
    db.dispose()


if __name__ == "__main__":
    main()
