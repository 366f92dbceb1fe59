"""Compare Motor Station's spiral metrics with the graphomotor package on the real tablet spirals.

Both use the same reference spiral (Archimedean r = 1.075*theta, theta 0..8*pi, centre (50, 50),
canvas units of the files in ``tests/media/tracing/spirals``). Printed per file: Hausdorff
distance (graphomotor ``hausdorff_distance_maximum`` vs ours ``hausdorff``), area between drawn and
reference spiral (``area_under_curve`` vs ``area_between``), duration, and their ratios; plus our
mean perpendicular deviation and SPARC, which graphomotor does not compute.

Run: ``.venv/bin/python benchmarks/spiral_vs_graphomotor.py [--plot spirals.png]`` (the plot shows
each drawing over the reference spiral with both packages' numbers).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SPIRALS = ROOT / "tests" / "media" / "tracing" / "spirals"


def main() -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from graphomotor.core import config
        from graphomotor.features import distance, drawing_error
        from graphomotor.features import time as gtime
        from graphomotor.io import reader
        from graphomotor.utils import center_spiral, generate_reference_spiral

    from station.cli.trace import score_file

    plot = sys.argv[sys.argv.index("--plot") + 1] if "--plot" in sys.argv else None
    panels = []
    ref = center_spiral.center_spiral(generate_reference_spiral.generate_reference_spiral(config.SpiralConfig()))
    files = sorted(p for p in SPIRALS.glob("*.csv") if "spiral" in p.name)
    print(f"{'file':34s} {'haus gm':>8s} {'haus ms':>8s} {'ratio':>6s} {'AUC gm':>8s} {'area ms':>8s} {'ratio':>6s} "
          f"{'dur gm':>7s} {'dur ms':>7s} {'mean_dev':>8s} {'sparc':>6s} {'t gm ms':>7s} {'t ms ms':>7s}")
    for p in files:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            d = reader.load_drawing_data(p)
            dc = center_spiral.center_spiral(d)
            h = distance.calculate_hausdorff_metrics(dc, ref)["hausdorff_distance_maximum"]
            auc = drawing_error.calculate_area_under_curve(dc, ref)["area_under_curve"]
            dur = gtime.get_task_duration(dc)["duration"]
        t_gm = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        r = score_file(p, shape="spiral", center=(50.0, 50.0), size=None, growth=1.075, turns=4.0, tolerance=2.0)
        t_ms = (time.perf_counter() - t0) * 1e3
        m = r["metrics"]
        name = p.name.split("]")[-1][-34:]
        panels.append((name, dc.data[["x", "y"]].to_numpy(), ref, h, m["hausdorff"], auc, m["area_between"], m["mean_dev"]))
        print(f"{name:34s} {h:8.3f} {m['hausdorff']:8.3f} {m['hausdorff'] / h:6.3f} {auc:8.2f} {m['area_between']:8.2f} "
              f"{m['area_between'] / auc if auc else float('nan'):6.3f} {dur:7.2f} {m['duration_s']:7.2f} "
              f"{m['mean_dev']:8.3f} {m['sparc']:6.2f} {t_gm:7.0f} {t_ms:7.0f}")
    if plot:
        _plot(panels, plot)
        print(f"plot: {plot}")
    return 0


def _plot(panels: list, out: str) -> None:  # type: ignore[type-arg]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 8))
    FigureCanvasAgg(fig)
    for k, (name, xy, ref, h, hm, auc, am, md) in enumerate(panels[:6]):
        ax = fig.add_subplot(2, 3, k + 1)
        ax.plot(ref[:, 0], ref[:, 1], color="0.7", lw=3, label="reference r = 1.075 theta")
        ax.plot(xy[:, 0], xy[:, 1], color="C0", lw=0.8, label="drawn")
        ax.set_aspect("equal")
        ax.invert_yaxis()
        ax.set_title(name[-30:], fontsize=8)
        ax.text(0.02, 0.02, f"Hausdorff gm {h:.3f} / ms {hm:.3f}\narea gm {auc:.2f} / ms {am:.2f}\nmean dev (ms) {md:.3f}",
                transform=ax.transAxes, fontsize=7, va="bottom")
        ax.tick_params(labelsize=6)
    fig.axes[0].legend(fontsize=6, loc="upper right")
    fig.suptitle("Tablet spirals (graphomotor sample data): graphomotor (gm) vs Motor Station (ms); canvas units")
    fig.savefig(out, dpi=90)


if __name__ == "__main__":
    raise SystemExit(main())
