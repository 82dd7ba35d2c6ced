"""Calibrated cameras: intrinsics, distortion, pose; projection and undistortion.

Coordinate frames (the convention of Pose2Sim's and anipose's calibration TOML, OpenCV's model):
* World: metres, right-handed, whatever frame the calibration defines (Pose2Sim's demo: Z up).
* Camera: x right, y down, z forward (optical axis). A world point X maps to the camera frame as
  ``R @ X + t`` with ``R = Rodrigues(rotation)`` (world → camera) and ``t = translation`` (metres).
* Pixels: posekit's convention (posekit/results.py) puts the origin at the top-left *corner* of the
  top-left pixel. OpenCV's matrices put pixel *centres* at integer coordinates, so we shift by 0.5
  between the two: ``x_opencv = x_posekit - 0.5``. Calibration files keep OpenCV's convention.
* `size` is (width, height) in pixels, as in the TOML files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from posekit.errors import InputError

#: OpenCV pixel centres are integers, posekit's are at +0.5 (see module docstring).
HALF_PIXEL = 0.5


@dataclass
class Camera:
    """One calibrated camera (OpenCV pinhole or fisheye model).

    Attributes:
        name: camera name (e.g. "cam_01").
        size: (width, height) in pixels.
        matrix: (3, 3) intrinsic matrix K (OpenCV pixel convention).
        distortions: (4,) or more distortion coefficients [k1, k2, p1, p2, (k3 ...)]; fisheye: [k1..k4].
        rotation: (3,) Rodrigues vector, world → camera.
        translation: (3,) metres, world → camera.
        fisheye: True for OpenCV's fisheye model.
    """

    name: str
    size: tuple[float, float]
    matrix: np.ndarray
    distortions: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray
    fisheye: bool = False

    def __post_init__(self) -> None:
        self.matrix = np.asarray(self.matrix, dtype=np.float64).reshape(3, 3)
        self.distortions = np.asarray(self.distortions, dtype=np.float64).reshape(-1)
        self.rotation = np.asarray(self.rotation, dtype=np.float64).reshape(3)
        self.translation = np.asarray(self.translation, dtype=np.float64).reshape(3)
        self.size = (float(self.size[0]), float(self.size[1]))
        if not (np.isfinite(self.matrix).all() and self.matrix[0, 0] > 0 and self.matrix[1, 1] > 0):
            raise InputError(
                f"camera {self.name!r}: intrinsic matrix must be finite with positive focal lengths"
            )
        if self.size[0] <= 0 or self.size[1] <= 0:
            raise InputError(f"camera {self.name!r}: size must be positive (width, height), got {self.size}")

    @property
    def R(self) -> np.ndarray:
        """(3, 3) world → camera rotation matrix."""
        return cv2.Rodrigues(self.rotation)[0]

    @property
    def extrinsics(self) -> np.ndarray:
        """(3, 4) [R | t], world → camera."""
        return np.hstack([self.R, self.translation[:, None]])

    @property
    def center(self) -> np.ndarray:
        """(3,) camera position in the world."""
        return -self.R.T @ self.translation

    @property
    def focal(self) -> float:
        return float(0.5 * (self.matrix[0, 0] + self.matrix[1, 1]))

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) world points → (..., 2) posekit pixels (with distortion). NaN in → NaN out."""
        p = np.asarray(points, dtype=np.float64)
        flat = p.reshape(-1, 3)
        out = np.full((flat.shape[0], 2), np.nan)
        ok = np.isfinite(flat).all(axis=1)
        if ok.any():
            obj = flat[ok].reshape(-1, 1, 3)
            if self.fisheye:
                img, _ = cv2.fisheye.projectPoints(
                    obj, self.rotation, self.translation, self.matrix, self.distortions[:4]
                )
            else:
                img, _ = cv2.projectPoints(
                    obj, self.rotation, self.translation, self.matrix, self.distortions
                )
            out[ok] = img.reshape(-1, 2) + HALF_PIXEL
            # Points behind the camera have no image.
            z = (flat[ok] @ self.R.T + self.translation)[:, 2]
            out[np.flatnonzero(ok)[z <= 0]] = np.nan
        return out.reshape(p.shape[:-1] + (2,))

    def undistort(self, pixels: np.ndarray) -> np.ndarray:
        """(..., 2) posekit pixels → (..., 2) normalised image coordinates (x/z, y/z) without distortion."""
        p = np.asarray(pixels, dtype=np.float64)
        flat = p.reshape(-1, 2)
        out = np.full_like(flat, np.nan)
        ok = np.isfinite(flat).all(axis=1)
        if ok.any():
            src = (flat[ok] - HALF_PIXEL).reshape(-1, 1, 2)
            if self.fisheye:
                und = cv2.fisheye.undistortPoints(src, self.matrix, self.distortions[:4])
            elif np.any(self.distortions != 0):
                # Iterate to convergence: OpenCV's default 5 iterations leave pixel-level error at the edges.
                crit = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 1e-10)
                und = cv2.undistortPoints(src, self.matrix, self.distortions, None, None, None, crit)
            else:
                und = cv2.undistortPoints(src, self.matrix, self.distortions)
            out[ok] = und.reshape(-1, 2)
        return out.reshape(p.shape)


@dataclass
class Calibration:
    """Several cameras sharing one world frame (metres), plus free-form metadata."""

    cameras: list[Camera]
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [c.name for c in self.cameras]
        if len(set(names)) != len(names):
            raise InputError(f"calibration: duplicate camera names {names}")

    def __len__(self) -> int:
        return len(self.cameras)

    def __getitem__(self, i: int) -> Camera:
        return self.cameras[i]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.cameras]

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) world points → (C, ..., 2) pixels in every camera."""
        return np.stack([c.project(points) for c in self.cameras])

    def subset(self, indices: list[int]) -> Calibration:
        return Calibration([self.cameras[i] for i in indices], dict(self.metadata))
