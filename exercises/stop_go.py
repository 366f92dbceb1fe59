"""Stop and go, and opposites: inhibition (go/no-go with a jump) and rule switching (HTKS-style).

Blocks run in the order of ``blocks``: ``gonogo`` (a picture cues "jump" = go, or shows the sleeping
animal = no-go) and ``htks1``..``htks3`` (a picture shows a body part; the child touches the opposite
part). Each block starts with a rule picture shown ``intro_s``; the therapist's repeat key shows it again.
Definitions: ``exercises/DEFINITIONS.md`` (Stop and go), version 1.

Cue onset
    The session-clock time the child screen painted the cue (:mod:`exercises.cues`); the scheduled time
    (the frame that put the cue up) when no screen reported it. Both, the sound onset when one was
    reported, and their difference (the software path latency) are stored in each ``cue`` event.
Body position and scale
    Body centre = mean of both shoulders and both hips; body size = torso length (mid-shoulder to
    mid-hip), its median over the 2 s before the cue. Baseline = the median body centre and ankle heights
    over the 0.5 s before the cue onset.
Go/no-go
    A jump = both ankles above their baseline by more than ``jump_rise`` torso lengths, with its movement
    onset inside the response window (cue onset .. cue onset + ``cue_s``). Movement onset = the first frame
    after the cue onset, and at most 1 s before the jump was seen, whose body centre is more than
    ``onset_move`` torso lengths from its baseline. Go + jump = hit (reaction time = onset - cue onset; below 0.1 s flagged
    ``anticipation``); go without = omission; no-go + jump = commission error; no-go without = correct
    rejection (a movement without a jump on a no-go cue is counted in ``nogo_movements``).
    d' = z(H) - z(F) with the log-linear correction H = (hits + 0.5)/(go + 1), F = (commissions + 0.5)/
    (no-go + 1) (Hautus 1995), z the standard normal quantile.
HTKS-style opposites (after Ponitz et al. 2008)
    Rules: htks1 head<->toes; htks2 adds knees<->shoulders; htks3 switches: head<->knees, shoulders<->toes.
    A part is touched when both hands (mean of wrist, index and pinky landmarks) are within
    ``touch_dist`` torso lengths of it (head: the nose and ears' centre; shoulders, knees, toes: the nearer
    of the left/right landmark) for ``touch_hold_s``. Per item, in its window (``item_s`` from the cue
    onset): 2 = the opposite part touched first; 1 = another part touched first, then the opposite
    (self-corrected); 0 = the opposite part not touched. A movement toward the wrong part that stops before
    touching it is scored 2 here (Ponitz et al. scored it 1: the camera cannot see an intention).
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field, field_validator

from exercises.base import Settings
from exercises.body import BodyExercise, BodySettings
from exercises.contract import Contract, Knob, Metric, Presets, QualityCountStars, Sound, SoundCue
from exercises.cues import BOARD, CueBoard, CueTrack, cue_events
from exercises.registry import register
from station.core import ScoreEvent, StepInput

PARTS: tuple[str, ...] = ("head", "shoulders", "knees", "toes")
RULES: dict[str, dict[str, str]] = {
    "htks1": {"head": "toes", "toes": "head"},
    "htks2": {"head": "toes", "toes": "head", "knees": "shoulders", "shoulders": "knees"},
    "htks3": {"head": "knees", "knees": "head", "shoulders": "toes", "toes": "shoulders"},
}
BLOCKS = ("gonogo", *RULES)
INTRO, CUE, GAP, DONE = 0, 1, 2, 3
PART_IDX = {"head": (0, 7, 8), "shoulders": (11, 12), "knees": (25, 26), "toes": (31, 32)}
HANDS = ((15, 17, 19), (16, 18, 20))
CENTRE = (11, 12, 23, 24)
ANTICIPATION_S = 0.1


def d_prime(hits: int, go: int, commissions: int, nogo: int) -> float | None:
    """d' with the log-linear correction (Hautus 1995); ``None`` without go or no-go trials."""
    from scipy.stats import norm

    if go == 0 or nogo == 0:
        return None
    h = (hits + 0.5) / (go + 1)
    f = (commissions + 0.5) / (nogo + 1)
    return float(norm.ppf(h) - norm.ppf(f))


@dataclass(frozen=True, slots=True)
class Item:
    block: str
    cue: str
    """``go``/``nogo`` or the body part shown."""
    answer: str
    """``jump``/``still`` or the part to touch."""


