"""Every prompt the exercises declare exists in every language, decodes and speaks; a missing one is a chime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import exercises
from exercises.contract import GAMES, Sound
from station.audio.clips import CHIME_FUNDAMENTAL, RATE, chime
from station.audio.prompts import LANGUAGES, PROMPT_DIR, PromptLibrary, declared_prompts, instruction_keys, text_of


def _pitch(y: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y)), n=1 << 16))
    return float(np.fft.rfftfreq(1 << 16, 1 / RATE)[int(np.argmax(spec))])


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_declared_prompt_exists_and_speaks(lang: str) -> None:
    lib = PromptLibrary(lang, dirs=[PROMPT_DIR / lang])  # the shipped set only (not this machine's recordings)
    contracts = [(n, exercises.get(n).contract) for n in exercises.names()]
    needed = set().union(*declared_prompts(contracts).values()) | {f"game.{g}" for g in GAMES}
    missing = sorted(k for k in needed if not lib.has(k))
    assert not missing, f"{lang}: no recording for {missing}; add their text and run scripts/make_prompts.py"
    for name, c in contracts:  # each exercise says an instruction of its own or its game's
        assert any(lib.has(k) for k in instruction_keys(name, c)), name
    for k in sorted(needed):
        clip = lib.recording(k)
        assert clip is not None, k
        assert 0.2 < clip.duration_s < 4.0, (k, clip.duration_s)
        assert float(np.sqrt(np.mean(clip.samples ** 2))) > 0.02, f"{k} is (nearly) silent"
    assert all(text_of(k, lang) != k for k in needed)


def test_the_two_languages_say_different_words() -> None:
    en, es = PromptLibrary("en", dirs=[PROMPT_DIR / "en"]), PromptLibrary("es", dirs=[PROMPT_DIR / "es"])
    for k in ("your_turn", "number.7", "game.hold"):
        a, b = en.recording(k), es.recording(k)
        assert a is not None and b is not None and text_of(k, "en") != text_of(k, "es")
        assert a.samples.shape != b.samples.shape or not np.allclose(a.samples, b.samples)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_missing_prompt_falls_back_to_its_chime(lang: str, tmp_path: Path) -> None:
    lib = PromptLibrary(lang, dirs=[tmp_path, PROMPT_DIR / lang])
    clip = lib.clip("number.99", Sound.DONE)
    assert clip.name == "chime:done" and clip.duration_s > 0.05
    assert abs(_pitch(clip.samples) - CHIME_FUNDAMENTAL[Sound.DONE]) < 5
    (tmp_path / "try_again.wav").write_bytes(b"not a wav")  # unreadable: a chime, not an error
    assert lib.clip("try_again", Sound.TRY_AGAIN).name == "chime:try_again"
    assert lib.clip("no.such.prompt").name == "chime:fallback"
    assert lib.fell_back >= {"number.99", "try_again", "no.such.prompt"}


def test_the_therapists_recording_comes_first(tmp_path: Path) -> None:
    from station.audio.clips import write_wav

    t = np.arange(int(0.5 * 16000)) / 16000
    write_wav(tmp_path / "your_turn.wav", 0.4 * np.sin(2 * np.pi * 300 * t), 16000)
    lib = PromptLibrary("es", dirs=[tmp_path, PROMPT_DIR / "es"])
    assert lib.path_of("your_turn") == tmp_path / "your_turn.wav"
    assert abs(_pitch(lib.clip("your_turn").samples) - 300) < 3
    assert lib.path_of("well_done") == PROMPT_DIR / "es" / "well_done.ogg"


def test_every_chime_has_its_own_pitch() -> None:
    pitches = {s: _pitch(chime(s).samples[-int(0.1 * RATE):]) for s in Sound}
    assert len({round(p / 10) for p in pitches.values()}) == len(Sound)
