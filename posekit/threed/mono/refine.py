"""Better 3D from one camera: refine a person's BlazePose world landmarks over a whole sequence.

BlazePose gives each frame's 3D on its own. Over a sequence we know more, and use it:
1. Left/right (front/back) consistency: BlazePose sometimes swaps the person's left and right for a
   stretch of frames, which turns the body around in depth. A person cannot turn 180° between two
   frames, so a two-state dynamic programme over the frames (as given / mirrored in depth with left and
   right relabelled) picks the labelling whose facing direction changes least.
2. Temporal filtering: a running median removes single-frame outliers, then a Gaussian smooths jitter.
3. One skeleton per person: each bone gets its median length over the sequence (left = right), and
   every frame is rebuilt with those lengths along its own bone directions.
4. An optional person height (metres) rescales the skeleton (BlazePose's scale is 2–11 % short).

The frame is BlazePose's world frame (see docs/3d.md): metres, origin at the hip centre, x to the
image's right, y down, z away from the camera. This module works on one person's (T, 33, 3) array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d, median_filter

from posekit.errors import InputError
from posekit.layouts import get_layout
from posekit.ops.world import mirror_depth
from posekit.threed.mono.skeleton import JOINTS, BoneLengths, enforce_lengths, skeleton_from_blazepose

_LAYOUT = get_layout("blazepose33")
SWAP = np.arange(33)
for _a, _b in _LAYOUT.flip_pairs:
    SWAP[_a], SWAP[_b] = _b, _a
# The skeleton joint each BlazePose landmark moves with when bones are re-lengthened.
_ATTACH = np.array(
    [
        JOINTS.index(n)
        for n in (
            ["nose"] * 11
            + ["left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist"]
            + ["left_wrist", "right_wrist"] * 3
            + [
                "left_hip",
                "right_hip",
                "left_knee",
                "right_knee",
                "left_ankle",
                "right_ankle",
                "left_ankle",
                "right_ankle",
                "left_toe",
                "right_toe",
            ]
        )
    ]
)


@dataclass
class MonoConfig:
    """fix_left_right: run the facing-direction check; flip_cost: cost (radians of facing change)
    of one mirrored frame, so only sudden turn-arounds are undone; median_s / smooth_s: running
    median window and Gaussian sigma in seconds (0 = off); depth_smooth_s: a wider Gaussian for the
    hip-relative depth (z) only, whose frame-to-frame noise is several times that of x and y; bones: enforce constant bone lengths;
    height: the person's standing height in metres (None: keep the model's scale)."""

    fix_left_right: bool = True
    flip_cost: float = 0.05
    median_s: float = 0.2
    smooth_s: float = 0.05
    depth_smooth_s: float = 0.0
    bones: bool = False
    height: float | None = None


@dataclass
class MonoResult:
    """world: (T, 33, 3) refined points (NaN where the input frame had no person); flipped: (T,) bool,
    frames whose left and right were relabelled (apply `SWAP` to that frame's 2D too); bones: the fitted
    lengths (after any height scaling); skeleton: (T, 17, 3) joints of `skeleton.JOINTS`."""

    world: np.ndarray
    flipped: np.ndarray
    bones: BoneLengths
    skeleton: np.ndarray


def facing(world: np.ndarray) -> np.ndarray:
    """(T, 3) unit vectors: the direction the body's front faces (hips across × hips-to-shoulders up)."""
    across = world[:, 23] - world[:, 24]  # right hip → left hip
    up = 0.5 * (world[:, 11] + world[:, 12]) - 0.5 * (world[:, 23] + world[:, 24])
    n = np.cross(up, across)
    return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-9)


def mirror(world: np.ndarray) -> np.ndarray:
    """The other reading of a BlazePose frame: depth mirrored about the hip centre, left/right relabelled."""
    return mirror_depth(world, SWAP, (23, 24))


