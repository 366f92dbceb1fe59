"""The therapist's screens and reports in Spanish: Qt catalogs (.ts -> .qm) and gettext catalogs (.po -> .mo)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from i18n_update import ui_strings  # noqa: E402

from station.i18n import REPORT_MESSAGES, UI_LANGUAGES, language, translations  # noqa: E402

UI_FILES = sorted(p for p in (ROOT / "station" / "ui").rglob("*.py") if p.name != "__init__.py")


def _tr_calls() -> set[tuple[str, str, str]]:
    """Every ``self.tr("...")`` / ``QCoreApplication.translate("Ctx", "...")`` literal in station/ui: (context, source, where)."""
    out = set()
    for f in UI_FILES:
        tree = ast.parse(f.read_text(encoding="utf-8"))
        stack: list[tuple[ast.AST, str]] = [(tree, f.stem)]
        while stack:
            node, ctx = stack.pop()
            for ch in ast.iter_child_nodes(node):
                c = ch.name if isinstance(ch, ast.ClassDef) else ctx
                if isinstance(ch, ast.Call) and isinstance(ch.func, ast.Attribute | ast.Name):
                    name = ch.func.attr if isinstance(ch.func, ast.Attribute) else ch.func.id
                    a = ch.args
                    if name == "tr" and a and isinstance(a[0], ast.Constant) and isinstance(a[0].value, str):
                        out.add((ctx, a[0].value, f"{f.relative_to(ROOT)}:{ch.lineno}"))
                    elif name == "translate" and len(a) >= 2 and all(isinstance(x, ast.Constant) for x in a[:2]):
                        out.add((str(a[0].value), str(a[1].value), f"{f.relative_to(ROOT)}:{ch.lineno}"))  # type: ignore[union-attr]
                stack.append((ch, c))
    return out


@pytest.mark.parametrize("lang", [k for k in UI_LANGUAGES if k != "en"])
def test_every_ui_string_has_a_translation(lang: str) -> None:
    from station.ui.i18n import read_catalog

    cat = read_catalog(lang)
    any_ctx = {src for _c, src in cat}
    missing = [f"[{c}] {s!r} ({w})" for c, s, w in sorted(_tr_calls()) if (c, s) not in cat and s not in any_ctx]
    # the strings of the current screens that are not wrapped in tr() yet count too
    missing += [f"[{c}] {s!r} ({w})" for (c, s), w in sorted(ui_strings([p for p in UI_FILES if p.parent.name == "ui"]).items())
                if (c, s) not in cat and s not in any_ctx]
    assert not missing, (f"{len(missing)} string(s) of station/ui have no {lang} translation; run "
                         f"`python scripts/i18n_update.py`, translate them in station/ui/i18n/station_{lang}.ts, run it again:\n"
                         + "\n".join(missing))


def test_the_spanish_qm_loads_and_translates(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication

    from station.ui.i18n import StationTranslator, install_translator, qm_path

    assert qm_path("es").stat().st_size > 1000
    t = install_translator(qapp, "es")
    try:
        assert isinstance(t, StationTranslator) and t.loaded
        assert QCoreApplication.translate("Dashboard", "Participant") == "Participante"
        assert QCoreApplication.translate("SomeNewClass", "Repetitions") == "Repeticiones"  # a string that moved class
        assert QCoreApplication.translate("Dashboard", "not a known string") == "not a known string"
    finally:
        install_translator(qapp, "en")
    assert QCoreApplication.translate("Dashboard", "Participant") == "Participant"


def test_the_dashboard_in_spanish(qapp, qtbot, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel, QPushButton

    from station.storage import open_database
    from station.ui.i18n import install_translator, translate_tree
    from station.ui.window import StationWindow

    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    install_translator(qapp, "es")
    try:
        win = StationWindow(lambda *_a: None, db)
        qtbot.addWidget(win)
        translate_tree(win)  # the few texts still set without tr(); the rest is Spanish from the start
        labels = {w.text() for w in win.findChildren(QLabel)} | {w.text() for w in win.findChildren(QPushButton)}
        assert {"Participante", "Añadir al plan ↓", "▶ Iniciar", "■ Parar", "Niveles:"} <= labels
        assert not {"Participant", "Add to plan ↓", "▶ Start"} & labels
        charts = win.dashboard.charts
        assert charts.reps_plot.getPlotItem().titleLabel.text == "Repeticiones"
        assert charts.dev_plot.getPlotItem().getAxis("bottom").labelText == "tiempo (s)"
        tabs = win.dashboard.tabs
        assert [tabs.tabText(i) for i in range(tabs.count())][:3] == ["Plan", "Resumen", "Historial"]
        win.resize(1600, 900)
        img = win.grab().toImage()
        assert img.save(str(artifacts / "ui_dashboard_es.png"))  # looked at: test-artifacts/ui_dashboard_es.png
    finally:
        install_translator(qapp, "en")
        db.dispose()


def test_report_catalog_in_spanish() -> None:
    es = translations("es")
    assert es.gettext("Session report") == "Informe de la sesión"
    assert es.gettext("Quiet mode") == "Modo tranquilo"
    untranslated = [m for m in REPORT_MESSAGES if not es.gettext(m) or (es.gettext(m) == m and m not in ("SIMULATED",))]
    assert not untranslated
    assert translations("en").gettext("Session report") == "Session report"


def test_report_template_through_jinja_i18n() -> None:
    jinja2 = pytest.importorskip("jinja2")
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_translations(translations("es"), newstyle=True)  # type: ignore[attr-defined]
    html = env.from_string('<h1>{{ _("Session report") }}</h1><p>{{ _("Volume") }}: 80 %</p>').render()
    assert html == "<h1>Informe de la sesión</h1><p>Volumen: 80 %</p>"


def test_language_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from station.core import InputError

    monkeypatch.delenv("MOTOR_STATION_LANG", raising=False)
    assert language(None) == "en" and language("es") == "es" and language("es_MX") == "es"
    monkeypatch.setenv("MOTOR_STATION_LANG", "es")
    assert language(None) == "es"
    with pytest.raises(InputError, match="no translation for language 'fr'"):
        language("fr")


def test_quiet_mode_reaches_the_child_view_no_confetti(qtbot) -> None:  # type: ignore[no-untyped-def]
    from station.core import FakeClock
    from station.session.model import LiveModel, ScheduleItem
    from station.ui.child_view import CONFETTI, ChildView
    from station.ui.palette import qc

    counts = []
    for quiet in (False, True):
        model = LiveModel(FakeClock(), [ScheduleItem("bunny_hops", "Bunny hops", ("pose",), 3, {})])
        model.set_quiet(quiet)
        model.set_phase("celebrate", 10**9)
        v = model.view()
        assert v.quiet is quiet
        view = ChildView()
        qtbot.addWidget(view)
        view.resize(800, 500)
        view.show_state(v, 1.3)
        img = view.grab().toImage()
        arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())[:, :img.width() * 4].reshape(img.height(), img.width(), 4)
        rgb = arr[..., [2, 1, 0]].astype(int)
        colours = [qc(c) for c in CONFETTI]
        n = 0
        for c in colours:
            n += int(np.sum(np.all(np.abs(rgb - np.array([c.red(), c.green(), c.blue()])) <= 2, axis=-1)))
        counts.append(n)
    assert counts[0] - counts[1] > 2000, counts  # the confetti (about 90 small rectangles) is gone; the stars stay


def _record(db, participant: str = "P-001", *, sensory: dict | None = None, seconds: float = 4.0) -> str:  # type: ignore[no-untyped-def]
    """A real session of the simulated child (tracing + jumps) through the session runner, on a fake clock;
    ``sensory`` = the plan's sensory settings stored in its header (what the station's session factory writes)."""
    from datetime import UTC, datetime

    from station.core import FakeClock
    from station.demo import DemoOptions, simulated_trials
    from station.session import SessionRunner

    clock = FakeClock(start_ns=10**12, utc_start=datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    config: dict = {"source": "simulated"}
    if sensory is not None:
        config["plan"] = {"sensory": sensory}
    runner = SessionRunner(db, participant, clock, pacing="own", config=config)
    return runner.run(simulated_trials(DemoOptions(seconds=seconds, seed=0))).session_id


def _pdf_text(path: Path) -> str:
    import pypdf

    return " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(path).pages)


@pytest.mark.slow
def test_a_spanish_report_pdf(tmp_path: Path, artifacts: Path) -> None:
    """The report's PDF in Spanish: the template's words, the headline labels the exercises declare, the
    SIMULATED banner, the sentences render.py builds and the child's sensory settings, none left in English."""
    import exercises
    from station.report import write_pdf
    from station.storage import open_database

    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    try:
        sid = _record(db, sensory={"volume": 0.5, "quiet": True, "max_loudness_db": -12.0, "language": "es"})
        es = translations("es")
        text = _pdf_text(write_pdf(db, sid, tmp_path / "es.pdf", lang="es"))
        (artifacts / "report_es.txt").write_text(text, encoding="utf-8")
        labels = [m.label for name in ("tracing", "jumps") for m in exercises.get(name).contract.headline]
        for en in labels:
            assert es.gettext(en) != en and es.gettext(en) in text, en
            assert f"{en}:" not in text, en
        for words in ("Informe de la sesión", "Resultados", "SIMULADO: producido por el NIÑO SIMULADO", "Ensayo 1: Trazado",
                      "Sonido y ajustes sensoriales: volumen 50 %, máximo -12 dBFS, modo tranquilo", "instrucciones en español",
                      "Todas las medidas con unidad y definición", "Dispositivos y calibración", "seguimiento del cuerpo"):
            assert words in text, words
        for english in ("Session report", "Results", "SIMULATED:", "not measured in this trial", "Sound and sensory settings",
                        "pose tracking", "Trial 1"):
            assert english not in text, english
        # the same session in English: the sensory line is there too, in English
        en_text = _pdf_text(write_pdf(db, sid, tmp_path / "en.pdf", lang="en"))
        assert "Session report" in en_text and "quiet mode" in en_text and "Informe" not in en_text
    finally:
        db.dispose()


