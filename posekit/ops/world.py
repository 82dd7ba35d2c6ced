"""Geometry on 3D (world) keypoints shared by the pipelines and 3D code."""

from __future__ import annotations

import numpy as np


def mirror_depth(world: np.ndarray, flip_index: np.ndarray, hips: tuple[int, int]) -> np.ndarray:
    """The other reading of a frame: depth mirrored about the hip centre and left/right relabelled
    (`flip_index` from the layout). Its image is the same person seen from the other side, which
    monocular models sometimes confuse. world: (..., K, 3)."""
    m = world[..., flip_index, :].copy()
    hip = 0.5 * (m[..., hips[0], 2] + m[..., hips[1], 2])
    m[..., 2] = 2 * hip[..., None] - m[..., 2]
    return m