def flip_states(world: np.ndarray, flip_cost: float) -> np.ndarray:
    """(T,) bool: frames to mirror, minimising total facing-direction change + flip_cost per mirrored frame
    (Viterbi over two states)."""
    f = np.stack([facing(world), facing(mirror(world))])  # (2, T, 3)
    t_len = world.shape[0]
    cost = np.array([0.0, flip_cost])
    back = np.zeros((t_len, 2), np.int64)
    for t in range(1, t_len):
        ang = np.arccos(np.clip(np.einsum("ik,jk->ij", f[:, t - 1], f[:, t]), -1, 1))  # prev state i → j
        total = cost[:, None] + ang
        back[t] = np.argmin(total, axis=0)
        cost = total[back[t], [0, 1]] + np.array([0.0, flip_cost])
    states = np.zeros(t_len, np.int64)
    states[-1] = int(np.argmin(cost))
    for t in range(t_len - 1, 0, -1):
        states[t - 1] = back[t, states[t]]
    return states.astype(bool)


def _fill(world: np.ndarray) -> np.ndarray:
    """Linear interpolation over frames without a person (edges hold the nearest value)."""
    ok = np.isfinite(world).all(axis=(1, 2))
    if ok.all():
        return world.copy()
    t = np.arange(len(world))
    flat = world.reshape(len(world), -1)
    out = np.stack([np.interp(t, t[ok], flat[ok, i]) for i in range(flat.shape[1])], 1)
    return out.reshape(world.shape)


def refine_world(world: np.ndarray, fps: float, config: MonoConfig | None = None) -> MonoResult:
    """Refine one person's (T, 33, 3) BlazePose world landmarks over a sequence at `fps` frames a second."""
    cfg = config or MonoConfig()
    w = np.asarray(world, dtype=np.float64)
    if w.ndim != 3 or w.shape[1:] != (33, 3):
        raise InputError(f"refine_world: expected (T, 33, 3) BlazePose world landmarks, got {w.shape}")
    present = np.isfinite(w).all(axis=(1, 2))
    if not present.any():
        raise InputError("refine_world: no frame has the person's 3D landmarks")
    if not fps or fps <= 0:
        raise InputError(f"refine_world: fps must be positive, got {fps}")
    w = _fill(w)
    flipped = flip_states(w, cfg.flip_cost) if cfg.fix_left_right and len(w) > 1 else np.zeros(len(w), bool)
    w[flipped] = mirror(w[flipped])
    win = round(cfg.median_s * fps) | 1
    if win > 1 and len(w) >= win:
        w = median_filter(w, size=(win, 1, 1), mode="nearest")
    if cfg.smooth_s > 0:
        w = gaussian_filter1d(w, cfg.smooth_s * fps, axis=0, mode="nearest")
    if cfg.depth_smooth_s > cfg.smooth_s:
        hip = 0.5 * (w[:, 23:24, 2] + w[:, 24:25, 2])
        extra = np.sqrt(cfg.depth_smooth_s**2 - cfg.smooth_s**2) * fps  # total sigma = depth_smooth_s
        w[:, :, 2] = hip + gaussian_filter1d(w[:, :, 2] - hip, extra, axis=0, mode="nearest")
    skel = skeleton_from_blazepose(w)
    bones = BoneLengths.fit(skel[present])
    if cfg.height:
        if not 0.5 <= cfg.height <= 2.6:
            raise InputError(f"refine_world: height {cfg.height} m is not a human height (0.5–2.6 m)")
        bones = bones.scaled(cfg.height / bones.stature())
    if cfg.bones or cfg.height:
        if cfg.height and not cfg.bones:  # scale only: about the pelvis
            new = skel[:, :1] + (skel - skel[:, :1]) * (cfg.height / BoneLengths.fit(skel[present]).stature())
        else:
            new = enforce_lengths(skel, bones)
        w = w + (new - skel)[:, _ATTACH]
        skel = new
    w[~present] = np.nan
    skel[~present] = np.nan
    return MonoResult(w.astype(np.float32), flipped & present, bones, skel)
