"""Translations of the station's texts: gettext catalogs for reports, and the language setting.

Reports and the parent/teacher summary are Jinja2 templates whose words are ``{{ _("...") }}`` calls
(the ``jinja2.ext.i18n`` extension). This module gives them the catalog of a language::

    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], ...)
    env.install_gettext_translations(translations("es"), newstyle=True)

Catalogs are ``station/locale/<lang>/LC_MESSAGES/messages.mo``, compiled from ``messages.po`` by
``scripts/i18n_update.py`` (Babel extracts the strings from the templates and Python code; the same script
updates the dashboard's Qt catalogs, ``station/ui/i18n/station_<lang>.ts``). English is the source
language: ``translations("en")`` returns the untranslated catalog.

The language of the therapist's screens is a per-station setting: ``station run --lang es`` or the
environment variable ``MOTOR_STATION_LANG``; the language a child hears is in their plan's sensory settings.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
ENV_LANG = "MOTOR_STATION_LANG"
SOURCE_LANGUAGE = "en"
LANGUAGES = {"en": "English", "es": "Español"}
"""Languages the station speaks: complete prompt sets (:mod:`station.audio.prompts`), screens and reports."""
UI_LANGUAGES = LANGUAGES

REPORT_MESSAGES = (
    # the report's and the parent/teacher summary's words, kept here until the templates mark them with _()
    "Session report", "Compared with previous sessions", "Devices and calibration", "Goals", "Trial", "GAS level",
    "No serial devices in this session.",
    "This is the participant's first session with these metrics: nothing to compare yet.",
    "Participant", "Date", "Exercise", "Repetitions", "Stars", "Duration", "Notes", "Status", "Source", "Place",
    "clinic", "home", "school", "complete", "stopped", "failed", "interrupted", "SIMULATED",
    "Sound and sensory settings", "Volume", "Loudest sound", "Quiet mode", "on", "off", "Prompts in",
    "Summary for parents and teachers", "What we practised", "How it went", "What to practise at home",
    "Well done!",
)


def language(explicit: str | None = None) -> str:
    """The therapist's language: ``explicit`` (``--lang``), else ``MOTOR_STATION_LANG``, else English.
    An unknown code raises :class:`~station.core.InputError` (one line: what, where, how to fix)."""
    from station.core import InputError

    lang = (explicit or os.environ.get(ENV_LANG) or SOURCE_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    if lang not in UI_LANGUAGES:
        raise InputError(f"no translation for language {lang!r}", where="--lang or " + ENV_LANG,
                         fix=f"use one of {', '.join(UI_LANGUAGES)}")
    return lang


def translations(lang: str) -> gettext.NullTranslations:
    """The gettext catalog of ``lang`` (a :class:`gettext.GNUTranslations`); English and unknown languages
    get :class:`gettext.NullTranslations` (the source text)."""
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def gettext_for(lang: str) -> Callable[[str], str]:
    """``_`` for Python code that writes texts in ``lang`` (e.g. a report's plain-text summary)."""
    return translations(lang).gettext
