"""End to end with real inference: a real hand photograph moved along a known path, scored by
``station analyze`` with real MediaPipe.

The photo is ``media/hand/thumb_up.jpg``. Its index fingertip (landmark 8) is measured on the still
image by the real hand model (never guessed); the video pastes the photo so that this point follows
the path exactly (whole-pixel placement, the truth is exact). Two videos: on the template path, and
on a circle ``OFFSET`` frame heights larger in radius: the reported mean deviation must be the
tracker's error in the first case and the offset in the second. Videos are written to pytest's
temporary folder, never into the repository.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from exercises.templates import make_template
from station.cli import main
from vision.synth_hand import photo_path_video

W, H = 960, 540  # the hand is about 55% of the frame height: large enough for the palm detector
CENTER = (0.5, 0.55)
SIZE = 0.3
OFFSET = 0.04  # frame heights (21.6 px)
CROP = (120, 50, 420, 420)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def fingertip_in_photo(media: Path) -> tuple[float, float]:
    """Index fingertip of the photo, in photo pixels, from a real MediaPipe run on the still."""
    import cv2

    from station.core import Frame
    from vision.trackers import HandTracker

    img = cv2.imread(str(media / "hand" / "thumb_up.jpg"))
    assert img is not None and img.shape[:2] == (521, 640)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with HandTracker(static=True, max_hands=1) as trk:
            tf = trk.process(Frame("still", 0, 0, 0, img))
    assert len(tf.hands) == 1
    x, y = tf.hands[0].xy_px()[8]
    assert CROP[0] < x < CROP[2] and CROP[1] < y < CROP[3]
    return float(x), float(y)


def _analyze(video: Path, out: Path, extra: tuple[str, ...] = ()) -> dict:
    sets = ["--set", "shape=circle", "--set", f"center={CENTER[0]},{CENTER[1]}", "--set", f"size={SIZE}", "--set", "tolerance=0.03"]
    assert main(["analyze", str(video), "--exercise", "tracing", *sets, *extra, "--json", str(out)]) == 0
    return json.loads(out.read_text())


@pytest.fixture(scope="session")
def e2e(media: Path, fingertip_in_photo: tuple[float, float], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    import cv2

    d = tmp_path_factory.mktemp("tracing-e2e")
    photo = cv2.imread(str(media / "hand" / "thumb_up.jpg"))
    out = {}
    for name, size in (("on_path", SIZE), ("offset", SIZE + 2 * OFFSET)):
        path = make_template("circle", center=CENTER, size=size, aspect=W / H, n=400).points
        video = d / f"{name}.mp4"
        truth = photo_path_video(str(video), photo, fingertip_in_photo, path, crop=CROP, frame_size=(W, H), fps=30, duration_s=4)
        lm = d / f"{name}.parquet"  # raw (unsmoothed) landmarks, saved by the same run
        res = _analyze(video, d / f"{name}.json", ("--landmarks", str(lm)) if name == "on_path" else ())
        out[name] = {"result": res, "truth": truth, "video": video, "landmarks": lm}
    return out


def test_hand_is_found_in_every_composited_frame(e2e: dict[str, dict]) -> None:
    for name in ("on_path", "offset"):
        r = e2e[name]["result"]
        assert r["frames"] == 120
        assert r["frames_with_detection"] >= 0.95 * r["frames"], name


def test_on_path_deviation_is_only_the_tracker_error(e2e: dict[str, dict]) -> None:
    m = e2e["on_path"]["result"]["metrics"]
    assert m["mean_dev_px"] < 4.0  # MediaPipe + smoothing on a moving photo: a few pixels
    assert m["mean_dev"] == pytest.approx(m["mean_dev_px"] / H, rel=1e-6)
    assert m["in_band_pct"] == 100.0 and m["band_exits"] == 0
    assert m["completion"] >= 0.9
    # the thumbs-up photo shows a left hand (palm toward the camera, thumb on the right): files are
    # not mirrored, so the station stores the anatomical hand
    assert m["hand_used"] == "Left"


def test_offset_path_reports_the_offset(e2e: dict[str, dict]) -> None:
    on = e2e["on_path"]["result"]["metrics"]
    off = e2e["offset"]["result"]["metrics"]
    print(f"mean_dev on path {on['mean_dev']:.4f} ({on['mean_dev_px']:.2f} px), offset {off['mean_dev']:.4f} "
          f"({off['mean_dev_px']:.2f} px); true offset {OFFSET} ({OFFSET * H:.1f} px)")
    assert off["mean_dev"] == pytest.approx(OFFSET, abs=0.006)
    assert off["mean_dev_px"] == pytest.approx(OFFSET * H, abs=3.5)
    assert off["in_band_pct"] < 10.0 and off["band_exits"] >= 1
    # the tracker error mostly cancels in the difference
    assert off["mean_dev"] - on["mean_dev"] == pytest.approx(OFFSET, abs=0.006)


def test_landmarks_follow_the_known_path(e2e: dict[str, dict]) -> None:
    """Per frame, the stored (raw) fingertip is where the photo's fingertip was placed (unmirrored)."""
    from vision.recording import read_landmarks

    truth, lm_file = e2e["on_path"]["truth"], e2e["on_path"]["landmarks"]
    got = {tf.seq: tf.hands[0].landmarks[8, :2] for tf in read_landmarks(lm_file) if tf.hands}
    assert len(got) >= 0.95 * len(truth.anchor)
    idx = np.array(sorted(got))
    err_px = np.hypot(*((np.array([got[i] for i in idx], dtype=np.float64) - truth.anchor[idx]) * [W, H]).T)
    print(f"fingertip error px: median {np.median(err_px):.2f}, p95 {np.percentile(err_px, 95):.2f}, max {err_px.max():.2f}")
    assert np.median(err_px) < 4.0 and np.percentile(err_px, 95) < 8.0


