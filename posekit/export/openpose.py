"""OpenPose JSON (one file per frame) and COCO keypoint results from posekit results.

OpenPose files are named `<stem>_<frame:012d>_keypoints.json` (OpenPose's own naming) and hold
{"version": 1.3, "people": [{"person_id": [track id], "pose_keypoints_2d": [x, y, c] * 25, ...}]}.
Keypoints are written in OpenPose's BODY_25 order (or COCO-18 with `body="coco18"`), built by name:

    BODY_25: 0 nose, 1 neck (mid shoulders), 2–4 right shoulder/elbow/wrist, 5–7 left, 8 mid hip,
    9–11 right hip/knee/ankle, 12–14 left, 15/16 right/left eye, 17/18 right/left ear,
    19 left big toe (BlazePose left_foot_index), 20 left small toe (none), 21 left heel,
    22 right big toe, 23 right small toe (none), 24 right heel.
    COCO-18: nose, neck, right arm (3), left arm (3), right leg (3), left leg (3), eyes, ears (right first).

A keypoint the source layout lacks (feet of COCO-17, small toes) or did not see is 0, 0, 0, as
OpenPose writes it. Like COCO, OpenPose gives pixel indices (pixel centres at integers), so 0.5 is
subtracted from posekit's corner-origin coordinates. A midpoint's confidence is the lower of its two.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import output_error, sweep_stale, temp_prefix, write_json_atomic
from posekit.io.messages import one_line
from posekit.results import Poses

BODY_25: tuple[tuple[str, ...], ...] = (
    ("nose",),
    ("left_shoulder", "right_shoulder"),
    ("right_shoulder",),
    ("right_elbow",),
    ("right_wrist",),
    ("left_shoulder",),
    ("left_elbow",),
    ("left_wrist",),
    ("left_hip", "right_hip"),
    ("right_hip",),
    ("right_knee",),
    ("right_ankle",),
    ("left_hip",),
    ("left_knee",),
    ("left_ankle",),
    ("right_eye",),
    ("left_eye",),
    ("right_ear",),
    ("left_ear",),
    ("left_foot_index",),
    (),
    ("left_heel",),
    ("right_foot_index",),
    (),
    ("right_heel",),
)
COCO_18: tuple[tuple[str, ...], ...] = BODY_25[:8] + BODY_25[9:19]


def openpose_keypoints(poses: Poses, body: str = "body25") -> np.ndarray:
    """(N, 25 or 18, 3) x, y (pixel indices), confidence of each person."""
    table = {"body25": BODY_25, "coco18": COCO_18}.get(body)
    if table is None:
        raise InputError(f"OpenPose body {body!r}: use 'body25' or 'coco18'")
    names = list(poses.layout.keypoint_names)
    out = np.zeros((len(poses), len(table), 3), np.float64)
    for k, src in enumerate(table):
        if not src or any(s not in names for s in src):
            continue
        idx = [names.index(s) for s in src]
        xy = poses.keypoints[:, idx].astype(np.float64).mean(1) - 0.5
        c = poses.scores[:, idx].min(1).astype(np.float64)
        ok = np.isfinite(xy).all(1)
        out[ok, k, :2], out[ok, k, 2] = xy[ok], c[ok]
    return out


def write_openpose(
    folder: str | os.PathLike, frames: list, *, stem: str = "frame", body: str = "body25"
) -> list[Path]:
    """One OpenPose JSON per frame of [(frame_index, time, Poses), ...] into `folder` (created; all
    files appear at once: they are written in a temporary folder that is then moved in place)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(f"{folder}: OpenPose output must be a new or empty folder")
    if not frames:
        raise InputError(f"{folder}: no frames to write")
    folder.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(folder.parent)  # what a killed export left
    try:
        tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(folder), dir=folder.parent))
    except OSError as exc:  # a read-only or full disk: one line, no traceback
        raise output_error(exc, folder, "OpenPose JSON") or exc from None
    try:
        names = []
        for index, _, poses in frames:
            kp = openpose_keypoints(poses, body)
            ids = poses.track_ids if poses.track_ids is not None else np.full(len(poses), -1)
            people = [
                {
                    "person_id": [int(ids[i])],
                    "pose_keypoints_2d": [round(v, 3) for v in kp[i].ravel().tolist()],
                    "face_keypoints_2d": [],
                    "hand_left_keypoints_2d": [],
                    "hand_right_keypoints_2d": [],
                    "pose_keypoints_3d": [],
                    "face_keypoints_3d": [],
                    "hand_left_keypoints_3d": [],
                    "hand_right_keypoints_3d": [],
                }
                for i in range(len(poses))
            ]
            name = f"{stem}_{int(index):012d}_keypoints.json"
            (tmp / name).write_text(json.dumps({"version": 1.3, "people": people}), encoding="utf-8")
            names.append(folder / name)
        if folder.exists():
            folder.rmdir()
        os.replace(tmp, folder)
        os.chmod(folder, 0o755)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and (err := output_error(exc, folder, "OpenPose JSON")) is not None:
            raise err from None
        raise
    return names


def read_openpose(folder: str | os.PathLike) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """[(frame index, (N, J, 3) keypoints, (N,) person ids)] from an OpenPose JSON folder, in frame order."""
    out = []
    for f in sorted(Path(folder).glob("*_keypoints.json")):
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
            kp = np.array([p["pose_keypoints_2d"] for p in d["people"]], np.float64)
            ids = np.array([p.get("person_id", [-1])[0] for p in d["people"]], np.int64)
            index = int(f.name.rsplit("_", 2)[-2])
            out.append((index, kp.reshape(len(kp), -1, 3), ids))
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError) as e:
            # ValueError covers bad JSON, bad UTF-8, ragged or non-numeric keypoints and a bad frame number
            raise InputError(f"{f}: not an OpenPose JSON file ({type(e).__name__}: {one_line(e)})") from None
    return out


def write_coco_results(path: str | os.PathLike, frames: list) -> int:
    """COCO keypoint results (`Poses.to_coco`, image_id = frame index) as one JSON array; returns the count."""
    entries = []
    for index, _, poses in frames:
        for e, tid in zip(
            poses.to_coco(int(index)), poses.track_ids if poses.track_ids is not None else [None] * len(poses)
        ):
            if tid is not None:
                e["track_id"] = int(tid)
            entries.append(e)
    if not entries:
        raise InputError(f"{path}: no people to write")
    write_json_atomic(path, entries, indent=None)
    return len(entries)
