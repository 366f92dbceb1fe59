"""Typed messages that flow between the packages.

Conventions
-----------
Time
    ``t_ns`` is the session clock in nanoseconds (see :mod:`station.core.clock`). For a camera frame
    it is the capture time (stamped in the capture thread right after ``read()`` returns); for an
    observation it is the *frame's* time, never the time inference finished; for a sensor sample it
    is the device time mapped to the session clock (or the arrival time when no mapping exists yet).
    ``t_arrival_ns`` is always the raw host arrival time, kept beside the estimate.
Image coordinates
    ``landmarks[:, 0]`` is x to the right and ``landmarks[:, 1]`` y down, both normalised to 0..1 of
    the frame width and height, in the **unmirrored** camera image (what is stored is never
    mirrored; only the child's screen is). ``landmarks[:, 2]`` is MediaPipe's relative depth.
World coordinates
    ``world`` is metres in the model's own frame (hip-centred for pose, hand-centred for hands).
Handedness
    ``"Left"``/``"Right"`` name the child's anatomical hand, for the unmirrored image.
Units
    Sensor channel values carry their unit in :attr:`SensorSample.units` (``"N"``, ``"kg"``, ``"mm"``).

Messages are frozen dataclasses. Those holding NumPy arrays compare by identity (``eq=False``);
arrays are treated as read-only once a message is built.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float32] | NDArray[np.float64]

HAND_LANDMARKS = 21
POSE_LANDMARKS = 33


@dataclass(frozen=True, eq=False, slots=True)
class Frame:
    """One image from a frame source.

    Attributes
    ----------
    source_id: name of the source (``"camera0"``, a file name).
    seq: per-source sequence number, 0-based, +1 per frame *read* (dropped frames leave gaps).
    t_ns: capture time on the session clock (for files: the file's own frame time, offset to the
        session clock at the start of playback).
    t_arrival_ns: host time when ``read()`` returned.
    image: H x W x 3 ``uint8`` array.
    color: channel order of ``image``.
    """

    source_id: str
    seq: int
    t_ns: int
    t_arrival_ns: int
    image: NDArray[np.uint8]
    color: Literal["bgr", "rgb"] = "bgr"

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True, eq=False, slots=True)
class _LandmarkObservation:
    source_id: str
    frame_seq: int
    t_ns: int
    landmarks: FloatArray
    """N x 3: normalised image x (right), y (down), relative depth z."""
    image_size: tuple[int, int]
    """(width, height) of the frame in pixels."""
    visibility: FloatArray | None = None
    """N: per-landmark visibility/presence in 0..1, or ``None`` when the model gives none."""
    world: FloatArray | None = None
    """N x 3 metres in the model's frame, or ``None``."""
    workspace: FloatArray | None = None
    """N x 2 in workspace millimetres when a workspace calibration applies, else ``None``."""
    score: float = 1.0
    """Detection confidence of the whole hand/person in 0..1."""
    model: str = ""
    """Model name and version, e.g. ``"mediapipe.hands/0.10.14/c1"`` or ``"synthetic/1"``."""
    latency_ns: int = 0
    """Inference latency (time spent in the model for this frame)."""
    person: int = 0
    """Index of the person/hand among those found in the frame (0 = the one followed)."""
    gap_frames: int = 0
    """Number of frames without a detection just before this one (0 = continuous)."""

    def xy_px(self) -> NDArray[np.float64]:
        """Landmarks in pixels of the source image (N x 2)."""
        w, h = self.image_size
        return np.asarray(self.landmarks[:, :2], dtype=np.float64) * np.array([w, h], dtype=np.float64)


@dataclass(frozen=True, eq=False, slots=True)
class HandObservation(_LandmarkObservation):
    """21 MediaPipe hand landmarks for one hand in one frame (0 wrist, 4 thumb tip, 8 index tip)."""

    handedness: Literal["Left", "Right"] = "Right"


@dataclass(frozen=True, eq=False, slots=True)
class PoseObservation(_LandmarkObservation):
    """33 MediaPipe pose landmarks for one person in one frame (BlazePose topology)."""


Observation = HandObservation | PoseObservation


