"""The therapist's own prompts and the child's sound settings in the dashboard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from station.audio.prompts import PROMPT_DIR, PromptLibrary, all_keys
from station.audio.record import RECORD_RATE, clean, delete_prompt, microphone, save_prompt
from station.plans import SensorySettings, child_sensory, remember_sensory


def _take(rate: int) -> np.ndarray:
    t = np.arange(int(0.6 * rate)) / rate
    voice = 0.2 * np.sin(2 * np.pi * 220 * t) * np.hanning(len(t))
    return np.concatenate([np.zeros(rate // 2), voice, np.zeros(rate)])


def test_a_recorded_take_is_trimmed_levelled_and_plays_first(tmp_path: Path) -> None:
    p = save_prompt(_take(44_100), 44_100, "es", "your_turn", folder=tmp_path)
    lib = PromptLibrary("es", dirs=[tmp_path, PROMPT_DIR / "es"])
    assert lib.path_of("your_turn") == p
    clip = lib.recording("your_turn")
    assert clip is not None and 0.4 < clip.duration_s < 0.75  # 0.5 s of silence before and 1 s after are gone
    assert abs(float(np.abs(clip.samples).max()) - 10 ** (-3 / 20)) < 0.03
    assert delete_prompt("es", "your_turn", folder=tmp_path)
    assert lib.path_of("your_turn") == PROMPT_DIR / "es" / "your_turn.ogg"
    with pytest.raises(ValueError, match="silent"):
        clean(np.zeros(RECORD_RATE), RECORD_RATE)


def test_sensory_settings_are_remembered_per_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTOR_STATION_HOME", str(tmp_path))
    assert child_sensory("P-017") is None
    s = SensorySettings(volume=0.3, quiet=True, max_loudness_db=-15, language="es")
    remember_sensory("P-017", s)
    assert child_sensory("P-017") == s and child_sensory("P-018") is None


def test_the_sound_dialog(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MOTOR_STATION_HOME", str(tmp_path))
    from station.ui.prompts_dialog import SoundSettingsDialog

    dlg = SoundSettingsDialog(SensorySettings(volume=0.5, language="en"), code="P-017")
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == len(all_keys())
    has_mic, text = microphone()
    assert dlg.record_btn.isEnabled() is has_mic
    if not has_mic:  # this machine: one line, and recording is off
        assert "\n" not in dlg.mic_label.text() and dlg.mic_label.text().startswith("No microphone") and text in dlg.mic_label.text()
    dlg.language.setCurrentIndex(1)
    dlg.quiet.setChecked(True)
    dlg.loudest.setValue(-18)
    row = all_keys().index("game.hold")
    assert dlg.table.item(row, 1).text() == "Quieto como una estatua."
    assert dlg.table.item(row, 2).text() == "shipped (espeak-ng)"
    assert dlg.settings() == SensorySettings(volume=0.5, quiet=True, max_loudness_db=-18, language="es")


def test_the_dashboard_plan_carries_the_childs_settings(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MOTOR_STATION_HOME", str(tmp_path))
    from station.ui.dashboard import Dashboard

    d = Dashboard()
    qtbot.addWidget(d)
    d.participant.setEditText("P-017")
    assert d.plan().sensory is None
    remember_sensory("P-017", SensorySettings(quiet=True))
    assert d.plan().sensory == SensorySettings(quiet=True)
    d.sensory = SensorySettings(language="es")
    plan = d.plan()
    d2 = Dashboard()
    qtbot.addWidget(d2)
    d2.set_plan(plan)
    assert d2.plan().sensory == SensorySettings(language="es")


def test_reports_read_the_sessions_sensory_settings() -> None:
    from station.plans import plan_from_dict, session_sensory

    plan = plan_from_dict({"items": [{"exercise": "bunny_hops"}], "sensory": {"quiet": True, "language": "es", "volume": 0.5}})
    config = {"command": "run", "plan": plan.model_dump(mode="json")}  # what the session factory stores in the header
    s = session_sensory(config)
    assert s is not None and s.quiet and s.words().startswith("volume 50 %")
    assert session_sensory({"plan": plan_from_dict({"items": [{"exercise": "bunny_hops"}]}).model_dump(mode="json")}) is None
    assert session_sensory(None) is None and session_sensory({"plan": {"sensory": {"volume": 7}}}) is None
