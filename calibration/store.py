"""The versioned calibration store.

Calibrations are JSON files under a root folder (the station puts it in its data directory):
``ROOT/<key>/<kind>/v0001.json``, ``v0002.json``... Nothing is overwritten: a new calibration is a
new version, and the newest is the one in force. ``key`` names what was calibrated (a device serial
number such as ``"GRIP-0042"``, a camera id such as ``"cam-usb-046d:0825"``); ``kind`` what was
estimated (``"loadcell"``, ``"intrinsics"``, ``"workspace"``, ``"latency"``).

A calibration is *stale* when it is older than the kind's maximum age (:data:`MAX_AGE_DAYS`);
*missing* when there is none. Both are shown to the therapist and flagged in exports.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from station.core import CalibrationRecord, InputError

log = logging.getLogger(__name__)

MAX_AGE_DAYS = {"loadcell": 30.0, "intrinsics": 365.0, "workspace": 1.0, "latency": 90.0}
_SAFE = re.compile(r"[^A-Za-z0-9_.:-]+")

Status = Literal["ok", "stale", "missing"]


def _safe(part: str) -> str:
    s = _SAFE.sub("_", part).strip("._")
    if not s:
        raise InputError(f"calibration key or kind '{part}' has no usable characters", fix="use letters, digits, '-', '_' or ':'")
    return s


def _to_json(rec: CalibrationRecord) -> dict[str, object]:
    d = asdict(rec)
    d["created_utc"] = rec.created_utc.isoformat()
    d["params"] = dict(rec.params)
    return d


def _from_json(d: dict[str, Any], path: Path) -> CalibrationRecord:
    try:
        return CalibrationRecord(
            key=str(d["key"]),
            kind=str(d["kind"]),
            method=str(d["method"]),
            params=dict(d["params"]),
            residual=None if d.get("residual") is None else float(d["residual"]),
            residual_unit=str(d.get("residual_unit", "")),
            created_utc=datetime.fromisoformat(str(d["created_utc"])),
            software_version=str(d.get("software_version", "")),
            version=int(d.get("version", 1)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError("calibration file is malformed", where=str(path), fix=f"delete or fix it ({exc})") from None


def _read(path: Path) -> CalibrationRecord:
    """One stored version; a damaged or unreadable file is an :class:`InputError` naming it."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: not JSON, not UTF-8
        raise InputError("calibration file is unreadable", where=str(path), fix=f"delete or fix it ({exc})") from None
    if not isinstance(d, dict):
        raise InputError("calibration file is malformed", where=str(path), fix="delete or fix it (not a JSON object)")
    return _from_json(d, path)


class CalibrationStore:
    """Versioned calibrations under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _dir(self, key: str, kind: str) -> Path:
        return self.root / _safe(key) / _safe(kind)

    def save(self, rec: CalibrationRecord) -> CalibrationRecord:
        """Store ``rec`` as the next version; returns it with its ``version`` set."""
        d = self._dir(rec.key, rec.kind)
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        existing = sorted(d.glob("v*.json"))
        version = int(existing[-1].stem[1:]) + 1 if existing else 1
        rec = CalibrationRecord(**{**asdict(rec), "version": version})
        path = d / f"v{version:04d}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(_to_json(rec), indent=2), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash leaves the old version in force
        return rec

    def history(self, key: str, kind: str) -> list[CalibrationRecord]:
        """All versions, oldest first."""
        d = self._dir(key, kind)
        return [_read(p) for p in sorted(d.glob("v*.json"))]

    def latest(self, key: str, kind: str) -> CalibrationRecord | None:
        """The calibration in force, or ``None``."""
        h = self.history(key, kind)
        return h[-1] if h else None

    def status(self, key: str, kind: str, now: datetime | None = None) -> tuple[Status, CalibrationRecord | None]:
        """``("ok"|"stale"|"missing", record)`` for what is in force now."""
        rec = self.latest(key, kind)
        if rec is None:
            return "missing", None
        now = now or datetime.now(UTC)
        max_age = timedelta(days=MAX_AGE_DAYS.get(kind, 30.0))
        return ("stale" if now - rec.created_utc > max_age else "ok"), rec
