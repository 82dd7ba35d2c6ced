"""Robust multi-view triangulation of 2D points: confidence-weighted DLT on undistorted coordinates,
then camera exclusion (subsets down to `min_cameras`) where the reprojection error is too large.

All functions are vectorised over N points (frames × joints flattened), so a 100-frame, 25-joint,
4-camera sequence is a handful of batched SVDs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from posekit.threed.camera import Calibration


@dataclass
class TriangulationParams:
    """Settings of `triangulate_points` (Pose2Sim's demo defaults: 0.3, 15 px, 2 cameras).

    Attributes:
        min_score: 2D points below this confidence are not used.
        max_error: mean reprojection error (pixels) a point may have; above it cameras are excluded,
            and when even `min_cameras` cameras do not reach it the point is marked missing.
        min_cameras: fewest cameras a 3D point may come from.
    """

    min_score: float = 0.3
    max_error: float = 15.0
    min_cameras: int = 2


@dataclass
class Triangulated:
    """N triangulated points.

    Attributes:
        points: (N, 3) world metres, NaN where missing.
        error: (N,) mean reprojection error in pixels over the cameras used, NaN where missing.
        used: (C, N) bool, the cameras each point was triangulated from.
        reproj: (C, N) per-camera reprojection error in pixels (NaN where the camera had no 2D point).
    """

    points: np.ndarray
    error: np.ndarray
    used: np.ndarray
    reproj: np.ndarray

    @property
    def n_cameras(self) -> np.ndarray:
        return self.used.sum(axis=0)


def dlt(extrinsics: np.ndarray, norm: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted DLT. extrinsics (C, 3, 4) [R|t]; norm (C, N, 2) undistorted normalised coordinates;
    weights (C, N) ≥ 0 (0 = not used). Returns (N, 3); NaN where fewer than two cameras have weight."""
    n = weights.shape[1]
    x = np.nan_to_num(norm[..., 0])
    y = np.nan_to_num(norm[..., 1])
    w = np.where(np.isfinite(norm).all(axis=-1), weights, 0.0)
    P = extrinsics[:, None]  # (C, 1, 3, 4)
    r1 = w[..., None] * (x[..., None] * P[..., 2, :] - P[..., 0, :])  # (C, N, 4)
    r2 = w[..., None] * (y[..., None] * P[..., 2, :] - P[..., 1, :])
    A = np.concatenate([r1, r2], axis=0).transpose(1, 0, 2)  # (N, 2C, 4)
    out = np.full((n, 3), np.nan)
    ok = (w > 0).sum(axis=0) >= 2
    if ok.any():
        _, _, vt = np.linalg.svd(A[ok])
        h = vt[:, -1]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[ok] = h[:, :3] / h[:, 3:4]
    return out


def reprojection_errors(calib: Calibration, points: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """(C, N) pixel distance between each camera's 2D points (C, N, 2) and the projection of (N, 3)."""
    proj = calib.project(points)
    return np.linalg.norm(proj - pixels, axis=-1)


def triangulate_points(
    calib: Calibration, pixels: np.ndarray, scores: np.ndarray, params: TriangulationParams | None = None
) -> Triangulated:
    """Triangulate N points seen by C cameras.

    Args:
        calib: the C cameras.
        pixels: (C, N, 2) posekit pixels (NaN = not seen).
        scores: (C, N) 2D confidences (0 = not seen).
        params: thresholds, see `TriangulationParams`.
    """
    p = params or TriangulationParams()
    pixels = np.asarray(pixels, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    C, N = scores.shape
    norm = np.stack([cam.undistort(pixels[i]) for i, cam in enumerate(calib.cameras)])
    valid = np.isfinite(norm).all(axis=-1) & (scores >= p.min_score)
    ext = np.stack([cam.extrinsics for cam in calib.cameras])
    w = np.where(valid, scores, 0.0)

    def solve(mask: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pts = dlt(ext, norm[:, idx], np.where(mask, w[:, idx], 0.0))
        err = reprojection_errors(calib, pts, pixels[:, idx])
        with np.errstate(invalid="ignore"):
            mean = np.where(mask, err, 0.0).sum(0) / np.maximum(mask.sum(0), 1)
        mean[~np.isfinite(pts).all(axis=1)] = np.nan
        return pts, mean, err

    all_idx = np.arange(N)
    points, mean, _ = solve(valid, all_idx)
    used = valid.copy()
    used[:, ~np.isfinite(points).all(axis=1)] = False
    bad = np.flatnonzero((valid.sum(0) >= p.min_cameras) & ~(mean <= p.max_error))
    if bad.size:
        # Try every camera subset of each bad point's cameras; keep the largest subset whose error passes,
        # the lowest error among subsets of that size (Pose2Sim's rule, searched exhaustively).
        best_n = np.zeros(bad.size, dtype=int)
        best_err = np.full(bad.size, np.inf)
        best_pts = np.full((bad.size, 3), np.nan)
        best_mask = np.zeros((C, bad.size), dtype=bool)
        for k in range(C - 1, p.min_cameras - 1, -1):
            for sub in itertools.combinations(range(C), k):
                sel = np.zeros(C, dtype=bool)
                sel[list(sub)] = True
                cand = np.flatnonzero(valid[sel][:, bad].all(axis=0) & (best_n <= k))
                if cand.size == 0:
                    continue
                idx = bad[cand]
                mask = np.zeros((C, idx.size), dtype=bool)
                mask[sel] = True
                pts, m, _ = solve(mask, idx)
                better = (m <= p.max_error) & ((best_n[cand] < k) | (m < best_err[cand]))
                j = cand[better]
                best_n[j], best_err[j], best_pts[j] = k, m[better], pts[better]
                best_mask[:, j] = mask[:, better]
        points[bad] = best_pts
        mean[bad] = np.where(best_n > 0, best_err, np.nan)
        used[:, bad] = best_mask
    # Points from fewer than min_cameras, or still above the threshold, are missing.
    fail = (used.sum(0) < p.min_cameras) | ~(mean <= p.max_error)
    points[fail], mean[fail], used[:, fail] = np.nan, np.nan, False
    reproj = reprojection_errors(calib, points, pixels)
    reproj[~valid] = np.nan
    return Triangulated(points, mean, used, reproj)
