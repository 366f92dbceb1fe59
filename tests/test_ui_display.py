"""An X11 display without Qt's xcb libraries: one line naming the Debian packages, and the demo runs
headless instead of Qt aborting the process. Checked against this machine's real libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from station.ui.display import XCB_PACKAGES, missing_xcb_packages, xcb_problem

MISSING = missing_xcb_packages()


def _ldconfig_has(lib: str) -> bool:
    out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    return f"lib{lib}.so" in out


@pytest.mark.skipif(not Path("/sbin/ldconfig").exists(), reason="needs ldconfig (Linux)")
def test_missing_packages_match_the_dynamic_linker_cache() -> None:
    assert MISSING == [pkg for lib, pkg in XCB_PACKAGES.items() if not _ldconfig_has(lib)]


def test_no_complaint_offscreen_or_without_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("DISPLAY", ":99")
    assert xcb_problem() is None
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert xcb_problem() is None


@pytest.mark.skipif(not MISSING, reason="every xcb library Qt needs is installed here: nothing to report")
def test_demo_on_a_display_without_xcb_libraries_runs_headless(station_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":99"
    r = subprocess.run([sys.executable, "-m", "station", "demo", "--simulated", "--fast", "--seconds", "3"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines == [f"the display cannot be used: Qt's X11 plugin needs {', '.join(MISSING)} "
                     f"(sudo apt-get install {' '.join(MISSING)}); running headless"]
    assert "report:" in r.stdout


@pytest.mark.skipif(not MISSING, reason="every xcb library Qt needs is installed here: nothing to report")
def test_station_run_on_such_a_display_is_one_clear_error(station_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":99"
    r = subprocess.run([sys.executable, "-m", "station", "run", "--simulated"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and all(p in lines[0] for p in MISSING) and "Traceback" not in r.stderr
