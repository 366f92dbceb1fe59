"""The family's station: the plan the therapist assigned, played at home, recorded with ``place`` = home.

Qt-free: :mod:`station.ui.home` is the family's screen (big pictures, one Start); :mod:`station.cli.home`
the commands. The assigned plan lives in the data directory (``home/plan.toml``, written by
:func:`station.bundles.import_home_plan` from the clinic's signed file); sessions go into the station's
own database like any other, with ``place`` = home and their real ``source`` (camera, video).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from station.core import InputError

log = logging.getLogger(__name__)

PLACE = "home"


def home_dir(data: Path | None = None) -> Path:
    from station.paths import data_dir

    return (data or data_dir()) / "home"


def assigned_plan(data: Path | None = None) -> Any:
    """The plan the clinic assigned to this station; :class:`InputError` when none was imported."""
    from station.plans import load_plan

    path = home_dir(data) / "plan.toml"
    if not path.is_file():
        raise InputError("no home plan on this station yet", where=str(path),
                         fix="import the file from the clinic: station home import-plan PLAN.json")
    plan = load_plan(path)
    if not plan.participant:
        raise InputError("the home plan names no participant", where=str(path), fix="ask the clinic for a new export")
    return plan


def clinic_plan_for(participant: str, plans_dir: Path) -> Path:
    """The newest saved plan of ``participant`` in the clinic's plans folder."""
    from station.plans import load_plan

    found = []
    for p in sorted(plans_dir.glob("*.toml")) if plans_dir.is_dir() else []:
        try:
            if load_plan(p).participant == participant:
                found.append(p)
        except InputError:
            continue
    if not found:
        raise InputError(f"no saved plan for {participant}", where=str(plans_dir),
                         fix="save one in the station (Plan -> Save) or give --plan PLAN.toml")
    return max(found, key=lambda p: p.stat().st_mtime)


def play(db: Any, plan: Any, opts: Any, on_start: Any = None) -> Any:
    """Play ``plan`` once without a window (a video or camera source) and return the session summary.

    The same session builder and controller as the windowed station (countdown, durations, targets), with
    ``place`` = home. ``on_start(controller)`` is called once the session runs (the CLI hooks Ctrl-C to
    ``controller.stop()`` there: the session ends cleanly and everything recorded is kept). Used by
    ``station home play`` and the tests; the family's screen drives the same controller from its Start button."""
    from station.session.build import make_session_factory, preflight

    opts = replace(opts, place=PLACE, plan=None, exercise=None)
    preflight(opts)
    ctl, _model = make_session_factory(db, opts)(plan.participant, plan)
    ctl.start()
    if on_start is not None:
        on_start(ctl)
    ctl.join()
    if ctl.error:
        raise InputError(f"the home session could not run: {ctl.error}")
    return ctl.summary
