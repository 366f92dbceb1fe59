"""Soak: a long simulated session, watching memory, lost samples, CPU and the database's size.

What runs (all real parts, nothing mocked):

* a grip dynamometer and a balance board at ``--rate`` Hz (default 1000) each, simulated in their
  own processes (``station devices simulate``) on real pseudo-terminals, read by the real drivers;
* the simulated child's hand (``vision.synth_hand``) at ``--fps`` (default 30) frames per second;
* scoring: the session's exercise (``tracing``) on the landmarks, plus ``grip_squeeze`` and
  ``balance_quiet_stance`` stepped on the device samples;
* recording: the real :class:`~station.session.SessionRunner` and recorder into SQLite, trials of
  ``--trial-s`` seconds one after the other, the devices streaming throughout.

Reported: resident memory (RSS, from ``/proc/self/status``) every ``--every`` seconds and its growth
(a least-squares slope over the run after a warm-up, in MB per hour, and the last reading minus
the first one after the warm-up; the warm-up is the first quarter of the run, and at least the first
trial's end, whose result computation loads the scoring libraries once); lost samples (device sequence gaps seen by the
drivers, samples dropped by their bounded queues, and stored rows checked against the sequence
numbers: must be zero); CPU use of the whole station process (user + system time over wall time, in
% of one core; the simulators are other processes) and the machine's load; database size (main
file + WAL) and rows per second.

Usage::

    .venv/bin/python benchmarks/soak.py                 # 30 minutes
    .venv/bin/python benchmarks/soak.py --minutes 1 --json soak.json
    .venv/bin/python benchmarks/soak.py --hogs 2       # beside two CPU-bound processes (contention)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import exercises  # noqa: E402
from devices.balance import BalanceBoard  # noqa: E402
from devices.driver import SerialDevice  # noqa: E402
from devices.grip import GripDynamometer  # noqa: E402
from exercises.base import StepInput  # noqa: E402
from exercises.templates import make_template  # noqa: E402
from station.core import SystemClock  # noqa: E402
from station.session import SessionRunner, TrialSpec  # noqa: E402
from station.storage import open_database  # noqa: E402
from vision.synth_hand import tracing_stream  # noqa: E402


def rss_mb() -> float:
    """Resident set size of this process in MB (``VmRSS``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Monitor(threading.Thread):
    """Samples RSS and process CPU every ``every`` seconds (wall time since start)."""

    def __init__(self, every: float, verbose: bool) -> None:
        super().__init__(name="soak-monitor", daemon=True)
        self.every = every
        self.verbose = verbose
        self.rows: list[tuple[float, float, float]] = []  # (t_s, rss_mb, cpu_s)
        self.load: list[float] = []  # 1-minute load average at each row
        self._halt = threading.Event()
        self.t0 = time.monotonic()
        self.status: dict[str, Any] = {}

    def run(self) -> None:
        self.t0 = time.monotonic()
        while True:
            t = time.monotonic() - self.t0
            self.rows.append((t, rss_mb(), _cpu_s()))
            self.load.append(os.getloadavg()[0])
            if self.verbose:
                st = " ".join(f"{k}={v}" for k, v in self.status.items())
                print(f"  t={t:7.0f} s  RSS {self.rows[-1][1]:7.1f} MB  load {self.load[-1]:4.2f}  {st}", flush=True)
            if self._halt.wait(self.every):
                return

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _slope_per_hour(pts: list[tuple[float, float]]) -> float:
    if len(pts) < 3:
        return float("nan")
    n = len(pts)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    return sxy / sxx * 3600 if sxx > 0 else float("nan")


def _start_simulators(tmp: Path, rate: float, seconds: float) -> list[subprocess.Popen[bytes]]:
    procs = []
    for kind in ("grip", "balance"):
        with open(tmp / f"{kind}.out", "wb") as out:  # the simulator's last line counts what it could not send
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "station", "devices", "simulate", kind, "--link", str(tmp / kind), "--rate", str(rate),
                 "--seconds", str(seconds + 120)], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT))
    deadline = time.monotonic() + 60
    while not all((tmp / k).is_symlink() for k in ("grip", "balance")):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError("the device simulators did not start")
        time.sleep(0.05)
    return procs


