"""Write a `MultiViewResult`: TRC (OpenSim), Parquet/CSV (long table), and a JSON reprojection summary.

TRC: one file per person. The most-seen person (track 0) goes to the path asked for; others to
`<stem>_person<id>.trc`. Axes are rotated to OpenSim's Y up by default (world (x, y, z) Z-up →
TRC (y, z, x)); units metres. Marker names are the layout's joint names (`right_hip`, ...).
Parquet/CSV: one row per frame × person × joint: frame, time, person, joint, x, y, z (world metres,
calibration frame, filtered), raw_x/y/z, error_px, n_cameras.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.export.trc import write_trc
from posekit.io.atomic import atomic_write, write_json_atomic
from posekit.threed.pipeline import MultiViewResult

FORMATS = (".trc", ".parquet", ".csv", ".c3d")


def result_table(result: MultiViewResult) -> dict[str, np.ndarray]:
    F, T, K, _ = result.positions.shape
    f, t, k = np.meshgrid(np.arange(F), np.arange(T), np.arange(K), indexing="ij")
    cols: dict[str, np.ndarray] = {
        "frame": f.reshape(-1).astype(np.int64),
        "time": (f.reshape(-1) / result.fps).astype(np.float64),
        "person": result.track_ids[t.reshape(-1)].astype(np.int64),
        "joint": np.asarray(result.joint_names, dtype=object)[k.reshape(-1)],
    }
    for i, a in enumerate("xyz"):
        cols[a] = result.positions[..., i].reshape(-1)
    for i, a in enumerate("xyz"):
        cols[f"raw_{a}"] = result.raw_positions[..., i].reshape(-1)
    cols["error_px"] = result.errors.reshape(-1)
    cols["n_cameras"] = result.n_cameras.reshape(-1).astype(np.int64)
    return cols


def write_result(path: str | os.PathLike, result: MultiViewResult, *, y_up: bool = True) -> list[Path]:
    """Write `result` to `path` (format from the suffix); returns the files written."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"{p}: unknown 3D output format; use one of {', '.join(FORMATS)}")
    T = result.positions.shape[1]
    if T == 0:
        raise InputError(f"{p}: no person was seen by two cameras: nothing to write")
    written: list[Path] = []
    if suffix in (".trc", ".c3d"):  # one file per person: both formats hold one subject's markers
        for t in range(T):
            out = p if t == 0 else p.with_name(f"{p.stem}_person{int(result.track_ids[t])}{p.suffix}")
            if suffix == ".trc":
                write_trc(out, result.positions[:, t], result.joint_names, result.fps, y_up=y_up)
            else:
                from posekit.export.c3d import write_c3d

                write_c3d(out, result.positions[:, t], result.joint_names, result.fps)
            written.append(out)
    else:
        cols = result_table(result)
        if suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.table({k: (v.tolist() if v.dtype == object else v) for k, v in cols.items()})
            with atomic_write(p, "wb") as f:
                pq.write_table(table, f)
        else:
            import csv

            with atomic_write(p, "w", encoding="utf-8") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(list(cols))
                for row in zip(*cols.values()):
                    w.writerow(
                        [
                            ""
                            if isinstance(v, float) and not np.isfinite(v)
                            else (f"{v:.6f}" if isinstance(v, float) else v)
                            for v in row
                        ]
                    )
        written.append(p)
    return written


def write_summary(path: str | os.PathLike, result: MultiViewResult) -> None:
    """The reprojection summary (per camera, per joint, overall) as JSON."""
    write_json_atomic(path, result.summary())
