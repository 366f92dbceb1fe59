"""Where the station keeps its data.

The data directory is ``platformdirs.user_data_dir("motor-station")`` unless the environment
variable ``MOTOR_STATION_HOME`` names another folder (tests point it at a temporary directory). It
is created readable by its owner only (mode 0700): children's data is health data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from station.core import InputError

ENV_HOME = "MOTOR_STATION_HOME"


def data_dir(create: bool = True) -> Path:
    """The station's data directory (created with mode 0700 when ``create``)."""
    raw = os.environ.get(ENV_HOME)
    path = Path(raw).expanduser() if raw else Path(platformdirs.user_data_dir("motor-station", appauthor=False))
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(path, 0o700)
        except OSError as exc:
            raise InputError(
                "the data directory cannot be created or is not writable",
                where=str(path),
                fix=f"fix its permissions or set {ENV_HOME} to a writable folder ({exc.strerror})",
            ) from None
        if not os.access(path, os.W_OK):
            raise InputError("the data directory is not writable", where=str(path), fix=f"set {ENV_HOME} to a writable folder")
    return path


ENV_DB = "MOTOR_STATION_DB"


def default_db_url() -> str:
    """The station's database: ``$MOTOR_STATION_DB`` when set (e.g. a clinic's shared
    ``postgresql://user:password@host/db``), else SQLite inside the data directory."""
    url = os.environ.get(ENV_DB, "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / 'station.db'}"


def session_dir(session_id: str) -> Path:
    """Folder for a session's files (report, Parquet streams, optional video), mode 0700."""
    d = data_dir() / "sessions" / session_id
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise InputError("the session folder cannot be created", where=str(d),
                         fix=f"fix the data directory's permissions or free disk space ({exc.strerror})") from None
    return d


def calibration_dir() -> Path:
    """Root of the versioned calibration store (:class:`calibration.store.CalibrationStore`)."""
    d = data_dir() / "calibration"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d
