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
