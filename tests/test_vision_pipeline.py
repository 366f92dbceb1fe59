"""The capture -> track plumbing (latest-frame slot, offline stream, live pipeline) and overlays."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from exercises.templates import make_template
from station.core import EventBus, FakeClock, Frame, HandObservation, PoseObservation, SourceState, TrackedFrame
from vision.overlay import draw_hand, draw_label, draw_path, draw_pose, draw_tracked, draw_trail
from vision.pipeline import LatestSlot, LivePipeline, track_stream
from vision.sources import VideoFileSource
from vision.synth_body import jumps_stream
from vision.synth_hand import tracing_stream


class CountingTracker:
    """A tracker that finds nothing and records what it saw (plumbing tests only; the real models are
    tested in test_vision_models.py)."""

    kinds = ("hand",)
    model = "counting/1"

    def __init__(self, delay_s: float = 0.0, fail_on: int | None = None) -> None:
        self.seen: list[int] = []
        self.delay_s = delay_s
        self.fail_on = fail_on
        self.closed = False

    def process(self, frame: Frame) -> TrackedFrame:
        if self.delay_s:
            done = threading.Event()
            done.wait(self.delay_s)  # stands in for inference time
        if frame.seq == self.fail_on:
            raise RuntimeError("model crashed on this frame")
        self.seen.append(frame.seq)
        return TrackedFrame(frame.source_id, frame.seq, frame.t_ns, (frame.width, frame.height), latency_ns=1, t_done_ns=frame.t_ns + 1)

    def close(self) -> None:
        self.closed = True


def _frames(n: int, clock: FakeClock | None = None) -> Iterator[Frame]:
    img = np.zeros((4, 4, 3), np.uint8)
    for i in range(n):
        t = i * 10_000_000
        if clock is not None:
            clock.sleep_until(t)
        yield Frame("test", i, t, t, img)


def test_latest_slot_keeps_only_the_newest_and_counts_drops() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for i in range(5):
        slot.put(i)
    assert slot.get(timeout=0) == 4 and slot.dropped == 4
    assert slot.get(timeout=0) is None
    slot.put(7)
    slot.close()
    assert slot.get(timeout=0) == 7 and slot.get(timeout=0) is None


def test_track_stream_tracks_every_frame_in_order() -> None:
    trk = CountingTracker()
    calls: list[int] = []
    out = list(track_stream(_frames(50), trk, on_frame=lambda f, tf: calls.append(f.seq)))
    assert [tf.seq for tf in out] == trk.seen == calls == list(range(50))


def test_track_stream_reraises_source_errors_in_the_consumer() -> None:
    def broken() -> Iterator[Frame]:
        yield from _frames(3)
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(track_stream(broken(), CountingTracker()))


def test_track_stream_stops_its_decoder_when_the_consumer_stops() -> None:
    gen = track_stream(_frames(10_000), CountingTracker(), prefetch=1)
    assert next(gen).seq == 0
    gen.close()  # must not hang on the decoder blocked on a full queue
    assert not any(t.name == "decode" for t in threading.enumerate())


def test_live_pipeline_drops_to_the_newest_frame_and_publishes_on_the_bus(media: Path) -> None:
    """The real decoder as a fast camera, a slow 'model': frames are dropped, never queued."""
    bus = EventBus()
    _, q = bus.subscribe_queue(TrackedFrame, maxsize=1000)
    _, states = bus.subscribe_queue(SourceState)
    src = VideoFileSource(media / "hand" / "open_palm.mp4", bus=bus)
    trk = CountingTracker(delay_s=0.02)
    pipe = LivePipeline(src, trk, bus).start()
    assert pipe.join(timeout=60)
    pipe.stop()
    out = q.drain()
    st = pipe.stats
    assert st.captured == 202 and st.tracked == len(out) and st.tracked + st.dropped == st.captured
    assert st.dropped > 0  # decoding (about 1 ms) is faster than the 20 ms model
    assert [tf.seq for tf in out] == sorted(tf.seq for tf in out) and out[-1].seq == 201  # the newest frame is tracked last
    assert [s.state for s in states.drain()] == ["opened", "streaming", "ended"]
    assert len(st.latencies_ns) == st.tracked and st.latency_ms(95) >= 0


def test_a_tracker_error_skips_one_frame_and_never_escapes_the_thread() -> None:
    clock = FakeClock()
    bus = EventBus()
    _, q = bus.subscribe_queue(TrackedFrame, maxsize=100)
    frames = list(_frames(5))

    class OneByOne:
        """Hands frames over only when the previous one was tracked (no drops, deterministic)."""

        def __iter__(self) -> Iterator[Frame]:
            for f in frames:
                deadline = time.monotonic() + 10
                while pipe.stats.tracked + pipe.stats.errors < f.seq and time.monotonic() < deadline:
                    threading.Event().wait(0.001)
                yield f

    trk = CountingTracker(fail_on=2)
    pipe = LivePipeline(OneByOne(), trk, bus, clock=clock)
    pipe.start()
    assert pipe.join(timeout=30)
    pipe.stop()
    assert pipe.stats.errors == 1 and [tf.seq for tf in q.drain()] == [0, 1, 3, 4]


def test_a_failing_source_is_reported_not_raised() -> None:
    def broken() -> Iterator[Frame]:
        yield from _frames(2)
        raise RuntimeError("driver crashed")

    bus = EventBus()
    _, states = bus.subscribe_queue(SourceState)
    pipe = LivePipeline(broken(), CountingTracker(), bus, source_id="cam9").start()
    assert pipe.join(timeout=30)
    pipe.stop()
    (st,) = states.drain()
    assert (st.source_id, st.state) == ("cam9", "failed") and "driver crashed" in st.detail


# -- overlays -------------------------------------------------------------------------------------
def test_overlay_draws_skeletons_trail_and_path(media: Path, artifacts: Path) -> None:
    img = cv2.imread(str(media / "body" / "person_sitting.jpg"))
    h, w = img.shape[:2]
    frames, _ = tracing_stream(make_template("circle", center=(0.5, 0.5), size=0.6, aspect=w / h).points,
                               duration_s=2.0, fps=30, image_size=(w, h), seed=1)
    hand: HandObservation = frames[30].hands[0]
    pose: PoseObservation = next(f for f in jumps_stream(1, image_size=(w, h))[0] if f.poses).poses[0]
    tmpl = make_template("circle", center=(0.5, 0.5), size=0.6, aspect=w / h)
    before = img.copy()
    draw_path(img, tmpl.points, tolerance=0.03, closed=True)
    draw_trail(img, np.array([f.hands[0].landmarks[8, :2] for f in frames[:31]]))
    draw_pose(img, pose)
    draw_hand(img, hand)
    draw_label(img, "Tracing: 0")
    cv2.imwrite(str(artifacts / "vision_overlay_helpers.png"), img)
    changed = np.abs(img.astype(int) - before.astype(int)).max(axis=2) > 40
    # the fingertip, a path point and the pose's hip are all drawn on
    for x, y in (hand.xy_px()[8], tmpl.points[0] * (w, h), pose.xy_px()[23]):
        xi, yi = round(x), round(y)
        assert changed[max(0, yi - 3):yi + 4, max(0, xi - 3):xi + 4].any()
    # mirroring draws the same thing flipped
    a = draw_tracked(np.zeros((100, 200, 3), np.uint8), TrackedFrame("s", 0, 0, (200, 100), (hand,), (pose,)))
    b = draw_tracked(np.zeros((100, 200, 3), np.uint8), TrackedFrame("s", 0, 0, (200, 100), (hand,), (pose,)), mirror=True)
    assert abs(int(a.sum()) - int(b.sum())) < 0.1 * int(a.sum()) and not np.array_equal(a, b)


def test_live_pipeline_can_publish_the_tracked_images_for_a_live_view() -> None:
    bus = EventBus()
    _, frames_q = bus.subscribe_queue(Frame, maxsize=100)
    _, tracked_q = bus.subscribe_queue(TrackedFrame, maxsize=100)
    order: list[str] = []
    bus.subscribe(object, lambda m: order.append(type(m).__name__))
    pipe = LivePipeline(_frames(20), CountingTracker(), bus, publish_frames=True).start()
    assert pipe.join(timeout=30)
    pipe.stop()
    frames, tracked = frames_q.drain(), tracked_q.drain()
    assert [f.seq for f in frames] == [t.seq for t in tracked] and len(tracked) == pipe.stats.tracked
    assert order[:2] == ["Frame", "TrackedFrame"]  # the image first, then its landmarks
