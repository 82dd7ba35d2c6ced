"""Offline smoothing of recorded video: whole trajectories at once (no lag)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from posekit.results import Poses
from posekit.smooth.smoother import PoseSmoother


def _finite_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[(start, stop), ...] of the runs of True in a 1-D bool array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def savgol_smooth(keypoints: np.ndarray, window: int = 9, order: int = 2) -> np.ndarray:
    """Savitzky-Golay smoothing of keypoint trajectories along time, gap-aware.

    Each keypoint's trajectory is split into runs of consecutive frames where it is finite (a
    keypoint with any NaN coordinate in a frame is missing there); each run is filtered on its own
    with `scipy.signal.savgol_filter(..., mode="interp")`, so nothing is smoothed across a gap and
    the ends of a run are fitted, not padded: any polynomial motion of degree <= `order` comes out
    exactly. A run shorter than `window` uses the longest odd window that fits; a run too short
    for that to exceed `order` is returned unchanged. NaNs stay NaN.

    Args:
        keypoints: (T, K, D) positions over T frames (or (T, D) for one keypoint).
        window: odd number of frames in each least-squares fit (9 = 0.3 s at 30 fps). Longer =
            smoother, but fast motion (a kick) is flattened more.
        order: degree of the fitted polynomial (< window). 2 follows accelerations; 3 keeps sharper
            peaks; 1 is a moving average on the inside.

    Returns: an array of the input's shape (float64, or the input's floating dtype).
    """
    from scipy.signal import savgol_filter  # lazy: scipy.signal takes ~0.8 s to import

    x = np.asarray(keypoints)
    if window < 1 or window % 2 == 0:
        raise ValueError(f"savgol_smooth: window must be a positive odd number, got {window}")
    if not 0 <= order < window:
        raise ValueError(f"savgol_smooth: need 0 <= order < window, got order {order}, window {window}")
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    squeeze = x.ndim == 2
    v = x[:, None, :] if squeeze else x
    if v.ndim != 3:
        raise ValueError(f"savgol_smooth: expected (T, K, D) or (T, D), got shape {x.shape}")
    v = v.astype(np.float64)
    out = v.copy()
    finite = np.isfinite(v).all(axis=2)
    out[~finite] = np.nan
    for k in range(v.shape[1]):
        for start, stop in _finite_runs(finite[:, k]):
            length = stop - start
            w = min(window, length if length % 2 else length - 1)
            if w > order:
                out[start:stop, k] = savgol_filter(v[start:stop, k], w, order, axis=0, mode="interp")
    out = out[:, 0] if squeeze else out
    return out.astype(dtype, copy=False)


def smooth_tracks(
    frames: list[Poses],
    method: str = "savgol",
    *,
    window: int = 9,
    order: int = 2,
    fps: float = 30.0,
    times: list[float] | np.ndarray | None = None,
    **params: float,
) -> list[Poses]:
    """Smooth every track's keypoints (and world coordinates) across a list of per-frame Poses.

    Args:
        frames: the Poses of consecutive frames, with `track_ids` (from `posekit.track.Tracker`).
        method: "savgol" (`savgol_smooth` on each track, centered: no lag; frames where a track is
            absent are gaps, not bridged), "one_euro" (a `PoseSmoother` run forwards, as live
            video would be, with `params`) or "none".
        window, order: Savitzky-Golay parameters (see `savgol_smooth`).
        fps, times: one_euro only: frame times in seconds, `times` if given, else index / fps.
        **params: one_euro only: `reset_after`, `min_cutoff`, `beta`, `d_cutoff`.

    Returns: a new list of Poses, one per frame, with smoothed keypoints/world; people with a
    negative track id, and all other fields, are unchanged.
    """
    if any(p.track_ids is None for p in frames):
        raise ValueError("smooth_tracks: every frame needs track_ids; run posekit.track.Tracker first")
    if method == "none":
        return list(frames)
    if method == "one_euro":
        t = np.arange(len(frames)) / fps if times is None else np.asarray(times, dtype=np.float64)
        if len(t) != len(frames):
            raise ValueError(f"smooth_tracks: {len(t)} times for {len(frames)} frames")
        smoother = PoseSmoother("one_euro", **params)
        return [smoother.update(p, float(ti)) for p, ti in zip(frames, t)]
    if method != "savgol":
        raise ValueError(f"smooth_tracks: unknown method {method!r}; choose 'savgol', 'one_euro' or 'none'")
    if params:
        raise TypeError(f"smooth_tracks: savgol takes window and order, not {sorted(params)}")
    kp: list[np.ndarray] = [p.keypoints.copy() for p in frames]
    world: list[np.ndarray | None] = [None if p.world is None else p.world.copy() for p in frames]
    where: dict[int, list[tuple[int, int]]] = {}  # track id -> [(frame, person), ...]
    for f, p in enumerate(frames):
        for i, tid in enumerate(np.asarray(p.track_ids).tolist()):
            if tid >= 0:
                where.setdefault(tid, []).append((f, i))
    for rows in where.values():
        first, last = rows[0][0], rows[-1][0]
        kinds: list[list[np.ndarray | None]] = [list(kp), world]  # the same arrays, smoothed in place
        for arrays in kinds:
            per_frame = [arrays[f] for f, _ in rows]
            present = [a for a in per_frame if a is not None]
            if len(present) < len(per_frame):
                continue
            traj = np.full((last - first + 1, *present[0].shape[1:]), np.nan)
            for (f, i), a in zip(rows, present):
                traj[f - first] = a[i]
            sm = savgol_smooth(traj, window, order)
            for (f, i), a in zip(rows, present):
                a[i] = sm[f - first]
    return [replace(p, keypoints=k, world=w) for p, k, w in zip(frames, kp, world)]
