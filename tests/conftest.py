"""Shared test setup: hermetic data directory, offscreen Qt, real media from ``tests/media`` (inside the
repository: nothing under ``tests/`` reads outside the clone), landmarks tracked once per clip per backend."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from _storage_db import ENGINES, make_url
from hypothesis import settings as hypothesis_settings

# Property tests (Hypothesis). CI draws the same examples on every run (``derandomize``), so a
# submission cannot pass or fail CI by luck; a failure found there is reproduced by the same command
# and then kept as an explicit ``@example``. Locally exploration stays random and every failing
# example is saved in ``.hypothesis/`` and replayed first on the next run; ``make fuzz`` runs the
# ``fuzz`` profile with many more examples (see ``tests/_fuzz.py``).
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.register_profile("fuzz", print_blob=True)
HYPOTHESIS_PROFILE = os.environ.get("MOTOR_STATION_HYPOTHESIS") or ("ci" if os.environ.get("CI") else "dev")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)

# Qt must never look for a display, and must not pick up OpenCV's bundled Qt plugins.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / "tests" / "media"
ARTIFACTS = ROOT / "test-artifacts"


def pytest_report_header(config: pytest.Config) -> str:
    mode = "derandomized: every run draws the same examples" if hypothesis_settings.default.derandomize else "random examples"
    return (f"hypothesis profile: {HYPOTHESIS_PROFILE} ({mode}; "
            f"examples x{os.environ.get('MOTOR_STATION_FUZZ_SCALE', '1')})")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every Hypothesis test carries the ``fuzz`` marker, so ``make fuzz`` (``-m fuzz``) finds them all."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.fuzz)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--grip-port", default=None, help="serial port of a real grip dynamometer (hardware tests)")
    parser.addoption("--balance-port", default=None, help="serial port of a real balance board (hardware tests)")


@pytest.fixture(autouse=True)
def station_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own station data directory."""
    home = tmp_path / "station-home"
    monkeypatch.setenv("MOTOR_STATION_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def media() -> Path:
    """The real test media in ``tests/media`` (licences, sources, ground truth in its MANIFEST.csv)."""
    if not (MEDIA / "MANIFEST.csv").is_file():
        pytest.fail(f"real test media not found at {MEDIA}: the repository is incomplete")
    return MEDIA


@pytest.fixture(scope="session")
def track(media: Path) -> Callable[..., list[Any]]:
    """``track(clip, kind, complexity=1, backend="mediapipe")`` -> raw ``TrackedFrame`` s of a whole clip
    (a path relative to ``tests/media``, or any path), tracked once per test session per backend."""
    from vision.pipeline import track_stream
    from vision.sources import VideoFileSource, open_source
    from vision.trackers import make_tracker

    cache: dict[tuple[str, str, int, str], list[Any]] = {}

    def run(clip: str | Path, kind: str, complexity: int = 1, backend: str = "mediapipe") -> list[Any]:
        key = (str(clip), kind, complexity, backend)
        if key not in cache:
            src = open_source(media / clip)
            src.t0_ns = 0  # the same frame times every run: MediaPipe's video-mode filters see them
            static = not isinstance(src, VideoFileSource)
            opts = {"model_complexity": complexity, "static": static}
            trk = make_tracker([kind], backend=backend, hand_options=opts if kind == "hand" else None,  # type: ignore[list-item]
                               pose_options=opts if kind == "pose" else None)
            try:
                cache[key] = list(track_stream(src, trk))
            finally:
                trk.close()
        return cache[key]

    return run


@pytest.fixture(scope="session")
def landmarks(media: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``landmarks(clip, kinds=("pose",), backend="mediapipe", num_poses=1)`` -> a Parquet file of the
    clip's raw landmarks (``station.analyze.track_file``), tracked once per test session per backend,
    kinds and people per frame, to be scored any number of times with ``analyze_landmarks``."""
    from station.analyze import TrackerOptions, track_file

    cache: dict[tuple[str, tuple[str, ...], str, int], Path] = {}
    folder = tmp_path_factory.mktemp("landmarks")

    def get(clip: str | Path, kinds: Sequence[str] = ("pose",), backend: str = "mediapipe", num_poses: int = 1) -> Path:
        key = (str(clip), tuple(kinds), backend, num_poses)
        if key not in cache:
            out = folder / f"{len(cache)}-{Path(clip).stem}-{backend}.parquet"
            frames, _found = track_file(media / clip, out, tuple(kinds),  # type: ignore[arg-type]
                                        options=TrackerOptions(backend=backend, num_poses=num_poses))
            assert frames > 0, f"{clip}: no frame read"
            cache[key] = out
        return cache[key]

    return get


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(params=ENGINES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on SQLite and on the real PostgreSQL server (see ``_storage_db``)."""
    yield from make_url(request.param, tmp_path)


@pytest.fixture
def db(url: str) -> Iterator[Any]:
    """The station's database opened on :func:`url` (SQLite and PostgreSQL)."""
    from station.storage import open_database

    d = open_database(url)
    yield d
    d.dispose()