def block_items(s: StopGoSettings, block: str) -> list[Item]:
    """The items of one block (seeded by ``seed`` and the block's name)."""
    rng = random.Random(f"{s.seed}:{block}")
    if block == "gonogo":
        n_nogo = max(1, round(s.gonogo_trials * s.nogo_share))
        kinds = ["nogo"] * n_nogo + ["go"] * (s.gonogo_trials - n_nogo)
        rng.shuffle(kinds)
        if kinds[0] == "nogo":  # start with a go: the child first learns what to do
            k = kinds.index("go")
            kinds[0], kinds[k] = kinds[k], kinds[0]
        return [Item(block, k, "jump" if k == "go" else "still") for k in kinds]
    rule = RULES[block]
    parts = list(rule)
    out: list[Item] = []
    for _ in range(s.htks_items):
        choices = [p for p in parts if len(out) < 2 or not (out[-1].cue == out[-2].cue == p)]
        c = rng.choice(choices)
        out.append(Item(block, c, rule[c]))
    return out


class StopGoSettings(BodySettings):
    cue_s: Annotated[float, Knob("Time to jump", "s", step=0.1, harder=-1,
                                 help="how long a go/no-go picture stays up (the response window)")] = Field(1.2, ge=0.4, le=5.0)
    item_s: Annotated[float, Knob("Time to touch", "s", step=0.25, harder=-1,
                                  help="response window of an opposites item")] = Field(3.0, ge=1.0, le=10.0)
    touch_dist: Annotated[float, Knob("Touch distance", "torso lengths", step=0.05, harder=-1,
                                      help="how near the hands must come to a body part to touch it")] = Field(0.35, ge=0.1, le=1.0)
    gonogo_trials: int = Field(10, ge=2, le=100, description="cues in the go/no-go block")
    nogo_share: float = Field(0.3, gt=0.0, lt=1.0, description="share of no-go cues")
    htks_items: int = Field(4, ge=1, le=40, description="items per opposites block")
    gap_s: float = Field(0.8, ge=0.2, le=10.0, description="mean blank between two cues, s (+-25 % seeded jitter)")
    intro_s: float = Field(1.5, ge=0.0, le=20.0, description="rule picture at the start of each block, s")
    blocks: str = Field(",".join(BLOCKS), description="comma-separated blocks in order: gonogo, htks1, htks2, htks3")
    jump_rise: float = Field(0.12, gt=0.0, le=2.0, description="ankle rise above baseline that is a jump, torso lengths")
    onset_move: float = Field(0.02, gt=0.0, le=1.0, description="body-centre movement that starts a response, torso lengths")
    touch_hold_s: float = Field(0.25, ge=0.0, le=3.0, description="how long a touch must last, s")
    seed: int = Field(1, ge=0, le=1_000_000, description="seed of the cue order and timing")

    @field_validator("blocks")
    @classmethod
    def _check_blocks(cls, v: str) -> str:
        names = [b.strip() for b in v.split(",") if b.strip()]
        bad = [b for b in names if b not in BLOCKS]
        if bad or not names:
            raise ValueError(f"blocks must be some of {', '.join(BLOCKS)} (got {v!r})")
        return ",".join(names)


@dataclass
class ItemRecord:
    item: Item
    number: int
    onset_ns: int = 0
    move_ns: int | None = None
    jumped: bool = False
    touches: list[str] = field(default_factory=list)
    outcome: str = ""
    score: int = 0


