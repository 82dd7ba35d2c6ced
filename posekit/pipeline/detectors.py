"""Person detectors for top-down pipelines: CenterNet and NanoDet (COCO object detectors).

Both return person boxes as (N, 4) xyxy in original-image pixels and (N,) scores, sorted by score.
"""

from __future__ import annotations

import numpy as np

from posekit.ops.boxes import nms_boxes
from posekit.pipeline.models import load_model
from posekit.pipeline.transforms import invert_points, letterbox

PERSON = 0  # COCO class index of "person" in both detectors


class CenterNetDetector:
    """CenterNet: RGB 0–255 floats, letterboxed to 512×512; decodes its built-in top-100 output."""

    name = "centernet"

    def __init__(self, min_score: float = 0.1, iou: float = 0.6, device: str = "cpu", threads: int | None = None):
        self.model = load_model(self.name, device, threads)
        self.size = 512
        self.min_score, self.iou = min_score, iou
        self.output = next(n for n in self.model.output_names if "detections" in n)

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        padded, to_input = letterbox(image, (self.size, self.size))
        out = self.model({self.model.input_name: padded[None].astype(np.float32)})[self.output][0]
        # rows: x1, y1, x2, y2 (input pixels), score, class
        keep = (out[:, 5].round() == PERSON) & (out[:, 4] >= self.min_score)
        boxes, scores = out[keep, :4].astype(np.float32), out[keep, 4].astype(np.float32)
        boxes = _to_image(boxes, to_input, image.shape)
        kept = nms_boxes(boxes, scores, self.iou)
        return boxes[kept], scores[kept]


class NanoDetDetector:
    """NanoDet-m: BGR normalised NCHW 416×416, GFL distribution box decoding (reg_max 10)."""

    name = "nanodet"
    strides = (8, 16, 32)
    reg_max = 10

    def __init__(self, min_score: float = 0.1, iou: float = 0.6, device: str = "cpu", threads: int | None = None):
        self.model = load_model(self.name, device, threads)
        self.size = 416
        self.min_score, self.iou = min_score, iou
        self.mean = np.array([103.53, 116.28, 123.675], np.float32)
        self.std = np.array([57.375, 57.12, 58.395], np.float32)

    def _outputs_by_stride(self, outs: dict[str, np.ndarray]) -> list[tuple[int, np.ndarray, np.ndarray]]:
        cls = {v.shape[1]: v[0] for v in outs.values() if v.shape[-1] == 80}
        reg = {v.shape[1]: v[0] for v in outs.values() if v.shape[-1] == 4 * (self.reg_max + 1)}
        levels = []
        for s in self.strides:
            n = (self.size // s) ** 2
            levels.append((s, cls[n], reg[n]))
        return levels

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        padded, to_input = letterbox(image, (self.size, self.size))
        x = (padded[..., ::-1].astype(np.float32) - self.mean) / self.std
        outs = self.model({self.model.input_name: np.ascontiguousarray(x.transpose(2, 0, 1)[None])})
        all_boxes, all_scores = [], []
        bins = np.arange(self.reg_max + 1, dtype=np.float32)
        for stride, cls, reg in self._outputs_by_stride(outs):
            scores = cls[:, PERSON]
            idx = np.nonzero(scores >= self.min_score)[0]
            if idx.size == 0:
                continue
            side = self.size // stride
            cx = (idx % side + 0.5) * stride  # GFL anchor points sit at cell centres
            cy = (idx // side + 0.5) * stride
            logits = reg[idx].reshape(-1, 4, self.reg_max + 1)
            prob = np.exp(logits - logits.max(-1, keepdims=True))
            prob /= prob.sum(-1, keepdims=True)
            dist = (prob * bins).sum(-1) * stride  # left, top, right, bottom
            all_boxes.append(np.stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]], 1))
            all_scores.append(scores[idx])
        if not all_boxes:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        boxes = _to_image(np.concatenate(all_boxes).astype(np.float32), to_input, image.shape)
        scores = np.concatenate(all_scores).astype(np.float32)
        kept = nms_boxes(boxes, scores, self.iou)
        return boxes[kept], scores[kept]


def _to_image(boxes: np.ndarray, to_input: np.ndarray, shape: tuple) -> np.ndarray:
    """Map xyxy boxes from letterboxed input pixels back to the image, clipped to it."""
    out = invert_points(boxes.reshape(-1, 2), to_input).reshape(-1, 4)
    h, w = shape[:2]
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, w)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, h)
    return out.astype(np.float32)
