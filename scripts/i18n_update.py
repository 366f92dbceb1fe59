#!/usr/bin/env python3
"""Update the station's translation catalogs: Qt .ts/.qm for the windows, gettext .po/.mo for reports.

    python scripts/i18n_update.py          # extract, merge, compile (keeps every existing translation)
    python scripts/i18n_update.py --check  # exit 1 when a string has no Spanish translation

Qt side: the user-visible strings of ``station/ui/*.py`` are found by reading the code (``self.tr("...")``,
``QCoreApplication.translate("Ctx", "...")`` and, for code not yet wrapped in ``tr()``, literal strings given
to ``setText``/``QLabel``/``QPushButton``/... calls), each under the class it appears in (the context
``self.tr`` uses). When ``pyside6-lupdate`` is installed (it ships in PySide6-Essentials) it is run too and
its entries are merged. New strings are added to ``station/ui/i18n/station_<lang>.ts`` as unfinished;
``pyside6-lrelease`` compiles the ``.qm`` files the station loads.

Gettext side (Jinja2 report templates with ``{{ _("...") }}``, ``station/report*.py`` with ``_()``): Babel
extracts ``station/locale/messages.pot``, updates ``station/locale/<lang>/LC_MESSAGES/messages.po`` and
compiles the ``.mo`` that :func:`station.i18n.translations` loads.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "station" / "ui"
TS_DIR = UI / "i18n"
LOCALE = ROOT / "station" / "locale"
LANGS = ("es",)

CALLS_FIRST = {"setText", "setWindowTitle", "setToolTip", "setPlaceholderText", "setStatusTip", "setTitle", "addItem",
               "QLabel", "QPushButton", "QCheckBox", "QGroupBox", "QAction", "QRadioButton", "QToolButton", "setSuffix",
               "setPrefix", "setSpecialValueText", "addAction", "addMenu", "setWhatsThis", "QMenu", "setLabelText", "addRow", "addWidget"}
CALLS_LIST = {"_table", "addItems", "setHorizontalHeaderLabels", "setVerticalHeaderLabels", "setHeaderLabels"}
CALLS_SECOND = {"addTab", "insertTab", "information", "warning", "critical", "question", "getText", "getItem"}


EXTRA_QT: dict[tuple[str, str], str] = {
    # strings the current code builds in dicts, loops or f-strings (what a tr() of them will look up)
    ("Dashboard", "Remove"): "station/ui/dashboard.py", ("Dashboard", "Load…"): "station/ui/dashboard.py",
    ("Dashboard", "Save…"): "station/ui/dashboard.py", ("Dashboard", "Playing"): "station/ui/dashboard.py",
    ("Dashboard", "Paused"): "station/ui/dashboard.py", ("Dashboard", "Well done!"): "station/ui/dashboard.py",
    ("Dashboard", "Session complete"): "station/ui/dashboard.py", ("Dashboard", "Session failed"): "station/ui/dashboard.py",
    ("Dashboard", "Trial failed (no score)"): "station/ui/dashboard.py", ("Dashboard", "Get ready… %1"): "station/ui/dashboard.py",
    ("Dashboard", "Rest %1 s"): "station/ui/dashboard.py", ("Dashboard", "Trial %1/%2: %3"): "station/ui/dashboard.py",
    ("Dashboard", "Sound and language…"): "station/ui/dashboard.py",
    **{("Dashboard", w): "station/ui/dashboard.py" for w in ("good", "fair", "poor", "not scored")},  # QUALITY_WORDS
}


CONTRACT = "Contract"
"""The Qt context of the words the exercises declare in their contracts (see :func:`contract_messages`)."""


def contract_messages() -> dict[str, str]:
    """``{text: "exercises/<module>.py"}``: every word an exercise declares that the screens and reports show,
    read from the exercise registry: titles, headline metric labels and units (raw and as shown), difficulty
    knob labels, units and help, quality-flag words and star-rule sentences. The windows translate them
    with ``QCoreApplication.translate("Contract", text)``, the reports with gettext."""
    sys.path.insert(0, str(ROOT))
    import exercises
    from exercises.contract import STAR_RULES, settings_of, star_rule_text
    from station.report.render import UNIT_WORDS, unit_text
    from station.ui.dashboard import unit_shown

    out: dict[str, str] = {}

    def add(text: str, where: str) -> None:
        if text and text.strip() and any(ch.isalpha() for ch in text):
            out.setdefault(text, where)

    for name in exercises.names():
        cls = exercises.get(name)
        where = cls.__module__.replace(".", "/") + ".py"
        k = cls.contract
        add(cls.title, where)
        for m in k.headline:
            add(m.label, where)
            for u in (m.unit, unit_shown(m.unit), unit_text(m.unit)):
                add(u, where)
        for st in settings_of(cls.Settings):
            add(st.label, where)
            add(st.unit, where)
            add(st.help, where)
        for words in k.flags.values():
            add(words, where)
        add(star_rule_text(k.stars), where)
    for text in (*STAR_RULES.values(), *UNIT_WORDS.values()):
        add(text, "exercises/contract.py")
    return out


def _texts(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple):
        return [t for e in node.elts for t in _texts(e)]
    return []


def ui_strings(files: list[Path]) -> dict[tuple[str, str], str]:
    """``{(context, source): "file:line"}`` for every user-visible string of ``files`` (see the module docstring)."""
    found: dict[tuple[str, str], str] = {}
    for f in files:
        tree = ast.parse(f.read_text(encoding="utf-8"))
        module_ctx = f.stem
        rel = str(f.relative_to(ROOT))

        def visit(node: ast.AST, ctx: str, rel: str = rel) -> None:
            for child in ast.iter_child_nodes(node):
                c = child.name if isinstance(child, ast.ClassDef) else ctx
                if isinstance(child, ast.Call):
                    fn = child.func
                    name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
                    args = child.args
                    texts: list[str] = []
                    cctx = ctx
                    if name == "tr" and args:
                        texts = _texts(args[0])
                    elif name == "translate" and len(args) >= 2 and isinstance(args[0], ast.Constant):
                        cctx, texts = str(args[0].value), _texts(args[1])
                    elif name in CALLS_FIRST and args:
                        texts = _texts(args[0])
                    elif name in CALLS_LIST and args:
                        texts = _texts(args[0])
                    elif name == "_plot":  # station/ui/charts.py: title, x label, y label
                        texts = [t for a in args[:3] for t in _texts(a)]
                    elif name == "setLabel" and len(args) >= 2:  # pyqtgraph: setLabel(axis, text)
                        texts = _texts(args[1])
                    elif name in CALLS_SECOND and len(args) >= 2:
                        texts = [t for a in args[1:3] for t in _texts(a)]
                    for t in texts:
                        found.setdefault((cctx, t), f"{rel}:{child.lineno}")
                visit(child, c, rel)

        visit(tree, module_ctx)
    for k, v in EXTRA_QT.items():
        found.setdefault(k, v)
    return found


def contract_ui_strings() -> dict[tuple[str, str], str]:
    return {(CONTRACT, text): where for text, where in contract_messages().items()}


def read_ts(path: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """``{(context, source): (translation, finished)}`` of a .ts file."""
    out: dict[tuple[str, str], tuple[str, bool]] = {}
    if not path.exists():
        return out
    for ctx in ET.parse(path).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for m in ctx.iter("message"):
            tr = m.find("translation")
            text = (tr.text or "") if tr is not None else ""
            out[(name, m.findtext("source") or "")] = (text, tr is not None and tr.get("type") not in ("unfinished", "obsolete"))
    return out


def write_ts(path: Path, lang: str, entries: dict[tuple[str, str], tuple[str, bool]], where: dict[tuple[str, str], str]) -> None:
    root = ET.Element("TS", version="2.1", language=lang)
    by_ctx: dict[str, list[tuple[str, tuple[str, bool]]]] = {}
    for (ctx, src), val in sorted(entries.items()):
        by_ctx.setdefault(ctx, []).append((src, val))
    for ctx, msgs in by_ctx.items():
        c = ET.SubElement(root, "context")
        ET.SubElement(c, "name").text = ctx
        for src, (text, done) in msgs:
            m = ET.SubElement(c, "message")
            loc = where.get((ctx, src))
            if loc:
                file, _sep, line = loc.partition(":")
                ET.SubElement(m, "location", filename=f"../../../{file}", line=line or "0")
            ET.SubElement(m, "source").text = src
            t = ET.SubElement(m, "translation")
            t.text = text
            if not done:
                t.set("type", "unfinished")
    ET.indent(root)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ET.tostring(root, encoding="unicode") + "\n", encoding="utf-8")


def tool(name: str) -> str | None:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else shutil.which(name)


def update_qt(check: bool) -> list[str]:
    files = sorted(p for p in UI.glob("*.py") if p.name != "__init__.py")
    found = ui_strings(files) | contract_ui_strings()
    problems = []
    for lang in LANGS:
        ts = TS_DIR / f"station_{lang}.ts"
        old = read_ts(ts)
        lupdate = tool("pyside6-lupdate")
        if lupdate is not None and not check:  # Qt's own extractor: the tr() calls, merged below
            tmp = TS_DIR / f".lupdate_{lang}.ts"
            subprocess.run([lupdate, *map(str, files), "-ts", str(tmp)], check=True, capture_output=True)
            for key in read_ts(tmp):
                found.setdefault(key, "")
            tmp.unlink()
        merged = {k: old.get(k, ("", False)) for k in found}
        merged |= {k: v for k, v in old.items() if v[1]}  # keep finished translations of strings that moved
        missing = sorted(k for k in found if not merged[k][1])
        problems += [f"{lang}: [{c}] {s!r} ({found[(c, s)]})" for c, s in missing]
        if not check:
            write_ts(ts, lang, merged, found)
            lrelease = tool("pyside6-lrelease")
            if lrelease is None:
                raise SystemExit("error: pyside6-lrelease not found (it ships in PySide6-Essentials)")
            subprocess.run([lrelease, str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True, capture_output=True)
    return problems


def update_gettext(check: bool) -> list[str]:
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    method_map = [("**/templates/**.html", "jinja2"), ("**/templates/**.j2", "jinja2"), ("**.py", "python")]
    pot = Catalog(project="motor-station", msgid_bugs_address="")
    for fn, line, msg, comments, _ctx in extract_from_dir(str(ROOT / "station"), method_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
                                                           options_map={"**/templates/**": {"extensions": "jinja2.ext.i18n"}}):
        pot.add(msg, locations=[(f"station/{fn}", line)], auto_comments=comments)
    for msgid in extra_messages():
        if msgid not in pot:
            pot.add(msgid, locations=[("station/i18n.py", 0)])
    problems = []
    if not check:
        LOCALE.mkdir(parents=True, exist_ok=True)
        with open(LOCALE / "messages.pot", "wb") as f:
            write_po(f, pot, omit_header=False, sort_output=True)
    for lang in LANGS:
        po_path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with open(po_path, "rb") as f:
                cat = read_po(f, locale=lang)
        else:
            cat = Catalog(locale=lang, project="motor-station")
        cat.update(pot, no_fuzzy_matching=True)
        cat.fuzzy = False  # the header: translated by hand, complete when the check passes
        cat.project, cat.copyright_holder, cat.msgid_bugs_address = "motor-station", "Motor Station authors", ""
        cat.last_translator = cat.language_team = "Motor Station authors"
        problems += [f"{lang} (gettext): {m.id!r}" for m in cat
                     if m.id and (not all(m.string) if isinstance(m.string, tuple | list) else not m.string)]
        if not check:
            po_path.parent.mkdir(parents=True, exist_ok=True)
            with open(po_path, "wb") as f:
                write_po(f, cat, sort_output=True, ignore_obsolete=True)
            with open(po_path.with_suffix(".mo"), "wb") as f:
                write_mo(f, cat)
    return problems


def extra_messages() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from station.i18n import REPORT_MESSAGES

    return [*REPORT_MESSAGES, *contract_messages()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only list strings without a translation (exit 1 if any)")
    args = ap.parse_args()
    problems = update_qt(args.check) + update_gettext(args.check)
    for p in problems:
        print(f"untranslated: {p}")
    print(f"{len(problems)} untranslated string(s)")
    return 1 if (problems and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
