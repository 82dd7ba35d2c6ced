"""BlazePose for every person: detector → rotated region of interest → landmark model.

1. The detector (letterboxed to 224×224, [-1, 1]) scores 2254 SSD anchors; each detection carries a
   box and 4 alignment points: 0 = hip centre, 1 = a point on the circle enclosing the body.
2. Overlapping detections are merged by weighted NMS (as MediaPipe does).
3. Each detection gives a rotated square: centred on the hips, side = 2 × |p1 − p0| × 1.25, rotated
   so that p0 → p1 points up in the crop.
4. The landmark model (256×256, [0, 1]) gives 39 points (33 landmarks + 6 auxiliary) in crop pixels
   with visibility/presence logits, 39 world points in metres and a pose-presence probability.
5. Points map back through the exact inverse of the crop; world points are rotated by the crop angle
   (MediaPipe's convention: origin between the hips, metres, y down).
Input sizes, normalisation and output names come from the models' zoo records; a landmark model's
record also names the detector it was trained with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from posekit.io.video.yuv import YuvFrame
from posekit.layouts import get_layout
from posekit.ops import nms_boxes, oks_nms, weighted_nms
from posekit.pipeline.base import RoiPoses
from posekit.pipeline.models import ZooModel
from posekit.pipeline.roi import Roi, roi_from_alignment
from posekit.pipeline.transforms import crop_transform, invert_points, letterbox, warp
from posekit.results import Poses
from posekit.zoo import get_record


def ssd_anchors(size: tuple[int, int] = (224, 224)) -> np.ndarray:
    """(N, 2) anchor centres, normalised, of MediaPipe's pose detector for an input of `size`
    (width, height); 2254 at 224×224 (fixed-size anchors).

    Layers with equal stride share one grid: stride 8 and 16 carry 2 anchors a cell, the three
    stride-32 layers 6 a cell."""
    centres = []
    for stride, per_cell in ((8, 2), (16, 2), (32, 6)):
        nx, ny = size[0] // stride, size[1] // stride
        ys, xs = np.meshgrid((np.arange(ny) + 0.5) / ny, (np.arange(nx) + 0.5) / nx, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], 1)
        centres.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def detector_input(image: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The letterboxed detector input and its image→input affine. An area-averaging resize of a 1080p
    frame costs ~8 ms of CPU; one bilinear warp 0.2 ms but aliases (BlazePose dev AP 0.119 → 0.112). So a
    large frame is first sampled bilinearly to twice the input size (cheap: cost follows the output), and
    the area resize averages the rest."""
    h, w = image.shape[:2]
    shrink = 2 * min(size[0] / w, size[1] / h)
    if shrink >= 1.0:
        return letterbox(image, size)
    small = cv2.resize(
        image, (max(1, round(w * shrink)), max(1, round(h * shrink))), interpolation=cv2.INTER_LINEAR
    )
    padded, m = letterbox(small, size)
    m = m.copy()  # small → input, composed with image → small (a scale per axis)
    m[0, 0] *= small.shape[1] / w
    m[1, 1] *= small.shape[0] / h
    return padded, m


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80, 80)))


class PoseDetection(NamedTuple):
    """A BlazePose detection: its score and (4, 2) alignment points in image pixels."""

    score: float
    points: np.ndarray


