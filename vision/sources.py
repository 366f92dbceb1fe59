"""Frame sources: a camera, a video file, a folder of images, and a failing test double.

Every source is an iterable of :class:`station.core.Frame` behind one small interface
(:class:`FrameSource`): ``open()``, iterate, ``close()`` (or use it as a context manager).

Conventions
-----------
Time base
    ``Frame.t_ns`` is nanoseconds on the injected session clock (:class:`station.core.SessionClock`).

    * Camera: stamped in the reading thread right after ``read()`` returns (the driver's
      ``CAP_PROP_POS_MSEC`` and ``CAP_PROP_FPS`` are never trusted; the real frame rate is measured
      from the stamps, :attr:`CameraSource.measured_fps`).
    * Files: the file's own frame time (container presentation time from OpenCV, per-frame delays
      of a GIF read with Pillow when available, else ``seq / fps``) plus the session-clock time at
      which playback started (``t0_ns``, taken at ``open()`` unless given).
    * Image folders: ``seq / fps`` (``fps`` given, default 1 image per second) plus ``t0_ns``.
    ``Frame.t_arrival_ns`` is always the clock reading when the image was in hand.
Timing
    ``"own"``: the source paces itself in real time on the session clock (``clock.sleep_until``); a
    camera is always ``own`` (it paces itself). ``"none"``: frames come as fast as they decode.
Colour
    Images are ``H x W x 3`` ``uint8`` in BGR order (OpenCV's), ``Frame.color == "bgr"``.
Camera loss
    A camera that stops delivering frames publishes :class:`station.core.SourceState` messages on
    the bus (``lost``, then ``reconnecting`` per attempt, ``streaming`` when frames return), and
    retries with exponential back-off (``retry_initial_s`` doubling up to ``retry_max_s``) until
    closed. Sequence numbers keep counting through the loss: the frames the camera would have
    delivered meanwhile (loss duration x the frame rate measured before it) are skipped, so the gap
    is visible in ``seq`` as well as in ``t_ns`` downstream (``gap_frames`` of the next observation).
    No frame is ever invented.

OpenCV is imported inside the functions that need it.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from station.core import EventBus, Frame, InputError, SessionClock, SourceState, SystemClock
from station.core.messages import SourceStateName

log = logging.getLogger(__name__)

Timing = Literal["own", "none"]

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".gif")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


@runtime_checkable
class FrameSource(Protocol):
    """What the pipeline needs of a source of frames."""

    source_id: str

    def open(self) -> None:
        """Acquire the device/file; raise :class:`InputError` when it cannot be read."""
        ...

    def close(self) -> None:
        """Release it (idempotent)."""
        ...

    def __iter__(self) -> Iterator[Frame]:
        """Frames in capture order (opens the source if needed)."""
        ...


class _SourceBase(abc.ABC):
    """Bookkeeping shared by the sources: state messages, context manager, iteration guard."""

    source_id: str

    def __init__(self, source_id: str, clock: SessionClock | None, bus: EventBus | None) -> None:
        self.source_id = source_id
        self.clock: SessionClock = clock if clock is not None else SystemClock()
        self.bus = bus
        self.state: SourceStateName | None = None
        self.frames_read = 0
        self._opened = False
        self._iterating = False
        self._closed = threading.Event()

    def _set_state(self, state: SourceStateName, detail: str = "") -> None:
        self.state = state
        log.info("%s: %s %s", self.source_id, state, detail)
        if self.bus is not None:
            self.bus.publish(SourceState(self.source_id, state, self.clock.now_ns(), detail))

    def open(self) -> None:
        if not self._opened:
            self._do_open()
            self._opened = True
            self._closed.clear()
            self._set_state("opened")

    def close(self) -> None:
        """Release the source (idempotent, callable from any thread).

        While another thread iterates, only the stop flag is set: the iterating thread releases
        the device itself when it sees it (never release a device mid-``read()``).
        """
        self._closed.set()
        if not self._iterating:
            self._release()

    def _release(self) -> None:
        if self._opened:
            self._do_close()
            self._opened = False
            self._set_state("ended")

    @abc.abstractmethod
    def _do_open(self) -> None: ...

    @abc.abstractmethod
    def _do_close(self) -> None: ...

    def __enter__(self) -> _SourceBase:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _gif_times_ms(path: Path) -> list[float] | None:
    """Start time (ms) of each frame of a GIF from its own per-frame delays, or ``None``."""
    try:
        from PIL import Image, ImageSequence
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return None
    try:
        with Image.open(path) as im:
            delays = [float(fr.info.get("duration") or 0) for fr in ImageSequence.Iterator(im)]
    except Exception:  # a GIF Pillow cannot read: fall back on the container's fps
        return None
    if not delays or any(d <= 0 for d in delays):
        return None
    return [float(x) for x in np.concatenate(([0.0], np.cumsum(delays)[:-1]))]


class VideoFileSource(_SourceBase):
    """Frames of a video file (mp4, avi, mov, mkv, webm, gif) decoded with OpenCV.

    Parameters
    ----------
    path: the video file.
    timing: ``"none"`` (as fast as possible, the default) or ``"own"`` (real time on ``clock``).
    clock: the session clock (default: the system clock).
    t0_ns: session-clock time of the file's time zero (default: the clock at ``open()``).
    bus: where :class:`SourceState` messages go (optional).
    max_frames: stop after this many frames (optional).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        timing: Timing = "none",
        clock: SessionClock | None = None,
        t0_ns: int | None = None,
        bus: EventBus | None = None,
        max_frames: int | None = None,
        source_id: str | None = None,
    ) -> None:
        self.path = Path(path)
        super().__init__(source_id or self.path.name, clock, bus)
        self.timing = timing
        self.t0_ns = t0_ns
        self.max_frames = max_frames
        self._cap: Any = None
        self._gif_ms: list[float] | None = None
        self.fps = 0.0
        self.frame_count = 0
        self.size = (0, 0)

    def _do_open(self) -> None:
        import cv2

        if not self.path.exists():
            raise InputError("video not found", where=str(self.path), fix="check the path")
        if self.path.is_dir():
            raise InputError("expected a video file, got a folder", where=str(self.path))
        cap = cv2.VideoCapture(str(self.path))
        ok, first = cap.read() if cap.isOpened() else (False, None)
        if not ok or first is None:
            cap.release()
            raise InputError("cannot read video (not a video, or a codec OpenCV lacks)", where=str(self.path))
        cap.release()
        cap = cv2.VideoCapture(str(self.path))  # rewind by reopening: seeking is unreliable for some codecs
        self._cap = cap
        self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.frame_count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.size = (int(first.shape[1]), int(first.shape[0]))
        if self.path.suffix.lower() == ".gif":
            self._gif_ms = _gif_times_ms(self.path)
        if self.t0_ns is None:
            self.t0_ns = self.clock.now_ns()

    def _do_close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def _file_ms(self, seq: int, pos_ms: float, last_ms: float | None) -> float:
        if self._gif_ms is not None and seq < len(self._gif_ms):
            return self._gif_ms[seq]
        if pos_ms >= 0 and (last_ms is None or pos_ms > last_ms) and not (seq > 0 and pos_ms == 0):
            return pos_ms
        fps = self.fps if self.fps > 0 else 30.0
        return seq * 1000.0 / fps

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        self.open()
        self._iterating = True
        cap = self._cap
        assert self.t0_ns is not None
        last_ms: float | None = None
        seq = 0
        try:
            self._set_state("streaming")
            while not self._closed.is_set():
                if self.max_frames is not None and seq >= self.max_frames:
                    break
                ok, img = cap.read()
                if not ok or img is None:
                    break
                ms = self._file_ms(seq, float(cap.get(cv2.CAP_PROP_POS_MSEC)), last_ms)
                if last_ms is not None and ms <= last_ms:  # never let a file's times go backwards
                    ms = last_ms + 1.0
                last_ms = ms
                t_ns = self.t0_ns + round(ms * 1e6)
                if self.timing == "own":
                    self.clock.sleep_until(t_ns)
                self.frames_read += 1
                yield Frame(self.source_id, seq, t_ns, self.clock.now_ns(), img)
                seq += 1
        finally:
            self._iterating = False
            self._release()


