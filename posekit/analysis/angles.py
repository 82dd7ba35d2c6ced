"""Joint and segment angles, 2D (Sports2D's definitions) and 3D (anatomical planes).

2D angles follow Sports2D / Pose2Sim (`angle_dict` in Pose2Sim/common.py) so that results compare one
to one: the same names, the same points, the same offsets, signs and wrapping, computed in image
coordinates (x right, y down, as Sports2D does). "Neck" is the mid-shoulder point and "Hip" the
mid-hip point. With `visible_side="auto"` the person's facing direction is taken per frame from the
feet (toe minus heel along x); a person facing left has x mirrored first, as Sports2D does, so a knee
flexion reads the same whichever way the person walks. Layouts without toes/heels (COCO-17) default
to "right" and have no ankle or foot angles.

Every definition is written out once in docs/analysis.md. Angles are degrees; a frame where any of
the angle's points is missing (NaN), scored below `min_score` or outside the image is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posekit.errors import InputError
from posekit.layouts import Layout, get_layout

# Sports2D point names -> posekit keypoint names ("Hip" and "Neck" are midpoints, see _point).
_POINTS = {
    "RHip": "right_hip", "LHip": "left_hip", "RKnee": "right_knee", "LKnee": "left_knee",
    "RAnkle": "right_ankle", "LAnkle": "left_ankle", "RBigToe": "right_foot_index",
    "LBigToe": "left_foot_index", "RHeel": "right_heel", "LHeel": "left_heel",
    "RShoulder": "right_shoulder", "LShoulder": "left_shoulder", "RElbow": "right_elbow",
    "LElbow": "left_elbow", "RWrist": "right_wrist", "LWrist": "left_wrist", "RIndex": "right_index",
    "LIndex": "left_index", "Head": "nose",
}  # fmt: skip
_MIDPOINTS = {"Hip": ("LHip", "RHip"), "Neck": ("LShoulder", "RShoulder")}


@dataclass(frozen=True)
class AngleDef:
    """One angle: its points (2 = segment vs horizontal, 3 = at the middle point, 4 = between two
    vectors), kind, offset and scale: angle = wrap((raw + offset) * scale)."""

    points: tuple[str, ...]
    kind: str
    offset: float
    scale: float


# The table of Sports2D's angles (same names, points, offsets and scales). Note: Sports2D's
# "left wrist" lists its points in the order (LElbow, LIndex, LWrist), unlike the right wrist; we keep it so
# both tools agree, and say so in docs/analysis.md.
ANGLES: dict[str, AngleDef] = {
    "right ankle": AngleDef(("RKnee", "RAnkle", "RBigToe", "RHeel"), "dorsiflexion", 90, 1),
    "left ankle": AngleDef(("LKnee", "LAnkle", "LBigToe", "LHeel"), "dorsiflexion", 90, 1),
    "right knee": AngleDef(("RAnkle", "RKnee", "RHip"), "flexion", -180, 1),
    "left knee": AngleDef(("LAnkle", "LKnee", "LHip"), "flexion", -180, 1),
    "right hip": AngleDef(("RKnee", "RHip", "Hip", "Neck"), "flexion", 0, -1),
    "left hip": AngleDef(("LKnee", "LHip", "Hip", "Neck"), "flexion", 0, -1),
    "right shoulder": AngleDef(("RElbow", "RShoulder", "Hip", "Neck"), "flexion", 0, -1),
    "left shoulder": AngleDef(("LElbow", "LShoulder", "Hip", "Neck"), "flexion", 0, -1),
    "right elbow": AngleDef(("RWrist", "RElbow", "RShoulder"), "flexion", 180, -1),
    "left elbow": AngleDef(("LWrist", "LElbow", "LShoulder"), "flexion", 180, -1),
    "right wrist": AngleDef(("RElbow", "RWrist", "RIndex"), "flexion", -180, 1),
    "left wrist": AngleDef(("LElbow", "LIndex", "LWrist"), "flexion", -180, 1),
    "right foot": AngleDef(("RBigToe", "RHeel"), "horizontal", 0, -1),
    "left foot": AngleDef(("LBigToe", "LHeel"), "horizontal", 0, -1),
    "right shank": AngleDef(("RAnkle", "RKnee"), "horizontal", 0, -1),
    "left shank": AngleDef(("LAnkle", "LKnee"), "horizontal", 0, -1),
    "right thigh": AngleDef(("RKnee", "RHip"), "horizontal", 0, -1),
    "left thigh": AngleDef(("LKnee", "LHip"), "horizontal", 0, -1),
    "pelvis": AngleDef(("LHip", "RHip"), "horizontal", 0, -1),
    "trunk": AngleDef(("Neck", "Hip"), "horizontal", 0, -1),
    "shoulders": AngleDef(("LShoulder", "RShoulder"), "horizontal", 0, -1),
    "head": AngleDef(("Head", "Neck"), "horizontal", 0, -1),
    "right arm": AngleDef(("RElbow", "RShoulder"), "horizontal", 0, -1),
    "left arm": AngleDef(("LElbow", "LShoulder"), "horizontal", 0, -1),
    "right forearm": AngleDef(("RWrist", "RElbow"), "horizontal", 0, -1),
    "left forearm": AngleDef(("LWrist", "LElbow"), "horizontal", 0, -1),
    "right hand": AngleDef(("RIndex", "RWrist"), "horizontal", 0, -1),
    "left hand": AngleDef(("LIndex", "LWrist"), "horizontal", 0, -1),
}
JOINT_ANGLES = tuple(n for n, d in ANGLES.items() if d.kind != "horizontal")
SEGMENT_ANGLES = tuple(n for n, d in ANGLES.items() if d.kind == "horizontal")


@dataclass
class AngleSeries:
    """Angles of one person over time.

    Attributes:
        names: angle names (columns of `values`).
        values: (T, A) float64 degrees, NaN where not measurable.
        time: (T,) seconds.
        side: (T,) visible side per frame ("right"/"left"; 2D only, else empty).
    """

    names: tuple[str, ...]
    values: np.ndarray
    time: np.ndarray
    side: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="<U5"))

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.values[:, self.names.index(name)]
        except ValueError:
            raise KeyError(f"no angle {name!r}; have {', '.join(self.names)}") from None

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Per angle: range of motion (max - min), min, max, mean, std, and the share of frames measured."""
        return {n: summarize(self.values[:, i]) for i, n in enumerate(self.names)}