def test_the_summary_for_home_and_school_in_spanish(tmp_path: Path) -> None:
    from station.report import write_pdf
    from station.storage import open_database

    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    try:
        sid = _record(db, seconds=3)
        out = write_pdf(db, sid, tmp_path / "s.pdf", summary=True, lang="es")
        import pypdf

        assert len(pypdf.PdfReader(out).pages) == 1
        text = _pdf_text(out)
        for words in ("Resumen de la práctica para casa y el colegio", "2 actividades", "1 de marzo de 2026", "Cómo puede ayudar",
                      "SIMULADO", "Trazado", "Saltos de conejo"):
            assert words in text, words
        for english in ("Practice summary", "How you can help", "activities", "March", "Tracing"):
            assert english not in text, english
    finally:
        db.dispose()


def test_the_report_language_defaults_to_the_childs(tmp_path: Path, station_home: Path) -> None:
    """No --lang: the language of the session's sensory settings, else the one remembered for the child."""
    from station.plans import SensorySettings, remember_sensory
    from station.report import render_html
    from station.storage import open_database

    db = open_database(f"sqlite:///{tmp_path / 's.db'}")
    try:
        sid = _record(db, "P-002", seconds=2)
        assert '<html lang="en">' in render_html(db, sid) and "Session report" in render_html(db, sid)
        remember_sensory("P-002", SensorySettings(language="es"))
        html = render_html(db, sid)
        assert '<html lang="es">' in html and "Informe de la sesión" in html
        assert "Session report" in render_html(db, sid, lang="en")  # --lang wins
        sid2 = _record(db, "P-002", sensory={"language": "en"}, seconds=2)
        assert "Session report" in render_html(db, sid2)  # the session's own settings win over the remembered ones
    finally:
        db.dispose()


