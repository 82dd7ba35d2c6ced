"""Place a person in camera space: the root translation that makes the 3D skeleton reproject onto the 2D.

Pinhole camera, OpenCV axes (x right, y down, z forward), which BlazePose's world axes approximately are
(its origin is the hip centre instead of the camera). For each keypoint j with pixel (u, v) and
hip-relative 3D point (X, Y, Z), the camera-space point is (X + tx, Y + ty, Z + tz) and

    fx (X + tx) = (u − cx)(Z + tz),   fy (Y + ty) = (v − cy)(Z + tz),

linear in t = (tx, ty, tz): a weighted least-squares solve per frame (weights: keypoint scores).
Without calibration, intrinsics come from an assumed horizontal field of view.
"""

from __future__ import annotations

import math

import numpy as np

from posekit.errors import InputError


def intrinsics_from_fov(image_size: tuple[int, int], fov_deg: float = 60.0) -> np.ndarray:
    """3×3 camera matrix for an image (height, width) with the horizontal field of view `fov_deg`,
    principal point at the image centre (posekit's corner-origin pixels), square pixels."""
    h, w = image_size
    if not 1.0 < fov_deg < 179.0:
        raise InputError(f"field of view {fov_deg}° is not in (1, 179)")
    f = 0.5 * w / math.tan(math.radians(fov_deg) / 2)
    return np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1.0]])


def solve_root_translation(
    points3d: np.ndarray, keypoints: np.ndarray, K: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """(T, 3) translations t so that points3d + t (camera space, metres) project onto keypoints.

    points3d: (T, J, 3) hip-relative 3D; keypoints: (T, J, 2) pixels (posekit corner origin); K: 3×3;
    weights: (T, J) (e.g. scores). Frames with fewer than 2 usable keypoints get NaN."""
    p = np.asarray(points3d, dtype=np.float64)
    uv = np.asarray(keypoints, dtype=np.float64)
    if p.ndim != 3 or p.shape[2] != 3 or uv.shape != (*p.shape[:2], 2):
        raise InputError(
            f"root translation: need (T, J, 3) points and (T, J, 2) keypoints, got {p.shape}, {uv.shape}"
        )
    wts = np.ones(p.shape[:2]) if weights is None else np.asarray(weights, dtype=np.float64)
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    out = np.full((len(p), 3), np.nan)
    for t in range(len(p)):
        ok = np.isfinite(p[t]).all(1) & np.isfinite(uv[t]).all(1) & (wts[t] > 0)
        if ok.sum() < 2:
            continue
        X, Y, Z = p[t, ok].T
        du, dv = uv[t, ok, 0] - cx, uv[t, ok, 1] - cy
        w = np.sqrt(wts[t, ok])
        z0 = np.zeros_like(du)
        A = (
            np.concatenate([np.stack([fx + z0, z0, -du], 1), np.stack([z0, fy + z0, -dv], 1)])
            * np.concatenate([w, w])[:, None]
        )
        b = np.concatenate([du * Z - fx * X, dv * Z - fy * Y]) * np.concatenate([w, w])
        out[t] = np.linalg.lstsq(A, b, rcond=None)[0]
    return out


def project(points_cam: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(..., 3) camera-space points → (..., 2) pixels."""
    p = np.asarray(points_cam, dtype=np.float64)
    return p[..., :2] / p[..., 2:3] * np.array([K[0, 0], K[1, 1]]) + K[:2, 2]
