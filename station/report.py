"""Session reports (HTML) built from what is stored in the database.

The report is derived only from stored data, so it can be regenerated at any time
(``station report SESSION``). It shows the session header, each trial's metrics with their units
and definitions, and the scored events.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from sqlalchemy import select

from station.storage import Database
from station.storage import schema as S


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.4g}"
    return html.escape(str(v))


def render_html(db: Database, session_id: str) -> str:
    sess = db.session(session_id)
    with db.engine.connect() as c:
        trials = c.execute(select(S.trials).where(S.trials.c.session_id == session_id).order_by(S.trials.c.trial)).mappings().all()
        metrics = c.execute(select(S.metrics).where(S.metrics.c.session_id == session_id)).mappings().all()
        events = c.execute(
            select(S.events).where(S.events.c.session_id == session_id).order_by(S.events.c.trial, S.events.c.t_ns)
        ).mappings().all()
    t0 = sess["clock_start_ns"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Motor Station session report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
        "th{background:#eef}.def{color:#555;font-size:90%}</style></head><body>",
        "<h1>Session report</h1>",
        f"<p>Participant <b>{html.escape(sess['participant'])}</b> · session <code>{session_id}</code> · "
        f"started {html.escape(sess['utc_start'])} (UTC) · status <b>{html.escape(sess['status'])}</b> · "
        f"software {html.escape(str(sess['header'].get('software_version')))}</p>",
    ]
    for tr in trials:
        res = tr["result"] or {}
        label = html.escape(tr["exercise"])
        dur = (tr["t_end_ns"] - tr["t_start_ns"]) / 1e9 if tr["t_end_ns"] else None
        parts.append(f"<h2>Trial {tr['trial'] + 1}: {label}</h2>")
        parts.append(f"<p>Repetitions: <b>{_fmt(tr['reps'])}</b> · duration {_fmt(dur)} s · settings <code>{html.escape(str(tr['settings']))}</code></p>")
        parts.append("<table><tr><th>metric</th><th>value</th><th>unit</th><th>definition</th></tr>")
        for m in (m for m in metrics if m["trial"] == tr["trial"]):
            v = m["value"] if m["value"] is not None else m["text"]
            parts.append(f"<tr><td>{html.escape(m['name'])}</td><td>{_fmt(v)}</td><td>{html.escape(m['unit'])}</td><td class='def'>{html.escape(m['definition'])}</td></tr>")
        parts.append("</table>")
        evs = [e for e in events if e["trial"] == tr["trial"]]
        if evs:
            parts.append(f"<details><summary>{len(evs)} scored events</summary><table><tr><th>time (s)</th><th>kind</th><th>rep</th><th>value</th><th>unit</th></tr>")
            for e in evs:
                parts.append(f"<tr><td>{(e['t_ns'] - t0) / 1e9:.3f}</td><td>{html.escape(e['kind'])}</td><td>{e['rep']}</td><td>{_fmt(e['value'])}</td><td>{html.escape(e['unit'])}</td></tr>")
            parts.append("</table></details>")
        _ = res
    parts.append("<p class='def'>Times are seconds from the session start on the session clock. No norms are shown: "
                 "compare with the participant's own history.</p></body></html>")
    return "\n".join(parts)


def write_report(db: Database, session_id: str, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(db, session_id), encoding="utf-8")
    return out
