"""Whether a window can really be opened, checked before Qt is imported (Qt aborts the process, with a
message naming only one missing library, when its X11 platform plugin cannot load).

On Linux under X11, Qt 6.5+ needs ``libxcb-cursor0``, ``libxcb-icccm4`` and ``libxcb-keysyms1``
(Debian/Ubuntu package names) beside the libraries every desktop has. When any is missing the station
says so in one line naming the packages and runs headless instead of aborting. The offscreen
platform (``QT_QPA_PLATFORM=offscreen``: tests, screenshots) needs none of them.
"""

from __future__ import annotations

import ctypes.util
import logging
import os
import sys

log = logging.getLogger(__name__)

XCB_PACKAGES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4", "xcb-keysyms": "libxcb-keysyms1"}
"""Shared library (as ``ctypes.util.find_library`` names it) -> the Debian package that provides it."""


def missing_xcb_packages() -> list[str]:
    """Debian packages of Qt's X11 plugin whose libraries cannot be found (empty when all are there)."""
    return [pkg for lib, pkg in XCB_PACKAGES.items() if ctypes.util.find_library(lib) is None]


def xcb_problem() -> str | None:
    """One line naming the missing packages when windows would go to an X11 display that Qt's xcb
    plugin cannot use; ``None`` otherwise (other systems, Wayland, offscreen, no display at all)."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if not os.environ.get("DISPLAY") or (os.environ.get("WAYLAND_DISPLAY") and not platform):
        return None
    missing = missing_xcb_packages()
    if not missing:
        return None
    return (f"the display cannot be used: Qt's X11 plugin needs {', '.join(missing)} "
            f"(sudo apt-get install {' '.join(missing)})")
