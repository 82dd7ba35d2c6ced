"""Metres per pixel for 2D results, so that gait gives step length and speed in metres.

Three sources, in the order `analyze` prefers them: a scale the user gives (`metres_per_pixel`, e.g. from a
calibration); the person's standing height (`scale_from_height`); world coordinates in metres of the same
frames (`scale_from_world`, e.g. BlazePose's 3D landmarks). The last two compare leg segments:

- In the image a segment is only ever shortened (turned towards the camera), never lengthened, so its
  length is the 90th percentile over the frames that see both ends (noise pushes a few frames longer).
- From a height, the segments' share of it: knee to ankle 0.246 and hip to knee 0.245 of standing
  height, from the joint heights of Drillis & Contini (1966) tabulated by Winter (2009, *Biomechanics and
  Motor Control of Human Movement*, fig. 4.1: ankle 0.039, knee 0.285, hip 0.530). The trunk is not used:
  where a layout puts its hip and shoulder points differs more than the legs' joints do.
- From world coordinates, the same segments' length in metres (the median over the frames: in 3D they do
  not foreshorten) over their length in pixels. Both assume the person stays at about one distance from
  the camera (a side view of a walk across it), as any one scale for a whole video does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posekit.errors import InputError
from posekit.layouts import Layout, get_layout

SEGMENTS = (("ankle", "knee"), ("knee", "hip"))  # shank, thigh
HEIGHT_FRACTION = {("ankle", "knee"): 0.246, ("knee", "hip"): 0.245}
PERCENTILE = 90.0


@dataclass(frozen=True)
class Scale:
    metres_per_pixel: float
    source: str  # "given", "height" or "world"
    legs_px: float | None = None  # shank + thigh in pixels (the mean of both sides), where measured

    def to_dict(self) -> dict:
        return {"metres_per_pixel": self.metres_per_pixel, "from": self.source, "legs_px": self.legs_px}


def _lengths(points: np.ndarray, lay: Layout, a: str, b: str) -> np.ndarray:
    """(T, 2) lengths of segment a-b on each side (NaN where an end is unseen)."""
    return np.stack(
        [
            np.linalg.norm(points[:, lay.index(f"{s}_{a}")] - points[:, lay.index(f"{s}_{b}")], axis=1)
            for s in ("left", "right")
        ],
        axis=1,
    )


def legs_px(keypoints: np.ndarray, layout: str | Layout) -> float:
    """Shank + thigh in pixels: each segment's 90th percentile over the frames (both sides pooled)."""
    lay = get_layout(layout)
    kp = np.asarray(keypoints, dtype=np.float64)[..., :2]
    total = 0.0
    for a, b in SEGMENTS:
        v = _lengths(kp, lay, a, b)
        v = v[np.isfinite(v)]
        if v.size < 3:
            raise InputError(
                f"scale: the {a}-{b} segment is seen in fewer than 3 frames; cannot measure the legs"
            )
        total += float(np.percentile(v, PERCENTILE))
    return total


def check_height(height_m: float) -> None:
    """InputError unless `height_m` is a person's standing height in metres (centimetres are refused)."""
    if not np.isfinite(height_m) or not 0.5 <= height_m <= 2.6:
        raise InputError(f"height: expected a standing height in metres (0.5 to 2.6), got {height_m}")


def scale_from_height(keypoints: np.ndarray, layout: str | Layout, height_m: float) -> Scale:
    """Metres per pixel of a person `height_m` tall seen in these (T, K, 2) image keypoints (NaN = unseen)."""
    check_height(height_m)
    px = legs_px(keypoints, layout)
    metres = height_m * sum(HEIGHT_FRACTION[s] for s in SEGMENTS)
    return Scale(metres / px, "height", px)


def scale_from_world(keypoints: np.ndarray, world: np.ndarray, layout: str | Layout) -> Scale:
    """Metres per pixel from world coordinates (T, K, 3, metres) of the same frames as the image keypoints:
    the legs' length in metres (each segment's median: 3D lengths do not foreshorten) over `legs_px`."""
    lay = get_layout(layout)
    w = np.asarray(world, dtype=np.float64)
    metres = 0.0
    for a, b in SEGMENTS:
        v = _lengths(w, lay, a, b)
        v = v[np.isfinite(v)]
        if v.size < 3:
            raise InputError(f"scale: the {a}-{b} segment is in the world coordinates of fewer than 3 frames")
        metres += float(np.median(v))
    px = legs_px(keypoints, layout)
    return Scale(metres / px, "world", px)
