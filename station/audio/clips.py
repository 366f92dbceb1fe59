"""Audio clips: mono float32 sample arrays at the service's rate, synthesised chimes, WAV files.

No Qt and no audio device here. A :class:`Clip` is a mono ``float32`` array in -1..1 at ``rate`` Hz.
Chimes are synthesised (a few decaying sine partials) so that every :class:`~exercises.contract.Sound`
has a sound even when no prompt file exists: a missing prompt falls back to its chime, never to silence.
WAV files are read with the standard library's :mod:`wave` (16-bit PCM, mono or stereo, any rate) and
resampled with :func:`scipy.signal.resample_poly`.
"""

from __future__ import annotations

import functools
import math
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from exercises.contract import Sound

RATE = 22_050
"""The service's sample rate (Hz): prompts are stored at 16 kHz and resampled once when loaded."""


@dataclass(frozen=True)
class Clip:
    """A mono sound: ``samples`` float32 in -1..1 at ``rate`` Hz; ``name`` says where it came from."""

    samples: NDArray[np.float32]
    rate: int
    name: str

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate

    def then(self, other: Clip, gap_s: float = 0.05) -> Clip:
        """This clip, a short gap, then ``other`` (same rate)."""
        gap = np.zeros(int(gap_s * self.rate), np.float32)
        return Clip(np.concatenate([self.samples, gap, resample(other, self.rate).samples]), self.rate, f"{self.name}+{other.name}")


def resample(clip: Clip, rate: int) -> Clip:
    if clip.rate == rate:
        return clip
    from scipy.signal import resample_poly

    f = Fraction(rate, clip.rate)
    out = resample_poly(clip.samples.astype(np.float64), f.numerator, f.denominator)
    return Clip(np.clip(out, -1, 1).astype(np.float32), rate, clip.name)


