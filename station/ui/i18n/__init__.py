"""The therapist's screens in the station's language: Qt's translation system (QTranslator, .qm files).

``station_<lang>.ts`` (Qt Linguist XML, the translators' file) is compiled to ``station_<lang>.qm`` by
``pyside6-lrelease`` (``scripts/i18n_update.py`` extracts, merges and compiles). :func:`install_translator`
loads the ``.qm`` into a :class:`StationTranslator` on the application, so every ``self.tr("...")`` and
``QCoreApplication.translate(...)`` of the windows returns Spanish. A string is looked up in its own
context (the class that calls ``tr``) first, then in any context: a string that moved to another class
keeps its translation.

Widgets whose texts are not wrapped in ``tr()`` yet are translated once after they are built by
:func:`translate_tree` (labels, buttons, tabs, tooltips, placeholders, table headers, group boxes).
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QTranslator

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).parent


def ts_path(lang: str) -> Path:
    return I18N_DIR / f"station_{lang}.ts"


def qm_path(lang: str) -> Path:
    return I18N_DIR / f"station_{lang}.qm"


def read_catalog(lang: str) -> dict[tuple[str, str], str]:
    """``{(context, source): translation}`` of the finished translations in ``station_<lang>.ts``."""
    out: dict[tuple[str, str], str] = {}
    p = ts_path(lang)
    if not p.exists():
        return out
    for ctx in ET.parse(p).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for m in ctx.iter("message"):
            tr = m.find("translation")
            if tr is not None and tr.text and tr.get("type") not in ("unfinished", "obsolete", "vanished"):
                out[(name, m.findtext("source") or "")] = tr.text
    return out


class StationTranslator(QTranslator):
    """The compiled ``.qm`` catalog, and when a context has no entry for a source, the same source in any context."""

    def __init__(self, lang: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.loaded = self.load(str(qm_path(lang)))
        self.any_context: dict[str, str] = {}
        for (_ctx, src), text in read_catalog(lang).items():
            self.any_context.setdefault(src, text)

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:  # type: ignore[override]
        text = super().translate(context, source, disambiguation, n)
        return text or self.any_context.get(source)  # None (a null QString): not translated, Qt keeps the source

    def text(self, source: str) -> str:
        """``source`` in this language (itself when not translated)."""
        return self.any_context.get(source, source) if source else source


_installed: StationTranslator | None = None


def install_translator(app: Any, lang: str) -> StationTranslator | None:
    """Load ``lang``'s catalog on ``app`` (``None`` for English, the source language). A missing ``.qm`` is one
    logged line; the screens stay in English."""
    global _installed
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    if lang == "en":
        return None
    t = StationTranslator(lang, app)
    if not t.loaded:
        log.warning("no compiled translation %s: the screens stay in English (run scripts/i18n_update.py)", qm_path(lang))
        return None
    app.installTranslator(t)
    _installed = t
    return t


def translate_tree(root: Any, translator: StationTranslator | None = None) -> int:
    """Translate the texts already set on ``root`` and its child widgets (for code not yet using ``tr()``);
    returns how many texts changed."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractSpinBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QTableWidget,
        QTabWidget,
        QWidget,
    )

    t = translator or _installed
    if t is None:
        return 0
    changed = 0

    def tx(s: str) -> str:
        nonlocal changed
        out = t.text(s)
        changed += out != s
        return out

    for w in [root, *root.findChildren(QWidget)]:
        if w.windowTitle():
            w.setWindowTitle(tx(w.windowTitle()))
        if w.toolTip():
            w.setToolTip(tx(w.toolTip()))
        if isinstance(w, QLabel | QAbstractButton) and w.text():
            w.setText(tx(w.text()))
        elif isinstance(w, QGroupBox) and w.title():
            w.setTitle(tx(w.title()))
        if isinstance(w, QLineEdit | QPlainTextEdit) and w.placeholderText():
            w.setPlaceholderText(tx(w.placeholderText()))
        if isinstance(w, QAbstractSpinBox) and w.specialValueText():
            w.setSpecialValueText(tx(w.specialValueText()))
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                w.setTabText(i, tx(w.tabText(i)))
        if isinstance(w, QTableWidget):
            for i in range(w.columnCount()):
                item = w.horizontalHeaderItem(i)
                if item is not None and item.text():
                    item.setText(tx(item.text()))
        plot = getattr(w, "getPlotItem", None)  # a pyqtgraph chart: its title and axis labels
        if callable(plot):
            pi = plot()
            title = getattr(pi, "titleLabel", None)
            if title is not None and title.text:
                title.setText(tx(title.text))
            for name in ("bottom", "left"):
                ax = pi.getAxis(name)
                if ax.labelText:
                    ax.setLabel(tx(ax.labelText), units=ax.labelUnits or None, unitPrefix=ax.labelUnitPrefix or None, **ax.labelStyle)
    return changed


def tr(context: str, source: str) -> str:
    """``QCoreApplication.translate`` for code outside a QObject."""
    return QCoreApplication.translate(context, source)
