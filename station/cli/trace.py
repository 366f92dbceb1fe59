"""``station analyze-trace``: score a pen or tablet trace recorded elsewhere with the tracing definitions.

The file is a CSV with a header and x, y, t columns (names chosen with ``--x/--y/--t``; by default
``x``, ``y`` and the first of ``t``, ``seconds``, ``time``, ``timestamp``). Positions are in the
file's own units (a tablet canvas, mm), y down as on a screen, and are scored against a template in
the same units; ``--time-unit`` gives the unit of the time column. The graphomotor spiral files in
``media/tracing/spirals`` are scored with
``--shape spiral --center 50,50 --growth 1.075 --turns 4``.

Online handwriting in the Wacom **SVC** format (``.svc``: the first line is the sample count, then one
sample per line, ``x y timestamp pen_status [azimuth altitude pressure]``) is read too: only pen-down
samples (status 1) are scored, each run of them is a stroke, and the time unit is detected from the
sampling interval (seconds or milliseconds; ``--time-unit`` overrides). Handwriting has no template:
``--shape none`` gives the template-free metrics (duration, path length, speed, velocity peaks, SPARC,
LDLJ, strokes, pen-up time) plus the pen pressure, for any file.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from station.core import InputError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

_T_NAMES = ("t", "seconds", "time", "timestamp", "time_s", "t_s")
_STROKE_NAMES = ("stroke", "line_number", "stroke_id")
_TIME_SCALE = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0}


def read_trace_csv(
    path: Path, x: str = "x", y: str = "y", t: str | None = None, time_unit: str = "s", stroke: str | None = "auto",
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Read ``(t_ns, xy, strokes)`` from a CSV trace; rows with an empty or non-numeric x/y/t are skipped.

    Times are converted to int nanoseconds from the first sample; samples whose time does not
    increase are dropped (tablets repeat timestamps). ``stroke`` names a pen-stroke id column
    (``"auto"``: the first of stroke, line_number, stroke_id; ``None``/``"none"``: one stroke).
    """
    import numpy as np

    if time_unit not in _TIME_SCALE:
        raise InputError(f"unknown time unit '{time_unit}'", fix="use s, ms, us or ns")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            cols = [c.strip() for c in (reader.fieldnames or [])]
            reader.fieldnames = cols
            tcol = t or next((c for c in _T_NAMES if c in cols), None)
            if stroke == "auto":
                scol = next((c for c in _STROKE_NAMES if c in cols), None)
            elif stroke in (None, "none"):
                scol = None
            elif stroke in cols:
                scol = stroke
            else:
                raise InputError(f"trace file has no stroke column {stroke}", where=str(path), fix=f"columns are {', '.join(cols)}")
            missing = [c for c in (x, y, tcol) if c is None or c not in cols]
            if missing:
                raise InputError(
                    f"trace file has no column {', '.join(str(m) for m in missing)}", where=str(path),
                    fix=f"columns are {', '.join(cols) or 'none'}; choose with --x/--y/--t",
                )
            rows = []
            for row in reader:
                try:
                    rows.append((float(row[tcol]), float(row[x]), float(row[y]), float(row[scol]) if scol else 0.0))  # type: ignore[index]
                except (TypeError, ValueError):
                    continue
    except OSError as exc:
        raise InputError("cannot read trace file", where=str(path), fix=exc.strerror or str(exc)) from None
    a = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    a = a[np.all(np.isfinite(a), axis=1)]
    if len(a) < 2:
        raise InputError("trace file has fewer than 2 usable samples", where=str(path), fix="check the x, y, t columns")
    t_ns = np.round((a[:, 0] - a[0, 0]) * _TIME_SCALE[time_unit]).astype(np.int64)
    keep = _increasing(t_ns)
    return t_ns[keep], a[keep, 1:3], (a[keep, 3].astype(np.int64) if scol else None)


def _increasing(t_ns: np.ndarray) -> np.ndarray:
    """Mask of the samples whose time is later than every earlier sample's (tablets repeat or step
    back timestamps; such samples are dropped, as are any before the first one)."""
    import numpy as np

    if len(t_ns) == 0:
        return np.zeros(0, dtype=bool)
    prev_max = np.maximum.accumulate(np.concatenate(([np.iinfo(np.int64).min], t_ns[:-1])))
    return (t_ns > prev_max) & (t_ns >= 0)


def _svc_time_unit(t: np.ndarray) -> str:
    """``s`` or ``ms`` (``us`` for very fine clocks) from the median sampling interval of an SVC file:
    tablets sample at 50-1000 Hz, so intervals below 0.5 are seconds, below 500 milliseconds."""
    import numpy as np

    d = np.diff(t)
    d = d[d > 0]
    med = float(np.median(d)) if len(d) else 1.0
    return "s" if med < 0.5 else "ms" if med < 500 else "us"


