"""BVH (Biovision hierarchy) from 3D keypoints: a skeleton with constant bones and per-frame rotations.

Skeleton: the 17 joints of `posekit.threed.mono.skeleton` (pelvis, hips, knees, ankles, toes, neck,
shoulders, elbows, wrists, nose), offsets from the person's median bone lengths (left = right).
Rest pose: T-pose, Y up, the character facing +Z, its left side towards +X, arms along ±X, legs down
−Y, feet forward +Z. Units: metres. Channels: the root (Hips) has Xposition Yposition Zposition, every
joint Zrotation Xrotation Yrotation (intrinsic Z, then X, then Y, as BVH readers apply them).

Branching joints (pelvis, neck) get their rotation from two directions (left-right axis and up), so
both hips (shoulders) land exactly; the spine and head hang from zero-length joints ("Spine", "Head")
that aim them. Every other joint aims its single child exactly, twisting as little as possible, so the
forward kinematics of the file reproduces the constant-bone skeleton exactly (floating point aside).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from posekit.errors import InputError
from posekit.io.atomic import atomic_write
from posekit.threed.mono.skeleton import JOINTS, PARENTS, BoneLengths, enforce_lengths

# BVH joints: (name, skeleton joint it sits on, parent BVH joint index, rest direction of its offset).
_X, _Y, _Z = np.eye(3)
BVH_JOINTS: tuple[tuple[str, str, int, np.ndarray], ...] = (
    ("Hips", "pelvis", -1, np.zeros(3)),
    ("LeftUpLeg", "left_hip", 0, _X),
    ("LeftLeg", "left_knee", 1, -_Y),
    ("LeftFoot", "left_ankle", 2, -_Y),
    ("LeftToe", "left_toe", 3, _Z),
    ("RightUpLeg", "right_hip", 0, -_X),
    ("RightLeg", "right_knee", 5, -_Y),
    ("RightFoot", "right_ankle", 6, -_Y),
    ("RightToe", "right_toe", 7, _Z),
    ("Spine", "pelvis", 0, np.zeros(3)),
    ("Neck", "neck", 9, _Y),
    ("LeftArm", "left_shoulder", 10, _X),
    ("LeftForeArm", "left_elbow", 11, _X),
    ("LeftHand", "left_wrist", 12, _X),
    ("RightArm", "right_shoulder", 10, -_X),
    ("RightForeArm", "right_elbow", 14, -_X),
    ("RightHand", "right_wrist", 15, -_X),
    ("Head", "neck", 10, np.zeros(3)),
)
_END_SITE = {"LeftToe": 0.05 * _Z, "RightToe": 0.05 * _Z, "LeftHand": 0.05 * _X, "RightHand": -0.05 * _X}
_NOSE_END = "Head"  # the Head joint's end site is the nose


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _min_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T, 3, 3) smallest rotations taking unit vectors a to b (T, 3)."""
    a, b = _unit(a), _unit(b)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis, axis=-1)
    c = np.clip((a * b).sum(-1), -1, 1)
    ang = np.arctan2(s, c)
    # antiparallel: any axis perpendicular to a
    perp = np.cross(a, np.where(np.abs(a[:, :1]) < 0.9, _X, _Y))
    axis = np.where((s < 1e-9)[:, None], perp, axis)
    return Rotation.from_rotvec(_unit(axis) * ang[:, None]).as_matrix()


