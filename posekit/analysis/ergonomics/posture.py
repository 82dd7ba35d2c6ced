"""Posture angles REBA and RULA need, per frame, from 2D keypoints (side view) or 3D world points.

All angles are degrees; flexion is positive forward, extension negative. 2D assumes the camera sees the
person from the side (sagittal plane): it cannot see abduction, twist or side bending, which are then 0
(not observed) unless given as parameters to `reba`/`rula`. 3D measures them.

Names (each a (T,) array; arms and legs per side, `right_`/`left_` prefix):
    trunk_flexion, trunk_side_bend, trunk_twist, neck_flexion, neck_side_bend,
    <side>_upper_arm_flexion, <side>_upper_arm_abduction, <side>_lower_arm_flexion,
    <side>_wrist_flexion, <side>_knee_flexion
"""

from __future__ import annotations

import numpy as np

from posekit.analysis.angles import (
    clean_keypoints,
    compute_angles,
    compute_angles_3d,
    raw_angle,
    visible_side,
)
from posekit.layouts import Layout, get_layout

SIDES = ("right", "left")


def _mid(kp: np.ndarray, lay: Layout, a: str, b: str) -> np.ndarray:
    return (kp[:, lay.index(a)] + kp[:, lay.index(b)]) / 2


def posture_2d(
    keypoints: np.ndarray,
    layout: str | Layout = "blazepose33",
    *,
    scores: np.ndarray | None = None,
    min_score: float = 0.3,
    image_size: tuple[int, int] | None = None,
) -> dict[str, np.ndarray]:
    """Posture angles from a side view, via Sports2D's angles (see angles.py)."""
    lay = get_layout(layout)
    kp = clean_keypoints(np.asarray(keypoints)[..., :2], scores, min_score=min_score, image_size=image_size)
    a = compute_angles(kp, lay)
    zero = np.zeros(kp.shape[0])
    out = {"trunk_flexion": 90 - a["trunk"], "trunk_side_bend": zero, "trunk_twist": zero}
    # Neck: the shoulder-to-ear line against the trunk line (forward positive, after Sports2D's mirroring).
    side = visible_side(kp, lay)
    m = kp.copy()
    m[side == "left", :, 0] *= -1
    ears = _mid(m, lay, "left_ear", "right_ear")
    neck = _mid(m, lay, "left_shoulder", "right_shoulder")
    hips = _mid(m, lay, "left_hip", "right_hip")
    with np.errstate(invalid="ignore"):
        out["neck_flexion"] = -raw_angle([hips, neck, neck, ears])  # signed angle from trunk to head line
    out["neck_side_bend"] = zero
    for s in SIDES:
        out[f"{s}_upper_arm_flexion"] = a[f"{s} shoulder"]
        out[f"{s}_upper_arm_abduction"] = zero
        out[f"{s}_lower_arm_flexion"] = a[f"{s} elbow"]
        out[f"{s}_wrist_flexion"] = (
            a[f"{s} wrist"] if f"{s} wrist" in a.names else np.full(kp.shape[0], np.nan)
        )
        out[f"{s}_knee_flexion"] = a[f"{s} knee"]
    return out


def posture_3d(
    world: np.ndarray, layout: str | Layout = "blazepose33", up: tuple[float, float, float] = (0.0, -1.0, 0.0)
) -> dict[str, np.ndarray]:
    """Posture angles from world coordinates (metres), in the pelvis frame of angles.body_frame."""
    from posekit.analysis.angles import body_frame

    lay = get_layout(layout)
    w = np.asarray(world, dtype=np.float64)
    a = compute_angles_3d(w, lay, up=up)
    lat, vert, ant = body_frame(w, lay, up)
    p = lambda n: w[:, lay.index(n)]
    out = {"trunk_flexion": a["trunk flexion"], "trunk_side_bend": a["trunk lateral bend"]}
    # Twist: the shoulder line against the hip line, in the horizontal plane.
    sh = p("right_shoulder") - p("left_shoulder")
    with np.errstate(invalid="ignore"):
        out["trunk_twist"] = np.degrees(np.arctan2(-(sh * ant).sum(-1), (sh * lat).sum(-1)))
        trunk = _mid(w, lay, "left_shoulder", "right_shoulder") - _mid(w, lay, "left_hip", "right_hip")
        head = _mid(w, lay, "left_ear", "right_ear") - _mid(w, lay, "left_shoulder", "right_shoulder")
        ang = lambda v, axis: np.degrees(np.arctan2((v * axis).sum(-1), (v * vert).sum(-1)))
        out["neck_flexion"] = ang(head, ant) - ang(trunk, ant)
        out["neck_side_bend"] = ang(head, lat) - ang(trunk, lat)
        for s in SIDES:
            out[f"{s}_upper_arm_flexion"] = a[f"{s} shoulder flexion"]
            out[f"{s}_upper_arm_abduction"] = a[f"{s} shoulder abduction"]
            out[f"{s}_lower_arm_flexion"] = a[f"{s} elbow flexion"]
            if f"{s}_index" in lay.keypoint_names:
                out[f"{s}_wrist_flexion"] = 180 - raw_angle(
                    [p(f"{s}_elbow"), p(f"{s}_wrist"), p(f"{s}_index")]
                )
            else:
                out[f"{s}_wrist_flexion"] = np.full(w.shape[0], np.nan)
            out[f"{s}_knee_flexion"] = a[f"{s} knee flexion"]
    return out