@dataclass(frozen=True, eq=False, slots=True)
class TrackedFrame:
    """What the trackers found in one frame (possibly nothing).

    Published once per processed frame, *including* frames without detections, so consumers can
    tell "no hand in view" from "no frame". ``t_ns`` is the frame's capture time; ``latency_ns`` the
    total inference time spent on this frame; ``t_done_ns`` when tracking finished (live latency is
    ``t_done_ns - t_ns``).
    """

    source_id: str
    seq: int
    t_ns: int
    image_size: tuple[int, int]
    hands: tuple[HandObservation, ...] = ()
    poses: tuple[PoseObservation, ...] = ()
    latency_ns: int = 0
    t_done_ns: int = 0


class SampleFlag(enum.IntFlag):
    """Per-sample flags of a :class:`SensorSample`."""

    NONE = 0
    SATURATED = 1
    """A channel hit the sensor's range limit."""
    GAP_BEFORE = 2
    """The device sequence number jumped: samples are missing just before this one."""
    RESYNCED = 4
    """The parser threw bytes away (garbage, bad checksum) just before this sample."""
    UNCALIBRATED = 8
    """No valid calibration for this device: values are raw counts or nominal."""
    CLOCK_RESET = 16
    """The device clock went backwards (device reboot); the clock fit restarted."""


@dataclass(frozen=True, eq=False, slots=True)
class SensorSample:
    """One sample of a serial device.

    Attributes
    ----------
    device_id: station-wide id of the device (``"grip0"``, ``"balance0"``).
    seq: the device's own sequence number (gaps are flagged with ``GAP_BEFORE``).
    t_ns: session-clock time of the sample (device time mapped through the clock fit).
    t_arrival_ns: host time the line was complete.
    device_time_us: the device's own clock in microseconds, or ``None`` for plain formats.
    values: channel values, in ``units``.
    channels: channel names, e.g. ``("force",)`` or ``("fl", "fr", "bl", "br")``.
    units: one unit per channel.
    flags: :class:`SampleFlag` bits.
    """

    device_id: str
    seq: int
    t_ns: int
    t_arrival_ns: int
    device_time_us: int | None
    values: tuple[float, ...]
    channels: tuple[str, ...]
    units: tuple[str, ...]
    flags: SampleFlag = SampleFlag.NONE

    def value(self, channel: str) -> float:
        """Value of one named channel."""
        return self.values[self.channels.index(channel)]


@dataclass(frozen=True, slots=True)
class ScoreEvent:
    """Something an exercise scored: a repetition, a peg placed, the finger leaving the path.

    ``kind`` is one of a small vocabulary documented by each exercise (``rep``, ``jump``,
    ``peg_placed``, ``peg_dropped``, ``left_path``, ``entered_path``, ``hold_done``, ``trial_end``...).
    ``value``/``unit`` carry its main quantity (a rep's quality 0..1, a hold's duration in s);
    ``payload`` small extra fields (JSON-serialisable scalars).
    """

    t_ns: int
    exercise: str
    trial: int
    rep: int
    kind: str
    value: float | None = None
    unit: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepInput:
    """Everything new for one scoring step (what an exercise's ``step`` receives).

    ``t_ns`` is the time of the step on the session clock (the frame time for a camera step, the
    newest sample time for a sensor-only step). ``frame_seq`` is set for camera steps, even when
    no hand or person was found in the frame (``hands``/``poses`` empty): exercises need to know
    about frames *without* detections to pause counts and flag gaps.
    """

    t_ns: int
    hands: Sequence[HandObservation] = ()
    poses: Sequence[PoseObservation] = ()
    samples: Sequence[SensorSample] = ()
    frame_seq: int | None = None
    image_size: tuple[int, int] | None = None
    image: NDArray[np.uint8] | None = field(default=None, compare=False, repr=False)
    """The camera image (BGR, unmirrored, read-only) the observations were found in, when a view needs
    it: it travels with its landmarks so a screen never draws landmarks over another frame. Never
    recorded with the step."""

    @classmethod
    def from_tracked(cls, f: TrackedFrame, image: NDArray[np.uint8] | None = None) -> StepInput:
        """The step of one tracked frame (the only place a :class:`TrackedFrame` becomes a step)."""
        return cls(f.t_ns, hands=f.hands, poses=f.poses, frame_seq=f.seq, image_size=f.image_size, image=image)

    def shifted(self, dt: int) -> StepInput:
        """This step with every time moved by ``dt`` ns (observations and samples included)."""
        if dt == 0:
            return self
        return replace(
            self,
            t_ns=self.t_ns + dt,
            hands=tuple(replace(h, t_ns=h.t_ns + dt) for h in self.hands),
            poses=tuple(replace(p, t_ns=p.t_ns + dt) for p in self.poses),
            samples=tuple(replace(s, t_ns=s.t_ns + dt, t_arrival_ns=s.t_arrival_ns + dt) for s in self.samples),
        )


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item") and callable(v.item):  # NumPy scalar
        return _jsonable(v.item())
    return v


