"""Home plans, pairings and practice bundles: what travels between the clinic and a family's station, as signed files.

The exchange (each arrow is one file; every file is signed with its writer's Ed25519 key, :mod:`station.keys`)::

    clinic  --home plan (plan + one-time pairing code + clinic key)-->  home     station plan export P-017 --for home
    home    --pairing file (home key + the pairing code)-->            clinic   station home import-plan FILE / station pairing import FILE
    home    --practice bundle (sessions, landmarks, events, results)--> clinic   station home export / station bundle import FILE

Rules the clinic enforces on a bundle: its participant is known here; it is signed by a key **paired
for that participant** (a pairing file carrying a code this clinic issued for that participant); the
signature verifies against the key the clinic stored at pairing (never a key inside the bundle), so a
single changed byte of the body is refused; a bundle already imported (same SHA-256 of its body) changes
nothing; a session already in the history is not imported twice. Bundles carry no video and no
names: the pseudonymous code, the sessions with their provenance (``source``, ``simulated``,
``place`` = home), trials, events, metrics and the landmark/sample blocks.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import LargeBinary, insert, select, update

from station.core import InputError, check_participant_code
from station.keys import StationKey, b64, key_id_of, read_signed, unb64, verify, write_json
from station.storage import schema as S
from station.storage.db import Database, utc_now

log = logging.getLogger(__name__)

PLAN_FORMAT = "motor-station-home-plan"
PAIRING_FORMAT = "motor-station-pairing"
BUNDLE_FORMAT = "motor-station-practice-bundle"

_CHILD_TABLES = (S.trials, S.events, S.metrics, S.landmark_blocks, S.sample_blocks)
"""Per-session tables a bundle carries (no files: no video, no reports)."""


def _clean(v: Any) -> Any:
    """JSON-safe values: NaN and infinities become ``None``."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def remember_key(db: Database, key_id: str, public_b64: str, role: str) -> None:
    """Record a station's public key (idempotent)."""
    with db.engine.begin() as c:
        if c.execute(select(S.station_keys.c.key_id).where(S.station_keys.c.key_id == key_id)).first() is None:
            c.execute(insert(S.station_keys).values(key_id=key_id, public_key=public_b64, role=role, created_utc=utc_now()))


def _body_key(body: Mapping[str, Any], field_name: str, what: str, where: str) -> tuple[str, bytes]:
    k = body.get(field_name)
    if not isinstance(k, dict) or not isinstance(k.get("public_key"), str) or not isinstance(k.get("key_id"), str):
        raise InputError(f"the {what} names no station key", where=where, fix="the file was altered; ask for a new one")
    raw = unb64(k["public_key"], f"the {what}'s key")
    if key_id_of(raw) != k["key_id"]:
        raise InputError(f"the {what}'s key id does not match its key", where=where, fix="the file was altered; ask for a new one")
    return k["key_id"], raw


def _code(body: Mapping[str, Any], where: str) -> str:
    code = body.get("participant")
    if not isinstance(code, str):
        raise InputError("the file names no participant", where=where, fix="the file was altered; ask for a new one")
    return check_participant_code(code)


# -- clinic: export a home plan --------------------------------------------------------------------
def export_home_plan(db: Database, key: StationKey, participant: str, plan: Any, out: Path, *, overwrite: bool = False) -> tuple[Path, str]:
    """Write the signed home plan of a known participant and open a pairing for it; ``(path, pairing code)``."""
    code = check_participant_code(participant)
    db.participant(code)  # InputError: unknown participant
    remember_key(db, key.key_id, key.public_b64, "own")
    token = secrets.token_hex(16)
    body = {"participant": code, "plan": plan.model_copy(update={"participant": code}).model_dump(mode="json"),
            "plan_id": str(uuid.uuid4()), "pairing_code": token, "clinic": {"key_id": key.key_id, "public_key": key.public_b64},
            "created_utc": utc_now()}
    path = write_json(out, key.signed(PLAN_FORMAT, _clean(body)), overwrite=overwrite)
    with db.engine.begin() as c:
        c.execute(insert(S.pairings).values(participant=code, token=token, role="home", key_id=None, created_utc=utc_now()))
    db.audit("home_plan_export", participant=code, plan_id=body["plan_id"], file=path.name)
    return path, token


# -- home: import the plan, answer with a pairing file ----------------------------------------------
@dataclass
class ImportedPlan:
    participant: str
    plan: Any
    plan_path: Path
    pairing_path: Path
    clinic_key_id: str