class StopGoChild:
    """Simulated child: watches the screen (a shadow of the exercise on its own frames) and answers, with
    planned mistakes: go cues jump 0.4/0.5/0.6 s after the cue except the 3rd (an omission); the 2nd
    no-go cue gets a jump (a commission); opposites items score 2, except every 5th item from the 4th
    (touches the cued part first, then the opposite: 1) and every 7th from the 6th (touches the cued part
    only: 0)."""

    description = "jumps on go, stays still on no-go (one omission, one commission), touches opposites (one self-correction, one error)"
    device = None
    profile = ""

    def __init__(self, paint_delay_ns: int | None = None) -> None:
        self.paint_delay_ns = paint_delay_ns
        """When set, the child's view of the screen paints every cue this long after the frame that put it
        up (tests of the painted-onset path: the child and the exercise then see the same screen)."""

    @staticmethod
    def plan(rec_cue: str, go_n: int, nogo_n: int, htks_n: int) -> tuple[str, float]:
        """``(action, delay s)`` for the next cue: ``jump``, ``still``, ``touch:<part>[,<part>]``."""
        if rec_cue == "go":
            return ("still", 0.0) if go_n == 2 else ("jump", 0.40 + 0.1 * (go_n % 3))
        if rec_cue == "nogo":
            return ("jump", 0.5) if nogo_n == 1 else ("still", 0.0)
        return ("", 0.0)

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        return self._run(settings, t0_ns, duration_s, seed, image_size)

    def _run(self, settings: BaseModel, t0_ns: int, duration_s: float, seed: int, image_size: tuple[int, int]) -> Iterator[StepInput]:
        from vision.poses import animal_pose
        from vision.synth_games import frame_of, touching

        shadow = StopGo(settings, board=CueBoard())  # type: ignore[arg-type]
        rng = np.random.default_rng(seed)
        fps = 30.0
        counts = {"go": 0, "nogo": 0, "htks": 0}
        action: tuple[str, float, float] | None = None  # (what, start s, ...)
        seen = -1
        neutral = animal_pose("neutral")
        self.truth: list[tuple[str, float | None]] = []
        for i in range(int(duration_s * fps)):
            t = i / fps
            cur = shadow.current
            if shadow.phase == CUE and cur is not None and cur.number != seen and shadow.cues.current is not None:
                seen = cur.number
                c = cur.item.cue
                t_cue = (shadow.cues.current.scheduled_ns - t0_ns) / 1e9  # the child reacts to the cue as the screen put it up
                if c in ("go", "nogo"):
                    what, delay = self.plan(c, counts["go"], counts["nogo"], 0)
                    counts[c] += 1
                    action = (what, t_cue + delay, 0.0)
                    self.truth.append((what, delay if what == "jump" else None))
                else:
                    k = counts["htks"]
                    counts["htks"] += 1
                    wrong = c if c != cur.item.answer else next(p for p in PARTS if p != c)
                    if k % 5 == 3:
                        what = f"touch:{wrong},{cur.item.answer}"
                    elif k % 7 == 5:
                        what = f"touch:{wrong}"
                    else:
                        what = f"touch:{cur.item.answer}"
                    action = (what, t_cue + 0.3, 0.0)
                    self.truth.append((what, 0.3))
            pts = neutral
            if action is not None:
                what, start, _ = action
                u = t - start
                if what == "jump" and u >= 0:
                    pts = _jump_pose(u)
                elif what.startswith("touch:") and u >= 0:
                    parts = what[6:].split(",")
                    pts = _touch_pose(u, parts, touching)
            inp = StepInput.from_tracked(frame_of(i, t0_ns + round(t * 1e9), pts, image_size, rng))
            shadow.step(inp)
            if self.paint_delay_ns is not None and shadow.cues.current is not None:
                shadow.board.painted(shadow.cues.current.key, inp.t_ns + self.paint_delay_ns)
            yield inp


def _jump_pose(u: float) -> NDArray[np.float64]:
    """A jump starting at ``u`` = 0 s: 0.15 s crouch (hips down 0.04), 0.35 s flight (0.08 high), 0.25 s recovery."""
    from vision.poses import animal_pose

    p = animal_pose("neutral")
    if u < 0.15:
        p[0:25, 1] += 0.04 * u / 0.15
    elif u < 0.5:
        w = (u - 0.15) / 0.35
        p[0:25, 1] += 0.04 * max(0.0, 1.0 - w / 0.2)  # the legs straighten during the take-off
        p[:, 1] -= 4 * 0.08 * w * (1 - w)
    elif u < 0.75:
        p[0:25, 1] += 0.04 * (1 - (u - 0.5) / 0.25)
    return p


def _touch_pose(u: float, parts: list[str], touching: object) -> NDArray[np.float64]:
    """Touch each of ``parts`` in turn: 0.4 s reach, 0.7 s hold (0.45 s for a first wrong one), 0.35 s back."""
    from vision.poses import animal_pose

    tf = touching  # type: ignore[assignment]
    t = 0.0
    prev: NDArray[np.float64] = animal_pose("neutral")
    for k, part in enumerate(parts):
        hold = 0.45 if k < len(parts) - 1 else 0.7
        target = tf(part)  # type: ignore[operator]
        if u < t + 0.4:
            w = (u - t) / 0.4
            return prev * (1 - w) + target * w
        if u < t + 0.4 + hold:
            return target
        t += 0.4 + hold
        prev = target
    if u < t + 0.35:
        w = (u - t) / 0.35
        return prev * (1 - w) + animal_pose("neutral") * w
    return animal_pose("neutral")


