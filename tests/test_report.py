"""Session reports: HTML with plots, definitions, history, devices; PDF; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _storage_db import record_demo_session, record_sensor_session

from station.report import SessionData, hand_figures, pose_figures, render_html, sensor_figures, write_pdf, write_report
from station.report.render import value_text
from station.storage import open_database
from station.storage import schema as S
from station.storage.db import Database


@pytest.mark.slow
def test_report_shows_metrics_plots_events_and_history(db: Database, tmp_path: Path, artifacts: Path) -> None:
    first = record_demo_session(db, "P-001", seconds=6, seed=1, day=1)
    second = record_demo_session(db, "P-001", seconds=6, seed=2, day=8)
    db.update_participant("P-001", birth_year=2019, birth_month=5, dominant_hand="left")
    out = write_report(db, first, tmp_path / "r" / "report.html")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "nothing to compare yet" in out.read_text()
    html = render_html(db, second)
    for text in ("Session report", "P-001", "age 6 years", "mean_dev", "perpendicular distance", "Compared with previous sessions",
                 "2 sessions of P-001", "scored events", "SIMULATED CHILD", "No serial devices"):
        assert text in html, text
    assert html.count("data:image/png;base64,") == 4  # fingertip path, speed, body height, progress
    # the change of a headline metric is against the first session's value, in words
    m1 = {m["name"]: m["value"] for m in db.rows(S.metrics, first) if m["exercise"] == "tracing"}
    m2 = {m["name"]: m["value"] for m in db.rows(S.metrics, second) if m["exercise"] == "tracing"}
    d = m2["mean_dev"] - m1["mean_dev"]
    assert d != 0
    words = f"{'up' if d > 0 else 'down'} {value_text(abs(d), 'frame_height')} on last time ({'less good' if d > 0 else 'better'})"
    assert words in html, words
    (artifacts / "report_demo.html").write_text(html, encoding="utf-8")


def test_plots_show_the_stored_data(db: Database) -> None:
    sid = record_demo_session(db, "P-001", seconds=6)
    data = SessionData(db, sid)
    tracing, jumps = data.trials
    figs = hand_figures(data, tracing)
    _t, lm, (w, h) = data.landmarks(tracing["trial"], "hand")  # type: ignore[misc]
    path_ax = figs[0][1].axes[0]
    np.testing.assert_allclose(path_ax.collections[0].get_offsets(), lm[:, 8, :2] * [w, h], rtol=1e-6)
    assert len(path_ax.lines) == 2  # the template band and its centre line
    tmpl = path_ax.lines[1].get_xydata()
    radius = np.hypot(tmpl[:, 0] - 0.5 * w, tmpl[:, 1] - 0.5 * h)
    assert np.allclose(radius, 0.3 * h, rtol=0.02)  # circle of size 0.6 frame heights
    speed_ax = figs[1][1].axes[0]
    n_events = len([e for e in data.events if e["trial"] == tracing["trial"]])
    assert len(speed_ax.lines) == 1 + n_events
    body = pose_figures(data, jumps)[0][1].axes[0]
    jumps_n = len([e for e in data.events if e["trial"] == jumps["trial"] and e["kind"] == "jump"])
    assert jumps_n >= 1 and len([ln for ln in body.lines if ln.get_linestyle() == "--"]) == jumps_n
    assert hand_figures(data, jumps) == [] and sensor_figures(data, tracing) == []


def test_devices_calibrations_and_sensor_plots(db: Database, artifacts: Path) -> None:
    sid, samples = record_sensor_session(db, "P-002", n=200)
    html = render_html(db, sid)
    for text in ("SN0042", "MSG-1", "loadcell", "two-point", "gaps 1", "highest force in the trial", "200</td>"):
        assert text in html, text
    data = SessionData(db, sid)
    fig = sensor_figures(data, data.trials[0])[0][1]
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), [s.values[0] for s in samples])
    assert fig.axes[0].lines[1].get_marker() == "x" and len(fig.axes[0].lines[1].get_xdata()) == 1  # the flagged gap
    assert fig.axes[0].get_ylabel() == "N"
    fig.savefig(artifacts / "report_sensor_figure.png")


def test_pdf_report(db: Database, tmp_path: Path) -> None:
    """The PDF is text (pypdf reads it back): the SIMULATED banner on page one, the headline labels of each
    trial in the order the exercise declares them, before any detail."""
    import pypdf

    import exercises

    record_demo_session(db, "P-001", seconds=4, day=1)
    sid = record_demo_session(db, "P-001", seconds=4, day=2)
    out = write_pdf(db, sid, tmp_path / "r.pdf")
    assert out.read_bytes().startswith(b"%PDF") and stat.S_IMODE(out.stat().st_mode) == 0o600
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) >= 3
    text = "\n".join(p.extract_text() for p in reader.pages)
    first = reader.pages[0].extract_text()
    assert "SIMULATED" in first and "Session report" in first and "P-001" in first
    details = text.index("details")
    for ex in ("tracing", "bunny_hops"):
        labels = [m.label for m in exercises.contract_of(ex).headline]  # type: ignore[union-attr]
        where = [text.index(lab + ":") for lab in labels]
        assert where == sorted(where) and where[-1] < details, (ex, labels, where)
    assert "mean_dev" in text and "perpendicular distance" in text  # the details: every metric with its definition


def test_no_table_is_wider_than_the_page(db: Database) -> None:
    """WeasyPrint's own layout boxes: every table and cell of every page ends inside the page's content
    box (fixed table layout, long words broken), also for a session with many long metric names."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    from station.report.render import render

    sensor, _samples = record_sensor_session(db, "P-002", n=200)
    demo = record_demo_session(db, "P-002", seconds=4, day=3)
    for s in (sensor, demo):
        doc = HTML(string=render(db, s, pdf=True)).render()
        n_tables = 0
        for page in doc.pages:
            pb = page._page_box
            right = pb.content_box_x() + pb.width
            stack = [pb]
            while stack:
                box = stack.pop()
                if isinstance(box, boxes.TableBox | boxes.TableCellBox):
                    n_tables += isinstance(box, boxes.TableBox)
                    assert box.position_x + box.margin_width() <= right + 0.5, (type(box).__name__, box.position_x, box.margin_width(), right)
                stack.extend(getattr(box, "children", []))
        assert n_tables >= 3


