"""What the station says to start each exercise, per language (the prompt ``ex.<exercise name>``).

An exercise missing here says its game's instruction (``game.<game>``, always present); a new exercise
adds its line here and runs ``scripts/make_prompts.py`` to get its recordings.
"""

from __future__ import annotations

TITLES: dict[str, dict[str, str]] = {
    "balance_lean": {"en": "Lean to the star.", "es": "Inclínate hacia la estrella."},
    "balance_one_leg": {"en": "Stand on one leg.", "es": "Ponte a la pata coja."},
    "balance_quiet_stance": {"en": "Stand still like a statue.", "es": "Quieto como una estatua."},
    "bear_walk": {"en": "Walk like a bear.", "es": "Camina como un oso."},
    "bunny_hops": {"en": "Hop like a bunny.", "es": "Salta como un conejo."},
    "crab_walk": {"en": "Walk like a crab.", "es": "Camina como un cangrejo."},
    "finger_taps": {"en": "Tap your fingers.", "es": "Toca con los dedos."},
    "frog_jumps": {"en": "Jump like a frog.", "es": "Salta como una rana."},
    "grip_max": {"en": "Squeeze as hard as you can!", "es": "¡Aprieta todo lo que puedas!"},
    "grip_repeat": {"en": "Squeeze again and again.", "es": "Aprieta una y otra vez."},
    "grip_squeeze": {"en": "Squeeze and hold.", "es": "Aprieta y aguanta."},
    "grip_tracking": {"en": "Squeeze to follow the line.", "es": "Aprieta para seguir la línea."},
    "jumping_jacks": {"en": "Do jumping jacks.", "es": "Haz saltos de tijera."},
    "jumps": {"en": "Hop like a bunny.", "es": "Salta como un conejo."},
    "long_jump": {"en": "Jump as far as you can!", "es": "¡Salta lo más lejos que puedas!"},
    "one_leg_stance": {"en": "Stand on one leg.", "es": "Ponte a la pata coja."},
    "pegboard": {"en": "Put the pegs in the holes.", "es": "Pon las piezas en los agujeros."},
    "pushups": {"en": "Do push-ups.", "es": "Haz flexiones."},
    "situps": {"en": "Do sit-ups.", "es": "Haz abdominales."},
    "squats": {"en": "Do squats.", "es": "Haz sentadillas."},
    "tracing": {"en": "Follow the path with your finger.", "es": "Sigue el camino con el dedo."},
}