def summarize(values: np.ndarray) -> dict[str, float | None]:
    v = np.asarray(values, dtype=np.float64)
    ok = v[np.isfinite(v)]
    if ok.size == 0:
        return {"min": None, "max": None, "range_of_motion": None, "mean": None, "std": None, "valid": 0.0}
    return {
        "min": float(ok.min()),
        "max": float(ok.max()),
        "range_of_motion": float(ok.max() - ok.min()),
        "mean": float(ok.mean()),
        "std": float(ok.std()),
        "valid": float(ok.size / v.size),
    }


def _wrap(ang: np.ndarray, name: str) -> np.ndarray:
    if name in ("pelvis", "shoulders"):  # a left-right line has no direction: (-90, 90]
        return (ang + 90) % 180 - 90
    return (ang + 180) % 360 - 180


def raw_angle(points: list[np.ndarray]) -> np.ndarray:
    """Pose2Sim's `points_to_angles` on (..., D) arrays: 2 points: direction of p0 - p1 against +x;
    3 points: from p0 - p1 to p2 - p1; 4 points: between p1 - p0 and p3 - p2. 2D angles are signed
    (-180, 180]; 3D angles are unsigned [0, 180] (3D space has no clockwise)."""
    p = [np.asarray(a, dtype=np.float64) for a in points]
    dim = p[0].shape[-1]
    if len(p) == 2:
        u = p[0] - p[1]
        if dim == 2:
            return np.degrees(np.arctan2(u[..., 1], u[..., 0]))
        v = np.zeros_like(u)
        v[..., 0] = 1.0
    elif len(p) == 3:
        u, v = p[0] - p[1], p[2] - p[1]
    elif len(p) == 4:
        u, v = p[1] - p[0], p[3] - p[2]
    else:
        raise ValueError(f"an angle needs 2 to 4 points, got {len(p)}")
    if dim == 2:
        cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
        dot = (u * v).sum(-1)
        return -np.degrees(np.arctan2(cross, dot))
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), (u * v).sum(-1)))


def _point(kp: np.ndarray, layout: Layout, name: str) -> np.ndarray:
    if name in _MIDPOINTS:
        a, b = _MIDPOINTS[name]
        return (_point(kp, layout, a) + _point(kp, layout, b)) / 2
    return kp[:, layout.index(_POINTS[name])]


