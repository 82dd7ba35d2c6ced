"""NWB (Neurodata Without Borders) pose files with ndx-pose (`pip install posekit[mocap]`).

One `PoseEstimation` per person (track) in the processing module "behavior", each keypoint a
`PoseEstimationSeries` with timestamps (seconds from the video start) and confidences, the skeleton
(nodes = keypoint names, edges = the layout's bones) in a `Skeletons` container. With 3D (`dims=3`)
the series hold metres in the Motion's frame (see `posekit.export.motion`); with 2D, pixels (x right,
y down, origin at the image's top-left corner).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from posekit.errors import InputError, PosekitError
from posekit.export.motion import Motion
from posekit.io.atomic import atomic_write
from posekit.io.messages import one_line


def _modules():
    try:
        import pynwb
        from ndx_pose import PoseEstimation, PoseEstimationSeries, Skeleton, Skeletons
    except ImportError:
        raise InputError("NWB export needs pynwb and ndx-pose: pip install posekit[mocap]") from None
    return pynwb, PoseEstimation, PoseEstimationSeries, Skeleton, Skeletons


def write_nwb(
    path: str | os.PathLike,
    motions: list[Motion],
    *,
    dims: int = 3,
    source: str = "posekit",
    video: str | None = None,
) -> None:
    """Write the motions (one per person) to an NWB file, atomically."""
    pynwb, PoseEstimation, PoseEstimationSeries, _, Skeletons = _modules()
    if not motions:
        raise InputError(f"{path}: no people to write")
    if dims not in (2, 3):
        raise InputError(f"{path}: dims must be 2 or 3, got {dims}")
    nwb = pynwb.NWBFile(
        session_description=f"poses estimated by posekit from {source}",
        identifier=f"posekit-{Path(str(path)).stem}",
        session_start_time=datetime.datetime.now(datetime.timezone.utc),
    )
    behavior = nwb.create_processing_module(name="behavior", description="pose estimation (posekit)")
    skeletons, estimations = [], []
    for m in motions:
        data = m.need_3d(f"{path}: NWB with dims=3") if dims == 3 else m.keypoints
        name = f"person{m.track_id}" if m.track_id >= 0 else "person"
        sk = skeleton_for(m, name)
        skeletons.append(sk)
        series = [
            PoseEstimationSeries(
                name=kname,
                description=f"{kname} of {name}",
                data=np.asarray(data[:, k], np.float64),
                unit="metres" if dims == 3 else "pixels",
                reference_frame=("posekit " + m.frame + " frame, see posekit docs/3d.md")
                if dims == 3
                else "image pixels, origin at the top-left corner, x right, y down",
                timestamps=np.asarray(m.times, np.float64),
                confidence=np.asarray(m.scores[:, k], np.float64),
                confidence_definition="model keypoint score in [0, 1]",
            )
            for k, kname in enumerate(m.names)
        ]
        estimations.append(
            PoseEstimation(
                name=f"PoseEstimation_{name}",
                pose_estimation_series=series,
                description=f"{m.layout.name} keypoints",
                original_videos=[video] if video else None,
                scorer="posekit",
                source_software="posekit",
                skeleton=sk,
            )
        )
    behavior.add(Skeletons(skeletons=skeletons))
    for e in estimations:
        behavior.add(e)
    write_nwbfile(path, nwb)


def skeleton_for(m: Motion, name: str):
    """The ndx-pose Skeleton of a person: nodes = keypoint names, edges = the layout's bones."""
    from ndx_pose import Skeleton

    return Skeleton(
        name=f"skeleton_{name}",
        nodes=list(m.names),
        edges=np.array(m.layout.skeleton, dtype="uint8").reshape(-1, 2),
    )


def write_nwbfile(path: str | os.PathLike, nwb) -> None:
    """Write an NWBFile atomically. HDF5 writes into memory and the bytes are published by one atomic
    write: HDF5 that hits a full disk itself is left in a state that prints errors and can crash the
    process at exit, whereas a failed Python write is an ordinary one-line OutputError. Pose files are
    small (100,000 frames × 33 joints × 3 floats is 80 MB)."""
    import h5py
    import pynwb

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f, pynwb.NWBHDF5IO(file=f, mode="w") as nwb_io:
        nwb_io.write(nwb)
    with atomic_write(path, "wb") as out:
        out.write(buffer.getbuffer())


@contextlib.contextmanager
def reading_nwb(path: str | os.PathLike) -> Iterator[None]:
    """A damaged or foreign file makes h5py/HDF5/pynwb raise nearly anything (OSError, RuntimeError,
    ValueError, KeyError, ...): report it as an InputError naming the file."""
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file")
    try:
        yield
    except PosekitError:
        raise
    except Exception as e:  # the third-party parser's whole range of errors (see the docstring)
        raise InputError(f"{path}: not a readable NWB file ({type(e).__name__}: {one_line(e)})") from None


def read_nwb(path: str | os.PathLike) -> dict[str, dict[str, np.ndarray]]:
    """{estimation name: {keypoint: data (T, D), "<keypoint>/confidence": (T,), "timestamps": (T,)}}."""
    pynwb = _modules()[0]
    out: dict[str, dict[str, np.ndarray]] = {}
    with reading_nwb(path), pynwb.NWBHDF5IO(str(path), "r") as nwb_io:
        nwb = nwb_io.read()
        for name, obj in nwb.processing["behavior"].data_interfaces.items():
            if not name.startswith("PoseEstimation_"):
                continue
            d: dict[str, np.ndarray] = {}
            for k, s in obj.pose_estimation_series.items():
                d[k], d[f"{k}/confidence"] = np.asarray(s.data[:]), np.asarray(s.confidence[:])
                d["timestamps"] = np.asarray(s.timestamps[:])
            out[name] = d
    return out


def validate_nwb(path: str | os.PathLike) -> list[str]:
    """pynwb's validator's messages for the file (empty: valid)."""
    pynwb = _modules()[0]
    try:
        errors = pynwb.validate(paths=[str(path)])
    except TypeError:
        with pynwb.NWBHDF5IO(str(path), "r", load_namespaces=True) as nwb_io:
            errors = pynwb.validate(io=nwb_io)
    if isinstance(errors, tuple):
        errors = errors[0]
    return [str(e) for e in errors]
