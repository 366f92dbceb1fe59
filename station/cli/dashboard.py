"""The live text dashboard (rich) used by headless runs."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from station.session import LiveState, SessionSummary
from station.session.model import headline


class TextDashboard:
    """Renders :class:`LiveState` at most ``hz`` times per second."""

    def __init__(self, banner: str = "", hz: float = 4.0) -> None:
        self.banner = banner
        self.period = 1.0 / hz
        self._last = 0.0
        self._live: Live | None = None
        self.state: LiveState | None = None

    def __enter__(self) -> TextDashboard:
        self._live = Live(self._render(), refresh_per_second=4, transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(*exc)

    def update(self, state: LiveState) -> None:
        self.state = state
        now = time.monotonic()
        if self._live is not None and now - self._last >= self.period:
            self._last = now
            self._live.update(self._render())

    def _render(self) -> Panel:
        s = self.state
        parts: list[Any] = []
        if self.banner:
            parts.append(Text(self.banner, style="bold yellow"))
        if s is None:
            parts.append(Text("starting..."))
        else:
            parts.append(Text(f"Trial {s.trial + 1}/{s.n_trials}: {s.label}  [{s.exercise}]  t = {s.elapsed_s:5.1f} s  reps = {s.reps}", style="bold"))
            t = Table(show_header=True, header_style="cyan")
            t.add_column("live metric")
            t.add_column("value", justify="right")
            for k, v in s.live.items():
                t.add_row(k, f"{v:.3f}" if isinstance(v, float) else str(v))
            parts.append(t)
            if s.last_events:
                parts.append(Text("last events: " + ", ".join(f"{e.kind} #{e.rep}" for e in s.last_events)))
            if s.storage_error:
                parts.append(Text(f"NOT SAVING: {s.storage_error} (kept in memory, retrying; free disk space)", style="bold red"))
        return Panel(Group(*parts), title="Motor Station — live", border_style="green")


def summary_table(summary: SessionSummary) -> Table:
    t = Table(title=f"Session {summary.session_id} ({summary.status})")
    t.add_column("trial")
    t.add_column("exercise")
    t.add_column("reps", justify="right")
    t.add_column("main metrics")
    for i, (spec, res) in enumerate(summary.results):
        shown = headline(spec.exercise, res.metrics, res.units, limit=5)
        t.add_row(str(i + 1), spec.label or spec.exercise, str(res.reps), "; ".join(shown))
    return t
