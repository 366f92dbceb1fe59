"""Where the mixed sound goes: the sound card (PortAudio through ``sounddevice``), nowhere, or a WAV file.

``SoundDeviceBackend``
    a PortAudio output stream at low latency whose callback pulls the :class:`~station.audio.mixer.Mixer`;
    a sound's onset is the callback's output-buffer DAC time mapped to the session clock.
``NullBackend``
    plays nothing. ``paced=True`` pulls the mixer on its own thread at the block rate exactly as a sound
    card's callback would (the benchmark measures the software path with it); unpaced it keeps no onsets.
``WavFileBackend``
    renders everything asked for into a WAV file on the session clock: sample 0 is ``t0_ns``, and a sound
    asked for at ``t`` starts at the first block boundary at or after ``t``, as on a sound card.

:func:`open_backend` picks one; a machine without an output device gets the null backend and ONE log line.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from station.audio.clips import write_wav
from station.audio.mixer import Mixer, Onset
from station.core import SessionClock

log = logging.getLogger(__name__)

BLOCK = 256
"""Samples per block (11.6 ms at 22.05 kHz): the scheduling granularity and the software-path bound."""


class Backend(Protocol):
    name: str
    offline: bool
    """True: sounds are placed at their asked time (a file); False: they play as soon as asked (a device)."""
    output_latency_s: float
    """The device's reported output latency (0 without a device)."""

    def start(self, mixer: Mixer, clock: SessionClock) -> None: ...

    def place(self, samples: np.ndarray, gain: float, t_ns: int, onset: Onset | None) -> None:
        """Offline backends: put a sound at session time ``t_ns`` (real-time ones use the mixer directly)."""

    def close(self) -> None: ...


class NullBackend:
    """Plays nothing (no device, or ``--audio off``); ``paced``: pulls the mixer at the block rate."""

    offline = False
    output_latency_s = 0.0

    def __init__(self, paced: bool = False, reason: str = "") -> None:
        self.name = "null (paced)" if paced else "null"
        self.paced = paced
        self.reason = reason
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, mixer: Mixer, clock: SessionClock) -> None:
        self.mixer = mixer
        if self.paced:
            self._thread = threading.Thread(target=self._pull, args=(mixer, clock), name="station-audio-null", daemon=True)
            self._thread.start()

    def _pull(self, mixer: Mixer, clock: SessionClock) -> None:
        period = mixer.block / mixer.rate
        nxt = time.perf_counter()
        while not self._stop.is_set():
            mixer.render(mixer.block, clock.now_ns())
            nxt += period
            delay = nxt - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                nxt = time.perf_counter()  # fell behind (a loaded host): restart the cadence, as a device would xrun

    def place(self, samples: np.ndarray, gain: float, t_ns: int, onset: Onset | None) -> None:
        if self.paced:
            self.mixer.add(samples, gain, onset)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)


class WavFileBackend:
    """Renders the session's sound to a mono 16-bit WAV on the session clock (sample 0 = ``t0_ns``)."""

    offline = True
    output_latency_s = 0.0

    def __init__(self, path: str | Path, t0_ns: int) -> None:
        self.name = f"wav:{Path(path).name}"
        self.path = Path(path)
        self.t0_ns = t0_ns
        self._items: list[tuple[int, int, np.ndarray, float, Onset | None]] = []
        self._lock = threading.Lock()
        self._seq = 0

    def start(self, mixer: Mixer, clock: SessionClock) -> None:
        self.mixer = mixer

    def start_block(self, t_ns: int) -> int:
        """The block a sound asked for at ``t_ns`` starts in (the first boundary at or after it)."""
        m = self.mixer
        return max(0, math.ceil((t_ns - self.t0_ns) * m.rate / 1e9 / m.block - 1e-9))

    def place(self, samples: np.ndarray, gain: float, t_ns: int, onset: Onset | None) -> None:
        with self._lock:
            self._items.append((self.start_block(t_ns), self._seq, samples, gain, onset))
            self._seq += 1

    def render(self) -> np.ndarray:
        """Mix everything placed so far through the block mixer (the same code a sound card pulls)."""
        m = self.mixer
        with self._lock:
            items = sorted(self._items, key=lambda x: (x[0], x[1]))
        out: list[np.ndarray] = []
        k = 0
        block = 0
        while k < len(items) or m.busy:
            while k < len(items) and items[k][0] <= block:
                _b, _s, samples, gain, onset = items[k]
                m.add(samples, gain, onset)
                k += 1
            if not m.busy and k < len(items):  # silence up to the next sound
                gap = items[k][0] - block
                out.append(np.zeros(gap * m.block, np.float32))
                block += gap
                continue
            out.append(m.render(m.block, self.t0_ns + round(block * m.block * 1e9 / m.rate)))
            block += 1
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def close(self) -> None:
        write_wav(self.path, self.render(), self.mixer.rate)


