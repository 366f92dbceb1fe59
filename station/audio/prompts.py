"""Spoken prompts: one set of short recordings per language, and what each sound event says.

A prompt is a key (``your_turn``, ``try_again``, ``number.7``, ``game.hold``, ``ex.grip_squeeze``) with a
text per language (:data:`TEXTS`). Its recording is looked up, in order, in the therapist's own recordings
(``<data dir>/prompts/<lang>/<key>.wav``, made in the dashboard's prompt dialog) and in the set shipped
with the station (``station/audio/prompts/<lang>/<key>.ogg``, synthesised offline by
``scripts/make_prompts.py``; see ``station/audio/prompts/README.md`` for how and under which licence).
A prompt without a recording falls back to its event's chime (:func:`station.audio.clips.chime`), never to
silence or an error.

What the exercises declare, and so which prompts must exist in every language (the test
``tests/test_audio_prompts.py`` checks it): each exercise's instruction (its title, ``ex.<name>``, else its
game's instruction ``game.<game>``), the prompts of the sounds its contract and the session play
(:data:`SOUND_PROMPTS`), and the numbers 1..20 counted aloud for repetitions.
"""

from __future__ import annotations

import logging
import wave
from collections.abc import Iterable
from pathlib import Path

from exercises.contract import GAMES, SESSION_SOUNDS, Contract, Sound
from station.audio.clips import FALLBACK, RATE, Clip, chime, read_audio
from station.i18n import LANGUAGES as LANGUAGES  # the languages with a complete prompt set (re-exported)

log = logging.getLogger(__name__)

PROMPT_DIR = Path(__file__).with_name("prompts")
"""The prompt sets shipped with the station, one folder per language."""
PROMPT_EXTENSIONS = (".wav", ".ogg")
"""A prompt's file: a recording (WAV, what the dashboard records) or the shipped set's Ogg Opus."""
DEFAULT_LANGUAGE = "en"
MAX_COUNT = 20
"""Repetitions are counted aloud up to this number (beyond it, the done chime)."""

SOUND_PROMPTS: dict[Sound, str] = {
    Sound.START: "your_turn",
    Sound.TRY_AGAIN: "try_again",
    Sound.TRIAL_DONE: "all_done",
    Sound.CELEBRATION: "well_done",
}
"""The words a sound event says after (or instead of) its chime; sounds not listed are chimes only
(``cue`` and ``good`` must be short for reaction times; ``done`` says the repetition's number)."""

_EN_NUMBERS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
               "sixteen seventeen eighteen nineteen twenty").split()
_ES_NUMBERS = ("uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
               "dieciséis diecisiete dieciocho diecinueve veinte").split()

TEXTS: dict[str, dict[str, str]] = {
    "your_turn": {"en": "Your turn!", "es": "¡Te toca!"},
    "go": {"en": "Go!", "es": "¡Ya!"},
    "try_again": {"en": "Try again!", "es": "¡Otra vez!"},
    "lets_try_again": {"en": "Let's try that again.", "es": "Vamos a intentarlo de nuevo."},
    "all_done": {"en": "All done!", "es": "¡Terminado!"},
    "well_done": {"en": "Well done!", "es": "¡Muy bien!"},
    "rest": {"en": "Time for a little rest.", "es": "Ahora descansamos un poco."},
    "paused": {"en": "Wait a moment.", "es": "Espera un momento."},
    # one instruction per child-screen game (an exercise without a title prompt says its game's)
    "game.trace": {"en": "Follow the path.", "es": "Sigue el camino."},
    "game.pegs": {"en": "Put the pegs in the holes.", "es": "Pon las piezas en los agujeros."},
    "game.hand": {"en": "Show me your hand.", "es": "Enséñame la mano."},
    "game.reps": {"en": "Let's move!", "es": "¡A moverse!"},
    "game.hold": {"en": "Stand like a statue.", "es": "Quieto como una estatua."},
    "game.grip": {"en": "Squeeze!", "es": "¡Aprieta!"},
    "game.pond": {"en": "Steer the turtle.", "es": "Lleva a la tortuga."},
    "game.memory": {"en": "Copy the animals.", "es": "Copia los animales."},
    "game.stopgo": {"en": "Go on green, stop on red.", "es": "Con verde te mueves, con rojo paras."},
    "game.breathe": {"en": "Breathe with the balloon.", "es": "Respira con el globo."},
    "game.brush": {"en": "Brush your teeth.", "es": "Cepíllate los dientes."},
    "game.spoon": {"en": "Bring the spoon to your mouth.", "es": "Lleva la cuchara a la boca."},
    "game.routine": {"en": "Look at the pictures.", "es": "Mira los dibujos."},
    "game.posture": {"en": "Sit up tall.", "es": "Siéntate derecho."},
}
for _i, (_en, _es) in enumerate(zip(_EN_NUMBERS, _ES_NUMBERS, strict=True), start=1):
    TEXTS[f"number.{_i}"] = {"en": _en, "es": _es}

