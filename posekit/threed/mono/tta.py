"""Flip test-time augmentation for BlazePose's landmark model: run each person's crop and its mirror
image, and average the two answers (the mirror's mapped back, left and right relabelled).

Depth is what a single view gets most wrong, and the mirrored crop gives a second, partly independent
guess of it; on the Pose2Sim demo the average is about 10 % closer to the reference than either run
(benchmarks/mono3d.py). It costs a second landmark-model run per person.

`flip_averaged(pipeline)` swaps a `posekit.pipeline.blazepose.BlazePose`'s landmark stage in place;
the preset "blazepose-3d" is BlazePose full built that way.
"""

from __future__ import annotations

import math

import numpy as np

from posekit.pipeline.blazepose import LANDMARK_SIZE, BlazePose, BlazePoseLandmarks, _sigmoid
from posekit.pipeline.transforms import crop_transform, invert_points, warp
from posekit.threed.mono.refine import SWAP, mirror


class FlipAveragedLandmarks:
    """Same call and results as `BlazePoseLandmarks`, averaged over the crop and its mirror image."""

    def __init__(self, inner: BlazePoseLandmarks):
        self.inner = inner
        self.name = inner.name

    def _run(self, crop: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        outs = self.inner.model(crop[None])
        ld = next(o for o in outs.values() if o.shape[-1] == 195).reshape(39, 5).astype(np.float64)
        world = next(o for o in outs.values() if o.shape[-1] == 117).reshape(39, 3).astype(np.float64)
        flag = float(next(o for o in outs.values() if o.shape == (1, 1)).ravel()[0])
        return ld, world, flag

    def __call__(self, image: np.ndarray, center, side: float, rotation: float):
        m = crop_transform(center, side, math.degrees(rotation), (LANDMARK_SIZE, LANDMARK_SIZE))
        crop = warp(image, m, (LANDMARK_SIZE, LANDMARK_SIZE)).astype(np.float32) / 255.0
        ld, world, flag = self._run(crop)
        ld_f, world_f, flag_f = self._run(np.ascontiguousarray(crop[:, ::-1]))
        # mirror back: x → size − x in the crop, x → −x in the world, left ↔ right
        ld_f[:, 0] = LANDMARK_SIZE - ld_f[:, 0]
        world_f[:, 0] = -world_f[:, 0]
        ld_f, world_f = ld_f[:33][SWAP], world_f[:33][SWAP]
        # The two runs may read the body the other way round (front/back, left/right swapped): then
        # average the mirror run's other reading, so the two agree (the sequence step fixes the rest).
        other = mirror(world_f)
        if np.abs(other - world[:33]).sum() < np.abs(world_f - world[:33]).sum():
            world_f, ld_f = other, ld_f[SWAP]
        ld[:33] = 0.5 * (ld[:33] + ld_f)
        world[:33] = 0.5 * (world[:33] + world_f)
        pts = invert_points(ld[:, :2], m)
        c, s = math.cos(rotation), math.sin(rotation)
        wx = c * world[:, 0] - s * world[:, 1]
        wy = s * world[:, 0] + c * world[:, 1]
        world = np.stack([wx, wy, world[:, 2]], 1)
        return (pts[:33], _sigmoid(ld[:33, 3]), _sigmoid(ld[:33, 4]), world[:33], 0.5 * (flag + flag_f), pts[33:])


def flip_averaged(pipeline: BlazePose) -> BlazePose:
    """The BlazePose pipeline with flip-averaged landmarks (modified in place and returned)."""
    if not isinstance(pipeline.landmarks, FlipAveragedLandmarks):
        pipeline.landmarks = FlipAveragedLandmarks(pipeline.landmarks)  # type: ignore[assignment]
    return pipeline
