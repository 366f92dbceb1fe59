"""What an exercise declares to the station: typed attributes instead of magic strings.

Every registered exercise carries a :class:`Contract` (class attribute ``contract``). The station
reads only these declarations; no module outside :mod:`exercises` tests an exercise's name. One test
(``tests/test_exercise_contract.py``) walks the registry and checks every declared name is real:
metrics appear in the exercise's result when it runs on its own simulated child, quality events are
emitted by it, difficulty settings exist on its settings model.

Difficulty settings are declared on the settings model itself, as :class:`Knob` metadata of a field::

    tolerance: Annotated[float, Knob("Band half-width", "frame heights", step=0.005, harder=-1,
                                     help="how far from the path still counts as on it")] = Field(0.03, gt=0)

The field's own constraints give the range (:func:`settings_of` reads them into a :class:`Setting`).

Stars
    A trial earns 1-3 stars (never zero) from a score in 0..1: ``stars = 1 + (score >= 0.5) + (score >= 0.85)``.
    Each family declares how its score is made (:class:`PathStars`, :class:`CountStars`,
    :class:`HoldStars`); see each class.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

if TYPE_CHECKING:
    from pydantic import BaseModel

    from station.core.messages import StepInput

Game = Literal["trace", "pegs", "hand", "reps", "hold", "grip", "pond",
               "memory", "stopgo", "breathe", "brush", "spoon", "routine", "posture"]
"""The child-screen game: ``trace`` a bee along a path; ``pegs`` a pegboard; ``hand`` the hand over the
camera image; ``reps`` dots that fill with each repetition; ``hold`` a timer ring; ``grip`` a balloon
and a target zone; ``pond`` a turtle steered by the centre of pressure. Games beyond the built-in ones
(``memory`` copy-the-animals, ``stopgo`` stop-and-go and opposites, ``breathe`` the breathing balloon,
``brush`` tooth brushing, ``spoon`` hand to mouth, ``routine`` a picture schedule, ``posture`` seated
posture) are painted by a module of :mod:`station.ui.games` that registers itself under the name."""
GAMES: tuple[str, ...] = get_args(Game)

Pictogram = Literal["path", "pegs", "taps", "jump", "crouch", "stand", "balloon", "turtle",
                    "animals", "stopgo", "breathe", "toothbrush", "spoon", "schedule", "desk"]
"""The schedule picture of an exercise (pictures beyond the built-in ones register themselves in
:mod:`station.ui.games`)."""
PICTOGRAMS: tuple[str, ...] = get_args(Pictogram)

Chart = Literal["deviation", "reps", "force", "cop", "events", "breath", "posture"]
"""The therapist's live chart: deviation from the path, repetitions with quality, grip force, sway;
``events`` a timeline of the trial's scored events (cues, responses, errors), ``breath`` the breathing
signal against the pacer, ``posture`` trunk and head angles against the upright band."""
CHARTS: tuple[str, ...] = get_args(Chart)


class Sound(StrEnum):
    """Sound events the child hears (the player maps each to a sound file)."""

    START = "start"
    CUE = "cue"
    DONE = "done"
    """One unit done: a repetition, a peg, a jump, a hold."""
    GOOD = "good"
    """A unit done with good quality (at least :attr:`SoundCue.min_quality`)."""
    TRY_AGAIN = "try_again"
    TRIAL_DONE = "trial_done"
    CELEBRATION = "celebration"
    COUNTDOWN = "countdown"


SESSION_SOUNDS = (Sound.START, Sound.COUNTDOWN, Sound.TRIAL_DONE, Sound.CELEBRATION)
"""Sounds the session itself plays for every exercise (not tied to an exercise's events)."""


@dataclass(frozen=True, slots=True)
class SoundCue:
    """``sound`` plays when the exercise emits an event of kind ``event`` (with quality >= ``min_quality``)."""

    sound: Sound
    event: str
    min_quality: float | None = None


@dataclass(frozen=True, slots=True)
class Metric:
    """A headline metric of the exercise's result."""

    name: str
    label: str
    unit: str
    higher_is_better: bool | None
    """``None`` when neither direction is better (e.g. a cadence)."""


@dataclass(frozen=True, slots=True)
class Knob:
    """Field metadata marking a difficulty setting (see the module docstring)."""

    label: str
    unit: str
    step: float
    """Spin-box step in the field's unit."""
    harder: Literal[1, -1]
    """+1: a larger value is harder; -1: a smaller value is harder."""
    help: str


@dataclass(frozen=True, slots=True)
class Setting:
    """A difficulty setting as the UI shows it: a :class:`Knob` with its field's name, range and default."""

    name: str
    label: str
    unit: str
    lo: float | None
    hi: float | None
    lo_open: bool
    hi_open: bool
    step: float
    harder: Literal[1, -1]
    help: str
    default: Any
    integer: bool


def settings_of(model: type[BaseModel]) -> list[Setting]:
    """The difficulty settings of a settings model, in field order."""
    out = []
    for name, f in model.model_fields.items():
        knob = next((m for m in f.metadata if isinstance(m, Knob)), None)
        if knob is None:
            continue
        lo = hi = None
        lo_open = hi_open = False
        for m in f.metadata:
            for attr, is_lo, is_open in (("gt", True, True), ("ge", True, False), ("lt", False, True), ("le", False, False)):
                v = getattr(m, attr, None)
                if isinstance(v, int | float) and not isinstance(m, Knob):
                    if is_lo:
                        lo, lo_open = float(v), is_open
                    else:
                        hi, hi_open = float(v), is_open
        out.append(Setting(name, knob.label, knob.unit, lo, hi, lo_open, hi_open, knob.step, knob.harder, knob.help,
                           f.default, f.annotation is int))
    return out


# -- stars ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TrialScore:
    """How well a trial went, in 0..1, and the 1-3 stars the child sees (never zero stars)."""

    score: float
    stars: int

    @classmethod
    def of(cls, score: float) -> TrialScore:
        s = min(1.0, max(0.0, score)) if math.isfinite(score) else 0.0
        return cls(s, 1 + int(s >= 0.5) + int(s >= 0.85))


@dataclass(frozen=True, slots=True)
class TrialOutcome:
    """What a star rule sees of a finished trial."""

    live: Mapping[str, float]
    reps: int
    target_reps: int | None
    mean_quality: float = math.nan
    """Mean quality (0..1) of the quality events of the trial; NaN when none carried one."""


def _count_share(o: TrialOutcome) -> float:
    if o.target_reps:
        return min(1.0, o.reps / o.target_reps)
    return 1.0 if o.reps > 0 else 0.0


class StarRule(Protocol):
    def score(self, o: TrialOutcome) -> TrialScore: ...


STAR_RULES: Mapping[str, str] = {
    "PathStars": "stars from how much of the path was traced and the time on the path",
    "CountStars": "stars from the units done against the target",
    "QualityCountStars": "stars from the repetitions against the target, scaled by their mean quality (flags lower it)",
    "SteadyStars": "a trial that ran earns full stars; sway is the therapist's measure, not the child's goal",
}
"""One plain-language sentence per star rule (the family's documented rule), shown in the report."""


def star_rule_text(rule: StarRule) -> str:
    """The plain-language rule of a star rule (its class docstring's first line when not listed)."""
    name = type(rule).__name__
    return STAR_RULES.get(name) or (type(rule).__doc__ or name).strip().splitlines()[0]


def stars_text(stars: int | None) -> str:
    """``★★☆`` for 2 of 3 stars; ``–`` when none were given."""
    if stars is None:
        return "–"
    s = max(0, min(3, int(stars)))
    return "★" * s + "☆" * (3 - s)


@dataclass(frozen=True, slots=True)
class PathStars:
    """Path family (tracing): score = mean of ``completion`` (0..1) and ``in_band_pct`` / 100 from the
    live values; repetitions against the target when neither is known."""

    def score(self, o: TrialOutcome) -> TrialScore:
        parts = [min(1.0, max(0.0, float(v))) for v in (o.live.get("completion"),) if v is not None and math.isfinite(v)]
        band = o.live.get("in_band_pct")
        if band is not None and math.isfinite(band):
            parts.append(min(1.0, max(0.0, float(band) / 100.0)))
        return TrialScore.of(sum(parts) / len(parts) if parts else _count_share(o))


@dataclass(frozen=True, slots=True)
class CountStars:
    """Count family (pegs, taps, squeezes, targets, holds): score = repetitions / target (any repetition
    is a full score without a target)."""

    def score(self, o: TrialOutcome) -> TrialScore:
        return TrialScore.of(_count_share(o))


@dataclass(frozen=True, slots=True)
class QualityCountStars:
    """Movement family (jumps, push-ups, walks, stances): score = count share x (0.5 + 0.5 x mean quality);
    the count share alone when no repetition carried a quality. A flagged repetition lowers its quality,
    so flags lower the stars through the mean quality."""

    def score(self, o: TrialOutcome) -> TrialScore:
        share = _count_share(o)
        if math.isfinite(o.mean_quality):
            share *= 0.5 + 0.5 * min(1.0, max(0.0, o.mean_quality))
        return TrialScore.of(share)


@dataclass(frozen=True, slots=True)
class SteadyStars:
    """Stance family (balance board): a trial that ran is a full score (sway is the therapist's metric, not
    the child's goal); repetitions against the target when one is set."""

    def score(self, o: TrialOutcome) -> TrialScore:
        return TrialScore.of(_count_share(o) if o.target_reps else 1.0)


# -- the simulated child ------------------------------------------------------------------------
class SimulatedChild(Protocol):
    """What a simulated child does for an exercise (clearly labelled; never stored as a child's result).

    ``inputs(settings, t0_ns=..., duration_s=..., reps=..., seed=..., image_size=...)`` yields the
    :class:`~station.core.messages.StepInput` a camera or a device would give, in time order, starting
    at ``t0_ns`` on the session clock. ``device`` names the device kind when the child plays a device
    (the station then runs that kind's simulator on a pseudo-terminal with ``profile``).
    """

    @property
    def description(self) -> str: ...

    @property
    def device(self) -> str | None: ...

    @property
    def profile(self) -> str: ...

    def inputs(self, settings: BaseModel, *, t0_ns: int, duration_s: float, reps: int | None, seed: int,
               image_size: tuple[int, int]) -> Iterable[StepInput]: ...


@dataclass(frozen=True, slots=True)
class Presets:
    """Ready-made difficulty levels (settings overrides, validated by the registry test)."""

    easier: Mapping[str, Any] = field(default_factory=dict)
    harder: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Contract:
    """Everything the station needs of an exercise (see the module docstring)."""

    headline: Sequence[Metric]
    """The metrics a report and the dashboard show first (the first is the main one)."""
    history: str
    """The metric of the participant's history table and progress chart."""
    events: Sequence[str]
    """Every event kind the exercise can emit."""
    quality_events: Sequence[str]
    """Event kinds that mark one unit done (a rep, peg, jump, hold) and may carry a quality."""
    game: Game
    pictogram: Pictogram
    chart: Chart
    stars: StarRule
    sim: SimulatedChild
    sounds: Sequence[SoundCue] = ()
    presets: Presets = Presets()
    flags: Mapping[str, str] = field(default_factory=dict)
    """Quality flags the exercise can raise on a unit (a rep's ``flags`` payload) -> the words a therapist,
    parent or teacher reads (``{"hips_piked": "hips high"}``). A flag without a label is shown as its
    name with the underscores replaced."""

    def flag_label(self, flag: str) -> str:
        """The plain-language words of a quality flag."""
        return self.flags.get(flag, flag.replace("_", " "))

    def history_metric(self) -> Metric | None:
        return next((m for m in self.headline if m.name == self.history), None)


def quality_of(kind: str, value: float | None, unit: str, payload: Mapping[str, Any], quality_events: Iterable[str]) -> float | None:
    """The quality (0..1) of a quality event, ``None`` for another event or one without a quality."""
    if kind not in quality_events:
        return None
    q = payload.get("quality", value if unit in ("", "fraction", "quality") else None)
    if isinstance(q, int | float) and not isinstance(q, bool) and math.isfinite(q):
        return float(min(1.0, max(0.0, q)))
    return None


Simulate = Callable[..., Iterable["StepInput"]]
