"""The capture -> track pipeline, live (threads, latest-frame slot) and offline (every frame).

Live (:class:`LivePipeline`)
    ``capture thread -> latest-frame slot (size 1) -> tracker thread -> smoothing -> bus``.
    The capture thread never waits for the model: a frame not yet taken when the next one arrives
    is replaced and counted in :attr:`LatestSlot.dropped` (a live view wants the newest frame, not a
    queue of old ones). Every tracked frame is published on the :class:`station.core.EventBus` as a
    :class:`station.core.TrackedFrame` carrying the frame's capture time ``t_ns``, the inference time
    ``latency_ns`` and ``t_done_ns`` (session clock after tracking and smoothing); the live latency
    of a frame is ``t_done_ns - t_ns``. Source state changes arrive on the same bus as
    :class:`station.core.SourceState` (the camera's loss and reconnection). No exception escapes
    either thread: a failing source publishes ``failed``; a tracker error on one frame is logged,
    counted (:attr:`LivePipeline.errors`) and the frame skipped.
Offline (:func:`track_stream`)
    For files: every frame is tracked, none dropped. Decoding runs one frame ahead in its own
    thread (a bounded queue), so decoding overlaps inference on a multi-core machine.

Time is the session clock in ns (``t_ns``), as everywhere.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from station.core import EventBus, Frame, SessionClock, SourceState, SystemClock, TrackedFrame
from vision.smoothing import LandmarkSmoother
from vision.trackers import Tracker

log = logging.getLogger(__name__)

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """A slot holding only the newest item: ``put`` replaces (counting a drop), ``get`` waits."""

    def __init__(self) -> None:
        self._item: T | None = None
        self._has = False
        self._closed = False
        self._cv = threading.Condition()
        self.dropped = 0
        self.put_count = 0

    def put(self, item: T) -> None:
        with self._cv:
            if self._has:
                self.dropped += 1
            self._item = item
            self._has = True
            self.put_count += 1
            self._cv.notify()

    def get(self, timeout: float | None = None) -> T | None:
        """The newest item, or ``None`` when closed (and empty) or after ``timeout`` seconds."""
        with self._cv:
            if not self._cv.wait_for(lambda: self._has or self._closed, timeout):
                return None
            if not self._has:
                return None
            item = self._item
            self._item = None
            self._has = False
            return item

    def close(self) -> None:
        """Wake the consumer; later ``get`` calls return what is left, then ``None``."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()


_END = object()


