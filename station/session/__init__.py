"""The session layer (Qt-free): plan -> feeds -> runner -> sinks, and the control around it.

``runner``   :class:`SessionRunner` scores trials from feeds and sends every output to its sinks
             (recorder, LSL, live model) through typed signals; one loop for live, replay, batch, tests.
``feeds``    every source of :class:`~station.core.StepInput`: camera, video, replayed landmarks,
             the simulated child (the exercise's declared one) and devices.
``model``    :class:`LiveModel`, what the screens draw, written by the session thread.
``control``  :class:`SessionController`: countdown, pause and its time shift, rest, difficulty steps.
``build``    the one builder of a session from options and a plan (windowed run and headless demo).

Imports run ``station.core`` <- ``station.session`` <- ``station.ui`` / ``station.cli``.
"""

from station.session.runner import (
    DeviceHandle,
    Feed,
    LiveState,
    Pacing,
    SessionRunner,
    SessionSummary,
    Signal,
    TrialSpec,
    host_info,
)

__all__ = [
    "DeviceHandle",
    "Feed",
    "LiveState",
    "Pacing",
    "SessionRunner",
    "SessionSummary",
    "Signal",
    "TrialSpec",
    "host_info",
]
