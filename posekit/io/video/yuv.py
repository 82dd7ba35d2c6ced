"""Frames kept as the decoder's 4:2:0 planes, converted to RGB only where a model looks.

Converting a whole 1080p frame to RGB costs 2 to 3 CPU ms, a tenth of what `posekit track --model
blazepose` spends per frame, and the landmark model then looks at one 256×256 crop of it. A `YuvFrame`
holds the Y, U and V planes (views of the decoder's buffers, no copy): `crop` warps the three planes and
converts only the crop; `image` converts the whole frame the first time it is asked for (and keeps it),
so code that wants the RGB frame gets exactly that.

Colours: BT.601 limited range (OpenCV's I420 conversion, as FFmpeg's RGB conversion does for video
without colour tags; the two differ by at most 3 levels). Chroma sample (j, i) is taken as centred on
luma pixels 2j..2j+1, 2i..2i+1, as FFmpeg's own RGB conversion reads it (it fits FFmpeg's RGB frames
best: tests/io/test_yuv_frames.py); MPEG-2's siting would move chroma by a quarter of a luma pixel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from posekit.io.video.base import Frame

# chroma plane (corner-origin pixel frame) -> luma plane
_CHROMA_TO_LUMA = np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])


def _compose(second: np.ndarray, first: np.ndarray) -> np.ndarray:
    return np.hstack([second[:, :2] @ first[:, :2], (second[:, :2] @ first[:, 2] + second[:, 2])[:, None]])


def _to_opencv(m: np.ndarray) -> np.ndarray:
    """cv2.warpAffine's matrix (pixel centres at integers) for a corner-origin affine."""
    a = m[:, :2]
    return np.hstack([a, (m[:, 2] + a @ [0.5, 0.5] - 0.5)[:, None]])


def plane_view(plane: Any, width: int, height: int) -> np.ndarray:
    """A (height, width) uint8 view of a PyAV plane (rows may be padded to `line_size`)."""
    return np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:height, :width]


class YuvFrame(Frame):
    """A `Frame` whose pixels stay in 4:2:0 planes until asked for: `image` is the RGB frame (converted
    once, on first use), `crop(m, size)` an RGB crop made from the planes."""

    y: np.ndarray  # (h, w)
    u: np.ndarray  # (h / 2, w / 2)
    v: np.ndarray

    def __init__(self, index: int, time: float, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
        h, w = y.shape
        if h % 2 or w % 2 or u.shape != (h // 2, w // 2) or v.shape != u.shape:
            raise ValueError(f"YuvFrame: planes {y.shape}, {u.shape}, {v.shape} are not 4:2:0")
        for name, value in (("index", index), ("time", time), ("y", y), ("u", u), ("v", v)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_rgb", None)

    @staticmethod
    def supports(frame: Any) -> bool:
        """Whether a PyAV VideoFrame can be kept as planes: yuv420p, even size, limited range, and
        BT.601 or untagged colours (what the conversion here does; others are converted by FFmpeg)."""
        return (
            frame.format.name == "yuv420p"
            and not (frame.width | frame.height) % 2
            and int(getattr(frame, "color_range", 0) or 0) in (0, 1)  # unspecified, MPEG (limited)
            and int(getattr(frame, "colorspace", 2) or 2) in (2, 5, 6)  # unspecified, BT.470BG, SMPTE 170M
        )

    @classmethod
    def from_av(cls, index: int, time: float, frame: Any) -> YuvFrame:
        """From a PyAV VideoFrame in yuv420p (even width and height), without copying its pixels."""
        w, h = frame.width, frame.height
        y, u, v = frame.planes
        return cls(
            index, time, plane_view(y, w, h), plane_view(u, w // 2, h // 2), plane_view(v, w // 2, h // 2)
        )

    @property
    def shape(self) -> tuple[int, int, int]:
        """The RGB image's shape, (h, w, 3)."""
        h, w = self.y.shape
        return (h, w, 3)

    @property
    def image(self) -> np.ndarray:
        """The whole frame, H×W×3 uint8 RGB (converted on first use)."""
        rgb = self.__dict__["_rgb"]
        if rgb is None:
            h, w = self.y.shape
            i420 = np.concatenate([self.y.ravel(), self.u.ravel(), self.v.ravel()]).reshape(h * 3 // 2, w)
            rgb = cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)
            object.__setattr__(self, "_rgb", rgb)
        return rgb

    def crop(self, m: np.ndarray, size: Sequence[int]) -> np.ndarray:
        """The RGB crop (`size` = (width, height), both even) that `posekit.pipeline.transforms.warp(
        self.image, m, size)` gives, up to rounding: bilinear samples of the planes, then converted.
        Pixels from outside the frame are black."""
        ow, oh = (int(s) for s in size)
        if ow % 2 or oh % 2:
            return cv2.warpAffine(self.image, _to_opencv(np.asarray(m, np.float64)), (ow, oh))
        m = np.asarray(m, np.float64)
        y = cv2.warpAffine(self.y, _to_opencv(m), (ow, oh), flags=cv2.INTER_LINEAR, borderValue=16)
        # crop chroma at half size: crop chroma (corner-origin) = crop luma / 2, with chroma sample
        # (j, i) of the crop covering crop pixels 2j..2j+1, 2i..2i+1 (how the I420 conversion reads it)
        mc = _compose(np.array([[0.5, 0.0, 0.0], [0.0, 0.5, 0.0]]), _compose(m, _CHROMA_TO_LUMA))
        u = cv2.warpAffine(
            self.u, _to_opencv(mc), (ow // 2, oh // 2), flags=cv2.INTER_LINEAR, borderValue=128
        )
        v = cv2.warpAffine(
            self.v, _to_opencv(mc), (ow // 2, oh // 2), flags=cv2.INTER_LINEAR, borderValue=128
        )
        i420 = np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(oh * 3 // 2, ow)
        return cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)

    def __repr__(self) -> str:
        h, w = self.y.shape
        return f"YuvFrame(index={self.index}, time={self.time:.3f}, {w}x{h} yuv420p)"