class SoundDeviceBackend:
    """A PortAudio output stream (``sounddevice``) at low latency; the callback pulls the mixer."""

    offline = False

    def __init__(self, device: Any = None) -> None:
        import sounddevice as sd  # OSError when the PortAudio library is missing

        self.sd = sd
        self.device = device
        info = sd.query_devices(device, kind="output")  # ValueError/PortAudioError without an output device
        self.name = f"sounddevice:{info['name']}"
        self.output_latency_s = float(info.get("default_low_output_latency", 0.0))
        self.stream: Any = None
        self.xruns = 0

    def start(self, mixer: Mixer, clock: SessionClock) -> None:
        sd = self.sd
        self.mixer = mixer

        def callback(outdata: Any, frames: int, t: Any, status: Any) -> None:
            if status.output_underflow:
                self.xruns += 1
            now = clock.now_ns()
            dac = float(getattr(t, "outputBufferDacTime", 0.0) or 0.0)
            cur = float(getattr(t, "currentTime", 0.0) or 0.0)
            ahead = dac - cur if dac > 0 and cur > 0 and 0 <= dac - cur < 1.0 else self.output_latency_s
            outdata[:, 0] = mixer.render(frames, now + int(ahead * 1e9))

        self.stream = sd.OutputStream(samplerate=mixer.rate, blocksize=mixer.block, channels=1, dtype="float32",
                                      latency="low", device=self.device, callback=callback)
        self.stream.start()
        self.output_latency_s = float(self.stream.latency)

    def place(self, samples: np.ndarray, gain: float, t_ns: int, onset: Onset | None) -> None:
        self.mixer.add(samples, gain, onset)

    def close(self) -> None:
        if self.stream is not None:
            try:
                self.stream.stop()
                self.stream.close()
            except Exception:
                log.warning("the audio stream did not close cleanly", exc_info=True)


_no_device_said = False


def open_backend(kind: str = "auto", *, wav: str | Path | None = None, t0_ns: int = 0, device: Any = None) -> Backend:
    """``auto``: the sound card when there is one, else the null backend with ONE log line per process;
    ``device``: the sound card or an :class:`~station.core.InputError`; ``off``/``null``: silence;
    ``wav``: a :class:`WavFileBackend` writing ``wav``."""
    global _no_device_said
    from station.core import InputError

    if kind in ("off", "null"):
        return NullBackend()
    if kind == "wav":
        if wav is None:
            raise InputError("the WAV audio backend needs a file", fix="give --audio-wav PATH")
        return WavFileBackend(wav, t0_ns)
    if kind not in ("auto", "device"):
        raise InputError(f"unknown audio backend {kind!r}", fix="use auto, device, wav or off")
    try:
        return SoundDeviceBackend(device)
    except Exception as exc:  # no PortAudio library, no output device, a busy device
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if kind == "device":
            raise InputError("no sound output", where=why,
                             fix="connect speakers or headphones, or install PortAudio (apt-get install libportaudio2)") from None
        if not _no_device_said:
            _no_device_said = True
            log.warning("no sound output (%s): the station plays no sound", why)
        return NullBackend(reason=why)
