"""``station analyze-trace`` on the real tablet spirals, compared with the graphomotor package."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from exercises.templates import make_template, point_to_path
from station.cli import main
from station.cli.trace import score_file

SPIRAL_ARGS = ["--shape", "spiral", "--center", "50,50", "--growth", "1.075", "--turns", "4", "--tolerance", "2"]


def _spirals(media: Path) -> list[Path]:
    files = sorted(p for p in (media / "tracing" / "spirals").glob("*.csv") if "spiral_trace" in p.name)
    assert len(files) >= 4
    return files


def test_tree_and_brute_force_distances_agree() -> None:
    rng = np.random.default_rng(0)
    t = make_template("spiral", center=(0, 0), size=1.0, aspect=1.0, n=2000)
    p = rng.uniform(-0.7, 0.7, (300, 2))
    d_tree, s_tree = point_to_path(p, t)  # 300 x 2000 > threshold: k-d tree path
    brute = np.array([[v[0] for v in point_to_path(q, t)] for q in p])  # one point at a time: brute force
    np.testing.assert_allclose(d_tree, brute[:, 0], atol=1e-12)
    np.testing.assert_allclose(s_tree, brute[:, 1], atol=1e-9)


@pytest.mark.slow
def test_spiral_scores_match_graphomotor(media: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from graphomotor.core import config
        from graphomotor.features import distance, drawing_error
        from graphomotor.io import reader
        from graphomotor.utils import center_spiral, generate_reference_spiral
    ref = center_spiral.center_spiral(generate_reference_spiral.generate_reference_spiral(config.SpiralConfig()))
    for p in _spirals(media)[:3]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = center_spiral.center_spiral(reader.load_drawing_data(p))
            h = distance.calculate_hausdorff_metrics(d, ref)["hausdorff_distance_maximum"]
            auc = drawing_error.calculate_area_under_curve(d, ref)["area_under_curve"]
        m = score_file(p, shape="spiral", center=(50, 50), size=None, growth=1.075, turns=4, tolerance=2)["metrics"]
        assert m["hausdorff"] == pytest.approx(h, rel=0.01, abs=0.01), p.name  # type: ignore[index]
        if auc > 1:  # the synthetic perfect spiral has ~0 area both ways
            assert m["area_between"] == pytest.approx(auc, rel=0.01), p.name  # type: ignore[index]


def test_perfect_spiral_is_perfect_and_cli_writes_json(media: Path, tmp_path: Path) -> None:
    perfect = next(p for p in _spirals(media) if "perfect" in p.name)
    real = next(p for p in _spirals(media) if "perfect" not in p.name)
    out = tmp_path / "scores.json"
    assert main(["analyze-trace", str(perfect), str(real), *SPIRAL_ARGS, "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    mp, mr = res[0]["metrics"], res[1]["metrics"]
    assert mp["mean_dev"] < 0.01 and mp["completion"] == 1.0 and mp["in_band_pct"] == 100.0
    assert mr["mean_dev"] > 10 * mp["mean_dev"] and mr["samples"] > 1000
    assert res[0]["definitions"]["sparc"].startswith("spectral arc length")
    # never overwrite an existing output
    assert main(["analyze-trace", str(perfect), *SPIRAL_ARGS, "--json", str(out)]) == 2


def test_bad_trace_input_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "t.csv"
    f.write_text("a,b\n1,2\n")
    assert main(["analyze-trace", str(f), "--shape", "circle", "--size", "10"]) == 2
    assert "no column" in capsys.readouterr().err
    assert main(["analyze-trace", str(tmp_path / "missing.csv")]) == 2
    f.write_text("x,y,t\n1,2,0\n2,2,1\n3,2,2\n")
    assert main(["analyze-trace", str(f), "--shape", "circle"]) == 2  # no size


def test_pen_lifts_split_strokes(tmp_path: Path) -> None:
    """A line drawn in two strokes with a pen lift: the jump back is not path length."""
    t = np.arange(0, 2.0, 0.01)
    u = np.where(t < 1.0, t, t - 1.0) / 0.99
    x = 10 + 40 * (10 * u**3 - 15 * u**4 + 6 * u**5)  # the same 40-unit line twice, minimum-jerk strokes
    y = np.where(t < 1.0, 50.0, 60.0)
    f = tmp_path / "two.csv"
    f.write_text("x,y,seconds,line_number\n" + "".join(f"{a},{b},{c},{int(c >= 1.0)}\n" for a, b, c in zip(x, y, t, strict=True)))
    one = score_file(f, shape="line", center=(30, 50), size=40, growth=None, turns=4, tolerance=5, stroke="none")["metrics"]
    two = score_file(f, shape="line", center=(30, 50), size=40, growth=None, turns=4, tolerance=5)["metrics"]
    assert two["strokes"] == 2 and one["strokes"] == 1  # type: ignore[index]
    assert two["path_length"] == pytest.approx(2 * 40, rel=0.01)  # type: ignore[index]
    assert one["path_length"] > two["path_length"] + 39  # type: ignore[index]
    assert two["pen_up_s"] == pytest.approx(0.01, abs=1e-6)  # type: ignore[index]
    assert two["velocity_peaks"] == 2  # type: ignore[index]  # one per stroke
    assert two["sparc"] == pytest.approx(-1.40, abs=0.05)  # type: ignore[index]  # each stroke is minimum-jerk
