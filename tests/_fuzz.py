"""How many examples a property test runs: its own number in ``make test``, times
``MOTOR_STATION_FUZZ_SCALE`` in ``make fuzz`` (random exploration with many more examples).

The Hypothesis profiles themselves live in ``tests/conftest.py``: ``ci`` (derandomized: every CI run
draws the same examples), ``dev`` (random, failures kept in ``.hypothesis/`` and replayed first) and
``fuzz``.
"""

from __future__ import annotations

import os


def examples(n: int) -> int:
    """``n`` scaled by ``MOTOR_STATION_FUZZ_SCALE`` (default 1)."""
    try:
        scale = float(os.environ.get("MOTOR_STATION_FUZZ_SCALE", "1"))
    except ValueError:
        scale = 1.0
    return max(1, round(n * max(scale, 0.0)))
