"""Home practice that returns to the clinic: the whole round trip through the real CLI, two stations, two data dirs.

Clinic (its own data directory and database, SQLite or PostgreSQL) -> signed home plan -> family's station
(another data directory) imports it and answers with a pairing file -> plays the plan from a recorded real
video (``tests/media/hand/fist_to_thumbs_up.mp4``: a fist that turns into a thumbs-up, which says "done" to
a one-step routine) with ``source`` = video and ``place`` = home -> practice bundle -> clinic import. The
clinic's history then shows its own session and the home one, each with its provenance. A tampered
bundle, a bundle signed by a key not paired for the child, a bundle for an unknown child and a replayed
bundle are refused or ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station.cli import main
from station.plans import PlanItem, SessionPlan, save_plan
from station.storage import open_database
from station.storage import schema as S
from tests._storage_db import ENGINES, make_url

pytestmark = pytest.mark.slow

CODE = "P-017"


@pytest.fixture(params=ENGINES)
def clinic_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_url(request.param, tmp_path / "clinic-db")


def _as(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("MOTOR_STATION_HOME", str(home))
    monkeypatch.delenv("MOTOR_STATION_DB", raising=False)


def _counts(url: str) -> dict[str, int]:
    db = open_database(url)
    try:
        with db.engine.connect() as c:
            return {t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one())
                    for t in (S.sessions, S.trials, S.events, S.metrics, S.landmark_blocks, S.imported_bundles)}
    finally:
        db.dispose()


def _one_line_error(capsys: pytest.CaptureFixture[str], rc: int, needle: str) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("error: ") and needle in err[0], err


def test_clinic_to_home_and_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, media: Path, clinic_url: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    clinic, home, other = tmp_path / "clinic", tmp_path / "home", tmp_path / "stranger"
    video = media / "hand" / "fist_to_thumbs_up.mp4"
    plan = SessionPlan(name="morning routine", participant=CODE,
                       items=[PlanItem(exercise="routine", settings={"steps": ["wash_hands"], "hold_s": 0.5})])
    # -- clinic: the child is known, a plan is saved, the clinic plays it once itself (place clinic)
    _as(monkeypatch, clinic)
    db = open_database(clinic_url)
    db.ensure_participant(CODE)
    db.dispose()
    save_plan(plan, clinic / "plans" / f"{CODE}.toml")
    from station.session.build import RunOptions

    db = open_database(clinic_url)
    try:  # the clinic's own session of the same plan (the helper plays at home; the clinic's place is clinic)
        from station.session.build import make_session_factory

        ctl, _ = make_session_factory(db, RunOptions(video=video, db_url=clinic_url, countdown_s=0.0))(CODE, plan)
        ctl.start()
        ctl.join()
        assert ctl.summary is not None and ctl.summary.place == "clinic" and ctl.summary.status == "complete"
    finally:
        db.dispose()
    plan_file = tmp_path / "P-017-home-plan.json"
    assert main(["plan", "export", CODE, "--for", "home", "--out", str(plan_file), "--db", clinic_url]) == 0
    assert "pairing code:" in capsys.readouterr().out
    # -- home: its own data directory and database
    _as(monkeypatch, home)
    assert main(["home", "import-plan", str(plan_file)]) == 0
    pairing = home / "home" / f"pairing-{CODE}.json"
    assert pairing.is_file() and "pairing file:" in capsys.readouterr().out
    assert main(["home", "play", "--video", str(video)]) == 0
    out = capsys.readouterr().out
    assert "source video:fist_to_thumbs_up.mp4, place home" in out and "(complete" in out
    bundle = tmp_path / "bundle.json"
    assert main(["home", "export", "--out", str(bundle)]) == 0
    body = json.loads(bundle.read_text())["body"]
    assert body["participant"] == CODE and len(body["sessions"]) == 1
    assert "host" not in body["sessions"][0]["session"]["header"]
    assert not (home / "sessions").exists() or not any((home / "sessions").rglob("*.mp4"))  # no video anywhere
    # -- clinic: a bundle before pairing is refused (the home station's key is not paired yet)
    _as(monkeypatch, clinic)
    before = _counts(clinic_url)
    _one_line_error(capsys, main(["bundle", "import", str(bundle), "--db", clinic_url]), "not paired for P-017")
    assert main(["pairing", "import", str(pairing), "--db", clinic_url]) == 0
    assert main(["pairing", "import", str(pairing), "--db", clinic_url]) == 0  # the same file again: nothing changes
    assert "already paired" in capsys.readouterr().out
    # tampered: one metric changed after signing
    doc = json.loads(bundle.read_text())
    for m in doc["body"]["sessions"][0]["metrics"]:
        if m["name"] == "steps_done":
            m["value"] = 7.0
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    _one_line_error(capsys, main(["bundle", "import", str(tampered), "--db", clinic_url]), "bad signature")
    # foreign: the same body signed by another station's key
    from station.keys import station_key, write_json

    stranger = station_key(other)
    foreign = write_json(tmp_path / "foreign.json", stranger.signed("motor-station-practice-bundle", json.loads(bundle.read_text())["body"]))
    _one_line_error(capsys, main(["bundle", "import", str(foreign), "--db", clinic_url]), "not paired for P-017")
    # unknown participant: signed by the paired home key, for a child this clinic does not know
    home_key = station_key(home)
    b2 = json.loads(bundle.read_text())["body"]
    b2["participant"] = "P-999"
    unknown = write_json(tmp_path / "unknown.json", home_key.signed("motor-station-practice-bundle", b2))
    _one_line_error(capsys, main(["bundle", "import", str(unknown), "--db", clinic_url]), "unknown participant 'P-999'")
    assert _counts(clinic_url) == before  # nothing refused left a trace
    # the real bundle
    assert main(["bundle", "import", str(bundle), "--db", clinic_url]) == 0
    assert "imported for P-017: 1 sessions" in capsys.readouterr().out
    after = _counts(clinic_url)
    assert after["sessions"] == before["sessions"] + 1 and after["imported_bundles"] == 1
    assert after["landmark_blocks"] > before["landmark_blocks"] and after["events"] > before["events"]
    # replayed: the same bundle again changes nothing
    assert main(["bundle", "import", str(bundle), "--db", clinic_url]) == 0
    assert "already imported" in capsys.readouterr().out
    assert _counts(clinic_url) == after
    # -- the history holds both sessions with their provenance
    db = open_database(clinic_url)
    try:
        rows = {r["place"]: r for r in db.list_sessions(CODE)}
        assert set(rows) == {"clinic", "home"}
        for place, r in rows.items():
            assert r["source"] == "video:fist_to_thumbs_up.mp4" and r["simulated"] is False and r["status"] == "complete", place
        h = db.session(rows["home"]["id"])
        assert h["header"]["imported"]["key_id"] == home_key.key_id and "host" not in h["header"]
        trials = db.rows(S.trials, rows["home"]["id"])
        assert trials[0]["place"] == "home" and trials[0]["result"]["metrics"]["steps_done"] == 1  # the real thumbs-up said done
        from station.practice import practice_by_place

        pr = practice_by_place(db, CODE)
        assert pr["home"].sessions == 1 and pr["home"].imported == 1 and pr["clinic"].sessions == 1 and pr["clinic"].imported == 0
        assert pr["home"].exercises == {"routine": 1} and pr["home"].minutes > 0
    finally:
        db.dispose()
    capsys.readouterr()
    assert main(["sessions", "list", "--participant", CODE, "--db", clinic_url]) == 0
    listing = capsys.readouterr().out
    assert "home" in listing and "clinic" in listing
    db = open_database(clinic_url)
    try:  # forgetting the child removes the pairing and the bundle receipt too
        gone = db.forget_participant(CODE)["rows"]
        assert gone["pairings"] == 1 and gone["imported_bundles"] == 1 and gone["sessions"] == 2
    finally:
        db.dispose()


def test_plan_export_refuses_an_unknown_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _as(monkeypatch, tmp_path)
    _one_line_error(capsys, main(["plan", "export", "P-404", "--for", "home"]), "unknown participant 'P-404'")
    _one_line_error(capsys, main(["plan", "export", "P-404", "--for", "school"]), "unknown --for 'school'")


def test_home_refuses_an_altered_plan_and_a_second_clinic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    plan = SessionPlan(name="p", participant=CODE, items=[PlanItem(exercise="posture")])
    files = []
    for k in range(2):  # two clinics, each with its own key, export a plan for the same code
        clinic = tmp_path / f"clinic{k}"
        _as(monkeypatch, clinic)
        db = open_database(f"sqlite:///{clinic / 'station.db'}")
        db.ensure_participant(CODE)
        db.dispose()
        save_plan(plan, clinic / "plans" / "p.toml")
        files.append(tmp_path / f"plan{k}.json")
        assert main(["plan", "export", CODE, "--for", "home", "--out", str(files[-1])]) == 0
    _as(monkeypatch, tmp_path / "home")
    doc = json.loads(files[0].read_text())
    doc["body"]["plan"]["items"][0]["settings"] = {"trunk_max": 80.0}
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(doc))
    _one_line_error(capsys, main(["home", "import-plan", str(altered)]), "bad signature")
    assert main(["home", "import-plan", str(files[0])]) == 0
    _one_line_error(capsys, main(["home", "import-plan", str(files[1])]), "paired for P-017 with another clinic key")
    (tmp_path / "junk.json").write_text("not json")
    _one_line_error(capsys, main(["home", "import-plan", str(tmp_path / "junk.json")]), "not a Motor Station file")


def test_ctrl_c_stores_the_home_session_and_exits_130(tmp_path: Path, media: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    plan = SessionPlan(name="p", participant=CODE, items=[PlanItem(exercise="routine", settings={"steps": ["wash_hands", "coat"]})])
    save_plan(plan, tmp_path / "home" / "plan.toml")
    env = os.environ | {"MOTOR_STATION_HOME": str(tmp_path)}
    env.pop("MOTOR_STATION_DB", None)
    proc = subprocess.Popen([sys.executable, "-m", "station", "home", "play", "--video", str(media / "hand" / "fist_to_thumbs_up.mp4")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"sqlite:///{tmp_path / 'station.db'}"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:  # wait for the event: the session is recording
            if (tmp_path / "station.db").exists():
                db = open_database(url)
                try:
                    if any(r["status"] == "recording" for r in db.list_sessions(CODE)):
                        break
                finally:
                    db.dispose()
            time.sleep(0.1)
        assert proc.poll() is None, "the session ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "(stopped, source video:fist_to_thumbs_up.mp4, place home)" in out
    db = open_database(url)
    try:
        (row,) = db.list_sessions(CODE)
        assert row["status"] == "stopped" and row["place"] == "home"
    finally:
        db.dispose()