def _image_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


class ImageFolderSource(_SourceBase):
    """Images of a folder (sorted by name), or a single image file, as frames.

    Frame ``k`` has time ``t0_ns + k / fps`` seconds. Images that cannot be decoded are skipped
    with a warning (their sequence number is consumed, so the gap is visible).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fps: float = 1.0,
        timing: Timing = "none",
        clock: SessionClock | None = None,
        t0_ns: int | None = None,
        bus: EventBus | None = None,
        source_id: str | None = None,
    ) -> None:
        self.path = Path(path)
        super().__init__(source_id or self.path.name, clock, bus)
        if fps <= 0:
            raise InputError("image rate must be positive", where=f"fps={fps}")
        self.fps = fps
        self.timing = timing
        self.t0_ns = t0_ns
        self.files: list[Path] = []
        self.skipped: list[Path] = []

    def _do_open(self) -> None:
        if not self.path.exists():
            raise InputError("image folder not found", where=str(self.path))
        self.files = _image_files(self.path)
        if not self.files:
            raise InputError(
                "no images in folder", where=str(self.path), fix=f"expected files ending in {', '.join(IMAGE_SUFFIXES)}"
            )
        if self.t0_ns is None:
            self.t0_ns = self.clock.now_ns()

    def _do_close(self) -> None:
        pass

    def __iter__(self) -> Iterator[Frame]:
        import cv2

        self.open()
        self._iterating = True
        assert self.t0_ns is not None
        try:
            self._set_state("streaming")
            for seq, f in enumerate(self.files):
                if self._closed.is_set():
                    break
                t_ns = self.t0_ns + round(seq * 1e9 / self.fps)
                img = cv2.imread(str(f), cv2.IMREAD_COLOR)
                if img is None:
                    log.warning("%s: cannot decode %s, skipped", self.source_id, f)
                    self.skipped.append(f)
                    continue
                if self.timing == "own":
                    self.clock.sleep_until(t_ns)
                self.frames_read += 1
                yield Frame(self.source_id, seq, t_ns, self.clock.now_ns(), np.asarray(img, dtype=np.uint8))
        finally:
            self._iterating = False
            self._release()


class _Backoff:
    """Exponential back-off between reconnect attempts (seconds)."""

    def __init__(self, initial_s: float, max_s: float) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self.next_s = initial_s

    def take(self) -> float:
        s = self.next_s
        self.next_s = min(self.max_s, self.next_s * 2)
        return s

    def reset(self) -> None:
        self.next_s = self.initial_s


class CameraSource(_SourceBase):
    """A live camera through OpenCV (device index or a path/URL OpenCV accepts).

    ``t_ns`` is stamped right after ``read()`` returns. The requested ``size``/``fps`` are asked
    of the driver; what it delivers is measured: :attr:`measured_fps` (from the last
    ``fps_window`` stamps) and :attr:`size`.

    When ``read()`` fails (camera unplugged), the source publishes ``lost``, closes the device and
    retries opening it with back-off, publishing ``reconnecting`` per attempt and ``streaming``
    when frames flow again. Iteration ends only when :meth:`close` is called (from another thread)
    or ``max_frames`` were read.
    """

    def __init__(
        self,
        device: int | str = 0,
        *,
        size: tuple[int, int] | None = None,
        fps: float | None = None,
        clock: SessionClock | None = None,
        bus: EventBus | None = None,
        retry_initial_s: float = 0.25,
        retry_max_s: float = 4.0,
        max_frames: int | None = None,
        fps_window: int = 30,
        source_id: str | None = None,
    ) -> None:
        super().__init__(source_id or (f"camera{device}" if isinstance(device, int) else str(device)), clock, bus)
        self.device = device
        self.req_size = size
        self.req_fps = fps
        self.backoff = _Backoff(retry_initial_s, retry_max_s)
        self.max_frames = max_frames
        self.fps_window = fps_window
        self.timing: Timing = "own"
        self.losses = 0
        self.reconnects = 0
        self.frames_missed = 0
        """Frames estimated missed while the camera was lost (skipped in ``seq``)."""
        self._lost_since: tuple[int, float] | None = None
        self.size = (0, 0)
        self._stamps: list[int] = []
        self._cap: Any = None
        self._seq = 0

    # -- the device (overridden by test doubles) ------------------------------------------------
    def _open_device(self) -> bool:
        import cv2

        cap = cv2.VideoCapture(self.device)
        if not cap.isOpened():
            cap.release()
            return False
        if self.req_size is not None:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.req_size[0])
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.req_size[1])
        if self.req_fps is not None:
            cap.set(cv2.CAP_PROP_FPS, self.req_fps)
        self._cap = cap
        return True

    def _read_device(self) -> NDArray[np.uint8] | None:
        if self._cap is None:
            return None
        ok, img = self._cap.read()
        return img if ok else None

    def _close_device(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    # -- bookkeeping ----------------------------------------------------------------------------
    def _do_open(self) -> None:
        if not self._open_device():
            raise InputError("cannot open camera", where=str(self.device), fix="check the cable or the device index")

    def _do_close(self) -> None:
        self._close_device()

    @property
    def measured_fps(self) -> float:
        """Frame rate measured from the last capture stamps (0 before two frames)."""
        st = self._stamps
        if len(st) < 2 or st[-1] == st[0]:
            return 0.0
        return (len(st) - 1) * 1e9 / (st[-1] - st[0])

    def _wait(self, seconds: float) -> bool:
        """Wait on the session clock's scale; ``True`` when closed meanwhile."""
        if isinstance(self.clock, SystemClock):
            return self._closed.wait(seconds)
        self.clock.sleep_until(self.clock.now_ns() + int(seconds * 1e9))  # a fake clock advances
        return self._closed.is_set()

    def _reconnect(self) -> bool:
        """Retry opening with back-off until it works (``True``) or the source is closed."""
        while not self._closed.is_set():
            delay = self.backoff.take()
            if self._wait(delay):
                return False
            self._set_state("reconnecting", f"attempt after {delay:.2f} s")
            try:
                opened = self._open_device()
            except Exception as exc:  # a driver error must not end the session
                log.warning("%s: reopen failed: %s", self.source_id, exc)
                opened = False
            if opened:
                self.reconnects += 1
                return True
        return False

    def __iter__(self) -> Iterator[Frame]:
        self.open()
        self._iterating = True
        streaming = False
        try:
            while not self._closed.is_set():
                if self.max_frames is not None and self.frames_read >= self.max_frames:
                    break
                try:
                    img = self._read_device()
                except Exception as exc:  # a driver that raises is a lost camera too
                    log.warning("%s: read failed: %s", self.source_id, exc)
                    img = None
                t_ns = self.clock.now_ns()
                if img is None:
                    if self._closed.is_set():
                        break
                    self.losses += 1
                    streaming = False
                    fps = self.measured_fps or self.req_fps or 30.0
                    last_ok = self._stamps[-1] if self._stamps else t_ns
                    self._stamps.clear()
                    self._set_state("lost", "read() returned no frame")
                    self._close_device()
                    if self._lost_since is None:
                        self._lost_since = (last_ok, fps)
                    if not self._reconnect():
                        break
                    continue
                if not streaming:
                    streaming = True
                    self.backoff.reset()
                    detail = ""
                    if self._lost_since is not None:
                        last_ok, fps = self._lost_since
                        self._lost_since = None
                        missed = max(0, round((t_ns - last_ok) * fps / 1e9) - 1)
                        self._seq += missed
                        self.frames_missed += missed
                        detail = f"back after {(t_ns - last_ok) / 1e9:.2f} s, about {missed} frames missed"
                    self._set_state("streaming", detail)
                self.size = (int(img.shape[1]), int(img.shape[0]))
                self._stamps.append(t_ns)
                if len(self._stamps) > self.fps_window:
                    del self._stamps[0]
                self.frames_read += 1
                yield Frame(self.source_id, self._seq, t_ns, t_ns, img)
                self._seq += 1
        finally:
            self._iterating = False
            self._release()


