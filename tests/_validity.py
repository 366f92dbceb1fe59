"""Real clips with hand-annotated ground truth (``tests/media/body/GROUND_TRUTH.csv``), the exercise
families, and the robustness variants generated from a clip (mirrored, child-sized, 15 fps, low
camera, a second person pasted in). Shared by ``tests/test_validity_real.py`` (asserted clips) and
``benchmarks/validity.py`` (every clip, asserted and benchmark-only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FAMILIES: dict[str, tuple[str, ...]] = {
    "repetitions": ("squats", "jumping_jacks", "pushups", "situps"),
    "jumps": ("jumps", "frog_jumps", "long_jump"),
    "stance": ("one_leg_stance",),
    "animal_walks": ("bear_walk", "crab_walk"),
}
BODY_EXERCISES: tuple[str, ...] = tuple(e for fam in FAMILIES.values() for e in fam)


def family_of(exercise: str) -> str:
    return next(f for f, names in FAMILIES.items() if exercise in names)


@dataclass(frozen=True)
class Clip:
    path: str
    """Relative to ``tests/media``."""
    exercise: str | None
    """The exercise performed; ``None`` for a non-exercise control (zero of every exercise)."""
    count: int
    asserted: bool
    """False: benchmark-only (reported, never asserted), so tuning to the asserted clips shows."""
    backend: str = "mediapipe"
    num_poses: int = 1
    variants: tuple[str, ...] = ()
    """Robustness variants the tests generate from this clip (counts must not change)."""
    note: str = ""


CLIPS: tuple[Clip, ...] = (
    Clip("body/real/squat_side_2reps.mp4", "squats", 2, True, variants=("fps15", "child_sized", "tilted-12", "low_angle")),
    Clip("body/real/one_leg_stance_arms.mp4", "one_leg_stance", 1, True,
         variants=("mirrored", "child_sized", "fps15", "second_person", "tilted10", "low_angle")),
    Clip("body/squats_5.mp4", "squats", 5, True, variants=("mirrored", "tilted15", "low_angle", "child_sized", "second_person")),
    Clip("body/pushups_5.mp4", "pushups", 5, True, variants=("mirrored", "child_sized", "second_person", "low_angle")),
    Clip("body/jump_from_box_two_people.mp4", "jumping_jacks", 2, True),
    Clip("body/jump_from_box_two_people.mp4", "jumps", 1, True, backend="mediapipe-tasks", num_poses=4,
         note="two people; a back-flip off the box, take-off frame 162, landing 190"),
    Clip("body/controls/dance_living_room.mp4", None, 0, True),
    Clip("body/controls/squat_hold_still.mp4", None, 0, True),
    Clip("body/controls/arms_lower_raise_no_jump.mp4", None, 0, True),
    Clip("body/controls/walk_in_stand_walk_out.mp4", None, 0, True),
    # benchmark-only
    Clip("body/real/squat_front_band_5fps.mp4", "squats", 2, False, note="a third squat ends with the clip"),
    Clip("body/real/squat_3q_overlay.mp4", "squats", 3, False, note="MediaPipe's skeleton burnt in (added in the sixth session)"),
    Clip("body/controls/football_juggling.mp4", None, 0, False, note="one-leg phases while kicking are real one-leg stances"),
    Clip("body/controls/pedestrians_walking_many.mp4", None, 0, False),
    Clip("body/real/child_bouncing_on_bed_two_children.mp4", None, 0, False,
         note="children; bounces not annotatable: only zero squats/push-ups/sit-ups/animal walks expected"),
    Clip("body/jump_from_box_two_people.mp4", "jumps", 1, False, note="single-person legacy backend"),
    Clip("body/controls/lab_balance_60fps.mp4", None, 0, False, note="a lunge with an arm swing; the issue's 1 jumping jack and 1 squat"),
)
BOX_TAKEOFF_FRAME, BOX_LANDING_FRAME, BOX_FPS = 162, 190, 30.0

BENCH_VARIANTS: dict[str, tuple[str, ...]] = {
    # variants measured and NOT passing go here (reported by benchmarks/validity.py, not asserted), with
    # their cause. Empty since the sixth session: squats_5 child_sized (0 of 5: a 64 px person the
    # whole-frame detector finds in 11 of 57 frames) passes with the tracker's zoom (vision/zoom.py,
    # PersonZoom), and squats_5 second_person (4 of 5: the Tasks detector missed the squatter through
    # the first squat) with the search for people the whole frame misses (PeopleSearch)
}

# exercises a clip is not scored as (its truth for them is unknown): bouncing on a bed is jumping
UNSCORED: dict[str, tuple[str, ...]] = {
    "body/real/child_bouncing_on_bed_two_children.mp4": ("jumps", "frog_jumps", "long_jump", "jumping_jacks", "one_leg_stance"),
    "body/controls/football_juggling.mp4": ("one_leg_stance",),
}


def cross_exercises(clip: Clip) -> tuple[str, ...]:
    """What else the clip is scored as, expecting zero: every other exercise of its family for a real
    exercise clip (and of the other families, where measured 0 and meaningful), every exercise for a
    non-exercise control."""
    skip = set(UNSCORED.get(clip.path, ()))
    if clip.exercise is not None:
        skip.add(clip.exercise)
        if clip.path.endswith("jump_from_box_two_people.mp4"):
            skip |= {"jumps", "frog_jumps", "long_jump", "jumping_jacks"}  # the clip has both
    return tuple(e for e in BODY_EXERCISES if e not in skip)


# -- variants --------------------------------------------------------------------------------------
def _read(path: Path) -> tuple[list[np.ndarray], float]:
    import cv2

    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    return frames, float(fps)


def _paste_person(media: Path) -> np.ndarray:
    """A still second person to paste in: the man holding a squat (``controls/squat_hold_still.mp4``)."""
    frames, _ = _read(media / "body" / "controls" / "squat_hold_still.mp4")
    return frames[0]


MULTI_PERSON = ("mediapipe-tasks", 4)
"""Backend and people per frame for the ``second_person`` variant: the legacy backend reports one person
per frame and, measured, locks onto a pasted still adult for the whole one-leg clip (120 of 120
frames), so no participant choice can help there; the Tasks PoseLandmarker reports both."""


def variant_backend(clip: Clip, kind: str) -> tuple[str, int]:
    return MULTI_PERSON if kind == "second_person" else (clip.backend, clip.num_poses)


def make_variant(media: Path, clip: str, kind: str, out: Path) -> Path:
    """Write ``kind`` of ``clip`` to ``out`` (lossless FFV1 ``.mkv``) and return it.

    ``mirrored``: flipped left-right. ``child_sized``: the whole frame scaled to 0.55 on a grey canvas
    of the same size (the person 0.5-0.6 of the frame's height, as a small child further away).
    ``fps15``: every other frame at half the frame rate. ``low_camera``: the bottom 35% cropped away
    (feet excluded; for upper-body exercises). ``second_person``: a still adult pasted at the left
    edge, 0.45 of the frame's height. ``tiltedA``: the camera rolled by ``A`` degrees (see below).
    ``low_angle``: a camera low and looking up (a perspective warp narrowing the top of the frame).
    """
    import cv2

    frames, fps = _read(media / clip)
    if not frames:
        raise ValueError(f"{clip}: no frames")
    h, w = frames[0].shape[:2]
    if kind == "mirrored":
        frames = [cv2.flip(f, 1) for f in frames]
    elif kind == "child_sized":
        s = 0.55
        sw, sh = int(w * s) // 2 * 2, int(h * s) // 2 * 2
        x0, y0 = (w - sw) // 2, h - sh - (h - sh) // 4
        canvas = np.full_like(frames[0], 128)
        out_frames = []
        for f in frames:
            c = canvas.copy()
            c[y0:y0 + sh, x0:x0 + sw] = cv2.resize(f, (sw, sh), interpolation=cv2.INTER_AREA)
            out_frames.append(c)
        frames = out_frames
    elif kind == "fps15":
        frames = frames[::2]
        fps = fps / 2
    elif kind == "low_camera":
        frames = [np.ascontiguousarray(f[: int(h * 0.65)]) for f in frames]
    elif kind.startswith("tilted"):
        # the camera rolled by a known angle (``tilted15``: 15 degrees, ``tilted-12``: 12 the other way;
        # positive = the image turned counter-clockwise on the screen, cv2's sense): the whole frame is
        # turned on a grey canvas large enough to keep every corner, so no part of the person is lost
        ang = float(kind[len("tilted"):])
        c, s_ = abs(np.cos(np.radians(ang))), abs(np.sin(np.radians(ang)))
        nw, nh = int(w * c + h * s_) // 2 * 2, int(w * s_ + h * c) // 2 * 2
        rot = cv2.getRotationMatrix2D((w / 2, h / 2), ang, 1.0)
        rot[0, 2] += nw / 2 - w / 2
        rot[1, 2] += nh / 2 - h / 2
        frames = [cv2.warpAffine(f, rot, (nw, nh), borderValue=(128, 128, 128)) for f in frames]
    elif kind == "low_angle":
        # a camera placed low and looking up: the frame's top edge shrinks to 0.7 of its width about
        # the centre (a perspective warp; far-away heads look narrower than the nearer feet)
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = np.float32([[0.15 * w, 0], [0.85 * w, 0], [w, h], [0, h]])
        persp = cv2.getPerspectiveTransform(src, dst)
        frames = [cv2.warpPerspective(f, persp, (w, h), borderValue=(128, 128, 128)) for f in frames]
    elif kind == "second_person":
        other = _paste_person(media)
        oh = int(h * 0.45)
        ow = max(2, int(other.shape[1] * oh / other.shape[0]))
        small = cv2.resize(other, (ow, oh), interpolation=cv2.INTER_AREA)
        y0 = h - oh
        frames = [f.copy() for f in frames]
        for f in frames:
            f[y0:y0 + oh, 0:ow] = small
    else:
        raise ValueError(f"unknown variant {kind!r}")
    fh, fw = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"FFV1"), fps, (fw, fh))
    if not vw.isOpened():
        raise RuntimeError("OpenCV cannot write FFV1")
    for f in frames:
        vw.write(f)
    vw.release()
    return out
