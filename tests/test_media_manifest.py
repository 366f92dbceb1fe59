"""The repository carries its own test media, each file with licence, source and ground truth, and no
test reads anything outside the clone (a fresh ``git clone`` must pass ``make test`` on its own).
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT / "tests" / "media"
BUDGET_BYTES = 25 * 1024 * 1024  # other issues add footage: keep the folder well under this
OWN = {"README.md", "MANIFEST.csv", "GROUND_TRUTH.csv"}  # GROUND_TRUTH.csv: per-clip hand annotation

# Code that would reach beside the clone: a quoted path up to the collection beside the clone, a "shared" path component joined
# with pathlib, or parents[n] climbing above the repository root (parents[1] of tests/x.py is it).
OUTSIDE = re.compile(r"""["'](\.\./)+shared|/\s*["']shared["']|["']shared/media|parents\[[2-9]\]""")


def _manifest() -> dict[str, dict[str, str]]:
    with (MEDIA / "MANIFEST.csv").open(newline="") as f:
        return {row["path"]: row for row in csv.DictReader(f)}


def _media_files() -> list[Path]:
    return sorted(p for p in MEDIA.rglob("*") if p.is_file() and p.parent != MEDIA / "LICENSES" and p.name not in OWN)


def test_every_media_file_is_listed_with_checksum_licence_source_and_truth() -> None:
    rows = _manifest()
    files = {p.relative_to(MEDIA).as_posix(): p for p in _media_files()}
    assert set(files) == set(rows), f"unlisted: {set(files) - set(rows)}; listed but missing: {set(rows) - set(files)}"
    for name, row in rows.items():
        data = files[name].read_bytes()
        assert int(row["bytes"]) == len(data), name
        assert row["sha256"] == hashlib.sha256(data).hexdigest(), f"{name} changed: re-measure its ground truth, then update MANIFEST.csv"
        assert (MEDIA / row["licence"]).is_file() and row["licence"].startswith("LICENSES/"), name
        assert row["source"].strip() and row["ground_truth"].strip(), name


def test_every_licence_text_is_used() -> None:
    used = {row["licence"] for row in _manifest().values()}
    present = {f"LICENSES/{p.name}" for p in (MEDIA / "LICENSES").iterdir()}
    assert present == used


def test_media_folder_stays_within_its_budget() -> None:
    total = sum(p.stat().st_size for p in MEDIA.rglob("*") if p.is_file())
    assert total < BUDGET_BYTES, f"tests/media is {total / 2**20:.1f} MB"


def test_no_test_or_benchmark_reads_outside_the_repository() -> None:
    offenders = []
    for folder in ("tests", "benchmarks"):
        for p in sorted((ROOT / folder).rglob("*.py")):
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if OUTSIDE.search(line) and p.name != Path(__file__).name:
                    offenders.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_guard_catches_the_old_ways_of_reaching_shared() -> None:
    """The pattern above is itself tested: each of these lines reads beside the clone."""
    up, beside = "..", "shared"  # built here, so that this file itself never names the folder beside the clone
    for line in (f'MEDIA = ROOT.parent / "{beside}" / "media"', f"p = Path('{up}/{beside}/media/body/x.mp4')",
                 'default = Path(__file__).resolve().parents[2] / "x"', 'open("shared/media/README.md")'):
        assert OUTSIDE.search(line), line
    for line in ('MEDIA = ROOT / "tests" / "media"', "ROOT = Path(__file__).resolve().parents[1]"):
        assert not OUTSIDE.search(line), line
