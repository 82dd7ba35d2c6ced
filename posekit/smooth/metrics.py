"""Smoothness and delay metrics for keypoint trajectories."""

from __future__ import annotations

import numpy as np


def jitter(
    trajectory: np.ndarray, scores: np.ndarray | None = None, min_keypoint_score: float = 0.3
) -> float:
    """Mean frame-to-frame acceleration magnitude, in coordinate units per frame² (pixels/frame²).

    For each keypoint and frame t, a_t = x[t+1] - 2 x[t] + x[t-1] (the second difference, a vector
    over the D coordinates) and its norm |a_t|; the result is the mean over every (t, keypoint)
    where the three samples are finite and, if `scores` (T, K) is given, all score >= min_keypoint_score.
    A smooth constant-velocity motion has jitter 0; white noise of std s per coordinate has about
    s * sqrt(6) * E|N(0, I_D)|, i.e. ≈ 3.07 s for D = 2. NaN when nothing qualifies.

    Args:
        trajectory: (T, K, D) positions (a (T, D) single point or (T,) series is accepted).
        scores: optional (T, K) confidences.
        min_keypoint_score: keypoint confidence threshold used with `scores`.
    """
    x = np.asarray(trajectory, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None, None]
    elif x.ndim == 2:
        x = x[:, None, :]
    if x.shape[0] < 3:
        return float("nan")
    ok = np.asarray(np.isfinite(x).all(axis=2))
    if scores is not None:
        s = np.asarray(scores, dtype=np.float64).reshape(x.shape[:2])
        ok &= s >= min_keypoint_score
    acc = x[2:] - 2 * x[1:-1] + x[:-2]
    use = ok[2:] & ok[1:-1] & ok[:-2]
    if not use.any():
        return float("nan")
    return float(np.linalg.norm(acc[use], axis=-1).mean())


def lag(raw: np.ndarray, smoothed: np.ndarray, max_lag: int = 10) -> float:
    """Delay, in frames, of `smoothed` behind `raw` (positive: smoothed is late).

    Least squares over shifts: for each integer s in [-max_lag, max_lag], the mean squared
    difference between smoothed[t] and raw[t - s] over all frames and coordinates where both are
    finite; the best s is refined to a fraction of a frame by fitting a parabola through it and its
    neighbours. Positions, not velocities, are compared, so a constant-velocity motion (whose
    velocity is the same at every shift) still gives a well-defined answer; a still signal has no
    measurable lag (a noise-free one gives 0). Noise in `raw` adds the same amount to every shift and does not
    bias the result.

    Args:
        raw: (T, ...) the unfiltered trajectory.
        smoothed: the filtered trajectory, same shape.
        max_lag: largest shift tried, in frames (must be < T).
    """
    a = np.asarray(raw, dtype=np.float64)
    b = np.asarray(smoothed, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"lag: raw and smoothed differ in shape: {a.shape} vs {b.shape}")
    n = a.shape[0]
    if not 0 <= max_lag < n:
        raise ValueError(f"lag: max_lag must be in [0, {n - 1}] for {n} frames, got {max_lag}")
    a, b = a.reshape(n, -1), b.reshape(n, -1)
    shifts = np.arange(-max_lag, max_lag + 1)
    err = np.full(shifts.size, np.inf)
    for i, sh in enumerate(shifts.tolist()):
        d = b[max(sh, 0) : n + min(sh, 0)] - a[max(-sh, 0) : n - max(sh, 0)]
        d = d[np.isfinite(d)]
        if d.size:
            err[i] = np.mean(d**2)
    if not np.isfinite(err).any():
        return float("nan")
    best = err.min()
    tol = 1e-9 * max(best, 1e-12) + 1e-12
    cands = np.flatnonzero(err <= best + tol)
    i = cands[np.argmin(np.abs(shifts[cands]))]  # ties (e.g. a still signal): the smallest shift
    s = float(shifts[i])
    if 0 < i < shifts.size - 1 and np.isfinite(err[i - 1 : i + 2]).all():
        e0, e1, e2 = err[i - 1], err[i], err[i + 1]
        denom = e0 - 2 * e1 + e2
        if denom > 0:
            s += 0.5 * (e0 - e2) / denom
    return s