def read_trace_svc(path: Path, time_unit: str = "auto") -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, object]]:
    """Read ``(t_ns, xy, strokes, info)`` from a Wacom SVC handwriting file: pen-down samples only.

    Lines that are not 3 to 7 numbers are skipped and counted (``info["bad_lines"]``); the declared
    sample count (first line) and the samples found are both reported, since real files disagree.
    ``info`` also has ``time_unit`` (detected unless given), ``pen_up_samples`` and, when the file has a
    pressure column, ``pressure`` (pen-down values, the tablet's units).
    """
    import numpy as np

    if time_unit != "auto" and time_unit not in _TIME_SCALE:
        raise InputError(f"unknown time unit '{time_unit}'", fix="use s, ms, us, ns (or leave it out: detected from the file)")
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError as exc:
        raise InputError("cannot read trace file", where=str(path), fix=exc.strerror or str(exc)) from None
    declared: int | None = None
    if lines:
        try:
            declared = int(lines[0].strip())
            lines = lines[1:]
        except ValueError:
            declared = None  # no count line: every line is a sample
    rows, bad = [], 0
    for ln in lines:
        parts = ln.split()
        if not parts:
            continue
        try:
            vals = [float(v) for v in parts]
        except ValueError:
            bad += 1
            continue
        if not 3 <= len(vals) <= 7 or not all(np.isfinite(vals)):
            bad += 1
            continue
        pen = vals[3] if len(vals) > 3 else 1.0  # x y t only: every sample is pen-down
        rows.append([*vals[:3], pen, *vals[4:], *[float("nan")] * (7 - max(len(vals), 4))])
    a = np.asarray(rows, dtype=np.float64).reshape(-1, 7)
    down = a[:, 3] > 0
    if down.sum() < 2:
        raise InputError(f"handwriting file has fewer than 2 pen-down samples ({len(a)} samples, {bad} unreadable lines)",
                         where=str(path), fix="an SVC file has a count line, then 'x y timestamp pen_status ...' per line")
    unit = _svc_time_unit(a[:, 2]) if time_unit == "auto" else time_unit
    strokes_all = np.cumsum(np.diff(np.concatenate(([0], down.astype(np.int8)))) == 1)
    d = a[down]
    t_ns = np.round((d[:, 2] - d[0, 2]) * _TIME_SCALE[unit]).astype(np.int64)
    keep = _increasing(t_ns)
    info: dict[str, object] = {"format": "svc", "declared_samples": declared, "samples_in_file": len(a), "bad_lines": bad,
                               "pen_up_samples": int((~down).sum()), "time_unit": unit}
    pressure = d[keep, 6]
    if np.isfinite(pressure).any():
        info["pressure"] = pressure
    return t_ns[keep], d[keep, 0:2], strokes_all[down][keep].astype(np.int64), info


def score_file(
    path: Path, *, shape: str, center: tuple[float, float], size: float | None, growth: float | None,
    turns: float, tolerance: float, rotation: float = 0.0, x: str = "x", y: str = "y", t: str | None = None,
    time_unit: str = "auto", stroke: str | None = "auto",
) -> dict[str, object]:
    """Score one trace file (CSV, or SVC handwriting); returns ``{"file", "shape", "metrics", "units",
    "definitions"}`` (+ ``"source"``: what was read). ``"file"`` is the file's name only (folders often
    name a child). ``shape="none"``: the template-free metrics."""
    import numpy as np

    from exercises import trace_metrics as tm
    from exercises.templates import is_shape, make_template, spiral_template

    if shape != "none" and not is_shape(shape):
        raise InputError(f"unknown shape '{shape}'", fix="e.g. --shape spiral, circle, square, a letter, or none (no template)")
    info: dict[str, object] = {"format": "csv"}
    strokes: np.ndarray | None
    if path.suffix.lower() == ".svc":
        t_ns, xy, strokes, info = read_trace_svc(path, "auto" if time_unit == "auto" else time_unit)
    else:
        t_ns, xy, strokes = read_trace_csv(path, x, y, t, "s" if time_unit == "auto" else time_unit, stroke)
    pressure = info.pop("pressure", None)
    if shape == "none":
        metrics = tm.score_kinematics(t_ns, xy, strokes)
        units = {k: v for k, v in tm.units_for("unit").items() if k in metrics}
        definitions = {k: v for k, v in tm.DEFINITIONS.items() if k in metrics}
        if pressure is not None:
            pr = np.asarray(pressure, dtype=np.float64)
            metrics |= {"pressure_mean": float(np.nanmean(pr)), "pressure_sd": float(np.nanstd(pr))}
            units |= {"pressure_mean": "tablet units", "pressure_sd": "tablet units"}
            definitions |= {"pressure_mean": "mean pen pressure over the pen-down samples",
                            "pressure_sd": "standard deviation of the pen pressure over the pen-down samples"}
        return {"file": path.name, "shape": "none", "metrics": metrics, "units": units, "definitions": definitions, "source": info}
    if shape == "spiral" and growth is not None:
        tmpl = spiral_template(center=center, growth=growth, turns=turns)
    elif size is not None:
        tmpl = make_template(shape, center=center, size=size, aspect=1.0, n=4000 if shape == "spiral" else 1000,
                             turns=turns, rotation_deg=rotation)
    else:
        raise InputError("the template needs a size", fix="give --size (or --growth for a spiral), or --shape none")
    sc = tm.score_trace(t_ns, xy, tmpl, tolerance, strokes)
    return {
        "file": path.name, "shape": shape, "metrics": sc.as_dict(), "units": tm.units_for("unit"),
        "definitions": tm.DEFINITIONS, "template_length": tmpl.length, "source": info,
    }


