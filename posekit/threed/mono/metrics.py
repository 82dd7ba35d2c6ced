"""3D pose errors: MPJPE, Procrustes-aligned MPJPE (PA-MPJPE) and scale error, in the units of the input.

All functions take (T, J, 3) or (J, 3) arrays of predicted and true joints; frames or joints with a NaN
in either are left out (a frame needs at least 3 valid joints to be aligned)."""

from __future__ import annotations

import numpy as np


def procrustes(pred: np.ndarray, gt: np.ndarray, scale: bool = True) -> tuple[np.ndarray, float]:
    """`pred` (J, 3) aligned to `gt` by the rotation, translation (and scale) that minimise the squared
    error (Umeyama), and the scale used. Rows with NaN are ignored in the fit and stay NaN."""
    ok = np.isfinite(pred).all(1) & np.isfinite(gt).all(1)
    p, g = pred[ok].astype(np.float64), gt[ok].astype(np.float64)
    mp, mg = p.mean(0), g.mean(0)
    p0, g0 = p - mp, g - mg
    u, s, vt = np.linalg.svd(p0.T @ g0)
    d = np.sign(np.linalg.det(u @ vt))
    fix = np.diag([1.0, 1.0, d])
    r = u @ fix @ vt  # rotation applied on the right: p0 @ r ≈ g0
    k = float((s * np.diag(fix)).sum() / (p0**2).sum()) if scale else 1.0
    return (pred - mp) @ r * k + mg, k


def _frames(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return a[None] if a.ndim == 2 else a


def mpjpe(pred: np.ndarray, gt: np.ndarray) -> float:
    """Mean joint distance without any alignment (both in the same frame)."""
    d = np.linalg.norm(_frames(pred) - _frames(gt), axis=-1)
    return float(np.nanmean(d))


def pa_mpjpe_per_frame(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(T,) mean joint distance after a per-frame similarity (Procrustes with scale); NaN when a frame
    has fewer than 3 valid joints."""
    p, g = _frames(pred), _frames(gt)
    out = np.full(len(p), np.nan)
    for t in range(len(p)):
        ok = np.isfinite(p[t]).all(1) & np.isfinite(g[t]).all(1)
        if ok.sum() >= 3:
            a, _ = procrustes(p[t][ok], g[t][ok])
            out[t] = np.linalg.norm(a - g[t][ok], axis=1).mean()
    return out


def pa_mpjpe(pred: np.ndarray, gt: np.ndarray) -> float:
    return float(np.nanmean(pa_mpjpe_per_frame(pred, gt)))


def scale_error(pred: np.ndarray, gt: np.ndarray) -> float:
    """Relative size error of `pred`: mean over frames of (its RMS spread about its centroid / the truth's) − 1;
    −0.05 means 5 % too small."""
    p, g = _frames(pred), _frames(gt)
    ratios = []
    for t in range(len(p)):
        ok = np.isfinite(p[t]).all(1) & np.isfinite(g[t]).all(1)
        if ok.sum() >= 2:
            sp = np.sqrt(((p[t][ok] - p[t][ok].mean(0)) ** 2).sum(1).mean())
            sg = np.sqrt(((g[t][ok] - g[t][ok].mean(0)) ** 2).sum(1).mean())
            ratios.append(sp / sg)
    return float(np.mean(ratios) - 1.0) if ratios else float("nan")
