"""C3D marker files (biomechanics' binary standard) through ezc3d (`pip install posekit[mocap]`).

Points are written in millimetres (POINT:UNITS "mm"), float32, with the point rate from the video;
a missing point (NaN) has residual −1, as C3D marks invalid samples. Axes are those of the Motion
(see `posekit.export.motion`); C3D readers take the file's axes as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import atomic_path


def _ezc3d():
    try:
        import ezc3d
    except ImportError:
        raise InputError("C3D export needs ezc3d: pip install posekit[mocap]") from None
    return ezc3d


def write_c3d(
    path: str | os.PathLike, positions: np.ndarray, names: list[str] | tuple[str, ...], fps: float
) -> None:
    """(T, K, 3) positions in metres → C3D (mm), atomically."""
    ezc3d = _ezc3d()
    p = np.asarray(positions, dtype=np.float64)
    if p.ndim != 3 or p.shape[2] != 3 or p.shape[1] != len(names):
        raise InputError(f"{path}: C3D needs (frames, {len(names)}, 3) positions, got {p.shape}")
    if len(p) == 0:
        raise InputError(f"{path}: no frames to write")
    if not (np.isfinite(fps) and fps > 0):
        raise InputError(f"{path}: C3D frame rate must be positive, got {fps}")
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [float(fps)]
    c["parameters"]["POINT"]["LABELS"]["value"] = [str(n) for n in names]
    c.add_parameter("POINT", "UNITS", ["mm"])
    pts = np.ones((4, p.shape[1], p.shape[0]))
    pts[:3] = np.transpose(p * 1000.0, (2, 1, 0))
    missing = ~np.isfinite(pts[:3]).all(0)
    pts[:3][:, missing] = 0.0
    c["data"]["points"] = pts
    res = np.zeros((1, p.shape[1], p.shape[0]))
    res[0][missing] = -1.0
    c["data"]["meta_points"] = {"residuals": res, "camera_masks": np.zeros((7, p.shape[1], p.shape[0]), bool)}
    with atomic_path(path, suffix=".c3d", what="C3D") as tmp:  # ezc3d writes to a path itself
        c.write(str(tmp))


def read_c3d(path: str | os.PathLike) -> tuple[np.ndarray, list[str], float]:
    """(T, K, 3) positions in metres (NaN where the residual is negative), labels, point rate."""
    ezc3d = _ezc3d()
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file")
    c = ezc3d.c3d(str(path))
    pts = c["data"]["points"][:3].transpose(2, 1, 0).astype(np.float64)
    units = c["parameters"]["POINT"].get("UNITS", {"value": ["mm"]})["value"][0].strip()
    pts = pts / {"mm": 1000.0, "cm": 100.0, "m": 1.0}.get(units, 1000.0)
    res = c["data"]["meta_points"]["residuals"][0].T
    pts[res < 0] = np.nan
    return (
        pts,
        list(c["parameters"]["POINT"]["LABELS"]["value"]),
        float(c["parameters"]["POINT"]["RATE"]["value"][0]),
    )
