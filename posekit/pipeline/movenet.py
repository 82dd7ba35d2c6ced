"""MoveNet: SinglePose Lightning/Thunder on crops, and MultiPose (one-stage, up to 6 people).

MoveNet outputs (y, x, score) normalised to its square input; we map them through the exact inverse
of the crop or resize that made that input, so keypoints land in original-image pixels. Input sizes,
dtype and output names come from the models' zoo records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import cv2
import numpy as np

from posekit.layouts import Layout, get_layout
from posekit.pipeline.base import CropPose
from posekit.pipeline.models import ZooModel
from posekit.pipeline.transforms import crop_transform, invert_points, warp
from posekit.results import Poses
from posekit.zoo import get_record

# COCO-17 indices used by the crop-refinement step.
_SHOULDERS_HIPS = [5, 6, 11, 12]


class MoveNetCropModel:
    """A SinglePose model applied to a square crop given by its centre and side in image pixels."""

    def __init__(self, name: str = "movenet-thunder", device: str = "cpu", threads: int | None = None):
        self.model = ZooModel(name, device, threads, roles=["keypoints"])
        self.name = name
        self.layout = get_layout(self.model.record.keypoint_layout or "coco17")

    @property
    def size(self) -> tuple[int, int]:
        """The model's input size (width, height)."""
        return self.model.size

    def __call__(self, image: np.ndarray, center: Sequence[float], side: float) -> CropPose:
        """(K, 2) keypoints in image pixels and (K,) scores for the square crop around `center`."""
        m = crop_transform(center, side, 0.0, self.size)
        crop = warp(image, m, self.size)
        yxs = self.model(crop)["keypoints"].reshape(len(self.layout), 3)
        pts = yxs[:, [1, 0]] * np.array(self.size, np.float32)
        return CropPose(invert_points(pts, m).astype(np.float32), yxs[:, 2].astype(np.float32))


class MoveNetSingle:
    """Single person on the whole image, with the crop-refinement step MoveNet's authors recommend:
    a first pass on the whole (square-padded) image, then a second pass on a crop around the body
    found by the first."""

    def __init__(
        self,
        name: str = "movenet-thunder",
        refine: bool = True,
        min_score: float = 0.2,
        device: str = "cpu",
        threads: int | None = None,
    ):
        self.crop_model = MoveNetCropModel(name, device, threads)
        self.refine = refine
        self.min_score = min_score

    def __call__(self, image: np.ndarray) -> Poses:
        h, w = image.shape[:2]
        kps, scores = self.crop_model(image, (w / 2, h / 2), max(h, w))
        if self.refine:
            region = refine_region(kps, scores, (w, h), self.min_score)
            if region is not None:
                kps, scores = self.crop_model(image, region.center, region.side)
        return _single(kps, scores, (h, w), self.crop_model.layout)


class Square(NamedTuple):
    """A square crop window in image pixels."""

    center: tuple[float, float]
    side: float


def refine_region(
    kps: np.ndarray, scores: np.ndarray, image_size: tuple[int, int], min_score: float
) -> Square | None:
    """A square around a body from a first-pass skeleton in an image of `image_size` (width, height);
    None when the torso is unseen.

    Centred on the hips (or shoulders), large enough for the torso ×1.9 and every confident joint ×1.2,
    so the person fills the model's input the way it was trained."""
    if (scores[_SHOULDERS_HIPS] < min_score).all():
        return None
    hips_ok = scores[[11, 12]] >= min_score
    anchor = (
        kps[[11, 12]][hips_ok].mean(0) if hips_ok.any() else kps[[5, 6]][scores[[5, 6]] >= min_score].mean(0)
    )
    torso = [i for i in _SHOULDERS_HIPS if scores[i] >= min_score]
    torso_range = np.abs(kps[torso] - anchor).max() if torso else 0.0
    body = scores >= min_score
    body_range = np.abs(kps[body] - anchor).max()
    half = max(torso_range * 1.9, body_range * 1.2)
    if not 0 < half <= max(image_size) / 2:  # the body fills the image already: the first pass stands
        return None
    return Square((float(anchor[0]), float(anchor[1])), float(2 * half))


def _single(kps: np.ndarray, scores: np.ndarray, hw: tuple[int, int], layout: Layout) -> Poses:
    visible = scores >= 0.2
    pts = kps[visible] if visible.any() else kps
    box = np.concatenate([pts.min(0), pts.max(0)])
    return Poses(kps[None], scores[None], box[None], np.array([scores.mean()], np.float32), layout, hw)


class MoveNetMultiPose:
    """MoveNet MultiPose: resized so the long side is `long_side`, padded bottom/right to the multiple
    of 32 (the record's `input_multiple`) that the model needs."""

    def __init__(
        self,
        long_side: int = 512,
        min_score: float = 0.05,
        device: str = "cpu",
        threads: int | None = None,
        name: str = "movenet-multipose",
    ):
        self.multiple = get_record(name).input_multiple
        if long_side % self.multiple:
            raise ValueError(f"long_side must be a multiple of {self.multiple}, got {long_side}")
        self.model = ZooModel(name, device, threads, roles=["people"])
        self.layout = get_layout(self.model.record.keypoint_layout or "coco17")
        self.long_side, self.min_score = long_side, min_score

    def __call__(self, image: np.ndarray) -> Poses:
        h, w = image.shape[:2]
        scale = self.long_side / max(h, w)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        resized = cv2.resize(image, (nw, nh), interpolation=interp)
        k = self.multiple
        ph, pw = -(-nh // k) * k, -(-nw // k) * k
        padded = np.zeros((ph, pw, 3), image.dtype)
        padded[:nh, :nw] = resized
        out = self.model(padded)["people"][0]  # (6, 3K + 5): K × (y, x, score), box (y1, x1, y2, x2), score
        n = 3 * len(self.layout)
        out = out[out[:, n + 4] >= self.min_score]
        # normalised to the padded input; cv2.resize maps pixel corners by a pure scale
        sx, sy = pw / (nw / w), ph / (nh / h)
        yxs = out[:, :n].reshape(-1, len(self.layout), 3)
        kps = np.stack([yxs[..., 1] * sx, yxs[..., 0] * sy], -1)
        boxes = np.stack([out[:, n + 1] * sx, out[:, n] * sy, out[:, n + 3] * sx, out[:, n + 2] * sy], -1)
        return Poses(kps, yxs[..., 2], boxes, out[:, n + 4], self.layout, (h, w))
