"""``station calibrate``: sheet -> camera view -> workspace in the store -> status; camera intrinsics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from calibration.sheets import SheetSpec
from station.cli import main
from tests.test_calibration_camera import camera_views
from tests.test_calibration_workspace import _sheet_to_image, _view


def test_sheet_workspace_and_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import cv2

    assert main(["calibrate", "sheet", "--out", str(tmp_path / "sheet.pdf")]) == 0
    meta = json.loads((tmp_path / "sheet.pdf.json").read_text())
    assert meta["kind"] == "tracing" and len(meta["path_mm"]) > 100 and "mode=tabletop" in meta["extra"]["score_with"]
    assert main(["calibrate", "status", "--camera", "cam0"]) == 0
    assert capsys.readouterr().out.count("MISSING") == 2
    # a camera photo of the sheet (rendered through a known perspective)
    spec = SheetSpec(kind="markers")
    img = tmp_path / "desk.png"
    cv2.imwrite(str(img), _view(spec, _sheet_to_image(spec)))
    assert main(["calibrate", "workspace", str(img), "--camera", "cam0", "--sheet", str(tmp_path / "sheet.pdf.json")]) == 0
    out = capsys.readouterr().out
    assert "workspace v1 for cam0: aruco" in out
    resid = float(out.split("residual ")[1].split(" mm")[0])
    assert resid < 0.5
    assert main(["calibrate", "workspace", str(img), "--camera", "cam0", "--corners", "10,10,500,12,510,400,8,390"]) == 0
    assert "workspace v2" in capsys.readouterr().out
    assert main(["calibrate", "status", "--camera", "cam0"]) == 0
    out = capsys.readouterr().out
    assert out.count("MISSING") == 1 and "corners" in out


def test_camera_intrinsics_from_photos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import cv2

    imgs, _ = camera_views(SheetSpec(kind="checkerboard", squares=(9, 7), square_mm=20), n=6)
    files = []
    for i, im in enumerate(imgs):
        files.append(str(tmp_path / f"shot{i}.png"))
        cv2.imwrite(files[-1], im)
    assert main(["calibrate", "camera", *files, "--camera", "cam1", "--board", "checkerboard", "--squares", "9x7", "--square-mm", "20"]) == 0
    out = capsys.readouterr().out
    fx = float(out.split("fx ")[1].split(" px")[0])
    assert fx == pytest.approx(700, rel=0.01) and "over 6 views" in out
    assert main(["calibrate", "status", "--camera", "cam1"]) == 0
    assert "checkerboard" in capsys.readouterr().out


def test_bad_calibration_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "sheet", "--out", str(tmp_path / "x.svg")]) == 2
    assert main(["calibrate", "sheet", "--kind", "nope", "--out", str(tmp_path / "x.pdf")]) == 2
    assert main(["calibrate", "sheet", "--size-mm", "400", "--out", str(tmp_path / "x.pdf")]) == 2
    assert main(["calibrate", "workspace", str(tmp_path / "none.png")]) == 2
    blank = tmp_path / "blank.png"
    import cv2

    cv2.imwrite(str(blank), np.full((100, 100, 3), 200, np.uint8))
    assert main(["calibrate", "workspace", str(blank)]) == 2
    assert "found 0 of the sheet's 4 markers" in capsys.readouterr().err
