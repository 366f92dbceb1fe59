"""Corrupt and truncated video files: ``station analyze`` gives a clear error (exit 2, one line) or a
partial result, never a traceback, a crash or a hang.

Damaged copies of real clips from ``tests/media`` are made in a temporary folder (never in the
repository): empty, header only, cut in half (with the index at the start: the decodable part is
scored; at the end: nothing is decodable), bytes flipped in the middle, random bytes, text, a GIF cut
short. The command runs in its own process, so a decoder crash (a signal) would fail the test too.
A cheaper hypothesis test cuts and flips clips at random places and reads them with the frame source.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from _fuzz import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.core import InputError
from vision.sources import VideoFileSource

ROOT = Path(__file__).resolve().parents[1]


def _flip(data: bytes, start: float, end: float, step: int, mask: int) -> bytes:
    d = bytearray(data)
    for i in range(int(len(d) * start), int(len(d) * end), step):
        d[i] ^= mask
    return bytes(d)


def _cases(media: Path, tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (damaged file, exercise)."""
    squats = (media / "body" / "squats_5.mp4").read_bytes()  # index (moov) at the end
    palm = (media / "hand" / "open_palm.mp4").read_bytes()  # index at the start
    gif = (media / "body" / "pushups_and_squats.gif").read_bytes()
    made = {
        "empty.mp4": (b"", "jumps"),
        "header_only.mp4": (squats[:1024], "jumps"),
        "half_index_at_end.mp4": (squats[: len(squats) // 2], "jumps"),
        "half_index_at_start.mp4": (palm[: len(palm) // 2], "tracing"),
        "flipped.mp4": (_flip(squats, 0.3, 0.7, 997, 0xFF), "jumps"),
        "random.mp4": (os.urandom(20_000), "jumps"),
        "text.avi": (b"this is not a video\n" * 10, "jumps"),
        "cut.gif": (gif[: len(gif) * 3 // 10], "jumps"),
    }
    out = {}
    for name, (data, ex) in made.items():
        p = tmp / name
        p.write_bytes(data)
        out[name] = (p, ex)
    return out


def _analyze(path: Path, exercise: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", "analyze", str(path), "--exercise", exercise, "--json", str(out)],
                          capture_output=True, text=True, timeout=180, cwd=ROOT)


@pytest.mark.slow
def test_damaged_videos_give_a_clear_error_or_a_partial_result(media: Path, tmp_path: Path) -> None:
    cases = _cases(media, tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_analyze, p, ex, tmp_path / f"{name}.json") for name, (p, ex) in cases.items()}
        results = {name: f.result() for name, f in futures.items()}  # TimeoutExpired (a hang) fails the test
    for name, r in results.items():
        out = tmp_path / f"{name}.json"
        assert "Traceback" not in r.stderr, f"{name}: {r.stderr[-3000:]}"
        assert r.returncode in (0, 2), f"{name}: exit {r.returncode} {r.stderr[-2000:]}"
        if r.returncode == 2:
            errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
            assert len(errors) == 1 and name in errors[0], f"{name}: {r.stderr[-2000:]}"
            assert not out.exists()  # nothing half-written
        else:
            res = json.loads(out.read_text())
            assert res["frames"] > 0 and res["exercise"]
    # what each kind of damage gives (so a regression in either direction shows)
    for name in ("empty.mp4", "header_only.mp4", "half_index_at_end.mp4", "random.mp4", "text.avi"):
        assert results[name].returncode == 2, name
    full = sum(1 for _ in VideoFileSource(media / "hand" / "open_palm.mp4"))
    part = json.loads((tmp_path / "half_index_at_start.mp4.json").read_text())
    assert results["half_index_at_start.mp4"].returncode == 0 and 0 < part["frames"] < full  # the decodable part
    for name in ("flipped.mp4", "cut.gif"):
        assert results[name].returncode == 0, name


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(clip=st.sampled_from(["hand/open_palm.mp4", "body/squats_5.mp4", "body/pushups_and_squats.gif"]),
       cut=st.floats(0.0, 1.0), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), max_size=20))
def test_frame_source_reads_damaged_files_to_an_end_or_refuses_them(media: Path, tmp_path: Path, clip: str, cut: float,
                                                                   flips: list[tuple[float, int]]) -> None:
    data = bytearray((media / clip).read_bytes())
    data = data[: int(len(data) * cut)]
    for pos, mask in flips:
        if data:
            data[min(len(data) - 1, int(pos * len(data)))] ^= mask
    f = tmp_path / Path(clip).name
    f.write_bytes(bytes(data))
    try:
        with VideoFileSource(f, max_frames=400) as src:
            n = 0
            last = -1
            for fr in src:
                assert fr.t_ns > last and fr.image.ndim == 3
                last = fr.t_ns
                n += 1
    except InputError as exc:
        assert str(f) in str(exc) or f.name in str(exc)
        return
    assert n <= 400


# -- saved landmark files (station analyze FILE.parquet re-scores without video) ---------------------

@pytest.fixture(scope="module")
def landmark_file(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from exercises.templates import make_template
    from station.core import TrackedFrame
    from vision.recording import LandmarkWriter
    from vision.synth_hand import tracing_stream

    frames, _ = tracing_stream(make_template("circle").points, duration_s=2.0, fps=30)
    path = tmp_path_factory.mktemp("lm") / "synth.parquet"
    with LandmarkWriter(path, source="synthetic", model="synth/1", kinds=("hand",), batch=16) as w:
        for f in frames:
            w.write(TrackedFrame("synthetic", f.seq, f.t_ns, f.image_size, tuple(f.hands), (), 0, f.t_ns))
    return path.read_bytes()


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cut=st.floats(0.0, 1.0), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), max_size=12))
def test_damaged_landmark_files_are_read_or_refused(landmark_file: bytes, tmp_path: Path, cut: float,
                                                     flips: list[tuple[float, int]]) -> None:
    from vision.recording import read_landmarks

    data = bytearray(landmark_file)
    if cut < 0.9:
        data = data[: int(len(data) * cut)]
    for pos, mask in flips:
        if data:
            data[min(len(data) - 1, int(pos * len(data)))] ^= mask
    f = tmp_path / "lm.parquet"
    f.write_bytes(bytes(data))
    try:
        frames = read_landmarks(f)
    except InputError as exc:
        assert str(f) in str(exc)
        return
    assert all(fr.t_ns >= 0 for fr in frames)


@pytest.mark.parametrize("damage", ["drop_column", "retype_column", "no_metadata"])
def test_landmark_file_with_a_wrong_column_is_one_error_line(landmark_file: bytes, tmp_path: Path, damage: str,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from station.cli import main

    src = tmp_path / "ok.parquet"
    src.write_bytes(landmark_file)
    t = pq.read_table(src)
    meta = t.schema.metadata
    if damage == "drop_column":
        t = t.drop_columns(["world"])
    elif damage == "retype_column":
        t = t.set_column(t.schema.get_field_index("seq"), "seq", pa.array(["x"] * t.num_rows))
    else:
        meta = None
    bad = tmp_path / "bad.parquet"
    pq.write_table(t.replace_schema_metadata(meta), bad)
    code = main(["analyze", str(bad), "--exercise", "tracing"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error:") and str(bad) in err and len(err.strip().splitlines()) == 1, err
