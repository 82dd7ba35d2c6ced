"""Object keypoint similarity (COCO's OKS) and OKS-based non-maximum suppression.

OKS between a reference pose g and a pose d (COCO, pycocotools' `computeOks`):

    OKS = mean over used keypoints i of exp(-d_i^2 / (2 * area * (2 * sigma_i)^2))

with d_i the distance between the two i-th keypoints, `area` the reference person's area (COCO:
segment area; here usually box width * height) and sigma_i the per-keypoint constant. "Used"
keypoints are those flagged visible in the reference (COCO: v > 0), or all of them.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from posekit.layouts import LayoutError

if TYPE_CHECKING:  # ops sits below results: the annotation only, no import at run time
    from posekit.results import Poses


def oks(
    kpts_a: np.ndarray,
    kpts_b: np.ndarray,
    area: np.ndarray | float,
    sigmas: np.ndarray,
    visible: np.ndarray | None = None,
) -> np.ndarray:
    """Pairwise OKS.

    Args:
        kpts_a: (N, K, 2) reference poses (or (K, 2) for one).
        kpts_b: (M, K, 2) poses to compare (or (K, 2)).
        area: (N,) reference areas in pixels² (or a scalar).
        sigmas: (K,) per-keypoint sigmas (e.g. `get_layout("coco17").sigmas`).
        visible: optional (N, K) bool: which reference keypoints count; default all finite ones.
            A keypoint that is NaN in `kpts_b` counts as infinitely far (contributes 0).

    Returns:
        (N, M) float64 OKS matrix, dropping the axes of single-pose inputs (two (K, 2) → scalar).
        A reference with no keypoints to use gets OKS 0.
    """
    a = np.asarray(kpts_a, dtype=np.float64)
    b = np.asarray(kpts_b, dtype=np.float64)
    single_a, single_b = a.ndim == 2, b.ndim == 2
    a, b = (a[None] if single_a else a), (b[None] if single_b else b)
    if a.shape[1:] != b.shape[1:] or a.shape[2] != 2:
        raise ValueError(f"oks: keypoints must be (N, K, 2) and (M, K, 2), got {a.shape} and {b.shape}")
    s = np.asarray(sigmas, dtype=np.float64)
    if s.shape != (a.shape[1],):
        raise ValueError(f"oks: need {a.shape[1]} sigmas, got shape {s.shape}")
    ar = np.broadcast_to(np.asarray(area, dtype=np.float64).reshape(-1), (a.shape[0],))
    finite = np.asarray(np.isfinite(a).all(axis=2))
    vis = finite if visible is None else np.asarray(np.asarray(visible, bool).reshape(a.shape[:2]) & finite)
    d2 = ((a[:, None] - b[None]) ** 2).sum(axis=3)  # (N, M, K)
    e = d2 / ((2 * s) ** 2 * 2 * (ar[:, None, None] + np.spacing(1)))
    sim = np.where(np.isfinite(e), np.exp(-np.where(np.isfinite(e), e, 0)), 0.0)
    sim = np.where(vis[:, None, :], sim, 0.0)
    n_vis = vis.sum(axis=1)[:, None]
    out = np.divide(sim.sum(axis=2), n_vis, out=np.zeros(sim.shape[:2]), where=n_vis > 0)
    if single_b:
        out = out[:, 0]
    if single_a:
        out = out[0]
    return out


def oks_nms(
    poses: Poses,
    threshold: float = 0.9,
    *,
    sigmas: np.ndarray | None = None,
    min_keypoint_score: float | None = None,
) -> np.ndarray:
    """Greedy OKS non-maximum suppression over the people of a `Poses`.

    People are visited by decreasing person score; each one kept suppresses every remaining person
    whose OKS with it exceeds `threshold` (the kept person is the reference, its area is its box
    area, or its keypoints' extent if the box is empty). With `min_keypoint_score`, only keypoints
    scoring above it in the reference count (as mmpose's `vis_thr`).

    Sigmas default to the layout's; a layout without sigmas (BlazePose-33) is compared through its
    COCO-17 subset. Returns the kept indices (int64), best first: use `poses[keep]`.
    """
    if sigmas is None:
        if poses.layout.sigmas is None:
            try:
                poses = poses.to_layout("coco17")
            except LayoutError:
                raise LayoutError(
                    f"oks_nms: layout {poses.layout.name!r} has no OKS sigmas; pass sigmas="
                ) from None
        sigmas = poses.layout.sigmas_array
    assert sigmas is not None  # the layout (or its COCO-17 view) has sigmas
    n = len(poses)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    kp = poses.keypoints.astype(np.float64)
    wh = poses.boxes[:, 2:] - poses.boxes[:, :2]
    area = wh[:, 0].astype(np.float64) * wh[:, 1]
    with warnings.catch_warnings():  # all-NaN people give NaN extents: area 0 below
        warnings.simplefilter("ignore", RuntimeWarning)
        extent = np.nanmax(kp, axis=1) - np.nanmin(kp, axis=1)
    area = np.where(area > 0, area, np.nan_to_num(extent[:, 0] * extent[:, 1]))
    visible = None if min_keypoint_score is None else poses.scores > min_keypoint_score
    sim = oks(kp, kp, area, sigmas, visible)  # row = reference
    order = np.argsort(-poses.person_scores, kind="stable")
    suppressed = np.zeros(n, dtype=bool)
    keep = []
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= sim[i] > threshold
    return np.asarray(keep, dtype=np.int64)