@register
class StopGo(BodyExercise):
    """Stop and go (go/no-go with a jump) and opposites (HTKS-style)."""

    name = "stop_go"
    title = "Stop and go"
    definitions_version = "1"
    Settings: ClassVar[type[Settings]] = StopGoSettings
    contract = Contract(
        headline=(Metric("d_prime", "d' (go/no-go)", "z", True),
                  Metric("hits", "Hits", "count", True),
                  Metric("commission_errors", "Commission errors", "count", False),
                  Metric("mean_rt_s", "Reaction time", "s", False),
                  Metric("htks_total", "Opposites score", "points", True)),
        history="d_prime",
        events=("cue", "block", "item", "repeat", "paused", "resumed"),
        quality_events=("item",),
        game="stopgo", pictogram="stopgo", chart="events", stars=QualityCountStars(), sim=StopGoChild(),
        sounds=(  # the cue chime sounds when the cue goes up (live cue_key, station/audio), not when it is scored
            SoundCue(Sound.GOOD, "item", min_quality=1.0), SoundCue(Sound.TRY_AGAIN, "item")),
        presets=Presets(easier={"cue_s": 2.0, "item_s": 5.0, "touch_dist": 0.5}, harder={"cue_s": 0.8, "item_s": 2.0, "touch_dist": 0.25}),
    )

    def __init__(self, settings: Settings | None = None, *, trial: int = 0, board: CueBoard | None = None) -> None:
        super().__init__(settings, trial=trial)
        self.s: StopGoSettings = self.settings  # type: ignore[assignment]
        self.board = board if board is not None else BOARD
        self.cues = CueTrack(self.board)
        self._repeats_seen = self.board.repeats
        self.repeats = 0
        self.blocks = [b.strip() for b in self.s.blocks.split(",") if b.strip()]
        self._block_i = -1
        self._items: list[Item] = []
        self._item_i = 0
        self.records: list[ItemRecord] = []
        self.current: ItemRecord | None = None
        self.phase = INTRO
        self._phase_t: int | None = None
        self._gap_s = 0.0
        self._hist: deque[tuple[int, float, float, float, float, float]] = deque()  # t, cx, cy, lank, rank, torso
        self._touch: tuple[str, int] | None = None  # part being touched, since
        self._rng = random.Random(f"{self.s.seed}:gaps")
        self.feedback = 0.0
        self._feedback_t = 0
        self.nogo_movements = 0
        self._moved = False

    # -- cues ------------------------------------------------------------------------------------
    def _put_cue(self, t_ns: int, what: str) -> list[ScoreEvent]:
        return cue_events(self, self.cues.put(t_ns, what), len(self.records) + (self.phase == CUE))

    def _close_cue(self) -> list[ScoreEvent]:
        return cue_events(self, self.cues.close(), len(self.records) + (self.phase == CUE))

    def _onset(self) -> int:
        t = self.cues.onset_ns()
        assert self.current is not None and t is not None
        return t

    # -- per frame ----------------------------------------------------------------------------------
    def _frame(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> list[ScoreEvent] | None:
        need = (*CENTRE, 27, 28, 15, 16)
        if vis is not None and min(float(vis[i]) for i in need) < self._min_vis:
            return None
        sh, hip = 0.5 * (pts[11] + pts[12]), 0.5 * (pts[23] + pts[24])
        torso = float(np.hypot(*(sh - hip)))
        if torso <= 1e-6:
            return None
        c = pts[list(CENTRE)].mean(axis=0)
        self._hist.append((t_ns, float(c[0]), float(c[1]), float(pts[27, 1]), float(pts[28, 1]), torso))
        while self._hist and self._hist[0][0] < t_ns - 3_000_000_000:
            self._hist.popleft()
        out: list[ScoreEvent] = []
        if self._phase_t is None:
            self._phase_t = t_ns
            out.extend(self._next_block(t_ns))
        if self.board.repeats != self._repeats_seen:
            self._repeats_seen = self.board.repeats
            if self.phase != DONE and self._block_i < len(self.blocks):
                self.repeats += 1
                out.append(self.event(t_ns, "repeat", rep=len(self.records), block=self.blocks[self._block_i]))
                if self.phase != CUE:  # between items: show the rule picture again (a cue on screen stays)
                    self.phase, self._phase_t = INTRO, t_ns
                    out.extend(self._put_cue(t_ns, f"rule:{self.blocks[self._block_i]}"))
        el = (t_ns - self._phase_t) / 1e9
        if self.phase == INTRO and el >= self.s.intro_s:
            out.extend(self._start_item(t_ns))
        elif self.phase == CUE:
            out.extend(self._during_cue(t_ns, pts, torso))
        elif self.phase == GAP and el >= self._gap_s:
            out.extend(self._start_item(t_ns))
        if self.feedback and t_ns - self._feedback_t > 800_000_000:
            self.feedback = 0.0
        return out

    def _next_block(self, t_ns: int) -> list[ScoreEvent]:
        out = self._close_cue()
        self._block_i += 1
        if self._block_i >= len(self.blocks):
            self.phase = DONE
            return out
        b = self.blocks[self._block_i]
        self._items, self._item_i = block_items(self.s, b), 0
        self.phase, self._phase_t = INTRO, t_ns
        out.append(self.event(t_ns, "block", rep=len(self.records), block=b, items=len(self._items)))
        out.extend(self._put_cue(t_ns, f"rule:{b}"))
        return out

    def _start_item(self, t_ns: int) -> list[ScoreEvent]:
        if self._item_i >= len(self._items):
            return self._next_block(t_ns)
        item = self._items[self._item_i]
        self._item_i += 1
        self.current = ItemRecord(item, len(self.records) + 1)
        self.phase, self._phase_t = CUE, t_ns
        self._touch = None
        self._moved = False
        self._base = self._baseline(t_ns)
        return self._put_cue(t_ns, item.cue)

    def _baseline(self, t_ns: int) -> tuple[float, float, float, float, float]:
        recent = [h for h in self._hist if h[0] >= t_ns - 500_000_000] or list(self._hist)
        a = np.array([h[1:] for h in recent])
        torsos = np.array([h[5] for h in self._hist if h[0] >= t_ns - 2_000_000_000] or [a[-1, 4]])
        med = np.median(a, axis=0)
        return float(med[0]), float(med[1]), float(med[2]), float(med[3]), float(np.median(torsos))

    def _during_cue(self, t_ns: int, pts: NDArray[np.float64], torso_now: float) -> list[ScoreEvent]:
        cur = self.current
        assert cur is not None
        cx, cy, lb, rb, torso = self._base
        onset = self._onset()
        window = self.s.cue_s if cur.item.block == "gonogo" else self.s.item_s
        sched = self.cues.current.scheduled_ns if self.cues.current is not None else onset
        if cur.item.block == "gonogo":
            if not cur.jumped:
                rise = min(lb - pts[27, 1], rb - pts[28, 1]) / torso
                moves = [(h[0], math.hypot(h[1] - cx, h[2] - cy) / torso) for h in self._hist if h[0] >= sched]
                if moves and moves[-1][1] > self.s.onset_move:
                    self._moved = True
                if rise > self.s.jump_rise:
                    # movement onset: the first frame after the cue onset, at most 1 s before the jump was
                    # seen, whose body centre was more than onset_move from its baseline
                    move_ns = next((t_h for t_h, d in moves if d > self.s.onset_move and t_ns - t_h <= 1_000_000_000), t_ns)
                    if move_ns - onset <= window * 1e9:
                        cur.jumped, cur.move_ns = True, move_ns
                        return self._score_gonogo(t_ns)
            if t_ns - onset >= window * 1e9:
                return self._score_gonogo(t_ns)
            return []
        # opposites: touches held touch_hold_s
        part = self._touched(pts, torso)
        if part is None:
            self._touch = None
        elif self._touch is None or self._touch[0] != part:
            self._touch = (part, t_ns)
        if self._touch is not None and t_ns - self._touch[1] >= self.s.touch_hold_s * 1e9:
            if not cur.touches or cur.touches[-1] != part:
                cur.touches.append(self._touch[0])
                if cur.move_ns is None:
                    cur.move_ns = self._touch[1]
                if self._touch[0] == cur.item.answer:
                    return self._score_htks(t_ns)
        if t_ns - onset >= window * 1e9:
            return self._score_htks(t_ns)
        return []

    def _touched(self, pts: NDArray[np.float64], torso: float) -> str | None:
        hands = [pts[list(h)].mean(axis=0) for h in HANDS]
        best, best_d = None, math.inf
        for part, idx in PART_IDX.items():
            if part == "head":
                refs = [pts[list(idx)].mean(axis=0)]
                lim = self.s.touch_dist * 1.3  # the hands rest on the head's sides, beyond the nose and ears
            else:
                refs = [pts[i] for i in idx]
                lim = self.s.touch_dist
            d = max(min(float(np.hypot(*(h - r))) for r in refs) for h in hands) / torso
            if d < lim and d / lim < best_d:
                best, best_d = part, d / lim
        return best

    def _score_gonogo(self, t_ns: int) -> list[ScoreEvent]:
        cur = self.current
        assert cur is not None
        onset = self._onset()
        out = self._close_cue()
        cur.onset_ns = onset
        go = cur.item.cue == "go"
        if go:
            cur.outcome = "hit" if cur.jumped else "omission"
        else:
            cur.outcome = "commission" if cur.jumped else "correct_rejection"
            if not cur.jumped and self._moved:
                self.nogo_movements += 1
        ok = cur.outcome in ("hit", "correct_rejection")
        cur.score = int(ok)
        rt = (cur.move_ns - onset) / 1e9 if cur.move_ns is not None else None
        flags = "anticipation" if rt is not None and rt < ANTICIPATION_S else ""
        self.records.append(cur)
        out.append(self.event(t_ns, "item", rep=cur.number, value=float(ok), unit="quality", block="gonogo", cue=cur.item.cue,
                              outcome=cur.outcome, rt_s=None if rt is None else round(rt, 4), move_ns=cur.move_ns, onset_ns=onset,
                              flags=flags))
        self._end_item(t_ns, ok)
        return out

    def _score_htks(self, t_ns: int) -> list[ScoreEvent]:
        cur = self.current
        assert cur is not None
        onset = self._onset()
        out = self._close_cue()
        cur.onset_ns = onset
        ans = cur.item.answer
        if cur.touches and cur.touches[0] == ans:
            cur.score = 2
        elif ans in cur.touches:
            cur.score = 1
        else:
            cur.score = 0
        cur.outcome = {2: "correct", 1: "self_corrected", 0: "wrong"}[cur.score]
        rt = (cur.move_ns - onset) / 1e9 if cur.move_ns is not None else None
        self.records.append(cur)
        out.append(self.event(t_ns, "item", rep=cur.number, value=cur.score / 2.0, unit="quality", block=cur.item.block,
                              cue=cur.item.cue, answer=ans, touches=",".join(cur.touches), score=cur.score, outcome=cur.outcome,
                              rt_s=None if rt is None else round(rt, 4), onset_ns=onset))
        self._end_item(t_ns, cur.score == 2)
        return out

    def _end_item(self, t_ns: int, ok: bool) -> None:
        self.feedback, self._feedback_t = (1.0 if ok else -1.0), t_ns
        self.phase, self._phase_t = GAP, t_ns
        self._gap_s = self.s.gap_s * self._rng.uniform(0.75, 1.25)
        self._touch = None

    def _finish(self) -> list[ScoreEvent]:
        return self._close_cue()

    # -- results -----------------------------------------------------------------------------------
    def _gonogo(self) -> list[ItemRecord]:
        return [r for r in self.records if r.item.block == "gonogo"]

    def _htks(self) -> list[ItemRecord]:
        return [r for r in self.records if r.item.block != "gonogo"]

    def live(self) -> dict[str, float]:
        g = self._gonogo()
        cue = -1.0
        if self.phase == CUE and self.current is not None:
            c = self.current.item.cue
            cue = 0.0 if c == "nogo" else 1.0 if c == "go" else 2.0 + PARTS.index(c)
        block = self.blocks[self._block_i] if 0 <= self._block_i < len(self.blocks) else ""
        return {
            "reps": float(len(self.records)), "phase": float(self.phase), "cue": cue,
            "block": float(BLOCKS.index(block)) if block else -1.0,
            "cue_key": self.cues.live_key,
            "feedback": self.feedback,
            "hits": float(sum(r.outcome == "hit" for r in g)),
            "omissions": float(sum(r.outcome == "omission" for r in g)),
            "commissions": float(sum(r.outcome == "commission" for r in g)),
            "htks_total": float(sum(r.score for r in self._htks())),
            "touch": float(PARTS.index(self._touch[0])) if self._touch is not None else -1.0,
            "paused": float(self.paused),
        }

    def reps(self) -> int:
        return len(self.records)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        g = self._gonogo()
        go = [r for r in g if r.item.cue == "go"]
        nogo = [r for r in g if r.item.cue == "nogo"]
        hits = [r for r in go if r.outcome == "hit"]
        comm = [r for r in nogo if r.outcome == "commission"]
        rts = [(r.move_ns - r.onset_ns) / 1e9 for r in hits if r.move_ns is not None]
        h = self._htks()
        blocks_h = [b for b in self.blocks if b != "gonogo"]
        m: dict[str, float | int | str | None] = {
            "go_trials": len(go), "nogo_trials": len(nogo),
            "hits": len(hits), "omission_errors": len(go) - len(hits),
            "commission_errors": len(comm), "correct_rejections": len(nogo) - len(comm),
            "hit_rate": len(hits) / len(go) if go else None,
            "false_alarm_rate": len(comm) / len(nogo) if nogo else None,
            "d_prime": d_prime(len(hits), len(go), len(comm), len(nogo)),
            "mean_rt_s": float(np.mean(rts)) if rts else None,
            "sd_rt_s": float(np.std(rts, ddof=1)) if len(rts) > 1 else None,
            "anticipations": sum(1 for x in rts if x < ANTICIPATION_S),
            "nogo_movements": self.nogo_movements,
            "htks_items": len(h),
            "htks_total": sum(r.score for r in h) if h else None,
            "htks_max": 2 * len(h),
            "htks_by_block": ",".join(f"{b}:{sum(r.score for r in h if r.item.block == b)}/{2 * sum(1 for r in h if r.item.block == b)}"
                                      for b in blocks_h if any(r.item.block == b for r in h)),
            "htks_scores": ",".join(str(r.score) for r in h),
            "htks_self_corrected": sum(1 for r in h if r.score == 1),
            "repeats": self.repeats,
            "cues_painted": self.cues.summary()[0],
            "cue_paint_latency_ms": self.cues.summary()[1],
        }
        u = {"go_trials": "count", "nogo_trials": "count", "hits": "count", "omission_errors": "count", "commission_errors": "count",
             "correct_rejections": "count", "hit_rate": "fraction", "false_alarm_rate": "fraction", "d_prime": "z", "mean_rt_s": "s",
             "sd_rt_s": "s", "anticipations": "count", "nogo_movements": "count", "htks_items": "count", "htks_total": "points",
             "htks_max": "points", "htks_by_block": "block:points/max", "htks_scores": "0/1/2", "htks_self_corrected": "count",
             "repeats": "count", "cues_painted": "count", "cue_paint_latency_ms": "ms"}
        d = {
            "go_trials": "go cues (jump picture) scored", "nogo_trials": "no-go cues (sleeping animal) scored",
            "hits": "go cues answered by a jump whose movement onset was in the response window",
            "omission_errors": "go cues without a jump in the window",
            "commission_errors": "no-go cues answered by a jump",
            "correct_rejections": "no-go cues without a jump",
            "hit_rate": "hits / go cues", "false_alarm_rate": "commission errors / no-go cues",
            "d_prime": "z(H) - z(F), log-linear correction H=(hits+0.5)/(go+1), F=(commissions+0.5)/(nogo+1) (Hautus 1995)",
            "mean_rt_s": "mean time from the cue onset (painted) to the movement onset of hits",
            "sd_rt_s": "standard deviation of the hits' reaction times",
            "anticipations": "hits with a reaction time below 0.1 s (moving before the cue could be seen)",
            "nogo_movements": "no-go cues with a body movement above onset_move but no jump",
            "htks_items": "opposites items scored",
            "htks_total": "sum of the item scores (2 correct, 1 self-corrected, 0 wrong; Ponitz et al. 2008)",
            "htks_max": "2 x items", "htks_by_block": "points per opposites block",
            "htks_scores": "every item's score in order", "htks_self_corrected": "items scored 1",
            "repeats": "times the therapist repeated an instruction",
            "cues_painted": "cues whose paint time the child screen reported",
            "cue_paint_latency_ms": "median time from the frame that put a cue up to the child screen painting it (software path)",
        }
        tm, tu, td = self._tracking_metrics()
        m.update(tm)
        u.update(tu)
        d.update(td)
        return m, u, d

