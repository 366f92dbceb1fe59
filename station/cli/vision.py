"""``station track`` and ``station analyze``: landmarks and scores from recorded videos, for researchers.

OpenCV and MediaPipe are imported inside the command functions (through :mod:`station.analyze`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console


def _progress(console: Console, label: str) -> Any:
    """A rich progress bar on a terminal; a no-op context otherwise."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if not console.is_terminal:
        return None
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[fps]}"),
                    TimeRemainingColumn(), console=console, transient=True)


class _Bar:
    def __init__(self, console: Console, label: str) -> None:
        self.p = _progress(console, label)
        self.label = label
        self.task: Any = None
        self._t0 = 0.0

    def __enter__(self) -> _Bar:
        import time

        self._t0 = time.perf_counter()
        if self.p is not None:
            self.p.__enter__()
            self.task = self.p.add_task(self.label, total=None, fps="")
        return self

    def __call__(self, done: int, total: int) -> None:
        import time

        if self.p is not None and (done % 5 == 0 or done == total):
            dt = time.perf_counter() - self._t0
            self.p.update(self.task, completed=done, total=total or None, fps=f"{done / dt:.1f} fps" if dt > 0 else "")

    def __exit__(self, *exc: object) -> None:
        if self.p is not None:
            self.p.__exit__(*exc)


def _write_json(data: Any, out: str, force: bool) -> None:
    from station.core import InputError

    text = json.dumps(data, indent=2)
    if out == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        return
    p = Path(out)
    if p.exists() and not force:
        raise InputError("output file exists (never overwritten)", where=str(p), fix="choose another name or pass --force")
    if not p.parent.exists():
        raise InputError("output folder does not exist", where=str(p.parent))
    p.write_text(text + "\n", encoding="utf-8")