class FailingSource(CameraSource):
    """A camera double that is *unplugged mid-stream*, for camera-loss tests and demos.

    It plays ``images`` as a continuous recording at ``fps`` on the session clock (the image shown
    at session time ``t`` is the one recorded ``t`` after the first read, as with a real camera, so
    frames "shown" while unplugged are never seen). After ``fail_after`` delivered frames, reads
    return nothing (the cable is pulled) and reopening fails until ``down_s`` seconds of session
    time have passed. Everything else (state messages, back-off, sequence numbers) is the real
    :class:`CameraSource` code. With a :class:`station.core.FakeClock` it runs at full speed.
    """

    def __init__(
        self,
        images: Sequence[NDArray[np.uint8]],
        *,
        fps: float = 30.0,
        fail_after: int = 10,
        down_s: float = 0.5,
        clock: SessionClock | None = None,
        bus: EventBus | None = None,
        retry_initial_s: float = 0.05,
        retry_max_s: float = 0.4,
        source_id: str = "failing-camera",
    ) -> None:
        super().__init__(0, fps=fps, clock=clock, bus=bus, retry_initial_s=retry_initial_s, retry_max_s=retry_max_s,
                         source_id=source_id)
        if not images:
            raise ValueError("FailingSource needs at least one image")
        self.images = list(images)
        self.period_ns = round(1e9 / fps)
        self.fail_after = fail_after
        self.down_ns = round(down_s * 1e9)
        self.open_attempts = 0
        self.delivered = 0
        self.unplugged_at_ns: int | None = None
        self._t_start: int | None = None
        self._next_ns = 0
        self._connected = False

    def _open_device(self) -> bool:
        self.open_attempts += 1
        if self.unplugged_at_ns is not None and self.clock.now_ns() - self.unplugged_at_ns < self.down_ns:
            return False  # still unplugged
        self._connected = True
        return True

    def _read_device(self) -> NDArray[np.uint8] | None:
        if not self._connected:
            return None
        if self._t_start is None:
            self._t_start = self._next_ns = self.clock.now_ns()
        self.clock.sleep_until(self._next_ns)  # paced like a real camera
        t = self.clock.now_ns()
        i = (t - self._t_start) // self.period_ns
        self._next_ns = self._t_start + (i + 1) * self.period_ns
        if i >= len(self.images):
            self._closed.set()  # end of the recording: the "camera" is switched off
            return None
        if self.unplugged_at_ns is None and self.delivered >= self.fail_after:
            self.unplugged_at_ns = t
            self._connected = False
            return None
        self.delivered += 1
        return self.images[i]

    def _close_device(self) -> None:
        self._connected = False