def _simulator_counts(path: Path) -> dict[str, int]:
    """``sent``/``dropped``/``unsent``/``flushed`` from a simulator's last line."""
    text = path.read_text(errors="replace") if path.exists() else ""
    m = re.search(r"sent (\d+) lines, dropped (\d+), unsent (\d+), flushed by the host (\d+)", text)
    return {"sent": int(m[1]), "dropped": int(m[2]), "unsent": int(m[3]), "flushed": int(m[4])} if m else {}


_HOG = """
import os, sys, time
parent, end = os.getppid(), time.monotonic() + float(sys.argv[1])
while time.monotonic() < end and os.getppid() == parent:  # never outlives the soak
    for _ in range(200_000):
        pass
"""


def _start_hogs(n: int, seconds: float) -> list[subprocess.Popen[bytes]]:
    """``n`` processes that each keep one core busy (pure Python loops), to soak under CPU contention;
    each ends by itself after ``seconds`` or as soon as the soak process is gone."""
    return [subprocess.Popen([sys.executable, "-c", _HOG, str(seconds)]) for _ in range(n)]


def _end(procs: list[subprocess.Popen[bytes]], *, kill: bool = False) -> None:
    """Stop processes (SIGTERM, or SIGKILL with ``kill``), and SIGKILL any that do not end in 10 s."""
    for p in procs:
        if p.poll() is None:
            p.kill() if kill else p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def soak(minutes: float, *, rate: float = 1000.0, fps: float = 30.0, trial_s: float = 60.0, every: float = 10.0,
         db_path: Path | None = None, verbose: bool = True, hogs: int = 0) -> dict[str, Any]:
    """Run the soak; returns the figures (see the module docstring)."""
    seconds = minutes * 60.0
    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    db_file = db_path or tmp / "soak.db"
    procs: list[subprocess.Popen[bytes]] = []
    hog_procs: list[subprocess.Popen[bytes]] = []
    devs: list[SerialDevice] = []
    db = None
    try:
        procs = _start_simulators(tmp, rate, seconds)
        hog_procs = _start_hogs(hogs, seconds + 120)
        clock = SystemClock()
        devs = [GripDynamometer(str(tmp / "grip"), clock=clock), BalanceBoard(str(tmp / "balance"), clock=clock)]
        db = open_database(f"sqlite:///{db_file}")
        mon = Monitor(every, verbose)
        received = {d.device_id: 0 for d in devs}
        side = {"grip": exercises.create("grip_squeeze", {}), "balance": exercises.create("balance_quiet_stance", {})}
        side_steps = {"grip": 0, "balance": 0}
        size = (640, 480)
        tmpl = make_template("circle", center=(0.5, 0.5), size=0.6, aspect=size[0] / size[1])
        t_end_ns = 0
        t_start_ns = clock.now_ns()
        last_seq: dict[str, int] = {}
        gap_log: list[tuple[float, str, int]] = []  # (seconds since start, device, samples missing)
        for d in devs:
            d.open()
            d.queue.drain()  # samples from before the session are not the session's
        for d in devs:
            d.start()
        t_start_ns = clock.now_ns()
        t_end_ns = t_start_ns + int(seconds * 1e9)

        def feed(t0: int) -> Iterator[StepInput]:
            end = min(t_end_ns, t0 + int(trial_s * 1e9))
            dur = max(0.5, (end - t0) / 1e9)
            frames, _ = tracing_stream(tmpl.points, duration_s=dur, fps=fps, image_size=size, t0_ns=t0, seed=int(t0 % 1000))
            last = t0
            for f in frames:
                if f.t_ns > end:
                    break
                clock.sleep_until(f.t_ns)
                samples = []
                for d in devs:
                    got = d.queue.drain()
                    received[d.device_id] += len(got)
                    for smp in got:
                        prev = last_seq.get(d.device_id)
                        if prev is not None and smp.seq != prev + 1:
                            gap_log.append(((smp.t_ns - t_start_ns) / 1e9, d.device_id, smp.seq - prev - 1))
                        last_seq[d.device_id] = smp.seq
                    samples.extend(got)
                    if got:
                        kind = "grip" if d.kind == "grip" else "balance"
                        side[kind].step(StepInput(max(got[-1].t_ns, 1), samples=got))
                        side_steps[kind] += 1
                t = max(last + 1, f.t_ns, *(s.t_ns for s in samples)) if samples else max(last + 1, f.t_ns)
                last = t
                mon.status = {"trial_rows": sum(received.values())}
                yield StepInput(t, hands=f.hands, samples=samples, frame_seq=f.seq, image_size=f.image_size)

        n_trials = max(1, int(-(-seconds // trial_s)))
        trials = [TrialSpec("tracing", {"shape": "circle", "center": (0.5, 0.5), "size": 0.6, "tolerance": 0.03}, feed,
                            label=f"soak {i + 1}", source="synthetic+simulators",
                            devices=tuple(d.info for d in devs if d.info is not None) if i == 0 else ())
                  for i in range(n_trials)]
        mon.start()
        cpu0, wall0 = _cpu_s(), time.monotonic()
        runner = SessionRunner(db, "SOAK-001", clock, pacing="external", config={"command": "soak", "minutes": minutes})
        summary = runner.run(trials)
        wall = time.monotonic() - wall0
        cpu = _cpu_s() - cpu0
        mon.stop()
        rss_after = rss_mb()
        after_session = 0
        for d in devs:
            d.stop()
            after_session += len(d.queue.drain())  # arrived after the session ended: not the session's
        load1 = os.getloadavg()[0]
        _end(hog_procs, kill=True)
        _end(procs)  # SIGTERM: the simulator prints what it sent and what it could not send
        sim_counts = {kind: _simulator_counts(tmp / f"{kind}.out") for kind in ("grip", "balance")}

        # lost samples: what the drivers saw, and what the database holds
        import numpy as np
        from sqlalchemy import func, select

        from station.storage import schema as S
        from station.storage.streams import count_stored, read_samples

        lost_driver = {d.device_id: d.stats.missing + d.queue.dropped for d in devs}
        stored: dict[str, Any] = {}
        with db.engine.connect() as c:
            for d in devs:
                B = S.sample_blocks  # every sample read back from its block: the sequence numbers it holds
                seqs = np.concatenate([b.seq for b in read_samples(db, summary.session_id, device_id=d.device_id)] or [np.zeros(0, np.int64)])
                n = len(seqs)
                stored[d.device_id] = {"rows": n, "seq_span": int(seqs.max() - seqs.min() + 1) if n else 0,
                                       "blocks": int(c.execute(select(func.count()).select_from(B).where(
                                           B.c.session_id == summary.session_id, B.c.device_id == d.device_id)).scalar_one())}
            n_landmarks = count_stored(c, "landmarks", session_id=summary.session_id)
        lost_db = {k: v["seq_span"] - v["rows"] for k, v in stored.items()}
        db_bytes = sum(p.stat().st_size for p in db_file.parent.glob(db_file.name + "*") if p.is_file())
        rows = mon.rows
        # warm-up: the first quarter, and at least the first trial's end (its result computation
        # loads the scoring libraries once)
        warm = min(max(wall * 0.25, trial_s + every), wall * 0.75)
        q = [r for r in rows if r[0] >= warm]
        rss_q = q[0][1] if q else float("nan")
        out = {
            "minutes": wall / 60,
            "rate_hz": rate,
            "fps": fps,
            "trials": len(summary.results),
            "status": summary.status,
            "samples_received": received,
            "samples_stored": {k: v["rows"] for k, v in stored.items()},
            "landmark_rows": n_landmarks,
            "side_scoring_steps": side_steps,
            "lost_samples_driver": lost_driver,
            "lost_samples_db": lost_db,
            "rejects": {d.device_id: dict(d.stats.rejects) for d in devs},
            "rss_mb": [(round(t, 1), round(m, 1)) for t, m, _ in rows],
            "loadavg": [round(x, 2) for x in mon.load],
            "gaps": gap_log,
            "rss_start_mb": rows[0][1],
            "warmup_s": warm,
            "rss_after_warmup_mb": rss_q,
            "rss_end_mb": rows[-1][1],
            "rss_max_mb": max(r[1] for r in rows),
            "rss_after_session_mb": rss_after,
            "samples_after_session": after_session,
            "rss_growth_after_warmup_mb": rows[-1][1] - rss_q,
            "rss_slope_mb_per_hour": _slope_per_hour([(t, m) for t, m, _ in q]),
            "cpu_percent_of_one_core": 100 * cpu / wall,
            "loadavg_1min": load1,
            "db_bytes": db_bytes,
            "db_bytes_per_minute": db_bytes / (wall / 60),
            "rows_written": summary.rows_written,
            "simulators": sim_counts,
            "cpu_hogs": hogs,
        }
        return out
    finally:
        _end(hog_procs, kill=True)  # first: nothing below may leave them spinning
        for d in devs:
            with contextlib.suppress(Exception):
                d.close()
        if db is not None:
            db.dispose()
        _end(procs)
        if db_path is None:
            for p in tmp.glob("*"):
                if p.is_file() or p.is_symlink():
                    p.unlink()
            try:
                tmp.rmdir()
            except OSError:
                pass


def report(r: dict[str, Any]) -> bool:
    lost = sum(r["lost_samples_driver"].values()) + sum(r["lost_samples_db"].values())
    stored_ok = r["samples_stored"] == r["samples_received"]
    hogs = f", beside {r['cpu_hogs']} CPU-bound processes" if r.get("cpu_hogs") else ""
    print(f"== soak: {r['minutes']:.1f} min, two devices at {r['rate_hz']:g} Hz, landmarks at {r['fps']:g} Hz, {r['trials']} trials ({r['status']}){hogs}")
    print(f"  samples received {r['samples_received']}  stored {r['samples_stored']}  landmark rows {r['landmark_rows']:,}")
    print(f"  lost samples: driver {r['lost_samples_driver']}  database {r['lost_samples_db']}  -> {'0 (PASS)' if lost == 0 else f'{lost} (FAIL)'}")
    print(f"  rejects {r['rejects']}")
    sims = r.get("simulators", {})
    print(f"  simulated devices: lines lost because the host did not read for seconds (buffer full) "
          f"{ {k: v.get('unsent') for k, v in sims.items()} }, discarded by the host's flush at open "
          f"{ {k: v.get('flushed') for k, v in sims.items()} }")
    if r["gaps"]:
        per_min: dict[int, int] = {}
        for t, _, n in r["gaps"]:
            per_min[int(t // 60)] = per_min.get(int(t // 60), 0) + n
        print(f"  samples missing by minute of the run: {dict(sorted(per_min.items()))} "
              f"(load average during the run: max {max(r['loadavg']):.2f}, median {sorted(r['loadavg'])[len(r['loadavg']) // 2]:.2f})")
    print(f"  RSS start {r['rss_start_mb']:.1f} MB, after the warm-up ({r['warmup_s']:.0f} s) {r['rss_after_warmup_mb']:.1f} MB, "
          f"end {r['rss_end_mb']:.1f} MB, "
          f"max {r['rss_max_mb']:.1f} MB")
    print(f"  RSS after the session ended (results computed, recorder closed) {r['rss_after_session_mb']:.1f} MB")
    print(f"  RSS growth after the warm-up {r['rss_growth_after_warmup_mb']:+.1f} MB; slope {r['rss_slope_mb_per_hour']:+.1f} MB/hour")
    print(f"  CPU {r['cpu_percent_of_one_core']:.1f} % of one core (station process; load average {r['loadavg_1min']:.2f})")
    print(f"  database {r['db_bytes'] / 1e6:.1f} MB ({r['db_bytes_per_minute'] / 1e6:.2f} MB/min), {r['rows_written']:,} rows written")
    return lost == 0 and stored_ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0, help="session length (default 30)")
    ap.add_argument("--rate", type=float, default=1000.0, help="device sample rate in Hz (default 1000)")
    ap.add_argument("--fps", type=float, default=30.0, help="landmark frames per second (default 30)")
    ap.add_argument("--trial-s", type=float, default=60.0, help="trial length in seconds (default 60)")
    ap.add_argument("--every", type=float, default=10.0, help="memory sampling interval in seconds (default 10)")
    ap.add_argument("--db", type=Path, default=None, help="keep the database here (default: a temporary file, removed)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    ap.add_argument("--hogs", type=int, default=0, help="also run N CPU-bound processes (soak under contention; default 0)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    a = ap.parse_args()
    r = soak(a.minutes, rate=a.rate, fps=a.fps, trial_s=a.trial_s, every=a.every, db_path=a.db, verbose=not a.quiet, hogs=a.hogs)
    ok = report(r)
    if a.json:
        a.json.write_text(json.dumps(r, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
