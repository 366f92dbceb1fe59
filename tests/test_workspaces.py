"""The stored workspace calibration in a run (station.workspaces): which exercises need one, loading
it (ok / stale / missing), applying it, and `station run`'s trials carrying it into the header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from calibration.store import CalibrationStore
from calibration.workspace import Workspace, save_workspace
from station.core import EventBus, FakeClock, InputError
from station.paths import calibration_dir
from station.plans import PlanItem, SessionPlan
from station.session.build import RunOptions, build_trials
from station.workspaces import ActiveWorkspace, check_mapping, has_own_mapping, load_active, mm_mode

# a camera at 1280x960 looking straight down: 0.25 mm per pixel
WS = Workspace(np.diag([0.25, 0.25, 1.0]), (1280, 960), 0.12, "aruco", "board", (0, 1, 2, 3))
CORNERS = "0.1,0.1,0.9,0.1,0.9,0.9,0.1,0.9"


def _store(camera: str = "cam0", age_days: float = 0.0) -> None:
    from dataclasses import replace

    save_workspace(CalibrationStore(calibration_dir()), camera, replace(WS, created_utc=datetime.now(UTC) - timedelta(days=age_days)), "test")


def test_which_settings_score_in_millimetres() -> None:
    assert mm_mode("tracing", {"mode": "tabletop"}) == "tabletop"
    assert mm_mode("tracing", {}) is None and mm_mode("tracing", {"mode": "free"}) is None
    assert mm_mode("pegboard", {"mode": "physical"}) == "physical" and mm_mode("pegboard", {}) is None
    assert mm_mode("jumps", {}) is None
    assert has_own_mapping("pegboard", {"mode": "physical", "corners": CORNERS})
    assert has_own_mapping("tracing", {"mode": "tabletop", "homography": "1,0,0,0,1,0,0,0,1"})
    assert not has_own_mapping("pegboard", {"mode": "physical"})


def test_a_millimetre_mode_needs_a_mapping() -> None:
    with pytest.raises(InputError, match="physical pegboard .* needs the camera's workspace calibration") as e:
        check_mapping("pegboard", {"mode": "physical"}, None)
    assert "--workspace CAMERA_ID" in str(e.value) and "corners=" in str(e.value)
    check_mapping("pegboard", {"mode": "physical"}, "cam0")  # a workspace to load
    check_mapping("pegboard", {"mode": "physical", "corners": CORNERS}, None)  # its own corners
    check_mapping("tracing", {}, None)  # screen tracing needs nothing


def test_missing_ok_and_stale_workspaces() -> None:
    with pytest.raises(InputError, match="no workspace calibration is stored for camera 'cam0'") as e:
        load_active("cam0")
    assert "station calibrate workspace IMAGE --camera cam0" in str(e.value)
    _store("cam0")
    a = load_active("cam0")
    assert a.status == "ok" and a.record.version == 1 and a.provenance()["residual_mm"] == pytest.approx(0.12)
    _store("cam0", age_days=2)  # a newer version, made two days ago: stale
    b = load_active("cam0")
    assert b.status == "stale" and b.record.version == 2 and b.provenance()["status"] == "stale"


def test_apply_maps_every_hand_to_plane_millimetres() -> None:
    from exercises.base import StepInput
    from vision.synth_hand import tracing_stream

    _store("cam0")
    a = load_active("cam0")
    assert isinstance(a, ActiveWorkspace)
    norm = np.array([[0.25, 0.5], [0.75, 0.5]])
    frames, _ = tracing_stream(norm, duration_s=1, image_size=(640, 480), drift=0, tremor=0, jitter=0)
    f = frames[5]
    inp = a.apply(StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size))
    (h,) = inp.hands
    # normalised x, y -> pixels of the calibration's 1280x960 -> 0.25 mm per pixel
    np.testing.assert_allclose(h.workspace, h.landmarks[:, :2] * [1280, 960] * 0.25, rtol=1e-12)
    empty = StepInput(1)
    assert a.apply(empty) is empty


def test_run_trials_carry_the_workspace_into_the_header_and_the_dashboard() -> None:
    """`station run` (simulated child here): a physical-pegboard item gets cam0's workspace on its
    hands, the record as a trial calibration (the runner puts it in the header), and the state for
    the dashboard; --workspace overrides the camera's default id; a missing one is refused."""
    plan = SessionPlan(name="p", participant="P-1", items=[PlanItem(exercise="pegboard", settings={"mode": "physical"}),
                                                           PlanItem(exercise="tracing", settings={})])
    with pytest.raises(InputError, match="needs the camera's workspace calibration"):
        build_trials(plan, RunOptions(simulated=True), FakeClock(), EventBus())  # simulated child, no camera id, no --workspace
    with pytest.raises(InputError, match="no workspace calibration is stored for camera 'cam0'"):
        build_trials(plan, RunOptions(camera=0), FakeClock(), EventBus())
    assert RunOptions(camera=2).workspace_id == "cam2" and RunOptions(camera=2, workspace="desk").workspace_id == "desk"
    _store("desk", age_days=3)
    trials, _ = build_trials(plan, RunOptions(workspace="desk", simulated=True), FakeClock(), EventBus())
    peg, trace = trials
    assert [(c.key, c.kind) for c in peg.spec.calibrations] == [("desk", "workspace")]
    assert peg.extra["workspace"][0] == "stale" and "desk v1, residual 0.12 mm" in peg.extra["workspace"][1]
    steps = list(peg.spec.feed(0))
    with_hands = [s for s in steps if s.hands]
    assert with_hands and all(h.workspace is not None for s in with_hands for h in s.hands)
    # screen tracing is never mapped (nor shown as calibrated), and an item's own corners win
    assert trace.spec.calibrations == () and "workspace" not in trace.extra
    own = SessionPlan(name="p", participant="P-1", items=[PlanItem(exercise="pegboard", settings={"mode": "physical", "corners": CORNERS})])
    (peg_own,), _ = build_trials(own, RunOptions(workspace="desk", simulated=True), FakeClock(), EventBus())
    assert peg_own.spec.calibrations == ()


def test_frames_of_another_aspect_ratio_are_refused() -> None:
    from exercises.base import StepInput
    from vision.synth_hand import tracing_stream

    _store("cam0")
    a = load_active("cam0")  # calibrated on 1280x960 (4:3)
    norm = np.array([[0.25, 0.5], [0.75, 0.5]])
    for size, ok in (((640, 480), True), ((1920, 1440), True), ((640, 360), False)):
        frames, _ = tracing_stream(norm, duration_s=0.5, image_size=size, drift=0, tremor=0, jitter=0)
        f = frames[3]
        inp = StepInput(f.t_ns, hands=f.hands, frame_seq=f.seq, image_size=f.image_size)
        if ok:
            assert a.apply(inp).hands[0].workspace is not None
        else:
            with pytest.raises(InputError, match="640x360 frames, but the workspace calibration of 'cam0' was made on 1280x960"):
                a.apply(inp)
