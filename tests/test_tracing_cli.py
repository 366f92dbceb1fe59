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


# -- online handwriting (Wacom SVC) and template-free scoring -----------------------------------------
def _svc_truth(path: Path) -> tuple[np.ndarray, int]:
    """Pen-down rows and the number of pen-down runs, read independently of the station's reader."""
    rows = np.array([[float(v) for v in ln.split()] for ln in path.read_text().splitlines()[1:] if ln.strip()])
    down = rows[:, 3] == 1
    runs = int(np.sum(np.diff(np.concatenate(([0], down.astype(int)))) == 1))
    return rows[down], runs


@pytest.mark.parametrize(("name", "unit", "scale"), [("signal.svc", "s", 1.0),
                                                     ("jack_18-07-2014_M_0006_Doe_12-10-2020.svc", "ms", 1e-3)])
def test_svc_handwriting_is_read_pen_down_only(media: Path, tmp_path: Path, name: str, unit: str, scale: float) -> None:
    f = media / "tracing" / "handwriting" / name
    down, runs = _svc_truth(f)
    out = tmp_path / "svc.json"
    assert main(["analyze-trace", str(f), "--shape", "none", "--json", str(out)]) == 0
    (r,) = json.loads(out.read_text())
    m, src = r["metrics"], r["source"]
    assert src["format"] == "svc" and src["time_unit"] == unit and src["bad_lines"] == 0
    assert src["samples_in_file"] == len(down) + src["pen_up_samples"]
    assert m["samples"] == len(down) and m["strokes"] == runs
    assert m["duration_s"] == pytest.approx((down[-1, 2] - down[0, 2]) * scale)
    assert m["pressure_mean"] == pytest.approx(down[:, 6].mean()) and m["pressure_sd"] == pytest.approx(down[:, 6].std())
    # path length: within strokes only (the jumps between strokes are pen-up travel), pen-up time between them
    rows = np.array([[float(v) for v in ln.split()] for ln in f.read_text().splitlines()[1:] if ln.strip()])
    stroke = np.cumsum(np.diff(np.concatenate(([0], (rows[:, 3] == 1).astype(int)))) == 1)[rows[:, 3] == 1]
    same = np.diff(stroke) == 0
    seg = np.hypot(*np.diff(down[:, :2], axis=0).T)
    assert m["path_length"] == pytest.approx(seg[same].sum(), rel=1e-12) and seg[~same].sum() > 0
    assert m["pen_up_s"] == pytest.approx(np.diff(down[:, 2])[~same].sum() * scale)
    assert all(np.isfinite(m[k]) for k in ("sparc", "ldlj", "mean_speed")) and m["sparc"] < 0
    assert set(r["units"]) == set(m) and set(r["definitions"]) == set(m)


# computed by score_trace as it was before the template-free metrics were split out of it (commit 16cac69)
PINNED = {
    "0b4f708d-spiral_trace1_Dom.csv": {
        "samples": 2499, "duration_s": 20.823, "path_length": 352.6723036539114, "mean_speed": 16.936671164285233,
        "velocity_peaks": 36, "sparc": -2.3311118117950467, "ldlj": -23.71281278171694, "strokes": 1, "pen_up_s": 0,
        "mean_dev": 0.2946337028369264, "hausdorff": 1.4656712501886167},
    "perfect-3000-points-spiral_trace1_Dom.csv": {
        "samples": 3000, "duration_s": 24.992, "path_length": 341.88549136819205, "mean_speed": 13.679797189828427,
        "velocity_peaks": 0, "sparc": -2.451382007229825, "ldlj": -24.060326094045216, "strokes": 1, "pen_up_s": 0,
        "mean_dev": 4.641523992649615e-05, "hausdorff": 0.05698325019832126},
}


@pytest.mark.parametrize("suffix", sorted(PINNED))
def test_template_free_metrics_and_the_template_run_keep_their_numbers(media: Path, suffix: str) -> None:
    """--shape none gives the template-free numbers, the spiral run all of them, each equal to the
    value pinned before the refactor that shares the code between them."""
    (f,) = [p for p in _spirals(media) if p.name.endswith(suffix)]
    free = score_file(f, shape="none", center=(50, 50), size=None, growth=None, turns=4, tolerance=2)
    full = score_file(f, shape="spiral", center=(50, 50), size=None, growth=1.075, turns=4, tolerance=2)
    for k, v in PINNED[suffix].items():
        assert full["metrics"][k] == pytest.approx(v, rel=1e-12, abs=1e-15), k  # type: ignore[index]
        if k in free["metrics"]:  # type: ignore[operator]
            assert free["metrics"][k] == pytest.approx(v, rel=1e-12, abs=1e-15), k  # type: ignore[index]
    assert "mean_dev" not in free["metrics"] and set(free["metrics"]) < set(full["metrics"])  # type: ignore[arg-type, operator]


def test_files_with_and_without_pressure_in_one_table(media: Path, tmp_path: Path) -> None:
    svc = media / "tracing" / "handwriting" / "signal.svc"
    csv_file = _spirals(media)[0]
    out = tmp_path / "mixed.json"
    assert main(["analyze-trace", str(svc), str(csv_file), "--shape", "none", "--json", str(out)]) == 0
    a, b = json.loads(out.read_text())
    assert "pressure_mean" in a["metrics"] and "pressure_mean" not in b["metrics"]
    assert a["file"] == "signal.svc" and b["file"] == csv_file.name  # names only, never the folders


def test_timestamps_that_step_back_are_dropped(tmp_path: Path) -> None:
    from station.cli.trace import read_trace_csv

    f = tmp_path / "t.csv"
    f.write_text("x,y,t\n0,0,0\n1,0,1\n2,0,2\n9,9,1.5\n3,0,3\n4,0,2.5\n5,0,4\n", encoding="utf-8")
    t_ns, xy, _ = read_trace_csv(f)
    assert xy[:, 0].tolist() == [0, 1, 2, 3, 5] and np.all(np.diff(t_ns) > 0)


def test_bad_svc_input_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "w.svc"
    f.write_text("3\nhello world\n1 2\n", encoding="utf-8")
    assert main(["analyze-trace", str(f), "--shape", "none"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: handwriting file has fewer than 2 pen-down samples") and len(err.strip().splitlines()) == 1
    f.write_text("2\n1 1 0 1\n2 2 10 1\n", encoding="utf-8")
    assert main(["analyze-trace", str(f), "--shape", "none", "--time-unit", "fortnights"]) == 2
    assert "unknown time unit" in capsys.readouterr().err
