"""`export_results(results, to, out)`: a posekit results file (or frames) to a motion-capture format.

Results: a track file of `posekit track`, frames [(frame, time, Poses), ...], or a triangulation
result of `posekit triangulate` (.trc, or its Parquet/CSV table: 3D formats and NWB only).
Formats (`FORMATS`): bvh, trc, mot, c3d (3D, one person: `track_id`, default the person seen in most
frames); nwb (every person; 3D when the results have it, else 2D; a triangulation result with its
`calibration` uses ndx-pose's MultiCameraPoseEstimation and stores the cameras); openpose (a folder, one JSON per
frame), coco (one JSON array), csv, parquet, jsonl (posekit's own tables; every person).
3D comes from BlazePose's world landmarks, refined by `posekit.threed.mono` unless `refined=False`.
Files are written atomically: on any error no output is left behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from posekit.errors import InputError
from posekit.export.motion import Motion, motions_from_frames, pick, read_frames, y_up
from posekit.io.atomic import atomic_path

if TYPE_CHECKING:
    from posekit.threed.camera import Calibration

FORMATS = ("bvh", "trc", "mot", "c3d", "nwb", "openpose", "coco", "csv", "parquet", "jsonl")
THREE_D = ("bvh", "trc", "mot", "c3d")


def _filled(m: Motion, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Positions with frames lacking the person interpolated (BVH and MOT need every frame), and the mask
    of frames that had them."""
    p = m.need_3d(what).astype(np.float64)
    ok = np.isfinite(p).all(axis=(1, 2))
    if ok.sum() < 1:
        raise InputError(f"{what}: no frame has the whole person in 3D")
    t = np.arange(len(p))
    flat = p.reshape(len(p), -1)
    filled = np.stack([np.interp(t, t[ok], flat[ok, i]) for i in range(flat.shape[1])], 1).reshape(p.shape)
    return filled, np.asarray(ok)


def _skeleton(m: Motion, what: str) -> np.ndarray:
    from posekit.threed.mono.skeleton import skeleton_from_blazepose

    if m.layout.name != "blazepose33":
        raise InputError(
            f"{what} needs BlazePose-33 keypoints (its skeleton has feet and toes); "
            f"these results are {m.layout.name}"
        )
    p, _ = _filled(m, what)
    return y_up(skeleton_from_blazepose(p), m.frame)


def export_results(
    results: str | os.PathLike | list,
    to: str,
    out: str | os.PathLike,
    *,
    track_id: int | None = None,
    refined: bool = True,
    height: float | None = None,
    body: str = "body25",
    calibration: str | os.PathLike | Calibration | None = None,
) -> Path:
    """Write `results` (a results file path, or [(frame, time, Poses), ...]) as format `to` at `out`."""
    fmt = str(to).lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {to!r}; use one of {', '.join(FORMATS)}")
    out = Path(out)
    if isinstance(results, (str, os.PathLike)) and _triangulated(Path(results)):
        return _export_triangulated(Path(results), fmt, out, track_id, calibration)
    if calibration is not None:
        raise InputError("a calibration goes with NWB export of a triangulation result only")
    frames = read_frames(results) if isinstance(results, (str, os.PathLike)) else list(results)
    source = str(results) if isinstance(results, (str, os.PathLike)) else "results"
    if not frames or not any(len(p) for _, _, p in frames):
        raise InputError(f"{source}: no people in the results, nothing to export")
    if fmt in ("openpose", "coco", "csv", "parquet", "jsonl"):
        return _export_2d(frames, fmt, out, body)
    motions = motions_from_frames(frames, refined=refined, height=height, source=source)
    if fmt == "nwb":
        from posekit.export.nwb import write_nwb

        dims = 3 if all(m.positions is not None for m in motions) else 2
        write_nwb(out, motions, dims=dims, source=Path(source).name)
        return out
    return _write_3d(pick(motions, track_id), fmt, out)


def _write_3d(m: Motion, fmt: str, out: Path) -> Path:
    what = f"{fmt.upper()} export"
    m.need_3d(what)
    if fmt == "bvh":
        from posekit.export.bvh import write_bvh

        write_bvh(out, _skeleton(m, what), m.fps)
    elif fmt == "mot":
        from posekit.export.mot import joint_angles, write_mot

        write_mot(out, m.times - m.times[0], joint_angles(_skeleton(m, what)))
    elif fmt == "trc":
        from posekit.export.trc import write_trc

        write_trc(out, y_up(m.need_3d(what), m.frame), list(m.names), m.fps)
    elif fmt == "c3d":
        from posekit.export.c3d import write_c3d

        write_c3d(out, y_up(m.need_3d(what), m.frame), list(m.names), m.fps)
    return out


def _triangulated(path: Path) -> bool:
    from posekit.export.multiview import is_triangulation_table

    return path.suffix.lower() == ".trc" or (path.is_file() and is_triangulation_table(path))


def _export_triangulated(
    path: Path, fmt: str, out: Path, track_id: int | None, calibration: str | os.PathLike | Calibration | None
) -> Path:
    """3D formats from a triangulation result (TRC or the long table of `posekit triangulate`)."""
    from posekit.export.multiview import motions_from_triangulation

    if fmt not in (*THREE_D, "nwb"):
        raise InputError(
            f"{path}: a triangulation result has no 2D keypoints for {fmt}; use one of "
            f"{', '.join((*THREE_D, 'nwb'))}"
        )
    if calibration is not None and fmt != "nwb":
        raise InputError(f"a calibration goes with NWB export only, not {fmt}")
    motions = motions_from_triangulation(path)
    if fmt == "nwb" and calibration is not None:  # ndx-pose's multi-camera types with the cameras
        from posekit.export.nwb_multiview import write_multiview_nwb
        from posekit.threed.calib_io import read_calibration
        from posekit.threed.camera import Calibration

        calib = calibration if isinstance(calibration, Calibration) else read_calibration(calibration)
        write_multiview_nwb(out, motions, calib, source=path.name)
        return out
    if fmt == "nwb":
        from posekit.export.nwb import write_nwb

        write_nwb(out, motions, dims=3, source=path.name)
        return out
    return _write_3d(pick(motions, track_id), fmt, out)


def _export_2d(frames: list, fmt: str, out: Path, body: str) -> Path:
    if fmt == "openpose":
        from posekit.export.openpose import write_openpose

        write_openpose(out, frames, stem=out.name, body=body)
    elif fmt == "coco":
        from posekit.export.openpose import write_coco_results

        write_coco_results(out, frames)
    else:
        from posekit.io.tracks import TrackWriter

        if out.suffix.lower() != "." + fmt:
            raise InputError(f"{out}: a {fmt} file needs the .{fmt} suffix")
        # CSV is written in place as frames come (so a live reader sees it grow): publish it whole
        with atomic_path(out, suffix=f".partial{out.suffix}", what="results") as tmp, TrackWriter(tmp) as w:
            for index, time, poses in frames:
                w.write(index, time, poses)
    return out