def test_rescoring_saved_landmarks_free_mode(e2e: dict[str, dict], tmp_path: Path) -> None:
    """The raw landmarks saved by the live run re-score to the same numbers without the model, and
    free drawing recognises the circle and its size."""
    lm = e2e["on_path"]["landmarks"]
    again = _analyze(lm, tmp_path / "again.json")
    assert again["metrics"]["mean_dev"] == pytest.approx(e2e["on_path"]["result"]["metrics"]["mean_dev"], abs=1e-12)
    out = tmp_path / "free.json"
    assert main(["analyze", str(lm), "--exercise", "tracing", "--set", "mode=free", "--set", "shape=circle", "--json", str(out)]) == 0
    m = json.loads(out.read_text())["metrics"]
    assert m["best_shape"] == "circle" and m["shape_match"] == 1
    assert m["fit_scale"] == pytest.approx(SIZE, rel=0.05)
    assert m["mean_dev"] < 0.006


# -- tabletop: a printed sheet seen at an angle, the hand moving over it ---------------------------
SHEET_CIRCLE_MM = 110.0
SHEET_OFFSET_MM = 4.0


def _sheet_scene() -> tuple[object, np.ndarray, np.ndarray, tuple[float, float]]:
    """A tracing sheet (circle) rendered as a camera 330 mm above it sees it, tilted; returns the
    spec, the mm -> image-pixel homography, the background image and the circle's centre (mm)."""
    import cv2

    from calibration.sheets import SheetSpec, render

    x0, y0, x1, y1 = SheetSpec().free_area()
    c = ((x0 + x1) / 2, (y0 + y1) / 2)
    tmpl = make_template("circle", center=c, size=SHEET_CIRCLE_MM, aspect=1.0)
    spec = SheetSpec(kind="tracing", path_mm=tuple(map(tuple, tmpl.points.tolist())), tolerance_mm=5)
    w, h = spec.size_mm
    K = np.array([[700.0, 0, W / 2], [0, 700.0, H / 2], [0, 0, 1]])
    R, _ = cv2.Rodrigues(np.array([0.2, 0.05, np.pi / 2]))
    H_mm = K @ np.c_[R[:, :2], [0, 0, 330.0]] @ np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1]])
    ppmm = 150 / 25.4
    sheet = render(spec, 150)
    bg = cv2.warpPerspective(sheet, H_mm @ np.diag([1 / ppmm, 1 / ppmm, 1]), (W, H), flags=cv2.INTER_AREA, borderValue=80)
    return spec, H_mm, cv2.cvtColor(bg, cv2.COLOR_GRAY2BGR), c


