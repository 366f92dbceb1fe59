"""Faults during a live session: simulated serial devices on real pseudo-terminals and real SQLite.

Each test runs a real :class:`~station.session.SessionRunner` session (drivers, scoring, recorder)
while a fault is injected, then checks that the session went on, that what happened is visible
(device states on the bus, the recorder's ``last_error``, flags on the stored samples), and that
everything received was stored. Camera loss mid-session is tested with the vision code
(``tests/test_vision_analyze.py::test_camera_unplugged_mid_session``-style test with
:class:`vision.sources.FailingSource`); see ``docs/RELIABILITY.md``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _storage_db import stored_landmarks, stored_samples
from sqlalchemy import select

from devices.grip import GripDynamometer
from devices.sim import PtySimulator, SimConfig, parse_faults
from exercises.base import StepInput
from station.core import DeviceState, EventBus, SampleFlag, SystemClock
from station.recovery import integrity_check
from station.session import SessionRunner, SessionSummary, TrialSpec
from station.session.feeds import device_feed
from station.storage import Recorder, open_database
from station.storage import schema as S
from station.storage.streams import count_stored

GAP = int(SampleFlag.GAP_BEFORE)
RESYNC = int(SampleFlag.RESYNCED)


def _wait(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _grip_session(tmp_path: Path, faults: tuple[str, ...], seconds: float, db_url: str | None = None,
                  during: Callable[[GripDynamometer], None] | None = None) -> tuple[SessionSummary, GripDynamometer, list[DeviceState], str]:
    """A grip trial of ``seconds`` with a 1 kHz simulated grip on a pty, faults injected."""
    clock, bus = SystemClock(), EventBus()
    _, states_q = bus.subscribe_queue(DeviceState, maxsize=10_000)
    cfg = SimConfig(kind="grip", profile="squeeze", rate_hz=1000.0, seed=1, faults=parse_faults(faults))
    url = db_url or f"sqlite:///{tmp_path / 'faults.db'}"
    db = open_database(url)
    try:
        with PtySimulator(cfg, link=tmp_path / "grip") as sim:
            dev = GripDynamometer(sim.path, clock=clock, bus=bus)
            dev.open()
            try:
                feed = device_feed(dev, seconds, clock=clock)

                def watched(t0: int) -> Iterator[StepInput]:
                    for inp in feed(t0):
                        if during is not None:
                            during(dev)
                        yield inp

                runner = SessionRunner(db, "P-FAULT-1", clock, pacing="external")
                summary = runner.run([TrialSpec("grip_squeeze", {}, watched, duration_s=seconds + 1, devices=(dev.info,),
                                                source="simulator:grip")])  # type: ignore[arg-type]
            finally:
                dev.close()
        return summary, dev, list(states_q.drain()), url
    finally:
        db.dispose()


def _stored(url: str, sid: str) -> list[tuple[int, int, int]]:
    db = open_database(url)
    try:
        assert integrity_check(db) == []
        return sorted(((r["seq"], r["flags"], r["t_ns"]) for r in stored_samples(db, sid)), key=lambda r: (r[2], r[0]))
    finally:
        db.dispose()


def test_device_unplugged_and_replugged_mid_session(tmp_path: Path) -> None:
    summary, dev, states, url = _grip_session(tmp_path, ("unplug-after=1.0", "unplug-for=1.0"), 3.5)
    assert summary.status == "complete" and len(summary.results) == 1
    names = [s.state for s in states]
    assert "disconnected" in names and "reconnecting" in names
    assert names.index("disconnected") < len(names) - 1 - names[::-1].index("streaming")  # streaming again after it
    assert len(dev.outages) == 1 and dev.outages[0].t_back_ns is not None
    assert 0.5 < dev.outages[0].duration_s < 3.0  # type: ignore[operator]
    rows = _stored(url, summary.session_id)
    assert len(rows) == dev.stats.samples  # every sample received is stored
    gaps = [(i, r) for i, r in enumerate(rows) if r[1] & GAP]
    assert gaps, "the outage is not visible in the stored samples"
    i, (seq, _, _) = gaps[0]
    missing = seq - rows[i - 1][0] - 1
    assert missing == dev.outages[0].missing and missing > 300  # ~1 s at 1 kHz, counted from the sequence numbers
    assert sum(1 for r in rows if r[2] > dev.outages[0].t_back_ns) > 300  # and recording went on after it


def test_garbage_on_the_line_is_counted_and_the_session_goes_on(tmp_path: Path) -> None:
    summary, dev, _, url = _grip_session(tmp_path, ("garbage=0.02", "corrupt=0.01", "truncate=0.01"), 2.0)
    assert summary.status == "complete"
    assert dev.stats.rejects.total() > 10 or sum(dev.stats.rejects.values()) > 10
    rows = _stored(url, summary.session_id)
    assert len(rows) == dev.stats.samples > 1000
    assert any(r[1] & RESYNC for r in rows)  # the sample after bad input says so
    # corrupted and truncated lines are lost samples: the sequence numbers show exactly how many
    seqs = [r[0] for r in rows]
    assert seqs == sorted(seqs)
    assert sum(1 for r in rows if r[1] & GAP) == dev.stats.gaps


def test_a_stalled_device_is_reported_and_the_session_completes(tmp_path: Path) -> None:
    summary, dev, states, url = _grip_session(tmp_path, ("stall-after=0.8",), 2.5)
    assert summary.status == "complete" and len(summary.results) == 1
    assert "stalled" in [s.state for s in states]
    rows = _stored(url, summary.session_id)
    assert len(rows) == dev.stats.samples and len(rows) > 300  # what came before the stall is kept
    assert max(r[2] for r in rows) < min(s.t_ns for s in states if s.state == "stalled")


def test_device_unplugged_for_good_the_session_still_ends_on_time(tmp_path: Path) -> None:
    """The cable is pulled and never comes back: the trial ends at its time (no hang in the
    driver's stop/close), the device is reported gone, and what came before is stored."""
    t0 = time.monotonic()
    summary, dev, states, url = _grip_session(tmp_path, ("unplug-after=0.8", "unplug-for=60"), 2.5)
    assert time.monotonic() - t0 < 15
    assert summary.status == "complete" and len(summary.results) == 1
    names = [s.state for s in states]
    assert "disconnected" in names and "reconnecting" in names
    assert "streaming" not in names[names.index("disconnected"):]
    assert dev.outages and dev.outages[-1].t_back_ns is None  # still gone
    rows = _stored(url, summary.session_id)
    assert len(rows) == dev.stats.samples > 300


def test_device_reboot_mid_session_is_flagged_and_recording_goes_on(tmp_path: Path) -> None:
    """The device restarts (sequence and clock from zero): the first sample after it carries
    CLOCK_RESET, nothing received is lost, and the stored times keep increasing."""
    summary, dev, _, url = _grip_session(tmp_path, ("reset-after=1.0",), 2.5)
    assert summary.status == "complete"
    rows = _stored(url, summary.session_id)
    assert len(rows) == dev.stats.samples
    reset = int(SampleFlag.CLOCK_RESET)
    flagged = [i for i, r in enumerate(rows) if r[1] & reset]
    assert len(flagged) == 1
    i = flagged[0]
    assert rows[i][0] < rows[i - 1][0]  # the sequence restarted
    assert sum(1 for r in rows[i:]) > 300  # and recording went on after it
    assert all(b[2] >= a[2] for a, b in itertools.pairwise(rows))  # session time never goes back


# -- storage faults ---------------------------------------------------------------------------------

def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


needs_root = pytest.mark.skipif(not _is_root(), reason="mounting a small tmpfs needs root (CI runs as root)")


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, unmounted afterwards."""
    d = tmp_path / "small"
    d.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(d)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", str(d)], check=False)


def _sample_rows(n0: int, n: int):  # type: ignore[no-untyped-def]
    from station.core import SensorSample

    return [SensorSample("grip0", i, i * 1000, i * 1000, None, (float(i),), ("force",), ("N",), SampleFlag(0)) for i in range(n0, n0 + n)]


def _count(db_url: str) -> int:
    db = open_database(db_url)
    try:
        with db.engine.connect() as c:
            return int(count_stored(c, "samples"))
    finally:
        db.dispose()


@needs_root
def test_disk_full_mid_session_keeps_rows_queued_and_writes_them_when_space_returns(small_fs: Path) -> None:
    from station.core import SessionMeta
    from station.session import host_info

    url = f"sqlite:///{small_fs / 'station.db'}"
    db = open_database(url)
    from datetime import UTC, datetime

    sid = "11111111-1111-4111-8111-111111111111"
    db.create_session(SessionMeta(session_id=sid, participant="P-DISK-1", utc_start=datetime.now(UTC), clock_start_ns=0,
                                  software_version="t", host=host_info(), config={}, devices=()))
    rec = Recorder(db, sid, flush_s=0.05)
    rec.record_samples(0, _sample_rows(0, 500))
    _wait(lambda: rec.rows_written >= 500, 10, "the first rows")
    # fill the disk with a ballast file (what another program could do); whatever the station frees
    # meanwhile (SQLite truncates its WAL after a checkpoint) the other program takes too
    ballast = small_fs / "ballast"

    def fill() -> None:
        fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while os.write(fd, b"\0" * 512) > 0:
                pass
        except OSError:
            pass  # ENOSPC: the disk is full
        finally:
            os.close(fd)

    fill()
    n = 500
    while rec.write_errors == 0 and n < 200_000:  # keep recording until the database cannot grow
        rec.record_samples(0, _sample_rows(n, 500))
        n += 500
        time.sleep(0.02)
        fill()
    assert rec.write_errors > 0
    fill()
    rec.record_samples(0, _sample_rows(n, 500))
    n += 500
    _wait(lambda: rec.last_error is not None and rec.pending > 0, 10, "a failed write with rows kept")
    assert rec.last_error is not None and "full" in rec.last_error.lower()  # says what happened
    assert rec.pending > 0  # the rows it could not write are kept, not dropped
    rec.record_samples(0, _sample_rows(n, 500))  # the session goes on recording into memory
    n += 500
    ballast.unlink()  # space returns
    _wait(lambda: rec.rows_written >= n, 20, "the queued rows to be written")
    assert rec.last_error is None
    rec.close()
    db.end_session(sid, "complete")
    db.dispose()
    assert _count(url) == n  # nothing lost: before, during and after the full disk
    db = open_database(url)
    assert integrity_check(db) == []
    db.dispose()


def _station(*args: str, home: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    exe = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "station"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "station"]
    return subprocess.run([*cmd, *args], env=dict(os.environ, MOTOR_STATION_HOME=str(home)), capture_output=True,
                          text=True, timeout=timeout)


def _one_clear_error(r: subprocess.CompletedProcess[str]) -> str:
    out = r.stdout + r.stderr
    assert r.returncode == 2, (r.returncode, out[-3000:])
    assert "Traceback" not in out, out[-3000:]
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1, r.stderr[-2000:]
    return errors[0]


def test_unwritable_session_folder_costs_only_the_report(tmp_path: Path) -> None:
    """The data directory's ``sessions`` folder cannot be created (a file is in the way: unwritable
    even for root): the session is recorded in full, the report alone fails, with one clear line."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "sessions").write_text("in the way")
    r = _station("demo", "--headless", "--seconds", "3", "--fast", home=home)
    line = _one_clear_error(r)
    assert "is recorded" in line and "station report" in line
    db = open_database(f"sqlite:///{home / 'station.db'}")
    try:
        assert integrity_check(db) == []
        with db.engine.connect() as c:
            status = c.execute(select(S.sessions.c.status)).scalar_one()
            n = count_stored(c, "landmarks")
        assert status == "complete" and n > 0
    finally:
        db.dispose()


