"""Landmark names of the MediaPipe hand (21) and pose (33, BlazePose) topologies, by index.

Names are MediaPipe's own (lower case), so exported columns match MediaPipe's documentation.
"""

from __future__ import annotations

_FINGERS = ("index_finger", "middle_finger", "ring_finger", "pinky")

HAND_NAMES: tuple[str, ...] = (
    "wrist", "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
    *(f"{f}_{j}" for f in _FINGERS for j in ("mcp", "pip", "dip", "tip")),
)

POSE_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)


def landmark_names(kind: str, n: int) -> tuple[str, ...]:
    """Names of ``n`` landmarks of ``kind`` (``hand`` or ``pose``); ``lm<i>`` for unknown topologies."""
    names = {"hand": HAND_NAMES, "pose": POSE_NAMES}.get(kind, ())
    if len(names) == n:
        return names
    return tuple(f"lm{i}" for i in range(n))