def _quiet_native_logs() -> None:
    """Keep MediaPipe/TFLite start-up chatter (glog INFO/WARNING lines) off the researcher's terminal."""
    import os
    import warnings

    warnings.filterwarnings("ignore", message=r"SymbolDatabase\.GetPrototype\(\) is deprecated", category=UserWarning)
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def register(app: typer.Typer) -> None:
    @app.command(
        help="Score a recorded video with an exercise, as fast as possible.\n\n"
        "SOURCE is a video file (mp4, avi, mov, gif...), an image or a folder of images, or a landmark file "
        "saved by 'station track' (.parquet: re-scored without video). Batch mode (several sources, a folder "
        "of videos/landmark files, a quoted glob such as 'archive/**/*.mp4', a manifest CSV with columns path, "
        "participant, exercise, settings, or --out): one result per file, in parallel with --jobs (a local Dask "
        "cluster, or a process pool without Dask) or on a Dask cluster with --cluster; stored as each file "
        "finishes in the Parquet dataset --out DIR, and a rerun skips what is there (--force scores again); "
        "--csv writes a flat summary; broken files are reported and the others scored; exit code 1 when any "
        "file failed (docs/CLUSTER.md). Only the trackers the exercise needs are run.\n\n"
        "The JSON result has exercise, reps, metrics, events, frames, frames_with_detection, duration_s "
        "(file seconds) and processing_fps, plus units, definitions and provenance. Event times t_ns are "
        "the file's own time in ns from its first frame.\n\n"
        "Example: station analyze tests/media/body/squats_5.mp4 --exercise squats --json -\n\n"
        "Example: station analyze videos/ --exercise jumps --jobs 2 --csv scores.csv\n\n"
        "Example: station analyze manifest.csv --exercise squats --cluster tcp://10.0.0.5:8786 --out results/\n\n"
        "Example (tabletop tracing in sheet mm, workspace of camera 'desk'): station analyze desk.mp4 --exercise tracing "
        "--set mode=tabletop --set shape=circle --set center=105,148 --set size=110 --set tolerance=5 --workspace desk"
    )
    def analyze(
        sources: list[str] = typer.Argument(..., metavar="SOURCE", help="Video, image, image folder or landmark file "
                                            "(.parquet); several of them, folders of videos, globs or manifests (.csv): batch mode."),
        exercise: str | None = typer.Option(None, "--exercise", "-e", help="Exercise name (see the exercise registry, e.g. "
                                            "jumps, tracing); a manifest's 'exercise' column may give it instead."),
        sets: list[str] = typer.Option([], "--set", help="Exercise setting KEY=VALUE (repeatable)."),
        json_out: str | None = typer.Option(None, "--json", help="Write the JSON result to OUT, or '-' for stdout."),
        overlay: Path | None = typer.Option(None, "--overlay", help="Write an annotated video (landmarks, trail, target) to OUT.mp4."),
        landmarks: Path | None = typer.Option(None, "--landmarks", help="Also save the raw landmarks to OUT.parquet."),
        csv_out: Path | None = typer.Option(None, "--csv", help="Batch mode: write one CSV row per file to OUT (a flat summary)."),
        jobs: int = typer.Option(1, "--jobs", "-j", min=1, max=64, help="Batch mode: local worker processes (files scored in parallel)."),
        out_dir: Path | None = typer.Option(None, "--out", help="Batch mode: the Parquet results dataset (folder); resumes what is there."),
        cluster: str | None = typer.Option(None, "--cluster", help="Batch mode: a Dask scheduler address, e.g. tcp://host:8786 (needs .[cluster])."),
        threads: int = typer.Option(1, "--threads", min=1, max=64, help="Batch mode, local Dask cluster: threads per worker process."),
        executor: str = typer.Option("auto", "--executor", help="Batch mode: auto, dask, pool (local processes) or inline (this process)."),
        compact_at: int = typer.Option(256, "--compact-at", min=0, help="Batch mode: a finished run merges the one-row result files of "
                                       "--out into one Parquet part once there are this many (0: never)."),
        hand_complexity: int = typer.Option(1, "--hand-complexity", min=0, max=1, help="MediaPipe hand model: 0 lite, 1 full."),
        mirrored: bool = typer.Option(False, "--mirrored", help="The video is mirrored (selfie view); stored data is unmirrored."),
        hands_from_pose: bool = typer.Option(False, "--hands-from-pose", help="Whole-body videos: find small hands in crops around the wrists found by pose."),
        backend: str = typer.Option("mediapipe", "--backend", help="Tracker backend: mediapipe (legacy solutions; the Tasks API where they are gone), mediapipe-tasks, or any "
                                     "other registered one (see `station backends`)."),
        num_poses: int = typer.Option(1, "--num-poses", min=1, max=10, help="People per frame the pose tracker reports (mediapipe-tasks); the "
                                      "exercise chooses the participant among them (--set participant=X,Y picks the one nearest that point)."),
        no_smooth: bool = typer.Option(False, "--no-smooth", help="Score raw landmarks (no One Euro filter)."),
        no_zoom: bool = typer.Option(False, "--no-zoom", help="Track the whole frame only: no zoom on a small person, no search for "
                                     "a person the whole frame misses (to reproduce landmarks saved before the zoom)."),
        image_fps: float = typer.Option(1.0, "--image-fps", min=0.001, help="Image folders: frames per second between images."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing output files; batch mode: also score again what --out holds."),
        workspace: str | None = typer.Option(None, "--workspace", help="Camera id whose stored workspace calibration maps the hand to "
                                             "sheet/board millimetres (tabletop tracing, physical pegboard; 'station calibrate workspace')."),
    ) -> None:
        from station import analyze as an
        from station.core import InputError
        from vision.smoothing import SmoothingSettings
        from vision.sources import IMAGE_SUFFIXES

        _quiet_native_logs()
        out = Console(stderr=True)
        parsed = an.registry.parse_sets(sets)
        opts = an.TrackerOptions(hand_complexity=hand_complexity, mirrored=mirrored, hands_from_pose=hands_from_pose, backend=backend,
                                 num_poses=num_poses, zoom=not no_zoom)
        if _batch_mode(sources, out_dir, cluster, jobs, csv_out):
            if overlay is not None or landmarks is not None:
                raise InputError("--overlay and --landmarks work on one video, not a batch", where=" ".join(sources))
            for target in (json_out if json_out not in (None, "-") else None, csv_out):
                if target is not None:
                    an.check_output(target, force)  # before any work, never after it
            from station.batch.command import run_command

            code = run_command(sources, exercise, parsed, out=out_dir, csv_out=csv_out, json_out=json_out,
                               write_json=lambda data: _write_json(data, json_out or "-", force), force=force, options=opts,
                               smoothing=not no_smooth, workspace=workspace, jobs=jobs, threads=threads, cluster=cluster, executor=executor,
                               compact_at=compact_at)
            raise typer.Exit(code)
        if exercise is None:
            raise InputError("no exercise given", fix="pass --exercise NAME (see 'station exercises')")
        video = Path(sources[0])
        ex = an.create_exercise(exercise, parsed)  # unknown exercise / bad settings: fail before any work
        from station.workspaces import check_mapping

        check_mapping(ex.name, ex.settings, workspace)  # a millimetre mode without a mapping: before any work
        smoothing = SmoothingSettings(enabled=not no_smooth)
        if not video.exists():
            raise InputError("file or folder not found", where=str(video))
        for target in (json_out if json_out not in (None, "-") else None, csv_out):
            if target is not None:
                an.check_output(target, force)  # before any work, never after it
        if csv_out is not None:
            raise InputError("--csv is for a folder of videos, several files or a manifest", where=str(video))
        if video.is_dir() and not any(p.suffix.lower() in IMAGE_SUFFIXES for p in video.iterdir()):
            raise InputError("no videos or images in folder", where=str(video))
        with _Bar(out, f"{exercise}: {video.name}") as bar:
            if video.suffix.lower() == ".parquet":
                if overlay is not None or landmarks is not None:
                    raise InputError("--overlay and --landmarks need a video, not a landmark file", where=str(video))
                res = an.analyze_landmarks(video, exercise, parsed, smoothing=smoothing, progress=bar, workspace=workspace)
            else:
                res = an.analyze(video, exercise, parsed, options=opts, smoothing=smoothing, overlay=overlay,
                                 landmarks_out=landmarks, overwrite=force, progress=bar, image_fps=image_fps, workspace=workspace)
        d = res.to_dict()
        if json_out is not None:
            _write_json(d, json_out, force)
        if json_out != "-":
            _print_result(Console(), d)
        if overlay is not None:
            Console(stderr=json_out == "-").print(f"overlay: {overlay.resolve()} (H.264 MP4)", highlight=False, soft_wrap=True)

    @app.command(
        help="Save per-frame landmarks of a video (or images) with their times to Parquet.\n\n"
        "One row per hand/person per frame, plus one row per frame without detection; times are the "
        "file's own frame times in ns (starting at 0). 'station analyze LANDMARKS.parquet' re-scores them "
        "without video.\n\n"
        "Example: station track tests/media/hand/open_palm.mp4 --out palm.parquet --hands"
    )
    def track(
        video: Path = typer.Argument(..., help="Video file, image, or folder of images."),
        out: Path = typer.Option(..., "--out", "-o", help="Parquet file to create."),
        hands: bool = typer.Option(False, "--hands", help="Track hands (MediaPipe hands, up to 2)."),
        pose: bool = typer.Option(False, "--pose", help="Track the body (MediaPipe pose, one person)."),
        hand_complexity: int = typer.Option(1, "--hand-complexity", min=0, max=1, help="MediaPipe hand model: 0 lite, 1 full."),
        mirrored: bool = typer.Option(False, "--mirrored", help="The video is mirrored (selfie view); stored data is unmirrored."),
        hands_from_pose: bool = typer.Option(False, "--hands-from-pose", help="Whole-body videos: find small hands in crops around the wrists found by pose (implies --pose)."),
        backend: str = typer.Option("mediapipe", "--backend", help="Tracker backend: mediapipe (legacy solutions; the Tasks API where they are gone), mediapipe-tasks, or any "
                                     "other registered one (see `station backends`)."),
        image_fps: float = typer.Option(1.0, "--image-fps", min=0.001, help="Image folders: frames per second between images."),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
        no_zoom: bool = typer.Option(False, "--no-zoom", help="Track the whole frame only (no zoom on a small person)."),
    ) -> None:
        from station import analyze as an
        from station.core import InputError

        _quiet_native_logs()
        hands = hands or hands_from_pose
        pose = pose or hands_from_pose
        kinds: list[Any] = (["hand"] if hands else []) + (["pose"] if pose else [])
        if not kinds:
            raise InputError("nothing to track", fix="pass --hands and/or --pose")
        if out.exists() and not force:
            raise InputError("output file exists (never overwritten)", where=str(out), fix="choose another name or pass --force")
        console = Console(stderr=True)
        opts = an.TrackerOptions(hand_complexity=hand_complexity, mirrored=mirrored, hands_from_pose=hands_from_pose, backend=backend,
                                 zoom=not no_zoom)
        with _Bar(console, f"track: {video.name}") as bar:
            frames, found = an.track_file(video, out, kinds, options=opts, overwrite=force, progress=bar, image_fps=image_fps)
        Console().print(f"{out}: {frames} frames, {found} with detection ({', '.join(kinds)})", highlight=False, soft_wrap=True)


def _batch_mode(sources: list[str], out_dir: Path | None, cluster: str | None, jobs: int, csv_out: Path | None) -> bool:
    """Several sources, a glob, a manifest, a folder of videos or landmark files, --out or --cluster
    (a folder of images, or one file, is scored as one input)."""
    from station.batch.inputs import MANIFEST_SUFFIXES, input_kind

    if len(sources) > 1 or out_dir is not None or cluster is not None:
        return True
    p = Path(sources[0])
    if p.suffix.lower() in MANIFEST_SUFFIXES or (not p.exists() and any(ch in sources[0] for ch in "*?[")):
        return True
    return p.is_dir() and (any(f.is_file() and input_kind(f) for f in p.iterdir()) or csv_out is not None or jobs > 1)


def _print_result(console: Console, d: dict[str, Any]) -> None:
    from rich.table import Table

    t = Table(title=f"{d['exercise']}: {d['reps']} reps  ({d['source']})", show_header=True)
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("unit")
    for k, v in d["metrics"].items():
        t.add_row(k, f"{v:.4g}" if isinstance(v, float) else str(v), d["units"].get(k, ""))
    console.print(t)
    console.print(
        f"frames {d['frames']} ({d['frames_with_detection']} with detection), {d['duration_s']:.2f} s of video, "
        f"{d['processing_fps']:.1f} frames/s", highlight=False, soft_wrap=True,
    )
    if d.get("tracker"):
        console.print(f"tracker: {d['tracker']}", highlight=False, soft_wrap=True)
