"""Frame sources on real media: file times, pacing, image folders, bad input, camera loss."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from station.core import EventBus, FakeClock, InputError, SourceState
from vision.sources import CameraSource, FailingSource, ImageFolderSource, VideoFileSource, find_camera, open_source


def test_video_times_come_from_the_file_offset_to_the_session_clock(media: Path) -> None:
    clock = FakeClock(start_ns=5_000_000_000)
    src = VideoFileSource(media / "body" / "squats_5.mp4", clock=clock)
    frames = list(src)
    assert len(frames) == 57
    assert [f.seq for f in frames] == list(range(57))
    t = np.array([f.t_ns for f in frames]) - 5_000_000_000
    assert t[0] == 0
    assert np.allclose(np.diff(t), 100_000_000, atol=1_000)  # 10 fps file
    assert frames[0].image.shape == (176, 312, 3) and frames[0].color == "bgr"
    assert src.state == "ended"


def test_gif_frame_times_are_the_gif_delays(media: Path) -> None:
    frames = list(VideoFileSource(media / "body" / "yoga_flow.gif", t0_ns=0))
    assert len(frames) == 39
    assert all(d == 200_000_000 for d in np.diff([f.t_ns for f in frames]))  # 200 ms per frame in the file


def test_own_timing_paces_on_the_session_clock(media: Path) -> None:
    clock = FakeClock()
    src = VideoFileSource(media / "hand" / "open_palm.mp4", timing="own", clock=clock, max_frames=26)
    frames = list(src)
    assert len(frames) == 26
    # The fake clock was advanced to each frame's time (25 fps): arrival == capture time.
    assert all(f.t_arrival_ns == f.t_ns for f in frames)
    assert clock.now_ns() == frames[-1].t_ns == 1_000_000_000


def test_none_timing_does_not_wait(media: Path) -> None:
    clock = FakeClock()
    frames = list(VideoFileSource(media / "hand" / "open_palm.mp4", clock=clock, max_frames=10))
    assert clock.now_ns() == 0 and frames[-1].t_ns == 360_000_000


def test_state_messages_on_the_bus(media: Path) -> None:
    bus = EventBus()
    _, q = bus.subscribe_queue(SourceState)
    list(VideoFileSource(media / "body" / "pushups_5.mp4", bus=bus, clock=FakeClock()))
    assert [m.state for m in q.drain()] == ["opened", "streaming", "ended"]


def test_image_folder_sorted_with_undecodable_files_skipped(media: Path, tmp_path: Path) -> None:
    img = cv2.imread(str(media / "hand" / "thumb_up.jpg"))
    cv2.imwrite(str(tmp_path / "b.png"), img)
    cv2.imwrite(str(tmp_path / "a.jpg"), img[:, ::-1])
    (tmp_path / "c.jpg").write_bytes(b"not a jpeg")
    (tmp_path / "notes.txt").write_text("ignored")
    src = ImageFolderSource(tmp_path, fps=2.0, t0_ns=0)
    frames = list(src)
    assert [f.seq for f in frames] == [0, 1]
    assert [f.t_ns for f in frames] == [0, 500_000_000]
    assert np.array_equal(frames[1].image, img)
    assert [p.name for p in src.skipped] == ["c.jpg"]


def test_single_image_is_a_one_frame_source(media: Path) -> None:
    src = open_source(media / "body" / "person_sitting.jpg")
    assert isinstance(src, ImageFolderSource)
    frames = list(src)
    assert len(frames) == 1 and frames[0].image.shape == (640, 960, 3)


@pytest.mark.parametrize("kind", ["missing", "text", "empty_folder", "folder_as_video"])
def test_bad_input_is_an_input_error(kind: str, tmp_path: Path) -> None:
    if kind == "missing":
        src, match = VideoFileSource(tmp_path / "nope.mp4"), "video not found"
    elif kind == "text":
        bad = tmp_path / "clip.mp4"
        bad.write_text("this is not a video")
        src, match = VideoFileSource(bad), "cannot read video"
    elif kind == "empty_folder":
        (tmp_path / "readme.txt").write_text("no images here")
        src, match = ImageFolderSource(tmp_path), "no images in folder"
    else:
        src, match = VideoFileSource(tmp_path), "expected a video file"
    with pytest.raises(InputError, match=match):
        list(src)


def test_no_camera_on_this_machine_is_reported_as_none_or_an_index() -> None:
    idx = find_camera(max_index=2)
    assert idx is None or isinstance(idx, int)
    if idx is None:
        with pytest.raises(InputError, match="cannot open camera"):
            list(CameraSource(0))


def _frames(media: Path, n: int) -> list[np.ndarray]:
    return [f.image for f in VideoFileSource(media / "hand" / "open_palm.mp4", max_frames=n)]


def test_camera_unplugged_mid_stream_reports_retries_and_resumes(media: Path) -> None:
    clock, bus = FakeClock(), EventBus()
    _, q = bus.subscribe_queue(SourceState)
    src = FailingSource(_frames(media, 60), fps=25, fail_after=20, down_s=0.6, clock=clock, bus=bus)
    frames = list(src)
    states = q.drain()
    names = [s.state for s in states]
    assert names[:3] == ["opened", "streaming", "lost"]
    assert names.count("reconnecting") >= 2  # the first reopen attempts fail while unplugged
    assert names[-2:] == ["streaming", "ended"]
    # back-off doubles between attempts
    t_rec = [s.t_ns for s in states if s.state == "reconnecting"]
    gaps = np.diff(t_rec)
    assert all(b >= a for a, b in itertools.pairwise(gaps))
    # the loss is visible in seq and time, and nothing is invented
    seqs = [f.seq for f in frames]
    jump = int(np.argmax(np.diff(seqs)))
    assert seqs[: jump + 1] == list(range(20))
    missed = seqs[jump + 1] - seqs[jump] - 1
    lost_s = (frames[jump + 1].t_ns - frames[jump].t_ns) / 1e9
    assert lost_s >= 0.6
    assert abs(missed - (lost_s * 25 - 1)) <= 1.0
    assert src.frames_missed == missed and src.losses == 1 and src.reconnects == 1
    assert len(frames) == src.delivered
    assert "frames missed" in states[-2].detail


def test_camera_source_real_opencv_path_with_a_file_as_device(media: Path) -> None:
    """OpenCV accepts a file where a device goes: the real CameraSource code reads it, stamps frames at
    read time, measures the rate, sees the end of the file as a lost camera, and reconnects."""
    bus = EventBus()
    _, q = bus.subscribe_queue(SourceState)
    src = CameraSource(str(media / "body" / "pushups_5.mp4"), bus=bus, retry_initial_s=0.01, max_frames=70)
    frames = list(src)
    assert len(frames) == 70 and src.losses == 1 and src.reconnects == 1
    t = [f.t_ns for f in frames]
    assert t == sorted(t) and all(f.t_arrival_ns == f.t_ns for f in frames)
    seqs = [f.seq for f in frames]
    assert seqs[:57] == list(range(57)) and seqs[57] >= 57  # the replayed file continues after a gap
    assert src.measured_fps > 0 and src.size == (312, 176)
    names = [m.state for m in q.drain()]
    assert names[:3] == ["opened", "streaming", "lost"] and "reconnecting" in names and names[-1] == "ended"
