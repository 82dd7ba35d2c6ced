"""MoveNet: SinglePose Lightning/Thunder on crops, and MultiPose (one-stage, up to 6 people).

MoveNet outputs (y, x, score) normalised to its square input; we map them through the exact inverse
of the crop or resize that made that input, so keypoints land in original-image pixels. Input sizes,
dtype and output names come from the models' zoo records.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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


# More sessions than this cost memory (one copy of the weights and arena each) for little: a dev image
# has ~3 crops on average.
MAX_SESSIONS = 4


def session_split(threads: int | None, device: str = "cpu") -> tuple[int, int | None]:
    """(sessions, intra-op threads each) for a crop model with a budget of `threads` (None: all cores).

    On the CPU the budget goes to sessions of one thread each, run side by side on a frame's crops:
    Thunder's 256×256 convolutions do not keep two threads busy (two 1-thread sessions used 0.86× the
    CPU of one 2-thread session, docs/performance.md). Accelerators get one session with the budget."""
    if device.lower() != "cpu":
        return 1, threads
    budget = max(1, int(threads or os.cpu_count() or 1))
    n = min(budget, MAX_SESSIONS)
    return n, budget // n


class MoveNetCropModel:
    """A SinglePose model applied to a square crop given by its centre and side in image pixels.

    sessions: ONNX Runtime sessions of the model that `crops` runs side by side, on a small thread pool
    that this object owns. 1 (default: for models that run one crop at a time): one session with
    `threads`, crops one after another. None: the thread budget split by `session_split` (the top-down
    pipelines, `TopDownSettings.parallel_crops`). `close()` ends the pool; so does garbage collection."""

    def __init__(
        self,
        name: str = "movenet-thunder",
        device: str = "cpu",
        threads: int | None = None,
        sessions: int | None = 1,
    ):
        if sessions is None:
            n, per = session_split(threads, device)
        else:
            n, per = max(1, int(sessions)), (threads if sessions == 1 else max(1, (threads or 1) // sessions))
        # the model file is fetched/converted once into the cache; each session loads it from there
        self.models = [ZooModel(name, device, per, roles=["keypoints"]) for _ in range(n)]
        self.model = self.models[0]
        self.name = name
        self.layout = get_layout(self.model.record.keypoint_layout or "coco17")
        self._free: queue.SimpleQueue[ZooModel] = queue.SimpleQueue()
        for m in self.models:
            self._free.put(m)
        self._pool: ThreadPoolExecutor | None = None

    @property
    def size(self) -> tuple[int, int]:
        """The model's input size (width, height)."""
        return self.model.size

    def __call__(self, image: np.ndarray, center: Sequence[float], side: float) -> CropPose:
        """(K, 2) keypoints in image pixels and (K,) scores for the square crop around `center`."""
        return self._run(self.model, image, center, side)

    def crops(self, image: np.ndarray, squares: Sequence[tuple[Sequence[float], float]]) -> list[CropPose]:
        """`self(image, center, side)` for each (center, side), in order; side by side on the sessions.
        An error in any crop is raised as the one-by-one loop would raise it (the first in order)."""
        if len(self.models) == 1 or len(squares) < 2:  # nothing to overlap: no hand-off to the pool
            return [self._run(self.model, image, c, s) for c, s in squares]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(len(self.models), thread_name_prefix="posekit-crop")
        return list(self._pool.map(lambda sq: self._borrowed(image, sq[0], sq[1]), squares))

    def close(self) -> None:
        """End the crop thread pool (a later `crops` call starts a new one)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _borrowed(self, image: np.ndarray, center: Sequence[float], side: float) -> CropPose:
        # a session runs one crop at a time: each pool thread takes a free one (callers in several
        # threads, e.g. video frames in flight, share the sessions the same way)
        model = self._free.get()
        try:
            return self._run(model, image, center, side)
        finally:
            self._free.put(model)

    def _run(self, model: ZooModel, image: np.ndarray, center: Sequence[float], side: float) -> CropPose:
        m = crop_transform(center, side, 0.0, self.size)
        crop = warp(image, m, self.size)
        yxs = model(crop)["keypoints"].reshape(len(self.layout), 3)
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
