"""SimCC decoding (RTMPose, as exported by mmpose / mmdeploy / rtmlib).

What it implements, exactly (Li et al., "SimCC", ECCV 2022; Jiang et al., "RTMPose", 2023): the model
classifies each keypoint's x and y separately into bins `split_ratio` times finer than the input
(RTMPose: 2.0, so a 192×256 input gives 384 x-bins and 512 y-bins). The keypoint is the argmax bin of
each vector divided by the split ratio, refined to a fraction of a bin by fitting a parabola through
the peak bin and its two neighbours; the score is the smaller of the two vectors' peak values (as
mmpose's `get_simcc_maximum`), clipped to [0, 1]. Bins are in mmpose's frame (pixel centres at
integers); posekit's corner-origin frame adds 0.5.
"""

from __future__ import annotations

import numpy as np

Size = tuple[int, int]  # (width, height)

SPLIT_RATIO = 2.0


def _peaks(vectors: np.ndarray, refine: bool) -> tuple[np.ndarray, np.ndarray]:
    k, n = vectors.shape
    idx = vectors.argmax(1)
    vals = vectors[np.arange(k), idx]
    pos = idx.astype(np.float64)
    if refine:
        inner = (idx > 0) & (idx < n - 1)
        i = np.where(inner, idx, 1)
        left, mid, right = (vectors[np.arange(k), i + d].astype(np.float64) for d in (-1, 0, 1))
        curv = left - 2 * mid + right
        ok = inner & (curv < 0)
        pos = pos + np.where(ok, 0.5 * (left - right) / np.where(ok, curv, -1.0), 0.0)
    return pos, vals


def decode_simcc(
    simcc_x: np.ndarray, simcc_y: np.ndarray, split_ratio: float = SPLIT_RATIO, *, refine: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(K, Lx) and (K, Ly) vectors of one crop → (K, 2) keypoints in input pixels and (K,) scores."""
    sx, sy = np.asarray(simcc_x, np.float32), np.asarray(simcc_y, np.float32)
    if sx.ndim != 2 or sy.ndim != 2 or sx.shape[0] != sy.shape[0]:
        raise ValueError(f"simcc: expected (K, Lx) and (K, Ly), got {sx.shape} and {sy.shape}")
    px, vx = _peaks(sx, refine)
    py, vy = _peaks(sy, refine)
    kps = np.stack([px, py], 1) / split_ratio + 0.5
    return kps.astype(np.float32), np.clip(np.minimum(vx, vy), 0.0, 1.0).astype(np.float32)


def render_simcc(
    points: np.ndarray,
    visible: np.ndarray,
    input_size: Size,
    split_ratio: float = SPLIT_RATIO,
    sigma: tuple[float, float] = (4.9, 5.66),
) -> tuple[np.ndarray, np.ndarray]:
    """The training target the decoder inverts: 1D Gaussians (RTMPose's sigmas, in bins) at each
    visible keypoint (K, 2) in input pixels, peak 1. Returns (K, W·r) and (K, H·r) float32."""
    w, h = input_size
    bins = (np.asarray(points, np.float64) - 0.5) * split_ratio
    lx, ly = round(w * split_ratio), round(h * split_ratio)
    xs, ys = np.arange(lx, dtype=np.float64), np.arange(ly, dtype=np.float64)
    vis = np.asarray(visible, bool)[:, None]
    gx = np.exp(-((xs[None] - bins[:, :1]) ** 2) / (2 * sigma[0] ** 2)) * vis
    gy = np.exp(-((ys[None] - bins[:, 1:]) ** 2) / (2 * sigma[1] ** 2)) * vis
    return gx.astype(np.float32), gy.astype(np.float32)
