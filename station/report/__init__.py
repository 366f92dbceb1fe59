"""Session reports (HTML and PDF from one Jinja2 template) built only from what is stored in the database.

A report can be regenerated at any time (``station report SESSION``; ``--summary`` for the one-page
summary for home and school). The layout and its order are in :mod:`station.report.render` and
``templates/``; this module gathers the session's data (:class:`SessionData`) and draws the figures:
plots of the traces (matplotlib) with the scored events marked and their legends beside the data,
progress charts across the participant's sessions, the goals section.

Conventions: plot times are seconds from the trial start on the session clock; image plots are in
pixels of the source frame, x right, y down, unmirrored (what the camera saw, not the child's mirror
view). No norms are shown: the comparison is with the participant's own history. Figures are drawn
with matplotlib's object API (no pyplot state), so reports can be made from any thread.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

import exercises
from station.core import StationError
from station.report.render import _
from station.storage import Database
from station.storage import schema as S
from station.storage.streams import read_landmarks, read_samples

log = logging.getLogger(__name__)

HAND_TIP = 8  # index fingertip
HIPS = (23, 24)
EVENT_COLORS = {"rep": "#2a9d8f", "jump": "#2a9d8f", "left_path": "#e76f51", "entered_path": "#8ab17d", "peg_placed": "#264653"}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return "–" if not np.isfinite(v) else f"{v:.4g}"
    return html.escape(str(v))


def _figure(w: float = 8.0, h: float = 3.0, *, left: float = 0.8, right: float = 0.25, bottom: float = 0.55, top: float = 0.4,
            hspace: float = 0.2, wspace: float = 0.2) -> Any:
    """A figure ``w`` x ``h`` inches with fixed margins in inches.

    Fixed margins instead of a layout engine: constrained layout tripled the time to draw a report.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), dpi=100)
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h, hspace=hspace, wspace=wspace)
    return fig


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


