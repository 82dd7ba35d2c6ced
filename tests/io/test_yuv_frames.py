"""Frames kept in their 4:2:0 planes (`PyAVSource.yuv`): the same frames and times, the same pixels
up to the colour conversion's rounding, and crops that match cropping the RGB frame."""

from __future__ import annotations

from types import SimpleNamespace

import av
import numpy as np
import pytest

from posekit.io.video import open_source
from posekit.io.video.yuv import YuvFrame
from posekit.pipeline.transforms import crop_transform, warp


def _smooth_image(i: int, w: int, h: int) -> np.ndarray:
    """Gradients and a moving disc: lossy coding keeps them, so RGB and YUV paths can be compared."""
    ys, xs = np.mgrid[0:h, 0:w]
    img = np.stack([xs * 255 / w, ys * 255 / h, 128 + 60 * np.sin(xs / 7.0 + i)], -1)
    img[(xs - 20 - 3 * i) ** 2 + (ys - h / 2) ** 2 < 100] = (230, 40, 30)
    return img.clip(0, 255).astype(np.uint8)


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=10, options={"crf": "10"})
        s.width, s.height, s.pix_fmt = 128, 96, "yuv420p"
        for i in range(12):
            for p in s.encode(av.VideoFrame.from_ndarray(_smooth_image(i, 128, 96), format="rgb24")):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return path


def _pairs(path):
    with open_source(path) as rgb, open_source(path) as yuv:
        yuv.yuv = True
        return list(zip(rgb, yuv))


def test_same_frames_times_and_pixels(clip):
    pairs = _pairs(clip)
    assert len(pairs) == 12
    # the first frame is decoded when the file is opened (as RGB); the others come as planes
    assert all(isinstance(b, YuvFrame) for _, b in pairs[1:])
    for a, b in pairs:
        assert (a.index, a.time) == (b.index, b.time)
        assert b.image.shape == a.image.shape == (96, 128, 3) and b.image.dtype == np.uint8
        assert np.abs(a.image.astype(int) - b.image).max() <= 6  # two BT.601 conversions' rounding
    b = pairs[3][1]
    assert b.shape == (96, 128, 3) and b.image is b.image  # converted once
    assert b.y.shape == (96, 128) and b.u.shape == b.v.shape == (48, 64)


@pytest.mark.parametrize(
    "center,side,rotation",
    [((64, 48), 60.0, 0.0), ((50, 40), 90.0, 25.0), ((20, 20), 80.0, -60.0), ((120, 90), 50.0, 180.0)],
)
def test_crop_matches_cropping_the_rgb_frame(clip, center, side, rotation):
    """Rotated, scaled, and partly outside the frame (black there in both)."""
    for a, b in _pairs(clip)[1:4]:
        m = crop_transform(center, side, rotation, (64, 64))
        got = b.crop(m, (64, 64))
        assert got.shape == (64, 64, 3) and got.dtype == np.uint8
        # chroma stays at half resolution in the crop (then repeated), so colour edges differ a little;
        # against FFmpeg's RGB frame add the two conversions' rounding (~1 level)
        for reference, mean in ((b.image, 3.0), (a.image, 3.5)):
            diff = np.abs(got.astype(int) - warp(reference, m, (64, 64)))
            assert diff.mean() < mean and np.percentile(diff, 99) < 40  # (edges, and the frame border)


def test_odd_crop_size_is_cropped_from_rgb(clip):
    b = _pairs(clip)[2][1]
    m = crop_transform((64, 48), 40.0, 10.0, (33, 21))
    np.testing.assert_array_equal(b.crop(m, (33, 21)), warp(b.image, m, (33, 21)))


def test_supports_only_what_it_converts():
    def frame(fmt="yuv420p", w=64, h=48, color_range=0, colorspace=2):
        return SimpleNamespace(
            format=SimpleNamespace(name=fmt),
            width=w,
            height=h,
            color_range=color_range,
            colorspace=colorspace,
        )

    assert YuvFrame.supports(frame())
    assert YuvFrame.supports(frame(colorspace=6, color_range=1))
    assert not YuvFrame.supports(frame("yuvj420p"))
    assert not YuvFrame.supports(frame("yuv444p"))
    assert not YuvFrame.supports(frame(w=63))
    assert not YuvFrame.supports(frame(color_range=2))  # full range
    assert not YuvFrame.supports(frame(colorspace=1))  # BT.709


def test_planes_must_be_420():
    with pytest.raises(ValueError, match="4:2:0"):
        YuvFrame(0, 0.0, np.zeros((4, 6), np.uint8), np.zeros((2, 2), np.uint8), np.zeros((2, 2), np.uint8))
