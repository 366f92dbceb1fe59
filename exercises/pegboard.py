"""Pegboard: pick pegs from a dish and put them in holes (Nine-Hole Peg Test, Purdue-style trials).

Board and coordinates
---------------------
A board is a grid of holes (``rows`` x ``cols``, centre ``center``, pitch ``spacing``; presets
``board=nine_hole`` = 3 x 3 and ``board=grid``) plus a peg **dish** at ``dish``. Positions live in a
*board plane*:

``mode=virtual`` (pegs on screen)
    the plane is the normalised image in isotropic **frame heights** (x times width/height);
    ``center`` and ``dish`` are normalised image coordinates, ``spacing``/``capture`` frame heights.
``mode=physical``
    the plane is the board in **millimetres**: the observation's ``workspace`` landmarks (a marker
    workspace calibration, see :mod:`calibration.workspace`) or, failing that, four clicked board
    corners (``corners`` = 8 normalised image numbers TL, TR, BR, BL of a ``board_size`` mm
    rectangle). ``center``, ``dish``, ``spacing``, ``capture`` are in mm.

The peg is at the **grip point**, midway between thumb tip and index tip.

Grasp detection (per hand)
--------------------------
``aperture`` (thumb-index distance / hand size) and ``curl`` (fingertips to palm / hand size), see
:mod:`exercises.hand_geometry` (3-D world landmarks when the tracker gives them). A **palmar** grasp
is on while ``curl < palmar_on`` (off above ``palmar_off``); a **pinch** while ``aperture <
pinch_on`` (off above ``pinch_off``). The hand holds while either is on; the grasp type is palmar
when the fingers are curled, else pinch. A grasp starts only at the dish or at an occupied hole
unless ``grasp_anywhere``; other closures are counted as ``closures_elsewhere``. Thresholds were
checked on real MediaPipe landmarks of an open hand (curl about 1.0), a relaxed hanging hand (curl
0.65-0.73, aperture 0.23-0.4) and a fist/thumbs-up (curl 0.2-0.45, one frame of the transition
0.63) from ``media/hand``; no real footage of a pinch on a peg was available, so ``pinch_on`` (thumb
and index tips touching: about 0.1-0.2 hand sizes on the simulated hand) is adjustable per child.

Events
------
``grasp`` (value = grasp type code 1 pinch / 2 palmar; payload ``at`` = ``dish``/``hole``/``table``),
``transport`` (the held peg left its pick-up place by more than ``capture``), and on release
``peg_placed`` (into the nearest free hole within ``capture``; value = placement error, distance
from the release point to the hole centre), ``peg_removed`` (a peg taken from a hole, released in
the dish), ``peg_dropped`` (released anywhere else), ``peg_returned`` (a peg taken from the dish
put back there, no count), ``time_up`` (Purdue-style limit) and ``test_done`` (Nine-Hole Peg Test:
all placed, then all removed).

Protocols
---------
``nhpt``: place every peg, then remove every peg; total time from the first grasp (first touch) to
the last peg out (Mathiowetz et al. 1985 procedure). ``purdue``: pegs placed within ``duration_s``
from the start of the trial (30 s in the Purdue Pegboard), per hand or with ``hand=both``.
``free``: count placements without an end.

No normative values: there are no published pediatric norms for this camera-scored board in the
project, so reports show the child's own history (earlier sessions) instead of a norm.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, field_validator, model_validator

from calibration.workspace import apply_homography, homography_dlt
from exercises import hand_geometry as hg
from exercises.base import Exercise, Settings, StepInput
from exercises.contract import Contract, CountStars, Metric, Sound, SoundCue
from exercises.registry import register
from exercises.simulated import PlacePegs
from station.core import HandObservation, ScoreEvent

log = logging.getLogger(__name__)

GRASP_CODE = {"pinch": 1, "palmar": 2}


def _floats(v: object, n: int, what: str) -> object:
    if isinstance(v, str):
        parts = [p for p in v.split(",") if p.strip()]
        if len(parts) != n:
            raise ValueError(f"{what} needs {n} comma-separated numbers")
        return tuple(float(p) for p in parts)
    return v


class PegboardSettings(Settings):
    board: Literal["nine_hole", "grid"] = "nine_hole"
    rows: int = 3
    cols: int = 3
    mode: Literal["virtual", "physical"] = "virtual"
    center: tuple[float, float] = (0.6, 0.5)
    spacing: float = 0.1
    """Hole pitch: frame heights (virtual) or mm (physical; 32 mm on a Nine-Hole Peg Test board)."""
    capture: float | None = None
    """Release distance from a hole centre that still counts as placed; default half the spacing."""
    dish: tuple[float, float] = (0.25, 0.5)
    dish_radius: float | None = None
    """Distance from the dish centre that counts as "in the dish"; default the spacing."""
    corners: tuple[float, ...] | None = None
    """Physical mode without workspace landmarks: TL, TR, BR, BL board corners, normalised image x,y."""
    board_size: tuple[float, float] = (200.0, 150.0)
    """Width, height (mm) of the rectangle whose ``corners`` are given."""
    protocol: Literal["nhpt", "purdue", "free"] = "nhpt"
    duration_s: float = 30.0
    hand: Literal["any", "left", "right", "both"] = "any"
    pinch_on: float = 0.2
    pinch_off: float = 0.35
    palmar_on: float = 0.45
    palmar_off: float = 0.7
    grasp_anywhere: bool = False
    """Count closures anywhere as grasps (e.g. re-grasping a dropped peg on the table). By default a
    grasp starts only at the dish or at an occupied hole: a relaxed hand passing by, whose thumb
    rests near the index (aperture 0.23-0.4 measured on ``media/hand/open_palm.mp4``), is no grasp."""

    @field_validator("center", "dish", "board_size", mode="before")
    @classmethod
    def _pair(cls, v: object) -> object:
        return _floats(v, 2, "this setting (x,y)")

    @field_validator("corners", mode="before")
    @classmethod
    def _corners(cls, v: object) -> object:
        return None if v in (None, "") else _floats(v, 8, "corners (x1,y1,...,x4,y4)")

    @field_validator("hand", mode="before")
    @classmethod
    def _hand(cls, v: object) -> object:
        return v.lower() if isinstance(v, str) else v

    @field_validator("rows", "cols")
    @classmethod
    def _grid(cls, v: int) -> int:
        if not 1 <= v <= 20:
            raise ValueError("must be 1..20")
        return v

    @field_validator("spacing", "capture", "dish_radius", "duration_s")
    @classmethod
    def _positive(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 10_000:
            raise ValueError("must be positive and at most 10000")
        return v

    @field_validator("center", "dish", "board_size", "corners")
    @classmethod
    def _bounded(cls, v: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if v is not None and not all(abs(x) <= 100_000 for x in v):
            raise ValueError("coordinates must be within +-100000")
        return v

    @field_validator("pinch_on", "pinch_off", "palmar_on", "palmar_off")
    @classmethod
    def _ratio(cls, v: float) -> float:
        if not 0 < v < 5:
            raise ValueError("must be between 0 and 5 hand sizes")
        return v

    @model_validator(mode="after")
    def _check(self) -> PegboardSettings:
        if not (self.pinch_on < self.pinch_off and self.palmar_on < self.palmar_off):
            raise ValueError("each *_on threshold must be smaller than its *_off threshold")
        if min(self.board_size) <= 0:
            raise ValueError("board_size must be positive")
        return self


@dataclass
class _HandState:
    """Grasp state machine of one hand."""

    pinch: hg.Hysteresis
    palmar: hg.Hysteresis
    holding: bool = False
    grasp_type: str = ""
    t_grasp: int = 0
    source: str = ""  # "dish", "hole", "table"
    source_hole: int | None = None
    source_pos: NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))
    transported: bool = False
    closed_elsewhere: bool = False
    last_pos: NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))


@dataclass
class _Placement:
    t_ns: int
    hole: int
    error: float
    time_s: float
    hand: str
    grasp: str


def _sim_layout(settings: BaseModel, image_size: tuple[int, int]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Holes and dish in the image for the simulated child; a physical board not mapped to the image
    is played on the virtual layout of the same board."""
    board = PegboardSettings.model_validate(settings.model_dump())
    layout = Pegboard(board).board_image(image_size)
    if layout is None:
        layout = Pegboard(board.model_copy(update={"mode": "virtual", "corners": None})).board_image(image_size)
    assert layout is not None
    return layout


