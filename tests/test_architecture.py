"""The dependency direction of the project architecture (docs and README), checked on the source.

    station.{session,ui,cli,...} -> exercises -> vision, devices -> calibration -> station.core

and inside ``station/``, one way too (a layer imports only the layers after it)::

    station.cli  ->  station.ui  ->  station.session (+ plans, demo, analyze, workspaces, lsl)
                 ->  station.report / station.export  ->  station.storage  ->  station.core

``station.storage`` does not import ``exercises`` (``StepInput`` and ``ExerciseResult`` are messages in
``station.core``); nothing imports ``station.cli``; only ``station.cli`` imports ``station.ui``.

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
# Layers inside station/, and what each may import from station/ (besides the packages above).
STATION_LAYERS: dict[str, tuple[str, ...]] = {
    "station.core": (),
    "station.paths": (),
    "station.storage": ("station.paths",),
    "station.recovery": ("station.storage",),
    "station.goals": ("station.storage",),
    "station.export": ("station.storage", "station.paths", "station.goals"),
    "station.report": ("station.storage", "station.export", "station.paths", "station.goals",
                       "station.i18n", "station.plans", "station.practice"),  # a report's language, the child's sensory
                                                                             # settings (#22), practice by place (#20)
    "station.lsl": (),
    "station.i18n": (),
    "station.plans": ("station.storage", "station.i18n", "station.paths"),
    "station.audio": ("station.plans", "station.paths", "station.i18n"),
    "station.workspaces": ("station.paths",),
    "station.analyze": ("station.workspaces", "station.paths"),
    "station.batch": ("station.analyze", "station.workspaces", "station.paths"),
    "station.session": ("station.storage", "station.recovery", "station.lsl", "station.plans", "station.workspaces",
                        "station.analyze", "station.paths", "station.goals", "station.audio"),
    "station.demo": ("station.session", "station.plans", "station.analyze"),
    "station.keys": (),
    "station.practice": ("station.storage",),
    "station.desk": ("station.storage",),
    "station.bundles": ("station.keys", "station.storage", "station.plans"),
    "station.home": ("station.session", "station.plans", "station.paths"),
    "station.ui": ("station.session", "station.plans", "station.storage", "station.paths", "station.demo", "station.goals",
                   "station.audio", "station.i18n", "station.home"),
    "station.cli": ("station.session", "station.ui", "station.demo", "station.plans", "station.storage", "station.export",
                    "station.report", "station.recovery", "station.paths", "station.analyze", "station.workspaces",
                    "station.lsl", "station.batch", "station.cli", "station.goals", "station.audio", "station.i18n",
                    "station.home", "station.bundles", "station.keys", "station.practice", "station.desk"),
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


def _station_layer(module: str) -> str | None:
    """The layer of a ``station.*`` module (``None`` for the package itself and ``station.__main__``)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] in ("__init__", "__main__"):
        return None
    return ".".join(parts[:2])


def _direction_violations(module: str, source: Path | str) -> list[str]:
    layer = _layer(module)
    allowed = ALLOWED[layer]
    bad = []
    inner = _station_layer(module) if module.startswith("station.") else None
    for imported, _ in _imports(source):
        if imported.split(".")[0] in PROJECT and _layer(imported) not in allowed:
            bad.append(f"{module} imports {imported}: {layer} may import only {sorted(allowed)}")
        if inner is not None and inner != "station.core" and imported.startswith("station."):
            target = _station_layer(imported)
            if target is not None and target != inner and target != "station.core" and target not in STATION_LAYERS[inner]:
                bad.append(f"{module} imports {imported}: {inner} may import only {sorted(STATION_LAYERS[inner])} of station/")
        if module.startswith("station.storage") and imported.split(".")[0] == "exercises":
            bad.append(f"{module} imports {imported}: storage keeps messages, never exercises")
    return bad


def test_checker_catches_a_wrong_direction() -> None:
    assert _direction_violations("vision.x", "import exercises.tracing\nfrom station.core import Frame")
    assert _direction_violations("station.core.x", "from station.session import SessionRunner")
    assert not _direction_violations("exercises.x", "from vision.synth_hand import tracing_stream")
    assert _direction_violations("station.session.x", "from station.ui.window import StationWindow")
    assert _direction_violations("station.ui.x", "from station.cli import main")
    assert _direction_violations("station.storage.recorder", "from exercises.base import ExerciseResult")
    assert not _direction_violations("station.ui.x", "from station.session.model import LiveModel")


def test_every_station_module_has_a_layer() -> None:
    for module, _ in MODULES:
        inner = _station_layer(module) if module.startswith("station.") else None
        assert inner is None or inner in STATION_LAYERS, f"{module}: add its layer to STATION_LAYERS"


def _station_graph() -> dict[str, set[str]]:
    names = {m for m, _ in MODULES}
    graph: dict[str, set[str]] = {}
    for module, path in MODULES:
        if not module.startswith("station."):
            continue
        key = module.removesuffix(".__init__")
        deps = set()
        for imported, top in _imports(path):
            if top and imported.startswith("station.") and (imported in names or f"{imported}.__init__" in names) \
                    and not key.startswith(imported + "."):  # ``from station.storage import schema`` inside the package
                deps.add(imported)
        graph[key] = deps
    return graph


def test_no_import_cycles_inside_station() -> None:
    """Module-level imports between station modules form no cycle (lazy imports included below)."""
    graph = _station_graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for d in graph.get(n, ()):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(d):], d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n)


def test_no_two_modules_import_each_other_even_lazily() -> None:
    """Lazy (function-level) imports count here: ``a`` imports ``b`` and ``b`` imports ``a`` is a cycle."""
    names = {m.removesuffix(".__init__") for m, _ in MODULES}
    deps: dict[str, set[str]] = {}
    for module, path in MODULES:
        key = module.removesuffix(".__init__")
        deps[key] = {i for i, _ in _imports(path) if i in names and i != key and not key.startswith(i + ".")}
    pairs = sorted({tuple(sorted((a, b))) for a, ds in deps.items() for b in ds if a in deps.get(b, set())})
    assert not pairs, f"modules importing each other: {pairs}"


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


def test_mypy_is_clean() -> None:
    """mypy on the packages listed in pyproject.toml (``[tool.mypy] files``); no new ``type: ignore``."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
