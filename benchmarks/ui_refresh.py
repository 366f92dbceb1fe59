"""One UI refresh of the station window, offscreen: data update + repaint.

Setup: the real :class:`station.ui.window.StationWindow` (child view + dashboard, 1600 x 900) with a
new 640 x 480 camera image every refresh and all four live charts (deviation, repetitions, grip force,
centre of pressure) holding 10,000 points each; per refresh one new frame, observation, grip and
CoP sample (30 Hz), and a new repetition every 45 refreshes (1.5 s).
One refresh = ``window.refresh()`` (copy the ring buffers, convert and mirror the image, set the
chart data) + the repaint, measured two ways: through the event loop as the timer tick does it (Qt
repaints the widgets the refresh marked dirty: the child view, the four charts and the labels), and
forced for the whole window (``window.repaint()``, every widget including static forms and tables).
Target: median < 15 ms for the event-loop refresh. The child view draws all four games at once
(path, balloon, pond, body) — more than any real exercise shows.

Second figure: movement-to-screen latency in a live session (a real video played in real time through
MediaPipe pose, drawn by the real window at 30 Hz): frame time to the refresh that draws it.

Run: ``.venv/bin/python benchmarks/ui_refresh.py [--n 200] [--latency VIDEO]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

import numpy as np

TARGET_MS = 15.0
POINTS = 10_000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="refreshes to time")
    default_video = Path(__file__).resolve().parents[1] / "tests" / "media" / "body" / "pushups_5.mp4"
    ap.add_argument("--latency", default=str(default_video) if default_video.is_file() else "",
                    help="video for the movement-to-screen latency run ('' to skip)")
    args = ap.parse_args()

    from exercises.base import StepInput
    from station.core import FakeClock, HandObservation, SensorSample
    from station.session import LiveState
    from station.session.model import LiveModel, ScheduleItem
    from station.ui.runner import ensure_app
    from station.ui.window import StationWindow

    app = ensure_app()
    clock = FakeClock(start_ns=0)
    sched = [ScheduleItem("tracing", "Everything", ("hand", "pose", "grip", "balance"), 30,
                          {"shape": "circle", "center": (0.5, 0.5), "size": 0.6, "tolerance": 0.03, "target_force": 100.0})]
    model = LiveModel(clock, sched, source_label="camera")
    model.begin_trial(0)
    model.start_play(0)
    rng = np.random.default_rng(0)
    period = 33_333_333
    lm = np.full((21, 3), 0.5)
    sway = np.zeros(2)

    def feed(k: int) -> None:
        t = k * period
        clock.set(t)
        grip = SensorSample("grip0", k, t, t, None, (100 + 10 * np.sin(k / 20),), ("force",), ("N",))
        sway[:] = 0.98 * sway + rng.normal(0, 0.01, 2)  # postural sway: a slow random walk
        cop = SensorSample("balance0", k, t, t, None, (float(sway[0]), float(sway[1])), ("cop_x", "cop_y"), ("norm", "norm"))
        lm[8, :2] = 0.5 + 0.3 * np.array([np.cos(k / 30), np.sin(k / 30)])
        hand = HandObservation("camera0", k, t, lm.copy(), (640, 480))
        model.on_input(StepInput(t, hands=(hand,), samples=(grip, cop), frame_seq=k, image_size=(640, 480)))
        # one rep per step while filling (so the reps chart holds 10,000 points), then one every 1.5 s
        reps = k + 1 if k < POINTS else POINTS + (k - POINTS) // 45
        model.on_update(LiveState("bench", 0, 1, "Everything", "tracing", "camera", t / 1e9,
                                  {"deviation": abs(float(rng.normal(0, 0.02))), "completion": (k % 1000) / 1000}, reps, [], k))

    for k in range(POINTS):
        feed(k)
    assert all(len(rb) == POINTS for rb in (model.deviation, model.reps, model.force, model.cop))

    win = StationWindow(lambda *_: (None, model), None, hz=30)  # type: ignore[arg-type, return-value]
    win.model = model
    win.resize(1600, 900)
    win.show()
    app.processEvents()
    images = [rng.integers(0, 255, (480, 640, 3), dtype=np.uint8) for _ in range(4)]
    k = POINTS

    def one(i: int, mode: str) -> float:
        nonlocal k
        feed(k)  # one new frame and sample set per refresh, as at 30 Hz
        k += 1
        model.push_frame(images[i % 4], k * period)
        t0, c0 = time.perf_counter(), time.thread_time()
        win.refresh()
        if mode == "full":
            win.repaint()  # every widget of the window, synchronously
        else:
            app.processEvents()  # what the timer tick costs: only the widgets marked dirty are repainted
        cpu[mode].append((time.thread_time() - c0) * 1e3)
        return (time.perf_counter() - t0) * 1e3

    results = {}
    cpu: dict[str, list[float]] = {"loop": [], "full": []}
    for mode in ("loop", "full"):
        times = [one(i, mode) for i in range(args.n + 10)][10:]  # 10 warm-up refreshes
        app.processEvents()
        results[mode] = (statistics.median(times), float(np.percentile(times, 90)), len(times))
    n_pts = [len(c.getData()[0]) for c in (win.dashboard.charts.dev_curve, win.dashboard.charts.grip_curve, win.dashboard.charts.cop_curve)]
    print(f"ui refresh, 640x480 image + 4 charts x {POINTS} points (drawn after peak downsampling: {n_pts} + reps step "
          f"line {len(model.reps)}), window 1600x900, offscreen, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores:")
    labels = {"loop": "data update + event-loop repaint (dirty widgets: child view, 4 charts, labels)",
              "full": "data update + forced repaint of the whole window (every widget)"}
    for mode, (med, p90, n) in results.items():
        c = statistics.median(cpu[mode][10:])
        print(f"  {labels[mode]}: median {med:.2f} ms wall ({c:.2f} ms CPU of the UI thread)  p90 {p90:.2f} ms  over {n}")
    med = results["loop"][0]
    print(f"  target < {TARGET_MS:.0f} ms (event-loop refresh): ratio {med / TARGET_MS:.2f} -> {'OK' if med < TARGET_MS else 'MISSED'}")
    win.close()
    if args.latency:
        latency(app, args.latency)
    return 0


def latency(app: object, video: str) -> None:
    """Frame time -> screen, live: a real video through MediaPipe pose in real time, drawn by the window."""
    import tempfile
    import warnings

    warnings.filterwarnings("ignore", message="SymbolDatabase.GetPrototype")  # protobuf, once per model

    from PySide6.QtCore import QEventLoop, QTimer

    from station.plans import PlanItem, SessionPlan
    from station.session.build import RunOptions, make_session_factory
    from station.storage import open_database
    from station.ui.window import StationWindow

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{tmp}/bench.db")
        win = StationWindow(make_session_factory(db, RunOptions(video=Path(video), countdown_s=0)), db, hz=30)
        win.resize(1600, 900)
        win.show()
        win.start_session("BENCH-1", SessionPlan(items=[PlanItem(exercise="pushups")]))
        loop = QEventLoop()
        QTimer.singleShot(8000, loop.quit)
        loop.exec()
        win.shutdown()
        db.dispose()
    lat = win.latency_ms[5:]  # skip the first frames (model warm-up)
    print(f"movement-to-screen latency (frame time -> the refresh that draws it; MediaPipe pose on {Path(video).name}, "
          f"real time, 30 Hz refresh): median {statistics.median(lat):.1f} ms  p90 {float(np.percentile(lat, 90)):.1f} ms "
          f"over {len(lat)} frames; target well under 100 ms")
    _ = app


if __name__ == "__main__":
    raise SystemExit(main())
