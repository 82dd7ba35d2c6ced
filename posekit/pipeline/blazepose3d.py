"""BlazePose for 3D: several landmark readings of each person, averaged.

Depth is what one view gets most wrong. Each person's crop goes through BlazePose full and heavy, each
on the crop and on its mirror image (mapped back, left and right relabelled): four partly independent
readings. `Poses.world` is their mean, after turning any reading that sees the body the other way
round (front/back) to agree with the first; `Poses.extra["world_readings"]` (N, 33, R, 3) keeps them.
2D keypoints, visibility and presence are the readings' means. Over a video,
`posekit.threed.mono.sequence.refine_tracks` then refines the mean (benchmarks/mono3d.py measured
refining each reading apart and averaging after: 1 mm worse).

The preset "blazepose-3d" is this pipeline: four landmark-model runs per person instead of one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from posekit.io.video.yuv import YuvFrame
from posekit.layouts import get_layout
from posekit.ops.boxes import nms_boxes
from posekit.ops.oks import oks_nms
from posekit.ops.world import mirror_depth
from posekit.pipeline.base import RoiPoses
from posekit.pipeline.blazepose import BlazePose, BlazePoseLandmarks, sigmoid
from posekit.pipeline.roi import Roi, roi_from_alignment
from posekit.pipeline.transforms import crop_transform, invert_points, warp
from posekit.results import Poses

SWAP = get_layout("blazepose33").flip_index


def mirror(world: np.ndarray) -> np.ndarray:
    return mirror_depth(world, SWAP, (23, 24))


def _read(
    reader: BlazePoseLandmarks, crop: np.ndarray, flipped: bool
) -> tuple[np.ndarray, np.ndarray, float]:
    """(L, 5) landmarks in crop pixels with logits, (L, 3) crop-aligned world points, presence flag."""
    outs = reader.model(np.ascontiguousarray(crop[:, ::-1]) if flipped else crop)
    ld = outs["landmarks"].reshape(-1, 5).astype(np.float64)
    world = outs["world"].reshape(-1, 3).astype(np.float64)
    flag = float(outs["presence"].ravel()[0])
    if flipped:  # back to the crop's own view: x mirrored, left and right relabelled (the 33 body points)
        ld[:, 0] = crop.shape[1] - ld[:, 0]
        world[:, 0] = -world[:, 0]
        ld[:33], world[:33] = ld[:33][SWAP], world[:33][SWAP]
    return ld, world, flag


class BlazePoseEnsemble(BlazePose):
    """BlazePose with landmark readings from several models × (crop, mirrored crop); see the module doc."""

    accepts_yuv = False  # its crops are shared by several readers: made once from the RGB frame

    def __init__(
        self,
        models: Sequence[str] = ("blazepose-full", "blazepose-heavy"),
        mirrored: bool = True,
        detector: str | None = "blazepose-detector",
        max_people: int = 10,
        min_presence: float = 0.5,
        roi_scale: float = 1.25,
        device: str = "cpu",
        threads: int | None = None,
    ):
        super().__init__(models[0], detector, max_people, min_presence, roi_scale, device, threads)
        self.readers = [self.landmarks] + [
            BlazePoseLandmarks(m, device=device, threads=threads) for m in models[1:]
        ]
        if any(r.model.size != self.landmarks.model.size for r in self.readers):
            raise ValueError("BlazePoseEnsemble: the landmark models need one input size")
        self.flips = (False, True) if mirrored else (False,)

    def _person(self, image: np.ndarray, roi: Roi):
        size = self.landmarks.model.size
        m = crop_transform(roi.center, roi.side, math.degrees(roi.rotation), size)
        crop = warp(image, m, size)
        reads = [_read(r, crop, f) for r in self.readers for f in self.flips]
        ref = reads[0][1][:33]
        lds, worlds, flags = [], [], []
        for ld, world, flag in reads:
            w = world[:33]
            other = mirror(w)  # the same image read the other way round (front/back)
            if np.abs(other - ref).sum() < np.abs(w - ref).sum():
                w, ld = other, np.concatenate([ld[:33][SWAP], ld[33:]])
            lds.append(ld)
            worlds.append(w)
            flags.append(flag)
        ld = np.mean(lds, 0)
        pts = invert_points(ld[:33, :2], m)
        aux = invert_points(reads[0][0][33:, :2], m)  # the next crop follows the first reading, as BlazePose
        c, s = math.cos(roi.rotation), math.sin(roi.rotation)
        rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
        readings = np.stack(worlds, 1) @ rot.T  # (33, R, 3) in the image-aligned world frame
        return pts, sigmoid(ld[:33, 3]), sigmoid(ld[:33, 4]), readings, float(np.mean(flags)), aux

    def run_rois(self, image: np.ndarray | YuvFrame, rois: Sequence[Roi]) -> RoiPoses:
        if isinstance(image, YuvFrame):  # (not given one by the tracker: accepts_yuv is False)
            image = image.image
        h, w = image.shape[:2]
        people, next_rois = [], []
        for roi in rois:
            kps, vis, pres, readings, flag, aux = self._person(image, roi)
            if flag < self.min_presence:
                continue
            people.append((kps, vis, pres, readings, roi.score * flag))
            next_rois.append(roi_from_alignment(aux[0], aux[1], self.roi_scale, roi.score))
        n_read = len(self.readers) * len(self.flips)
        if not people:
            e = Poses.empty(self.layout, (h, w), world=True)
            return RoiPoses(
                Poses(
                    e.keypoints,
                    e.scores,
                    e.boxes,
                    e.person_scores,
                    e.layout,
                    (h, w),
                    world=e.world,
                    extra={"world_readings": np.zeros((0, 33, n_read, 3), np.float32)},
                ),
                [],
            )
        kps = np.stack([p[0] for p in people]).astype(np.float32)
        vis = np.stack([p[1] for p in people]).astype(np.float32)
        pres = np.stack([p[2] for p in people]).astype(np.float32)
        readings = np.stack([p[3] for p in people]).astype(np.float32)
        boxes = np.concatenate([kps.min(1), kps.max(1)], 1)
        poses = Poses(
            kps,
            vis,
            boxes,
            np.array([p[4] for p in people], np.float32),
            get_layout(self.layout),
            (h, w),
            world=readings.mean(2),
            extra={"visibility": vis, "presence": pres, "world_readings": readings},
        )
        keep = np.asarray(oks_nms(poses.to_layout("coco17"), 0.7))
        keep = keep[nms_boxes(poses.boxes[keep], poses.person_scores[keep], 0.6)]
        return RoiPoses(poses[keep], [next_rois[i] for i in keep])
