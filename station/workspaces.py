"""Using a stored workspace calibration in a run: which exercises need one, loading it, applying it.

Tabletop tracing (``tracing mode=tabletop``) and the physical pegboard (``pegboard mode=physical``)
score in **millimetres** of the sheet or board. The mapping from the camera image to that plane is
the camera's workspace calibration (``station calibrate workspace IMAGE --camera ID``, kept in the
versioned calibration store under that camera id). ``station analyze --workspace ID`` and
``station run --workspace ID`` apply it: every hand observation gets its landmarks in plane mm
(:func:`calibration.workspace.with_workspace`) before the exercise sees it, and the calibration used
(camera id, version, residual, status) is kept with the result: in the JSON result of ``analyze``,
in the session header of ``run``.

An exercise in a millimetre mode needs a mapping: the workspace, or its own ``homography`` /
``corners`` setting. Without either, :func:`check_mapping` refuses before any work (every frame
would be unmapped and nothing scored). A *stale* workspace (older than a day: the camera or the
sheet may have moved) is used and said: a warning in the log, ``status: stale`` in the provenance,
and the live window shows it beside the camera's state. A *missing* one is an :class:`InputError`
naming the command that makes it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import exercises
from calibration.workspace import Workspace, with_workspace
from exercises.base import StepInput
from station.core import CalibrationRecord, InputError

log = logging.getLogger(__name__)

MM_MODES = {"tabletop": "tabletop tracing", "physical": "the physical pegboard"}
"""Exercise ``mode`` values that score in plane millimetres, and how to name them to a therapist."""


@dataclass(frozen=True)
class ActiveWorkspace:
    """A workspace calibration in use for one camera: the mapping, its stored record and its status."""

    camera_id: str
    status: str
    """``ok`` or ``stale`` (a missing one never becomes active)."""
    workspace: Workspace
    record: CalibrationRecord

    def apply(self, inp: StepInput) -> StepInput:
        """``inp`` with every hand's landmarks also in plane millimetres (``HandObservation.workspace``).

        Raises :class:`InputError` when the frames have another aspect ratio than the calibration's
        (a webcam cropping differently at another resolution): the millimetres would be wrong. The
        same aspect at another resolution is fine (normalised coordinates are scaled by the
        calibration's own image size)."""
        if not inp.hands:
            return inp
        for h in inp.hands:
            check_aspect(self, h.image_size)
        return dataclasses.replace(inp, hands=tuple(with_workspace(h, self.workspace) for h in inp.hands))

    def plane_to_image(self) -> tuple[float, ...]:
        """Plane mm -> normalised image coordinates (3 x 3, row-major): the inverse of the calibration,
        for drawing a board or sheet over the camera view."""
        import numpy as np

        w, h = self.workspace.image_size
        m = np.linalg.inv(np.asarray(self.workspace.H, dtype=np.float64) @ np.diag([w, h, 1.0]))
        return tuple(float(v) for v in (m / m[2, 2]).ravel())

    def provenance(self) -> dict[str, Any]:
        """What a result records about the mapping it was scored with."""
        return {"camera": self.camera_id, "version": self.record.version, "method": self.record.method,
                "residual_mm": self.record.residual, "created_utc": self.record.created_utc.isoformat(),
                "status": self.status}


ASPECT_TOLERANCE = 0.01
"""Largest relative difference of width/height between the frames and the calibration's image."""


def check_aspect(active: ActiveWorkspace, image_size: tuple[int, int]) -> None:
    """:class:`InputError` when frames of ``image_size`` cannot use ``active``'s mapping (another aspect ratio)."""
    w, h = image_size
    cw, ch = active.workspace.image_size
    if w <= 0 or h <= 0 or cw <= 0 or ch <= 0:
        return  # sizes unknown (e.g. replayed landmarks without them): nothing to compare
    if abs((w / h) / (cw / ch) - 1.0) > ASPECT_TOLERANCE:
        raise InputError(
            f"the camera delivers {w}x{h} frames, but the workspace calibration of '{active.camera_id}' was made on "
            f"{cw}x{ch} frames (another aspect ratio: the millimetres would be wrong)",
            fix=f"recalibrate at this resolution: station calibrate workspace IMAGE --camera {active.camera_id}",
        )


def _parsed(exercise: str, settings: Any) -> Any:
    """Validated settings: a mapping is parsed by the exercise; a settings object is used as it is."""
    return exercises.get(exercise).parse_settings(dict(settings)) if isinstance(settings, Mapping) else settings


def mm_mode(exercise: str, settings: Any) -> str | None:
    """The exercise's millimetre mode (``tabletop``, ``physical``) for these settings, else ``None``."""
    s = _parsed(exercise, settings)
    mode = getattr(s, "mode", None)
    return mode if mode in MM_MODES else None


def has_own_mapping(exercise: str, settings: Any) -> bool:
    """Whether the settings carry their own image -> plane mapping (``homography`` or ``corners``)."""
    s = _parsed(exercise, settings)
    return getattr(s, "homography", None) is not None or getattr(s, "corners", None) is not None


def check_mapping(exercise: str, settings: Any, workspace: str | None) -> None:
    """Refuse an exercise in a millimetre mode that has no way to map the image to the plane."""
    mode = mm_mode(exercise, settings)
    if mode is None or workspace is not None or has_own_mapping(exercise, settings):
        return
    own = "homography=9 numbers" if mode == "tabletop" else "corners=8 numbers (TL, TR, BR, BL, normalised image x,y)"
    raise InputError(
        f"{MM_MODES[mode]} ({exercise} mode={mode}) scores in millimetres and needs the camera's workspace calibration",
        fix=f"give --workspace CAMERA_ID (made by 'station calibrate workspace IMAGE --camera CAMERA_ID'), or --set {own}",
    )


def load_active(camera_id: str, store: Any = None) -> ActiveWorkspace:
    """The workspace calibration in force for ``camera_id``; :class:`InputError` when there is none."""
    from calibration.store import CalibrationStore
    from station.paths import calibration_dir

    store = store if store is not None else CalibrationStore(calibration_dir())
    status, rec = store.status(camera_id, "workspace")
    if rec is None:
        raise InputError(f"no workspace calibration is stored for camera '{camera_id}'",
                         where=str(getattr(store, "root", "")) or None,
                         fix=f"show the printed sheet or board to the camera and run 'station calibrate workspace IMAGE --camera {camera_id} "
                             "--sheet SHEET.json' ('station calibrate status' lists what is stored)")
    ws = Workspace.from_record(rec)
    if status == "stale":
        log.warning("the workspace calibration of camera '%s' (v%d, %s) is stale: the camera or the sheet may have moved; "
                    "scoring with it anyway (recalibrate with 'station calibrate workspace')", camera_id, rec.version,
                    rec.created_utc.date().isoformat())
    return ActiveWorkspace(camera_id, status, ws, rec)


def mapped_feed(feed: Callable[[int], Iterable[StepInput]], active: ActiveWorkspace) -> Callable[[int], Iterable[StepInput]]:
    """``feed`` with :meth:`ActiveWorkspace.apply` on every step."""

    def out(t0_ns: int) -> Iterator[StepInput]:
        for inp in feed(t0_ns):
            yield active.apply(inp)

    return out