def _has(layout: Layout, name: str) -> bool:
    if name in _MIDPOINTS:
        return all(_has(layout, n) for n in _MIDPOINTS[name])
    return _POINTS[name] in layout.keypoint_names


def clean_keypoints(
    keypoints: np.ndarray,
    scores: np.ndarray | None = None,
    *,
    min_score: float = 0.3,
    image_size: tuple[int, int] | None = None,
) -> np.ndarray:
    """(T, K, D) float64 copy with untrustworthy points set to NaN: score < min_score, or (x, y)
    outside the image (height, width) when given."""
    kp = np.array(keypoints, dtype=np.float64)
    if kp.ndim != 3 or kp.shape[2] not in (2, 3):
        raise InputError(f"keypoints: expected shape (frames, K, 2 or 3), got {kp.shape}")
    bad = ~np.isfinite(kp).all(axis=2)
    if scores is not None:
        s = np.asarray(scores, dtype=np.float64)
        if s.shape != kp.shape[:2]:
            raise InputError(f"scores: expected shape {kp.shape[:2]}, got {s.shape}")
        bad |= ~(s >= min_score)
    if image_size is not None:
        h, w = image_size
        x, y = kp[..., 0], kp[..., 1]
        with np.errstate(invalid="ignore"):
            bad |= (x < 0) | (x > w) | (y < 0) | (y > h)
    kp[bad] = np.nan
    return kp


def visible_side(keypoints: np.ndarray, layout: str | Layout) -> np.ndarray:
    """Sports2D's "auto" side per frame: "right" when the toes point to +x (sum over both feet of
    toe x - heel x >= 0), else "left"; "right" when the layout has no toes/heels or they are missing."""
    lay = get_layout(layout)
    kp = np.asarray(keypoints, dtype=np.float64)
    side = np.full(kp.shape[0], "right", dtype="<U5")
    if not all(_has(lay, n) for n in ("RBigToe", "RHeel", "LBigToe", "LHeel")):
        return side
    o = sum(_point(kp, lay, f"{s}BigToe")[:, 0] - _point(kp, lay, f"{s}Heel")[:, 0] for s in "RL")
    side[o < 0] = "left"  # NaN compares False: stays "right", as in Sports2D
    return side


def compute_angles(
    keypoints: np.ndarray,
    layout: str | Layout = "blazepose33",
    *,
    scores: np.ndarray | None = None,
    min_score: float = 0.3,
    image_size: tuple[int, int] | None = None,
    names: tuple[str, ...] | None = None,
    side: str = "auto",
    fps: float = 30.0,
    time: np.ndarray | None = None,
) -> AngleSeries:
    """Sports2D's 2D joint and segment angles of one person over time.

    Args:
        keypoints: (T, K, 2) pixel coordinates (NaN where missing); (T, K, 3) uses only x, y.
        layout: layout of K (blazepose33 gives every angle; coco17 lacks ankle, wrist, foot, hand).
        scores: optional (T, K) confidences; points below `min_score` are NaN.
        image_size: optional (height, width): points outside the image are NaN.
        names: angles to compute (default: all the layout supports).
        side: "auto" (from the feet, per frame), "right" (x as is) or "left" (x mirrored).
    """
    lay = get_layout(layout)
    kp = clean_keypoints(np.asarray(keypoints)[..., :2], scores, min_score=min_score, image_size=image_size)
    if names is None:
        names = tuple(n for n, d in ANGLES.items() if all(_has(lay, p) for p in d.points))
    unknown = [n for n in names if n not in ANGLES]
    if unknown:
        raise InputError(f"angles: unknown angle(s) {unknown}; known: {', '.join(ANGLES)}")
    if side == "auto":
        sides = visible_side(kp, lay)
    elif side in ("right", "left"):
        sides = np.full(kp.shape[0], side, dtype="<U5")
    else:
        raise InputError(f"side: expected auto, right or left, got {side!r}")
    kp = kp.copy()
    kp[sides == "left", :, 0] *= -1  # a person facing left is mirrored, as Sports2D does
    values = np.full((kp.shape[0], len(names)), np.nan)
    for i, n in enumerate(names):
        d = ANGLES[n]
        if all(_has(lay, p) for p in d.points):
            with np.errstate(invalid="ignore"):
                values[:, i] = _wrap(
                    (raw_angle([_point(kp, lay, p) for p in d.points]) + d.offset) * d.scale, n
                )
    t = np.arange(kp.shape[0]) / fps if time is None else np.asarray(time, dtype=np.float64)
    return AngleSeries(tuple(names), values, t, sides)


