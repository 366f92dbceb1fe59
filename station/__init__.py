"""Motor Station: a sensor-assisted motor practice station for pediatric occupational therapy.

Packages and their import direction (enforced by ``tests/test_architecture.py``)::

    station.{session,ui,cli,...} -> exercises -> vision, devices -> calibration -> station.core

and inside ``station``: ``cli -> ui -> session -> report / export -> storage -> core``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("motor-station")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
