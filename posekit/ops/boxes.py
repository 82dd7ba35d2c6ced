"""Person boxes: IoU, greedy and weighted non-maximum suppression, and box arithmetic.

Boxes are x1, y1, x2, y2 in pixels (see `posekit.results`) with any leading shape (..., 4).
The (cx, cy, w, h) form is the Kalman measurement of `posekit.track` ("z").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _as_boxes(box: np.ndarray) -> np.ndarray:
    b = np.asarray(box, dtype=np.float64)
    if b.shape[-1] != 4:
        raise ValueError(f"expected boxes (..., 4) as x1, y1, x2, y2, got shape {b.shape}")
    return b


def box_center_size(box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centers (..., 2) and sizes (..., 2) (width, height) of xyxy boxes, float64."""
    b = _as_boxes(box)
    return (b[..., :2] + b[..., 2:]) / 2, b[..., 2:] - b[..., :2]


def box_from_center_size(center: np.ndarray, size: np.ndarray) -> np.ndarray:
    """xyxy boxes (..., 4) from centers (..., 2) and sizes (..., 2) (width, height)."""
    c, wh = np.asarray(center, dtype=np.float64), np.asarray(size, dtype=np.float64)
    return np.concatenate([c - wh / 2, c + wh / 2], axis=-1)


def box_to_z(box: np.ndarray) -> np.ndarray:
    """(..., 4) x1, y1, x2, y2 → (..., 4) cx, cy, w, h (the Kalman measurement)."""
    return np.concatenate(box_center_size(box), axis=-1)


def z_to_box(z: np.ndarray) -> np.ndarray:
    """(..., 4) cx, cy, w, h → (..., 4) x1, y1, x2, y2."""
    z = np.asarray(z, dtype=np.float64)
    return box_from_center_size(z[..., :2], z[..., 2:4])


def expand_box(box: np.ndarray, factor: float | Sequence[float]) -> np.ndarray:
    """Scale xyxy boxes (..., 4) about their centers by `factor` (or (fx, fy))."""
    c, wh = box_center_size(box)
    return box_from_center_size(c, wh * np.asarray(factor, dtype=np.float64))


def box_to_square(box: np.ndarray) -> np.ndarray:
    """Square xyxy boxes with the same center and side max(width, height)."""
    c, wh = box_center_size(box)
    side = wh.max(axis=-1, keepdims=True)
    return box_from_center_size(c, np.broadcast_to(side, wh.shape))


def fix_aspect_ratio(box: np.ndarray, aspect: float) -> np.ndarray:
    """Grow xyxy boxes (never shrink) about their centers to width / height == `aspect`
    (e.g. 192 / 256 for a 192x256 top-down model)."""
    c, wh = box_center_size(box)
    w, h = wh[..., 0], wh[..., 1]
    new_w = np.maximum(w, h * aspect)
    new_h = np.maximum(h, w / aspect)
    return box_from_center_size(c, np.stack([new_w, new_h], axis=-1))


def box_area(box: np.ndarray) -> np.ndarray:
    """Areas (...,) of xyxy boxes; inverted boxes have area 0."""
    b = np.asarray(box, dtype=np.float64)
    return np.prod(np.clip(b[..., 2:] - b[..., :2], 0, None), axis=-1)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, 4) × (M, 4) xyxy boxes → (N, M) IoU (0 where both boxes are empty)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    union = box_area(a)[:, None] + box_area(b)[None] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def nms_boxes(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Greedy IoU non-maximum suppression: visiting boxes by decreasing score, each kept box
    removes the rest overlapping it by IoU > `iou`. Returns the kept indices (int64), best first."""
    order = np.argsort(-np.asarray(scores))
    overlaps = box_iou(boxes, boxes)
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        order = order[1:][overlaps[i, order[1:]] <= iou]
    return np.asarray(keep, dtype=np.int64)


def weighted_nms(
    boxes: np.ndarray, points: np.ndarray, scores: np.ndarray, iou: float
) -> list[tuple[float, np.ndarray]]:
    """MediaPipe's weighted NMS: visiting detections by decreasing score, each unvisited one
    groups the unvisited detections overlapping its box by IoU > `iou`, and stands for them with
    the score-weighted mean of their `points` (N, P, 2).

    Returns (score, (P, 2) merged points) per group, best first (the group's top score)."""
    order = np.argsort(-np.asarray(scores))
    boxes, points, scores = np.asarray(boxes)[order], np.asarray(points)[order], np.asarray(scores)[order]
    overlaps = box_iou(boxes, boxes)
    remaining = np.ones(len(scores), bool)
    out = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        group = remaining & (overlaps[i] > iou)
        group[i] = True  # a degenerate (zero-area) box still stands for itself
        w = scores[group][:, None, None]
        out.append((scores[i], (points[group] * w).sum(0) / w.sum()))
        remaining &= ~group
    return out
