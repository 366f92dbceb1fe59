from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calibration.store import CalibrationStore
from station.core import CalibrationRecord, InputError


def _rec(created: datetime, offset: float = 1.0) -> CalibrationRecord:
    return CalibrationRecord("GRIP-0042", "loadcell", "tare+span", {"offset": offset, "scale": 2.0}, 0.05, "N", created, "0.1.0")


def test_versions_are_kept_and_latest_is_in_force(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    now = datetime(2026, 5, 1, tzinfo=UTC)
    assert store.status("GRIP-0042", "loadcell") == ("missing", None)
    a = store.save(_rec(now - timedelta(days=40), 1.0))
    b = store.save(_rec(now - timedelta(days=2), 3.0))
    assert (a.version, b.version) == (1, 2)
    assert [r.params["offset"] for r in store.history("GRIP-0042", "loadcell")] == [1.0, 3.0]
    status, rec = store.status("GRIP-0042", "loadcell", now=now)
    assert status == "ok" and rec is not None and rec.params["offset"] == 3.0
    assert store.status("GRIP-0042", "loadcell", now=now + timedelta(days=60))[0] == "stale"


def test_malformed_file_is_named(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path)
    store.save(_rec(datetime(2026, 5, 1, tzinfo=UTC)))
    (tmp_path / "GRIP-0042" / "loadcell" / "v0001.json").write_text('{"key": "x"}')
    with pytest.raises(InputError, match="v0001.json"):
        store.latest("GRIP-0042", "loadcell")


def test_unsafe_keys_cannot_escape_the_root(tmp_path: Path) -> None:
    store = CalibrationStore(tmp_path / "cal")
    rec = CalibrationRecord("../../etc", "loadcell", "m", {}, None, "", datetime(2026, 1, 1, tzinfo=UTC), "0")
    store.save(rec)
    assert all(p.is_relative_to(tmp_path / "cal") for p in (tmp_path / "cal").rglob("*.json"))
