"""Person detectors for top-down pipelines: CenterNet and NanoDet (COCO object detectors).

Both return `Detections`: person boxes as (N, 4) xyxy in original-image pixels and (N,) scores,
sorted by score. Input size, normalisation and output names come from the model's zoo record.
"""

from __future__ import annotations

import numpy as np

from posekit.ops.boxes import nms_boxes
from posekit.pipeline.base import Detections
from posekit.pipeline.models import ZooModel
from posekit.pipeline.transforms import invert_points, letterbox

PERSON = 0  # COCO class index of "person" in both detectors


class CenterNetDetector:
    """CenterNet: letterboxed to its input size; decodes its built-in top-100 output.

    long_side: None: the record's square input (512×512). A number (multiple of 32): the image is
    letterboxed to that long side and its own aspect (short side rounded up to a multiple of 32) and
    run through the any-size CenterNet (`posekit.pipeline.derived`): no pixels spent on padding.
    """

    def __init__(
        self,
        min_score: float = 0.1,
        iou: float = 0.6,
        device: str = "cpu",
        threads: int | None = None,
        name: str = "centernet",
        long_side: int | None = None,
    ):
        path = None
        if long_side is not None:
            from posekit.pipeline.derived import derived_path

            if long_side <= 0 or long_side % 32:
                raise ValueError(f"CenterNet long_side must be a positive multiple of 32, got {long_side}")
            path = derived_path(f"{name}-any-size")
        self.model = ZooModel(name, device, threads, roles=["detections"], onnx_path=path)
        self.min_score, self.iou = min_score, iou
        self.long_side = long_side

    @property
    def name(self) -> str:
        return self.model.name

    def input_size(self, shape: tuple[int, ...]) -> tuple[int, int]:
        """The (width, height) the image of `shape` is letterboxed to."""
        if self.long_side is None:
            return self.model.size
        h, w = shape[:2]
        short = max(32, min(self.long_side, -(-min(h, w) * self.long_side // (max(h, w) * 32)) * 32))
        return (self.long_side, short) if w >= h else (short, self.long_side)

    def __call__(self, image: np.ndarray) -> Detections:
        padded, to_input = letterbox(image, self.input_size(image.shape))
        out = self.model(padded)["detections"][0]
        # rows: x1, y1, x2, y2 (input pixels), score, class
        keep = (out[:, 5].round() == PERSON) & (out[:, 4] >= self.min_score)
        boxes, scores = out[keep, :4].astype(np.float32), out[keep, 4].astype(np.float32)
        boxes = _to_image(boxes, to_input, image.shape)
        kept = nms_boxes(boxes, scores, self.iou)
        return Detections(boxes[kept], scores[kept])


class NanoDetDetector:
    """NanoDet-m: letterboxed to its input size, GFL distribution box decoding (reg_max 10)."""

    strides = (8, 16, 32)
    reg_max = 10

    def __init__(
        self,
        min_score: float = 0.1,
        iou: float = 0.6,
        device: str = "cpu",
        threads: int | None = None,
        name: str = "nanodet",
    ):
        self.model = ZooModel(
            name, device, threads, roles=[f"{kind}_{s}" for s in self.strides for kind in ("scores", "boxes")]
        )
        self.min_score, self.iou = min_score, iou

    @property
    def name(self) -> str:
        return self.model.name

    def __call__(self, image: np.ndarray) -> Detections:
        size = self.model.size
        padded, to_input = letterbox(image, size)
        outs = self.model(padded)
        all_boxes, all_scores = [], []
        bins = np.arange(self.reg_max + 1, dtype=np.float32)
        for stride in self.strides:
            cls, reg = outs[f"scores_{stride}"][0], outs[f"boxes_{stride}"][0]
            scores = cls[:, PERSON]
            idx = np.nonzero(scores >= self.min_score)[0]
            if idx.size == 0:
                continue
            side = size[0] // stride  # cells in a row
            cx = (idx % side + 0.5) * stride  # GFL anchor points sit at cell centres
            cy = (idx // side + 0.5) * stride
            logits = reg[idx].reshape(-1, 4, self.reg_max + 1)
            prob = np.exp(logits - logits.max(-1, keepdims=True))
            prob /= prob.sum(-1, keepdims=True)
            dist = (prob * bins).sum(-1) * stride  # left, top, right, bottom
            all_boxes.append(
                np.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], 1)
            )
            all_scores.append(scores[idx])
        if not all_boxes:
            return Detections.empty()
        boxes = _to_image(np.concatenate(all_boxes).astype(np.float32), to_input, image.shape)
        scores = np.concatenate(all_scores).astype(np.float32)
        kept = nms_boxes(boxes, scores, self.iou)
        return Detections(boxes[kept], scores[kept])


def _to_image(boxes: np.ndarray, to_input: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Map xyxy boxes from letterboxed input pixels back to the image, clipped to it."""
    out = invert_points(boxes.reshape(-1, 2), to_input).reshape(-1, 4)
    h, w = shape[:2]
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, w)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, h)
    return out.astype(np.float32)
