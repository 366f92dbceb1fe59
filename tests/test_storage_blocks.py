"""Streams stored in blocks (station.storage.streams): lossless round trips on SQLite and PostgreSQL,
time-range reads that touch only their blocks, damaged blocks reported in one line, the re-pack of
the old one-row-per-sample layout (byte-identical exports before and after; killed halfway it
resumes and finishes)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from _storage_db import record_demo_session, record_sensor_session, stored_landmarks, stored_samples
from sqlalchemy import insert, select, update

from station.core import HandObservation, PoseObservation, SampleFlag, SensorSample, SessionMeta
from station.storage import Database, Recorder, open_database
from station.storage import schema as S
from station.storage.codec import decode_columns, encode_columns
from station.storage.recorder import pack_landmarks
from station.storage.streams import DamagedBlockError, count_stored, legacy_rows, read_landmarks, read_samples, repack

ROOT = Path(__file__).resolve().parents[1]

# values that any lossy step would change: awkward decimals, full-precision floats, -0.0, tiny
# subnormals, huge and non-finite values
AWKWARD = [0.1, -0.84, 24.964000000000002, -2.9139560967793647, -0.0, 5e-324, 1.7976931348623157e308, float("inf"),
           float("-inf"), float("nan"), 123456789.123, 1e-300]


def _bits(v: float | None) -> object:
    return None if v is None else np.float64(v).view(np.uint64).item()


def _meta(db: Database, sid: str = "s-1", code: str = "P-001") -> None:
    db.create_session(SessionMeta(sid, code, datetime(2026, 1, 1, tzinfo=UTC), 10**9, "test", {}, {}))


def _samples(rng: np.random.Generator) -> list[SensorSample]:
    out = []
    seq = 0
    for i in range(3500):
        seq += 1 if i % 700 else 4  # sequence gaps: three samples lost every 700
        flags = SampleFlag.GAP_BEFORE if i % 700 == 0 and i else SampleFlag(int(rng.integers(0, 2)) * 8)
        grip = (round(float(rng.normal(20, 5)), 2),) if i % 50 else (AWKWARD[(i // 50) % len(AWKWARD)],)
        out.append(SensorSample("grip0", seq, 10**9 + i * 1_000_000 + int(rng.integers(-300, 300)), 10**9 + i * 1_000_000 + 2_000_000,
                                None if i % 9 == 0 else 5_000 + i * 1000, grip, ("force",), ("N",), flags))
        bal = tuple(float(x) for x in rng.normal(6, 0.1, 4)) + (float(rng.random()),) * 3
        out.append(SensorSample("balance0", i, 10**9 + i * 1_000_000, 10**9 + i * 1_000_000 + 7, i * 1000, bal,
                                ("tl", "tr", "bl", "br", "total", "cop_x", "cop_y"), ("kg",) * 5 + ("mm",) * 2, SampleFlag(0)))
    return out


def _observations(rng: np.random.Generator) -> list[tuple[list[HandObservation], list[PoseObservation]]]:
    frames = []
    for i in range(200):
        t = 10**9 + i * 33_333_333
        hands = [HandObservation("cam0", i, t, rng.random((21, 3), dtype=np.float32), (640, 480), person=p, score=0.5 + p / 4,
                                 handedness="Left" if p else "Right", model="mediapipe-hands/0.10.14") for p in range(1 + i % 2)]
        vis = rng.random(33, dtype=np.float32)
        vis[3] = np.nan
        poses = [PoseObservation("cam0", i, t, rng.random((33, 3), dtype=np.float32), (640, 480), visibility=vis,
                                 model="mediapipe-pose/0.10.14")] if i % 3 else []
        frames.append((hands, poses))
    return frames


def test_codec_round_trips_bit_for_bit_and_compresses_by_layout() -> None:
    rng = np.random.default_rng(1)
    cols = {"t": np.cumsum(rng.integers(900_000, 1_100_000, 1000)), "dec": np.round(rng.normal(10, 2, 1000), 3),
            "raw": rng.normal(0, 1, 1000), "awk": np.array(AWKWARD * 83 + AWKWARD[:4]), "f32": rng.random((1000, 84), dtype=np.float32),
            "s": ["Left", None, "Right", "Left"] * 250, "u8": (rng.random(1000) > 0.5).astype(np.uint8),
            "wrap": np.array([2**63 - 1, -(2**63), 0, 2**63 - 1] * 250, dtype=np.int64)}
    out = decode_columns(encode_columns(cols))
    for k, v in cols.items():
        if isinstance(v, list):
            assert out[k] == v
        else:
            assert out[k].dtype == v.dtype and out[k].shape == v.shape
            assert out[k].tobytes() == np.ascontiguousarray(v).tobytes(), k
    small = encode_columns({"t": cols["t"], "dec": cols["dec"]})
    assert len(small) < (cols["t"].nbytes + cols["dec"].nbytes) / 3  # deltas and exact decimals, not rounding


def test_every_sample_and_landmark_reads_back_identically(db: Database) -> None:
    """Values (bit for bit, NaN and -0.0 included), times, sequence gaps, flags, missing device times,
    landmarks with NaN visibility, several hands per frame: all read back as written."""
    _meta(db)
    rng = np.random.default_rng(7)
    samples = _samples(rng)
    frames = _observations(rng)
    rec = Recorder(db, "s-1", flush_s=0.05)
    for i in range(0, len(samples), 250):  # arriving in pieces, as from the drivers
        rec.record_samples(0 if i < 3000 else 1, samples[i : i + 250])
        for hands, poses in frames[i // 35 : (i + 250) // 35]:
            rec.record_observations(0 if i < 3000 else 1, hands=hands, poses=poses)
    rec.close()
    assert rec.write_errors == 0 and rec.pending == 0
    got = stored_samples(db, "s-1")
    for dev in ("grip0", "balance0"):
        want = [s for s in samples if s.device_id == dev]
        have = [r for r in got if r["device_id"] == dev]
        assert [(r["seq"], r["t_ns"], r["t_arrival_ns"], r["device_time_us"], r["flags"]) for r in have] == \
            [(s.seq, s.t_ns, s.t_arrival_ns, s.device_time_us, int(s.flags)) for s in sorted(want, key=lambda s: s.t_ns)]
        assert [[_bits(v) for v in r["values"]] for r in have] == [[_bits(v) for v in s.values] for s in sorted(want, key=lambda s: s.t_ns)]
    obs = [o for hands, poses in frames[: (len(samples) - 1) // 35 + 1] for o in (*hands, *poses)]
    lm = stored_landmarks(db, "s-1")
    with db.engine.connect() as c:
        assert len(lm) == len(obs) == count_stored(c, "landmarks")
    by_key = {(r["kind"], r["frame_seq"], r["person"]): r for r in lm}
    for o in obs:
        r = by_key[("hand" if isinstance(o, HandObservation) else "pose", o.frame_seq, o.person)]
        assert r["data"].tobytes() == np.frombuffer(pack_landmarks(o), dtype="<f4").reshape(-1, 4).tobytes()
        assert (r["t_ns"], r["score"], r["model"], r["width"], r["height"]) == (o.t_ns, o.score, o.model, 640, 480)
        assert r["handedness"] == getattr(o, "handedness", None)
    assert [r["t_ns"] for r in lm] == sorted(r["t_ns"] for r in lm)
    # blocks: about half a second each, whole, with their headers right
    with db.engine.connect() as c:
        blocks = c.execute(select(S.sample_blocks).where(S.sample_blocks.c.device_id == "grip0").order_by(S.sample_blocks.c.id)).all()
    assert all(b.n <= 2048 and b.t_last_ns - b.t_first_ns < 10**9 for b in blocks)
    grip = [s for s in samples if s.device_id == "grip0"]
    assert sum(b.n for b in blocks) == 3500 and blocks[0].seq_first == grip[0].seq and blocks[-1].seq_last == grip[-1].seq
    assert any(b.flags & SampleFlag.GAP_BEFORE for b in blocks)


def test_time_range_reads_only_the_blocks_it_needs(db: Database) -> None:
    sid, _ = record_sensor_session(db, n=3000, rate_hz=1000.0)
    all_ = np.concatenate([b.t_ns for b in read_samples(db, sid)])
    lo, hi = int(all_[1000]), int(all_[1999])
    part = list(read_samples(db, sid, t_from_ns=lo, t_to_ns=hi))
    assert np.array_equal(np.concatenate([b.t_ns for b in part]), all_[(all_ >= lo) & (all_ <= hi)])
    # damage every block outside the range: the range still reads, so those were never opened
    with db.engine.begin() as c:
        c.execute(update(S.sample_blocks).where((S.sample_blocks.c.t_last_ns < lo) | (S.sample_blocks.c.t_first_ns > hi))
                  .values(payload=b"\0\0\0\0garbage"))
    again = list(read_samples(db, sid, t_from_ns=lo, t_to_ns=hi))
    assert np.array_equal(np.concatenate([b.t_ns for b in again]), np.concatenate([b.t_ns for b in part]))
    with pytest.raises(DamagedBlockError):
        list(read_samples(db, sid))


def test_a_damaged_block_is_one_line_with_session_device_and_time_range(url: str, capsys: pytest.CaptureFixture[str],
                                                                        tmp_path: Path) -> None:
    from station.cli import main

    db = open_database(url)
    sid, _ = record_sensor_session(db, n=3000, rate_hz=1000.0)
    with db.engine.begin() as c:
        b = c.execute(select(S.sample_blocks).order_by(S.sample_blocks.c.id).offset(1).limit(1)).one()
        bad = bytearray(b.payload)
        bad[len(bad) // 2] ^= 0xFF  # one flipped byte on disk
        c.execute(update(S.sample_blocks).where(S.sample_blocks.c.id == b.id).values(payload=bytes(bad)))
    t0 = db.session(sid)["clock_start_ns"]
    db.dispose()
    code = main(["export", sid, "--format", "csv", "--out", str(tmp_path / "x"), "--db", url])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "damaged stream block" in err and sid in err and "device grip0" in err
    assert f"{(b.t_first_ns - t0) / 1e9:.3f} s to {(b.t_last_ns - t0) / 1e9:.3f} s" in err
    assert not (tmp_path / "x").exists()


# -- the old layout ---------------------------------------------------------------------------------
def _store_old_way(db: Database, sid: str, code: str, rng: np.random.Generator) -> None:
    """A session written as revisions 0001-0002 stored it: one row per sample and per observation."""
    _meta(db, sid, code)
    from station.storage.recorder import Recorder as R

    rec = R(db, sid)
    rec.begin_trial(0, "grip_squeeze", {}, 10**9)
    rec.begin_trial(1, "tracing", {}, 3 * 10**9)
    rec.record_device(__import__("station.core", fromlist=["DeviceInfo"]).DeviceInfo(
        "grip0", "grip", "G1", "SN1", "1.0", ("force",), ("N",), 1000.0))
    rec.close()
    samples = _samples(rng)
    rows = [dict(session_id=sid, trial=0 if s.t_ns < 3 * 10**9 else 1, device_id=s.device_id, seq=s.seq, t_ns=s.t_ns,
                 t_arrival_ns=s.t_arrival_ns, device_time_us=s.device_time_us, flags=int(s.flags),
                 values=[None if not np.isfinite(v) else v for v in s.values]) for s in samples]
    lms = [dict(session_id=sid, trial=0 if o.t_ns < 3 * 10**9 else 1, source_id=o.source_id, frame_seq=o.frame_seq, t_ns=o.t_ns,
                kind="hand" if isinstance(o, HandObservation) else "pose", person=o.person, handedness=getattr(o, "handedness", None),
                score=float(o.score), model=o.model, width=640, height=480, data=pack_landmarks(o))
           for hands, poses in _observations(rng) for o in (*hands, *poses)]
    with db.engine.begin() as c:
        c.execute(insert(S.samples), rows)
        c.execute(insert(S.landmarks), lms)


def _digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*")) if p.is_file()}


def test_repacked_sessions_export_byte_identical_csv_parquet_bids(url: str, tmp_path: Path) -> None:
    from station.export import export

    db = open_database(url, repack=False)
    rng = np.random.default_rng(3)
    _store_old_way(db, "old-1", "P-001", rng)
    _store_old_way(db, "old-2", "P-002", rng)
    before = {fmt: _digests(export(db, ["old-1", "old-2"], fmt, tmp_path / f"a-{fmt}").out) for fmt in ("csv", "parquet", "bids")}
    want = stored_samples(db)
    dry = repack(db, dry_run=True)
    assert legacy_rows(db) == dry.sample_rows + dry.landmark_rows == 2 * 7000 + 2 * 433  # 300 hands + 133 poses each
    assert dry.new_bytes * 3 < dry.old_bytes
    rep = repack(db, batch_rows=1000)
    assert (rep.sample_rows, rep.landmark_rows) == (dry.sample_rows, dry.landmark_rows) and rep.blocks >= dry.blocks
    assert legacy_rows(db) == 0
    after = {fmt: _digests(export(db, ["old-1", "old-2"], fmt, tmp_path / f"b-{fmt}").out) for fmt in ("csv", "parquet", "bids")}
    assert after == before
    assert stored_samples(db) == want
    db.dispose()


def test_opening_an_old_database_migrates_and_repacks_it(url: str) -> None:
    """A database at revision 0002 with streams in rows: opening it upgrades the schema and re-packs them."""
    from alembic import command
    from sqlalchemy import create_engine

    from station.storage.db import _alembic_config

    sa_url = url if url.startswith("sqlite") else "postgresql+psycopg://" + url.split("://", 1)[1]
    eng = create_engine(sa_url)
    with eng.begin() as c:
        command.upgrade(_alembic_config(c), "0002")
    eng.dispose()
    # rows as the 0002 code wrote them, through tables declared as they were then
    db = Database(create_engine(sa_url), url)
    sid = "old-1"
    with db.engine.begin() as c:
        c.execute(insert(S.participants).values(code="P-001", notes="", created_utc="2026-01-01T00:00:00+00:00"))
        c.execute(insert(S.sessions).values(id=sid, participant="P-001", utc_start="2026-01-01T00:00:00+00:00", clock_start_ns=0,
                                            status="complete", header={}, notes=""))
        c.execute(insert(S.samples), [dict(session_id=sid, trial=0, device_id="grip0", seq=i, t_ns=i * 10**6, t_arrival_ns=i * 10**6,
                                           device_time_us=None, flags=0, values=[i / 100]) for i in range(5000)])
    db.dispose()
    db = open_database(url)
    assert legacy_rows(db) == 0
    assert [r["values"][0] for r in stored_samples(db, sid)] == [i / 100 for i in range(5000)]
    db.dispose()


def test_a_repack_killed_halfway_resumes_and_finishes(url: str) -> None:
    db = open_database(url, repack=False)
    rng = np.random.default_rng(5)
    for k in range(3):
        _store_old_way(db, f"old-{k}", f"P-00{k}", rng)
    want = stored_samples(db)
    want_lm = stored_landmarks(db)
    n_old = legacy_rows(db)
    db.dispose()
    p = subprocess.Popen([sys.executable, "-m", "station", "db", "repack", "--batch-rows", "100", "--db", url],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=dict(os.environ))
    assert p.stdout is not None
    batches = 0
    deadline = time.monotonic() + 120
    for line in p.stdout:
        batches += "re-packed" in line
        if batches >= 20 or time.monotonic() > deadline:
            break
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    p.stdout.close()
    assert batches >= 20, "the re-pack ended before it could be killed"
    db = open_database(url, repack=False)
    left = legacy_rows(db)
    assert 0 < left < n_old  # halfway: some in blocks, the rest still in rows
    assert stored_samples(db) == want and len(stored_landmarks(db)) == len(want_lm)  # both layouts read as one
    db.dispose()
    db = open_database(url)  # the next start finishes the job
    assert legacy_rows(db) == 0
    assert stored_samples(db) == want
    got_lm = stored_landmarks(db)
    assert [(r["t_ns"], r["kind"], r["person"], r["data"].tobytes()) for r in got_lm] == \
        [(r["t_ns"], r["kind"], r["person"], r["data"].tobytes()) for r in want_lm]
    db.dispose()


def test_landmark_reader_filters(db: Database) -> None:
    sid = record_demo_session(db, "P-001", seconds=3)
    allb = list(read_landmarks(db, sid))
    pose0 = [b for b in read_landmarks(db, sid, kind="pose", person=0)]
    assert sum(len(b) for b in pose0) == sum(int(np.sum((b.kind == "pose") & (b.person == 0))) for b in allb) > 0
    t = np.concatenate([b.t_ns for b in allb])
    mid = int(np.median(t))
    late = np.concatenate([b.t_ns for b in read_landmarks(db, sid, t_from_ns=mid)])
    assert np.array_equal(np.sort(late), np.sort(t[t >= mid]))