class BlazePoseDetector:
    def __init__(
        self,
        name: str = "blazepose-detector",
        min_score: float = 0.5,
        iou: float = 0.3,
        device: str = "cpu",
        threads: int | None = None,
    ):
        roles = ["detections"] if "detections" in get_record(name).roles else ["boxes", "scores"]
        self.model = ZooModel(name, device, threads, roles=roles)
        self.anchors = ssd_anchors(self.model.size)
        self.min_score, self.iou = min_score, iou

    def _raw(self, padded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        outs = self.model(padded)
        if "detections" in outs:  # TF.js build: 13 values, score logit first
            o = outs["detections"][0]
            return o[:, 1:], o[:, 0]
        return outs["boxes"][0], outs["scores"][0, :, 0]

    def __call__(self, image: np.ndarray) -> list[PoseDetection]:
        """Detections, best first."""
        size = np.array(self.model.size, np.float32)  # (width, height)
        padded, m = detector_input(image, self.model.size)
        reg, logits = self._raw(padded)
        scores = sigmoid(logits)
        idx = np.nonzero(scores >= self.min_score)[0]
        if idx.size == 0:
            return []
        a = self.anchors[idx]
        r = reg[idx] / np.tile(size, 6)  # 6 (x, y) pairs: box centre, box size, 4 points
        cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
        boxes = np.stack([cx - r[:, 2] / 2, cy - r[:, 3] / 2, cx + r[:, 2] / 2, cy + r[:, 3] / 2], 1)
        pts = r[:, 4:12].reshape(-1, 4, 2) + a[:, None, :]
        merged = weighted_nms(boxes, pts, scores[idx], self.iou)
        out = []
        for score, p in merged:
            img_pts = invert_points(p * size, m)
            out.append(PoseDetection(float(score), img_pts.astype(np.float32)))
        return out


@dataclass(frozen=True)
class Landmarks:
    """One crop's answer from the landmark model, mapped back to the image."""

    keypoints: np.ndarray  # (33, 2) image pixels
    visibility: np.ndarray  # (33,) probabilities
    presence: np.ndarray  # (33,) probabilities
    world: np.ndarray  # (33, 3) metres, origin between the hips, rotated back to the image's axes
    flag: float  # probability that a person is in the crop
    aux: np.ndarray  # (6, 2) auxiliary points in image pixels; 0 and 1 give the next frame's ROI


class BlazePoseLandmarks:
    # Only the outputs we use are kept: the segmentation and heatmap heads are cut from the graph
    # (half the model's compute; we refine nothing from the heatmaps).
    ROLES = ("landmarks", "world", "presence")

    def __init__(self, name: str = "blazepose-full", device: str = "cpu", threads: int | None = None):
        self.name = name
        self.model = ZooModel(name, device, threads, roles=self.ROLES, prune=True)
        self.keypoints = len(get_layout(self.model.record.keypoint_layout or "blazepose33"))

    def __call__(
        self, image: np.ndarray | YuvFrame, center: Sequence[float], side: float, rotation: float
    ) -> Landmarks:
        m = crop_transform(center, side, math.degrees(rotation), self.model.size)
        # a YuvFrame is cropped from its planes: the whole frame is never converted to RGB
        crop = (
            image.crop(m, self.model.size) if isinstance(image, YuvFrame) else warp(image, m, self.model.size)
        )
        outs = self.model(crop)
        ld = outs["landmarks"].reshape(-1, 5)  # the layout's landmarks, then auxiliary points
        world = outs["world"].reshape(-1, 3)
        flag = float(outs["presence"].ravel()[0])
        pts = invert_points(ld[:, :2], m)
        c, s = math.cos(rotation), math.sin(rotation)
        wx = c * world[:, 0] - s * world[:, 1]
        wy = s * world[:, 0] + c * world[:, 1]
        world = np.stack([wx, wy, world[:, 2]], 1)
        k = self.keypoints
        return Landmarks(pts[:k], sigmoid(ld[:k, 3]), sigmoid(ld[:k, 4]), world[:k], flag, pts[k:])


class BlazePose:
    """Multi-person BlazePose; 33 landmarks with visibility/presence and 3D world landmarks.

    `detect_rois` and `run_rois` are separate so video can skip the detector: each call of
    `run_rois` also returns the ROIs for the next frame, from the landmarks' two auxiliary points
    (as MediaPipe tracks one person, here for everyone). Both also take a `YuvFrame` (video decoded
    to planes): crops are then made from the planes (`accepts_yuv`)."""

    layout = "blazepose33"
    accepts_yuv = True

    def __init__(
        self,
        landmarks: str = "blazepose-full",
        detector: str | None = None,
        max_people: int = 10,
        min_presence: float = 0.5,
        roi_scale: float = 1.25,
        device: str = "cpu",
        threads: int | None = None,
        *,
        detector_min_score: float = 0.5,
        detector_iou: float = 0.3,
    ):
        """detector: the pose detector's zoo name; None takes the one the landmark model's record names."""
        self.landmarks = BlazePoseLandmarks(landmarks, device=device, threads=threads)
        detector = detector or self.landmarks.model.record.detector or "blazepose-detector"
        self.detector = BlazePoseDetector(
            detector, detector_min_score, detector_iou, device=device, threads=threads
        )
        self.max_people, self.min_presence, self.roi_scale = max_people, min_presence, roi_scale

    def detect_rois(self, image: np.ndarray | YuvFrame) -> list[Roi]:
        rgb = image.image if isinstance(image, YuvFrame) else image
        rois = [
            roi_from_alignment(d.points[0], d.points[1], self.roi_scale, d.score)
            for d in self.detector(rgb)[: self.max_people]
        ]
        return [r for r in rois if r.side >= 4]

    def run_rois(self, image: np.ndarray | YuvFrame, rois: Sequence[Roi]) -> RoiPoses:
        h, w = image.shape[:2]
        people: list[Landmarks] = []
        scores: list[float] = []
        next_rois: list[Roi] = []
        for roi in rois:
            found = self.landmarks(image, roi.center, roi.side, roi.rotation)
            if found.flag < self.min_presence:
                continue
            people.append(found)
            scores.append(roi.score * found.flag)
            next_rois.append(roi_from_alignment(found.aux[0], found.aux[1], self.roi_scale, roi.score))
        if not people:
            return RoiPoses(Poses.empty(self.layout, (h, w), world=True), [])
        kps = np.stack([p.keypoints for p in people]).astype(np.float32)
        vis = np.stack([p.visibility for p in people]).astype(np.float32)
        pres = np.stack([p.presence for p in people]).astype(np.float32)
        boxes = np.concatenate([kps.min(1), kps.max(1)], 1)
        poses = Poses(
            kps,
            vis,
            boxes,
            np.array(scores, np.float32),
            get_layout(self.layout),
            (h, w),
            world=np.stack([p.world for p in people]).astype(np.float32),
            extra={"visibility": vis, "presence": pres},
        )
        if len(people) == 1:  # nothing to de-duplicate (single-person video: ~1.5 ms a frame saved)
            return RoiPoses(poses, next_rois)
        keep = np.asarray(oks_nms(poses.to_layout("coco17"), 0.7))
        # BlazePose draws a whole body for any crop on a person, so two crops on one person give two
        # skeletons that OKS may not call duplicates; heavily overlapping boxes are.
        keep = keep[nms_boxes(poses.boxes[keep], poses.person_scores[keep], 0.6)]
        return RoiPoses(poses[keep], [next_rois[i] for i in keep])

    def __call__(self, image: np.ndarray) -> Poses:
        return self.run_rois(image, self.detect_rois(image))[0]