def find_camera(max_index: int = 4) -> int | None:
    """Index of the first camera OpenCV can open and read a frame from, or ``None``.

    Meant for the demo: use a webcam when one is present, else the simulated child.
    """
    import sys

    if sys.platform.startswith("linux") and not any(Path("/dev").glob("video*")):
        return None  # no V4L2 device at all: nothing to probe (and nothing for OpenCV to warn about)
    import cv2

    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # probing absent indexes warns
    try:
        for i in range(max_index):
            cap = cv2.VideoCapture(i)
            try:
                if cap.isOpened():
                    ok, img = cap.read()
                    if ok and img is not None:
                        return i
            finally:
                cap.release()
    finally:
        cv2.utils.logging.setLogLevel(previous)
    return None


def check_camera(camera: int | str) -> None:
    """Refuse, before a session starts, a webcam that cannot be opened and read (one
    :class:`InputError` line), so that no empty session is recorded for a child."""
    import sys

    if isinstance(camera, str) and not Path(camera).exists():
        raise InputError("camera not found", where=camera, fix="give a webcam index (0, 1...) or an existing device path, or --video PATH")
    if isinstance(camera, int) and sys.platform.startswith("linux") and not any(Path("/dev").glob("video*")):
        raise InputError(f"no webcam found (camera {camera}; this computer has no video device)",
                         fix="connect a webcam, or play a recording with --video PATH")
    import cv2

    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        cap = cv2.VideoCapture(camera)
        try:
            ok = cap.isOpened() and cap.read()[0]
        finally:
            cap.release()
    finally:
        cv2.utils.logging.setLogLevel(previous)
    if not ok:
        raise InputError(f"camera {camera} cannot be opened or gives no picture",
                         fix="check that it is connected and not used by another program, or choose another with --camera N")


def check_video(path: str | Path) -> None:
    """Refuse, before a session starts, a video that is missing or cannot be decoded (one
    :class:`InputError` line), so that no empty session is recorded for a child."""
    if not Path(path).is_file():
        raise InputError("video file not found", where=str(path), fix="give the path of a video file")
    src = VideoFileSource(path)
    src.open()
    src.close()


def open_source(
    path: str | Path,
    *,
    timing: Timing = "none",
    clock: SessionClock | None = None,
    bus: EventBus | None = None,
    image_fps: float = 1.0,
) -> VideoFileSource | ImageFolderSource:
    """The right file source for ``path``: a folder or an image -> images, else a video file.

    Raises :class:`InputError` for a missing path.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file or folder not found", where=str(p))
    if p.is_dir() or p.suffix.lower() in IMAGE_SUFFIXES:
        return ImageFolderSource(p, fps=image_fps, timing=timing, clock=clock, bus=bus)
    return VideoFileSource(p, timing=timing, clock=clock, bus=bus)


__all__ = [
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "CameraSource",
    "FailingSource",
    "FrameSource",
    "ImageFolderSource",
    "Timing",
    "VideoFileSource",
    "find_camera",
    "open_source",
]
