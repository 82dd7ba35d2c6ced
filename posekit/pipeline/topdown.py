"""Top-down pipeline: person boxes from one or more detectors → MoveNet SinglePose on each crop.

The pose model, not the detector, limits accuracy, so what matters here is how crops are made and
how the resulting skeletons are scored and de-duplicated:
- crop: a square centred on the box, side = longest box side × `box_scale` (MoveNet was trained on
  square crops with margin); with several scales, each keypoint is the median over the crops, which
  discards the one crop that went astray (measured: +0.007 AP on the dev set, within noise, 3× slower);
- instance score = box score × mean keypoint score, which ranks true people above background boxes;
- duplicates (from overlapping boxes or several detectors) are removed by OKS-NMS.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from posekit.eval.oks import oks_nms
from posekit.pipeline.movenet import MoveNetCropModel
from posekit.results import Poses

Detector = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


class TopDown:
    def __init__(
        self,
        detectors: Sequence[Detector],
        pose: MoveNetCropModel,
        box_scale: float | Sequence[float] = 1.25,
        min_box_score: float = 0.05,
        max_people: int = 40,
        nms_oks: float = 0.7,
    ):
        self.detectors = list(detectors)
        self.pose = pose
        self.scales = (box_scale,) if isinstance(box_scale, (int, float)) else tuple(box_scale)
        self.min_box_score = min_box_score
        self.max_people, self.nms_oks = max_people, nms_oks

    def boxes(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        found = [d(image) for d in self.detectors]
        boxes = np.concatenate([b for b, _ in found]) if found else np.zeros((0, 4), np.float32)
        scores = np.concatenate([s for _, s in found]) if found else np.zeros(0, np.float32)
        keep = scores >= self.min_box_score
        boxes, scores = boxes[keep], scores[keep]
        order = np.argsort(-scores)[: self.max_people * max(1, len(self.detectors))]
        return boxes[order], scores[order]

    def __call__(self, image: np.ndarray) -> Poses:
        h, w = image.shape[:2]
        boxes, box_scores = self.boxes(image)
        kps, scores = [], []
        for box in boxes:
            center = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            longest = max(box[2] - box[0], box[3] - box[1], 1.0)
            runs = [self.pose(image, center, longest * scale) for scale in self.scales]
            kps.append(np.median([k for k, _ in runs], axis=0))
            scores.append(np.mean([s for _, s in runs], axis=0))
        if not kps:
            return Poses.empty("coco17", (h, w))
        kps_a, scores_a = np.stack(kps), np.stack(scores)
        person = box_scores * scores_a.mean(1)
        poses = Poses(kps_a, scores_a, boxes, person, "coco17", (h, w))
        keep = oks_nms(poses, self.nms_oks)
        return poses[np.asarray(keep)][: self.max_people]