def import_home_plan(db: Database, key: StationKey, path: Path, home_dir: Path) -> ImportedPlan:
    """Verify a clinic's home plan, store it as this station's assigned plan and write the pairing file."""
    from station.plans import plan_from_dict, save_plan

    where = str(path)
    doc = read_signed(path, PLAN_FORMAT, "home plan")
    body = doc["body"]
    clinic_id, clinic_raw = _body_key(body, "clinic", "home plan", where)
    if doc["key_id"] != clinic_id or not verify(clinic_raw, doc["signature"], body):
        raise InputError("bad signature: the home plan was altered or not signed by its clinic", where=where,
                         fix="ask the clinic for a new export")
    code = _code(body, where)
    token = body.get("pairing_code")
    if not isinstance(token, str) or len(token) < 16:
        raise InputError("the home plan carries no pairing code", where=where, fix="ask the clinic for a new export")
    with db.engine.connect() as c:
        other = c.execute(select(S.pairings.c.key_id).where(S.pairings.c.participant == code, S.pairings.c.role == "clinic",
                                                            S.pairings.c.key_id != clinic_id)).first()
    if other is not None:
        raise InputError(f"this station is paired for {code} with another clinic key", where=where,
                         fix="ask your clinic; only the clinic this station was first paired with can assign plans")
    plan = plan_from_dict(body.get("plan") or {}, where)
    db.ensure_participant(code)
    remember_key(db, clinic_id, b64(clinic_raw), "clinic")
    remember_key(db, key.key_id, key.public_b64, "own")
    with db.engine.begin() as c:
        if c.execute(select(S.pairings.c.id).where(S.pairings.c.token == token)).first() is None:
            c.execute(insert(S.pairings).values(participant=code, token=token, role="clinic", key_id=clinic_id,
                                                created_utc=utc_now(), paired_utc=utc_now()))
    home_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    plan_path = save_plan(plan, home_dir / "plan.toml", overwrite=True)
    pbody = {"participant": code, "pairing_code": token, "plan_id": body.get("plan_id"),
             "home": {"key_id": key.key_id, "public_key": key.public_b64}, "created_utc": utc_now()}
    pairing = write_json(home_dir / f"pairing-{code}.json", key.signed(PAIRING_FORMAT, pbody), overwrite=True)
    db.audit("home_plan_import", participant=code, plan_id=body.get("plan_id"), clinic=clinic_id)
    return ImportedPlan(code, plan, plan_path, pairing, clinic_id)


# -- clinic: import the pairing file --------------------------------------------------------------
def import_pairing(db: Database, path: Path) -> tuple[str, str, bool]:
    """Record the home station's key for the participant whose pairing code it answers; ``(code, key id, new)``."""
    where = str(path)
    doc = read_signed(path, PAIRING_FORMAT, "pairing file")
    body = doc["body"]
    home_id, home_raw = _body_key(body, "home", "pairing file", where)
    if doc["key_id"] != home_id or not verify(home_raw, doc["signature"], body):
        raise InputError("bad signature: the pairing file was altered", where=where, fix="ask the family for a new pairing file")
    code = _code(body, where)
    db.participant(code)
    token = body.get("pairing_code")
    with db.engine.connect() as c:
        row = c.execute(select(S.pairings).where(S.pairings.c.token == str(token), S.pairings.c.role == "home")).mappings().first()
    if row is None or row["participant"] != code:
        raise InputError(f"the pairing code was not issued by this station for {code}", where=where,
                         fix=f"export a home plan for {code} here (station plan export {code} --for home) and pair with its answer")
    if row["key_id"] is not None:
        if row["key_id"] == home_id:
            return code, home_id, False
        raise InputError("this pairing code was already used by another station", where=where,
                         fix=f"export a new home plan for {code} to pair another station")
    remember_key(db, home_id, b64(home_raw), "home")
    with db.engine.begin() as c:
        c.execute(update(S.pairings).where(S.pairings.c.id == row["id"]).values(key_id=home_id, paired_utc=utc_now()))
    db.audit("pairing", participant=code, key_id=home_id)
    return code, home_id, True


def paired_keys(db: Database, participant: str) -> dict[str, bytes]:
    """Key id -> raw public key of the home stations paired for ``participant`` (at this clinic)."""
    p, k = S.pairings, S.station_keys
    q = (select(k.c.key_id, k.c.public_key).select_from(p.join(k, k.c.key_id == p.c.key_id))
         .where(p.c.participant == participant, p.c.role == "home", p.c.paired_utc.is_not(None)))
    with db.engine.connect() as c:
        return {kid: unb64(pub, "a stored key") for kid, pub in c.execute(q).all()}


