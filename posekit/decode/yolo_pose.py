"""YOLO-pose decoding (Ultralytics YOLOv8/11-pose exported with `yolo export format=onnx`).

What it implements, exactly: the export's single output is (1, 4 + 1 + 3K, A) — for COCO-17 at
640×640, (1, 56, 8400) — one column per anchor: box centre x, y, width, height in input pixels,
the person confidence (already a sigmoid), then K × (x, y, visibility) with x, y in input pixels
and the visibility already a sigmoid. Anchors above `min_score` are kept, boxes overlapping a
better one by IoU > `iou` are suppressed (greedy NMS, Ultralytics' defaults 0.25 and 0.7), at most
`max_det` remain. A (1, A, 56) layout (transposed exports) is accepted too. The letterbox inverse
is the pipeline's (`posekit.pipeline.transforms.letterbox`), so this module works in input pixels.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class YoloPoses(NamedTuple):
    """People in input pixels: (N, 4) xyxy boxes, (N,) scores, (N, K, 2) keypoints, (N, K) scores."""

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray
    keypoint_scores: np.ndarray


def channels(num_keypoints: int) -> int:
    return 5 + 3 * num_keypoints


def as_columns(output: np.ndarray, num_keypoints: int = 17) -> np.ndarray:
    """The output as (C, A) with C = 5 + 3K, whatever the export's axis order."""
    out = np.asarray(output, np.float32)
    c = channels(num_keypoints)
    if out.ndim == 3 and out.shape[0] == 1:
        out = out[0]
    if out.ndim != 2 or c not in out.shape:
        raise ValueError(f"yolo-pose output: expected (1, {c}, anchors), got shape {np.shape(output)}")
    return out if out.shape[0] == c else out.T


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Greedy non-maximum suppression: indices kept, best first."""
    order = np.argsort(-scores, kind="stable")
    area = np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 0, None), 1)
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        lt = np.maximum(boxes[i, :2], boxes[rest, :2])
        rb = np.minimum(boxes[i, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(rb - lt, 0, None), 1)
        union = area[i] + area[rest] - inter
        overlap = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[overlap <= iou]
    return np.array(keep, np.intp)


def decode_yolo_pose(
    output: np.ndarray,
    num_keypoints: int = 17,
    *,
    min_score: float = 0.25,
    iou: float = 0.7,
    max_det: int = 300,
) -> YoloPoses:
    cols = as_columns(output, num_keypoints)
    conf = cols[4]
    cand = np.flatnonzero(conf > min_score)
    cx, cy, w, h = cols[:4, cand]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    keep = cand[nms(boxes, conf[cand], iou)][:max_det]
    boxes = boxes[np.searchsorted(cand, keep)] if keep.size else np.zeros((0, 4), np.float32)
    kpt = cols[5:, keep].T.reshape(len(keep), num_keypoints, 3)
    return YoloPoses(
        boxes.astype(np.float32),
        conf[keep].astype(np.float32),
        kpt[..., :2].astype(np.float32),
        np.clip(kpt[..., 2], 0.0, 1.0).astype(np.float32),
    )


def render_yolo_pose(
    boxes: np.ndarray,
    keypoints: np.ndarray,
    visible: np.ndarray,
    num_anchors: int = 8400,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """A (1, 5 + 3K, A) output as the export gives it: each person at a few anchors (the best one
    with confidence 0.9, two jittered duplicates below it that NMS must remove), every other anchor
    background (confidence < 0.05, random boxes). Boxes xyxy, keypoints (N, K, 2), in input pixels."""
    rng = rng or np.random.default_rng(0)
    n, k = keypoints.shape[:2]
    out = np.zeros((channels(k), num_anchors), np.float32)
    out[0:2] = rng.uniform(0, 640, (2, num_anchors))
    out[2:4] = rng.uniform(4, 200, (2, num_anchors))
    out[4] = rng.uniform(0, 0.05, num_anchors)
    slots = rng.choice(num_anchors, size=3 * n, replace=False).reshape(n, 3)
    for i in range(n):
        b = np.asarray(boxes[i], np.float64)
        for j, (conf, jitter) in enumerate(((0.9, 0.0), (0.6, 0.04), (0.5, 0.06))):
            a = slots[i, j]
            wh = b[2:] - b[:2]
            shift = jitter * wh * rng.uniform(-1, 1, 2)
            out[0:2, a] = (b[:2] + b[2:]) / 2 + shift
            out[2:4, a] = wh
            out[4, a] = conf
            kp = keypoints[i] + shift
            out[5::3, a] = kp[:, 0]
            out[6::3, a] = kp[:, 1]
            out[7::3, a] = np.where(visible[i], 0.95, 0.02)
    return out[None]