# -- data gathering ---------------------------------------------------------------------------------
class SessionData:
    """Everything a report needs about one session, read once."""

    def __init__(self, db: Database, session_id: str) -> None:
        self.db = db
        self.sess = db.session(session_id)
        self.sid = self.sess["id"]
        self.participant = db.participant(self.sess["participant"])
        self.t0 = int(self.sess["clock_start_ns"])
        self.trials = db.rows(S.trials, self.sid, order=("trial",))
        self.metrics = db.rows(S.metrics, self.sid, order=("trial", "name"))
        self.events = db.rows(S.events, self.sid, order=("trial", "t_ns", "id"))
        self.devices = db.rows(S.devices, self.sid, order=("device_id",))
        self.calibrations = db.rows(S.calibrations, self.sid, order=("id",))
        # history up to this session: a report compares with what came before, never with later sessions
        start = self.sess["utc_start"]
        # (a real session compares only with real, complete ones; a simulated one may compare with simulated ones)
        self.history = [r for r in db.metric_history(self.sess["participant"], include_simulated=bool(self.sess.get("simulated")))
                        if r["utc_start"] <= start]

    def landmarks(self, trial: int, kind: str) -> tuple[np.ndarray, np.ndarray, tuple[int, int]] | None:
        """(t_ns [n], landmarks [n, k, 4], (width, height)) of person 0 / the first hand, or ``None``."""
        batches = list(read_landmarks(self.db, self.sid, trial=trial, kind=kind, person=0))
        if not batches:
            return None
        b = batches[0]
        arr = np.stack([b.landmarks(i) for i in range(len(b))])
        return b.t_ns, arr, (int(b.width[0]), int(b.height[0]))

    def samples(self, trial: int) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """device_id -> (t_ns [n], values [n, c], flags [n]) for one trial."""
        by: dict[str, list[Any]] = defaultdict(list)
        for b in read_samples(self.db, self.sid, trial=trial):
            by[b.device_id].append(b)
        out = {}
        for d, bs in by.items():
            vals = np.concatenate([np.where(b.values_null, np.nan, b.values) for b in bs]) if len({b.values.shape[1] for b in bs}) == 1 \
                else np.array([v for b in bs for v in b.value_lists()], dtype=np.float64)
            out[d] = (np.concatenate([b.t_ns for b in bs]), vals, np.concatenate([b.flags for b in bs]))
        return out

    def sample_stats(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for b in read_samples(self.db, self.sid):
            st = out.setdefault(b.device_id, {"samples": 0})
            st["samples"] += len(b)
            for bit, name in ((1, "saturated"), (2, "gaps"), (4, "resyncs"), (8, "uncalibrated"), (16, "clock_resets")):
                k = int(np.count_nonzero(b.flags & bit))
                if k:
                    st[name] = st.get(name, 0) + k
        return out


# -- figures ----------------------------------------------------------------------------------------
def _mark_events(ax: Any, evs: list[dict[str, Any]], ts: int) -> None:
    seen: set[str] = set()
    extra = ("#e9c46a", "#9b5de5", "#f15bb5", "#00bbf9", "#888888")
    kinds = sorted({e["kind"] for e in evs if e["kind"] not in EVENT_COLORS})
    for e in evs:
        col = EVENT_COLORS.get(e["kind"]) or extra[min(kinds.index(e["kind"]), len(extra) - 1)]
        lab = e["kind"] if e["kind"] not in seen else None
        seen.add(e["kind"])
        ax.axvline((e["t_ns"] - ts) / 1e9, color=col, lw=1.0, alpha=0.8, ls="--", label=lab)


def _full_settings(trial: dict[str, Any]) -> dict[str, Any]:
    """The trial's stored settings with the exercise's defaults filled in (stored as given)."""
    st = dict(trial["settings"] or {})
    try:
        return exercises.get(trial["exercise"]).parse_settings(st).model_dump() | st
    except StationError:  # an exercise no longer registered, or settings it no longer accepts
        return st


def _template_points(trial: dict[str, Any], size: tuple[int, int]) -> np.ndarray | None:
    """The tracing template in frame pixels (screen mode only), or ``None``."""
    contract = exercises.contract_of(trial["exercise"])
    if contract is None or contract.game != "trace":
        return None
    st = _full_settings(trial)
    if st.get("mode", "screen") != "screen" or "shape" not in st:
        return None
    from exercises.templates import make_template
    from station.core import InputError

    w, h = size
    try:
        tmpl = make_template(st["shape"], center=tuple(st.get("center", (0.5, 0.5))), size=float(st.get("size", 0.6)),
                             aspect=w / h, turns=float(st.get("turns", 4.0)), rotation_deg=float(st.get("rotation", 0.0)))
    except (InputError, TypeError, ValueError, KeyError) as exc:
        log.info("no template overlay for trial %s: %s", trial["trial"], exc)
        return None
    return np.asarray(tmpl.points) * np.array([w, h])


def hand_figures(data: SessionData, trial: dict[str, Any]) -> list[tuple[str, Any]]:
    got = data.landmarks(trial["trial"], "hand")
    if got is None:
        return []
    t, lm, (w, h) = got
    ts = int(trial["t_start_ns"])
    tip = lm[:, HAND_TIP, :2] * np.array([w, h])
    evs = [e for e in data.events if e["trial"] == trial["trial"]]
    out = []
    fig = _figure(5.6, 4.7, right=0.1, bottom=1.05)
    ax = fig.add_subplot()
    tmpl = _template_points(trial, (w, h))
    if tmpl is not None:
        tol = float(_full_settings(trial).get("tolerance", 0.0)) * h
        band_pt = 2 * tol * (5.2 * 72 * 0.7) / w  # tolerance band width in points (axes about 70% of the figure)
        ax.plot(tmpl[:, 0], tmpl[:, 1], color="#d9d9d9", lw=max(1.5, band_pt), solid_capstyle="round",
                label=_("template ± tolerance") if tol else _("template"))
        ax.plot(tmpl[:, 0], tmpl[:, 1], color="#888888", lw=0.8)
    sc = ax.scatter(tip[:, 0], tip[:, 1], c=(t - ts) / 1e9, s=5, cmap="viridis", label=_("index fingertip"), zorder=3)
    fig.colorbar(sc, ax=ax, label=_("time from trial start (s)"))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_aspect("equal")
    ax.set_xlabel(_("x (px, camera image)"))
    ax.set_ylabel(_("y (px, down)"))
    ax.set_title(_("Fingertip path"))
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.17), fontsize=7, ncol=2, frameon=False)
    out.append((_("Fingertip path over the template, coloured by time (camera image, unmirrored)."), fig))
    fig = _figure(8.0, 2.6, right=1.6)
    ax = fig.add_subplot()
    tt = (t - ts) / 1e9
    if len(t) > 2:
        sp = np.hypot(*np.diff(tip, axis=0).T) / np.maximum(np.diff(tt), 1e-6)
        ax.plot(tt[1:], sp, color=PALETTE[0], lw=1)
    _mark_events(ax, evs, ts)
    ax.set_xlabel(_("time from trial start (s)"))
    ax.set_ylabel(_("fingertip speed (px/s)"))
    ax.set_title(_("Fingertip speed with scored events"))
    if evs:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    out.append((_("Fingertip speed (frame-to-frame, px/s); dashed lines are scored events."), fig))
    return out


