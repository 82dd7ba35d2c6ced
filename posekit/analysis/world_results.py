"""3D results as the input of `analyze`: a TRC file (what `posekit triangulate` writes, one per person, or any
TRC whose markers carry the keypoint names of one of posekit's layouts).

Each frame becomes a one-person `Poses` whose `world` holds the markers (metres), so angles and REBA/RULA
are computed in 3D, and whose image keypoints are a virtual side view of them, in millimetres: x along the
walking direction (the horizontal axis the mid-hip travels most along), y downwards (the vertical axis is
the one from the ankles to the shoulders). The analyses that read the image (gait, repetitions, falls,
activity) read that view; gait's metres per pixel then comes from the world coordinates (scale.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.layouts import Layout, get_layout, list_layouts
from posekit.results import Poses

MM = 1000.0  # side-view "pixels" per metre


def _layout_of(names: list[str], path: Path) -> Layout:
    """The posekit layout whose keypoint names the markers use (the one sharing the most of them)."""
    best, shared = None, 0
    for name in list_layouts():
        lay = get_layout(name)
        n = len(set(names) & set(lay.keypoint_names))
        if n > shared:
            best, shared = lay, n
    needed = {f"{s}_{j}" for s in ("left", "right") for j in ("hip", "knee", "ankle")}
    if best is None or not needed <= set(names):
        raise InputError(
            f"{path}: its markers are not named as a posekit layout's keypoints (left_hip, right_knee, ...): "
            f"got {', '.join(names[:6])}{', ...' if len(names) > 6 else ''}"
        )
    return best


def vertical_axis(world: np.ndarray, lay: Layout) -> tuple[int, float]:
    """(axis, sign) of "up": the axis along which the shoulders (or, where they are never seen, the hips)
    sit farthest from the ankles, and its direction."""
    ankles = world[:, [lay.index(f"{s}_ankle") for s in ("left", "right")]]
    for top in ("shoulder", "hip"):
        if f"left_{top}" not in lay.keypoint_names:
            continue
        tops = world[:, [lay.index(f"{s}_{top}") for s in ("left", "right")]]
        up = _nanmean(tops) - _nanmean(ankles)
        seen = np.isfinite(up).all(axis=1)
        if seen.any():
            med = np.median(up[seen], axis=0)
            axis = int(np.argmax(np.abs(med)))
            return axis, float(np.sign(med[axis]))
    raise InputError("the ankles are never seen with the hips or shoulders: cannot tell which way is up")


def _nanmean(points: np.ndarray) -> np.ndarray:
    """(T, 3): the mean of the seen points of each frame (NaN where none is seen), without warnings."""
    seen = np.isfinite(points).all(axis=2)
    total = np.where(seen[..., None], points, 0.0).sum(axis=1)
    n = seen.sum(axis=1)[:, None]
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def side_view(world: np.ndarray, lay: Layout) -> np.ndarray:
    """(T, K, 2) millimetres: x along the walking direction, y down, from (T, K, 3) metres."""
    axis, sign = vertical_axis(world, lay)
    hips = _nanmean(world[:, [lay.index("left_hip"), lay.index("right_hip")]])
    hips = hips[np.isfinite(hips).all(axis=1)]
    others = [a for a in range(3) if a != axis]
    span = [float(np.ptp(hips[:, a])) if len(hips) else 0.0 for a in others]
    along = others[int(np.argmax(span))]
    return np.stack([world[..., along] * MM, -sign * world[..., axis] * MM], axis=-1)


def read_trc_frames(path: str | os.PathLike) -> list[tuple[int, float, Poses]]:
    """(frame, time, Poses) per frame of a TRC file, ready for `analyze` (see the module docstring)."""
    from posekit.export.trc import read_trc

    path = Path(path)
    trc = read_trc(path)
    lay = _layout_of(trc.marker_names, path)
    world = np.full((len(trc.positions), len(lay), 3), np.nan)
    for i, n in enumerate(trc.marker_names):
        if n in lay.keypoint_names:
            world[:, lay.index(n)] = trc.positions[:, i]
    try:
        kp = side_view(world, lay)
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    seen = np.isfinite(kp).all(axis=2)
    lo = np.nanmin(kp.reshape(-1, 2), axis=0)
    kp = kp - lo + 50  # a margin, so that no keypoint sits on the "image" border
    w, h = (np.nanmax(kp.reshape(-1, 2), axis=0) + 50).astype(int)
    out = []
    for f in range(len(kp)):
        k = kp[f]
        box = np.array([[*np.nanmin(k, 0), *np.nanmax(k, 0)]]) if seen[f].any() else np.zeros((1, 4))
        poses = Poses(
            np.nan_to_num(k)[None].astype(np.float32),
            seen[f][None].astype(np.float32),
            box.astype(np.float32),
            np.ones(1, np.float32),
            lay,
            (int(h), int(w)),
            world=world[f][None].astype(np.float32),
            track_ids=np.array([1]),
        )
        out.append((int(trc.frame_numbers[f]), float(trc.times[f]), poses))
    return out
