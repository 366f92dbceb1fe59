"""Optional LSL outlets: off by default; when on, an inlet receives landmarks, sensor samples and
score events with the timestamps they happened at.

The exchange runs in a child process whose liblsl is confined to this machine by an ``LSLAPICFG``
config (liblsl reads it once, when first used, so a fresh process is the only way to be sure no
discovery packet leaves 127.0.0.1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from station.lsl import MACHINE_ONLY_CONFIG

CHILD = textwrap.dedent(
    """
    import json, math, sys
    import numpy as np
    import pylsl
    from station.core import FakeClock, HandObservation, PoseObservation, ScoreEvent, SensorSample, DeviceInfo
    from station.lsl import open_outlets

    clock = FakeClock(start_ns=7 * 10**12)
    out = open_outlets("sess-lsl", clock, {"lsl": True})
    out.record_device(DeviceInfo("grip0", "grip", "G", "SN", "1", ("force",), ("N",), 100.0))
    inlets = {}
    for name in ("MotorStation-Hands", "MotorStation-Pose", "MotorStation-grip0", "MotorStation-Events"):
        found = pylsl.resolve_byprop("name", name, 1, 10.0)
        assert found, name
        inlet = pylsl.StreamInlet(found[0])
        inlet.open_stream(10.0)
        inlets[name] = inlet
    t = clock.now_ns()
    lm = np.linspace(0, 1, 63, dtype=np.float32).reshape(21, 3)
    sent = {"hand": [], "pose": [], "grip": [], "event": []}
    for k in range(5):
        tk = t + k * 33_333_333
        h = HandObservation("cam", k, tk, lm + k, (640, 480), visibility=np.full(21, 0.5, np.float32), handedness="Right")
        p = PoseObservation("cam", k, tk, np.full((33, 3), 0.25 * k, np.float32), (640, 480))
        out.record_observations(0, [h], [p])
        sent["hand"].append(tk); sent["pose"].append(tk)
    samples = [SensorSample("grip0", i, t + i * 10_000_000, t + i * 10_000_000 + 1, None, (float(i) * 1.5,), ("force",), ("N",)) for i in range(10)]
    out.record_samples(0, samples)
    sent["grip"] = [s.t_ns for s in samples]
    out.record_events([ScoreEvent(t + 123_456_789, "jumps", 0, 1, "jump", 0.9, "quality", {"flight_s": 0.3})])
    sent["event"] = [t + 123_456_789]
    got = {}
    for key, name, n in (("hand", "MotorStation-Hands", 5), ("pose", "MotorStation-Pose", 5), ("grip", "MotorStation-grip0", 10),
                         ("event", "MotorStation-Events", 1)):
        rows = []
        while len(rows) < n:
            s, ts = inlets[name].pull_sample(timeout=10.0)
            assert s is not None, name
            rows.append((s, ts))
        got[key] = rows
    info = inlets["MotorStation-grip0"].info()
    ch = info.desc().child("channels").child("channel")
    print(json.dumps({
        "offset": out.offset_s,
        "sent": sent,
        "ts": {k: [ts for _, ts in v] for k, v in got.items()},
        "hand0": got["hand"][0][0][:4] + got["hand"][0][0][84:88],
        "pose1": got["pose"][1][0][:4],
        "grip": [s[0] for s, _ in got["grip"]],
        "event": got["event"][0][0][0],
        "grip_label": ch.child_value("label"), "grip_unit": ch.child_value("unit"), "grip_rate": info.nominal_srate(),
        "grip_type": info.type(),
    }))
    """
)


def _child_env(tmp_path: Path) -> dict[str, str]:
    cfg = tmp_path / "lsl_api.cfg"
    cfg.write_text(MACHINE_ONLY_CONFIG)
    env = dict(os.environ, LSLAPICFG=str(cfg))
    env.pop("MOTOR_STATION_LSL", None)
    return env


def test_lsl_is_off_by_default_and_pylsl_stays_unloaded(tmp_path: Path) -> None:
    code = ("import sys; from station.core import FakeClock; from station.lsl import open_outlets, lsl_enabled; "
            "print(open_outlets('s', FakeClock()) is None, lsl_enabled(), lsl_enabled({'lsl': True}), 'pylsl' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_child_env(tmp_path), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "False", "True", "False"]
    env = dict(_child_env(tmp_path), MOTOR_STATION_LSL="1")
    r = subprocess.run([sys.executable, "-c", "from station.lsl import lsl_enabled; print(lsl_enabled(), lsl_enabled({'lsl': False}))"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.stdout.split() == ["True", "False"]


def test_an_inlet_receives_every_stream_with_the_times_they_happened(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=_child_env(tmp_path), timeout=120)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout.strip().splitlines()[-1])
    off = d["offset"]
    for key in ("hand", "pose", "grip", "event"):
        expected = [t / 1e9 + off for t in d["sent"][key]]
        assert len(d["ts"][key]) == len(expected)
        for got, want in zip(d["ts"][key], expected, strict=True):
            assert abs(got - want) < 1e-6, (key, got, want)  # the time it happened, not when it was pushed
    # hands: the left block is NaN (no left hand), the right block carries landmark 0 and its visibility
    assert all(v != v for v in d["hand0"][:4])
    assert d["hand0"][4:] == pytest.approx([0.0, 1 / 62, 2 / 62, 0.5], abs=1e-6)  # landmark 0 of linspace(0, 1, 63)
    assert d["pose1"][:3] == [0.25, 0.25, 0.25]
    assert d["grip"] == [i * 1.5 for i in range(10)]
    ev = json.loads(d["event"])
    assert ev["kind"] == "jump" and ev["rep"] == 1 and ev["payload"] == {"flight_s": 0.3}
    assert (d["grip_label"], d["grip_unit"], d["grip_rate"], d["grip_type"]) == ("force", "N", 100.0, "Force")


RUNNER_CHILD = textwrap.dedent(
    """
    import json, sys, threading
    import pylsl
    from station.core import SystemClock
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner
    from station.storage import open_database

    db = open_database(sys.argv[1])
    runner = SessionRunner(db, "P-LSL-1", SystemClock(), pacing="own", config={"lsl": True}, deadline_s=8)
    th = threading.Thread(target=runner.run, args=(simulated_trials(DemoOptions(seconds=8)),))
    th.start()
    found = pylsl.resolve_byprop("name", "MotorStation-Hands", 1, 20.0)
    assert found, "no hands stream"
    inlet = pylsl.StreamInlet(found[0])
    inlet.open_stream(10.0)
    rows = []
    while len(rows) < 10:
        s, ts = inlet.pull_sample(timeout=10.0)
        assert s is not None
        rows.append(s)
    runner.stop()
    th.join()
    print(json.dumps({"n": len(rows), "finite": sum(1 for v in rows[-1] if v == v)}))
    """
)


def test_a_live_session_streams_to_lsl_when_enabled(tmp_path: Path) -> None:
    """The session runner feeds the outlets beside the recorder (the station's own session loop)."""
    r = subprocess.run([sys.executable, "-c", RUNNER_CHILD, f"sqlite:///{tmp_path / 's.db'}"], capture_output=True, text=True,
                       env=_child_env(tmp_path), timeout=180)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert d["n"] == 10
    assert d["finite"] == 21 * 4  # one hand (the simulated child's right) of the two blocks is filled


@pytest.mark.parametrize("command", [["demo", "--headless", "--fast", "--simulated", "--seconds", "1"],
                                     ["run", "--simulated", "--exercise", "tracing", "--screenshot", "x.png", "--quit-after-frames", "5"]])
def test_lsl_turned_on_without_pylsl_is_one_line_before_anything_starts(command: list[str], tmp_path: Path, station_home: Path) -> None:
    hidden = tmp_path / "hide" / "pylsl"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ImportError("No module named pylsl (hidden by the test)")\n')
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home), MOTOR_STATION_LSL="1", PYTHONPATH=str(hidden.parent),
               QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-m", "station", *command], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: LSL streaming is turned on") and r.stderr.count("\n") == 1, r.stderr
    assert not (station_home / "station.db").exists()  # refused before any session was created