def _pair(v: str) -> tuple[float, float]:
    try:
        a, b = (float(p) for p in v.split(","))
    except ValueError:
        raise InputError(f"malformed --center '{v}'", fix="write X,Y, e.g. --center 50,50") from None
    return a, b


def register(app: typer.Typer) -> None:
    @app.command(
        "analyze-trace",
        help="Score a pen or tablet trace (CSV with x, y, t columns, or Wacom SVC handwriting) against a tracing "
        "template, with the same definitions as the live tracing exercise; --shape none: template-free metrics "
        "(speed, smoothness, strokes, pen-up time, pressure).\n\n"
        "Positions are in the file's own units (y down); lengths in the output are in those units.\n\n"
        "Example: station analyze-trace spiral.csv --shape spiral --center 50,50 --growth 1.075 --turns 4 --tolerance 2\n\n"
        "Example: station analyze-trace writing.svc --shape none --json writing.json",
    )
    def analyze_trace(
        files: list[Path] = typer.Argument(..., help="One or more trace files: CSV, or .svc handwriting."),
        shape: str = typer.Option("spiral", "--shape", help="Template shape (spiral, circle, line, square, ... or a letter), or none."),
        center: str = typer.Option("50,50", "--center", help="Template centre X,Y in the file's units."),
        size: float | None = typer.Option(None, "--size", help="Template width (circle diameter, square side, spiral outer diameter)."),
        growth: float | None = typer.Option(None, "--growth", help="Spiral only: b of r = b*theta, in file units per radian."),
        turns: float = typer.Option(4.0, "--turns", help="Spiral turns."),
        tolerance: float = typer.Option(2.0, "--tolerance", help="Band half-width in the file's units."),
        rotation: float = typer.Option(0.0, "--rotation", help="Template rotation, degrees clockwise (y down)."),
        x: str = typer.Option("x", "--x", help="Name of the x column."),
        y: str = typer.Option("y", "--y", help="Name of the y column."),
        t: str | None = typer.Option(None, "--t", help="Name of the time column (default: t, seconds, time or timestamp)."),
        time_unit: str = typer.Option("auto", "--time-unit", help="Unit of the time column: s, ms, us or ns (auto: s for CSV, detected for SVC)."),
        stroke: str = typer.Option("auto", "--stroke", help="Pen-stroke id column (auto: stroke, line_number or stroke_id if present; none: one stroke)."),
        json_out: Path | None = typer.Option(None, "--json", help="Also write the results (with units and definitions) to this JSON file."),
    ) -> None:
        from rich.console import Console
        from rich.table import Table

        if not tolerance > 0:
            raise InputError(f"--tolerance must be positive, got {tolerance}")
        c = _pair(center)
        results = []
        for f in files:
            if not f.is_file():
                raise InputError("trace file not found", where=str(f))
            results.append(score_file(f, shape=shape, center=c, size=size, growth=growth, turns=turns,
                                      tolerance=tolerance, rotation=rotation, x=x, y=y, t=t, time_unit=time_unit, stroke=stroke))
        table = Table(title=f"{shape} traces (lengths in file units)" if shape != "none" else "template-free metrics (lengths in file units)")
        table.add_column("metric")
        for r in results:
            table.add_column(Path(str(r["file"])).name[-28:], justify="right")
        keys = list(dict.fromkeys(k for r in results for k in r["metrics"]))  # type: ignore[attr-defined]
        for k in keys:  # files may differ (pressure only where the file has it): "-" where a file has no value
            vals = [r["metrics"].get(k) for r in results]  # type: ignore[attr-defined]
            table.add_row(k, *("-" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v) for v in vals))
        Console().print(table)
        if json_out is not None:
            if json_out.exists():
                raise InputError("output file exists; not overwriting it", where=str(json_out), fix="choose a new --json path")
            clean = json.loads(json.dumps(results, default=float).replace("NaN", "null"))
            json_out.write_text(json.dumps(clean, indent=2), encoding="utf-8")
