"""Cue-to-sound delay of the audio service: from the scored event to the first sample at the output.

    python benchmarks/audio_cue_latency.py [--cues 200] [--device]

Software path: a scored cue event is handed to the service as the session runner does (its ``scored``
listener, on the calling thread), the service's thread resolves the sound and hands it to the mixer, and
the backend's audio thread mixes it into the next block. The null backend pulls blocks at the block rate
exactly as a sound card's callback does, so the figure is the station's own delay; a sound card adds its
output latency (printed with ``--device`` when one is present: onsets then use PortAudio's DAC time).
Prints median, 95th percentile and maximum in milliseconds, and the block duration (the bound the design
aims at: one block, plus the service thread's wake-up).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from station.audio import BLOCK, RATE, AudioService, NullBackend, open_backend
from station.core import ScoreEvent, SystemClock
from station.plans import SensorySettings


def run(backend, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    clock = SystemClock()
    svc = AudioService(backend, clock, sensory=SensorySettings(volume=0.0)).start()
    onsets = []
    try:
        for i in range(n):
            time.sleep(random.uniform(0.03, 0.08))  # cues at irregular times, as a game shows them
            t = clock.now_ns()
            e = ScoreEvent(t, "balance_lean", 0, i, "target_shown")  # a declared CUE sound
            svc.on_events([e])
            onsets.append(e)
        delays = []
        for e in onsets:
            t_on = svc.onset_of(e, timeout=1.0)
            if t_on is not None:
                delays.append((t_on - e.t_ns) / 1e6)
        return delays
    finally:
        svc.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cues", type=int, default=200)
    ap.add_argument("--device", action="store_true", help="also through the sound card, when there is one")
    args = ap.parse_args()
    print(f"block {BLOCK} samples at {RATE} Hz = {BLOCK / RATE * 1e3:.1f} ms")
    runs = [("software path (null backend paced like a sound card)", NullBackend(paced=True))]
    if args.device:
        b = open_backend("auto")
        if isinstance(b, NullBackend):
            print(f"sound card: none ({b.reason})")
        else:
            runs.append((f"{b.name} (output latency {b.output_latency_s * 1e3:.1f} ms)", b))
    for name, backend in runs:
        d = sorted(run(backend, args.cues))
        if not d:
            print(f"{name}: no onsets")
            continue
        p95 = d[min(len(d) - 1, int(0.95 * len(d)))]
        print(f"{name}: cue-to-sound median {statistics.median(d):.1f} ms, p95 {p95:.1f} ms, max {d[-1]:.1f} ms (n={len(d)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