# ------------------------------------------------------------------ 3D anatomical angles
ANGLES_3D = (
    "right hip flexion",
    "left hip flexion",
    "right hip abduction",
    "left hip abduction",
    "right knee flexion",
    "left knee flexion",
    "right shoulder flexion",
    "left shoulder flexion",
    "right shoulder abduction",
    "left shoulder abduction",
    "right elbow flexion",
    "left elbow flexion",
    "trunk flexion",
    "trunk lateral bend",
)


def _unit(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def body_frame(
    world: np.ndarray, layout: str | Layout = "blazepose33", up: tuple[float, float, float] = (0.0, -1.0, 0.0)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame anatomical axes from the pelvis: `lateral` (left hip -> right hip), `vertical` (the
    world's `up` made perpendicular to lateral; BlazePose world is y down, so up = -y) and `anterior`
    = vertical x lateral, the way the person faces. Each (T, 3) unit vectors."""
    lay = get_layout(layout)
    w = np.asarray(world, dtype=np.float64)
    lat = _unit(w[:, lay.index("right_hip")] - w[:, lay.index("left_hip")])
    upv = np.broadcast_to(np.asarray(up, dtype=np.float64), lat.shape)
    vert = _unit(upv - (upv * lat).sum(-1, keepdims=True) * lat)
    return lat, vert, np.cross(vert, lat)


def compute_angles_3d(
    world: np.ndarray,
    layout: str | Layout = "blazepose33",
    *,
    fps: float = 30.0,
    up: tuple[float, float, float] = (0.0, -1.0, 0.0),
) -> AngleSeries:
    """Anatomical angles from world coordinates (metres), in the pelvis frame of `body_frame`.

    Flexion: the segment's angle from "down" (limbs) or "up" (trunk) in the sagittal plane, positive
    forward; abduction: its angle away from the midline in the frontal plane, positive outward; knee and
    elbow flexion: 180 - the included angle (0 = straight). Sports2D has no 3D angles.
    """
    lay = get_layout(layout)
    w = np.asarray(world, dtype=np.float64)
    if w.ndim != 3 or w.shape[1:] != (len(lay), 3):
        raise InputError(f"world: expected shape (frames, {len(lay)}, 3), got {w.shape}")
    lat, vert, ant = body_frame(w, lay, up)
    p = lambda n: w[:, lay.index(n)]
    out: dict[str, np.ndarray] = {}

    def plane_angles(seg: np.ndarray, ref: np.ndarray, outward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = _unit(seg)
        a, r, o = (s * ant).sum(-1), (s * ref).sum(-1), (s * outward).sum(-1)
        return np.degrees(np.arctan2(a, r)), np.degrees(np.arctan2(o, r))

    with np.errstate(invalid="ignore"):
        for side, sign in (("right", 1.0), ("left", -1.0)):
            outward = lat * sign
            out[f"{side} hip flexion"], out[f"{side} hip abduction"] = plane_angles(
                p(f"{side}_knee") - p(f"{side}_hip"), -vert, outward
            )
            out[f"{side} shoulder flexion"], out[f"{side} shoulder abduction"] = plane_angles(
                p(f"{side}_elbow") - p(f"{side}_shoulder"), -vert, outward
            )
            out[f"{side} knee flexion"] = 180 - raw_angle(
                [p(f"{side}_ankle"), p(f"{side}_knee"), p(f"{side}_hip")]
            )
            out[f"{side} elbow flexion"] = 180 - raw_angle(
                [p(f"{side}_wrist"), p(f"{side}_elbow"), p(f"{side}_shoulder")]
            )
        trunk = (p("left_shoulder") + p("right_shoulder")) / 2 - (p("left_hip") + p("right_hip")) / 2
        out["trunk flexion"], bend = plane_angles(trunk, vert, lat)
        out["trunk lateral bend"] = bend
    values = np.stack([out[n] for n in ANGLES_3D], axis=1)
    return AngleSeries(ANGLES_3D, values, np.arange(w.shape[0]) / fps)
