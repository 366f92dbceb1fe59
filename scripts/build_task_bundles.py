"""Build the MediaPipe Tasks bundles of ``vision/models`` offline and reproducibly.

Sources: the Apache-2.0 ``.tflite`` models inside the **mediapipe 0.10.14** wheel (``mediapipe/modules``;
byte-identical in 0.10.9-0.10.21), so nothing is downloaded. A ``.task`` bundle is a zip stored
without compression (members 4-byte aligned so MediaPipe can mmap them) holding a detector and a
landmark model under the names the Tasks graphs look for:

``hand_landmarker_full.task``
    ``hand_detector.tflite`` = ``palm_detection/palm_detection_full.tflite`` and
    ``hand_landmarks_detector.tflite`` = ``hand_landmark/hand_landmark_full.tflite`` (both already
    carry TFLite metadata with their input normalisation).
``pose_landmarker_full.task``
    ``pose_detector.tflite`` = ``pose_detection/pose_detection.tflite`` (has metadata) and
    ``pose_landmarks_detector.tflite`` = ``pose_landmark/pose_landmark_full.tflite`` with image-input
    metadata added: the Tasks graph reads the input normalisation (``NormalizationOptions``) from the
    model, and the legacy file has none. The legacy graph feeds this model RGB floats in 0..1
    (``ImageToTensorCalculator`` range 0..1), i.e. mean 0, std 255. The metadata is written with
    MediaPipe's own ``metadata_writers`` module, shipped in the same wheel.

Reproducible: every zip member has a fixed date (1980-01-01), fixed permissions and a fixed order, so
the same wheel always gives the same bytes; ``vision/models/SHA256SUMS`` lists them and
``--check`` rebuilds in memory and compares (``tests/test_vision_backends.py`` runs it wherever
mediapipe 0.10.14 is installed).

Usage (in a venv with mediapipe 0.10.14, i.e. CPython 3.11 or 3.12)::

    python scripts/build_task_bundles.py            # (re)write vision/models/*.task and SHA256SUMS
    python scripts/build_task_bundles.py --check    # exit 1 when the committed bundles differ
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import warnings
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "vision" / "models"
SOURCE_VERSION = "0.10.14"
EPOCH = (1980, 1, 1, 0, 0, 0)

BUNDLES: dict[str, list[tuple[str, str]]] = {  # bundle -> [(member name, file under mediapipe/modules)]
    "hand_landmarker_full.task": [
        ("hand_detector.tflite", "palm_detection/palm_detection_full.tflite"),
        ("hand_landmarks_detector.tflite", "hand_landmark/hand_landmark_full.tflite"),
    ],
    "pose_landmarker_full.task": [
        ("pose_detector.tflite", "pose_detection/pose_detection.tflite"),
        ("pose_landmarks_detector.tflite", "pose_landmark/pose_landmark_full.tflite"),
    ],
}
NEEDS_INPUT_METADATA = {"pose_landmark/pose_landmark_full.tflite"}


def _mediapipe() -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mediapipe as mp
    if mp.__version__ != SOURCE_VERSION:
        sys.exit(f"build_task_bundles: needs mediapipe {SOURCE_VERSION} (its wheel holds the models); found {mp.__version__}")
    return mp


def _with_input_metadata(model: bytes) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    w = metadata_writer.MetadataWriter.create(bytearray(model))
    w.add_general_info("PoseLandmarkDetector", "BlazePose GHUM 3D full: 33 body landmarks (legacy mediapipe 0.10.14 model)")
    w.add_image_input(norm_mean=[0.0], norm_std=[255.0])
    out, _ = w.populate()
    return bytes(out)


def build(name: str) -> bytes:
    """The bytes of one bundle."""
    mp = _mediapipe()
    from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import AlignZipFile

    modules = Path(mp.__file__).parent / "modules"  # type: ignore[attr-defined]
    buf = io.BytesIO()
    with AlignZipFile(buf, mode="w", alignment=4) as zf:
        for member, src in BUNDLES[name]:
            data = (modules / src).read_bytes()
            if src in NEEDS_INPUT_METADATA:
                data = _with_input_metadata(data)
            info = zipfile.ZipInfo(member, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed bundles instead of writing")
    args = ap.parse_args(argv)
    sums = []
    bad = 0
    for name in BUNDLES:
        data = build(name)
        digest = hashlib.sha256(data).hexdigest()
        sums.append(f"{digest}  {name}\n")
        target = OUT / name
        if args.check:
            same = target.is_file() and target.read_bytes() == data
            print(f"{name}: {'same' if same else 'DIFFERENT'} ({digest})")
            bad += not same
        else:
            target.write_bytes(data)
            print(f"{name}: {len(data)} bytes, sha256 {digest}")
    if args.check:
        listed = (OUT / "SHA256SUMS").read_text() if (OUT / "SHA256SUMS").is_file() else ""
        if listed != "".join(sums):
            print("SHA256SUMS: DIFFERENT")
            bad += 1
        return 1 if bad else 0
    (OUT / "SHA256SUMS").write_text("".join(sums))
    return 0


if __name__ == "__main__":
    sys.exit(main())