@register
class Pegboard(Exercise):
    name = "pegboard"
    title = "Pegboard"
    contract = Contract(
        headline=(Metric("pegs_placed", "Pegs placed", "count", True), Metric("time_per_peg_s", "Time per peg", "s", False),
                  Metric("drops", "Drops", "count", False)),
        history="pegs_placed",
        events=("grasp", "transport", "peg_placed", "peg_removed", "peg_returned", "peg_dropped", "test_done", "time_up"),
        quality_events=("peg_placed",),
        game="pegs", pictogram="pegs", chart="reps", stars=CountStars(), sim=PlacePegs(_sim_layout),
        sounds=(SoundCue(Sound.DONE, "peg_placed"), SoundCue(Sound.TRY_AGAIN, "peg_dropped"), SoundCue(Sound.TRIAL_DONE, "test_done")),
    )
    inputs = ("hand",)
    Settings = PegboardSettings
    settings: PegboardSettings

    def __init__(self, settings: PegboardSettings | None = None, *, trial: int = 0) -> None:
        super().__init__(settings, trial=trial)
        self.s: PegboardSettings = self.settings
        rows, cols = (3, 3) if self.s.board == "nine_hole" else (self.s.rows, self.s.cols)
        gx = (np.arange(cols) - (cols - 1) / 2) * self.s.spacing
        gy = (np.arange(rows) - (rows - 1) / 2) * self.s.spacing
        self._offsets = np.array([(x, y) for y in gy for x in gx], dtype=np.float64)
        self._capture = self.s.capture if self.s.capture is not None else self.s.spacing / 2
        self._dish_r = self.s.dish_radius if self.s.dish_radius is not None else self.s.spacing
        self._holes: NDArray[np.float64] | None = None  # board plane, built when the frame size is known
        self._dish: NDArray[np.float64] | None = None
        self._aspect = 1.0
        self._occupied = np.zeros(len(self._offsets), dtype=bool)
        self._ever_full = False
        self._hands: dict[str, _HandState] = {}
        self._placed: list[_Placement] = []
        self._removed: list[int] = []
        self._drops = 0
        self._grasps = {"pinch": 0, "palmar": 0}
        self._hand_events: dict[str, int] = {}
        self._t_first_grasp: int | None = None
        self._t_done: int | None = None
        self._time_up = False
        self._unmapped = 0
        self._closures_elsewhere = 0
        self._H: NDArray[np.float64] | None = None
        if self.s.mode == "physical" and self.s.corners is not None:
            w, h = self.s.board_size
            c = np.asarray(self.s.corners, dtype=np.float64).reshape(4, 2)
            try:
                self._H = homography_dlt(c, np.array([(0, 0), (w, 0), (w, h), (0, h)], dtype=np.float64))
            except Exception:  # degenerate corners: frames are counted as unmapped
                log.warning("pegboard corners are degenerate; physical positions unavailable")
                self._H = None

    # -- geometry -------------------------------------------------------------------------------
    @property
    def unit(self) -> str:
        return "mm" if self.s.mode == "physical" else "frame_height"

    def _layout(self, image_size: tuple[int, int]) -> None:
        if self._holes is None:
            w, h = image_size
            self._aspect = w / h if self.s.mode == "virtual" else 1.0
            scale = np.array([self._aspect, 1.0])
            self._holes = np.asarray(self.s.center, dtype=np.float64) * scale + self._offsets
            self._dish = np.asarray(self.s.dish, dtype=np.float64) * scale

    @property
    def holes(self) -> NDArray[np.float64] | None:
        """Hole centres in the board plane (K x 2), once known."""
        return self._holes

    def holes_normalised(self, image_size: tuple[int, int]) -> NDArray[np.float64]:
        """Virtual mode: hole centres in normalised image coordinates, for drawing the board."""
        self._layout(image_size)
        assert self._holes is not None
        return self._holes / np.array([self._aspect, 1.0])

    def board_image(self, image_size: tuple[int, int], plane_to_image: NDArray[np.float64] | None = None
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """Hole centres (K x 2) and the dish centre in normalised image coordinates, for drawing the
        board over the camera view; ``None`` when the plane cannot be mapped to the image.

        Virtual boards are in the image already. A physical board (mm) is mapped by ``plane_to_image``
        (3 x 3, board mm -> normalised image: the inverse of the camera's workspace calibration), else
        by the inverse of the clicked ``corners`` mapping.
        """
        self._layout(image_size)
        assert self._holes is not None and self._dish is not None
        if self.s.mode == "virtual":
            scale = np.array([self._aspect, 1.0])
            return self._holes / scale, self._dish / scale
        inv: NDArray[np.floating[Any]]
        if plane_to_image is not None:
            inv = np.asarray(plane_to_image, dtype=np.float64).reshape(3, 3)
        elif self._H is not None:
            inv = np.linalg.inv(self._H)
        else:
            return None
        pts = apply_homography(inv, np.vstack((self._holes, self._dish[None, :])))
        if not np.all(np.isfinite(pts)):
            return None
        return pts[:-1], pts[-1]

    def overlay_paths(self, image_size: tuple[int, int]) -> list[NDArray[np.float64]]:
        """Outlines (normalised image coordinates) of every hole's capture circle and of the dish, for
        drawing over the camera view. Physical boards need the clicked ``corners`` to be drawn (a
        marker workspace lives in the pipeline, not here); otherwise nothing is returned."""
        self._layout(image_size)
        assert self._holes is not None and self._dish is not None
        th = np.linspace(0, 2 * np.pi, 25)
        ring = np.stack((np.cos(th), np.sin(th)), axis=1)
        shapes = [h + self._capture * ring for h in self._holes] + [self._dish + self._dish_r * ring]
        if self.s.mode == "virtual":
            return [sh / np.array([self._aspect, 1.0]) for sh in shapes]
        if self._H is None:
            return []
        inv = np.linalg.inv(self._H)
        return [apply_homography(inv, sh) for sh in shapes]

    def scene(self) -> dict[str, object]:
        """What a board view draws now: hole centres (board plane), which are occupied, the dish, and
        per hand whether it holds a peg and where (board plane units, see the module docstring)."""
        return {
            "unit": self.unit,
            "holes": None if self._holes is None else self._holes.tolist(),
            "occupied": self._occupied.tolist(),
            "dish": None if self._dish is None else self._dish.tolist(),
            "capture": self._capture,
            "hands": {h: {"holding": st.holding, "grasp": st.grasp_type, "at": st.last_pos.tolist()} for h, st in self._hands.items()},
        }

    def _position(self, hand: HandObservation, grip: tuple[float, float]) -> NDArray[np.float64] | None:
        if self.s.mode == "virtual":
            return np.array((grip[0] * self._aspect, grip[1]))
        if hand.workspace is not None:
            ws = np.asarray(hand.workspace, dtype=np.float64)
            return (ws[4, :2] + ws[8, :2]) / 2
        if self._H is not None:
            p = apply_homography(self._H, np.array([grip]))[0]
            return p if np.all(np.isfinite(p)) else None
        return None

    # -- scoring --------------------------------------------------------------------------------
    def _selected(self, inp: StepInput) -> list[HandObservation]:
        if self.s.hand in ("any",):
            return [max(inp.hands, key=lambda h: h.score)] if inp.hands else []
        if self.s.hand == "both":
            best: dict[str, HandObservation] = {}
            for h in inp.hands:
                if h.handedness not in best or h.score > best[h.handedness].score:
                    best[h.handedness] = h
            return list(best.values())
        return [h for h in inp.hands if h.handedness.lower() == self.s.hand][:1]

    def _step(self, inp: StepInput) -> list[ScoreEvent]:
        events: list[ScoreEvent] = []
        if self.s.protocol == "purdue" and not self._time_up and self.t_first_ns is not None \
                and inp.t_ns - self.t_first_ns > self.s.duration_s * 1e9:
            self._time_up = True
            events.append(self.event(inp.t_ns, "time_up", value=float(len(self._placed)), unit="pegs"))
        if self._time_up or self._t_done is not None:
            return events
        for hand in self._selected(inp):
            self._layout(hand.image_size)
            ap, cu, gx, gy = hg.measures(hand)
            pos = self._position(hand, (gx, gy))
            if pos is None:
                self._unmapped += 1
                continue
            st = self._hands.get(hand.handedness)
            if st is None:
                st = _HandState(hg.Hysteresis(self.s.pinch_on, self.s.pinch_off), hg.Hysteresis(self.s.palmar_on, self.s.palmar_off))
                self._hands[hand.handedness] = st
            st.pinch.update(ap)
            st.palmar.update(cu)
            closed = st.pinch.on or st.palmar.on
            if not closed:
                st.closed_elsewhere = False
            if closed and not st.holding and not st.closed_elsewhere:
                where, hole, _ = self._where(pos)
                if self.s.grasp_anywhere or where == "dish" or (where == "hole" and hole is not None and self._occupied[hole]):
                    events += self._grasp(inp.t_ns, st, pos, "palmar" if st.palmar.on else "pinch", hand.handedness)
                else:
                    st.closed_elsewhere = True
                    self._closures_elsewhere += 1
            elif st.holding and not closed:
                events += self._release(inp.t_ns, st, st.last_pos, hand.handedness)
            elif st.holding and not st.transported and math.hypot(pos[0] - st.source_pos[0], pos[1] - st.source_pos[1]) > self._capture:
                st.transported = True
                events.append(self.event(inp.t_ns, "transport", rep=len(self._placed), value=(inp.t_ns - st.t_grasp) / 1e9,
                                         unit="s", hand=hand.handedness, source=st.source))
            st.last_pos = pos
        return events

    def _where(self, pos: NDArray[np.float64]) -> tuple[str, int | None, float]:
        """What is at ``pos``: ("dish", None, d), ("hole", index, d) for the nearest hole within capture, or ("table", None, d)."""
        assert self._holes is not None and self._dish is not None
        d_dish = float(np.hypot(*(pos - self._dish)))
        d = np.hypot(*(self._holes - pos).T)
        j = int(np.argmin(d))
        if d[j] <= self._capture and d[j] < d_dish:
            return "hole", j, float(d[j])
        if d_dish <= self._dish_r:
            return "dish", None, d_dish
        return "table", None, float(d[j])

    def _grasp(self, t_ns: int, st: _HandState, pos: NDArray[np.float64], kind: str, hand: str) -> list[ScoreEvent]:
        where, hole, _ = self._where(pos)
        if where == "hole" and not (hole is not None and self._occupied[hole]):
            where = "table"  # grasping at an empty hole: nothing to take out
        st.holding, st.grasp_type, st.t_grasp, st.transported = True, kind, t_ns, False
        st.source, st.source_hole, st.source_pos = where, hole if where == "hole" else None, pos.copy()
        if where == "hole" and hole is not None:
            self._occupied[hole] = False
        self._grasps[kind] += 1
        self._hand_events[hand] = self._hand_events.get(hand, 0) + 1
        if self._t_first_grasp is None:
            self._t_first_grasp = t_ns
        return [self.event(t_ns, "grasp", rep=len(self._placed), value=float(GRASP_CODE[kind]), unit="code",
                           grasp=kind, hand=hand, at=where, hole=st.source_hole)]

    def _release(self, t_ns: int, st: _HandState, pos: NDArray[np.float64], hand: str) -> list[ScoreEvent]:
        assert self._holes is not None
        st.holding = False
        where, hole, dist = self._where(pos)
        base: dict[str, Any] = {"hand": hand, "grasp": st.grasp_type, "from": st.source, "x": float(pos[0]), "y": float(pos[1])}
        held_s = (t_ns - st.t_grasp) / 1e9
        if where == "hole" and hole is not None and not self._occupied[hole]:
            self._occupied[hole] = True
            self._placed.append(_Placement(t_ns, hole, dist, held_s, hand, st.grasp_type))
            out = [self.event(t_ns, "peg_placed", rep=len(self._placed), value=dist, unit=self.unit, hole=hole, time_s=held_s, **base)]
            if self._occupied.all():
                self._ever_full = True
            return out
        if where == "dish":
            if st.source == "hole":
                self._removed.append(st.source_hole if st.source_hole is not None else -1)
                out = [self.event(t_ns, "peg_removed", rep=len(self._removed), value=held_s, unit="s", hole=st.source_hole, **base)]
                if self.s.protocol == "nhpt" and self._ever_full and not self._occupied.any():
                    self._t_done = t_ns
                    t0 = self._t_first_grasp if self._t_first_grasp is not None else t_ns
                    out.append(self.event(t_ns, "test_done", value=(t_ns - t0) / 1e9, unit="s"))
                return out
            return [self.event(t_ns, "peg_returned", value=held_s, unit="s", **base)]
        self._drops += 1
        return [self.event(t_ns, "peg_dropped", rep=self._drops, value=dist, unit=self.unit, **base)]

    # -- results --------------------------------------------------------------------------------
    def live(self) -> dict[str, float]:
        return {
            "pegs_placed": float(len(self._placed)),
            "pegs_in_board": float(self._occupied.sum()),
            "pegs_removed": float(len(self._removed)),
            "drops": float(self._drops),
            "holding": float(any(h.holding for h in self._hands.values())),
            # which holes hold a peg (bit k = hole k), for the child view; keys with "_" are not shown to the therapist
            "_occupied_mask": float(sum(1 << k for k in np.flatnonzero(self._occupied[:52]))),
        }

    def reps(self) -> int:
        return len(self._placed)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        n = len(self._placed)
        err = np.array([p.error for p in self._placed])
        per = np.array([p.time_s for p in self._placed])
        t0 = self._t_first_grasp
        if self.s.protocol == "nhpt":
            total = (self._t_done - t0) / 1e9 if (self._t_done is not None and t0 is not None) else None
        elif self.s.protocol == "purdue":
            total = self.s.duration_s
        else:
            total = (self._placed[-1].t_ns - t0) / 1e9 if (n and t0 is not None) else None
        placed_times = np.array([p.t_ns for p in self._placed], dtype=np.int64)
        by_hand = {h: sum(1 for p in self._placed if p.hand == h) for h in ("Left", "Right")}
        grasps = self._grasps["pinch"] + self._grasps["palmar"]
        u = self.unit
        m: dict[str, float | int | str | None] = {
            "pegs_placed": n,
            "pegs_removed": len(self._removed),
            "drops": self._drops,
            "completed": int(self._t_done is not None) if self.s.protocol == "nhpt" else None,
            "total_time_s": total,
            "time_per_peg_s": float(np.diff(np.r_[t0, placed_times]).mean() / 1e9) if (n and t0 is not None) else None,
            "grasp_to_place_s": float(per.mean()) if n else None,
            "placement_error": float(err.mean()) if n else None,
            "placement_error_max": float(err.max()) if n else None,
            "placed_left": by_hand["Left"],
            "placed_right": by_hand["Right"],
            "pairs_placed": min(by_hand["Left"], by_hand["Right"]) if self.s.hand == "both" else None,
            "pinch_grasps": self._grasps["pinch"],
            "palmar_grasps": self._grasps["palmar"],
            "pinch_pct": 100.0 * self._grasps["pinch"] / grasps if grasps else None,
            "grasp_type": (max(self._grasps, key=self._grasps.__getitem__) if grasps else None),
            "hand_used": ("both" if len(self._hand_events) > 1 else next(iter(self._hand_events), None)),
            "unmapped_frames": self._unmapped,
            "closures_elsewhere": self._closures_elsewhere,
        }
        units = {"pegs_placed": "count", "pegs_removed": "count", "drops": "count", "completed": "bool", "total_time_s": "s",
                 "time_per_peg_s": "s", "grasp_to_place_s": "s", "placement_error": u, "placement_error_max": u,
                 "placed_left": "count", "placed_right": "count", "pairs_placed": "count", "pinch_grasps": "count", "palmar_grasps": "count",
                 "pinch_pct": "%", "grasp_type": "", "hand_used": "", "unmapped_frames": "count",
                 "closures_elsewhere": "count"}
        defs = {
            "pegs_placed": "releases within the capture radius of a free hole",
            "pegs_removed": "pegs taken out of a hole and released in the dish",
            "drops": "releases of a held peg away from any free hole and the dish",
            "completed": "Nine-Hole Peg Test: every hole filled, then every peg removed",
            "total_time_s": {"nhpt": "first grasp (first touch) to the last peg released in the dish",
                             "purdue": "the timed trial length (pegs placed within it are counted)",
                             "free": "first grasp to the last placement"}[self.s.protocol],
            "time_per_peg_s": "mean interval between successive placements (the first from the first grasp)",
            "grasp_to_place_s": "mean time from grasp to release of the placed pegs",
            "placement_error": "mean distance from the release point (grip point) to the hole centre",
            "placement_error_max": "largest placement error",
            "placed_left": "pegs placed with the left hand",
            "placed_right": "pegs placed with the right hand",
            "pairs_placed": "hand=both (Purdue 'both hands' style): pegs placed by both hands, counted in pairs (min of left and right)",
            "pinch_grasps": "grasps with thumb and index tips together (aperture hysteresis)",
            "palmar_grasps": "grasps with the fingers curled into the palm",
            "pinch_pct": "percent of grasps that were pinches",
            "grasp_type": "the more frequent grasp type",
            "hand_used": "hand of the grasps (anatomical; 'both' when both hands grasped)",
            "unmapped_frames": "hand frames that could not be mapped to the board (physical mode without calibration)",
            "closures_elsewhere": "hand closures away from the dish and occupied holes (not grasps unless grasp_anywhere)",
        }
        return m, units, defs