def test_data_directory_is_a_path_under_a_file(tmp_path: Path) -> None:
    """A data directory that cannot exist: exit 2 with one line saying so, nothing started."""
    (tmp_path / "file").write_text("x")
    line = _one_clear_error(_station("demo", "--headless", "--seconds", "2", "--fast", home=tmp_path / "file" / "home"))
    assert "data directory" in line


def _room(kib_after_schema: int) -> int:
    """Bytes to leave free on the small disk: an empty database of the current schema plus ``kib_after_schema``
    KiB, so a migration that adds tables moves the disk-full point no nearer the start of the session."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        db = open_database(f"sqlite:///{Path(d) / 'fresh.db'}")
        db.dispose()
        fresh = (Path(d) / "fresh.db").stat().st_size
    return fresh + kib_after_schema * 1024


@needs_root
@pytest.mark.slow
def test_demo_on_a_disk_that_fills_up(small_fs: Path) -> None:
    """`station demo` with its data on a nearly full 1 MiB disk: it plays to the end, says the disk
    is full, exits with one clear line, and what reached the disk is intact and readable."""
    home = small_fs / "home"
    home.mkdir()
    fd = os.open(small_fs / "ballast", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"\0" * (1024 * 1024 - _room(128)))  # leave about 300 KB (with the schema of revision 0005)
    finally:
        os.close(fd)
    r = _station("demo", "--headless", "--seconds", "6", home=home)  # real time: batches of 0.5 s
    line = _one_clear_error(r)  # the session could not be closed, or its report not written
    assert "full" in line.lower() or "space" in line.lower(), line
    assert "database or disk is full" in r.stderr  # the recorder said so while it happened
    assert "NOT SAVED" in r.stdout  # and the summary says what could not be written
    db = open_database(f"sqlite:///{home / 'station.db'}")
    try:
        assert integrity_check(db) == []
        with db.engine.connect() as c:
            status = c.execute(select(S.sessions.c.status)).scalar_one()
            n = count_stored(c, "landmarks")
        assert n > 0  # what was written before the disk filled is kept
        assert status in ("complete", "recording")  # "recording" when even the end could not be written
    finally:
        db.dispose()


@needs_root
def test_session_cannot_start_on_a_read_only_data_directory(small_fs: Path) -> None:
    """`station demo` on a read-only data directory: one clear line, exit 2, no traceback."""
    home = small_fs / "home"
    home.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    env = dict(os.environ, MOTOR_STATION_HOME=str(home))
    exe = shutil.which("station", path=str(Path(__file__).resolve().parents[1] / ".venv" / "bin"))
    cmd = [exe] if exe else [os.sys.executable, "-m", "station"]  # type: ignore[attr-defined]
    r = subprocess.run([*cmd, "demo", "--headless", "--seconds", "2", "--fast"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr + r.stdout
    assert "read-only" in (r.stderr + r.stdout).lower() or "not writable" in (r.stderr + r.stdout).lower()





# -- camera ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_camera_gone_and_back_mid_session_is_a_recorded_gap(tmp_path: Path, media: Path) -> None:
    """The camera is unplugged for 0.6 s mid-trial (real CameraSource code through
    :class:`vision.sources.FailingSource`, real MediaPipe hands): the session completes, the loss is
    on the bus, and the stored landmarks show the gap in frame numbers and in time."""
    from station.core import SourceState
    from station.session.feeds import camera_feed_for
    from vision.sources import FailingSource, VideoFileSource

    images = [f.image for f in VideoFileSource(media / "hand" / "open_palm.mp4", max_frames=110)][60:110]
    clock, bus = SystemClock(), EventBus()
    _, states = bus.subscribe_queue(SourceState)
    src = FailingSource(images, fps=25, fail_after=15, down_s=0.6, clock=clock, bus=bus)
    feed = camera_feed_for("tracing", 0, clock=clock, bus=bus, source=src)
    url = f"sqlite:///{tmp_path / 'cam.db'}"
    db = open_database(url)
    try:
        summary = SessionRunner(db, "P-CAM-1", clock, pacing="external").run([TrialSpec("tracing", {}, feed, source="camera")])
    finally:
        db.dispose()
    assert summary.status == "complete"
    names = [s.state for s in states.drain()]
    assert "lost" in names and "reconnecting" in names and "streaming" in names[names.index("lost"):]
    db = open_database(url)
    try:
        rows = [(r["frame_seq"], r["t_ns"]) for r in stored_landmarks(db, summary.session_id)]
    finally:
        db.dispose()
    seqs = [r[0] for r in rows]
    assert len(rows) >= 10 and seqs == sorted(seqs)
    jumps = [(b[0] - a[0], (b[1] - a[1]) / 1e9) for a, b in itertools.pairwise(rows)]
    biggest = max(jumps)
    assert biggest[0] - 1 >= src.frames_missed >= 10  # the frames the camera missed are a visible jump
    assert biggest[1] >= 0.5  # and a gap in time of about the outage


@needs_root
@pytest.mark.slow
def test_session_on_a_full_disk_ends_without_raising_and_says_why(small_fs: Path) -> None:
    """In-process (what the station window runs on its worker thread): the disk fills during the
    session; the live state says so while it happens, run() returns instead of raising, the summary
    says what could not be written, and the next session start marks the session interrupted."""
    from station.demo import DemoOptions, simulated_trials

    fd = os.open(small_fs / "ballast", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"\0" * (1024 * 1024 - _room(78)))  # about 250 KB with the schema of revision 0005
    finally:
        os.close(fd)
    url = f"sqlite:///{small_fs / 'station.db'}"
    db = open_database(url)
    seen: list[str] = []
    runner = SessionRunner(db, "P-FULL-1", SystemClock(), on_update=lambda st: seen.append(st.storage_error or ""))
    summary = runner.run(simulated_trials(DemoOptions(seconds=4)))  # must not raise
    db.dispose()
    assert any("full" in e for e in seen), "the live state never said the disk was full"
    assert summary.write_error is not None and "full" in summary.write_error
    assert summary.rows_unwritten > 0 or summary.status == "interrupted"
    (small_fs / "ballast").unlink()  # space returns
    db = open_database(url)
    try:
        assert integrity_check(db) == []
        status = db.session(summary.session_id)["status"]
        if status == "recording":  # its end could not be written: the next start marks it
            nxt = SessionRunner(db, "P-FULL-1", SystemClock())
            nxt.run(simulated_trials(DemoOptions(seconds=1)))
            assert nxt.recovered == [summary.session_id]
            status = db.session(summary.session_id)["status"]
        assert status in ("interrupted", "complete")
    finally:
        db.dispose()
