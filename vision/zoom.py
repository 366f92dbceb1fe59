"""Zoom on a person too small for the pose model to find in the whole frame.

The legacy MediaPipe pose pipeline (BlazePose) runs its person detector on the **whole frame scaled
to 224 px**: a child far from the camera (half the frame's height or less) in a low-resolution
stream becomes a few pixels of face and is not found, and once found in the whole frame the tracker
soon loses them again. Measured on ``squats_5.mp4`` scaled to 0.55 on a grey canvas (the
``child_sized`` validity variant, a 64 px person in a 312x176 frame): the whole-frame tracker finds
the person in 10 of 57 frames (first at frame 44), so 0 of 5 squats can be counted.

:class:`PersonZoom` is the state machine :class:`vision.trackers.PoseTracker` uses (``zoom=True``,
the default in video mode). It only acts where the whole frame fails, so a person the whole frame
finds is tracked exactly as without it:

``full``
    The whole frame goes to the video-mode pose graph, as without zoom. When it loses a person it
    had found at least ``confirm_frames`` times, the last time within ``hold_frames`` frames, and
    who was small (the tallest of their last ``hold_frames`` boxes shorter than ``small`` x the frame's height, and at least
    ``min_person`` of it), a square crop ``pad`` x their height (each side at most the frame's: a
    portrait camera) around where they were goes to a second video-mode graph from that frame on
    (``zoom``). When nobody was seen lately, **one** search window per frame (squares of
    ``window`` x the frame's shorter side, half-overlapping, centre-bottom first: where a child
    stands in a play area) goes to an image-mode graph, upscaled to ``search_px``; a person found
    there (at least ``min_person`` tall) is this frame's result and is zoomed on. The search costs
    one extra image-mode run per frame only while nobody is in view.
``zoom``
    The crop goes to its own video-mode graph. When the crop has nobody, the whole frame runs too
    and, if it finds the person, tracking goes back to ``full``; after ``max_miss`` frames with
    nobody anywhere, the search starts again. Every ``recheck`` frames the whole frame also runs:
    if it finds the zoomed person (the crop is no longer needed) or a larger person elsewhere (the
    child stepping in front of a small figure at the back), tracking goes back to ``full``. The
    crop is re-centred (its graph restarted) when the person's box comes within 10% of its edge,
    and left when the person grows past ``1.3 x small`` of the frame.

Landmarks found in a crop are mapped back to the whole frame's normalised coordinates (``z``, which
MediaPipe scales like ``x``, by the crop's width over the frame's); world landmarks are metric and
unchanged. Observations found in a crop carry ``model = "<pose model>+zoom"``.

Measured (``.venv/bin/python benchmarks/validity.py``, ``child_sized`` rows): see the README's
validity section.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import NDArray

Box = tuple[int, int, int, int]
"""x0, y0, x1, y1 in pixels of the whole frame."""

RunFn = Callable[[Any, NDArray[np.uint8]], Any]
"""Runs a MediaPipe solution on an RGB image and returns its result (video mode: with timestamps)."""


@dataclass(frozen=True)
class ZoomSettings:
    small: float = 0.5
    """A person whose landmark box is shorter than this share of the frame's height is zoomed on."""
    pad: float = 2.0
    """Side of the zoom crop, in the person's box's longer side."""
    window: float = 0.75
    """Side of a search window, in the frame's shorter side."""
    max_miss: int = 5
    """Frames without the person in the crop before going back to the whole frame."""
    recheck: int = 15
    """While zoomed, the whole frame also runs every this many frames."""
    search_px: int = 256
    """Search windows are resampled to this side before the image-mode model sees them."""
    min_person: float = 0.2
    """A person shorter than this share of the frame's height is not zoomed on (a passer-by far
    behind the play area, not a participant)."""
    hold_frames: int = 30
    """The person's height is the tallest of their boxes in this many recent frames (a squat's
    bottom does not make a person small)."""
    confirm_frames: int = 3
    """A person lost by the whole frame is followed in a crop only when it had found them at least
    this many times (their height is known, not one partial detection's)."""
    max_crop: float = 0.9
    """No zoom when the crop would be at least this share of the frame's shorter side (nothing to gain)."""