def pose_figures(data: SessionData, trial: dict[str, Any]) -> list[tuple[str, Any]]:
    got = data.landmarks(trial["trial"], "pose")
    if got is None:
        return []
    t, lm, (_w, h) = got
    ts = int(trial["t_start_ns"])
    tt = (t - ts) / 1e9
    hip_y = lm[:, list(HIPS), 1].mean(axis=1) * h
    ankle_y = lm[:, [27, 28], 1].mean(axis=1) * h if lm.shape[1] > 28 else None
    evs = [e for e in data.events if e["trial"] == trial["trial"]]
    fig = _figure(8.0, 2.8, right=1.3)
    ax = fig.add_subplot()
    ax.plot(tt, hip_y, color=PALETTE[0], lw=1.2, label=_("mid-hip"))
    if ankle_y is not None:
        ax.plot(tt, ankle_y, color=PALETTE[1], lw=1.0, label=_("mid-ankle"))
    ax.invert_yaxis()
    _mark_events(ax, evs, ts)
    ax.set_xlabel(_("time from trial start (s)"))
    ax.set_ylabel(_("height in image (px, up)"))
    ax.set_title(_("Body height over time with scored events"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    return [(_("Mid-hip and mid-ankle height in the image (up is higher); dashed lines are scored events."), fig)]


FAULT_BITS = 1 | 2 | 4 | 16  # saturated, gap before, resynced, clock reset (not "uncalibrated": a state, not an event)


def sensor_figures(data: SessionData, trial: dict[str, Any]) -> list[tuple[str, Any]]:
    """One figure per device: one panel per unit (e.g. kg and mm), events dashed, faulty samples crossed."""
    out = []
    infos = {d["device_id"]: d["info"] for d in data.devices}
    ts = int(trial["t_start_ns"])
    evs = [e for e in data.events if e["trial"] == trial["trial"]]
    for dev, (t, vals, flags) in sorted(data.samples(trial["trial"]).items()):
        info = infos.get(dev, {})
        nch = vals.shape[1]
        chans = list(info.get("channels") or [])[:nch] + [f"ch{i}" for i in range(len(info.get("channels") or []), nch)]
        units = (list(info.get("units") or []) + [""] * nch)[:nch]
        by_unit: dict[str, list[int]] = {}
        for i, u in enumerate(units):
            by_unit.setdefault(u, []).append(i)
        fig = _figure(8.0, 1.0 + 1.7 * len(by_unit), hspace=0.12, right=1.9)
        axes = fig.subplots(len(by_unit), 1, sharex=True, squeeze=False)[:, 0]
        tt = (t - ts) / 1e9
        bad = (flags & FAULT_BITS) != 0
        for ax, (unit, idx) in zip(axes, by_unit.items(), strict=True):
            for k, i in enumerate(idx):
                ax.plot(tt, vals[:, i], lw=1, color=PALETTE[k % len(PALETTE)], label=chans[i])
            if bad.any():
                ax.plot(tt[bad], vals[bad, idx[0]], "x", color="#d62728", ms=5, label=_("gap / saturated / resync"))
            _mark_events(ax, evs, ts)
            ax.set_ylabel(unit or _("value"))
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
        axes[-1].set_xlabel(_("time from trial start (s)"))
        uncal = int(((flags & 8) != 0).sum())
        axes[0].set_title(f"{dev} ({info.get('kind', 'sensor')})"
                          + (_(" — {n} of {total} samples uncalibrated").format(n=uncal, total=len(flags)) if uncal else ""))
        out.append((f"Sensor {dev}: every channel over time, one panel per unit; dashed lines are scored events, "
                    "crosses mark samples after a gap, saturated or resynchronised.", fig))
    return out


def headline_metrics(groups: dict[tuple[str, str, str], list[tuple[str, str, float]]], max_panels: int = 9) -> list[tuple[str, str, str]]:
    """The metrics worth a chart: those that changed across sessions (largest relative change first);
    metrics that never changed (frame counts, durations fixed by the protocol) come last."""

    def spread(key: tuple[str, str, str]) -> float:
        v = np.array([p[2] for p in groups[key]], dtype=np.float64)
        if len(v) < 2 or np.ptp(v) == 0:
            return 0.0
        return float(np.ptp(v) / (np.mean(np.abs(v)) + 1e-12))

    keys = sorted(groups, key=lambda k: (-spread(k), k))
    return keys[:max_panels]


def progress_figure(groups: dict[tuple[str, str, str], list[tuple[str, str, float]]], *, title: str = "Progress",
                    highlight: str | None = None, max_panels: int = 9, keys: list[tuple[str, str, str]] | None = None) -> Any:
    """Small multiples: one panel per (exercise, metric, unit), the value per session in session order.

    ``groups``: (exercise, metric, unit) -> [(session_id, utc_start ISO, value)], oldest first.
    The x axis is the participant's session number (labelled with the date); ``highlight`` circles
    one session (the one a report is about). Without ``keys`` the metrics that changed most are drawn.
    """
    keys = keys if keys is not None else headline_metrics(groups, max_panels)
    n = max(1, len(keys))
    cols = 3 if n > 4 else min(n, 2)
    rows = int(np.ceil(n / cols))
    fig = _figure(3.4 * cols, 2.5 * rows + (0.3 if title else 0), left=0.7, bottom=0.6, top=0.45 + (0.3 if title else 0),
                  right=0.15, hspace=0.75, wspace=0.4)
    if title:
        fig.suptitle(title)
    for i, key in enumerate(keys):
        ax = fig.add_subplot(rows, cols, i + 1)
        pts = groups[key]
        x = np.arange(1, len(pts) + 1)
        y = [v for _, _, v in pts]
        ax.plot(x, y, "o-", color=PALETTE[0], ms=4, lw=1)
        if highlight is not None:
            for (sid, _, v), xx in zip(pts, x, strict=True):
                if sid == highlight:
                    ax.plot([xx], [v], "o", ms=10, mfc="none", mec="#d62728", mew=2)
        ex, name, unit = key
        ax.set_title(f"{ex}: {name}" + (f" ({unit})" if unit else ""), fontsize=8)
        step = max(1, len(pts) // 6)
        ax.set_xticks(x[::step], [f"{k}\n{datetime.fromisoformat(u).strftime('%d %b')}" for k, (_, u, _) in zip(x[::step], pts[::step], strict=True)])
        ax.set_xlim(0.5, len(pts) + 0.5)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    return fig


def _session_groups(data: SessionData) -> dict[tuple[str, str, str], list[tuple[str, str, float]]]:
    mine = {(m["exercise"], m["name"]) for m in data.metrics if m["value"] is not None}
    acc: dict[tuple[str, str, str], dict[str, tuple[str, list[float]]]] = {}
    for r in data.history:
        if (r["exercise"], r["name"]) not in mine:
            continue
        key = (r["exercise"], r["name"], r["unit"] or "")
        acc.setdefault(key, {}).setdefault(r["session_id"], (r["utc_start"], []))[1].append(float(r["value"]))
    return {k: sorted(((sid, u, float(np.mean(v))) for sid, (u, v) in per.items()), key=lambda x: (x[1], x[0])) for k, per in acc.items()}


# -- HTML -------------------------------------------------------------------------------------------
def _age(part: dict[str, Any], when_iso: str) -> str | None:
    from station.export.tables import age_years

    a = age_years(part["birth_year"], part["birth_month"], when_iso)
    return None if a is None else f"{a} years"


def _figures_html(figs: list[tuple[str, Any]]) -> list[str]:
    return [f"<figure><img alt='{html.escape(cap)}' src='data:image/png;base64,{_png(fig)}'><figcaption>{html.escape(cap)}</figcaption></figure>"
            for cap, fig in figs]


def trial_figures(data: SessionData, trial: dict[str, Any]) -> list[tuple[str, Any]]:
    return hand_figures(data, trial) + pose_figures(data, trial) + sensor_figures(data, trial)


def _tracker_line(data: SessionData) -> str:
    """Which tracker models produced this session's landmarks (backend and MediaPipe version in their
    names) and whether usage metrics may have left the machine; empty when nothing was tracked."""
    from vision.mp_tasks import describe_models

    models = sorted({str(m) for b in read_landmarks(data.db, data.sid) for m in set(b.model)})
    return describe_models(models)


def goal_figure(spec: Any, ev: Any, values: list[float]) -> Any:
    """The goal metric over the tries that count (oldest first), the threshold dashed, GAS levels faint."""
    fig = _figure(6.0, 1.9, left=0.7, bottom=0.45, top=0.15, right=1.0)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(1, len(values) + 1)
    ok = [spec.reaches(v) for v in values]
    ax.plot(x, values, color="#999", lw=1)
    ax.scatter(x, values, c=["#009E73" if o else "#D55E00" for o in ok], s=22, zorder=3)
    ax.axhline(spec.threshold, color="#0072B2", ls="--", lw=1.2)
    ax.text(1.01, spec.threshold, _("goal"), transform=ax.get_yaxis_transform(), va="center", fontsize=8, color="#0072B2")
    if spec.gas is not None:
        for lv, y in zip((-2, -1, 1, 2), (spec.gas[0], spec.gas[1], spec.gas[3], spec.gas[4]), strict=True):
            ax.axhline(y, color="#bbb", lw=0.7, ls=":")
            ax.text(1.01, y, f"GAS {lv:+d}", transform=ax.get_yaxis_transform(), va="center", fontsize=7, color="#888")
    ax.set_xlabel(_("tries that count (oldest -> newest)"), fontsize=8)
    ax.set_ylabel(spec.unit, fontsize=8)
    ax.tick_params(labelsize=7)
    return fig


TREND_WORDS = (_("steady"), _("improving"), _("worsening"))
"""A goal's trend (:func:`station.goals.evaluate`), for the extraction: the report translates it."""


def goals_html(data: SessionData) -> list[str]:
    """The report's first section: the child's goals and where the child stands on each, from real trials
    up to this session (see :mod:`station.goals`)."""
    from station.goals import goal_values, load_trials, progress, summary_t_score

    code = data.sess["participant"]
    items = progress(data.db, code, until_utc=data.sess["utc_start"])
    if not items:
        return []
    trials = [t for t in load_trials(data.db, code) if t.utc_start <= data.sess["utc_start"]]
    parts = ["<h2>" + html.escape(_("Goals")) + "</h2>"]
    ts, n = summary_t_score(items)
    if ts is not None:
        parts.append("<p>" + html.escape(_("GAS T-score over {n} goal(s) with levels:").format(n=n)) + f" <b>{ts:.1f}</b> <span class='muted'>("
                     + html.escape(_("50 = the expected outcome on every goal; Kiresuk & Sherman 1968, rho = 0.3, weights as set")) + ")</span></p>")
    for p in items:
        s, e = p.goal.spec, p.evaluation
        here = [v for t, v in goal_values(s, trials) if t.session_id == data.sid]
        state = ("<span class='met'>" + html.escape(_("met")) if e.met else "<span class='notmet'>" + html.escape(_("not met yet"))) + "</span>"
        parts.append(f"<p class='goal'><b>{html.escape(e.words(s))}</b> · {state}</p>")
        parts.append(f"<p class='muted'>{html.escape(s.sentence())} · goal {p.goal.id[:8]} v{p.goal.version}{'' if p.goal.status == 'active' else ' (' + html.escape(p.goal.status) + ')'}</p>")
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in (_("tries counted"), _("this session"), _("criterion value"),
                                                                                     _("trend"), _("GAS level"))) + "</tr>"
                     f"<tr><td class='num'>{e.n_trials}</td><td class='num'>{len(here)}{': ' + ', '.join(_fmt(v) for v in here) if here else ''}</td>"
                     f"<td class='num'>{_fmt(e.value)} {html.escape(s.unit)}</td><td>{html.escape(_(e.trend))}</td>"
                     f"<td class='num'>{'–' if e.level is None else f'{e.level:+d}'}</td></tr></table>")
        vals = [v for _, v in goal_values(s, trials)][-20:]
        if vals:
            cap = _("{label} over the last {n} tries that count (green: goal reached)").format(label=s.label, n=len(vals))
            parts += _figures_html([(cap, goal_figure(s, e, vals))])
    parts.append("<p class='muted'>" + html.escape(_("Only real trials count: the simulated child, simulated devices and trials that ended "
                                                     "without a result never do; settings a goal requires must hold.")) + "</p>")
    return parts


def banners(sess: dict[str, Any], trials: list[dict[str, Any]]) -> list[str]:
    """The warnings a report opens with: SIMULATED (not a child's performance) and FAILED (with the reason)."""
    return [text for _kind, text in banner_pairs(sess, trials)]


def banner_pairs(sess: dict[str, Any], trials: list[dict[str, Any]], _: Any = None) -> list[tuple[str, str]]:
    """(``SIMULATED`` / ``FAILED``, the banner's sentence in the report's language; ``_`` translates)."""
    _ = _ or (lambda s: s)
    out = []
    if sess.get("simulated"):
        out.append(("SIMULATED", _("SIMULATED: produced by the SIMULATED CHILD or a device simulator ({source}), "
                                    "not a real participant's performance.").format(source=_(sess.get("source") or "simulated"))))
    for t in trials:
        if t.get("status") == "failed":
            out.append(("FAILED", _("FAILED: trial {n} ({exercise}): {reason}; no score.").format(
                n=t["trial"] + 1, exercise=t["exercise"], reason=t.get("reason") or _("its input failed"))))
    return out


def render_html(db: Database, session_id: str, *, summary: bool = False, lang: str | None = None) -> str:
    """The full report of one session (or the one-page summary for home and school) as a self-contained
    HTML document, from the one Jinja2 template (see :mod:`station.report.render`), in ``lang`` (default:
    the language chosen for the child, see :func:`station.report.render.report_language`)."""
    from station.report.render import render

    return render(db, session_id, summary=summary, lang=lang)


def _private_write(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(out, 0o600)


def write_report(db: Database, session_id: str, out: Path, *, summary: bool = False, lang: str | None = None) -> Path:
    """Write the HTML report of a session to ``out`` (owner-only, mode 0600); returns ``out``."""
    _private_write(Path(out), render_html(db, session_id, summary=summary, lang=lang).encode("utf-8"))
    return Path(out)


def write_pdf(db: Database, session_id: str, out: Path, *, summary: bool = False, lang: str | None = None) -> Path:
    """Write the report as a PDF: the same template as the HTML, laid out by WeasyPrint (text stays text)."""
    from station.report.render import html_to_pdf, render

    _private_write(Path(out), html_to_pdf(render(db, session_id, summary=summary, pdf=True, lang=lang)))
    return Path(out)


def write_both(db: Database, session_id: str, folder: Path, *, lang: str | None = None) -> tuple[Path, Path | None, str]:
    """``report.html`` and ``report.pdf`` of a session in ``folder`` (what ``station run`` and the demos
    write at the end; ``lang``: the language the therapist chose with ``--lang``, else the child's own).
    The PDF is a convenience: when it cannot be made (e.g. the system lacks Pango) the HTML is still
    written and the reason is returned as the third item."""
    html_path = write_report(db, session_id, Path(folder) / "report.html", lang=lang)
    try:
        return html_path, write_pdf(db, session_id, Path(folder) / "report.pdf", lang=lang), ""
    except (OSError, ImportError) as exc:  # WeasyPrint's system libraries missing, or a full disk
        log.warning("PDF report of %s not written: %s", session_id, exc)
        return html_path, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
