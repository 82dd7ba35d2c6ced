"""BlazePose for every person: detector → rotated region of interest → landmark model.

1. The detector (224×224, letterboxed, [-1, 1]) scores 2254 SSD anchors; each detection carries a
   box and 4 alignment points: 0 = hip centre, 1 = a point on the circle enclosing the body.
2. Overlapping detections are merged by weighted NMS (as MediaPipe does).
3. Each detection gives a rotated square: centred on the hips, side = 2 × |p1 − p0| × 1.25, rotated
   so that p0 → p1 points up in the crop.
4. The landmark model (256×256, [0, 1]) gives 39 points (33 landmarks + 6 auxiliary) in crop pixels
   with visibility/presence logits, 39 world points in metres and a pose-presence probability.
5. Points map back through the exact inverse of the crop; world points are rotated by the crop angle
   (MediaPipe's convention: origin between the hips, metres, y down).
"""

from __future__ import annotations

import math

import numpy as np

from posekit.ops import nms_boxes, oks_nms, weighted_nms
from posekit.pipeline.models import load_model
from posekit.pipeline.roi import Roi, roi_from_alignment
from posekit.pipeline.transforms import crop_transform, invert_points, letterbox, warp
from posekit.results import Poses

DETECTOR_SIZE = 224
LANDMARK_SIZE = 256


def ssd_anchors() -> np.ndarray:
    """(2254, 2) anchor centres, normalised, of MediaPipe's pose detector (fixed-size anchors).

    Layers with equal stride share one grid: stride 8 and 16 carry 2 anchors a cell, the three
    stride-32 layers 6 a cell."""
    centres = []
    for stride, per_cell in ((8, 2), (16, 2), (32, 6)):
        n = DETECTOR_SIZE // stride
        ys, xs = np.meshgrid((np.arange(n) + 0.5) / n, (np.arange(n) + 0.5) / n, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], 1)
        centres.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80, 80)))