def read_wav(path: str | Path, rate: int = RATE) -> Clip:
    """A 16-bit PCM WAV file as a mono clip at ``rate`` (stereo is averaged)."""
    p = Path(path)
    with wave.open(str(p), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{p}: {8 * w.getsampwidth()}-bit samples; prompts are 16-bit PCM WAV")
        ch, sr, n = w.getnchannels(), w.getframerate(), w.getnframes()
        data = np.frombuffer(w.readframes(n), dtype="<i2").astype(np.float32) / 32768.0
    if ch > 1:
        data = data.reshape(-1, ch).mean(axis=1)
    return resample(Clip(data.astype(np.float32), sr, p.stem), rate)


def write_wav(path: str | Path, samples: NDArray[np.floating], rate: int) -> Path:
    """Write mono samples (-1..1) as 16-bit PCM WAV."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(np.asarray(samples, np.float64), -1, 1) * 32767).round().astype("<i2")
    with wave.open(str(p), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return p


def _tone(freqs: list[tuple[float, float]], dur_s: float, rate: int, decay_s: float, attack_s: float = 0.004) -> NDArray[np.float32]:
    """Sum of sine partials ``(Hz, amplitude)`` with a short linear attack and an exponential decay."""
    t = np.arange(int(dur_s * rate)) / rate
    y = sum(a * np.sin(2 * math.pi * f * t) for f, a in freqs)
    env = np.minimum(1.0, t / attack_s) * np.exp(-t / decay_s)
    return (np.asarray(y) * env).astype(np.float32)


def _notes(seq: list[tuple[float, float]], rate: int, decay_s: float = 0.12, peak: float = 0.5) -> NDArray[np.float32]:
    """Notes ``(Hz, seconds)`` one after the other, each a bell-like tone (fundamental + 2 partials)."""
    parts = [_tone([(f, 1.0), (2 * f, 0.35), (3 * f, 0.12)], d, rate, decay_s) for f, d in seq]
    y = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    m = float(np.abs(y).max()) if len(y) else 0.0
    return (y * (peak / m) if m > 0 else y).astype(np.float32)


# Each chime has its own pitch so a test (and a listener) can tell them apart.
CHIME_NOTES: dict[str, list[tuple[float, float]]] = {
    Sound.START: [(523.25, 0.12), (783.99, 0.22)],  # C5 G5: "go"
    Sound.CUE: [(1046.5, 0.09)],  # C6: short and sharp (reaction-time cues)
    Sound.DONE: [(659.25, 0.14)],  # E5: one unit done
    Sound.GOOD: [(880.0, 0.08), (1318.5, 0.16)],  # A5 E6: sparkle on top of a good one
    Sound.TRY_AGAIN: [(392.0, 0.16), (329.63, 0.22)],  # G4 E4: gentle, falling, never harsh
    Sound.TRIAL_DONE: [(523.25, 0.1), (659.25, 0.1), (880.0, 0.24)],  # C E A
    Sound.CELEBRATION: [(523.25, 0.09), (659.25, 0.09), (783.99, 0.09), (1174.66, 0.35)],  # C E G D'
    Sound.COUNTDOWN: [(440.0, 0.07)],  # A4 tick
}
CHIME_FUNDAMENTAL: dict[str, float] = {k: v[-1][0] for k, v in CHIME_NOTES.items()}
"""The pitch of the last note of each chime (tests identify a rendered chime by it)."""
FALLBACK = "fallback"
"""The chime a prompt without a file (and without a :class:`Sound` of its own) falls back to."""
CHIME_NOTES[FALLBACK] = [(698.46, 0.18)]  # F5
CHIME_FUNDAMENTAL[FALLBACK] = 698.46


@functools.lru_cache(maxsize=64)
def chime(name: str, rate: int = RATE) -> Clip:
    """The synthesised chime of a :class:`Sound` (or :data:`FALLBACK`); quiet (peak 0.5) and short."""
    notes = CHIME_NOTES.get(name, CHIME_NOTES[FALLBACK])
    decay = 0.05 if name in (Sound.CUE, Sound.COUNTDOWN) else 0.12
    return Clip(_notes(notes, rate, decay_s=decay), rate, f"chime:{name if name in CHIME_NOTES else FALLBACK}")


def read_ogg(path: str | Path, rate: int = RATE) -> Clip:
    """An Ogg (Opus or Vorbis) file as a mono clip at ``rate``, decoded with PyAV's FFmpeg."""
    import av

    p = Path(path)
    parts = []
    with av.open(str(p)) as f:
        stream = f.streams.audio[0]
        src_rate = stream.codec_context.sample_rate or stream.rate
        res = av.AudioResampler(format="flt", layout="mono", rate=src_rate)
        for frame in f.decode(stream):
            for out in res.resample(frame):
                parts.append(out.to_ndarray().reshape(-1))
        for out in res.resample(None):
            parts.append(out.to_ndarray().reshape(-1))
    data = np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
    return resample(Clip(data, int(src_rate), p.stem), rate)


def write_ogg(path: str | Path, samples: NDArray[np.floating], rate: int, bitrate: int = 24_000) -> Path:
    """Write mono samples (-1..1) as Ogg Opus (``rate`` must be one Opus takes: 8, 12, 16, 24 or 48 kHz)."""
    import av

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    y = np.clip(np.asarray(samples, np.float32), -1, 1).reshape(1, -1)
    with av.open(str(p), "w", format="ogg") as f:
        s = f.add_stream("libopus", rate=rate, layout="mono")
        s.bit_rate = bitrate
        frame = av.AudioFrame.from_ndarray(y, format="flt", layout="mono")
        frame.sample_rate = rate
        for pkt in s.encode(frame):
            f.mux(pkt)
        for pkt in s.encode(None):
            f.mux(pkt)
    return p


def read_audio(path: str | Path, rate: int = RATE) -> Clip:
    """A prompt file (``.wav`` 16-bit PCM or ``.ogg`` Opus/Vorbis) as a mono clip at ``rate``."""
    return read_ogg(path, rate) if Path(path).suffix.lower() in (".ogg", ".opus", ".oga") else read_wav(path, rate)
