"""Pipelines for user models (`posekit models add`): the four kinds of other projects' pose models.

- heatmap and simcc are single-person models on crops: `UserCropModel` plugs into the existing
  detector → crop pipeline (`posekit.pipeline.topdown.TopDown`), which finds people, de-duplicates
  them and follows them on video. The crop is the detector's square grown to the model's aspect
  ratio (192×256 → 3:4, as mmpose grows its boxes), so the whole square is seen;
- yolo-pose and openpose see the whole image: `UserBottomUp` letterboxes (YOLO: centred, grey 114,
  as Ultralytics does) or resizes (OpenPose: height 368, sides multiples of 16, unless the graph
  fixes the size) and maps the decoded people back through the exact inverse.
Decoding is in `posekit.decode`; the records (input size, normalisation, output names) in the cache.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posekit.decode import heatmap, openpose, simcc, yolo_pose
from posekit.decode.geometry import crop_window, openpose_input_size
from posekit.errors import ModelError
from posekit.layouts import get_layout
from posekit.pipeline.base import CropPose
from posekit.pipeline.models import ZooModel, to_input
from posekit.pipeline.transforms import crop_transform, invert_points, letterbox, warp
from posekit.results import Poses
from posekit.zoo.user import UserModelRecord

COCO17 = get_layout("coco17")


def user_record(model: ZooModel) -> UserModelRecord:
    if not isinstance(model.record, UserModelRecord):
        raise ModelError(f"{model.name!r} is not a user model (see `posekit models add`)")
    return model.record


class UserCropModel:
    """A heatmap (HRNet/ViTPose) or SimCC (RTMPose) model on one crop, as `TopDown` calls it:
    `model(image, center, side) -> CropPose` in image pixels. `flip`: also run the mirrored crop
    and average (heatmaps) or mirror back and average the keypoints (SimCC)."""

    def __init__(self, name: str, device: str = "cpu", threads: int | None = None, flip: bool = False):
        self.model = ZooModel(name, device, threads)
        self.record = user_record(self.model)
        if self.record.kind not in ("heatmap", "simcc"):
            raise ModelError(f"{name!r} is a {self.record.kind} model, not a top-down one")
        self.name = name
        self.flip = flip
        self.layout = COCO17
        self.flip_index = COCO17.flip_index

    @property
    def size(self) -> tuple[int, int]:
        return self.model.size

    def _run(self, crop: np.ndarray) -> dict[str, np.ndarray]:
        return self.model(crop)

    def crops(self, image: np.ndarray, squares: Sequence[tuple[Sequence[float], float]]) -> list[CropPose]:
        """`self(image, center, side)` for each (center, side), in order (as `TopDown` calls it; one
        session, so one after another)."""
        return [self(image, c, s) for c, s in squares]

    def close(self) -> None:
        """Nothing to end (no thread pool): `TopDown.close` calls it."""

    def __call__(self, image: np.ndarray, center: Sequence[float], side: float) -> CropPose:
        size = self.size
        m = crop_transform(center, crop_window((float(center[0]), float(center[1])), side, size), 0.0, size)
        crop = warp(image, m, size)
        outs = self._run(crop)
        flipped = self._run(np.ascontiguousarray(crop[:, ::-1])) if self.flip else None
        if self.record.kind == "heatmap":
            hm = outs["heatmaps"][0]
            if flipped is not None:
                hm = heatmap.flip_average(hm, flipped["heatmaps"][0], self.flip_index, udp=self.record.udp)
            kps, scores = heatmap.decode_heatmaps(hm, size, udp=self.record.udp)
        else:
            kps, scores = simcc.decode_simcc(outs["simcc_x"][0], outs["simcc_y"][0], self.record.split_ratio)
            if flipped is not None:
                fk, fs = simcc.decode_simcc(
                    flipped["simcc_x"][0], flipped["simcc_y"][0], self.record.split_ratio
                )
                fk = fk[self.flip_index]
                fk[:, 0] = size[0] - fk[:, 0]
                kps, scores = (kps + fk) / 2, (scores + fs[self.flip_index]) / 2
        return CropPose(invert_points(kps, m).astype(np.float32), scores.astype(np.float32))


class UserBottomUp:
    """A YOLO-pose or OpenPose model on the whole image → `Poses` (COCO-17)."""

    def __init__(
        self,
        name: str,
        device: str = "cpu",
        threads: int | None = None,
        *,
        min_score: float = 0.25,
        iou: float = 0.7,
        peak_threshold: float = 0.1,
        min_parts: int = 3,
    ):
        self.model = ZooModel(name, device, threads)
        self.record = user_record(self.model)
        if self.record.kind not in ("yolo-pose", "openpose"):
            raise ModelError(f"{name!r} is a {self.record.kind} model; it runs on crops, not the whole image")
        self.min_score, self.iou = min_score, iou
        self.peak_threshold, self.min_parts = peak_threshold, min_parts

    def __call__(self, image: np.ndarray) -> Poses:
        h, w = image.shape[:2]
        if self.record.kind == "yolo-pose":
            boxed = letterbox(image, self.model.size, pad_value=114)
            out = self.model(boxed.image)["output"]
            found = yolo_pose.decode_yolo_pose(out, min_score=self.min_score, iou=self.iou)
            kps = invert_points(found.keypoints, boxed.transform)
            boxes = invert_points(found.boxes.reshape(-1, 2, 2), boxed.transform).reshape(-1, 4)
            return Poses(kps, found.keypoint_scores, boxes, found.scores, COCO17, (h, w))
        size = self.record.input_size or openpose_input_size((w, h))
        boxed = letterbox(image, size, pad_value=0, center=False)
        raw = self.model.onnx({self.model.onnx.input_name: to_input(boxed.image, self.record.normalisation)})
        maps = raw[self.record.output("maps")]
        people = openpose.decode_openpose(
            maps,
            self.record.net_layout,
            stride=round(size[1] / maps.shape[2]),
            peak_threshold=self.peak_threshold,
            min_parts=self.min_parts,
        )
        kps = invert_points(people.keypoints, boxed.transform)
        return Poses(kps, people.scores, _boxes(kps), people.person_scores, COCO17, (h, w))


def _boxes(kps: np.ndarray) -> np.ndarray:
    """xyxy boxes around each person's found keypoints."""
    if len(kps) == 0:
        return np.zeros((0, 4), np.float32)
    lo, hi = np.nanmin(kps, axis=1), np.nanmax(kps, axis=1)
    return np.nan_to_num(np.concatenate([lo, hi], 1)).astype(np.float32)