def _frame_from(axis: np.ndarray, up: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotation whose x column is along `axis` and y column is `up` made orthogonal to it."""
    x = _unit(axis)
    z = _unit(np.cross(x, up))
    y = np.cross(z, x)
    return np.stack([x, y, z], -1)


@dataclass
class BvhMotion:
    """What `write_bvh` wrote: offsets (J, 3) per BVH joint, root positions (T, 3), local rotations
    (T, J, 3, 3), and the joint positions (T, 17, 3) it reproduces (skeleton.JOINTS order, Y-up)."""

    offsets: np.ndarray
    root: np.ndarray
    local: np.ndarray
    joints: np.ndarray


def solve_bvh(joints: np.ndarray, bones: BoneLengths | None = None) -> BvhMotion:
    """Rotations of the BVH skeleton for (T, 17, 3) Y-up joint positions (no NaN)."""
    j = np.asarray(joints, dtype=np.float64)
    if j.ndim != 3 or j.shape[1:] != (len(JOINTS), 3):
        raise InputError(f"BVH: expected (T, {len(JOINTS)}, 3) skeleton joints, got {j.shape}")
    if not np.isfinite(j).all():
        raise InputError("BVH: joint positions contain NaN (fill or drop frames without the person first)")
    bones = bones or BoneLengths.fit(j)
    j = enforce_lengths(j, bones)
    L = dict(zip(JOINTS, bones.lengths))
    offsets = np.array([d * L[sk] if p >= 0 and np.any(d) else np.zeros(3) for _, sk, p, d in BVH_JOINTS])
    idx = {sk: JOINTS.index(sk) for _, sk, _, _ in BVH_JOINTS}

    def P(name: str) -> np.ndarray:
        return j[:, JOINTS.index(name)]

    t_len, n = len(j), len(BVH_JOINTS)
    glob = np.zeros((t_len, n, 3, 3))
    # child BVH joint whose offset each joint aims (single-child joints)
    aim: dict[int, int] = {}
    for c, (_, _, p, _) in enumerate(BVH_JOINTS):
        if (
            p > 0 and p != 10 and p not in aim
        ):  # the hips (0) and neck (10) branch: solved from two directions
            aim[p] = c
    for i, (name, sk, p, _) in enumerate(BVH_JOINTS):
        if i == 0:
            glob[:, 0] = _frame_from(P("left_hip") - P("right_hip"), P("neck") - P("pelvis"))
        elif name == "Neck":
            glob[:, i] = _frame_from(P("left_shoulder") - P("right_shoulder"), P("nose") - P("neck"))
        elif name == "Head":
            glob[:, i] = (
                _min_rotation(np.einsum("tij,j->ti", glob[:, p], _Y), P("nose") - P("neck")) @ glob[:, p]
            )
        elif i in aim:
            c = aim[i]
            target = j[:, idx[BVH_JOINTS[c][1]]] - j[:, idx[sk]]
            rest = np.einsum("tij,j->ti", glob[:, p], BVH_JOINTS[c][3])
            glob[:, i] = _min_rotation(rest, target) @ glob[:, p]
        else:  # leaf joints (toes, hands): keep the parent's orientation
            glob[:, i] = glob[:, p]
    local = glob.copy()
    for i, (_, _, p, _) in enumerate(BVH_JOINTS):
        if p >= 0:
            local[:, i] = np.swapaxes(glob[:, p], 1, 2) @ glob[:, i]
    # The Head end site is the nose: its offset is the neck–nose length along +Y.
    return BvhMotion(offsets, P("pelvis").copy(), local, j)


def _hierarchy(offsets: np.ndarray, bones: np.ndarray) -> list[str]:
    lines = ["HIERARCHY"]
    children = {i: [c for c, b in enumerate(BVH_JOINTS) if b[2] == i] for i in range(len(BVH_JOINTS))}
    nose = bones[JOINTS.index("nose")]

    def emit(i: int, depth: int) -> None:
        pad = "  " * depth
        name = BVH_JOINTS[i][0]
        lines.append(f"{pad}{'ROOT' if i == 0 else 'JOINT'} {name}")
        lines.append(f"{pad}{{")
        o = offsets[i]
        lines.append(f"{pad}  OFFSET {o[0]:.6f} {o[1]:.6f} {o[2]:.6f}")
        chans = (
            "Xposition Yposition Zposition Zrotation Xrotation Yrotation"
            if i == 0
            else "Zrotation Xrotation Yrotation"
        )
        lines.append(f"{pad}  CHANNELS {6 if i == 0 else 3} {chans}")
        for c in children[i]:
            emit(c, depth + 1)
        if not children[i]:
            e = np.array([0.0, nose, 0.0]) if name == _NOSE_END else _END_SITE[name]
            lines.extend(
                [
                    f"{pad}  End Site",
                    f"{pad}  {{",
                    f"{pad}    OFFSET {e[0]:.6f} {e[1]:.6f} {e[2]:.6f}",
                    f"{pad}  }}",
                ]
            )
        lines.append(f"{pad}}}")

    emit(0, 0)
    return lines


def write_bvh(
    path: str | os.PathLike, joints: np.ndarray, fps: float, bones: BoneLengths | None = None
) -> BvhMotion:
    """Write (T, 17, 3) Y-up skeleton joints (metres, `skeleton.JOINTS` order) as a BVH file, atomically."""
    if not (np.isfinite(fps) and fps > 0):
        raise InputError(f"{path}: BVH frame rate must be positive, got {fps}")
    if len(joints) == 0:
        raise InputError(f"{path}: no frames to write")
    m = solve_bvh(joints, bones)
    lengths = (bones or BoneLengths.fit(np.asarray(joints, np.float64))).lengths
    lines = _hierarchy(m.offsets, lengths)
    lines += ["MOTION", f"Frames: {len(m.root)}", f"Frame Time: {1.0 / fps:.8f}"]
    eul = (
        Rotation.from_matrix(m.local.reshape(-1, 3, 3))
        .as_euler("ZXY", degrees=True)
        .reshape(len(m.root), -1, 3)
    )
    order = _dfs_order()
    for t in range(len(m.root)):
        vals = list(m.root[t]) + [v for i in order for v in eul[t, i]]
        lines.append(" ".join(f"{v:.6f}" for v in vals))
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return m


def _dfs_order() -> list[int]:
    """BVH joints in the order the hierarchy lists them (depth first), which is the channel order."""
    out: list[int] = []

    def visit(i: int) -> None:
        out.append(i)
        for c, b in enumerate(BVH_JOINTS):
            if b[2] == i:
                visit(c)

    visit(0)
    return out


def bvh_joint_names() -> dict[str, str]:
    """BVH joint name → skeleton joint it sits on (zero-length helper joints included)."""
    return {name: sk for name, sk, _, _ in BVH_JOINTS}


_ = PARENTS  # the skeleton tree is documented in posekit.threed.mono.skeleton
