"""Every source of scoring steps, in one module: camera, video file, replayed landmarks, the simulated
child and serial devices.

A *feed* (:data:`station.session.Feed`) is a function of the trial's start time on the session clock
(ns) that returns :class:`~station.core.StepInput` in time order; the runner scores and records them.
A camera or video step carries the image its landmarks were found in (``StepInput.image``), so the
child view always draws landmarks over their own frame. ``on_image(image, t_ns)`` (the session video)
gets every frame read, from the thread that read it, so it must be cheap (the video writer only queues).

Pacing: the simulated child, videos and replays are *own*-paced (the runner sleeps to each step's
time); a camera and devices pace themselves (*external*).

Time: video and replay feeds shift file time to the trial's start (a video starts when its tracker is
ready, so loading the model never makes every frame late); the camera and devices use the session
clock itself.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

import exercises
from station.core import EventBus, Frame, InputError, SessionClock, StepInput, SystemClock, TrackedFrame
from station.session.runner import Feed

if TYPE_CHECKING:
    from vision.trackers import TrackKind

log = logging.getLogger(__name__)

ImageFn = Callable[[NDArray[np.uint8], int], None]
"""``on_image(image BGR unmirrored, t_ns)``: a frame read, with its capture time."""

DEFAULT_SIM_S = 20.0
"""Length of a simulated trial when the plan gives neither a duration nor a repetition target."""
HEARTBEAT_S = 0.1
"""A live feed with no frame for this long yields an empty step (see :func:`camera_feed`)."""
HEARTBEAT_LAG_NS = 500_000_000


# -- the simulated child ----------------------------------------------------------------------------
def simulated_feed(exercise: str, settings: dict[str, Any] | None = None, *, duration_s: float | None = None,
                   reps: int | None = None, seed: int = 0, size: tuple[int, int] = (640, 480)) -> Feed:
    """The exercise's own simulated child (``contract.sim``) playing it, paced in real time (pacing ``own``).

    A child who plays a device (``contract.sim.device``) needs that device: the station runs its
    simulator on a pseudo-terminal through the real driver (:func:`device_feed`) instead.
    """
    cls = exercises.get(exercise)
    sim = cls.contract.sim
    if sim.device is not None:
        raise InputError(f"exercise '{cls.name}' needs a device ({', '.join(cls.inputs)})",
                         fix=f"give --{sim.device} URL (the simulator: sim://{sim.device}?profile={sim.profile})")
    parsed = cls.parse_settings(settings or {})
    duration = duration_s or DEFAULT_SIM_S

    def feed(t0_ns: int) -> Iterable[StepInput]:
        return sim.inputs(parsed, t0_ns=t0_ns, duration_s=duration, reps=reps, seed=seed, image_size=size)

    return feed


# -- video and camera ---------------------------------------------------------------------------
def video_feed(path: str | Path, kinds: Sequence[TrackKind], *, clock: SessionClock | None = None, on_image: ImageFn | None = None,
               options: Any = None, smoothing: Any = None) -> Feed:
    """A video file through the trackers ``kinds``, from when the tracker is ready (or the trial start)."""
    from station.analyze import build_tracker
    from vision.pipeline import track_stream
    from vision.smoothing import LandmarkSmoother, SmoothingSettings
    from vision.sources import ImageFolderSource, open_source

    clk = clock or SystemClock()

    def feed(t0_ns: int) -> Iterator[StepInput]:
        src = open_source(path, timing="none")
        trk = build_tracker(kinds, options, static=isinstance(src, ImageFolderSource))
        src.t0_ns = max(t0_ns, clk.now_ns())
        src.open()
        images: dict[int, NDArray[np.uint8]] = {}

        def keep(f: Any, tf: TrackedFrame) -> None:
            images[tf.seq] = f.image
            if on_image is not None:
                on_image(f.image, f.t_ns)

        try:
            for tf in track_stream(src, trk, smoother=LandmarkSmoother(smoothing or SmoothingSettings()), on_frame=keep):
                yield StepInput.from_tracked(tf, images.pop(tf.seq, None))
        finally:
            trk.close()
            src.close()

    return feed


def replay_feed(path: str | Path, *, smoothing: Any = None) -> Feed:
    """Saved landmarks (Parquet) re-played from the trial start: no video and no model."""
    from vision.recording import ReplayTracker
    from vision.smoothing import LandmarkSmoother, SmoothingSettings

    def feed(t0_ns: int) -> Iterator[StepInput]:
        rep = ReplayTracker(path)
        first = rep.frames[0].t_ns if rep.frames else 0
        rep.t0_ns = t0_ns - first
        for tf in LandmarkSmoother(smoothing or SmoothingSettings()).stream(rep):
            yield StepInput.from_tracked(tf)

    return feed


def camera_feed(
    device: int | str,
    kinds: Sequence[TrackKind],
    *,
    clock: SessionClock | None = None,
    bus: EventBus | None = None,
    options: Any = None,
    smoothing: Any = None,
    size: tuple[int, int] | None = (640, 480),
    source: Any = None,
    images: bool = False,
    on_image: ImageFn | None = None,
) -> Feed:
    """A live feed: camera thread -> latest-frame slot -> tracker thread -> bus -> :class:`StepInput`.

    Use with the runner's pacing ``external`` (the camera paces itself). The pipeline publishes
    every ``TrackedFrame`` and the camera's ``SourceState`` messages on ``bus`` (a private bus when
    none is given), so a UI can subscribe to the same stream. The feed ends when the trial ends
    (the runner stops iterating) or the camera is closed; the pipeline is stopped either way.
    A camera lost mid-trial yields no frames until it is back: the exercise sees the gap in frame
    times, and the next observations carry ``gap_frames``. Meanwhile the feed yields empty
    *heartbeat* steps (no ``frame_seq``, time half a second behind the clock) so the runner can end
    the trial on time or stop; step times stay strictly increasing.

    ``source`` replaces the camera (any frame source; tests pass a :class:`vision.sources.FailingSource`).
    With ``images`` each step carries the image it was tracked in; ``on_image`` receives every
    captured frame on the capture thread (the session video queues it for its own writer thread).
    """
    from station.analyze import build_tracker
    from vision.pipeline import LivePipeline
    from vision.smoothing import LandmarkSmoother, SmoothingSettings
    from vision.sources import CameraSource

    clk = clock or SystemClock()
    with_images = images

    def feed(t0_ns: int) -> Iterator[StepInput]:
        b = bus or EventBus()
        src = source if source is not None else CameraSource(device, size=size, clock=clk, bus=b)
        if on_image is not None:
            src = _TapSource(src, on_image)
        trk = build_tracker(kinds, options, clock=clk)
        sub, q = b.subscribe_queue(TrackedFrame, maxsize=256)
        images: dict[int, NDArray[np.uint8]] = {}
        fsub = b.subscribe(Frame, lambda f: images.__setitem__(f.seq, f.image)) if with_images else None
        pipe = LivePipeline(src, trk, b, clock=clk, smoother=LandmarkSmoother(smoothing or SmoothingSettings()),
                            publish_frames=with_images)
        pipe.start()
        last_t = t0_ns - 1
        try:
            while True:
                try:
                    tf = q.get(timeout=HEARTBEAT_S)
                except queue.Empty:
                    if pipe.tracker_done.is_set() and len(q) == 0:
                        return
                    # No frame for a while (camera lost, model slow): a heartbeat step without a
                    # frame lets the runner end the trial on time and honour Stop. Its time stays
                    # HEARTBEAT_LAG_NS behind the clock so frames still in the tracker come after it.
                    hb = clk.now_ns() - HEARTBEAT_LAG_NS
                    if hb > last_t:
                        last_t = hb
                        yield StepInput(hb)
                    continue
                image = None
                if with_images:
                    image = images.pop(tf.seq, None)
                    for old in [k for k in images if k < tf.seq]:  # frames the tracker skipped
                        del images[old]
                if tf.t_ns <= last_t:  # before the trial, or older than a heartbeat already sent
                    continue
                last_t = tf.t_ns
                yield StepInput.from_tracked(tf, image)
        finally:
            sub.close()
            if fsub is not None:
                fsub.close()
            if pipe.stop():
                trk.close()  # never while the tracker thread may still be inside the model

    return feed


class _TapSource:
    """A frame source that shows every frame to ``push(image, t_ns)`` (on the capture thread) before passing it on."""

    def __init__(self, inner: Any, push: ImageFn) -> None:
        self.inner = inner
        self.push = push
        self.source_id = getattr(inner, "source_id", "camera")

    def __iter__(self) -> Iterator[Any]:
        for f in self.inner:
            self.push(f.image, f.t_ns)
            yield f

    def open(self) -> None:
        self.inner.open()

    def close(self) -> None:
        self.inner.close()


def camera_feed_for(exercise: str, device: int | str, **kwargs: Any) -> Feed:
    """:func:`camera_feed` running only the trackers ``exercise`` needs (its ``inputs``)."""
    from station.analyze import video_kinds

    return camera_feed(device, video_kinds(exercises.get(exercise)), **kwargs)


# -- devices ------------------------------------------------------------------------------------
def device_feed(
    dev: Any,
    duration_s: float,
    *,
    clock: SessionClock | None = None,
    step_hz: float = 50.0,
    deadline_ns: int | None = None,
    margin_s: float = 0.25,
) -> Feed:
    """A feed of an open driver's samples (:class:`devices.driver.SerialDevice`) for ``duration_s`` from the trial start.

    At the trial's start it starts the driver (after :meth:`~devices.driver.SerialDevice.begin_trial`,
    which resets what a driver keeps per trial), then every ``1 / step_hz`` seconds (session clock)
    drains the driver's bounded queue into one step (``t_ns`` = the newest sample's time, or the
    step's time when no sample came, always increasing), and at the end stops the driver and delivers
    whatever was still queued, so no received sample is lost. ``deadline_ns`` (session clock) ends
    the feed ``margin_s`` before it (the session's overall time bound).
    """
    clk = clock or dev.clock
    step_ns = int(1e9 / step_hz)

    def feed(t0: int) -> Iterator[StepInput]:
        end = t0 + int(duration_s * 1e9)
        if deadline_ns is not None:
            end = min(end, deadline_ns - int(margin_s * 1e9))
        if end <= t0:
            return
        dev.begin_trial()
        dev.queue.drain()
        dev.start()
        last = t0
        try:
            t_step = t0
            while True:
                t_step += step_ns
                if t_step > end:
                    break
                clk.sleep_until(t_step)
                batch = dev.queue.drain()
                t = max(last + 1, batch[-1].t_ns if batch else t_step)
                last = t
                yield StepInput(t, samples=batch)
        finally:
            dev.stop()
        rest = dev.queue.drain()
        if rest:
            yield StepInput(max(last + 1, rest[-1].t_ns), samples=rest)

    return feed