# Each exercise's title is its spoken instruction (what the dashboard's schedule calls it, too).
EXERCISE_TEXTS: dict[str, dict[str, str]] = {}
"""Filled from :mod:`station.audio.exercise_prompts` (titles per language)."""


def number_key(n: int) -> str | None:
    """The prompt that says ``n`` aloud (``None`` beyond :data:`MAX_COUNT` or below 1)."""
    return f"number.{n}" if 1 <= n <= MAX_COUNT else None


def instruction_keys(exercise: str, contract: Contract | None) -> list[str]:
    """The prompts that may say an exercise's instruction, best first: its own, then its game's."""
    keys = [f"ex.{exercise}"]
    if contract is not None:
        keys.append(f"game.{contract.game}")
    return keys


def declared_prompts(contracts: Iterable[tuple[str, Contract]]) -> dict[str, set[str]]:
    """Per exercise, the prompt keys it needs in every language: its game's instruction, the words of the
    sounds it and the session play, and the numbers counted aloud for its repetitions."""
    out: dict[str, set[str]] = {}
    session = {SOUND_PROMPTS[s] for s in SESSION_SOUNDS if s in SOUND_PROMPTS}
    numbers = {f"number.{i}" for i in range(1, MAX_COUNT + 1)}
    for name, c in contracts:
        keys = {f"game.{c.game}", "lets_try_again"} | session
        keys |= {SOUND_PROMPTS[cue.sound] for cue in c.sounds if cue.sound in SOUND_PROMPTS}
        if any(cue.sound == Sound.DONE for cue in c.sounds):
            keys |= numbers
        out[name] = keys
    return out


def all_keys() -> list[str]:
    """Every prompt key the station ships (sorted)."""
    from station.audio.exercise_prompts import TITLES

    keys = set(TEXTS) | {f"game.{g}" for g in GAMES} | {f"ex.{n}" for n in TITLES}
    return sorted(keys)


def text_of(key: str, lang: str) -> str:
    """What the prompt says in ``lang`` (English when the language has no text; the key itself as a last resort)."""
    from station.audio.exercise_prompts import TITLES

    table = TITLES.get(key[3:], {}) if key.startswith("ex.") else TEXTS.get(key, {})
    return table.get(lang) or table.get(DEFAULT_LANGUAGE) or key


def user_prompt_dir(lang: str) -> Path:
    """Where the therapist's own recordings for ``lang`` are kept (created on first recording)."""
    from station.paths import data_dir

    return data_dir(create=False) / "prompts" / lang


class PromptLibrary:
    """The prompts of one language, loaded on first use and kept (each a :class:`Clip` at ``rate``).

    ``dirs``: folders searched in order (default: the therapist's recordings, then the shipped set).
    :meth:`clip` never fails: a missing or unreadable file falls back to ``fallback``'s chime, and the
    fallback is logged once per key.
    """

    def __init__(self, lang: str = DEFAULT_LANGUAGE, *, rate: int = RATE, dirs: Iterable[Path] | None = None) -> None:
        self.lang = lang
        self.rate = rate
        self.dirs = list(dirs) if dirs is not None else [user_prompt_dir(lang), PROMPT_DIR / lang]
        self._cache: dict[str, Clip | None] = {}
        self.fell_back: set[str] = set()
        """Keys that had no readable recording and played a chime instead."""

    def path_of(self, key: str) -> Path | None:
        """The recording of ``key`` that would play (``None``: none, the chime plays)."""
        for d in self.dirs:
            for ext in PROMPT_EXTENSIONS:
                p = d / f"{key}{ext}"
                if p.is_file():
                    return p
        return None

    def has(self, key: str) -> bool:
        return self.path_of(key) is not None

    def recording(self, key: str) -> Clip | None:
        """The recording of ``key`` or ``None`` (missing or unreadable: logged once)."""
        if key not in self._cache:
            p = self.path_of(key)
            clip = None
            if p is not None:
                try:
                    clip = read_audio(p, self.rate)
                except (OSError, ValueError, EOFError, wave.Error) as exc:
                    log.warning("prompt %s (%s) unreadable, a chime plays instead: %s", key, p, exc)
            self._cache[key] = clip
        return self._cache[key]

    def clip(self, key: str, fallback: str = FALLBACK) -> Clip:
        """The recording of ``key``, else the chime ``fallback`` (a :class:`Sound` name or :data:`FALLBACK`)."""
        rec = self.recording(key)
        if rec is not None:
            return rec
        if key not in self.fell_back:
            self.fell_back.add(key)
            log.info("no %s prompt %r: a chime plays instead", self.lang, key)
        return chime(fallback, self.rate)

    def first(self, keys: Iterable[str], fallback: str = FALLBACK) -> Clip:
        """The first of ``keys`` that has a recording, else ``fallback``'s chime."""
        keys = list(keys)
        for k in keys:
            rec = self.recording(k)
            if rec is not None:
                return rec
        return self.clip(keys[0] if keys else FALLBACK, fallback)

    def forget(self, key: str | None = None) -> None:
        """Drop cached recordings (after the therapist recorded a new one)."""
        if key is None:
            self._cache.clear()
        else:
            self._cache.pop(key, None)
