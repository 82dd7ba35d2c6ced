"""A 16-joint body skeleton built from BlazePose-33, with constant bone lengths.

Joints (index: name, parent). "pelvis" is the hip centre and "neck" the shoulder centre; both are
computed from BlazePose's hips and shoulders. The tree is the one the BVH writer uses:

    pelvis ─ left_hip ─ left_knee ─ left_ankle ─ left_toe
           ─ right_hip ─ right_knee ─ right_ankle ─ right_toe
           ─ neck ─ left_shoulder ─ left_elbow ─ left_wrist
                  ─ right_shoulder ─ right_elbow ─ right_wrist
                  ─ nose
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posekit.errors import InputError

JOINTS = (
    "pelvis",
    "left_hip",
    "left_knee",
    "left_ankle",
    "left_toe",
    "right_hip",
    "right_knee",
    "right_ankle",
    "right_toe",
    "neck",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "nose",
)
PARENTS = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 9, 13, 14, 9)
# BlazePose-33 index of each joint; pelvis and neck are midpoints of two landmarks.
_FROM_BLAZEPOSE: dict[str, tuple[int, ...]] = {
    "pelvis": (23, 24),
    "left_hip": (23,),
    "left_knee": (25,),
    "left_ankle": (27,),
    "left_toe": (31,),
    "right_hip": (24,),
    "right_knee": (26,),
    "right_ankle": (28,),
    "right_toe": (32,),
    "neck": (11, 12),
    "left_shoulder": (11,),
    "left_elbow": (13,),
    "left_wrist": (15,),
    "right_shoulder": (12,),
    "right_elbow": (14,),
    "right_wrist": (16,),
    "nose": (0,),
}
# Bones whose left and right lengths are made equal (child joint names).
_MIRROR = {
    "left_hip": "right_hip",
    "left_knee": "right_knee",
    "left_ankle": "right_ankle",
    "left_toe": "right_toe",
    "left_shoulder": "right_shoulder",
    "left_elbow": "right_elbow",
    "left_wrist": "right_wrist",
}
# Standing height over the (ankle→knee→hip, pelvis→neck→nose) chain length. Winter's segment
# proportions of height H: shank 0.246 H, thigh 0.245 H, hip to shoulder line 0.288 H, shoulder
# centre to nose about 0.10 H: the chain is about 0.88 H.
STATURE_PER_CHAIN = 1 / 0.88


def skeleton_from_blazepose(world33: np.ndarray) -> np.ndarray:
    """(..., 33, 3) BlazePose points → (..., 17, 3) skeleton joints (see JOINTS)."""
    w = np.asarray(world33, dtype=np.float64)
    if w.shape[-2:] != (33, 3):
        raise InputError(f"skeleton_from_blazepose: expected (..., 33, 3) BlazePose points, got {w.shape}")
    return np.stack([w[..., list(idx), :].mean(-2) for idx in _FROM_BLAZEPOSE.values()], -2)


@dataclass
class BoneLengths:
    """One length (metres) per joint: the distance to its parent (0 for the root)."""

    lengths: np.ndarray  # (17,)

    @classmethod
    def fit(cls, joints: np.ndarray, symmetric: bool = True) -> BoneLengths:
        """Median length of each bone over the frames of (T, 17, 3) joints (NaN frames ignored)."""
        j = np.asarray(joints, dtype=np.float64)
        out = np.zeros(len(JOINTS))
        for c, p in enumerate(PARENTS):
            if p >= 0:
                d = np.linalg.norm(j[:, c] - j[:, p], axis=-1)
                d = d[np.isfinite(d)]
                if d.size == 0:
                    raise InputError(
                        f"BoneLengths.fit: no frame has both ends of the bone {JOINTS[p]}–{JOINTS[c]}"
                    )
                out[c] = float(np.median(d))
        if symmetric:
            for a, b in _MIRROR.items():
                ia, ib = JOINTS.index(a), JOINTS.index(b)
                out[ia] = out[ib] = 0.5 * (out[ia] + out[ib])
        return cls(out)

    def stature(self) -> float:
        """Estimated standing height (m) from the leg, trunk and neck bones."""
        L = dict(zip(JOINTS, self.lengths))
        legs = 0.5 * (L["left_knee"] + L["right_knee"] + L["left_ankle"] + L["right_ankle"])
        chain = legs + L["neck"] + L["nose"]
        return float(chain * STATURE_PER_CHAIN)

    def scaled(self, factor: float) -> BoneLengths:
        return BoneLengths(self.lengths * float(factor))


def enforce_lengths(joints: np.ndarray, bones: BoneLengths) -> np.ndarray:
    """(T, 17, 3) joints rebuilt from the pelvis outwards: each bone keeps its direction and gets its
    fitted length. The left and right hips (and shoulders) are placed symmetrically about the pelvis
    (neck), as they are midpoints by construction."""
    j = np.asarray(joints, dtype=np.float64)
    out = np.empty_like(j)
    out[:, 0] = j[:, 0]
    for c, p in enumerate(PARENTS):
        if p < 0:
            continue
        d = j[:, c] - j[:, p]
        n = np.linalg.norm(d, axis=-1, keepdims=True)
        out[:, c] = out[:, p] + d / np.where(n > 1e-9, n, 1.0) * bones.lengths[c]
    return out
