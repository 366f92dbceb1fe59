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
    # the previous value of a metric is the first session's
    m1 = {m["name"]: m["value"] for m in db.rows(S.metrics, first) if m["exercise"] == "tracing"}
    assert f"<td class='num'>{m1['mean_dev']:.4g}</td>" in html
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
    record_demo_session(db, "P-001", seconds=4, day=1)
    sid = record_demo_session(db, "P-001", seconds=4, day=2)
    out = write_pdf(db, sid, tmp_path / "r.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and stat.S_IMODE(out.stat().st_mode) == 0o600
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page>") >= 5


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
