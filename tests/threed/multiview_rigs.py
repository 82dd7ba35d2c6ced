"""Synthetic camera rigs and moving people for the multi-view tests."""

from __future__ import annotations

import cv2
import numpy as np

from posekit.threed.camera import Calibration, Camera


def look_at(center: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rodrigues rotation and translation (world→camera) of a camera at `center` looking at `target`, Z up."""
    z = target - center
    z = z / np.linalg.norm(z)
    x = np.cross(z, [0.0, 0.0, 1.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z])
    return cv2.Rodrigues(R)[0].reshape(3), -R @ center


def make_rig(n: int = 4, radius: float = 4.0, dist: bool = True) -> Calibration:
    cams = []
    for i in range(n):
        a = 2 * np.pi * i / n + 0.3
        c = np.array([radius * np.cos(a), radius * np.sin(a), 1.5 + 0.2 * i])
        r, t = look_at(c, np.array([0.0, 0.0, 1.0]))
        K = np.array([[1400.0 + 20 * i, 0, 960 + 5 * i], [0, 1400.0 + 20 * i, 540 - 3 * i], [0, 0, 1]])
        d = np.array([-0.05, 0.02, 0.001, -0.001]) if dist else np.zeros(4)
        cams.append(Camera(f"cam_{i + 1:02d}", (1920, 1080), K, d, r, t))
    return Calibration(cams)


def walking_person(frames: int = 40, K: int = 17, seed: int = 0, offset=(0.0, 0.0)) -> np.ndarray:
    """(F, K, 3) a rigid-ish stick figure walking along x, Z up, in metres."""
    rng = np.random.default_rng(seed)
    base = np.column_stack(
        [rng.uniform(-0.25, 0.25, K), rng.uniform(-0.15, 0.15, K), np.linspace(0.05, 1.75, K)]
    )
    t = np.arange(frames) / 30.0
    move = np.column_stack([0.8 * t + offset[0], 0.1 * np.sin(2 * t) + offset[1], np.zeros(frames)])
    sway = 0.03 * np.sin(6 * t)[:, None, None] * np.array([1.0, 0, 0])
    return base[None] + move[:, None] + sway