# -- home: export a practice bundle ---------------------------------------------------------------
def _row_out(table: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for col in table.columns:
        if col.name not in row:
            continue
        v = row[col.name]
        if isinstance(col.type, LargeBinary) and v is not None:
            v = b64(bytes(v))
        out[col.name] = v
    return out


def export_bundle(db: Database, key: StationKey, participant: str, out: Path, *, since_utc: str | None = None,
                  overwrite: bool = False) -> tuple[Path, int]:
    """Write the signed practice bundle of the participant's home sessions; ``(path, number of sessions)``."""
    code = check_participant_code(participant)
    db.participant(code)
    q = select(S.sessions).where(S.sessions.c.participant == code, S.sessions.c.place == "home",
                                 S.sessions.c.status != "recording").order_by(S.sessions.c.utc_start)
    if since_utc:
        q = q.where(S.sessions.c.utc_start >= since_utc)
    sessions = []
    with db.engine.connect() as c:
        rows = [dict(r) for r in c.execute(q).mappings()]
    if not rows:
        raise InputError(f"no home sessions of {code} to export", fix="play the plan first (station home)")
    for r in rows:
        header = dict(r["header"] or {})
        header.pop("host", None)  # the machine's details stay at home
        s: dict[str, Any] = {"session": _row_out(S.sessions, r | {"header": header})}
        for t in _CHILD_TABLES:
            s[t.name] = [_row_out(t, x) for x in db.rows(t, r["id"])]
        sessions.append(s)
    body = {"participant": code, "station": {"key_id": key.key_id, "public_key": key.public_b64}, "created_utc": utc_now(),
            "bundle_nonce": secrets.token_hex(8), "sessions": sessions}
    path = write_json(out, key.signed(BUNDLE_FORMAT, _clean(body)), overwrite=overwrite)
    db.audit("bundle_export", participant=code, sessions=len(sessions), file=path.name)
    return path, len(sessions)


# -- clinic: import a practice bundle ----------------------------------------------------------------
@dataclass
class BundleImport:
    participant: str
    bundle_id: str
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Sessions already in the history (from an earlier bundle)."""
    already: bool = False
    """The very same bundle was imported before: nothing changed."""
    counts: dict[str, int] = field(default_factory=dict)


def _row_in(table: Any, row: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise InputError("the bundle holds a malformed row", where=where, fix="the file was altered; ask for a new one")
    out = {}
    for col in table.columns:
        if col.name not in row or (col.name == "id" and col.autoincrement is True):  # the clinic numbers its own rows
            continue
        v = row[col.name]
        if isinstance(col.type, LargeBinary) and v is not None:
            v = unb64(v, "a landmark or sample block")
        out[col.name] = v
    return out


def import_bundle(db: Database, path: Path) -> BundleImport:
    """Check and import a family's practice bundle into the participant's history (see the module docstring)."""
    where = str(path)
    doc = read_signed(path, BUNDLE_FORMAT, "practice bundle")
    body = doc["body"]
    code = _code(body, where)
    with db.engine.connect() as c:
        known = c.execute(select(S.participants.c.code).where(S.participants.c.code == code)).first() is not None
    if not known:
        raise InputError(f"bundle for unknown participant '{code}'", where=where,
                         fix=f"import bundles only for children of this clinic (export a home plan for {code} first)")
    keys = paired_keys(db, code)
    kid = doc["key_id"]
    if kid not in keys:
        raise InputError(f"bundle signed by a key not paired for {code}", where=where,
                         fix=f"pair the family's station first: station pairing import pairing-{code}.json")
    if not verify(keys[kid], doc["signature"], body):
        raise InputError("bad signature: the bundle was altered after it was signed", where=where,
                         fix="ask the family to export the bundle again")
    from station.keys import canonical

    bundle_id = hashlib.sha256(canonical(body)).hexdigest()
    res = BundleImport(code, bundle_id)
    with db.engine.connect() as c:
        if c.execute(select(S.imported_bundles.c.bundle_id).where(S.imported_bundles.c.bundle_id == bundle_id)).first() is not None:
            res.already = True
            return res
    items = body.get("sessions")
    if not isinstance(items, list):
        raise InputError("the bundle holds no session list", where=where, fix="the file was altered; ask for a new one")
    imported = {"bundle_id": bundle_id, "key_id": kid, "file": path.name, "imported_utc": utc_now()}
    counts: dict[str, int] = {}
    with db.engine.begin() as c:
        for it in items:
            srow = _row_in(S.sessions, (it or {}).get("session") or {}, where)
            sid = srow.get("id")
            if not isinstance(sid, str) or srow.get("participant") != code:
                raise InputError("the bundle holds a session of another participant", where=where,
                                 fix="the file was altered; ask for a new one")
            if c.execute(select(S.sessions.c.id).where(S.sessions.c.id == sid)).first() is not None:
                res.skipped.append(sid)
                continue
            srow["header"] = dict(srow.get("header") or {}) | {"imported": imported}
            srow["place"] = srow.get("place") or "home"
            c.execute(insert(S.sessions).values(**srow))
            counts["sessions"] = counts.get("sessions", 0) + 1
            for t in _CHILD_TABLES:
                rows = [_row_in(t, r, where) for r in it.get(t.name) or []]
                if any(r.get("session_id") != sid for r in rows):
                    raise InputError("the bundle mixes rows of different sessions", where=where, fix="the file was altered; ask for a new one")
                if rows:
                    c.execute(insert(t), rows)
                counts[t.name] = counts.get(t.name, 0) + len(rows)
            res.added.append(sid)
        c.execute(insert(S.imported_bundles).values(bundle_id=bundle_id, participant=code, key_id=kid, imported_utc=utc_now(),
                                                    file_name=path.name[:256], sessions=res.added, counts=counts))
    res.counts = counts
    db.audit("bundle_import", participant=code, bundle_id=bundle_id, sessions=len(res.added), skipped=len(res.skipped))
    return res
