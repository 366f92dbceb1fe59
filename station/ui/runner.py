"""The Qt event loop of ``station run``: application setup, auto-start, screenshots, timed quit.

The session itself is built by :mod:`station.session.build`; this module only opens the windows.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

from station.plans import SessionPlan
from station.session.build import DEFAULT_PARTICIPANT, RunOptions, make_session_factory, preflight

log = logging.getLogger(__name__)

END_HOLD_S = 2.0
"""With ``end_when_done`` (the windowed demo): how long the last picture stays before the station closes."""


def has_display() -> bool:
    """Whether windows can be shown (a display server Qt can use, another OS, or an explicit Qt platform)."""
    from station.ui.display import xcb_problem

    if os.environ.get("QT_QPA_PLATFORM") and xcb_problem() is None:
        return True
    return ((not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")))
            and xcb_problem() is None)


def ensure_app() -> Any:
    """The :class:`QApplication` (created once). Clears OpenCV's Qt plugin path first (FIELD-NOTES);
    without a display it renders offscreen (screenshots, benchmarks)."""
    os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(["motor-station"])
        app.setApplicationName("Motor Station")
    return app


def run_station(opts: RunOptions, sessions: list[str] | None = None) -> int:
    """Open the station windows (blocks until they close or ``quit_after`` elapses); returns the exit code.
    The ids of the sessions played are appended to ``sessions`` (the CLI writes and prints their reports)."""
    from station.paths import default_db_url
    from station.storage import open_database

    plan = preflight(opts)
    if opts.source in ("camera", "video"):
        import mediapipe  # noqa: F401  (load the tracking library now, not during the child's first trial)
    db = open_database(opts.db_url or default_db_url())
    try:
        return run_windowed(make_session_factory(db, opts), db, opts, plan, sessions)
    finally:
        db.dispose()


def run_windowed(factory: Any, db: Any, opts: RunOptions, plan: SessionPlan | None, sessions: list[str] | None = None) -> int:
    """Open the station for ``opts``; returns the exit code.

    With ``opts.screenshot`` and ``opts.quit_after`` the session starts at once, and after
    ``quit_after`` seconds the windows are rendered to the screenshot files and the station quits
    (the session is stopped cleanly; everything recorded is kept).
    """
    if not has_display() and opts.quit_after is None and opts.quit_after_frames is None:
        from station.core import InputError
        from station.ui.display import xcb_problem

        raise InputError(xcb_problem() or "no display to open the station on",
                         fix="run it on the station's desktop; headless, use --screenshot PATH --quit-after S or `station demo --headless`")
    app = ensure_app()
    from PySide6.QtCore import QTimer

    from station.i18n import language
    from station.ui.i18n import install_translator, translate_tree
    from station.ui.window import StationWindow

    install_translator(app, language(opts.lang))  # before the windows are built: their tr() calls read it
    win = StationWindow(factory, db, child_screen=opts.child_screen, hz=opts.hz)
    win.resize(1600, 900)
    translate_tree(win)  # texts not yet wrapped in tr()
    if plan is not None:
        win.dashboard.set_plan(plan)
    win.dashboard.participant.setEditText(opts.participant or (plan.participant if plan is not None else None) or DEFAULT_PARTICIPANT)
    win.show_all()
    code = {"rc": 0}
    done = {"finished": False}

    def finish() -> None:
        if done["finished"]:
            return
        done["finished"] = True
        if opts.screenshot is not None:
            try:
                for p in win.save_screenshots(opts.screenshot):
                    print(f"screenshot: {p}")
            except OSError as exc:
                log.error("%s", exc)
                code["rc"] = 1
        win.close()
        app.quit()

    auto = opts.screenshot is not None or opts.quit_after is not None or opts.quit_after_frames is not None
    if opts.start or auto:
        QTimer.singleShot(0, win.dashboard.start_btn.click)
    if opts.quit_after is not None:
        QTimer.singleShot(int(opts.quit_after * 1000), finish)
    watch = QTimer()
    if opts.end_when_done:  # the windowed demo: end after its protocol (a moment to see the last picture)
        ending = {"armed": False}

        def ended() -> None:
            m = win.model
            if m is not None and m.phase in ("done", "error") and not ending["armed"]:
                ending["armed"] = True
                QTimer.singleShot(int(END_HOLD_S * 1000), finish)

        done_watch = QTimer()
        done_watch.timeout.connect(ended)
        done_watch.start(50)
    if opts.quit_after_frames is not None:  # an event, not a wall-clock window: N inputs scored, or the session ended
        quit_after_frames = opts.quit_after_frames

        def check() -> None:
            m = win.model
            if m is not None and (m.inputs_scored >= quit_after_frames or m.phase in ("done", "error")):
                finish()

        watch.timeout.connect(check)
        watch.start(20)
    previous = signal.signal(signal.SIGINT, lambda *_: finish())
    # let Python see SIGINT while Qt's loop runs
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(200)
    try:
        app.exec()
    finally:
        signal.signal(signal.SIGINT, previous)
        win.shutdown()
        if sessions is not None:
            sessions.extend(win.session_ids)
    return code["rc"]
