"""Goals on screen (offscreen Qt): the goal form reads like the sentence it builds and previews the
child's past trials; the History tab's goals panel and the quiet status line; the report's goals section
rendered to an image (saved in test-artifacts/ to be looked at)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSizeF, QUrl
from PySide6.QtGui import QImage, QPainter, QTextDocument
from test_goals import P, record, spec, tp

from station.goals import add_goal, list_goals, load_trials
from station.ui.dashboard import Dashboard
from station.ui.goals import GoalForm


def test_goal_form_sentence_preview_and_save(qtbot, db: Any, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    record(db, "real-1", 1, [9.0, 8.0, 9.5, 7.0, 8.0])
    record(db, "real-2", 2, [4.0, 3.0, 4.5, 6.0, 4.0])
    record(db, "sim-1", 3, [0.5] * 5, source="synthetic", config_source="simulated")  # never counts
    form = GoalForm(P, load_trials(db, P), db=db)
    qtbot.addWidget(form)
    form.resize(1100, 330)
    form.show()
    form.set_goal("tracing", "mean_dev", "at_most", 5.0, unit="mm", criterion="4-of-5", require="mode=tabletop", by="2027-03-01")
    assert form.sentence.text() == ("“P-017 will reach Mean deviation at most 5 mm in tracing in 4 of the last 5 tries, "
                                    "with mode = tabletop, by 2027-03-01”")
    assert "Tracing: goal met on 4 of the last 5 tries" in form.preview.text() and "would be met" in form.preview.text()
    assert "10 tries count" in form.preview.text()
    form.threshold.setValue(3.5)  # the preview follows every edit
    assert "goal reached on 1 of the last 5 tries (4 needed)" in form.preview.text()
    form.threshold.setValue(5.0)
    form.propose()  # baseline = the last 5 tries: 4.3 mm reaches 5 -> no proposal, said in words
    assert "no baseline" in form.error.text()
    form.set_goal("tracing", "mean_dev", "at_most", 3.0, unit="mm", require="mode=tabletop", by="2027-03-01")
    form.propose()  # baseline 4.3 mm: -2 4.95, -1 4.3, 0 3, +1 2.35, +2 1.7
    assert [round(sb.value(), 2) for sb in form.gas] == [4.95, 4.3, 3.0, 2.35, 1.7]
    assert "GAS level -2" in form.preview.text()  # 4.5 mm (4th best of the last 5) does not reach -1 (4.3 mm)
    img = form.grab().toImage()
    assert img.save(str(artifacts / "goal_form.png"))
    form.require.setText("colour=red")  # a setting tracing does not have: one line, nothing to save
    assert "no setting 'colour'" in form.error.text() and not form.save_btn.isEnabled()
    form.require.setText("mode=tabletop")
    with qtbot.waitSignal(form.saved, timeout=5000):
        form.save()
    [g] = list_goals(db, P)
    assert g.spec.threshold == 3.0 and g.spec.gas is not None


def test_history_tab_goals_panel_and_status_line(qtbot, db: Any, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    record(db, "real-1", 1, [4.0, 3.0, 4.5, 6.0, 4.0])
    add_goal(db, spec(gas=[12, 9, 5, 4, 3]))
    dash = Dashboard(db)
    qtbot.addWidget(dash)
    dash.participant.setEditText(P)
    qtbot.waitUntil(lambda: dash.goals_panel.table.rowCount() == 1, timeout=10_000)
    assert dash.goals_panel.table.item(0, 0).text() == "✔ Tracing: goal met on 4 of the last 5 tries"
    assert dash.goals_panel.table.item(0, 2).text() == "+0"
    assert "GAS T-score 50.0 over 1" in dash.goals_panel.title.text()
    assert dash.goals_label.text() == "Goals: Tracing: goal met on 4 of the last 5 tries"
    dash.resize(1400, 800)
    dash.show()
    dash.tabs.setCurrentIndex(2)
    assert dash.tabs.tabText(2) == "History"
    assert dash.grab().toImage().save(str(artifacts / "dashboard_goals.png"))


class _DataUriDocument(QTextDocument):
    """QTextDocument does not load ``data:`` images by itself: the report embeds its figures that way."""

    def loadResource(self, kind: int, url: QUrl) -> Any:
        s = url.toString()
        if s.startswith("data:image/png;base64,"):
            img = QImage()
            img.loadFromData(QByteArray(base64.b64decode(s.split(",", 1)[1])), "PNG")
            return img
        return super().loadResource(kind, url)


def test_report_goals_section_comes_first_and_renders(qtbot, db: Any, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    from station.report import render_html

    record(db, "real-1", 1, [9.0, 8.0, 9.5, 7.0, 8.0])
    add_goal(db, spec(gas=[10, 8.3, 5, 3.4, 1.7], target_date="2027-03-01", settings={"mode": "tabletop"}))
    record(db, "real-2", 2, [6.0, 5.5, 4.8, 5.2, 4.9])
    record(db, "real-3", 3, [4.0, 3.0, 4.5, 6.0, 4.0])
    doc_html = render_html(db, "real-3")
    # the goals come right after the headline results and before the trial details (station.report.render)
    assert doc_html.index('<h2 id="results">') < doc_html.index("<h2>Goals</h2>") < doc_html.index('<h2 class="pagebreak">Trial 1')
    assert "Tracing: goal met on 4 of the last 5 tries" in doc_html and "GAS T-score over 1 goal(s) with levels: <b>50.0</b>" in doc_html
    old = render_html(db, "real-2")  # a report of an earlier session shows where the child stood then
    assert "Tracing: goal reached on 2 of the last 5 tries (4 needed)" in old
    section = "<html><body>" + doc_html[doc_html.index("<h2>Goals</h2>"): doc_html.index('<h2 class="pagebreak">')] + "</body></html>"
    doc = _DataUriDocument()
    doc.setHtml(section)
    doc.setTextWidth(900)
    size = doc.size()
    img = QImage(int(size.width()), int(size.height()), QImage.Format.Format_RGB32)
    img.fill(0xFFFFFF)
    p = QPainter(img)
    doc.drawContents(p)
    p.end()
    assert size.height() > 300 and img.save(str(artifacts / "report_goals.png"))
    assert QSizeF(size).isValid()
    assert tp  # the crafted-history helper is shared with test_goals
