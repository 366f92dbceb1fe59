"""Batch re-scoring (``station analyze SOURCES... --out DIR``) on a real Dask ``distributed.LocalCluster``.

Two worker processes, every port on 127.0.0.1 (the scheduler's HTTP port a free one); real MediaPipe on the short real clips
``squats_5.mp4`` and ``pushups_5.mp4`` (57 frames each) and landmark files tracked from them.
Copies are symbolic links (never copied bytes). Proves: the cluster gives exactly the in-process
result of ``station analyze FILE`` (with trackers kept and reset between files), a client killed
with SIGKILL mid-run loses nothing and duplicates nothing on rerun, a damaged file is reported while
the others are scored, a changed ``definitions_version`` is scored again, and the local process pool
takes over when Dask is absent.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from station.analyze import analyze, analyze_landmarks, track_file
from station.batch import collect, run_batch
from station.batch import results as res
from station.batch.executors import DaskExecutor, InlineExecutor, PoolExecutor, make_executor
from station.cli import main
from station.core import InputError

distributed = pytest.importorskip("distributed", reason="Dask is a test dependency (pyproject [test]); install .[test]")

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A real LocalCluster: 2 worker processes x 1 thread, every port on 127.0.0.1 (HTTP on a free one)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0", silence_logs=40) as lc:
        yield lc.scheduler_address


@pytest.fixture(scope="module")
def landmark_files(media: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("landmarks")
    out = {}
    for name in ("squats_5", "pushups_5"):
        out[name] = d / f"{name}.parquet"
        track_file(media / "body" / f"{name}.mp4", out[name], ["pose"])
    return out


def _link(folder: Path, target: Path, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).symlink_to(target)  # linked, never copied
    return folder / name


def _comparable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in ("processing_fps", "source")}


def test_cluster_gives_the_in_process_result_with_models_kept_per_worker(cluster: str, media: Path, tmp_path: Path,
                                                                       landmark_files: dict[str, Path]) -> None:
    src = tmp_path / "in"
    videos = [_link(src, media / "body" / clip, f"{i}_{clip}") for i, clip in
              enumerate(["squats_5.mp4", "pushups_5.mp4", "squats_5.mp4", "pushups_5.mp4"])]
    lm = _link(src, landmark_files["squats_5"], "squats_lm.parquet")
    ex = DaskExecutor(cluster)
    try:
        report = run_batch(collect([src], "squats"), out=tmp_path / "out", executor=ex)
    finally:
        ex.close()
    assert report.total == 5 and report.scored == 5 and not report.failed and report.skipped == 0
    rows = {r["input_path"]: r for r in res.read_rows(tmp_path / "out")}
    assert sorted(rows) == sorted(p.name for p in [*videos, lm])
    for v in videos:  # the in-process path: `station analyze FILE`, a fresh tracker per file
        alone = analyze(v, "squats").to_dict()
        assert _comparable(res.result_of(rows[v.name]) or {}) == _comparable(alone), v.name
    assert _comparable(res.result_of(rows[lm.name]) or {}) == _comparable(analyze_landmarks(lm, "squats").to_dict())
    video_rows = [rows[v.name] for v in videos]
    assert len({r["worker"] for r in video_rows}) == 2  # both workers scored
    assert max(Counter(r["worker"] for r in video_rows).values()) >= 2  # a worker reused its tracker
    assert not any(r["model_loaded"] for r in video_rows)  # models loaded by the worker plugin, not per file
    r = rows[videos[0].name]
    assert r["status"] == "ok" and r["reps"] == 5 and r["frames"] == 57 and r["backend"] == "mediapipe"
    assert r["model"].startswith("mediapipe.pose/") and r["software_version"] and len(r["input_sha256"]) == 64
    assert dict(r["units"]).keys() == dict(r["metrics"]).keys() and r["definitions_version"]
    assert rows[lm.name]["backend"] == "replay" and rows[lm.name]["input_kind"] == "landmarks"


def test_a_damaged_file_is_reported_and_the_others_scored(cluster: str, media: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in"
    _link(src, media / "body" / "squats_5.mp4", "good.mp4")
    (src / "garbage.mp4").write_bytes(b"not a video at all")
    data = (media / "body" / "squats_5.mp4").read_bytes()
    (src / "truncated.mp4").write_bytes(data[: len(data) // 3])
    out, table = tmp_path / "out", tmp_path / "summary.csv"
    rc = main(["analyze", str(src), "--exercise", "squats", "--cluster", cluster, "--out", str(out), "--csv", str(table)])
    err = capsys.readouterr().err
    assert rc == 1
    failed = [ln for ln in err.splitlines() if ln.startswith("failed: ")]
    assert sorted(ln.split(":")[1].strip() for ln in failed) == ["garbage.mp4", "truncated.mp4"], err
    assert "Traceback" not in err
    rows = {r["input_path"]: r for r in res.read_rows(out)}
    assert rows["good.mp4"]["status"] == "ok" and rows["good.mp4"]["reps"] == 5
    for bad in ("garbage.mp4", "truncated.mp4"):
        assert rows[bad]["status"] == "error" and rows[bad]["error"] and rows[bad]["metrics"] is None and rows[bad]["reps"] is None
    with table.open(newline="") as fh:
        flat = {r["file"]: r for r in csv.DictReader(fh)}
    assert flat["good.mp4"]["reps"] == "5" and flat["garbage.mp4"]["status"] == "error" and flat["garbage.mp4"]["reps"] == ""
    # A rerun skips the scored file and tries the failed ones again (still failing: exit 1).
    rc = main(["analyze", str(src), "--exercise", "squats", "--cluster", cluster, "--out", str(out)])
    assert rc == 1 and "1 already scored" in capsys.readouterr().err
    assert len(res.read_rows(out)) == 3


def _parts(out: Path) -> list[Path]:
    return sorted(out.glob("*.parquet")) if out.is_dir() else []


def test_resume_after_the_client_is_killed_mid_run(cluster: str, media: Path, tmp_path: Path) -> None:
    src = tmp_path / "archive"
    names = [f"{i:02d}_{clip}" for i, clip in enumerate(["squats_5.mp4", "pushups_5.mp4"] * 4)]
    for n in names:
        _link(src, media / "body" / n[3:], n)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "station", "analyze", str(src), "--exercise", "squats", "--cluster", cluster, "--out", str(out)]
    client = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 240  # a hang guard only: the test waits for the first stored result
        while not _parts(out) and client.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.poll() is None, f"client ended before it could be killed: {client.stderr.read().decode()[-2000:]}"
        assert _parts(out), "no result stored in time"
        os.kill(client.pid, signal.SIGKILL)
    finally:
        client.wait(timeout=60)
        client.stderr.close()
    before = {r["row_id"]: r for r in res.read_rows(out)}
    assert 1 <= len(before) < len(names), "the client was not killed mid-run"
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"{len(before)} already scored" in rerun.stderr
    after = res.read_rows(out)
    assert sorted(r["input_path"] for r in after) == sorted(names)  # none missing, none twice
    assert len({r["row_id"] for r in after}) == len(after) == len(names)
    assert all(r["status"] == "ok" and r["frames"] == 57 for r in after)
    for r in after:  # the results stored before the kill were kept, not scored again
        if r["row_id"] in before:
            assert r["finished_at"] == before[r["row_id"]]["finished_at"]
    assert not list(out.glob(".tmp-*"))


def test_a_changed_definitions_version_is_scored_again(cluster: str, tmp_path: Path, landmark_files: dict[str, Path],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from exercises import registry

    squats = registry.get("squats")
    current = squats.definitions_version
    items = lambda: collect([landmark_files["squats_5"], landmark_files["pushups_5"]], "squats")  # noqa: E731
    out = tmp_path / "out"
    with monkeypatch.context() as m:  # results stored by an older definition of squats (scored in this process)
        m.setattr(squats, "definitions_version", "0-old")
        old = run_batch(items(), out=out, executor=InlineExecutor())
    assert old.scored == 2 and {r["definitions_version"] for r in res.read_rows(out)} == {"0-old"}
    ex = DaskExecutor(cluster)
    try:
        new = run_batch(items(), out=out, executor=ex)
        again = run_batch(items(), out=out, executor=ex)
        forced = run_batch(items(), out=out, executor=ex, force=True)
        with monkeypatch.context() as m:  # a client whose definitions differ from the workers' software
            m.setattr(squats, "definitions_version", "99-client")
            mismatch = run_batch(items(), executor=ex)
    finally:
        ex.close()
    assert new.skipped == 0 and new.scored == 2  # the older definition's results do not count
    assert again.skipped == 2 and again.scored == 0
    assert forced.skipped == 0 and forced.scored == 2
    rows = res.read_rows(out)
    assert Counter(r["definitions_version"] for r in rows) == {"0-old": 2, current: 2}  # both kept, none doubled by --force
    assert len(mismatch.failed) == 2 and all("definitions_version" in r["error"] for r in mismatch.failed)


def test_process_pool_takes_over_without_dask(tmp_path: Path, landmark_files: dict[str, Path], media: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    items = collect([landmark_files["squats_5"], landmark_files["pushups_5"], media / "body" / "squats_5.mp4"], "squats")
    inline = run_batch(items, executor="inline")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    ex = make_executor("auto", jobs=2)
    assert isinstance(ex, PoolExecutor)
    try:
        pooled = run_batch(items, executor=ex)
    finally:
        ex.close()
    key = lambda r: r["row_id"]  # noqa: E731
    for a, b in zip(sorted(inline.rows, key=key), sorted(pooled.rows, key=key), strict=True):
        assert _comparable(json.loads(a["result_json"])) == _comparable(json.loads(b["result_json"]))
    with pytest.raises(InputError, match="Dask is not installed"):
        make_executor("auto", cluster="tcp://127.0.0.1:1")


def test_manifest_rows_carry_participant_exercise_and_settings(tmp_path: Path, landmark_files: dict[str, Path],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "study"
    _link(d, landmark_files["squats_5"], "s1.parquet")
    _link(d, landmark_files["pushups_5"], "s2.parquet")
    (d / "manifest.csv").write_text(
        "path,participant,exercise,settings\n"
        "s1.parquet,P-001,squats,\n"
        's2.parquet,P-002,pushups,"{""min_range"": 0.3}"\n'
        "s1.parquet,P-001,jumps,\n", encoding="utf-8")
    out = tmp_path / "out"
    rc = main(["analyze", str(d / "manifest.csv"), "--out", str(out), "--csv", str(tmp_path / "s.csv"), "--json", str(tmp_path / "r.json")])
    assert rc == 0, capsys.readouterr().err
    rows = {(r["input_path"], r["exercise"]): r for r in res.read_rows(out)}
    assert set(rows) == {("s1.parquet", "squats"), ("s2.parquet", "pushups"), ("s1.parquet", "jumps")}
    assert rows[("s2.parquet", "pushups")]["participant"] == "P-002"
    assert json.loads(rows[("s2.parquet", "pushups")]["settings"])["min_range"] == 0.3
    assert rows[("s1.parquet", "squats")]["reps"] == 5
    assert len(json.loads((tmp_path / "r.json").read_text())) == 3


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("path,participant\ns1.parquet,Emma Johnson\n", "invalid participant code"),
        ("path,who\ns1.parquet,P-001\n", "unknown columns: who"),
        ("file\ns1.parquet\n", "no 'path' column"),
        ("path,exercise\ns1.parquet,hopscotch\n", "unknown exercise 'hopscotch'"),
        ("path,exercise,settings\ns1.parquet,squats,depth\n", "row 2"),
        ("path\nnotes.txt\n", "not a video or landmark file"),
        ("path\nmissing.parquet\n", "cannot read input"),
        ("path,participant\ns1.parquet,P-001\ns1.parquet,P-002\n", "listed for two participants"),
    ],
)
def test_a_bad_manifest_is_one_line_and_exit_2(manifest: str, message: str, tmp_path: Path, landmark_files: dict[str, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _link(tmp_path, landmark_files["squats_5"], "s1.parquet")
    (tmp_path / "m.csv").write_text(manifest, encoding="utf-8")
    rc = main(["analyze", str(tmp_path / "m.csv"), "--exercise", "squats", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: ") and message in err and len(err.splitlines()) == 1, err
    assert not res.read_rows(tmp_path / "out")


def test_ctrl_c_keeps_what_finished_and_exits_130(media: Path, tmp_path: Path) -> None:
    src = tmp_path / "archive"
    names = [f"{i:02d}_squats_5.mp4" for i in range(6)]
    for n in names:
        _link(src, media / "body" / "squats_5.mp4", n)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "station", "analyze", str(src), "--exercise", "squats", "--executor", "inline", "--out", str(out)]
    # Ctrl-C in a terminal: the client starts with SIGINT at its default, whatever the test runner was started
    # with (a shell starts background jobs with SIGINT ignored, and Python then keeps ignoring it)
    client = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240  # a hang guard only
    while not _parts(out) and client.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.poll() is None and _parts(out)
    client.send_signal(signal.SIGINT)
    _, err = client.communicate(timeout=120)
    assert client.returncode == 130, err[-2000:]
    assert "interrupted: every result that finished is stored" in err and "Traceback" not in err
    kept = res.read_rows(out)
    assert 1 <= len(kept) < len(names) and all(r["status"] == "ok" for r in kept)


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path, landmark_files: dict[str, Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["analyze", str(landmark_files["squats_5"]), "--exercise", "squats", "--cluster", "tcp://127.0.0.1:9",
               "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith("error: cannot reach the Dask scheduler") and len(err.splitlines()) == 1, err


def test_the_progress_bar_shows_files_frames_per_second_failures_and_eta() -> None:
    import io

    from rich.console import Console

    from station.batch.command import BatchProgress

    buf = io.StringIO()
    bar = BatchProgress(Console(file=buf, force_terminal=True, width=140), "squats")
    bar.start(3, 1)
    bar.row({"status": "ok", "frames": 57})
    bar.row({"status": "error", "frames": None})
    bar.p.refresh()
    text = buf.getvalue()
    bar.stop()
    assert "1 already scored" in text and "2/3" in text and "frames/s" in text and "1 failed" in text and "ETA" in text


def test_unchanged_inputs_are_not_hashed_again_and_a_replaced_file_is_scored_again(
        tmp_path: Path, landmark_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from station.batch import inputs

    f = tmp_path / "in" / "trial.parquet"
    f.parent.mkdir()
    shutil.copyfile(landmark_files["squats_5"], f)  # a landmark file made by this test session, not media
    out = tmp_path / "out"
    first = run_batch(collect([f], "squats"), out=out, executor="inline")
    assert first.scored == 1 and (out / inputs.HASH_CACHE).is_file()

    def no_reading(path: object, chunk: int = 0) -> str:
        raise AssertionError(f"{path} was hashed again although unchanged")

    with monkeypatch.context() as m:
        m.setattr(inputs, "file_sha256", no_reading)
        again = run_batch(collect([f], "squats"), out=out, executor="inline")
    assert again.skipped == 1 and again.scored == 0
    shutil.copyfile(landmark_files["pushups_5"], f)  # the same name, other content
    replaced = run_batch(collect([f], "squats"), out=out, executor="inline")
    assert replaced.skipped == 0 and replaced.scored == 1
    shas = {r["input_sha256"] for r in res.read_rows(out)}
    assert len(shas) == 2 and inputs.file_sha256(f) in shas


def test_a_worker_killed_mid_batch_loses_no_file(cluster: str, media: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    for i in range(4):
        _link(src, media / "body" / "squats_5.mp4", f"{i}_squats_5.mp4")
    ex = DaskExecutor(cluster)
    killed: list[int] = []

    def kill_the_worker_that_just_finished(row: dict[str, Any]) -> None:
        if not killed:  # it has most likely taken the next file already: SIGKILL it in the middle of that one
            killed.append(int(row["worker"].rsplit(":", 1)[1]))
            os.kill(killed[0], signal.SIGKILL)

    try:
        report = run_batch(collect([src], "squats"), out=tmp_path / "out", executor=ex, on_row=kill_the_worker_that_just_finished)
    finally:
        ex.close()
    assert killed and report.scored == 4 and not report.failed
    rows = res.read_rows(tmp_path / "out")
    assert sorted(r["input_path"] for r in rows) == [f"{i}_squats_5.mp4" for i in range(4)]
    assert all(r["status"] == "ok" and r["reps"] == 5 for r in rows)


def _pool_run_killing_workers(media: Path, tmp_path: Path, jobs: int, kills: int) -> tuple[Any, list[dict[str, Any]], list[int]]:
    """A local process pool over 4 copies of a real clip; after each of the first ``kills`` results the
    worker that sent it is killed with SIGKILL (it has taken the next file by then)."""
    src = tmp_path / "in"
    for i in range(4):
        _link(src, media / "body" / "squats_5.mp4", f"{i}_squats_5.mp4")
    killed: list[int] = []

    def kill(row: dict[str, Any]) -> None:
        if len(killed) < kills and row["status"] == "ok":
            pid = int(row["worker"].rsplit(":", 1)[1])
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    ex = PoolExecutor(jobs)
    try:
        report = run_batch(collect([src], "squats"), out=tmp_path / "out", executor=ex, on_row=kill)
    finally:
        ex.close()
    return report, res.read_rows(tmp_path / "out"), killed


def test_a_pool_worker_killed_mid_batch_loses_no_file(media: Path, tmp_path: Path) -> None:
    """The local pool (the fallback without Dask): the files of a broken pool get a new pool and are scored."""
    report, rows, killed = _pool_run_killing_workers(media, tmp_path, jobs=2, kills=1)
    assert len(killed) == 1 and report.scored == 4 and not report.failed
    assert sorted(r["input_path"] for r in rows) == [f"{i}_squats_5.mp4" for i in range(4)]
    assert all(r["status"] == "ok" and r["reps"] == 5 for r in rows)


def test_a_file_whose_worker_dies_twice_is_an_error_row_and_the_rest_are_scored(media: Path, tmp_path: Path) -> None:
    """One worker, killed after each of the first two results: a file caught in both crashes gets one error
    row naming the crash (no endless retries), every other file is scored, no file is lost or doubled."""
    report, rows, killed = _pool_run_killing_workers(media, tmp_path, jobs=1, kills=2)
    assert len(killed) == 2
    assert sorted(r["input_path"] for r in rows) == [f"{i}_squats_5.mp4" for i in range(4)]  # each exactly once
    failed = [r for r in rows if r["status"] != "ok"]
    assert 1 <= len(failed) <= 2 and len(report.failed) == len(failed) and report.scored == 4 - len(failed)
    assert all("worker process died while scoring this file (twice)" in (r["error"] or "") for r in failed)
    assert all(r["reps"] == 5 for r in rows if r["status"] == "ok")


def test_results_are_compacted_and_a_later_rescore_wins_over_the_part(tmp_path: Path, landmark_files: dict[str, Path]) -> None:
    """A finished run merges its one-row files into one part; a crash between writing the part and removing
    the files leaves duplicates that readers fold into one row; a file scored again later wins."""
    src = tmp_path / "in"
    for i in range(5):
        _link(src, landmark_files["squats_5"], f"{i}_squats.parquet")
    out = tmp_path / "out"
    first = run_batch(collect([src], "squats"), out=out, executor="inline", compact_at=3)
    assert first.scored == 5 and first.compacted == 5
    files = sorted(p.name for p in out.glob("*.parquet"))
    assert len(files) == 1 and files[0].startswith(res.PART_PREFIX)
    assert sorted(r["input_path"] for r in res.read_rows(out)) == [f"{i}_squats.parquet" for i in range(5)]
    # resume reads the part: nothing scored again
    again = run_batch(collect([src], "squats"), out=out, executor="inline", compact_at=3)
    assert again.skipped == 5 and again.scored == 0 and again.compacted == 0
    # a forced re-score writes one-row files that win over the part's rows
    forced = run_batch(collect([src], "squats"), out=out, executor="inline", force=True, compact_at=0)
    assert forced.scored == 5 and forced.compacted == 0 and len(list(out.glob("*.parquet"))) == 6
    rows = res.read_rows(out)
    assert sorted((r["row_id"], r["finished_at"]) for r in rows) == sorted((r["row_id"], r["finished_at"]) for r in forced.rows)
    # an interrupted compaction (part written, old files still there) reads as one row per input
    part = next(out.glob(f"{res.PART_PREFIX}*.parquet"))
    (out / f"{res.PART_PREFIX}copy.parquet").write_bytes(part.read_bytes())
    assert sorted(r["input_path"] for r in res.read_rows(out)) == [f"{i}_squats.parquet" for i in range(5)]
    assert res.compact(out, at=1) == 7 and len(list(out.glob("*.parquet"))) == 1
    assert sorted((r["row_id"], r["finished_at"]) for r in res.read_rows(out)) == sorted((r["row_id"], r["finished_at"]) for r in forced.rows)
    assert res.read_rows(out, ["input_path", "finished_at"])[0].keys() == {"input_path", "finished_at"}
