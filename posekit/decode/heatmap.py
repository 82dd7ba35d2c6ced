"""Top-down heatmap decoding (HRNet, ViTPose, SimpleBaseline as exported from mmpose).

What it implements, exactly:
- the keypoint is the argmax of its heatmap, refined to sub-pixel precision with DARK's second-order
  Taylor expansion (Zhang et al., "Distribution-Aware Coordinate Representation", CVPR 2020): the
  heatmap is Gaussian-blurred (keeping its peak value), its logarithm is expanded around the argmax
  and the offset is −H⁻¹·∇ (gradient and Hessian by central differences);
- the heatmap → input mapping is either the classic one (heatmap pixel u ↔ input u · W / w) or UDP's
  (Huang et al., "The Devil is in the Details", CVPR 2020: u ↔ u · (W − 1) / (w − 1)), both in
  mmpose's frame where pixel centres are integers; posekit's corner-origin frame adds 0.5;
- the score is the heatmap's peak value clipped to [0, 1];
- optional flip test: the heatmaps of the horizontally flipped crop are mirrored back, left/right
  channels swapped, and averaged with the plain ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

Size = tuple[int, int]  # (width, height)


def _scale(input_size: Size, heatmap_size: Size, udp: bool) -> np.ndarray:
    (w_in, h_in), (w_hm, h_hm) = input_size, heatmap_size
    if udp:
        return np.array([(w_in - 1) / max(w_hm - 1, 1), (h_in - 1) / max(h_hm - 1, 1)])
    return np.array([w_in / w_hm, h_in / h_hm])


def heatmap_to_input(uv: np.ndarray, input_size: Size, heatmap_size: Size, udp: bool = False) -> np.ndarray:
    """Heatmap coordinates (pixel centres at integers) → input pixels (corner origin)."""
    return np.asarray(uv, np.float64) * _scale(input_size, heatmap_size, udp) + 0.5


def input_to_heatmap(xy: np.ndarray, input_size: Size, heatmap_size: Size, udp: bool = False) -> np.ndarray:
    """Input pixels (corner origin) → heatmap coordinates (pixel centres at integers)."""
    return (np.asarray(xy, np.float64) - 0.5) / _scale(input_size, heatmap_size, udp)


def blur_kernel(heatmap_size: Size) -> int:
    """DARK's blur kernel: 11 for 48×64 heatmaps (mmpose's default), scaled with the heatmap, odd."""
    k = round(11 * max(heatmap_size) / 64)
    return max(3, k | 1)


def dark_refine(heatmaps: np.ndarray, peaks: np.ndarray, kernel: int) -> np.ndarray:
    """Sub-pixel peaks (K, 2) (u, v) by DARK's Taylor step around the integer `peaks`."""
    k = heatmaps.shape[0]
    out = peaks.astype(np.float64).copy()
    for i in range(k):
        hm = heatmaps[i].astype(np.float32)
        peak = float(hm.max())
        if peak <= 0:
            continue
        blurred = cv2.GaussianBlur(hm, (kernel, kernel), 0)
        blurred *= peak / max(float(blurred.max()), 1e-12)  # keep the peak's height
        lg = np.log(np.maximum(np.pad(blurred, 1, mode="edge"), 1e-10)).astype(np.float64)
        u, v = int(peaks[i, 0]) + 1, int(peaks[i, 1]) + 1  # in the padded map
        dx = 0.5 * (lg[v, u + 1] - lg[v, u - 1])
        dy = 0.5 * (lg[v + 1, u] - lg[v - 1, u])
        dxx = lg[v, u + 1] - 2 * lg[v, u] + lg[v, u - 1]
        dyy = lg[v + 1, u] - 2 * lg[v, u] + lg[v - 1, u]
        dxy = 0.25 * (lg[v + 1, u + 1] - lg[v + 1, u - 1] - lg[v - 1, u + 1] + lg[v - 1, u - 1])
        hess = np.array([[dxx, dxy], [dxy, dyy]])
        if abs(np.linalg.det(hess)) < 1e-12:
            continue
        step = -np.linalg.solve(hess, np.array([dx, dy]))
        if np.all(np.abs(step) <= 1.0):  # a larger step means the peak is not Gaussian-like: keep the argmax
            out[i] += step
    return out


def decode_heatmaps(
    heatmaps: np.ndarray,
    input_size: Size,
    *,
    udp: bool = False,
    dark: bool = True,
    kernel: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(K, h, w) heatmaps of one crop → (K, 2) keypoints in input pixels and (K,) scores."""
    hm = np.asarray(heatmaps, np.float32)
    if hm.ndim != 3:
        raise ValueError(f"heatmaps: expected (K, h, w), got shape {hm.shape}")
    k, h, w = hm.shape
    flat = hm.reshape(k, -1)
    idx = flat.argmax(1)
    scores = np.clip(flat[np.arange(k), idx], 0.0, 1.0).astype(np.float32)
    peaks = np.stack([idx % w, idx // w], 1).astype(np.float64)
    if dark:
        peaks = dark_refine(hm, peaks, kernel or blur_kernel((w, h)))
    return heatmap_to_input(peaks, input_size, (w, h), udp).astype(np.float32), scores


def flip_back(heatmaps: np.ndarray, flip_index: Sequence[int] | np.ndarray) -> np.ndarray:
    """Heatmaps of a horizontally flipped crop, mirrored back and with left/right channels swapped."""
    return np.asarray(heatmaps)[np.asarray(flip_index)][:, :, ::-1]


def flip_average(
    plain: np.ndarray, flipped: np.ndarray, flip_index: Sequence[int] | np.ndarray, udp: bool = False
) -> np.ndarray:
    """The flip test: mean of the plain heatmaps and the flipped crop's, mirrored back."""
    back = flip_back(flipped, flip_index).copy()
    if not udp:
        # classic mapping: x ↦ W − x moves the heatmap centre by (W/w − 1)/(W/w) of a pixel; mmpose
        # shifts by one whole pixel, which is right for stride 4 to within a quarter pixel
        back[:, :, 1:] = back[:, :, :-1].copy()
    return 0.5 * (np.asarray(plain, np.float32) + back)


def render_heatmaps(
    points: np.ndarray,
    visible: np.ndarray,
    input_size: Size,
    heatmap_size: Size,
    *,
    sigma: float = 2.0,
    udp: bool = False,
) -> np.ndarray:
    """The training target the decoder inverts: a Gaussian of `sigma` heatmap pixels at each visible
    keypoint (K, 2) in input pixels, peak 1, at its exact sub-pixel position. (K, h, w) float32."""
    w, h = heatmap_size
    uv = input_to_heatmap(points, input_size, heatmap_size, udp)
    xs, ys = np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64)
    out = np.zeros((len(uv), h, w), np.float32)
    for i, (u, v) in enumerate(uv):
        if visible[i]:
            out[i] = np.exp(-((ys[:, None] - v) ** 2 + (xs[None, :] - u) ** 2) / (2 * sigma**2))
    return out
