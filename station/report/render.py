"""The session report as one Jinja2 template rendered to HTML and, through WeasyPrint, to PDF.

``templates/report.html.j2`` is the only layout: the HTML file and the PDF are the same document (the
PDF's text is real text, selectable and searchable). ``templates/summary.html.j2`` is the one-page
summary for home and school (``station report S --summary``).

Order of the full report (what a therapist reads in a minute first):

1. who, when, what was played; SIMULATED / FAILED banners;
2. per trial: stars and the star rule in words, the headline metrics **in the order the exercise
   declares them** (``contract.headline``), each with a plain-language sentence, the change since the
   last sessions and a small trend chart from the child's own history (no norms);
3. goals (when the child has any);
4. details per trial: every metric with unit and definition (collapsed in HTML), plots with legends
   outside the data, scored events;
5. devices and calibrations, data quality (tracking rate, gaps, flags), notes.

Every user-visible string of the templates goes through ``_()`` (``jinja2.ext.i18n``) and every sentence
this module builds through :func:`_`: both look up the gettext catalog of the report's language
(:func:`station.i18n.translations`, ``station/locale``). The words the exercises declare (titles, labels,
units, flags, star rules) are in the same catalog (``scripts/i18n_update.py`` extracts them from the
registry). The language is ``station report --lang``, else the one chosen for the child in their sensory
settings (the session's, then the one remembered for the child), else ``MOTOR_STATION_LANG``, else English.
"""

from __future__ import annotations

import base64
import gettext
import io
import math
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

import exercises
from exercises.contract import Contract, Metric, TrialOutcome, quality_of, settings_of, star_rule_text, stars_text
from station.core import StationError

TEMPLATES = Path(__file__).with_name("templates")


_CATALOG: ContextVar[gettext.NullTranslations | None] = ContextVar("report_catalog", default=None)


def _(text: str) -> str:
    """A sentence this module builds (or a word an exercise declares) in the language of the report being
    made (gettext's name, so the extraction finds the literal ones); English outside :func:`language_of`."""
    cat = _CATALOG.get()
    return cat.gettext(text) if text and cat is not None else text


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural sentence in the report's language (gettext's name, so the extraction finds it)."""
    cat = _CATALOG.get()
    return cat.ngettext(singular, plural, n) if cat is not None else (singular if n == 1 else plural)


@contextmanager
def in_language(lang: str) -> Iterator[gettext.NullTranslations]:
    """Make :func:`_` speak ``lang`` for the duration (the catalog of :func:`station.i18n.translations`)."""
    from station.i18n import translations

    cat = translations(lang)
    token = _CATALOG.set(cat)
    try:
        yield cat
    finally:
        _CATALOG.reset(token)


def report_language(explicit: str | None, config: Mapping[str, Any] | None, participant: str | None) -> str:
    """``explicit`` (``--lang``), else the language of the session's sensory settings, else the one remembered
    for the child (:func:`station.plans.child_sensory`), else the station's (``MOTOR_STATION_LANG``, English).
    An unknown code is an :class:`~station.core.InputError`."""
    from station.i18n import language
    from station.plans import child_sensory, session_sensory

    if explicit:
        return language(explicit)
    chosen = session_sensory(config)
    if chosen is None and participant:
        try:
            chosen = child_sensory(participant)
        except StationError:  # an old or odd code: no remembered settings
            chosen = None
    return language(chosen.language if chosen is not None else None)


def environment(lang: str = "en") -> Any:
    """The Jinja2 environment of the report templates (autoescaped, with the i18n extension and the gettext
    catalog of ``lang`` installed)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from station.i18n import translations

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(("html", "j2")),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["num"] = fmt_num
    return env


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
"""Month names of the summary's date (translated through the catalog: no locale needed on the machine)."""
MONTH_WORDS = (_("January"), _("February"), _("March"), _("April"), _("May"), _("June"), _("July"), _("August"),
               _("September"), _("October"), _("November"), _("December"))  # for the extraction; English here


SOURCE_WORDS = (_("simulated"), _("camera"), _("video"), _("replay"))
"""Where a session's input came from (``sessions.source``), for the extraction; :func:`_` translates them."""


