#!/usr/bin/env python3
"""Regenerate the spoken prompts shipped in station/audio/prompts/<lang>/ with espeak-ng (offline).

    python scripts/make_prompts.py            # every language, every prompt (overwrites)
    python scripts/make_prompts.py --lang es  # one language
    python scripts/make_prompts.py --missing  # only prompts without a file

Needs the espeak-ng program (Debian: ``apt-get install espeak-ng``; not needed at run time: the station
plays the committed files). Each prompt is synthesised at espeak-ng's 22.05 kHz, resampled to 16 kHz mono,
its leading and trailing silence trimmed and its peak set to -3 dBFS, then encoded as Ogg Opus at 24 kbit/s
(PyAV's libopus; a prompt is 2-6 kB).
The espeak-ng version and the voice used go into station/audio/prompts/<lang>/VOICE.txt.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from station.audio.clips import read_wav, write_ogg  # noqa: E402
from station.audio.prompts import LANGUAGES, PROMPT_DIR, all_keys, text_of  # noqa: E402

RATE = 16_000
VOICES = {"en": "en-us", "es": "es-419"}
"""espeak-ng voice per language (Latin American Spanish: the families most US clinics serve)."""
SPEED_WPM = 135
"""Slower than espeak-ng's 175 words per minute: the listeners are young children."""
PITCH = 60
BITRATE = 24_000
"""Opus bit rate (bits/s): speech stays clear and a prompt is a few kilobytes."""
PEAK = 10 ** (-3 / 20)
SILENCE = 0.02
"""Samples quieter than this share of the peak at either end are trimmed."""


def synth(text: str, voice: str, espeak: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "p.wav"
        subprocess.run([espeak, "-v", voice, "-s", str(SPEED_WPM), "-p", str(PITCH), "-w", str(out), text],
                       check=True, capture_output=True)
        y = read_wav(out, RATE).samples.astype(np.float64)
    loud = np.flatnonzero(np.abs(y) > SILENCE * np.abs(y).max())
    if len(loud):
        pad = int(0.02 * RATE)
        y = y[max(0, loud[0] - pad):loud[-1] + pad]
    return y * (PEAK / np.abs(y).max())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", choices=sorted(LANGUAGES), action="append")
    ap.add_argument("--missing", action="store_true", help="only make prompts that have no file yet")
    args = ap.parse_args()
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        print("error: espeak-ng not found; install it (Debian: apt-get install espeak-ng)", file=sys.stderr)
        return 2
    version = subprocess.run([espeak, "--version"], capture_output=True, text=True, check=True).stdout.split("  Data at")[0].strip()
    for lang in args.lang or sorted(LANGUAGES):
        voice = VOICES[lang]
        folder = PROMPT_DIR / lang
        folder.mkdir(parents=True, exist_ok=True)
        made = 0
        for key in all_keys():
            path = folder / f"{key}.ogg"
            if args.missing and path.exists():
                continue
            write_ogg(path, synth(text_of(key, lang), voice, espeak), RATE, BITRATE)
            made += 1
        (folder / "VOICE.txt").write_text(
            f"Synthesised offline by scripts/make_prompts.py with {version}\n"
            f"voice {voice}, {SPEED_WPM} words per minute, pitch {PITCH}; 16 kHz mono, peak -3 dBFS, Ogg Opus {BITRATE // 1000} kbit/s\n",
            encoding="utf-8")
        print(f"{lang}: {made} prompts written to {folder.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
