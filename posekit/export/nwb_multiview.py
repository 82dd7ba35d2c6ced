"""Triangulated (multi-camera) results to NWB with ndx-pose's multi-camera types.

Layout of the file (ndx-pose >= 0.4): every calibrated camera is a `CalibratedCamera` device of the
NWB file (intrinsic matrix K in OpenCV's pixel convention, the world → camera rotation R and
translation t, distortion coefficients), stored once. Each person is one `MultiCameraPoseEstimation`
in the processing module "behavior": its `PoseEstimationSeries` hold the 3D keypoints in the
calibration's world frame (metres; camera point = R @ X + t), and it has one `PoseEstimation` per camera
view that links that camera (the 2D detections are not part of a triangulation result, so these views
carry no series). The skeleton goes to a `Skeletons` container, as for single-camera files.

A triangulation table (Parquet/CSV of `posekit triangulate`) is in the calibration's world frame. A TRC
is Y up (posekit and Pose2Sim write (y, z, x) of a Z-up world), so its points are turned back into the
calibration's frame before writing. The points must project in front of the cameras, which catches a
calibration that does not belong to the result.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from posekit.errors import InputError
from posekit.export.motion import Motion

if TYPE_CHECKING:
    from posekit.threed.camera import Calibration
    from posekit.threed.pipeline import MultiViewResult

CONFIDENCE_DEFINITION = "1 where the keypoint was triangulated, 0 where it is missing"


def _modules():
    try:
        import pynwb
        from ndx_pose import CalibratedCamera, MultiCameraPoseEstimation
    except ImportError:
        raise InputError(
            "NWB export with cameras needs pynwb and ndx-pose >= 0.4: pip install posekit[mocap]"
        ) from None
    return pynwb, CalibratedCamera, MultiCameraPoseEstimation


def world_positions(m: Motion) -> np.ndarray:
    """(T, K, 3) positions in the calibration's world frame: a TRC's Y-up (y, z, x) turned back."""
    p = m.need_3d("NWB export with cameras").astype(np.float64)
    return p[..., [2, 0, 1]] if m.frame == "y-up" else p


def check_in_front(positions: np.ndarray, calibration: Calibration, what: str) -> None:
    """InputError unless most points lie in front of every camera (depth > 0)."""
    pts = positions.reshape(-1, 3)
    pts = pts[np.isfinite(pts).all(1)]
    if not len(pts):
        raise InputError(f"{what}: no triangulated point to write")
    for cam in calibration.cameras:
        depth = (pts @ cam.R.T + cam.translation)[:, 2]
        if np.mean(depth > 0) < 0.5:
            raise InputError(
                f"{what}: the points lie behind camera {cam.name!r}; the calibration does not match the result"
            )


def write_multiview_nwb(
    path: str | os.PathLike,
    motions: list[Motion],
    calibration: Calibration,
    *,
    source: str = "posekit",
) -> None:
    """Write triangulated motions (one per person) and the cameras that saw them to an NWB file, atomically."""
    from posekit.export.nwb import skeleton_for, write_nwbfile

    pynwb, CalibratedCamera, MultiCameraPoseEstimation = _modules()
    from ndx_pose import PoseEstimation, PoseEstimationSeries, Skeletons

    if not motions:
        raise InputError(f"{path}: no people to write")
    if len(calibration) == 0:
        raise InputError(f"{path}: the calibration has no cameras")
    worlds = [world_positions(m) for m in motions]
    check_in_front(np.concatenate([w.reshape(-1, 3) for w in worlds]), calibration, str(path))
    nwb = pynwb.NWBFile(
        session_description=f"3D poses triangulated by posekit from {source}",
        identifier=f"posekit-{Path(str(path)).stem}",
        session_start_time=datetime.datetime.now(datetime.timezone.utc),
    )
    cameras = []
    for cam in calibration.cameras:
        device = CalibratedCamera(
            name=cam.name,
            description=f"{'fisheye' if cam.fisheye else 'pinhole'} camera, "
            f"{int(cam.size[0])}x{int(cam.size[1])} px; K in OpenCV's convention (pixel centres at integers)",
            intrinsic_matrix=cam.matrix,
            rotation_matrix=cam.R,
            translation_vector=cam.translation,
            distortion_coefficients=cam.distortions,
        )
        nwb.add_device(device)
        cameras.append(device)
    behavior = nwb.create_processing_module(name="behavior", description="pose estimation (posekit)")
    skeletons, estimations = [], []
    for m, world in zip(motions, worlds):
        name = f"person{m.track_id}" if m.track_id >= 0 else "person"
        sk = skeleton_for(m, name)
        skeletons.append(sk)
        ok = np.isfinite(world).all(-1)
        series = [
            PoseEstimationSeries(
                name=kname,
                description=f"{kname} of {name}, triangulated",
                data=world[:, k],
                unit="metres",
                reference_frame="the calibration's world frame; camera point = R @ X + t of each CalibratedCamera",
                timestamps=np.asarray(m.times, np.float64),
                confidence=ok[:, k].astype(np.float64),
                confidence_definition=CONFIDENCE_DEFINITION,
            )
            for k, kname in enumerate(m.names)
        ]
        views = [
            PoseEstimation(
                name=f"view_{dev.name}",
                description=f"camera view {dev.name} of {name} (calibration only: no 2D series)",
                device=dev,
                skeleton=sk,
            )
            for dev in cameras
        ]
        estimations.append(
            MultiCameraPoseEstimation(
                name=f"MultiCameraPoseEstimation_{name}",
                pose_estimation_series=series,
                pose_estimations=views,
                description=f"{m.layout.name} keypoints triangulated from {len(cameras)} cameras",
                scorer="posekit",
                source_software="posekit",
                skeleton=sk,
            )
        )
    behavior.add(Skeletons(skeletons=skeletons))
    for e in estimations:
        behavior.add(e)
    write_nwbfile(path, nwb)


def read_multiview_nwb(path: str | os.PathLike) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, dict]]:
    """({estimation: {keypoint: (T, 3), "<keypoint>/confidence": (T,), "timestamps": (T,)}},
    {camera: {"intrinsic_matrix", "rotation_matrix", "translation_vector", "distortion_coefficients",
    "views": [estimation names linking it]}})."""
    from posekit.export.nwb import reading_nwb

    pynwb = _modules()[0]
    people: dict[str, dict[str, np.ndarray]] = {}
    cams: dict[str, dict] = {}
    with reading_nwb(path), pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        for name, dev in nwb.devices.items():
            cams[name] = {
                k: np.asarray(getattr(dev, k))
                for k in (
                    "intrinsic_matrix",
                    "rotation_matrix",
                    "translation_vector",
                    "distortion_coefficients",
                )
            }
            cams[name]["views"] = []
        for name, obj in nwb.processing["behavior"].data_interfaces.items():
            if not name.startswith("MultiCameraPoseEstimation_"):
                continue
            d: dict[str, np.ndarray] = {}
            for k, s in obj.pose_estimation_series.items():
                d[k], d[f"{k}/confidence"] = np.asarray(s.data[:]), np.asarray(s.confidence[:])
                d["timestamps"] = np.asarray(s.timestamps[:])
            people[name] = d
            for view in obj.pose_estimations.values():
                cams[view.device.name]["views"].append(name)
    return people, cams


def write_result_nwb(
    path: str | os.PathLike, result: MultiViewResult, calibration: Calibration, *, source: str = "posekit"
) -> None:
    """`write_multiview_nwb` straight from a `posekit.threed` MultiViewResult (world frame positions)."""
    from posekit.export.multiview import _motion

    if result.positions.shape[1] == 0:
        raise InputError(f"{path}: no person was triangulated, nothing to write")
    motions = [
        _motion(
            result.positions[:, t], list(result.joint_names), result.fps, "world", int(result.track_ids[t])
        )
        for t in range(result.positions.shape[1])
    ]
    by_name = {c.name: i for i, c in enumerate(calibration.cameras)}
    missing = [n for n in result.camera_names if n not in by_name]
    if missing:
        raise InputError(f"{path}: cameras {', '.join(missing)} of the result are not in the calibration")
    write_multiview_nwb(
        path, motions, calibration.subset([by_name[n] for n in result.camera_names]), source=source
    )
