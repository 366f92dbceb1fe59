"""Sound for the child: chimes, spoken prompts in the family's language, the audio service (Qt-free).

:class:`AudioService` listens to a session (the runner's ``scored`` events, the live model's phases) and
plays on its own thread through a backend (:func:`open_backend`: the sound card, nothing, or a WAV file
on the session clock); :class:`PromptLibrary` finds each prompt's recording (the therapist's own first),
falling back to a chime. :func:`attach_audio` wires a service to a session controller.
"""

from __future__ import annotations

from typing import Any

from station.audio.backends import BLOCK, NullBackend, SoundDeviceBackend, WavFileBackend, open_backend
from station.audio.clips import RATE, Clip, chime, read_wav, write_wav
from station.audio.mixer import Mixer, Onset
from station.audio.prompts import LANGUAGES, PromptLibrary
from station.audio.service import AudioService

__all__ = ["BLOCK", "LANGUAGES", "RATE", "AudioService", "Clip", "Mixer", "NullBackend", "Onset", "PromptLibrary",
           "SoundDeviceBackend", "WavFileBackend", "attach_audio", "chime", "open_backend", "read_wav", "write_wav"]


def attach_audio(controller: Any, sensory: Any = None, kind: str = "auto", *, wav: str | None = None) -> AudioService:
    """Start an :class:`AudioService` for a :class:`~station.session.control.SessionController` (its runner
    and live model) with the child's sensory settings; the service closes when the session's cleanup runs."""
    clock = controller.runner.clock
    svc = AudioService(open_backend(kind, wav=wav, t0_ns=clock.now_ns()), clock, sensory=sensory).start()
    svc.attach(controller.runner, controller.model)
    previous = controller.cleanup

    def cleanup() -> None:
        try:
            if previous is not None:
                previous()
        finally:
            svc.close()

    controller.cleanup = cleanup
    return svc
