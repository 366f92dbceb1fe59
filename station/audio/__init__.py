"""Sound for the child: chimes, spoken prompts in the family's language, the audio service (Qt-free).

:class:`AudioService` listens to a session (the runner's ``scored`` events, the live model's phases) and
plays on its own thread through a backend (:func:`open_backend`: the sound card, nothing, or a WAV file
on the session clock); :class:`PromptLibrary` finds each prompt's recording (the therapist's own first),
falling back to a chime. :func:`attach_audio` wires a service to a session controller.
"""

from __future__ import annotations

import logging
from typing import Any

from station.audio.backends import BLOCK, NullBackend, SoundDeviceBackend, WavFileBackend, open_backend
from station.audio.clips import RATE, Clip, chime, read_wav, write_wav
from station.audio.mixer import Mixer, Onset
from station.audio.prompts import LANGUAGES, PromptLibrary
from station.audio.service import AudioService

log = logging.getLogger(__name__)
ONSETS_FILE = "sound_onsets.csv"

__all__ = ["BLOCK", "LANGUAGES", "RATE", "AudioService", "Clip", "Mixer", "NullBackend", "Onset", "PromptLibrary",
           "SoundDeviceBackend", "WavFileBackend", "attach_audio", "chime", "open_backend", "read_wav", "write_wav"]


def attach_audio(controller: Any, sensory: Any = None, kind: str = "auto", *, wav: str | None = None) -> AudioService:
    """Start an :class:`AudioService` for a :class:`~station.session.control.SessionController` (its runner
    and live model) with the child's sensory settings; the service closes when the session's cleanup runs."""
    clock = controller.runner.clock
    svc = AudioService(open_backend(kind, wav=wav, t0_ns=clock.now_ns()), clock, sensory=sensory).start()
    runner = controller.runner
    svc.attach(runner, controller.model)
    previous = controller.cleanup
    attached: list[str] = []

    def keep_onsets(change: Any = None) -> None:
        """The sounds' onsets beside the session (``sessions/<id>/sound_onsets.csv``, referenced from the database):
        reaction times can be measured from when the child could hear a cue. Written at each trial's end and at the end."""
        if svc.silent or (change is not None and getattr(change, "phase", "") != "trial_end"):
            return  # nothing played (no sound card): no onsets to keep
        from station.paths import session_dir

        try:
            svc.write_onsets(session_dir(runner.session_id) / ONSETS_FILE)
            if not attached:
                attached.append(ONSETS_FILE)
                runner.attach_file("sound_onsets", f"sessions/{runner.session_id}/{ONSETS_FILE}")
        except Exception:  # never stops the session: logged
            log.warning("could not write the sound onsets of session %s", runner.session_id, exc_info=True)

    controller.model.phase_changed.connect(keep_onsets)

    def cleanup() -> None:
        try:
            if previous is not None:
                previous()
        finally:
            svc.close()
            if attached:
                keep_onsets()

    controller.cleanup = cleanup
    return svc
