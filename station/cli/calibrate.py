"""``station calibrate``: printable sheets, workspace and camera calibration, calibration status.

Calibrations go into the versioned calibration store in the station's data directory, keyed by the
camera id; nothing is overwritten (a new calibration is a new version). OpenCV is imported inside
the commands.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from station.core import InputError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from calibration.store import CalibrationStore

log = logging.getLogger(__name__)

calibrate_app = typer.Typer(
    help="Print calibration sheets, calibrate the workspace and the camera, show calibration status.\n\n"
    "Example: station calibrate sheet --kind tracing --shape spiral --out spiral.pdf",
    no_args_is_help=True, rich_markup_mode=None,
)


def _pair_int(v: str, what: str) -> tuple[int, int]:
    try:
        a, b = (int(p) for p in v.lower().split("x"))
    except ValueError:
        raise InputError(f"malformed {what} '{v}'", fix="write COLSxROWS, e.g. 9x7") from None
    if a < 2 or b < 2:
        raise InputError(f"{what} must be at least 2x2", where=v)
    return a, b


def _store() -> CalibrationStore:
    from calibration.store import CalibrationStore
    from station.paths import calibration_dir

    return CalibrationStore(calibration_dir())


@calibrate_app.command(
    "sheet",
    help="Write a printable sheet (PDF at actual size, or PNG) with ArUco markers, and OUT.json with its layout.\n\n"
    "Kinds: tracing (a template with its tolerance band, start dot and direction arrow), pegboard (a hole grid "
    "and a dish; 3x3 at 32 mm = Nine-Hole Peg Test), markers (markers only, e.g. a floor mat), checkerboard and "
    "charuco (camera calibration targets), marker (one large marker per page for the corners of a floor mat).\n\n"
    "Example: station calibrate sheet --out sheet.pdf\n\n"
    "Example: station calibrate sheet --kind tracing --shape spiral --size-mm 150 --out spiral.pdf",
)
def sheet(
    out: Path = typer.Option(..., "--out", help="Output file: .pdf or .png."),
    kind: str = typer.Option("tracing", "--kind", help="tracing, pegboard, markers, marker (one large marker for a floor mat), checkerboard or charuco."),
    marker_id: int = typer.Option(0, "--id", help="Marker sheets: marker id 0-3 (mat corner TL, TR, BR, BL)."),
    marker_mm: float = typer.Option(150.0, "--marker-mm", help="Marker sheets: marker side in mm (measure it after printing)."),
    shape: str = typer.Option("circle", "--shape", help="Tracing: template shape (circle, spiral, square, ... or a letter)."),
    size_mm: float = typer.Option(120.0, "--size-mm", help="Tracing: template width (circle diameter, spiral outer diameter) in mm."),
    tolerance_mm: float = typer.Option(5.0, "--tolerance-mm", help="Tracing: half-width of the printed band in mm."),
    turns: float = typer.Option(4.0, "--turns", help="Tracing: spiral turns."),
    grid: str = typer.Option("3x3", "--grid", help="Pegboard: holes COLSxROWS."),
    pitch_mm: float = typer.Option(32.0, "--pitch-mm", help="Pegboard: hole spacing in mm."),
    squares: str = typer.Option("9x7", "--squares", help="Checkerboard/ChArUco: squares COLSxROWS."),
    square_mm: float = typer.Option(20.0, "--square-mm", help="Checkerboard/ChArUco: square side in mm."),
    paper: str = typer.Option("a4", "--paper", help="a4, letter or a3."),
    landscape: bool = typer.Option(False, "--landscape", help="Landscape page."),
    dpi: int = typer.Option(300, "--dpi", help="Raster resolution."),
) -> None:
    from rich.console import Console

    from calibration.sheets import Kind, SheetSpec, write

    kinds: dict[str, Kind] = {"tracing": "tracing", "pegboard": "pegboard", "markers": "markers", "marker": "marker",
                              "checkerboard": "checkerboard", "charuco": "charuco"}
    sheet_kind = kinds.get(kind)
    if sheet_kind is None:
        raise InputError(f"unknown sheet kind '{kind}'", fix=f"choose one of: {', '.join(kinds)}")
    for name, v in (("--size-mm", size_mm), ("--tolerance-mm", tolerance_mm), ("--pitch-mm", pitch_mm), ("--square-mm", square_mm)):
        if not 0 < v < 1000:
            raise InputError(f"{name} must be between 0 and 1000 mm", where=str(v))
    base = SheetSpec(kind=sheet_kind, paper=paper, landscape=landscape)
    x0, y0, x1, y1 = base.free_area()
    c = ((x0 + x1) / 2, (y0 + y1) / 2)
    extra: dict[str, object] = {}
    if kind == "tracing":
        from exercises.templates import is_shape, make_template

        if not is_shape(shape):
            raise InputError(f"unknown shape '{shape}'", fix="e.g. circle, spiral, square, figure8 or a letter")
        t = make_template(shape, center=c, size=size_mm, aspect=1.0, turns=turns, n=600)
        if t.points[:, 0].min() < x0 or t.points[:, 0].max() > x1 or t.points[:, 1].min() < y0 or t.points[:, 1].max() > y1:
            raise InputError(f"a {size_mm:g} mm {shape} does not fit between the markers", fix="use a smaller --size-mm or a larger --paper")
        spec = SheetSpec(kind="tracing", paper=paper, landscape=landscape, path_mm=tuple(map(tuple, t.points.tolist())),
                         drawn=tuple(bool(v) for v in t.drawn), tolerance_mm=tolerance_mm, title=f"{shape}",
                         extra={"shape": shape, "center_mm": list(c), "size_mm": size_mm, "turns": turns,
                                "score_with": f"--set mode=tabletop --set shape={shape} --set center={c[0]:.1f},{c[1]:.1f} "
                                              f"--set size={size_mm:g} --set tolerance={tolerance_mm:g}"})
    elif kind == "pegboard":
        cols, rows = _pair_int(grid, "--grid")
        holes = tuple((c[0] + pitch_mm * (i - (cols - 1) / 2), c[1] + 40 + pitch_mm * (j - (rows - 1) / 2)) for j in range(rows) for i in range(cols))
        ys = [h[1] for h in holes]
        dish = (c[0], min(ys) - pitch_mm - 45)
        if min(ys) - 12 < y0 or max(ys) + 12 > y1 or dish[1] - 30 < y0 or min(h[0] for h in holes) < x0 or max(h[0] for h in holes) > x1:
            raise InputError(f"a {cols}x{rows} grid at {pitch_mm:g} mm does not fit on the page", fix="use a smaller --pitch-mm or a larger --paper")
        extra = {"grid": [cols, rows], "pitch_mm": pitch_mm,
                 "score_with": f"--set mode=physical --set board={'nine_hole' if (cols, rows) == (3, 3) else 'grid'} --set cols={cols} --set rows={rows} "
                               f"--set spacing={pitch_mm:g} --set center={c[0]:.1f},{c[1] + 40:.1f} --set dish={dish[0]:.1f},{dish[1]:.1f}"}
        spec = SheetSpec(kind="pegboard", paper=paper, landscape=landscape, holes_mm=holes, dish_mm=dish,
                         title="Nine-Hole Peg Test board" if (cols, rows) == (3, 3) and pitch_mm == 32 else f"{cols}x{rows} pegboard", extra=extra)
    elif kind in ("checkerboard", "charuco"):
        sq = _pair_int(squares, "--squares")
        spec = SheetSpec(kind=sheet_kind, paper=paper, landscape=landscape, squares=sq, square_mm=square_mm)
        w, h = spec.size_mm
        if sq[0] * square_mm > w - 10 or sq[1] * square_mm > h - 20:
            raise InputError("the board does not fit on the page", fix="use fewer --squares or a smaller --square-mm")
    elif kind == "marker":
        spec = SheetSpec(kind="marker", paper=paper, landscape=landscape, marker_id=marker_id, marker_mm=marker_mm,
                         title=f"mat marker {marker_id}")
    else:
        spec = base
    path = write(spec, out, dpi=dpi)
    con = Console()
    con.print(f"sheet: {path.resolve()}", highlight=False, soft_wrap=True)
    con.print(f"layout: {path.resolve()}.json", highlight=False, soft_wrap=True)
    con.print("print at 100% (actual size) and check the 50 mm bar with a ruler", highlight=False)
    if "score_with" in spec.extra:
        con.print(f"score with: {spec.extra['score_with']}", highlight=False, soft_wrap=True)


@calibrate_app.command(
    "workspace",
    help="Find the markers of a printed sheet in a camera image and store the image->sheet-mm homography "
    "(with its residual in mm) for the camera.\n\n"
    "Example: station calibrate workspace desk.jpg --camera cam0 --sheet sheet.pdf.json\n\n"
    "Example: station calibrate workspace floor.jpg --camera cam1 --mat --size-mm 1200,800 --marker-mm 150",
)
def workspace(
    image: Path = typer.Argument(..., help="A camera image showing the whole sheet."),
    camera: str = typer.Option("camera0", "--camera", help="Camera id (the calibration store key)."),
    sheet_json: Path | None = typer.Option(None, "--sheet", help="The sheet's layout (.json written beside it); default an A4 marker sheet."),
    corners: str | None = typer.Option(None, "--corners", help="Instead of markers: four clicked corners 'x1,y1,...,x4,y4' (px, TL TR BR BL)."),
    size_mm: str = typer.Option("210,297", "--size-mm", help="With --corners or --mat: width,height of the rectangle in mm."),
    mat: bool = typer.Option(False, "--mat", help="A floor mat with markers 0-3 in its corners (--size-mm, --marker-mm)."),
    marker_mm: float = typer.Option(150.0, "--marker-mm", help="With --mat: marker side in mm as printed."),
) -> None:
    import cv2
    from rich.console import Console

    from calibration.sheets import SheetSpec, read_layout
    from calibration.workspace import calibrate_image, fit_from_corners, save_workspace
    from station import __version__

    if not image.is_file():
        raise InputError("image not found", where=str(image))
    import numpy as np

    img = cv2.imread(str(image))
    if img is None:
        raise InputError("cannot read image", where=str(image), fix="use a JPEG or PNG")
    h, w = img.shape[:2]
    if corners is not None:
        try:
            vals = [float(v) for v in corners.split(",")]
            wm, hm = (float(v) for v in size_mm.split(","))
        except ValueError:
            raise InputError("malformed --corners or --size-mm", fix="--corners x1,y1,x2,y2,x3,y3,x4,y4 --size-mm 210,297") from None
        if len(vals) != 8:
            raise InputError("--corners needs 8 numbers (4 corners)", where=corners)
        ws = fit_from_corners([vals[i : i + 2] for i in range(0, 8, 2)], wm, hm, (w, h))
    else:
        if mat:
            from calibration.sheets import mat_layout

            try:
                wm, hm = (float(v) for v in size_mm.split(","))
            except ValueError:
                raise InputError("malformed --size-mm", fix="--size-mm 1200,800") from None
            layout = mat_layout(wm, hm, marker_mm)
        else:
            layout = read_layout(sheet_json) if sheet_json is not None else SheetSpec(kind="markers").layout()
        ws = calibrate_image(np.asarray(img, dtype=np.uint8), layout)
    rec = save_workspace(_store(), camera, ws, __version__)
    res = "n/a (4 points fit exactly)" if ws.method == "corners" else f"{ws.residual_mm:.2f} mm"
    Console().print(f"workspace v{rec.version} for {camera}: {ws.method}, residual {res}, markers {list(ws.markers)}",
                    highlight=False, soft_wrap=True)


@calibrate_app.command(
    "camera",
    help="Camera intrinsics from 10-20 photos of a checkerboard or ChArUco board (print one with "
    "'station calibrate sheet --kind charuco'); stores the RMS reprojection error.\n\n"
    "Example: station calibrate camera shots/*.jpg --camera cam0 --board charuco --squares 9x7 --square-mm 20",
)
def camera_cmd(
    images: list[Path] = typer.Argument(..., help="Photos of the board (one camera, one resolution)."),
    camera: str = typer.Option("camera0", "--camera", help="Camera id (the calibration store key)."),
    board: str = typer.Option("charuco", "--board", help="charuco or checkerboard."),
    squares: str = typer.Option("9x7", "--squares", help="Squares COLSxROWS of the board (checkerboard: inner corners are one less)."),
    square_mm: float = typer.Option(20.0, "--square-mm", help="Square side in mm (as printed: measure it)."),
) -> None:
    import cv2
    import numpy as np
    from rich.console import Console

    from calibration.camera import calibrate_charuco, calibrate_checkerboard, save_intrinsics
    from calibration.sheets import SheetSpec, charuco_board
    from station import __version__

    sq = _pair_int(squares, "--squares")
    if not 0 < square_mm < 1000:
        raise InputError("--square-mm must be between 0 and 1000")
    imgs: list[NDArray[np.uint8]] = []
    for p in images:
        im = cv2.imread(str(p))
        if im is None:
            raise InputError("cannot read image", where=str(p))
        imgs.append(np.asarray(im, dtype=np.uint8))
    if board == "charuco":
        intr = calibrate_charuco(imgs, charuco_board(SheetSpec(kind="charuco", squares=sq, square_mm=square_mm)))
    elif board == "checkerboard":
        intr = calibrate_checkerboard(imgs, (sq[0] - 1, sq[1] - 1), square_mm)
    else:
        raise InputError(f"unknown board '{board}'", fix="choose charuco or checkerboard")
    rec = save_intrinsics(_store(), camera, intr, __version__)
    Console().print(f"intrinsics v{rec.version} for {camera}: fx {intr.fx:.1f} px, fy {intr.fy:.1f} px, "
                    f"RMS reprojection {intr.rms_px:.3f} px over {intr.n_views} views", highlight=False, soft_wrap=True)


@calibrate_app.command(
    "status",
    help="Show the calibrations in force for a camera (ok, stale or missing) with version, age and residual.\n\n"
    "Example: station calibrate status --camera cam0",
)
def status(camera: str = typer.Option("camera0", "--camera", help="Camera id.")) -> None:
    from rich.console import Console
    from rich.table import Table

    store = _store()
    t = Table(title=f"calibrations of {camera}")
    for col in ("kind", "status", "version", "age", "method", "residual"):
        t.add_column(col)
    now = datetime.now(UTC)
    for kind in ("intrinsics", "workspace"):
        st, rec = store.status(camera, kind, now)
        if rec is None:
            t.add_row(kind, "MISSING", "-", "-", "-", "-")
            continue
        age = now - rec.created_utc
        age_s = f"{age.days} d" if age.days else f"{age.seconds // 3600} h"
        resid = "-" if rec.residual is None else f"{rec.residual:.3g} {rec.residual_unit}"
        t.add_row(kind, "STALE" if st == "stale" else "ok", str(rec.version), age_s, rec.method, resid)
    Console().print(t)


def register(app: typer.Typer) -> None:
    app.add_typer(calibrate_app, name="calibrate")
