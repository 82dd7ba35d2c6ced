"""Regions of interest: where a pose model looks. Detectors make them; on video, the previous
frame's skeletons make them, so the detector can be skipped."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Roi:
    """A rotated square region of interest: centre (x, y) and side in image pixels, rotation in
    radians; `box` (x1, y1, x2, y2) is the person box it was made from, when there is one."""

    center: tuple[float, float]
    side: float
    rotation: float
    score: float = 1.0
    box: tuple[float, float, float, float] | None = None

    @property
    def square(self) -> np.ndarray:
        """The unrotated square as an xyxy box."""
        half = self.side / 2
        return np.array(
            [self.center[0] - half, self.center[1] - half, self.center[0] + half, self.center[1] + half]
        )


def roi_from_alignment(p0: np.ndarray, p1: np.ndarray, scale: float, score: float = 1.0) -> Roi:
    """MediaPipe's ROI: centred on p0 (hip centre), side 2·|p1 − p0|·scale, p0 → p1 pointing up."""
    dx, dy = p1 - p0
    rotation = math.pi / 2 - math.atan2(-dy, dx)
    rotation = (rotation + math.pi) % (2 * math.pi) - math.pi
    return Roi((float(p0[0]), float(p0[1])), 2 * math.hypot(dx, dy) * scale, rotation, score)