def test_cli_report_lang(tmp_path: Path, station_home: Path) -> None:
    import os
    import subprocess

    from station.storage import open_database

    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    sid = _record(db, seconds=2)
    db.dispose()
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home))
    env.pop("MOTOR_STATION_LANG", None)
    r = subprocess.run([sys.executable, "-m", "station", "report", sid[:6], "--summary", "--lang", "es", "--out", str(tmp_path / "s.html")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Resumen de la práctica" in (tmp_path / "s.html").read_text(encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "station", "report", sid[:6], "--lang", "fr"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no translation for language 'fr'" in r.stderr and "use one of en, es" in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("family", ["tracing", "pegboard", "reps", "jumps", "grip", "balance"])
def test_the_spanish_dashboard_fits_both_screen_sizes_mid_play(qapp, qtbot, tmp_path: Path, family: str, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    """Spanish is longer than English: the dashboard mid-play at 1366x768 and 1920x1080 clips no text
    (the check of tests/test_ui_layout.py), and the tiles, banner and buttons speak Spanish."""
    from test_ui_layout import FAMILIES, check_both_sizes, open_mid_play
    from test_ui_screens import _finish

    import exercises
    from station.storage import open_database
    from station.ui.i18n import install_translator, translate_tree

    db = open_database(f"sqlite:///{tmp_path / 'ui.db'}")
    install_translator(qapp, "es")
    es = translations("es")
    try:
        item = FAMILIES[family]
        contract = exercises.contract_of(item.exercise)
        assert contract is not None
        win, factory, device = open_mid_play(qtbot, db, family, prepare=translate_tree)
        d = win.dashboard
        check_both_sizes(win, artifacts, family, "es_")
        shown = [t.caption.text() for t in d.tiles if t.isVisibleTo(win)]
        assert [s.removesuffix(" (al final)") for s in shown] == [es.gettext(m.label) for m in list(contract.headline)[:4]]
        assert all(es.gettext(m.label) != m.label for m in list(contract.headline)[:4])
        if not device:
            assert d.banner.text().startswith(("Jugando", "Prepárate")) and "Ensayo 1 de 1" in d.banner.text(), d.banner.text()
            assert d.pause_btn.text() == "❚❚ Pausa"
            _finish(win, factory, qtbot)
    finally:
        install_translator(qapp, "en")
        db.dispose()


def test_the_goals_section_in_spanish(tmp_path: Path) -> None:
    from test_goals import record, spec

    from station.goals import add_goal
    from station.report import render_html
    from station.storage import open_database

    db = open_database(f"sqlite:///{tmp_path / 'g.db'}")
    try:
        record(db, "real-1", 1, [9.0, 8.0, 9.5, 7.0, 8.0])
        add_goal(db, spec(gas=[10, 8.3, 5, 3.4, 1.7], target_date="2027-03-01", settings={"mode": "tabletop"}))
        record(db, "real-2", 2, [6.0, 5.5, 4.8, 5.2, 4.9])
        html = render_html(db, "real-2", lang="es")
        for words in ("<h2>Objetivos</h2>", "Puntuación T de GAS sobre 1 objetivo(s) con niveles:", "<th>intentos contados</th>",
                      "Solo cuentan los ensayos reales", "aún no cumplido", "<h2 class=\"pagebreak\">Ensayo 1: Trazado"):
            assert words in html, words
        assert "<h2>Goals</h2>" not in html and "tries counted" not in html
    finally:
        db.dispose()


def test_the_summary_shows_practice_at_home_and_at_school_in_both_languages(tmp_path: Path) -> None:
    """How often, how long and what improved per place (station.practice.practice_by_place) on the summary page,
    in English and in Spanish; simulated sessions and sessions older than four weeks do not count."""
    from test_practice import _session as _place_session  # a session row by row with a known place, length and metric

    import exercises
    from station.report import render_html, write_pdf
    from station.storage import open_database

    db = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        _place_session(db, "2026-09-01", "home", "brushing", "brushed_share_pct", 5.0, 9.0)  # more than four weeks before
        _place_session(db, "2026-11-02", "clinic", "posture", "upright_share_pct", 40.0, 5.0)
        _place_session(db, "2026-11-03", "home", "brushing", "brushed_share_pct", 50.0, 2.0)
        _place_session(db, "2026-11-03", "home", "brushing", "brushed_share_pct", 60.0, 2.0)
        _place_session(db, "2026-11-04", "school", "posture", "upright_share_pct", 70.0, 20.0)
        _place_session(db, "2026-11-06", "school", "posture", "upright_share_pct", 55.0, 25.0)
        _place_session(db, "2026-11-07", "home", "brushing", "brushed_share_pct", 99.0, 2.0, simulated=True)
        last = _place_session(db, "2026-11-08", "home", "brushing", "brushed_share_pct", 80.0, 2.0)
        brushing = exercises.get("brushing")
        posture = exercises.get("posture")
        b_label = brushing.contract.history_metric().label  # type: ignore[union-attr]
        p_label = posture.contract.history_metric().label  # type: ignore[union-attr]
        en = render_html(db, last, summary=True, lang="en")
        assert "Practice at home and at school" in en
        assert "<b>At home</b>: 3 sessions on 2 days, 6 min of practice." in en
        assert f"{brushing.title}: {b_label} from 50 % to 80 % (better)" in en
        assert "<b>At school</b>: 2 sessions on 2 days, 45 min of practice." in en
        assert f"{posture.title}: {p_label} from 70 % to 55 % (not better yet)" in en
        assert "<b>At the clinic</b>: 1 session on 1 day, 5 min of practice." in en
        assert en.index("At the clinic") < en.index("At home") < en.index("At school")
        es_cat = translations("es")
        out = write_pdf(db, last, tmp_path / "s_es.pdf", summary=True, lang="es")
        import pypdf

        assert len(pypdf.PdfReader(out).pages) == 1
        text = _pdf_text(out)
        for words in ("Práctica en casa y en el colegio", "En casa: 3 sesiones en 2 días, 6 min de práctica.",
                      "En el colegio: 2 sesiones en 2 días, 45 min de práctica.", "En la consulta: 1 sesión en 1 día, 5 min de práctica.",
                      f"{es_cat.gettext(brushing.title)}: {es_cat.gettext(b_label)} de 50 % a 80 % (mejor)",
                      f"{es_cat.gettext(posture.title)}: {es_cat.gettext(p_label)} de 70 % a 55 % (aún no mejora)"):
            assert words in text, words
        assert es_cat.gettext(brushing.title) != brushing.title and "At home" not in text and "sessions" not in text
    finally:
        db.dispose()