def sensory_words(s: Any) -> str:
    """The child's sensory settings as one line of the report in its language
    (as :meth:`station.plans.SensorySettings.words`: volume, loudest sound, quiet mode, prompts' language)."""
    from station.i18n import LANGUAGES

    parts = [_("volume {pct} %").format(pct=f"{s.volume * 100:.0f}"), _("loudest {db} dBFS").format(db=f"{s.max_loudness_db:g}")]
    if s.quiet:
        parts.append(_("quiet mode (no celebration sounds, softer visuals, no confetti)"))
    names = {"en": _("English"), "es": _("Spanish")}  # the language's name inside a sentence ("en español")
    parts.append(_("prompts in {language}").format(language=names.get(s.language) or LANGUAGES.get(s.language, s.language)))
    return ", ".join(parts)


def fmt_num(v: Any, digits: int = 3) -> str:
    """A number as a person reads it: 3 significant digits, integers without decimals, ``–`` when missing."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return _("yes") if v else _("no")
    if isinstance(v, int):
        return f"{v:,}".replace(",", " ") if abs(v) >= 10000 else str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        if v == int(v) and abs(v) < 1e6:
            return str(int(v))
        return f"{v:.{digits}g}"
    return str(v)


UNIT_WORDS = {"mm^2": "mm²", "frame_height": "frame heights", "fraction": "", "0..1": "", "count": "", "1/min": "per min"}
"""How a stored unit is written in a sentence (``mm^2`` -> ``mm²``; a count or fraction needs no unit)."""


def unit_text(unit: str) -> str:
    """The unit as a sentence writes it, in the report's language."""
    if unit in UNIT_WORDS:
        return _(UNIT_WORDS[unit])
    return _(unit.replace("frame_height", "frame heights").replace("^2", "²").replace("^3", "³"))


def value_text(value: float | None, unit: str) -> str:
    """``82 %``, ``796 mm²``, ``0.62`` (quality), ``75 %`` for a fraction."""
    if value is None or not math.isfinite(value):
        return "–"
    if unit == "fraction":
        return f"{fmt_num(100 * value, 2)} %"
    u = unit_text(unit)
    return f"{fmt_num(value)} {u}".strip()


# -- pieces of the context ------------------------------------------------------------------------
@dataclass
class Headline:
    label: str
    value: str
    sentence: str
    change: str
    trend_svg: str | None
    direction: str = ""
    """``better`` / ``worse`` / ``same`` / ``""`` (unknown or neither direction better)."""


@dataclass
class TrialView:
    number: int
    title: str
    exercise: str
    status: str
    reason: str
    simulated: bool
    source: str
    duration_s: float | None
    settings: list[tuple[str, str]]
    stars: str
    stars_sentence: str
    star_rule: str
    headlines: list[Headline]
    metrics: list[dict[str, str]]
    figures: list[tuple[str, str]] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)
    n_events: int = 0
    quality: list[tuple[str, str]] = field(default_factory=list)
    flags: list[tuple[str, int]] = field(default_factory=list)
    compared: bool = False
    """Whether any headline metric has earlier sessions to compare with."""


