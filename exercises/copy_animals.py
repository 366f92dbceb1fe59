"""Copy the animals: a movement span task (sequence memory with the body).

The child screen shows a sequence of animal pictures one at a time (``show_s`` each), then a "your
turn" picture; the child makes the animals' poses in the same order (:mod:`vision.poses`: bird, frog,
flamingo, giraffe, star, with a neutral stance between poses). The sequence length adapts like a span
task. Definitions: ``exercises/DEFINITIONS.md`` (Copy the animals), version 1.

Sequence
    ``span`` animals drawn from ``animals`` (seeded by ``seed`` and the sequence number; never the same
    animal twice in a row). The first sequence has ``start_span`` animals.
Response
    Poses accepted by :class:`vision.poses.PoseTracker` (held ``hold_s``) after the "your turn" cue
    onset, in order. The response ends when no pose was accepted for ``idle_s`` seconds (after the cue
    or the last pose), when ``span + 2`` poses were made, or at ``span x response_s`` seconds.
Scoring a sequence (optimal string alignment of the response to the target: match, substitution,
insertion, deletion, adjacent transposition, each costing 1)
    correct: the response equals the sequence. Per target position: correct when aligned as a match.
    Errors, per item: ``order`` (a transposed pair, or a substitution by an animal that is elsewhere in
    the sequence), ``omission`` (a target animal not made), ``intrusion`` (an extra pose inserted),
    ``wrong_pose`` (a substitution by an animal not in the sequence).
Span rule
    Two correct sequences in a row at the current span: +1 (at most ``max_span``); two failed in a row:
    -1 (at least 1).
Response times
    first: from the "your turn" cue onset (painted time, :mod:`exercises.cues`) to the start of the hold
    of the first pose; between: from one accepted pose to the start of the hold of the next.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field, field_validator

from exercises.base import Settings
from exercises.body import BodyExercise, BodySettings
from exercises.contract import Contract, Knob, Metric, Presets, QualityCountStars, Sound, SoundCue
from exercises.cues import BOARD, CueBoard, CueTrack, cue_events, resolve
from exercises.registry import register
from station.core import ScoreEvent, StepInput
from vision.poses import ANIMALS, LABELS, NEUTRAL, PoseTracker, classify

SHOW, YOUR_TURN, GOOD, RETRY, WAIT = 0, 1, 2, 3, -1
FEEDBACK_S = 1.2
GAP_S = 0.25
"""Blank between two shown animals (part of ``show_s``), so two pictures never merge."""


def align(target: Sequence[str], response: Sequence[str]) -> list[tuple[str, int | None, int | None]]:
    """Optimal string alignment of ``response`` to ``target``: ``(op, target index, response index)`` with
    op in match, order, wrong_pose, omission, intrusion (see the module docstring)."""
    n, m = len(target), len(response)
    d = np.zeros((n + 1, m + 1), dtype=np.int64)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            c = 0 if target[i - 1] == response[j - 1] else 1
            v = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + c)
            if i > 1 and j > 1 and target[i - 1] == response[j - 2] and target[i - 2] == response[j - 1] and c:
                v = min(v, d[i - 2, j - 2] + 1)
            d[i, j] = v
    ops: list[tuple[str, int | None, int | None]] = []
    i, j = n, m
    tset = set(target)
    while i > 0 or j > 0:
        if i > 0 and j > 0 and target[i - 1] == response[j - 1] and d[i, j] == d[i - 1, j - 1]:
            ops.append(("match", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif (i > 1 and j > 1 and target[i - 1] == response[j - 2] and target[i - 2] == response[j - 1]
              and target[i - 1] != response[j - 1] and d[i, j] == d[i - 2, j - 2] + 1):
            ops.append(("order", i - 1, j - 1))
            ops.append(("order", i - 2, j - 2))
            i, j = i - 2, j - 2
        elif i > 0 and j > 0 and d[i, j] == d[i - 1, j - 1] + 1:
            ops.append(("order" if response[j - 1] in tset else "wrong_pose", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i > 0 and d[i, j] == d[i - 1, j] + 1:
            ops.append(("omission", i - 1, None))
            i -= 1
        else:
            ops.append(("intrusion", None, j - 1))
            j -= 1
    ops.reverse()
    return ops


ERROR_KINDS = ("order", "omission", "intrusion", "wrong_pose")


def sequence_of(seed: int, number: int, span: int, animals: Sequence[str]) -> list[str]:
    """The animals of sequence ``number`` (0-based) at ``span``: seeded, never one animal twice in a row."""
    rng = random.Random(seed * 100_003 + number)
    out: list[str] = []
    for _ in range(span):
        choices = [a for a in animals if not out or a != out[-1]] or list(animals)
        out.append(rng.choice(choices))
    return out


class CopySettings(BodySettings):
    start_span: Annotated[int, Knob("Starting length", "animals", step=1, harder=1,
                                    help="how many animals the first sequence has")] = Field(2, ge=1, le=7)
    show_s: Annotated[float, Knob("Picture time", "s", step=0.25, harder=-1,
                                  help="how long each animal picture is shown")] = Field(1.5, ge=0.5, le=5.0)
    hold_s: Annotated[float, Knob("Hold to count", "s", step=0.1, harder=1,
                                  help="how long a pose must be held before it counts")] = Field(0.5, ge=0.2, le=3.0)
    max_span: int = Field(7, ge=1, le=9, description="longest sequence")
    idle_s: float = Field(2.5, ge=0.5, le=20.0, description="the response ends after this long without a new pose, s")
    response_s: float = Field(5.0, ge=1.0, le=30.0, description="longest response time per animal of the sequence, s")
    animals: str = Field(",".join(ANIMALS), description="comma-separated animals the sequences use")
    seed: int = Field(1, ge=0, le=1_000_000, description="seed of the sequences (the same seed shows the same sequences)")

    @field_validator("animals")
    @classmethod
    def _check_animals(cls, v: str) -> str:
        names = [a.strip() for a in v.split(",") if a.strip()]
        bad = [a for a in names if a not in ANIMALS]
        if bad or len(names) < 2:
            raise ValueError(f"animals must be at least two of {', '.join(ANIMALS)} (got {v!r})")
        return ",".join(names)

    def animal_list(self) -> list[str]:
        return [a.strip() for a in self.animals.split(",") if a.strip()]


@dataclass
class SequenceRecord:
    number: int
    target: list[str]
    response: list[str] = field(default_factory=list)
    hold_starts: list[int] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    turn_onset_ns: int = 0
    ops: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    repeated: int = 0

    @property
    def correct(self) -> bool:
        return self.response == self.target

    def errors(self) -> dict[str, int]:
        return {k: sum(1 for op in self.ops if op[0] == k) for k in ERROR_KINDS}


class CopyAnimalsChild:
    """Simulated child: watches the screen (a shadow of the exercise run on the frames it makes) and
    copies each sequence, with planned mistakes: sequences 1, 2, 3... follow ``plan`` (correct, order,
    omission, intrusion, wrong_pose), cycling. Poses: 0.35 s blend in, 0.9 s hold, 0.35 s blend out,
    0.4 s neutral."""

    description = "copies the animal sequences, with an order error, an omission, an intrusion and a wrong pose"
    device = None
    profile = ""
    plan: tuple[str, ...] = ("correct", "correct", "order", "correct", "omission", "correct", "intrusion", "wrong_pose",
                             "correct", "correct")

    def response_for(self, behaviour: str, target: list[str], animals: Sequence[str], rng: random.Random) -> list[str]:
        r = list(target)
        others = [a for a in animals if a not in target] or [a for a in ANIMALS if a not in target]
        if behaviour == "order" and len(r) >= 2:
            k = next((i for i in range(len(r) - 1) if r[i] != r[i + 1]), 0)
            r[k], r[k + 1] = r[k + 1], r[k]
        elif behaviour == "omission":
            r = r[:-1]
        elif behaviour == "intrusion":
            r = [*r, rng.choice(others)]
        elif behaviour == "wrong_pose":
            r[len(r) // 2] = rng.choice(others)
        return r

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]:
        return self._run(settings, t0_ns, duration_s, seed, image_size, None)

    def _run(self, settings: BaseModel, t0_ns: int, duration_s: float, seed: int, image_size: tuple[int, int],
             plan: Sequence[str] | None) -> Iterator[StepInput]:
        from vision.poses import animal_pose
        from vision.synth_games import frame_of

        shadow = CopyAnimals(settings, board=CueBoard())  # type: ignore[arg-type]
        s: CopySettings = shadow.s
        rng = np.random.default_rng(seed)
        prng = random.Random(seed)
        plan = tuple(plan or self.plan)
        fps = 30.0
        seg: list[tuple[float, str, float]] = []  # (start s, label, amount ramp) script of the current response
        started_for = -1
        neutral = animal_pose(NEUTRAL)
        for i in range(int(duration_s * fps)):
            t = i / fps
            pts = neutral
            if shadow.phase == YOUR_TURN and shadow.current is not None:
                if started_for != shadow.current.number:
                    started_for = shadow.current.number
                    behaviour = plan[started_for % len(plan)]
                    resp = self.response_for(behaviour, shadow.current.target, s.animal_list(), prng)
                    seg, at = [], t + 0.5
                    for k, a in enumerate(resp):
                        seg.append((at, a, k % 2))
                        at += 0.35 + max(0.9, s.hold_s + 0.4) + 0.35 + 0.4
                pts = self._pose_at(t, seg, s.hold_s)
            shadow_in = frame_of(i, t0_ns + round(t * 1e9), pts, image_size, rng)
            inp = StepInput.from_tracked(shadow_in)
            shadow.step(inp)
            yield inp

    @staticmethod
    def _pose_at(t: float, seg: list[tuple[float, str, float]], hold_s: float) -> NDArray[np.float64]:
        from vision.poses import animal_pose

        hold = max(0.9, hold_s + 0.4)
        for start, label, side in seg:
            u = t - start
            if 0 <= u < 0.35:
                return animal_pose(label, amount=u / 0.35, lifted="left" if side == 0 else "right")
            if 0.35 <= u < 0.35 + hold:
                return animal_pose(label, lifted="left" if side == 0 else "right")
            if 0.35 + hold <= u < 0.7 + hold:
                return animal_pose(label, amount=1 - (u - 0.35 - hold) / 0.35, lifted="left" if side == 0 else "right")
        return animal_pose(NEUTRAL)


@register
class CopyAnimals(BodyExercise):
    """Copy the animals: a movement span task."""

    name = "copy_animals"
    title = "Copy the animals"
    definitions_version = "1"
    Settings: ClassVar[type[Settings]] = CopySettings
    contract = Contract(
        headline=(Metric("longest_span", "Longest correct sequence", "animals", True),
                  Metric("accuracy_pct", "Animals in the right place", "%", True),
                  Metric("errors", "Errors", "count", False),
                  Metric("mean_first_response_s", "Time to first pose", "s", False)),
        history="longest_span",
        events=("cue", "pose", "sequence", "span_change", "repeat", "paused", "resumed"),
        quality_events=("sequence",),
        game="memory", pictogram="animals", chart="events", stars=QualityCountStars(), sim=CopyAnimalsChild(),
        sounds=(  # the cue chime sounds when the cue goes up (live cue_key, station/audio), not when it is scored
            SoundCue(Sound.DONE, "pose"), SoundCue(Sound.GOOD, "sequence", min_quality=1.0),
                SoundCue(Sound.TRY_AGAIN, "sequence")),
        presets=Presets(easier={"start_span": 1, "show_s": 2.5, "hold_s": 0.4}, harder={"start_span": 3, "show_s": 1.0, "hold_s": 0.8}),
    )

    def __init__(self, settings: Settings | None = None, *, trial: int = 0, board: CueBoard | None = None) -> None:
        super().__init__(settings, trial=trial)
        self.s: CopySettings = self.settings  # type: ignore[assignment]
        self.board = board if board is not None else BOARD
        self.cues = CueTrack(self.board)
        self._repeats_seen = self.board.repeats
        self.tracker = PoseTracker(self.s.hold_s)
        self.span = self.s.start_span
        self.records: list[SequenceRecord] = []
        self.current: SequenceRecord | None = None
        self.phase = WAIT
        self._phase_t = 0
        self._cue_events: list[ScoreEvent] = []
        self._streak = 0  # +n correct in a row, -n failed in a row
        self.repeats = 0
        self._last_label = NEUTRAL

    # -- cues ------------------------------------------------------------------------------------
    def _put_cue(self, t_ns: int, what: str) -> list[ScoreEvent]:
        return cue_events(self, self.cues.put(t_ns, what), self._seq_rep())

    def _close_cue(self) -> list[ScoreEvent]:
        return cue_events(self, self.cues.close(), self._seq_rep())

    def _seq_rep(self) -> int:
        return self.current.number + 1 if self.current is not None else 0

    def _turn_onset(self) -> int:
        assert self.current is not None
        c = self.cues.current
        if c is not None and c.what == "your_turn":
            return resolve(self.board, c.key, c.scheduled_ns).t_ns
        return self.current.turn_onset_ns

    # -- the state machine ---------------------------------------------------------------------------
    def _new_sequence(self, t_ns: int) -> list[ScoreEvent]:
        self.current = SequenceRecord(len(self.records), sequence_of(self.s.seed, len(self.records), self.span, self.s.animal_list()))
        self.phase, self._phase_t = SHOW, t_ns
        self._shown = -1
        return []

    def _frame(self, t_ns: int, pts: NDArray[np.float64], vis: NDArray[np.float64] | None) -> list[ScoreEvent] | None:
        label = classify(pts, vis, self._min_vis)
        self._last_label = label
        out: list[ScoreEvent] = []
        if self.board.repeats != self._repeats_seen:  # the therapist repeats the instruction: show the sequence again
            self._repeats_seen = self.board.repeats
            if self.current is not None and self.phase in (SHOW, YOUR_TURN):
                self.repeats += 1
                self.current.repeated += 1
                self.current.response.clear()
                self.current.hold_starts.clear()
                self.current.accepted.clear()
                self.phase, self._phase_t, self._shown = SHOW, t_ns, -1
                out.append(self.event(t_ns, "repeat", rep=self.current.number + 1))
        if self.phase == WAIT:
            self._new_sequence(t_ns)
        cur = self.current
        assert cur is not None
        el = (t_ns - self._phase_t) / 1e9
        if self.phase == SHOW:
            k = int(el // self.s.show_s)
            if k >= len(cur.target):
                self.phase, self._phase_t = YOUR_TURN, t_ns
                cur.turn_onset_ns = t_ns
                self.tracker.reset()
                out.extend(self._put_cue(t_ns, "your_turn"))
                self._last_pose_ns = t_ns
            elif k != self._shown and el - k * self.s.show_s < self.s.show_s - GAP_S:
                self._shown = k
                out.extend(self._put_cue(t_ns, cur.target[k]))
            elif el - k * self.s.show_s >= self.s.show_s - GAP_S and self.cues.current is not None:
                out.extend(self._close_cue())
            return out
        if self.phase == YOUR_TURN:
            acc = self.tracker.push(t_ns, label)
            if acc is not None and acc.label != NEUTRAL:
                cur.response.append(acc.label)
                cur.hold_starts.append(acc.start_ns)
                cur.accepted.append(acc.t_ns)
                prev = cur.accepted[-2] if len(cur.accepted) > 1 else self._turn_onset()
                out.append(self.event(acc.t_ns, "pose", rep=cur.number + 1, value=round((acc.start_ns - prev) / 1e9, 4), unit="s",
                                      animal=acc.label, position=len(cur.response), hold_start_ns=acc.start_ns))
                self._last_pose_ns = acc.t_ns
            n = len(cur.target)
            idle = (t_ns - self._last_pose_ns) / 1e9 >= self.s.idle_s and self.tracker.current in (NEUTRAL, "unknown") \
                and self.tracker.holding < 0.5
            if len(cur.response) >= n + 2 or el >= n * self.s.response_s or (idle and (cur.response or el >= self.s.idle_s * 2)):
                out.extend(self._score(t_ns))
            return out
        if el >= FEEDBACK_S:  # feedback shown: the next sequence
            self.phase = WAIT
            self._new_sequence(t_ns)
        return out

    def _score(self, t_ns: int) -> list[ScoreEvent]:
        cur = self.current
        assert cur is not None
        out = self._close_cue()
        for e in out:
            if e.payload.get("cue") == "your_turn":
                cur.turn_onset_ns = int(e.t_ns)
        cur.ops = align(cur.target, cur.response)
        self.records.append(cur)
        n = len(cur.target)
        right = sum(1 for op in cur.ops if op[0] == "match")
        errs = cur.errors()
        out.append(self.event(t_ns, "sequence", rep=len(self.records), value=round(right / n, 4), unit="quality",
                              span=n, correct=cur.correct, target=",".join(cur.target), response=",".join(cur.response),
                              **{f"errors_{k}": v for k, v in errs.items()}, repeated=cur.repeated,
                              first_response_s=round((cur.hold_starts[0] - cur.turn_onset_ns) / 1e9, 4) if cur.hold_starts else None))
        old = self.span
        if cur.correct:
            self._streak = self._streak + 1 if self._streak > 0 else 1
            if self._streak >= 2:
                self.span, self._streak = min(self.s.max_span, self.span + 1), 0
        else:
            self._streak = self._streak - 1 if self._streak < 0 else -1
            if self._streak <= -2:
                self.span, self._streak = max(1, self.span - 1), 0
        if self.span != old:
            out.append(self.event(t_ns, "span_change", rep=len(self.records), value=float(self.span), unit="animals", old=old))
        self.phase, self._phase_t = (GOOD if cur.correct else RETRY), t_ns
        return out

    def _finish(self) -> list[ScoreEvent]:
        return self._close_cue()

    # -- results -----------------------------------------------------------------------------------
    def live(self) -> dict[str, float]:
        cur = self.current
        shown = -1.0
        c = self.cues.current
        if self.phase == SHOW and cur is not None and c is not None and c.what in ANIMALS:
            shown = float(ANIMALS.index(c.what))
        return {
            "reps": float(len(self.records)), "span": float(self.span), "longest_span": float(self._longest()),
            "phase": float(self.phase), "cue_key": self.cues.live_key,
            "animal": shown, "position": float(self._shown + 1) if self.phase == SHOW else 0.0,
            "length": float(len(cur.target)) if cur is not None else 0.0,
            "done": float(len(cur.response)) if cur is not None and self.phase == YOUR_TURN else 0.0,
            "holding": float(self.tracker.holding) if self.phase == YOUR_TURN else 0.0,
            "current": float(LABELS.index(self._last_label)),
            "errors": float(sum(sum(r.errors().values()) for r in self.records)),
            "paused": float(self.paused),
        }

    def reps(self) -> int:
        return len(self.records)

    def _longest(self) -> int:
        return max((len(r.target) for r in self.records if r.correct), default=0)

    def _metrics(self) -> tuple[dict[str, float | int | str | None], dict[str, str], dict[str, str]]:
        recs = self.records
        max_n = max((len(r.target) for r in recs), default=0)
        pos_ok = [0] * max_n
        pos_n = [0] * max_n
        for r in recs:
            for i in range(len(r.target)):
                pos_n[i] += 1
            for op, ti, _ in r.ops:
                if op == "match" and ti is not None:
                    pos_ok[ti] += 1
        errs = {k: sum(r.errors()[k] for r in recs) for k in ERROR_KINDS}
        firsts = [(r.hold_starts[0] - r.turn_onset_ns) / 1e9 for r in recs if r.hold_starts]
        between = [(r.hold_starts[k] - r.accepted[k - 1]) / 1e9 for r in recs for k in range(1, len(r.hold_starts))]
        total = sum(pos_n)
        m: dict[str, float | int | str | None] = {
            "longest_span": self._longest(),
            "final_span": self.span,
            "sequences": len(recs),
            "correct_sequences": sum(r.correct for r in recs),
            "accuracy_pct": 100.0 * sum(pos_ok) / total if total else None,
            "accuracy_by_position": ",".join(f"{i + 1}:{100.0 * pos_ok[i] / pos_n[i]:.0f}" for i in range(max_n) if pos_n[i]),
            "errors": sum(errs.values()),
            **{f"errors_{k}": v for k, v in errs.items()},
            "mean_first_response_s": float(np.mean(firsts)) if firsts else None,
            "mean_between_poses_s": float(np.mean(between)) if between else None,
            "repeats": self.repeats,
            "cues_painted": self.cues.summary()[0],
            "cue_paint_latency_ms": self.cues.summary()[1],
        }
        u = {"longest_span": "animals", "final_span": "animals", "sequences": "count", "correct_sequences": "count",
             "accuracy_pct": "%", "accuracy_by_position": "position:%", "errors": "count",
             **{f"errors_{k}": "count" for k in ERROR_KINDS}, "mean_first_response_s": "s", "mean_between_poses_s": "s",
             "repeats": "count", "cues_painted": "count", "cue_paint_latency_ms": "ms"}
        d = {
            "longest_span": "length of the longest sequence copied exactly (every animal, in order)",
            "final_span": "the sequence length the span rule reached (+1 after two correct in a row, -1 after two failed)",
            "sequences": "sequences scored", "correct_sequences": "sequences copied exactly",
            "accuracy_pct": "target positions aligned as a match, % of all positions shown",
            "accuracy_by_position": "per position of the sequence: % copied right (position:percent)",
            "errors": "order + omission + intrusion + wrong_pose errors",
            "errors_order": "animals of the sequence made at another place (transpositions count both animals)",
            "errors_omission": "animals of the sequence not made",
            "errors_intrusion": "extra poses inserted into the response",
            "errors_wrong_pose": "poses at a position replaced by an animal that was not in the sequence",
            "mean_first_response_s": "mean time from the 'your turn' cue onset to the start of the first held pose",
            "mean_between_poses_s": "mean time from an accepted pose to the start of the next held pose",
            "repeats": "times the therapist re-showed a sequence",
            "cues_painted": "cues whose paint time the child screen reported",
            "cue_paint_latency_ms": "median time from the frame that put a cue up to the child screen painting it (software path)",
        }
        tm, tu, td = self._tracking_metrics()
        m.update(tm)
        u.update(tu)
        d.update(td)
        return m, u, d


def _finite(v: float | None) -> bool:
    return v is not None and math.isfinite(v)
