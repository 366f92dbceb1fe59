"""The kernel every package may import: typed messages (including :class:`StepInput` and
:class:`ExerciseResult`), the session clock, the event bus.

``station.core`` imports nothing from the rest of the project and nothing heavy (no OpenCV, no Qt,
no MediaPipe), so every other package can depend on it.
"""

from station.core.bus import EventBus, Subscription
from station.core.clock import FakeClock, SessionClock, SystemClock
from station.core.codes import DEMO_PARTICIPANT, check_birth, check_participant_code, is_demo_code, parse_birth
from station.core.errors import InputError, StationError
from station.core.messages import (
    CalibrationRecord,
    DeviceInfo,
    DeviceState,
    ExerciseResult,
    Frame,
    HandObservation,
    Observation,
    PoseObservation,
    SampleFlag,
    ScoreEvent,
    SensorSample,
    SessionMeta,
    SourceState,
    StepInput,
    TrackedFrame,
)

__all__ = [
    "DEMO_PARTICIPANT",
    "CalibrationRecord",
    "DeviceInfo",
    "DeviceState",
    "EventBus",
    "ExerciseResult",
    "FakeClock",
    "Frame",
    "HandObservation",
    "InputError",
    "Observation",
    "PoseObservation",
    "SampleFlag",
    "ScoreEvent",
    "SensorSample",
    "SessionClock",
    "SessionMeta",
    "SourceState",
    "StationError",
    "StepInput",
    "Subscription",
    "SystemClock",
    "TrackedFrame",
    "check_birth",
    "check_participant_code",
    "is_demo_code",
    "parse_birth",
]