@dataclass
class ExerciseResult:
    """Final result of one exercise trial.

    ``metrics`` maps a metric name to its value (``None`` when it could not be computed, e.g. no
    samples); ``units`` and ``definitions`` give each metric's unit and a one-line definition so
    every export and report can carry them.
    """

    exercise: str
    reps: int
    metrics: dict[str, float | int | str | None]
    events: list[ScoreEvent]
    units: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    definitions_version: str = "1"

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "reps": self.reps,
            "metrics": _jsonable(self.metrics),
            "units": self.units,
            "definitions": self.definitions,
            "definitions_version": self.definitions_version,
            "events": [
                {
                    "t_ns": e.t_ns,
                    "trial": e.trial,
                    "rep": e.rep,
                    "kind": e.kind,
                    "value": _jsonable(e.value),
                    "unit": e.unit,
                    "payload": _jsonable(dict(e.payload)),
                }
                for e in self.events
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Identity of a device, as it introduced itself (or as configured for plain formats)."""

    device_id: str
    kind: str
    """``"grip"`` or ``"balance"`` (or another sensor kind)."""
    model: str
    serial: str
    firmware: str
    channels: tuple[str, ...]
    units: tuple[str, ...]
    rate_hz: float
    url: str = ""
    protocol: str = ""
    """``"msp/1"`` (the station protocol), ``"plain"``, ``"csv"``."""


DeviceStateName = Literal["connected", "streaming", "stalled", "disconnected", "reconnecting", "closed"]
SourceStateName = Literal["opened", "streaming", "lost", "reconnecting", "ended", "failed"]


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A device changed state (published on the bus)."""

    device_id: str
    state: DeviceStateName
    t_ns: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SourceState:
    """A frame source changed state (published on the bus)."""

    source_id: str
    state: SourceStateName
    t_ns: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CalibrationRecord:
    """One calibration with its provenance.

    ``key`` identifies what was calibrated (a device serial number, a camera id); ``kind`` what was
    estimated (``"loadcell"``, ``"intrinsics"``, ``"workspace"``, ``"latency"``); ``params`` the
    values (JSON-serialisable); ``residual`` the fit residual in ``residual_unit``.
    """

    key: str
    kind: str
    method: str
    params: Mapping[str, Any]
    residual: float | None
    residual_unit: str
    created_utc: datetime
    software_version: str
    version: int = 1


@dataclass(frozen=True, slots=True)
class ClockFit:
    """Linear map from a device clock to the session clock: ``t_ns = offset_ns + slope * device_ns``."""

    device_id: str
    slope: float
    offset_ns: float
    residual_ns: float
    n: int


SESSION_FORMAT = "motor-station-session"
SESSION_FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class SessionMeta:
    """The versioned session header: ties the session clock to UTC once and says how data was made."""

    session_id: str
    participant: str
    """Pseudonymous participant code (never a name)."""
    utc_start: datetime
    clock_start_ns: int
    software_version: str
    host: Mapping[str, Any]
    config: Mapping[str, Any]
    devices: tuple[DeviceInfo, ...] = ()
    calibrations: tuple[CalibrationRecord, ...] = ()
    clock_fits: tuple[ClockFit, ...] = ()
    format: str = SESSION_FORMAT
    format_version: int = SESSION_FORMAT_VERSION
