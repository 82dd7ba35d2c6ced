"""Multi-view 3D ground truth for tests and benchmarks: Campus, Shelf (14 joints) and CMU Panoptic
(COCO-19 joints), as shipped in the shared test data (`<data>/3d`, see its README; research-only
licences, never copied into the repository). No images: we project the 3D joints into the cameras.

Each loader returns a `GroundTruth`: a `Calibration` in metres and per frame a list of people, each a
(K, 3) array (NaN where the dataset has no joint).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.layouts import Layout
from posekit.layouts.base import flip_pairs_from_names, groups_from_names
from posekit.threed.camera import Calibration, Camera

#: Campus/Shelf joint order (the actorsGT.mat files).
CAMPUS14_NAMES = (
    "right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle",
    "right_wrist", "right_elbow", "right_shoulder", "left_shoulder", "left_elbow", "left_wrist",
    "neck", "head_top",
)  # fmt: skip
CAMPUS14 = Layout(
    "campus14",
    CAMPUS14_NAMES,
    (
        (0, 1),
        (1, 2),
        (3, 4),
        (4, 5),
        (6, 7),
        (7, 8),
        (9, 10),
        (10, 11),
        (12, 13),
        (2, 3),
        (8, 9),
        (8, 12),
        (9, 12),
    ),
    flip_pairs_from_names(CAMPUS14_NAMES),
    groups_from_names(CAMPUS14_NAMES),
)

#: CMU Panoptic COCO-19 joint order.
PANOPTIC19_NAMES = (
    "neck", "nose", "mid_hip", "left_shoulder", "left_elbow", "left_wrist", "left_hip", "left_knee",
    "left_ankle", "right_shoulder", "right_elbow", "right_wrist", "right_hip", "right_knee", "right_ankle",
    "left_eye", "left_ear", "right_eye", "right_ear",
)  # fmt: skip
PANOPTIC19 = Layout(
    "panoptic19",
    PANOPTIC19_NAMES,
    (
        (0, 1),
        (0, 2),
        (0, 3),
        (3, 4),
        (4, 5),
        (2, 6),
        (6, 7),
        (7, 8),
        (0, 9),
        (9, 10),
        (10, 11),
        (2, 12),
        (12, 13),
        (13, 14),
        (1, 15),
        (15, 16),
        (1, 17),
        (17, 18),
    ),
    flip_pairs_from_names(PANOPTIC19_NAMES),
    groups_from_names(PANOPTIC19_NAMES),
)

#: The five HD cameras VoxelPose and others use on Panoptic.
PANOPTIC_CAMERAS = ("00_03", "00_06", "00_12", "00_13", "00_23")

#: PCP limbs of Campus/Shelf (the usual 10 body parts: lower/upper legs and arms, head, torso).
PCP_LIMBS = {
    "upper_arms": [(8, 7), (9, 10)],
    "lower_arms": [(7, 6), (10, 11)],
    "upper_legs": [(2, 1), (3, 4)],
    "lower_legs": [(1, 0), (4, 5)],
    "head": [(12, 13)],
    "torso": [(-1, 12)],  # -1: the mid-hip
}


@dataclass
class GroundTruth:
    name: str
    calib: Calibration
    layout: Layout
    frames: list[list[np.ndarray]]  # per frame, per person: (K, 3) metres
    image_size: tuple[int, int]


def _campus_like(root: Path, name: str, size: tuple[int, int]) -> GroundTruth:
    from scipy.io import loadmat

    mat, cal = root / name / "actorsGT.mat", root / name / f"calibration_{name}.json"
    if not mat.exists() or not cal.exists():
        raise InputError(f"{root / name}: no actorsGT.mat / calibration_{name}.json")
    cams = []
    for key, c in sorted(json.loads(cal.read_text()).items(), key=lambda kv: int(kv[0])):
        R = np.asarray(c["R"], dtype=np.float64)
        centre = np.asarray(c["T"], dtype=np.float64).reshape(3) / 1000.0  # camera position, mm → m
        K = np.array([[c["fx"], 0, c["cx"]], [0, c["fy"], c["cy"]], [0, 0, 1]], dtype=np.float64)
        k, p = np.asarray(c["k"]).reshape(-1), np.asarray(c["p"]).reshape(-1)
        import cv2

        cams.append(
            Camera(
                f"cam_{key}",
                size,
                K,
                np.array([k[0], k[1], p[0], p[1], k[2]]),
                cv2.Rodrigues(R)[0].reshape(3),
                -R @ centre,
            )
        )
    actors = loadmat(str(mat))["actor3D"][0]
    n_frames = actors[0].shape[0]
    frames: list[list[np.ndarray]] = []
    for f in range(n_frames):
        people = []
        for a in actors:
            j = np.asarray(a[f][0], dtype=np.float64)
            if j.shape == (14, 3):
                people.append(j)
        frames.append(people)
    return GroundTruth(name, Calibration(cams), CAMPUS14, frames, size)


def load_campus(data_root: str | Path) -> GroundTruth:
    return _campus_like(Path(data_root) / "3d", "campus", (360, 288))


def load_shelf(data_root: str | Path) -> GroundTruth:
    return _campus_like(Path(data_root) / "3d", "shelf", (1032, 776))


def load_panoptic(
    data_root: str | Path, scene: str = "160906_band1", cameras: tuple[str, ...] = PANOPTIC_CAMERAS
) -> GroundTruth:
    import cv2

    d = Path(data_root) / "3d" / "panoptic_body3d" / scene
    cal = d / f"calibration_{scene}.json"
    if not cal.exists():
        raise InputError(f"{d}: no calibration file")
    by_name = {c["name"]: c for c in json.loads(cal.read_text())["cameras"]}
    cams = []
    for n in cameras:
        c = by_name[n]
        R = np.asarray(c["R"], dtype=np.float64)
        t = np.asarray(c["t"], dtype=np.float64).reshape(3) / 100.0  # cm → m
        cams.append(
            Camera(
                n,
                tuple(c["resolution"]),
                np.asarray(c["K"], dtype=np.float64),
                np.asarray(c["distCoef"], dtype=np.float64),
                cv2.Rodrigues(R)[0].reshape(3),
                t,
            )
        )
    frames = []
    for f in sorted((d / "hdPose3d_stage1_coco19").glob("*.json")):
        people = []
        for b in json.loads(f.read_text())["bodies"]:
            j = np.asarray(b["joints19"], dtype=np.float64).reshape(19, 4)
            xyz = j[:, :3] / 100.0
            xyz[j[:, 3] < 0.1] = np.nan
            people.append(xyz)
        frames.append(people)
    return GroundTruth(f"panoptic/{scene}", Calibration(cams), PANOPTIC19, frames, (1920, 1080))


def pcp(pred: np.ndarray, gt: np.ndarray) -> dict[str, float]:
    """Campus/Shelf PCP of one person: a limb is correct when the mean distance of its two predicted
    end points to the true ones is at most half the true limb length. Returns the share per body part."""

    def point(x: np.ndarray, i: int) -> np.ndarray:
        return 0.5 * (x[2] + x[3]) if i < 0 else x[i]

    out = {}
    for part, limbs in PCP_LIMBS.items():
        ok = []
        for a, b in limbs:
            ga, gb, pa, pb = point(gt, a), point(gt, b), point(pred, a), point(pred, b)
            length = np.linalg.norm(ga - gb)
            err = 0.5 * (np.linalg.norm(pa - ga) + np.linalg.norm(pb - gb))
            ok.append(bool(np.isfinite(err) and err <= 0.5 * length))
        out[part] = float(np.mean(ok))
    return out