def landmark_box(xy_norm: NDArray[np.float32], origin: tuple[float, float], size: tuple[float, float]) -> tuple[float, float, float, float]:
    """Box (pixels of the whole frame) of landmarks given normalised to a crop at ``origin`` of ``size``."""
    x = origin[0] + xy_norm[:, 0] * size[0]
    y = origin[1] + xy_norm[:, 1] * size[1]
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def crop_around(box: tuple[float, float, float, float], side: float, w: int, h: int, max_share: float = 1.0) -> Box | None:
    """A ``side`` x ``side`` crop centred on ``box``, each side cut to the frame's, shifted inside the
    frame; ``None`` when it covers at least ``max_share`` of the frame in both directions."""
    cw, ch = min(side, float(w)), min(side, float(h))
    if cw >= max_share * w and ch >= max_share * h:
        return None
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x0 = min(max(0.0, cx - cw / 2), w - cw)
    y0 = min(max(0.0, cy - ch / 2), h - ch)
    return round(x0), round(y0), round(x0 + cw), round(y0 + ch)


def search_windows(w: int, h: int, share: float) -> list[Box]:
    """Squares of ``share`` x the frame's shorter side, half-overlapping, centre-bottom first (where a
    child stands in a play area)."""
    side = max(16, int(share * min(w, h)))
    step = max(1, side // 2)
    xs = sorted({*range(0, max(1, w - side + 1), step), max(0, w - side)})
    ys = sorted({*range(0, max(1, h - side + 1), step), max(0, h - side)})
    wins = [(x, y, min(w, x + side), min(h, y + side)) for x in xs for y in ys]
    return sorted(wins, key=lambda b: (abs((b[0] + b[2]) / 2 - w / 2) / w - b[3] / h, b[0], b[1]))


def near_edge(b: tuple[float, float, float, float], roi: Box, w: int, h: int) -> bool:
    """The person's box within 10% of a crop edge that is not the frame's edge."""
    x0, y0, x1, y1 = roi
    mx, my = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
    return ((b[0] < x0 + mx and x0 > 0) or (b[2] > x1 - mx and x1 < w)
            or (b[1] < y0 + my and y0 > 0) or (b[3] > y1 - my and y1 < h))


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over the smaller box's area (1: one box inside the other)."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(iw * ih / small) if small > 0 else 1.0


def _xy(res: Any) -> NDArray[np.float32] | None:
    if res is None or res.pose_landmarks is None:
        return None
    return np.array([(lm.x, lm.y) for lm in res.pose_landmarks.landmark], dtype=np.float32)


@dataclass
class ZoomResult:
    res: Any
    """The MediaPipe result (``pose_landmarks`` normalised to ``box``), or ``None``."""
    box: Box
    """The image region the result's coordinates are normalised to (the whole frame when not zoomed)."""
    zoomed: bool


class PersonZoom:
    """The ``full`` / ``zoom`` state machine (see the module docstring).

    ``make_video()`` and ``make_static()`` create MediaPipe pose solutions (video and image mode);
    ``run(solution, rgb)`` runs one (the caller sets video-mode timestamps). The whole-frame graph is
    the caller's and is passed to :meth:`process` each time.
    """

    def __init__(self, make_video: Callable[[], Any], make_static: Callable[[], Any], run: RunFn,
                 settings: ZoomSettings | None = None) -> None:
        self.make_video = make_video
        self.make_static = make_static
        self.run = run
        self.s = settings or ZoomSettings()
        self._crop_sol: Any = None
        self._search_sol: Any = None
        self.reset()

    # -- state --------------------------------------------------------------------------------
    def reset(self) -> None:
        self.state: Literal["full", "zoom"] = "full"
        self.roi: Box | None = None
        self._miss = 0
        self._since_check = 0
        self._next_window = 0
        self._person_h = 0.0
        self._heights: deque[float] = deque(maxlen=self.s.hold_frames)
        self._frame = self._last_seen = 0
        self._last_box: tuple[float, float, float, float] | None = None
        if self._crop_sol is not None:
            self._crop_sol.reset()
        self.zoomed_frames = self.search_runs = self.search_hits = 0

    def close(self) -> None:
        for sol in (self._crop_sol, self._search_sol):
            if sol is not None:
                sol.close()
        self._crop_sol = self._search_sol = None

    # -- geometry -----------------------------------------------------------------------------
    def _roi_around(self, box: tuple[float, float, float, float], person_h: float, w: int, h: int) -> Box | None:
        """A square ``pad`` x the person (their tallest recent height or the box's width) around the
        box, cut to the frame's width or height where it is larger (a portrait camera) and shifted (not
        cut) to lie inside the frame; ``None`` when it would be nearly the whole frame."""
        return crop_around(box, self.s.pad * max(person_h, box[2] - box[0], box[3] - box[1], 8.0), w, h, self.s.max_crop)

    def windows(self, w: int, h: int) -> list[Box]:
        """Search windows, centre-bottom first (:func:`search_windows`)."""
        return search_windows(w, h, self.s.window)

    def _enter(self, roi: Box | None, person_h: float) -> bool:
        if roi is None:
            return False
        if self._crop_sol is None:
            self._crop_sol = self.make_video()
        else:
            self._crop_sol.reset()
        self.state, self.roi = "zoom", roi
        self._miss = self._since_check = 0
        self._person_h = person_h
        return True

    def _leave(self, *, forget: bool = False) -> None:
        """Back to the whole frame; ``forget``: the person's heights too (lost, or another person)."""
        self.state, self.roi = "full", None
        self._miss = 0
        if forget:
            self._heights.clear()

    def _tallest(self, height: float) -> float:
        self._heights.append(height)
        return max(self._heights)

    # -- one frame ----------------------------------------------------------------------------
    def process(self, full_sol: Any, rgb: NDArray[np.uint8]) -> ZoomResult:
        h, w = rgb.shape[:2]
        whole: Box = (0, 0, w, h)
        self._frame += 1
        if self.state == "zoom":
            return self._zoomed(full_sol, rgb, w, h)
        res = self.run(full_sol, rgb)
        xy = _xy(res)
        if xy is not None:
            b = landmark_box(xy, (0, 0), (w, h))
            self._tallest(b[3] - b[1])
            self._last_box, self._last_seen = b, self._frame
            return ZoomResult(res, whole, False)
        # the whole frame lost the person: a small person seen moments ago is followed in a crop
        # around where they were (from this frame on); with nobody seen lately, one search window
        if (self._last_box is not None and self._frame - self._last_seen <= self.s.hold_frames
                and len(self._heights) >= self.s.confirm_frames):
            tall = max(self._heights)
            if self.s.min_person * h <= tall < self.s.small * h and self._enter(self._roi_around(self._last_box, tall, w, h), tall):
                self._since_check = 0
                return self._crop_only(rgb, w, h, res)
        found = self._search(rgb, w, h)
        return found if found is not None else ZoomResult(res, whole, False)

    def _zoomed(self, full_sol: Any, rgb: NDArray[np.uint8], w: int, h: int) -> ZoomResult:
        """One frame in ``zoom`` (which it may leave)."""
        assert self.roi is not None
        x0, y0, x1, y1 = self.roi
        self._since_check += 1
        if self._since_check >= self.s.recheck:
            self._since_check = 0
            res_full = self.run(full_sol, rgb)
            big = _xy(res_full)
            if big is not None:
                b = landmark_box(big, (0, 0), (w, h))
                cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
                same = x0 <= cx <= x1 and y0 <= cy <= y1
                if same or b[3] - b[1] > 1.2 * self._person_h:
                    # the whole frame finds the zoomed person again (the crop is no longer needed),
                    # or a larger person elsewhere: follow the whole frame
                    return self._back_to_whole(res_full, b, same, w, h)
        else:
            res_full = None
        res = self.run(self._crop_sol, rgb[y0:y1, x0:x1].copy())
        if _xy(res) is not None:
            return self._found_in_crop(res, w, h)
        # not in the crop: the whole frame may have them (back to it if so; run once per frame)
        if res_full is None:
            res_full = self.run(full_sol, rgb)
        whole_xy = _xy(res_full)
        if whole_xy is not None:
            b = landmark_box(whole_xy, (0, 0), (w, h))
            cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
            return self._back_to_whole(res_full, b, x0 <= cx <= x1 and y0 <= cy <= y1, w, h)
        return self._missed(res_full, w, h)

    def _back_to_whole(self, res_full: Any, b: tuple[float, float, float, float], same: bool, w: int, h: int) -> ZoomResult:
        """The whole frame found someone (box ``b``): follow it; the heights are kept when it is the
        zoomed person (``same``), so a next loss zooms again at once."""
        self._leave(forget=not same)
        self._tallest(b[3] - b[1])
        self._last_box, self._last_seen = b, self._frame
        return ZoomResult(res_full, (0, 0, w, h), False)

    def _crop_only(self, rgb: NDArray[np.uint8], w: int, h: int, res_full: Any) -> ZoomResult:
        """The first zoomed frame: the whole frame has just missed (``res_full``), so only the crop runs."""
        assert self.roi is not None
        x0, y0, x1, y1 = self.roi
        res = self.run(self._crop_sol, rgb[y0:y1, x0:x1].copy())
        if _xy(res) is not None:
            return self._found_in_crop(res, w, h)
        return self._missed(res_full, w, h)

    def _missed(self, res_full: Any, w: int, h: int) -> ZoomResult:
        self._miss += 1
        if self._miss > self.s.max_miss:
            self._leave(forget=True)
            self._last_box = None  # lost here too: search the frame, not this place again
        return ZoomResult(res_full, (0, 0, w, h), False)

    def _found_in_crop(self, res: Any, w: int, h: int) -> ZoomResult:
        assert self.roi is not None
        x0, y0, x1, y1 = self.roi
        xy = _xy(res)
        assert xy is not None
        self._miss = 0
        self.zoomed_frames += 1
        b = landmark_box(xy, (x0, y0), (x1 - x0, y1 - y0))
        bh = b[3] - b[1]
        self._person_h = self._tallest(bh)
        self._last_box, self._last_seen = b, self._frame
        out = ZoomResult(res, self.roi, True)
        if bh > 1.3 * self.s.small * h:
            self._leave()  # the person came close: the whole frame again from the next frame
            return out
        if near_edge(b, self.roi, w, h):
            new = self._roi_around(b, self._person_h, w, h)
            if new is None:
                self._leave()
            elif max(abs(p - q) for p, q in zip(new, self.roi, strict=True)) > 2:
                self._enter(new, self._person_h)  # a crop that does not move keeps its graph
        return out

    def _search(self, rgb: NDArray[np.uint8], w: int, h: int) -> ZoomResult | None:
        """Try the next search window; a person found there is this frame's result and is zoomed on."""
        import cv2

        wins = self.windows(w, h)
        if not wins:
            return None
        if self._search_sol is None:
            self._search_sol = self.make_static()
        x0, y0, x1, y1 = wins[self._next_window % len(wins)]
        self._next_window += 1
        crop = cv2.resize(rgb[y0:y1, x0:x1], (self.s.search_px, self.s.search_px), interpolation=cv2.INTER_CUBIC)
        self.search_runs += 1
        res = self._search_sol.process(crop)
        xy = _xy(res)
        if xy is None:
            return None
        b = landmark_box(xy, (x0, y0), (x1 - x0, y1 - y0))
        if b[3] - b[1] < self.s.min_person * h:
            return None
        self.search_hits += 1
        self._enter(self._roi_around(b, b[3] - b[1], w, h), b[3] - b[1])
        return ZoomResult(res, (x0, y0, x1, y1), True)


class PeopleSearch:
    """People the whole-frame detector misses, for a backend that reports several people (the Tasks
    PoseLandmarker with ``num_poses`` > 1).

    Measured on ``squats_5.mp4`` with a still adult pasted at the left edge (the ``second_person``
    validity variant): the Tasks detector finds only the pasted adult in frames 0-9 (the squatter
    alone: from frame 3), so the first squat, whose descent no frame showed, cannot count (4 of 5).

    During the first ``search_s`` seconds of a stream (the countdown, when the participant is
    chosen) and whenever the whole frame finds nobody, **one** search window per frame (as
    :meth:`PersonZoom.windows`, centre-bottom first) goes to an image-mode landmarker; a person found
    there (at least ``min_person`` of the frame tall, its box at least 80% inside the frame) who is
    none of the people the whole frame found (their boxes overlap by less than 30% of the smaller:
    a partial detection of someone found, such as their legs, is them) is reported as one more
    person and then followed in a crop (``pad`` x their height, each side at most the frame's, its
    own video-mode landmarker) until the whole frame finds them too, or ``max_miss`` frames pass
    without them. At most one such person is followed at a time, and the tracker adds them only
    while the whole frame found fewer than ``num_poses`` people.

    ``make_video()`` / ``make_image()`` create single-person landmarkers; ``run(landmarker, rgb)``
    runs one (with timestamps in video mode); ``xy_of(result)`` gives the first person's normalised
    x, y (33 x 2) or ``None``.
    """

    def __init__(self, make_video: Callable[[], Any], make_image: Callable[[], Any], run: RunFn,
                 xy_of: Callable[[Any], NDArray[np.float32] | None], settings: ZoomSettings | None = None,
                 search_s: float = 3.0) -> None:
        self.make_video, self.make_image, self.run, self.xy_of = make_video, make_image, run, xy_of
        self.s = settings or ZoomSettings()
        self.search_ns = int(search_s * 1e9)
        self._follow_sol: Any = None
        self._search_sol: Any = None
        self.reset()

    def reset(self) -> None:
        self.roi: Box | None = None
        self._first_ns: int | None = None
        self._miss = 0
        self._next_window = 0
        self._height = 0.0
        self.search_runs = self.search_hits = self.followed_frames = 0
        self._drop()

    def close(self) -> None:
        for sol in (self._follow_sol, self._search_sol):
            if sol is not None:
                sol.close()
        self._follow_sol = self._search_sol = None

    @staticmethod
    def _same(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
        """The same person: the boxes overlap by at least 30% of the smaller one (a partial detection
        of someone already found, such as their legs, is them)."""
        return overlap(a, b) >= 0.3

    @staticmethod
    def _inside(b: tuple[float, float, float, float], w: int, h: int) -> bool:
        """At least 80% of the box lies in the frame (the model does place landmarks outside the image
        for a body cut by a window's edge; such a box is no one's whole body)."""
        area = (b[2] - b[0]) * (b[3] - b[1])
        iw = min(b[2], float(w)) - max(b[0], 0.0)
        ih = min(b[3], float(h)) - max(b[1], 0.0)
        return area <= 0 or (iw > 0 and ih > 0 and iw * ih >= 0.8 * area)

    def _drop(self) -> None:
        if self._follow_sol is not None:
            self._follow_sol.close()
        self._follow_sol, self.roi = None, None

    def _follow(self, b: tuple[float, float, float, float], height: float, w: int, h: int) -> None:
        """Follow the person in box ``b`` in a square crop ``pad`` x their height (each side at most
        the frame's), shifted to lie inside the frame: the crop leaves out whoever stands beside them."""
        roi = crop_around(b, self.s.pad * max(height, b[2] - b[0], 8.0), w, h)
        assert roi is not None
        if self.roi is not None and self._follow_sol is not None and max(abs(p - q) for p, q in zip(roi, self.roi, strict=True)) <= 2:
            return  # the crop would not move: keep its landmarker (and what it tracks)
        self._drop()  # a video-mode landmarker cannot be moved: a new one for the new crop
        self.roi = roi
        self._miss = 0
        self._height = height
        self._follow_sol = self.make_video()

    def process(self, rgb: NDArray[np.uint8], t_ns: int,
                found: list[tuple[float, float, float, float]]) -> tuple[Any, Box] | None:
        """One more person in this frame (the landmarker's result, normalised to the returned box),
        or ``None``. ``found``: the boxes (pixels) of the people the whole frame found."""
        h, w = rgb.shape[:2]
        if self._first_ns is None:
            self._first_ns = t_ns
        if self.roi is not None:
            x0, y0, x1, y1 = self.roi
            res = self.run(self._follow_sol, rgb[y0:y1, x0:x1].copy())
            xy = self.xy_of(res)
            if xy is None:
                self._miss += 1
                if self._miss > self.s.max_miss:
                    self._drop()
                return None
            b = landmark_box(xy, (x0, y0), (x1 - x0, y1 - y0))
            if any(self._same(b, f) for f in found):
                self._drop()  # the whole frame has them now
                return None
            self._miss = 0
            self.followed_frames += 1
            self._height = max(b[3] - b[1], 0.98 * self._height)
            box = self.roi
            if near_edge(b, self.roi, w, h):
                self._follow(b, self._height, w, h)
            return res, box
        if found and t_ns - self._first_ns >= self.search_ns:
            return None
        import cv2

        wins = search_windows(w, h, self.s.window)
        x0, y0, x1, y1 = wins[self._next_window % len(wins)]
        self._next_window += 1
        if self._search_sol is None:
            self._search_sol = self.make_image()
        self.search_runs += 1
        crop = cast("NDArray[np.uint8]", cv2.resize(rgb[y0:y1, x0:x1], (self.s.search_px, self.s.search_px),
                                                    interpolation=cv2.INTER_CUBIC))
        res = self.run(self._search_sol, crop)
        xy = self.xy_of(res)
        if xy is None:
            return None
        b = landmark_box(xy, (x0, y0), (x1 - x0, y1 - y0))
        if b[3] - b[1] < self.s.min_person * h or not self._inside(b, w, h) or any(self._same(b, f) for f in found):
            return None
        self.search_hits += 1
        self._follow(b, b[3] - b[1], w, h)
        return res, (x0, y0, x1, y1)
