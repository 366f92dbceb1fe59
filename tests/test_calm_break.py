"""The calm-down break of the session controller (Qt-free): it pauses the current trial, shows the breathing
pacer, measures breathing from live frames that arrive during it, and resumes the trial where it stopped.
Real sessions on a fake clock, real SQLite."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest
from _storage_db import stored_landmarks

from exercises.base import StepInput
from exercises.breathing import BreathingChild
from station.core import FakeClock
from station.plans import PlanItem
from station.session import SessionRunner, TrialSpec
from station.session.control import PlannedTrial, SessionController, schedule_of
from station.session.feeds import simulated_feed
from station.session.model import LiveModel
from station.storage import open_database


def _controller(tmp_path: Path, item: PlanItem, feed: Callable[[int], Iterable[StepInput]], pacing: str,
                source: str = "synthetic") -> tuple[SessionController, LiveModel, object]:
    db = open_database(f"sqlite:///{tmp_path / 'break.db'}")
    clock = FakeClock(start_ns=10**12)
    trials = [PlannedTrial.from_item(item, TrialSpec(item.exercise, {}, feed, label=item.exercise, source=source))]
    model = LiveModel(clock, schedule_of(trials), source_label="simulated")
    runner = SessionRunner(db, "P-100", clock, pacing=pacing)  # type: ignore[arg-type]
    return SessionController(runner, trials, model, countdown_s=0), model, db


def test_break_pauses_the_trial_shows_the_pacer_and_resumes_by_itself(tmp_path: Path) -> None:
    item = PlanItem(exercise="tracing", duration_s=4.0)
    inner = simulated_feed("tracing", duration_s=20.0)
    reached, gate = threading.Event(), threading.Event()

    def gated(t0: int) -> Iterable[StepInput]:
        for i, inp in enumerate(inner(t0)):
            if i == 60:
                reached.set()
                gate.wait(20)
            yield inp

    ctl, model, db = _controller(tmp_path, item, gated, "own")
    ctl.start()
    assert reached.wait(20)
    with pytest.raises(ValueError, match="outside 4..8"):
        ctl.start_break(rate_per_min=12.0)
    assert ctl.start_break(rate_per_min=6.0, duration_s=5.0) and ctl.on_break
    assert not ctl.start_break()  # one break at a time
    v = ctl.break_view(model.view())
    assert v.phase == "play" and v.contract is not None and v.contract.game == "breathe" and v.inputs == ()
    assert 0.0 <= v.live["pacer"] <= 1.0 and v.live["rate"] == 6.0
    gate.set()  # the fake clock runs through the break's 5 s at once
    assert ctl.join(60)  # the break ends after its 5 s and the trial finishes its 4 s of play
    assert ctl.summary is not None and ctl.summary.status == "complete"
    (b,) = ctl.breaks
    assert b.end_ns is not None and (b.end_ns - b.start_ns) / 1e9 == pytest.approx(5.0, abs=0.1)
    assert b.too_much_movement is None and b.breaths_per_min is None  # no camera frames: nothing measured
    t = np.array(sorted(r["t_ns"] for r in stored_landmarks(db, session_id=ctl.summary.session_id)))
    gaps = np.diff(t)
    assert gaps.max() > 5e9 and (gaps > 1e9).sum() == 1  # the child goes on where it stopped
    assert ctl.break_view(model.view()) is not None and not ctl.on_break
    # the break is stored with the paused trial's events, for the report and the researcher
    from sqlalchemy import select

    from station.storage import schema as S

    with db.engine.connect() as c:  # type: ignore[attr-defined]
        rows = list(c.execute(select(S.events).where(S.events.c.session_id == ctl.summary.session_id, S.events.c.kind == "break")))
    assert len(rows) == 1 and rows[0].trial == 0 and rows[0].exercise == "tracing" and rows[0].unit == "s"
    assert rows[0].t_ns == b.start_ns and rows[0].value == pytest.approx(5.0, abs=0.1)
    assert rows[0].payload["pacer_per_min"] == 6.0 and rows[0].payload["session_note"] is True
    db.dispose()  # type: ignore[attr-defined]


def test_break_measures_breathing_from_live_frames_and_drops_them_from_the_trial(tmp_path: Path) -> None:
    """A live source (external pacing): the therapist starts the break after 2 s of jumping; the child then
    breathes calmly at 12 breaths/min for 40 s (frames shown and measured, never scored for the trial); the
    break ends and the trial goes on."""
    item = PlanItem(exercise="bunny_hops")
    hops = simulated_feed("bunny_hops", duration_s=6.0)
    calm = BreathingChild(rate=12.0, fidget=False)
    box: dict[str, SessionController] = {}
    counts = {"during": 0}

    def live(t0: int) -> Iterable[StepInput]:
        ctl = box["ctl"]
        steps = list(hops(t0))
        for inp in steps[:60]:
            yield inp
        assert ctl.start_break(rate_per_min=6.0, duration_s=None)
        t1 = steps[59].t_ns + 33_333_333
        for inp in calm.inputs(None, t0_ns=t1, duration_s=40.0, reps=None, seed=1, image_size=(640, 480)):  # type: ignore[arg-type]
            counts["during"] += 1
            yield inp
        rec = ctl.end_break()
        assert rec is not None
        shift = 40_000_000_000 + 33_333_333
        for inp in steps[60:]:
            yield inp.shifted(shift)

    ctl, _model, db = _controller(tmp_path, item, live, "external", source="camera")
    box["ctl"] = ctl
    ctl.start()
    assert ctl.join(120)
    assert ctl.summary is not None and ctl.summary.status == "complete", ctl.error
    (b,) = ctl.breaks
    assert b.too_much_movement is False
    assert b.breaths_per_min is not None and math.isclose(b.breaths_per_min, 12.0, abs_tol=0.5)
    stored = stored_landmarks(db, session_id=ctl.summary.session_id)
    assert counts["during"] == 1200 and len(stored) == 180  # 6 s of hops scored, the 40 s of the break not
    db.dispose()  # type: ignore[attr-defined]
