"""The soak benchmark's one-minute version: a correctness check, not a timing assert.

Two simulated devices at 1 kHz on pseudo-terminals (their own processes), synthetic landmarks at
30 Hz, scoring and recording to SQLite for 60 s, three trials: no sample lost (driver sequence gaps,
queue drops, and the stored rows against the sequence numbers), every sample received is stored,
and memory does not keep growing after the warm-up (a generous bound: this is no benchmark).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_one_minute_soak_loses_no_sample_and_memory_stays_bounded(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "soak.py"), "--minutes", "1", "--trial-s", "20",
                        "--every", "5", "--quiet", "--json", str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.exists(), r.stdout[-3000:] + r.stderr[-3000:]
    fig = json.loads(out.read_text())
    assert fig["status"] == "complete" and fig["trials"] == 3
    assert fig["lost_samples_driver"] == {"grip0": 0, "balance0": 0}
    assert fig["lost_samples_db"] == {"grip0": 0, "balance0": 0}
    assert fig["samples_stored"] == fig["samples_received"]
    # the simulators' own account (their last line): nothing was lost on their side of the pty
    assert {k: v["unsent"] for k, v in fig["simulators"].items()} == {"grip": 0, "balance": 0}, fig["simulators"]
    assert all(v["sent"] >= fig["samples_stored"][f"{k}0"] for k, v in fig["simulators"].items())
    assert min(fig["samples_stored"].values()) > 40_000  # about 1 kHz for 60 s each
    assert fig["landmark_rows"] > 1000
    assert fig["rss_growth_after_warmup_mb"] < 50, fig["rss_mb"]
    assert r.returncode == 0, r.stdout[-3000:]