def track_stream(
    frames: Iterable[Frame],
    tracker: Tracker,
    *,
    smoother: LandmarkSmoother | None = None,
    prefetch: int = 2,
    on_frame: Callable[[Frame, TrackedFrame], None] | None = None,
) -> Iterator[TrackedFrame]:
    """Track every frame of ``frames`` (a file source) in order, decoding ahead in a thread.

    Parameters
    ----------
    frames: a frame source (iterated in a background thread).
    tracker: the model(s).
    smoother: optional filter applied to each tracked frame.
    prefetch: frames decoded ahead (bounded queue; the decoder waits, nothing is dropped).
    on_frame: called with ``(frame, tracked)`` for each frame (overlay writers, progress bars).

    Errors raised by the source are re-raised here, in the consumer's thread.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=max(1, prefetch))
    stop = threading.Event()

    def decode() -> None:
        try:
            for f in frames:
                while not stop.is_set():
                    try:
                        q.put(f, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            q.put(_END)
        except BaseException as exc:  # forwarded to the consumer thread
            q.put(exc)

    th = threading.Thread(target=decode, name="decode", daemon=True)
    th.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            tf = tracker.process(item)
            if smoother is not None:
                tf = smoother(tf)
            if on_frame is not None:
                on_frame(item, tf)
            yield tf
    finally:
        stop.set()
        while th.is_alive():  # unblock a decoder waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                pass
            th.join(timeout=0.05)


@dataclass
class PipelineStats:
    """Counters of a live pipeline (read them at any time; updated by its threads)."""

    captured: int = 0
    tracked: int = 0
    dropped: int = 0
    errors: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    """Capture-to-observation time (``t_done_ns - t_ns``) of every tracked frame."""
    inference_ns: list[int] = field(default_factory=list)

    def latency_ms(self, q: float) -> float:
        """Percentile ``q`` (0..100) of the capture-to-observation latency in ms (nan if none)."""
        return float(np.percentile(self.latencies_ns, q) / 1e6) if self.latencies_ns else float("nan")


class LivePipeline:
    """Capture thread -> latest-frame slot -> tracker thread -> (smoother) -> bus.

    Parameters
    ----------
    source: a frame source (a :class:`~vision.sources.CameraSource` live; any source works).
    tracker: the model(s); owned by the pipeline's tracker thread while running.
    bus: where ``TrackedFrame`` s (and the source's ``SourceState`` s) are published.
    clock: the session clock (stamps ``t_done_ns``).
    smoother: optional landmark filter.
    publish_frames: also publish each tracked :class:`station.core.Frame` on the bus, just before its
        ``TrackedFrame`` (same ``seq``), so a live view can draw the overlay on the very image the
        landmarks came from. Subscribers must only keep a reference (e.g. a latest-frame slot).
    """

    def __init__(
        self,
        source: Iterable[Frame],
        tracker: Tracker,
        bus: EventBus,
        *,
        clock: SessionClock | None = None,
        smoother: LandmarkSmoother | None = None,
        source_id: str | None = None,
        publish_frames: bool = False,
    ) -> None:
        self.source = source
        self.publish_frames = publish_frames
        self.tracker = tracker
        self.bus = bus
        self.clock: SessionClock = clock if clock is not None else SystemClock()
        self.smoother = smoother
        self.source_id: str = source_id or str(getattr(source, "source_id", "source"))
        self.slot: LatestSlot[Frame] = LatestSlot()
        self.stats = PipelineStats()
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.capture_done = threading.Event()
        self.tracker_done = threading.Event()

    def start(self) -> LivePipeline:
        if self._threads:
            raise RuntimeError("pipeline already started")
        self._threads = [
            threading.Thread(target=self._capture, name=f"capture-{self.source_id}", daemon=True),
            threading.Thread(target=self._track, name=f"track-{self.source_id}", daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def _capture(self) -> None:
        try:
            for frame in self.source:
                self.stats.captured += 1
                self.slot.put(frame)
                self.stats.dropped = self.slot.dropped
                if self._stop.is_set():
                    break
        except Exception as exc:
            log.exception("capture thread of %s failed", self.source_id)
            self.bus.publish(SourceState(self.source_id, "failed", self.clock.now_ns(), str(exc)))
        finally:
            self.stats.dropped = self.slot.dropped
            self.slot.close()
            self.capture_done.set()

    def _track(self) -> None:
        try:
            while True:
                frame = self.slot.get(timeout=0.2)
                if frame is None:
                    if self.capture_done.is_set() or self._stop.is_set():
                        frame = self.slot.get(timeout=0)
                        if frame is None:
                            break
                    else:
                        continue
                try:
                    tf = self.tracker.process(frame)
                    if self.smoother is not None:
                        tf = self.smoother(tf)
                        tf = _restamp_done(tf, self.clock.now_ns())
                except Exception:
                    self.stats.errors += 1
                    log.exception("tracking frame %d of %s failed; frame skipped", frame.seq, self.source_id)
                    continue
                self.stats.tracked += 1
                self.stats.latencies_ns.append(tf.t_done_ns - tf.t_ns)
                self.stats.inference_ns.append(tf.latency_ns)
                if self.publish_frames:
                    self.bus.publish(frame)  # the image the observations belong to (same seq), for live views
                self.bus.publish(tf)
        finally:
            self.tracker_done.set()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop capturing, let the tracker finish the frame in hand, join both threads.

        Returns ``True`` when both threads ended within ``timeout`` seconds; only then may the
        caller close the tracker (never close a model while a thread is inside it).
        """
        self._stop.set()
        close = getattr(self.source, "close", None)
        if callable(close):
            close()
        self.slot.close()
        for t in self._threads:
            t.join(timeout)
        ended = not any(t.is_alive() for t in self._threads)
        if not ended:
            log.warning("pipeline of %s did not stop within %.1f s", self.source_id, timeout)
        return ended

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the source to end and the last frame to be tracked; ``True`` when done."""
        return self.tracker_done.wait(timeout)

    def __enter__(self) -> LivePipeline:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _restamp_done(tf: TrackedFrame, t_done_ns: int) -> TrackedFrame:
    import dataclasses

    return dataclasses.replace(tf, t_done_ns=t_done_ns)
