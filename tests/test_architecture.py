"""The dependency direction of the project architecture (docs and README), checked on the source.

    station.{app,session,ui,cli,...} -> exercises -> vision, devices -> calibration -> station.core

Qt (PySide6, pyqtgraph) is imported only under ``station/ui``; heavy optional packages are never
imported at module level (only inside the functions that need them).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("station", "vision", "devices", "exercises", "calibration")

# What each layer may import from the project.
ALLOWED = {
    "station.core": {"station.core"},
    "calibration": {"calibration", "station.core"},
    "vision": {"vision", "calibration", "station.core"},
    "devices": {"devices", "calibration", "station.core"},
    "exercises": {"exercises", "vision", "devices", "calibration", "station.core"},
    "station": {*PROJECT, "station.core"},
}
QT = ("PySide6", "pyqtgraph", "pytestqt")
LAZY = ("mediapipe", "PySide6", "pyqtgraph", "pylsl", "psycopg", "matplotlib")


def _layer(module: str) -> str:
    return "station.core" if module.startswith("station.core") else module.split(".")[0]


def _modules() -> list[tuple[str, Path]]:
    out = []
    for pkg in PROJECT:
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            out.append((".".join(rel.parts), path))
    return out


def _imports(path: Path | str) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in a file (or a source string)."""
    tree = ast.parse(path.read_text(encoding="utf-8") if isinstance(path, Path) else path)
    top = {id(n) for n in tree.body}
    for node in tree.body:  # imports in top-level try/if blocks count as module level too
        if isinstance(node, ast.Try | ast.If):
            top |= {id(n) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


MODULES = _modules()


def test_there_is_code_to_check() -> None:
    assert len(MODULES) > 20


def _direction_violations(module: str, source: Path | str) -> list[str]:
    layer = _layer(module)
    allowed = ALLOWED[layer]
    bad = []
    for imported, _ in _imports(source):
        if imported.split(".")[0] in PROJECT and _layer(imported) not in allowed:
            bad.append(f"{module} imports {imported}: {layer} may import only {sorted(allowed)}")
    return bad


def test_checker_catches_a_wrong_direction() -> None:
    assert _direction_violations("vision.x", "import exercises.tracing\nfrom station.core import Frame")
    assert _direction_violations("station.core.x", "from station.session import SessionRunner")
    assert not _direction_violations("exercises.x", "from vision.synth_hand import tracing_stream")


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_import_direction(module: str, path: Path) -> None:
    assert _direction_violations(module, path) == []


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_qt_only_in_ui_and_heavy_imports_are_lazy(module: str, path: Path) -> None:
    for imported, top_level in _imports(path):
        root = imported.split(".")[0]
        if root in QT:
            assert module.startswith("station.ui"), f"{module} imports Qt ({imported}) outside station/ui"
        if root in LAZY and top_level and not module.startswith("station.ui"):
            raise AssertionError(f"{module} imports {imported} at module level: import it inside the function that needs it")


def test_ruff_is_clean() -> None:
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", *PROJECT, "tests", "benchmarks"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
