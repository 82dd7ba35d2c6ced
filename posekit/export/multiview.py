"""Triangulated results (`posekit triangulate --out`) as Motions: a TRC file, or the long Parquet/CSV
table (frame, time, person, joint, x, y, z in the calibration's world frame, metres).

The keypoint layout is the registered layout with exactly these joint names, else an ad-hoc layout
(names only, no skeleton). TRC positions are taken as they are (posekit writes them Y up for OpenSim);
table positions are the calibration's world frame, usually Z up.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import numpy as np

from posekit.errors import InputError
from posekit.export.motion import Motion
from posekit.io.messages import one_line
from posekit.layouts import Layout, get_layout
from posekit.layouts.registry import list_layouts

TABLE_COLUMNS = ("frame", "time", "person", "joint", "x", "y", "z")


def is_triangulation_table(path: Path) -> bool:
    """True for a Parquet/CSV file with the triangulation table's columns (not a 2D track file)."""
    try:
        if path.suffix.lower() == ".csv":
            with open(path, encoding="utf-8", errors="replace") as f:
                head = f.readline().strip().split(",")
        elif path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            head = pq.read_schema(path).names
        else:
            return False
    except (OSError, ValueError) as e:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"{path}: not a readable results file ({type(e).__name__}: {one_line(e)})") from None
    return set(TABLE_COLUMNS) <= set(head)


def _layout_for(names: list[str]) -> Layout:
    for name in list_layouts():
        lay = get_layout(name)
        if list(lay.keypoint_names) == names:
            return lay
    groups: tuple[Literal["left", "right", "center"], ...] = tuple(
        "left"
        if n.lower().startswith(("left", "l_"))
        else "right"
        if n.lower().startswith(("right", "r_"))
        else "center"
        for n in names
    )
    return Layout("triangulated", tuple(names), (), (), groups)


def _motion(positions: np.ndarray, names: list[str], fps: float, frame: str, track_id: int) -> Motion:
    t_len, k = positions.shape[:2]
    seen = np.isfinite(positions).all(-1)
    return Motion(
        np.full((t_len, k, 2), np.nan, np.float32),
        seen.astype(np.float32),
        np.arange(t_len) / fps,
        np.arange(t_len),
        fps,
        _layout_for(names),
        (1, 1),
        positions.astype(np.float32),
        track_id,
        frame,
    )


def motions_from_triangulation(path: str | os.PathLike) -> list[Motion]:
    """One Motion per person of a triangulation result (TRC: one person)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() == ".trc":
        from posekit.export.trc import read_trc

        trc = read_trc(path)
        if len(trc.positions) == 0:
            raise InputError(f"{path}: no frames")
        return [_motion(trc.positions, list(trc.marker_names), trc.fps, "y-up", 0)]
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        cols = {k: np.asarray(v) for k, v in pq.read_table(path).to_pydict().items()}
    else:
        import csv

        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        cols = {k: np.array([r[k] for r in rows]) for k in TABLE_COLUMNS}
    try:
        frame = cols["frame"].astype(np.int64)
        time = cols["time"].astype(np.float64)
        person = cols["person"].astype(np.int64)
        joint = cols["joint"].astype(str)
        xyz = np.stack(
            [np.array([float(v) if v not in ("", "nan") else np.nan for v in cols[a]]) for a in "xyz"], 1
        )
    except (KeyError, ValueError) as e:
        raise InputError(f"{path}: not a triangulation table ({e})") from None
    if frame.size == 0:
        raise InputError(f"{path}: no rows")
    names = list(dict.fromkeys(joint.tolist()))
    n_frames = int(frame.max()) + 1
    d = np.diff(np.unique(time))
    fps = float(1.0 / np.median(d)) if d.size else 30.0
    out = []
    for pid in sorted(set(person.tolist())):
        pos = np.full((n_frames, len(names), 3), np.nan)
        sel = person == pid
        pos[frame[sel], [names.index(j) for j in joint[sel]]] = xyz[sel]
        out.append(_motion(pos, names, fps, "world", pid))
    return out
