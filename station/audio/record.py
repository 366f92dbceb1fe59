"""The therapist's own prompts: microphone recording (``sounddevice`` input stream) and saving, Qt-free.

:class:`Recorder` collects microphone blocks on PortAudio's thread until :meth:`Recorder.stop` (or
:data:`MAX_S`); :func:`save_prompt` trims the silence at both ends, sets the peak to -3 dBFS and writes
``<data dir>/prompts/<lang>/<key>.wav`` (16 kHz mono), which then plays instead of the shipped prompt.
:func:`microphone` says whether there is one, in one line when not.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from station.audio.clips import Clip, resample, write_wav
from station.audio.prompts import user_prompt_dir

RECORD_RATE = 16_000
MAX_S = 6.0
"""Longest recording (a prompt is a few words)."""
PEAK = 10 ** (-3 / 20)
SILENCE = 0.03


def microphone() -> tuple[bool, str]:
    """``(True, name)`` when an input device exists, else ``(False, why)`` (one line, PortAudio's words)."""
    try:
        import sounddevice as sd

        info = sd.query_devices(kind="input")
        return True, str(info["name"])
    except Exception as exc:  # no PortAudio library, no input device
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return False, why


def clean(samples: NDArray[np.floating], rate: int) -> NDArray[np.float32]:
    """Silence trimmed at both ends (20 ms kept), peak at -3 dBFS; raises ValueError for a silent take."""
    y = np.asarray(samples, np.float64).reshape(-1)
    peak = float(np.abs(y).max()) if len(y) else 0.0
    if peak < 1e-3:
        raise ValueError("the recording is silent: check the microphone and speak closer")
    loud = np.flatnonzero(np.abs(y) > SILENCE * peak)
    pad = int(0.02 * rate)
    y = y[max(0, loud[0] - pad):loud[-1] + pad]
    return (y * (PEAK / peak)).astype(np.float32)


def save_prompt(samples: NDArray[np.floating], rate: int, lang: str, key: str, folder: Path | None = None) -> Path:
    """Save a take as the prompt ``key`` of ``lang`` (cleaned, 16 kHz mono WAV); returns its path."""
    y = clean(samples, rate)
    clip = resample(Clip(y, rate, key), RECORD_RATE)
    return write_wav((folder or user_prompt_dir(lang)) / f"{key}.wav", clip.samples, RECORD_RATE)


def delete_prompt(lang: str, key: str, folder: Path | None = None) -> bool:
    """Remove the therapist's recording of ``key`` (the shipped prompt plays again)."""
    p = (folder or user_prompt_dir(lang)) / f"{key}.wav"
    if p.exists():
        p.unlink()
        return True
    return False


class Recorder:
    """Records the default microphone from :meth:`start` to :meth:`stop` (at most :data:`MAX_S` seconds)."""

    def __init__(self, rate: int = RECORD_RATE, device: Any = None) -> None:
        self.rate = rate
        self.device = device
        self._blocks: list[NDArray[np.float32]] = []
        self._n = 0
        self._lock = threading.Lock()
        self._stream: Any = None

    def start(self) -> None:
        import sounddevice as sd

        self._blocks, self._n = [], 0

        def cb(indata: Any, frames: int, _t: Any, _status: Any) -> None:
            with self._lock:
                if self._n < MAX_S * self.rate:
                    self._blocks.append(indata[:, 0].copy())
                    self._n += frames

        self._stream = sd.InputStream(samplerate=self.rate, channels=1, dtype="float32", device=self.device, callback=cb)
        self._stream.start()

    def stop(self) -> NDArray[np.float32]:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
        with self._lock:
            return np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
