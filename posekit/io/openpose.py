"""Folders of OpenPose JSON files (one file per frame), as OpenPose, Pose2Sim and many lab pipelines write.

Each file holds ``{"people": [{"pose_keypoints_2d": [x0, y0, c0, x1, ...]}, ...]}``. OpenPose writes
pixel coordinates with pixel centres at integers (OpenCV's convention) and (0, 0, 0) for a point it did
not find. We convert to posekit's convention (x + 0.5, y + 0.5; missing = NaN, score 0).

Layouts: BODY_25 and BODY_25B both have 25 points; we tell them apart by geometry (BODY_25's point 8
is the mid-hip, between its hips 9 and 12; BODY_25B's point 8 is the right elbow), or take `layout=`.
The files carry no frame rate: callers pass it (e.g. `posekit triangulate --fps`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import write_json_atomic
from posekit.layouts import Layout, get_layout

_NUM = re.compile(r"(\d+)")


@dataclass
class OpenPoseFrames:
    """2D people of a folder of OpenPose JSON files.

    Attributes:
        keypoints: (F, P, K, 2) float64 posekit pixels, NaN where missing; P = most people in a frame.
        scores: (F, P, K) float64 confidences, 0 where missing (or where the frame has fewer people).
        layout: the keypoint layout.
        files: the F file names, in frame order.
    """

    keypoints: np.ndarray
    scores: np.ndarray
    layout: Layout
    files: list[str]

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])


def _frame_key(name: str) -> tuple[int, str]:
    nums = _NUM.findall(Path(name).stem.replace("_keypoints", ""))
    return (int(nums[-1]) if nums else -1, name)


def guess_layout(num_keypoints: int, keypoints: np.ndarray | None = None) -> Layout:
    """The OpenPose layout for K points; for K = 25, BODY_25 vs BODY_25B from the geometry of `keypoints`
    ((..., 25, 2) posekit pixels)."""
    if num_keypoints == 18:
        return get_layout("coco18")
    if num_keypoints != 25:
        raise InputError(
            f"OpenPose JSON: {num_keypoints} keypoints per person; expected 25 (BODY_25/25B) or 18"
        )
    if keypoints is None:
        return get_layout("body25b")
    k = keypoints.reshape(-1, 25, 2)
    hip_w = np.linalg.norm(k[:, 9] - k[:, 12], axis=-1)
    off = np.linalg.norm(k[:, 8] - 0.5 * (k[:, 9] + k[:, 12]), axis=-1) / np.maximum(hip_w, 1e-6)
    off = off[np.isfinite(off)]
    if off.size == 0:
        return get_layout("body25b")
    return get_layout("body25" if np.median(off) < 0.25 else "body25b")


def read_openpose_folder(folder: str | os.PathLike, layout: str | Layout | None = None) -> OpenPoseFrames:
    """Read every *.json of `folder` in frame order (the last number in each file name)."""
    d = Path(folder)
    if not d.is_dir():
        raise InputError(f"{d}: not a folder of OpenPose JSON files")
    files = sorted((f.name for f in d.iterdir() if f.suffix.lower() == ".json"), key=_frame_key)
    if not files:
        raise InputError(f"{d}: no .json files")
    people: list[list[np.ndarray]] = []
    k_seen: int | None = None
    for name in files:
        try:
            obj = json.loads((d / name).read_text(encoding="utf-8"))
            frame = [np.asarray(p["pose_keypoints_2d"], dtype=np.float64) for p in obj.get("people", [])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            raise InputError(f"{d / name}: not an OpenPose JSON file ({exc.__class__.__name__})") from None
        frame = [a for a in frame if a.size]
        for a in frame:
            if a.size % 3 or (k_seen is not None and a.size != 3 * k_seen):
                raise InputError(
                    f"{d / name}: pose_keypoints_2d has {a.size} values; expected 3 per keypoint"
                    + (f" ({3 * k_seen})" if k_seen else "")
                )
            k_seen = a.size // 3
        people.append(frame)
    if k_seen is None:
        raise InputError(f"{d}: no person in any of its {len(files)} JSON files")
    n_people = max(1, max(len(f) for f in people))
    kp = np.full((len(files), n_people, k_seen, 2), np.nan)
    sc = np.zeros((len(files), n_people, k_seen))
    for i, frame in enumerate(people):
        for j, a in enumerate(frame):
            xyc = a.reshape(k_seen, 3)
            ok = (xyc[:, 2] > 0) & np.isfinite(xyc).all(axis=1)
            kp[i, j, ok] = xyc[ok, :2] + 0.5
            sc[i, j, ok] = xyc[ok, 2]
    lay = get_layout(layout) if layout is not None else guess_layout(k_seen, kp)
    if len(lay) != k_seen:
        raise InputError(f"{d}: files have {k_seen} keypoints per person, layout {lay.name!r} has {len(lay)}")
    return OpenPoseFrames(kp, sc, lay, files)


def write_openpose_folder(
    folder: str | os.PathLike, keypoints: np.ndarray, scores: np.ndarray, prefix: str = "frame"
) -> None:
    """Write (F, P, K, 2) posekit pixels and (F, P, K) scores as OpenPose JSON files `<prefix>_<F:012d>_keypoints.json`.
    People whose points are all missing are left out; missing points are written as (0, 0, 0)."""
    kp, sc = np.asarray(keypoints, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    if kp.ndim != 4 or kp.shape[-1] != 2 or sc.shape != kp.shape[:3]:
        raise InputError(
            f"{folder}: need keypoints (F, P, K, 2) and scores (F, P, K), got {kp.shape}, {sc.shape}"
        )
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    for f in range(kp.shape[0]):
        people = []
        for p in range(kp.shape[1]):
            ok = np.isfinite(kp[f, p]).all(axis=-1) & (sc[f, p] > 0)
            if not ok.any():
                continue
            xyc = np.zeros((kp.shape[2], 3))
            xyc[ok, :2] = kp[f, p, ok] - 0.5
            xyc[ok, 2] = sc[f, p, ok]
            people.append(
                {"person_id": [-1], "pose_keypoints_2d": [round(float(v), 3) for v in xyc.reshape(-1)]}
            )
        write_json_atomic(
            d / f"{prefix}_{f:012d}_keypoints.json", {"version": 1.3, "people": people}, indent=None
        )