class BlazePoseDetector:
    def __init__(self, name: str = "blazepose-detector", min_score: float = 0.5, iou: float = 0.3,
                 device: str = "cpu", threads: int | None = None):
        self.model = load_model(name, device, threads)
        self.anchors = ssd_anchors()
        self.min_score, self.iou = min_score, iou

    def _raw(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        outs = list(self.model(x).values())
        if len(outs) == 1:  # TF.js build: 13 values, score logit first
            o = outs[0][0]
            return o[:, 1:], o[:, 0]
        reg = next(o for o in outs if o.shape[-1] == 12)[0]
        score = next(o for o in outs if o.shape[-1] == 1)[0, :, 0]
        return reg, score

    def __call__(self, image: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Detections as (score, (4, 2) alignment points in image pixels)."""
        padded, m = letterbox(image, (DETECTOR_SIZE, DETECTOR_SIZE))
        x = (padded.astype(np.float32) - 127.5) / 127.5
        reg, logits = self._raw(x[None])
        scores = _sigmoid(logits)
        idx = np.nonzero(scores >= self.min_score)[0]
        if idx.size == 0:
            return []
        a = self.anchors[idx]
        r = reg[idx] / DETECTOR_SIZE
        cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
        boxes = np.stack([cx - r[:, 2] / 2, cy - r[:, 3] / 2, cx + r[:, 2] / 2, cy + r[:, 3] / 2], 1)
        pts = r[:, 4:12].reshape(-1, 4, 2) + a[:, None, :]
        merged = weighted_nms(boxes, pts, scores[idx], self.iou)
        out = []
        for score, p in merged:
            img_pts = invert_points(p * DETECTOR_SIZE, m)
            out.append((float(score), img_pts.astype(np.float32)))
        return out


# The outputs we use: landmarks, world landmarks, pose flag. The segmentation and heatmap heads are
# cut from the graph (half the model's compute; we refine nothing from the heatmaps).
_LANDMARK_OUTPUTS = {"mediapipe-pose-landmark-full": ["Identity", "Identity_4", "Identity_1"]}
_TFJS_LANDMARK_OUTPUTS = ["ld_3d", "world_3d", "output_poseflag"]


class BlazePoseLandmarks:
    def __init__(self, name: str = "blazepose-full", device: str = "cpu", threads: int | None = None):
        self.name = name
        self.model = load_model(name, device, threads, outputs=_LANDMARK_OUTPUTS.get(name, _TFJS_LANDMARK_OUTPUTS))

    def __call__(self, image: np.ndarray, center, side: float, rotation: float):
        m = crop_transform(center, side, math.degrees(rotation), (LANDMARK_SIZE, LANDMARK_SIZE))
        crop = warp(image, m, (LANDMARK_SIZE, LANDMARK_SIZE)).astype(np.float32) / 255.0
        outs = self.model(crop[None])
        ld = next(o for o in outs.values() if o.shape[-1] == 195).reshape(39, 5)
        world = next(o for o in outs.values() if o.shape[-1] == 117).reshape(39, 3)
        flag = float(next(o for o in outs.values() if o.shape == (1, 1)).ravel()[0])
        pts = invert_points(ld[:, :2], m)
        c, s = math.cos(rotation), math.sin(rotation)
        wx = c * world[:, 0] - s * world[:, 1]
        wy = s * world[:, 0] + c * world[:, 1]
        world = np.stack([wx, wy, world[:, 2]], 1)
        return pts[:33], _sigmoid(ld[:33, 3]), _sigmoid(ld[:33, 4]), world[:33], flag, pts[33:]


class BlazePose:
    """Multi-person BlazePose; 33 landmarks with visibility/presence and 3D world landmarks.

    `detect_rois` and `run_rois` are separate so video can skip the detector: each call of
    `run_rois` also returns the ROIs for the next frame, from the landmarks' two auxiliary points
    (as MediaPipe tracks one person, here for everyone)."""

    layout = "blazepose33"

    def __init__(self, landmarks: str = "blazepose-full", detector: str = "blazepose-detector",
                 max_people: int = 10, min_presence: float = 0.5, roi_scale: float = 1.25,
                 device: str = "cpu", threads: int | None = None):
        self.detector = BlazePoseDetector(detector, device=device, threads=threads)
        self.landmarks = BlazePoseLandmarks(landmarks, device=device, threads=threads)
        self.max_people, self.min_presence, self.roi_scale = max_people, min_presence, roi_scale

    def detect_rois(self, image: np.ndarray) -> list[Roi]:
        rois = [roi_from_alignment(pts[0], pts[1], self.roi_scale, score)
                for score, pts in self.detector(image)[: self.max_people]]
        return [r for r in rois if r.side >= 4]

    def run_rois(self, image: np.ndarray, rois: list[Roi]) -> tuple[Poses, list[Roi]]:
        h, w = image.shape[:2]
        people, next_rois = [], []
        for roi in rois:
            kps, vis, pres, world, flag, aux = self.landmarks(image, roi.center, roi.side, roi.rotation)
            if flag < self.min_presence:
                continue
            people.append((kps, vis, pres, world, roi.score * flag))
            next_rois.append(roi_from_alignment(aux[0], aux[1], self.roi_scale, roi.score))
        if not people:
            return Poses.empty("blazepose33", (h, w), world=True), []
        kps = np.stack([p[0] for p in people]).astype(np.float32)
        vis = np.stack([p[1] for p in people]).astype(np.float32)
        pres = np.stack([p[2] for p in people]).astype(np.float32)
        boxes = np.concatenate([kps.min(1), kps.max(1)], 1)
        poses = Poses(kps, vis, boxes, np.array([p[4] for p in people], np.float32), "blazepose33", (h, w),
                      world=np.stack([p[3] for p in people]).astype(np.float32),
                      extra={"visibility": vis, "presence": pres})
        keep = np.asarray(oks_nms(poses.to_layout("coco17"), 0.7))
        # BlazePose draws a whole body for any crop on a person, so two crops on one person give two
        # skeletons that OKS may not call duplicates; heavily overlapping boxes are.
        keep = keep[nms_boxes(poses.boxes[keep], poses.person_scores[keep], 0.6)]
        return poses[keep], [next_rois[i] for i in keep]

    def __call__(self, image: np.ndarray) -> Poses:
        return self.run_rois(image, self.detect_rois(image))[0]
