"""Sound and language for one child: volume, quiet mode, loudest sound, the prompts' language, own recordings.

Opened from the dashboard ("Sound and language…"). The settings are the child's
:class:`~station.plans.SensorySettings` (stored with the plan and remembered per child). The prompt table
lists every prompt of the chosen language with its words and where its sound comes from (the therapist's
recording, the shipped set, or a chime); with a microphone the therapist records their own take of any
prompt (Record, then Stop), plays it, or deletes it to go back to the shipped one. Without a microphone
the dialog says so in one line and recording is off.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from station.audio.prompts import LANGUAGES, PROMPT_DIR, PromptLibrary, all_keys, text_of
from station.audio.record import Recorder, delete_prompt, microphone, save_prompt
from station.plans import SensorySettings

log = logging.getLogger(__name__)


class SoundSettingsDialog(QDialog):
    """Edit a child's sensory settings and record prompts; :meth:`settings` gives the result."""

    def __init__(self, settings: SensorySettings | None = None, parent: Any = None, *, code: str = "") -> None:
        super().__init__(parent)
        s = settings or SensorySettings()
        self.setWindowTitle(self.tr("Sound and language") + (f" — {code}" if code else ""))
        self.resize(760, 620)
        root = QVBoxLayout(self)
        form = QFormLayout()
        self.language = QComboBox()
        for k, name in LANGUAGES.items():
            self.language.addItem(name, k)
        self.language.setCurrentIndex(list(LANGUAGES).index(s.language))
        form.addRow(self.tr("Prompts in"), self.language)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(round(s.volume * 100))
        form.addRow(self.tr("Volume"), self.volume)
        self.loudest = QDoubleSpinBox()
        self.loudest.setRange(-40.0, 0.0)
        self.loudest.setSingleStep(1.0)
        self.loudest.setSuffix(" dBFS")
        self.loudest.setValue(s.max_loudness_db)
        self.loudest.setToolTip(self.tr("No sound is ever louder than this, whatever the volume"))
        form.addRow(self.tr("Loudest sound"), self.loudest)
        self.quiet = QCheckBox(self.tr("Quiet mode: no celebration sounds, softer visuals, no confetti"))
        self.quiet.setChecked(s.quiet)
        form.addRow("", self.quiet)
        root.addLayout(form)

        self.has_mic, self.mic_text = microphone()
        self.mic_label = QLabel((self.tr("Microphone: %1") if self.has_mic else
                                 self.tr("No microphone (%1): recording is off; the shipped prompts play")).replace("%1", self.mic_text))
        self.mic_label.setWordWrap(True)
        root.addWidget(self.mic_label)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("prompt"), self.tr("words"), self.tr("plays")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 190)
        self.table.setColumnWidth(1, 330)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        root.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.record_btn = QPushButton(self.tr("● Record"))
        self.play_btn = QPushButton(self.tr("▶ Play"))
        self.delete_btn = QPushButton(self.tr("Use the shipped prompt"))
        for b in (self.record_btn, self.play_btn, self.delete_btn):
            row.addWidget(b)
        row.addStretch(1)
        root.addLayout(row)
        self.record_btn.setEnabled(self.has_mic)
        self.record_btn.clicked.connect(self._record)
        self.play_btn.clicked.connect(self._play)
        self.delete_btn.clicked.connect(self._delete)
        self.status = QLabel("")
        root.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)
        self._recorder: Recorder | None = None
        self.language.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh()

    @property
    def lang(self) -> str:
        return str(self.language.currentData())

    def settings(self) -> SensorySettings:
        return SensorySettings(volume=self.volume.value() / 100, quiet=self.quiet.isChecked(),
                               max_loudness_db=round(self.loudest.value(), 1), language=self.lang)

    def refresh(self) -> None:
        lib = PromptLibrary(self.lang)
        keys = all_keys()
        self.table.setRowCount(len(keys))
        for i, k in enumerate(keys):
            p = lib.path_of(k)
            where = self.tr("chime (no recording)") if p is None else (
                self.tr("shipped (espeak-ng)") if p.parent == PROMPT_DIR / self.lang else self.tr("your recording"))
            for j, text in enumerate((k, text_of(k, self.lang), where)):
                self.table.setItem(i, j, QTableWidgetItem(text))

    def _key(self) -> str | None:
        r = self.table.currentRow()
        item = self.table.item(r, 0) if r >= 0 else None
        return item.text() if item is not None else None

    def _record(self) -> None:
        key = self._key()
        if key is None:
            self.status.setText(self.tr("Choose a prompt first"))
            return
        if self._recorder is None:
            try:
                self._recorder = Recorder()
                self._recorder.start()
            except Exception as exc:  # the microphone went away
                self._recorder = None
                self.status.setText(f"{self.tr('Cannot record')}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
                return
            self.record_btn.setText(self.tr("■ Stop"))
            self.status.setText(self.tr("Recording… say the words, then Stop"))
            return
        samples = self._recorder.stop()
        self._recorder = None
        self.record_btn.setText(self.tr("● Record"))
        try:
            path = save_prompt(samples, self._recorder_rate(), self.lang, key)
        except (ValueError, OSError) as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(f"{self.tr('Saved')}: {path}")
        self.refresh()

    @staticmethod
    def _recorder_rate() -> int:
        from station.audio.record import RECORD_RATE

        return RECORD_RATE

    def _play(self) -> None:
        key = self._key()
        if key is None:
            return
        try:
            import sounddevice as sd

            clip = PromptLibrary(self.lang).clip(key)
            sd.play(clip.samples * (self.volume.value() / 100), clip.rate)
        except Exception as exc:  # no PortAudio or no output device: one line
            self.status.setText(f"{self.tr('Cannot play')}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")

    def _delete(self) -> None:
        key = self._key()
        if key is not None and delete_prompt(self.lang, key):
            self.status.setText(self.tr("Your recording was removed; the shipped prompt plays"))
            self.refresh()
