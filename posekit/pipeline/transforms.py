"""Crop geometry for top-down inference: affine transforms between image and model input.

All transforms are 2x3 float64 matrices M mapping a point p = (x, y) of the source image to
M[:, :2] @ p + M[:, 2] in the destination, **in posekit's corner-origin pixel frame** (see
`posekit.results`: the centre of pixel (col, row) is (col + 0.5, row + 0.5)).

OpenCV's `warpAffine` instead puts pixel centres at integer coordinates. For our M = [A | t],
the equivalent OpenCV matrix is [A | t + A @ (0.5, 0.5) - (0.5, 0.5)]; `warp` applies this
half-pixel shift, so a feature at p in the image lands exactly at M(p) in the crop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import cv2
import numpy as np

from posekit.ops.boxes import box_center_size, box_to_square, expand_box, fix_aspect_ratio  # noqa: F401  (re-exported)

Size = tuple[int, int]  # (width, height)


def _wh(size: float | Sequence[float]) -> tuple[float, float]:
    """A size as (width, height); one number is a square."""
    if isinstance(size, (int, float, np.number)):
        return float(size), float(size)
    w, h = size
    return float(w), float(h)


def crop_transform(
    center: Sequence[float], size: float | Sequence[float], rotation: float, out_size: int | Sequence[int]
) -> np.ndarray:
    """2x3 affine from the image to a crop of `out_size` (width, height) pixels.

    The crop window is centred on `center` (x, y), is `size` (width, height, or one number for a
    square) image pixels large, and is rotated by `rotation` degrees **clockwise on screen** about
    its centre (MediaPipe's convention: the crop's x axis points along (cos r, sin r) in the image,
    y down). The window's centre maps to the crop's centre (out_w / 2, out_h / 2); its corners map to
    the crop's corners. If the aspect ratios differ the content is stretched: fix the window first
    (`fix_aspect_ratio`).
    """
    cx, cy = (float(v) for v in center)
    sw, sh = _wh(size)
    ow, oh = _wh(out_size)
    if sw <= 0 or sh <= 0 or ow <= 0 or oh <= 0:
        raise ValueError(f"crop_transform: sizes must be positive, got size={size}, out_size={out_size}")
    r = math.radians(rotation)
    c, s = math.cos(r), math.sin(r)
    kx, ky = ow / sw, oh / sh
    # q = diag(kx, ky) @ R^T @ (p - center) + out/2, with R's columns the crop axes (c, s), (-s, c)
    a = np.array([[kx * c, kx * s], [-ky * s, ky * c]])
    t = np.array([ow / 2, oh / 2]) - a @ np.array([cx, cy])
    return np.hstack([a, t[:, None]])


def to_opencv(m: np.ndarray) -> np.ndarray:
    """The matrix cv2.warpAffine needs (pixel centres at integers) for our corner-origin M."""
    m = np.asarray(m, dtype=np.float64)
    a = m[:, :2]
    return np.hstack([a, (m[:, 2] + a @ [0.5, 0.5] - 0.5)[:, None]])


def warp(
    image: np.ndarray,
    m: np.ndarray,
    out_size: int | Sequence[int],
    *,
    border_value: float | Sequence[float] = 0,
    interpolation: int = cv2.INTER_LINEAR,
) -> np.ndarray:
    """Warp `image` with the corner-origin affine `m` into an image of `out_size` (width, height).
    Pixels from outside the image get `border_value`."""
    ow, oh = (int(v) for v in _wh(out_size))
    bv_arr = np.atleast_1d(np.asarray(border_value, dtype=float))
    bv = tuple(
        float(v) for v in (np.resize(bv_arr, 4) if bv_arr.size == 1 else np.pad(bv_arr, (0, 4 - bv_arr.size)))
    )
    return cv2.warpAffine(
        image, to_opencv(m), (ow, oh), flags=interpolation, borderMode=cv2.BORDER_CONSTANT, borderValue=bv
    )


def invert_transform(m: np.ndarray) -> np.ndarray:
    """Inverse 2x3 affine."""
    m = np.asarray(m, dtype=np.float64)
    a_inv = np.linalg.inv(m[:, :2])
    return np.hstack([a_inv, (-a_inv @ m[:, 2])[:, None]])


def compose(second: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The affine applying `first`, then `second`."""
    s, f = np.asarray(second, dtype=np.float64), np.asarray(first, dtype=np.float64)
    return np.hstack([s[:, :2] @ f[:, :2], (s[:, :2] @ f[:, 2] + s[:, 2])[:, None]])


def apply_transform(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Map points (..., 2) through `m`; NaNs stay NaN. Returns float64 … same shape."""
    p = np.asarray(points, dtype=np.float64)
    m = np.asarray(m, dtype=np.float64)
    return p @ m[:, :2].T + m[:, 2]


def invert_points(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Map crop points (..., 2) back to the image, given the image→crop affine `m`."""
    return apply_transform(points, invert_transform(m))


class Letterboxed(NamedTuple):
    image: np.ndarray  # the padded image, `size` large
    transform: np.ndarray  # 2x3 affine from the original image to the padded one


def letterbox(
    image: np.ndarray, size: int | Sequence[int], *, pad_value: int | Sequence[int] = 0, center: bool = True
) -> Letterboxed:
    """Resize `image` to fit `size` (width, height) keeping its aspect ratio, and pad the rest.

    Returns (padded image, M) with M the image→padded affine (scale, then offset). The content is
    centred (`center=True`) or placed at the top-left. Scale factors are new/old per axis exactly,
    so M is exact for cv2.resize's (corner-consistent) sampling.
    """
    ow, oh = (int(v) for v in _wh(size))
    h, w = image.shape[:2]
    if h == 0 or w == 0 or ow <= 0 or oh <= 0:
        raise ValueError(f"letterbox: empty image {image.shape} or size {size}")
    scale = min(ow / w, oh / h)
    nw, nh = max(1, min(ow, round(w * scale))), max(1, min(oh, round(h * scale)))
    interp = cv2.INTER_AREA if nw < w else cv2.INTER_LINEAR
    resized = cv2.resize(image, (nw, nh), interpolation=interp) if (nw, nh) != (w, h) else image
    x0, y0 = ((ow - nw) // 2, (oh - nh) // 2) if center else (0, 0)
    out = np.empty((oh, ow, *image.shape[2:]), dtype=image.dtype)
    out[...] = np.asarray(pad_value, dtype=image.dtype)
    out[y0 : y0 + nh, x0 : x0 + nw] = resized.reshape((nh, nw, *image.shape[2:]))
    m = np.array([[nw / w, 0.0, x0], [0.0, nh / h, y0]])
    return Letterboxed(out, m)
