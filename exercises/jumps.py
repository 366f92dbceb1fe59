"""Two-footed jumps in place (bunny hops), counted from a flight phase.

Definitions (version 1)
-----------------------
Floor baseline
    For each ankle (pose landmarks 27, 28), the 90th percentile of its image y (y grows downward, so
    the lowest position) over the last ``baseline_s`` seconds of frames where the person is visible.
Leg length
    Median hip-to-ankle distance (landmarks 23-27, 24-28) in frame heights over the same window.
Flight
    Both ankles above their baselines by more than ``up`` x leg length, for at least ``min_frames``
    consecutive frames; the flight ends when either ankle is back within ``down`` x leg length
    (hysteresis). One flight = one jump (``jump`` event at landing, value = flight time in s).
Frames where either ankle's visibility is below ``min_visibility`` are skipped (they neither start
nor end a flight); a person out of view pauses counting.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from exercises.base import Exercise, Settings, StepInput
from exercises.registry import register
from station.core import ScoreEvent

L_HIP, R_HIP, L_ANKLE, R_ANKLE = 23, 24, 27, 28


class JumpSettings(Settings):
    up: float = 0.12
    down: float = 0.06
    min_frames: int = 2
    baseline_s: float = 3.0
    min_visibility: float = 0.5


@register
class Jumps(Exercise):
    name = "jumps"
    title = "Bunny hops"
    inputs = ("pose",)
    Settings = JumpSettings

    def __init__(self, settings: JumpSettings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: JumpSettings = self.settings  # type: ignore[assignment]
        self._hist: deque[tuple[int, float, float, float]] = deque()
        self._in_flight = False
        self._above = 0
        self._takeoff_ns = 0
        self._jumps: list[tuple[int, int]] = []
        self._height = 0.0

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        if not inp.poses:
            return []
        pose = max(inp.poses, key=lambda p: p.score)
        lm = pose.landmarks
        vis = pose.visibility
        if vis is not None and min(vis[L_ANKLE], vis[R_ANKLE]) < self.s.min_visibility:
            return []
        la, ra = float(lm[L_ANKLE, 1]), float(lm[R_ANKLE, 1])
        leg = float(np.mean([np.hypot(*(lm[L_HIP, :2] - lm[L_ANKLE, :2])), np.hypot(*(lm[R_HIP, :2] - lm[R_ANKLE, :2]))]))
        self._hist.append((inp.t_ns, la, ra, leg))
        cutoff = inp.t_ns - int(self.s.baseline_s * 1e9)
        while self._hist and self._hist[0][0] < cutoff:
            self._hist.popleft()
        if len(self._hist) < 5:
            return []
        arr = np.asarray(self._hist)
        base_l, base_r = np.percentile(arr[:, 1], 90), np.percentile(arr[:, 2], 90)
        leg_len = float(np.median(arr[:, 3]))
        rise_l, rise_r = (base_l - la) / leg_len, (base_r - ra) / leg_len
        self._height = min(rise_l, rise_r)
        events: list[ScoreEvent] = []
        if not self._in_flight:
            if rise_l > self.s.up and rise_r > self.s.up:
                self._above += 1
                if self._above == 1:
                    self._takeoff_ns = inp.t_ns
                if self._above >= self.s.min_frames:
                    self._in_flight = True
            else:
                self._above = 0
        elif rise_l < self.s.down or rise_r < self.s.down:
            self._in_flight = False
            self._above = 0
            self._jumps.append((self._takeoff_ns, inp.t_ns))
            flight = (inp.t_ns - self._takeoff_ns) / 1e9
            events.append(self.event(inp.t_ns, "jump", rep=len(self._jumps), value=flight, unit="s", takeoff_ns=self._takeoff_ns))
        return events

    def live(self) -> dict[str, float]:
        return {"reps": float(len(self._jumps)), "height": self._height, "in_flight": float(self._in_flight)}

    def reps(self) -> int:
        return len(self._jumps)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        flights = [(b - a) / 1e9 for a, b in self._jumps]
        starts = [a for a, _ in self._jumps]
        cycles = np.diff(starts) / 1e9 if len(starts) > 1 else np.array([])
        m: dict[str, float | int | str | None] = {
            "jumps": len(self._jumps),
            "mean_flight_s": float(np.mean(flights)) if flights else None,
            "mean_cycle_s": float(cycles.mean()) if cycles.size else None,
            "duration_s": self.duration_s,
        }
        units = {"jumps": "count", "mean_flight_s": "s", "mean_cycle_s": "s", "duration_s": "s"}
        defs = {
            "jumps": "flight phases: both ankles above floor baseline by more than 'up' x leg length for >= min_frames",
            "mean_flight_s": "mean time from take-off frame to landing frame",
            "mean_cycle_s": "mean time between successive take-offs",
            "duration_s": "time from first to last scored frame",
        }
        return m, units, defs