def _svg(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def trend_chart(values: list[float], highlight_last: bool, unit: str) -> str:
    """A small line of the child's own values (oldest first, this session last and circled) as SVG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2.0, 0.5), dpi=100)
    fig.subplots_adjust(left=0.2, right=0.97, bottom=0.12, top=0.9)
    ax = fig.add_subplot()
    x = np.arange(1, len(values) + 1)
    ax.plot(x, values, "-o", color="#0072B2", ms=3, lw=1.2)
    if highlight_last:
        ax.plot([x[-1]], [values[-1]], "o", ms=7, mfc="none", mec="#D55E00", mew=1.5)
    ax.set_xticks([])
    ax.tick_params(labelsize=6, length=2)
    lo, hi = min(values), max(values)
    ax.set_yticks([lo, hi] if hi > lo else [lo])
    ax.set_yticklabels([fmt_num(v, 2) for v in ([lo, hi] if hi > lo else [lo])])
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.set_xlim(0.5, len(values) + 0.5)
    return _svg(fig)


def _sessions_of(history: list[dict[str, Any]], exercise: str, name: str) -> list[tuple[str, str, float]]:
    """(session_id, utc_start, mean value) per session of one metric, oldest first."""
    per: dict[str, tuple[str, list[float]]] = {}
    for r in history:
        if r["exercise"] == exercise and r["name"] == name and r["value"] is not None:
            per.setdefault(r["session_id"], (r["utc_start"], []))[1].append(float(r["value"]))
    return sorted(((sid, u, float(np.mean(v))) for sid, (u, v) in per.items()), key=lambda x: (x[1], x[0]))


def change_words(m: Metric, now: float | None, prev: float | None, n_prev: int) -> tuple[str, str]:
    """(``up 3 % on last time (better)``, direction) for a headline metric."""
    if now is None or not math.isfinite(now):
        return "", ""
    if prev is None or n_prev == 0:
        return "", ""  # the trial says once that there is nothing to compare yet
    d = now - prev
    if abs(d) <= 1e-9 * max(1.0, abs(prev)):
        return _("the same as last time"), "same"
    amount = value_text(abs(d), m.unit) if m.unit not in ("count", "0..1") else fmt_num(abs(d))
    if m.higher_is_better is None:
        return (_("up {amount} on last time") if d > 0 else _("down {amount} on last time")).format(amount=amount), ""
    better = (d > 0) == m.higher_is_better
    words = {(True, True): _("up {amount} on last time (better)"), (True, False): _("up {amount} on last time (less good)"),
             (False, True): _("down {amount} on last time (better)"), (False, False): _("down {amount} on last time (less good)")}
    return words[(d > 0, better)].format(amount=amount), "better" if better else "worse"


def headline_sentence(m: Metric, value: float | None) -> str:
    """One plain sentence: ``Time on the path: 82 %.``"""
    if value is None or not math.isfinite(value):
        return _("{label}: not measured in this trial.").format(label=_(m.label))
    return _("{label}: {value}.").format(label=_(m.label), value=value_text(value, m.unit))


def flag_counts(contract: Contract | None, events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(plain-language flag, units that raised it) of a trial's quality events, most frequent first."""
    c: Counter[str] = Counter()
    for e in events:
        raw = (e.get("payload") or {}).get("flags")
        if not raw or not isinstance(raw, str):
            continue
        for f in (x.strip() for x in raw.split(",")):
            if f:
                c[_(contract.flag_label(f)) if contract is not None else f.replace("_", " ")] += 1
    return c.most_common()


def trial_stars(contract: Contract | None, trial: dict[str, Any], metrics: Mapping[str, float], events: list[dict[str, Any]],
                target_reps: int | None) -> int | None:
    """The stars the trial earned by its family's rule (recomputed from what is stored)."""
    if contract is None or trial.get("status") == "failed":
        return None
    qs = [q for e in events if (q := quality_of(e["kind"], e["value"], e["unit"], e["payload"] or {}, contract.quality_events)) is not None]
    outcome = TrialOutcome(live=dict(metrics), reps=int(trial.get("reps") or 0), target_reps=target_reps,
                           mean_quality=float(np.mean(qs)) if qs else math.nan)
    return contract.stars.score(outcome).stars


def stars_sentence(stars: int | None, contract: Contract | None, trial: dict[str, Any], flags: list[tuple[str, int]]) -> str:
    """``★★☆: 7 reps, 2 with hips high``."""
    if stars is None:
        return _("no stars: the trial has no result")
    # the count only where the exercise counts something (a traced path or a stance is not "1 repetition")
    count = next((m for m in (contract.headline if contract is not None else ()) if m.unit == "count" and m.higher_is_better), None)
    bits = [f"{trial.get('reps') or 0} {_(count.label).lower()}"] if count is not None else []
    bits += [_("{n} with {flag}").format(n=n, flag=label) for label, n in flags[:3]]
    return f"{stars_text(stars)}: " + ", ".join(bits) if bits else stars_text(stars)


def settings_rows(exercise: str, settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The trial's difficulty settings as (label, value with unit); other settings by name."""
    try:
        cls = exercises.get(exercise)
        full = cls.parse_settings(dict(settings)).model_dump()
        knobs = settings_of(cls.Settings)
    except StationError:
        return [(k, fmt_num(v)) for k, v in settings.items()]
    rows = [(_(s.label), f"{fmt_num(full.get(s.name))} {_(s.unit)}".strip()) for s in knobs]
    known = {s.name for s in knobs}
    rows += [(k, fmt_num(v) if not isinstance(v, list | tuple) else ", ".join(fmt_num(x) for x in v))
             for k, v in settings.items() if k not in known]
    return rows


PRACTICE_DAYS = 28
"""The summary's practice by place covers the four weeks up to the session."""


@dataclass
class PlaceView:
    place: str
    """``At home``, in the report's language."""
    often: str
    """``5 sessions on 4 days, 42 min of practice``."""
    improved: list[str]
    """``Tracing: Time on the path from 60 % to 82 % (better)``, one per exercise that changed."""


def practice_views(db: Any, participant: str, utc_start: str) -> list[PlaceView]:
    """How often, how long and what improved at the clinic, at home and at school in the :data:`PRACTICE_DAYS`
    up to a session (:func:`station.practice.practice_by_place`: real sessions only), in the report's language."""
    from datetime import timedelta

    from station.practice import practice_by_place

    start = datetime.fromisoformat(utc_start)
    since = (start - timedelta(days=PRACTICE_DAYS)).isoformat()
    by_place = practice_by_place(db, participant, since=since)
    words = {"clinic": _("At the clinic"), "home": _("At home"), "school": _("At school")}
    out = []
    for place in sorted(by_place, key=lambda p: (list(words).index(p) if p in words else len(words), p)):
        pp = by_place[place]
        if pp.sessions == 0:
            continue
        often = ngettext("{n} session", "{n} sessions", pp.sessions).format(n=pp.sessions) + " " + \
            ngettext("on {n} day", "on {n} days", pp.days).format(n=pp.days) + ", " + \
            _("{minutes} min of practice").format(minutes=fmt_num(round(pp.minutes)))
        improved = []
        for c in pp.changes:
            if c.better is None:
                continue
            sentence = _("{title}: {label} from {first} to {last} (better)") if c.better else \
                _("{title}: {label} from {first} to {last} (not better yet)")
            improved.append(sentence.format(title=_(c.title), label=_(c.label), first=value_text(c.first, c.unit),
                                            last=value_text(c.last, c.unit)))
        out.append(PlaceView(words.get(place, _(place)), often, improved))
    return out


def data_quality(data: Any, trial: dict[str, Any]) -> list[tuple[str, str]]:
    """Tracking rate and gaps of the camera tracking, samples of the devices."""
    from station.storage.streams import read_landmarks

    out: list[tuple[str, str]] = []
    dur = (trial["t_end_ns"] - trial["t_start_ns"]) / 1e9 if trial["t_end_ns"] else None
    for kind in ("hand", "pose"):
        ts = [b.t_ns for b in read_landmarks(data.db, data.sid, trial=trial["trial"], kind=kind)]
        if not ts:
            continue
        t = np.unique(np.concatenate(ts))
        rate = (len(t) - 1) / ((t[-1] - t[0]) / 1e9) if len(t) > 2 and t[-1] > t[0] else 0.0
        gap = float(np.max(np.diff(t)) / 1e9) if len(t) > 1 else 0.0
        share = _(" ({p} % of the trial)").format(p=f"{100 * (t[-1] - t[0]) / 1e9 / dur:.0f}") if dur else ""
        out.append((_("hand tracking") if kind == "hand" else _("pose tracking"),
                    _("{n} frames, {rate} per second{share}; longest gap {gap} s").format(n=len(t), rate=f"{rate:.0f}", share=share, gap=f"{gap:.2f}")))
    for dev, (t, _v, flags) in sorted(data.samples(trial["trial"]).items()):
        bad = {name: int(np.count_nonzero(flags & bit))
               for bit, name in ((1, _("saturated")), (2, _("gaps")), (4, _("resyncs")), (8, _("uncalibrated")))}
        shown = ", ".join(f"{n} {k}" for k, n in bad.items() if n) or _("no faults")
        out.append((dev, _("{n} samples; {faults}").format(n=len(t), faults=shown)))
    return out


def _target_reps(config: Mapping[str, Any], i: int) -> int | None:
    trials = config.get("trials") or []
    if 0 <= i < len(trials):
        v = trials[i].get("reps") or trials[i].get("target_reps")
        return int(v) if isinstance(v, int | float) and v else None
    return None


def build_context(db: Any, session_id: str, *, summary: bool = False, lang: str | None = None) -> dict[str, Any]:
    """Everything the templates show, read from the database, in the report's language (``lang``, else
    :func:`report_language`'s choice; the context's ``lang``)."""
    from station.report import SessionData

    data = SessionData(db, session_id)
    header = data.sess["header"] or {}
    config = header.get("config") or {}
    chosen = report_language(lang, config, data.sess.get("participant"))
    with in_language(chosen):
        ctx = _build_context(data, header, config, summary=summary)
    ctx["lang"] = chosen
    return ctx


def _build_context(data: Any, header: Mapping[str, Any], config: Mapping[str, Any], *, summary: bool) -> dict[str, Any]:
    from station.plans import session_sensory
    from station.report import _age, _tracker_line, banner_pairs, goals_html, trial_figures

    sess = data.sess
    end_ns = max((t["t_end_ns"] or t["t_start_ns"] for t in data.trials), default=data.t0)
    started = datetime.fromisoformat(sess["utc_start"])
    trials: list[TrialView] = []
    for tr in data.trials:
        contract = exercises.contract_of(tr["exercise"])
        try:
            title = _(exercises.get(tr["exercise"]).title or tr["exercise"])
        except StationError:
            title = tr["exercise"]
        mrows = [m for m in data.metrics if m["trial"] == tr["trial"]]
        values = {m["name"]: m["value"] for m in mrows if m["value"] is not None}
        evs = [e for e in data.events if e["trial"] == tr["trial"]]
        flags = flag_counts(contract, evs)
        stars = trial_stars(contract, tr, values, evs, _target_reps(config, tr["trial"]))
        heads: list[Headline] = []
        declared = list(contract.headline) if contract is not None else []
        for m in declared:
            now = values.get(m.name)
            pts = _sessions_of(data.history, tr["exercise"], m.name)
            before = [p for p in pts if p[0] != data.sid]
            change, direction = change_words(m, now, before[-1][2] if before else None, len(before))
            series = [p[2] for p in before][-9:] + ([now] if now is not None and math.isfinite(now) else [])
            svg = trend_chart(series, now is not None, m.unit) if len(series) >= 2 and not summary else None
            heads.append(Headline(_(m.label), value_text(now, m.unit), headline_sentence(m, now), change, svg, direction))
        known = {m.name: m for m in declared}
        metric_rows = []
        for m in sorted(mrows, key=lambda r: (r["name"] not in known, list(known).index(r["name"]) if r["name"] in known else 0, r["name"])):
            v = m["value"] if m["value"] is not None else m["text"]
            metric_rows.append({"name": m["name"], "label": _(known[m["name"]].label) if m["name"] in known else "",
                                "value": fmt_num(v), "unit": unit_text(m["unit"]), "definition": m["definition"] or ""})
        dur = (tr["t_end_ns"] - tr["t_start_ns"]) / 1e9 if tr["t_end_ns"] else None
        tv = TrialView(
            number=tr["trial"] + 1, title=title, exercise=tr["exercise"], status=tr.get("status") or "complete",
            reason=tr.get("reason") or "", simulated=bool(tr.get("simulated")), source=tr.get("source") or "",
            duration_s=dur, settings=settings_rows(tr["exercise"], tr["settings"] or {}), stars=stars_text(stars),
            stars_sentence=stars_sentence(stars, contract, tr, flags),
            star_rule=_(star_rule_text(contract.stars)) if contract is not None else "",
            headlines=heads, metrics=metric_rows, n_events=len(evs), flags=flags,
            compared=any(h.change for h in heads),
        )
        if not summary:
            tv.figures = [(cap, _png(fig)) for cap, fig in trial_figures(data, tr)]
            tv.events = [{"t": f"{(e['t_ns'] - tr['t_start_ns']) / 1e9:.2f}", "kind": e["kind"], "rep": str(e["rep"]),
                          "value": fmt_num(e["value"]), "unit": unit_text(e["unit"]),
                          "details": ", ".join(f"{k}={fmt_num(v)}" for k, v in (e["payload"] or {}).items()
                                              if not k.endswith("_ns") and v not in (None, ""))} for e in evs[:300]]
            tv.quality = data_quality(data, tr)
        trials.append(tv)
    stats = data.sample_stats() if not summary else {}
    devices = []
    for d in data.devices:
        i, st = d["info"], stats.get(d["device_id"], {})
        devices.append({"id": d["device_id"], "kind": fmt_num(i.get("kind")), "model": fmt_num(i.get("model")),
                        "serial": fmt_num(i.get("serial")), "firmware": fmt_num(i.get("firmware")),
                        "rate": f"{fmt_num(i.get('rate_hz'))} Hz", "samples": str(st.get("samples", 0)),
                        "flags": ", ".join(f"{k} {v}" for k, v in st.items() if k != "samples") or _("none"),
                        "warn": "uncalibrated" in st or "gaps" in st})
    cals = [{"key": c["key"], "kind": c["kind"], "method": c["method"], "version": str(c["version"]),
             "residual": f"{fmt_num(c['residual'])} {c['residual_unit']}", "made": c["created_utc"][:19].replace("T", " ")}
            for c in data.calibrations]
    n_sessions = len({r["session_id"] for r in data.history})
    progress_png = None
    if not summary and n_sessions > 1:
        from station.report import _session_groups, progress_figure

        progress_png = _png(progress_figure(_session_groups(data), title="", highlight=data.sid))
    host = header.get("host") or {}
    sensory = session_sensory(config)
    return {
        "participant": sess["participant"], "session_id": data.sid, "status": sess["status"],
        "started": started.strftime("%Y-%m-%d %H:%M") + " UTC",
        "date": _("{day} {month} {year}").format(day=started.day, month=_(MONTHS[started.month - 1]), year=started.year),
        "length_s": (end_ns - data.t0) / 1e9, "place": _(sess.get("place") or "–"), "status_words": _(sess["status"]) if sess["status"] else "",
        "source": _(sess.get("source") or "–"), "simulated": bool(sess.get("simulated")),
        "age": _age(data.participant, sess["utc_start"]) or "", "hand": data.participant.get("dominant_hand") or "",
        "software": str(header.get("software_version")), "tracker": "" if summary else _tracker_line(data),
        "banners": banner_pairs(sess, data.trials, _),
        "sensory": sensory_words(sensory) if sensory is not None else "",
        "trials": trials, "goals_html": "" if summary else "\n".join(goals_html(data)),
        "devices": devices, "calibrations": cals,
        "uncalibrated": any("uncalibrated" in s for s in stats.values()),
        "n_sessions": n_sessions, "progress_png": progress_png,
        "practice": practice_views(data.db, sess["participant"], sess["utc_start"]) if summary else [],
        "practice_days": PRACTICE_DAYS,
        "notes": sess.get("notes") or "", "platform": str(host.get("platform", "?")), "python": str(host.get("python", "?")),
        "made": datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def render(db: Any, session_id: str, *, summary: bool = False, pdf: bool = False, lang: str | None = None) -> str:
    """The report (or the summary for home and school) as an HTML document in ``lang`` (default: see
    :func:`report_language`); ``pdf`` adds print styling."""
    from markupsafe import Markup

    ctx = build_context(db, session_id, summary=summary, lang=lang)
    ctx["goals_html"] = Markup(ctx["goals_html"])  # built by station.report from escaped parts
    ctx["for_pdf"] = pdf
    return environment(ctx["lang"]).get_template("summary.html.j2" if summary else "report.html.j2").render(**ctx)


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document (WeasyPrint; text stays text)."""
    import logging
    import warnings

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        # without the system's libharfbuzz-subset0 WeasyPrint subsets fonts with fontTools (slower, same
        # PDF) and says so once; the Makefile's setup names the package
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
        from weasyprint import HTML

        return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()  # type: ignore[no-any-return]