def test_summary_for_home_and_school_is_one_plain_page(db: Database, tmp_path: Path) -> None:
    import pypdf

    sid = record_demo_session(db, "P-001", seconds=4, day=1)
    out = write_pdf(db, sid, tmp_path / "s.pdf", summary=True)
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Practice summary for home and school" in text and "SIMULATED" in text
    for internal in ("mean_dev", "in_band_pct", "frame_height", "session_id", "definition"):
        assert internal not in text, internal


def test_cli_report_and_bad_session(tmp_path: Path, station_home: Path) -> None:
    db = open_database(f"sqlite:///{station_home / 'station.db'}")
    sid = record_demo_session(db, "P-001", seconds=3)
    db.dispose()
    env = dict(os.environ, MOTOR_STATION_HOME=str(station_home))
    r = subprocess.run([sys.executable, "-m", "station", "report", sid[:6], "--out", str(tmp_path / "rep.html"), "--pdf"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "rep.html").is_file() and (tmp_path / "rep.pdf").read_bytes().startswith(b"%PDF")
    r = subprocess.run([sys.executable, "-m", "station", "report", "12345678", "--out", str(tmp_path / "no.html")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("error: unknown session") and r.stderr.count("\n") == 1
    assert not (tmp_path / "no.html").exists()


def test_stars_follow_quality_and_the_report_says_why() -> None:
    """Push-ups with mean quality 0.62 and hips-high flags no longer earn three stars; the report's star line
    names the count and the flags in plain words, by the family's one rule."""
    import exercises
    from exercises.contract import QualityCountStars, TrialOutcome, star_rule_text
    from station.report.render import flag_counts, stars_sentence

    contract = exercises.contract_of("pushups")
    assert contract is not None and isinstance(contract.stars, QualityCountStars)
    stars = contract.stars.score(TrialOutcome({}, reps=7, target_reps=None, mean_quality=0.62)).stars
    assert stars == 2
    assert contract.stars.score(TrialOutcome({}, reps=7, target_reps=None, mean_quality=0.95)).stars == 3
    events = [{"kind": "rep", "value": 0.6, "unit": "quality", "payload": {"flags": f}} for f in ("hips_piked", "hips_piked", "", "shallow")]
    flags = flag_counts(contract, events)
    assert flags == [("hips high", 2), ("not deep enough", 1)]
    assert stars_sentence(stars, contract, {"reps": 7}, flags) == "★★☆: 7 repetitions, 2 with hips high, 1 with not deep enough"
    assert "mean quality" in star_rule_text(contract.stars)
    tracing = exercises.contract_of("tracing")
    assert stars_sentence(3, tracing, {"reps": 1}, []) == "★★★"  # a traced path is not "1 repetition"


def test_every_declared_flag_reads_as_plain_words() -> None:
    import exercises

    seen = 0
    for name in exercises.names():
        c = exercises.contract_of(name)
        for flag, words in (c.flags if c is not None else {}).items():
            seen += 1
            assert words and "_" not in words and words != flag, (name, flag, words)
    assert seen >= 15


def test_report_template_strings_go_through_gettext(db: Database) -> None:
    """Translation-ready: with a 'translation' that upper-cases every message, the template's own words
    change (the identity translation is installed today; a real one replaces it without editing the template)."""
    import re

    from station.report.render import build_context, environment

    def shout(s: str) -> str:
        return re.sub(r"(%\([a-z]+\)[sd])|([^%]+)", lambda m: m.group(1) or m.group(2).upper(), s)

    sid = record_demo_session(db, "P-001", seconds=3)
    env = environment()
    env.install_gettext_callables(shout, lambda s, p, n: shout(s if n == 1 else p), newstyle=True)  # type: ignore[attr-defined]
    ctx = build_context(db, sid)
    ctx["for_pdf"] = False
    from markupsafe import Markup

    ctx["goals_html"] = Markup(ctx["goals_html"])
    out = env.get_template("report.html.j2").render(**ctx)
    for words in ("SESSION REPORT", "RESULTS", "DEVICES AND CALIBRATION", "ALL METRICS WITH UNIT AND DEFINITION", "NOTES"):
        assert words in out, words
    summary = env.get_template("summary.html.j2").render(**build_context(db, sid, summary=True))
    assert "PRACTICE SUMMARY FOR HOME AND SCHOOL" in summary and "2 ACTIVITIES" in summary