@pytest.fixture(scope="session")
def tabletop(media: Path, fingertip_in_photo: tuple[float, float], tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    import cv2

    from calibration.workspace import apply_homography, calibrate_image

    d = tmp_path_factory.mktemp("tabletop-e2e")
    spec, H_mm, bg, c = _sheet_scene()
    ws = calibrate_image(bg, spec.layout())  # the workspace from a view of the sheet alone
    drawn_mm = make_template("circle", center=c, size=SHEET_CIRCLE_MM + 2 * SHEET_OFFSET_MM, aspect=1.0).points
    path = apply_homography(H_mm, drawn_mm) / np.array([W, H])
    video = d / "tabletop.mp4"
    photo_path_video(str(video), cv2.imread(str(media / "hand" / "thumb_up.jpg")), fingertip_in_photo, path,
                     crop=CROP, frame_size=(W, H), background=bg, fps=30, duration_s=4)
    cv2.imwrite(str(d / "sheet_view.png"), bg)
    out = d / "tabletop.json"
    homography = ",".join(repr(float(v)) for v in ws.H.ravel())
    sets = ["--set", "mode=tabletop", "--set", "shape=circle", "--set", f"center={c[0]},{c[1]}", "--set",
            f"size={SHEET_CIRCLE_MM}", "--set", "tolerance=10", "--set", f"homography={homography}"]
    assert main(["analyze", str(video), "--exercise", "tracing", *sets, "--json", str(out)]) == 0
    return {"result": json.loads(out.read_text()), "workspace": ws, "sheet_view": d / "sheet_view.png", "spec": spec,
            "video": video, "sets": sets[:-2]}  # the same settings without the homography


def test_tabletop_tracing_reports_the_offset_in_millimetres(tabletop: dict[str, object]) -> None:
    r = tabletop["result"]
    m = r["metrics"]  # type: ignore[index]
    print(f"tabletop: workspace residual {tabletop['workspace'].residual_mm:.3f} mm; mean_dev {m['mean_dev']:.2f} mm "  # type: ignore[attr-defined]
          f"(true {SHEET_OFFSET_MM} mm), max {m['max_dev']:.2f} mm")
    assert r["frames_with_detection"] >= 114  # type: ignore[index]
    assert r["units"]["mean_dev"] == "mm" and m["unmapped_frames"] == 0  # type: ignore[index]
    # about 2.4 px per mm here: the 1.5 mm tolerance is the same ~3.5 px tracker error allowed on screen
    assert m["mean_dev"] == pytest.approx(SHEET_OFFSET_MM, abs=1.5)
    assert m["completion"] >= 0.9 and m["in_band_pct"] == 100.0


def test_calibrate_cli_on_the_sheet_view_gives_the_same_workspace(tabletop: dict[str, object], tmp_path: Path) -> None:
    from calibration.sheets import write
    from calibration.store import CalibrationStore
    from calibration.workspace import load_workspace
    from station.paths import calibration_dir

    write(tabletop["spec"], tmp_path / "sheet.png", dpi=60)  # type: ignore[arg-type]
    assert main(["calibrate", "workspace", str(tabletop["sheet_view"]), "--camera", "desk", "--sheet", str(tmp_path / "sheet.png.json")]) == 0
    status, ws = load_workspace(CalibrationStore(calibration_dir()), "desk")
    assert status == "ok" and ws is not None
    np.testing.assert_allclose(ws.H / ws.H[2, 2], tabletop["workspace"].H / tabletop["workspace"].H[2, 2], rtol=1e-6, atol=1e-9)  # type: ignore[attr-defined]


# -- the stored workspace calibration used by `station analyze` and `station run` --------------------
def _store_workspace(ws: object, camera: str, age_days: float = 0.0) -> None:
    import dataclasses
    from datetime import UTC, datetime, timedelta

    from calibration.store import CalibrationStore
    from calibration.workspace import save_workspace
    from station.paths import calibration_dir

    ws = dataclasses.replace(ws, created_utc=datetime.now(UTC) - timedelta(days=age_days))  # type: ignore[type-var]
    save_workspace(CalibrationStore(calibration_dir()), camera, ws, "test")  # type: ignore[arg-type]


def test_analyze_with_the_stored_workspace_scores_in_millimetres(tabletop: dict[str, object], tmp_path: Path) -> None:
    """`--workspace desk` maps every hand through the camera's stored calibration: the same numbers as
    the explicit homography, and the result says which calibration it used."""
    _store_workspace(tabletop["workspace"], "desk")
    out = tmp_path / "ws.json"
    assert main(["analyze", str(tabletop["video"]), "--exercise", "tracing", *tabletop["sets"], "--workspace", "desk",  # type: ignore[misc]
                 "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    m, ref = r["metrics"], tabletop["result"]["metrics"]  # type: ignore[index]
    assert r["units"]["mean_dev"] == "mm" and m["unmapped_frames"] == 0
    assert m["mean_dev"] == pytest.approx(SHEET_OFFSET_MM, abs=1.5)
    # the same mapping, stored as JSON instead of given as text: equal to well under a micrometre
    assert m["mean_dev"] == pytest.approx(ref["mean_dev"], abs=1e-4) and m["max_dev"] == pytest.approx(ref["max_dev"], abs=1e-4)
    ws = r["workspace"]
    assert ws["camera"] == "desk" and ws["version"] == 1 and ws["status"] == "ok" and ws["method"] == "aruco"
    assert ws["residual_mm"] == pytest.approx(tabletop["workspace"].residual_mm)  # type: ignore[attr-defined]


def test_a_millimetre_mode_without_a_mapping_is_refused_before_any_work(tabletop: dict[str, object], tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "none.json"
    args = ["analyze", str(tabletop["video"]), "--exercise", "tracing", *tabletop["sets"]]  # type: ignore[misc]
    assert main([*args, "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert "needs the camera's workspace calibration" in err and "--workspace CAMERA_ID" in err and not out.exists()
    assert main([*args, "--workspace", "nocam", "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no workspace calibration is stored for camera 'nocam'" in err and "station calibrate workspace" in err
    assert not out.exists()


def test_a_stale_workspace_is_used_and_said(tabletop: dict[str, object], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _store_workspace(tabletop["workspace"], "desk", age_days=3)
    out = tmp_path / "stale.json"
    with caplog.at_level("WARNING", logger="station.workspaces"):
        assert main(["analyze", str(tabletop["video"]), "--exercise", "tracing", *tabletop["sets"], "--workspace", "desk",  # type: ignore[misc]
                     "--json", str(out)]) == 0
    r = json.loads(out.read_text())
    assert r["workspace"]["status"] == "stale" and r["metrics"]["mean_dev"] == pytest.approx(SHEET_OFFSET_MM, abs=1.5)
    assert any("is stale" in rec.getMessage() for rec in caplog.records)


def test_station_run_applies_the_workspace_and_keeps_it_in_the_session_header(tabletop: dict[str, object], station_home: Path,
                                                                               artifacts: Path) -> None:
    """The therapist's app plays the tabletop video through the trackers in real time; the trial is
    scored in sheet mm with the stored workspace, whose record is in the session header."""
    import os
    import subprocess
    import sys

    from sqlalchemy import select

    from station.storage import open_database
    from station.storage import schema as S

    _store_workspace(tabletop["workspace"], "desk")
    shot = artifacts / "cli_tabletop.png"
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-m", "station", "run", "--video", str(tabletop["video"]), "--exercise", "tracing",
                        *tabletop["sets"], "--workspace", "desk", "--start", "--countdown", "0",  # type: ignore[misc]
                        "--screenshot", str(shot), "--quit-after-frames", "1000000", "--quit-after", "200",
                        "--db", f"sqlite:///{station_home / 'station.db'}"],  # screenshot runs keep nothing unless named
                       env=env, capture_output=True, text=True, timeout=240, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr[-3000:]
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    try:
        with db.engine.connect() as c:
            (sess,) = c.execute(select(S.sessions)).mappings().all()
            (trial,) = c.execute(select(S.trials)).mappings().all()
            cals = c.execute(select(S.calibrations)).mappings().all()
    finally:
        db.dispose()
    m = trial["result"]["metrics"]
    print(f"station run tabletop: mean_dev {m['mean_dev']:.2f} mm (true {SHEET_OFFSET_MM}), unmapped {m['unmapped_frames']}")
    assert trial["result"]["units"]["mean_dev"] == "mm"
    assert m["mean_dev"] == pytest.approx(SHEET_OFFSET_MM, abs=1.5) and m["unmapped_frames"] == 0
    assert [(c["key"], c["kind"], c["version"]) for c in cals] == [("desk", "workspace", 1)]
    assert [(c["key"], c["kind"]) for c in sess["header"]["calibrations"]] == [("desk", "workspace")]


def test_station_run_refuses_tabletop_tracing_without_a_workspace(tabletop: dict[str, object], station_home: Path) -> None:
    import os
    import subprocess
    import sys

    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home), QT_QPA_PLATFORM="offscreen")
    r = subprocess.run([sys.executable, "-m", "station", "run", "--camera", "3", "--exercise", "tracing", *tabletop["sets"],  # type: ignore[misc]
                        "--quit-after", "1"], env=env, capture_output=True, text=True, timeout=120,
                       cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 2
    assert "no workspace calibration is stored for camera 'cam3'" in r.stderr, r.stderr
