import math

import cv2
import numpy as np
import pytest

from posekit.pipeline.transforms import (
    apply_transform,
    box_center_size,
    box_to_square,
    compose,
    crop_transform,
    expand_box,
    fix_aspect_ratio,
    invert_points,
    invert_transform,
    letterbox,
    to_opencv,
    warp,
)


def test_crop_transform_maps_window_to_crop():
    m = crop_transform((100, 50), (40, 80), 0, (20, 40))
    assert np.allclose(apply_transform([100, 50], m), [10, 20])
    assert np.allclose(apply_transform([[80, 10], [120, 90]], m), [[0, 0], [20, 40]])
    # clockwise window rotation: the window's x axis points down in the image at 90°
    m90 = crop_transform((0, 0), 10, 90, 10)
    assert np.allclose(apply_transform([0, 3], m90), [8, 5])


@pytest.mark.parametrize("rot", [0.0, 17.0, -90.0, 123.4])
def test_round_trip_exact(rot):
    rng = np.random.default_rng(1)
    m = crop_transform((321.7, 145.2), (180.5, 240.25), rot, (192, 256))
    pts = rng.uniform(-50, 700, (100, 2))
    back = invert_points(apply_transform(pts, m), m)
    assert np.abs(back - pts).max() < 1e-4
    assert np.allclose(compose(invert_transform(m), m), [[1, 0, 0], [0, 1, 0]])


def test_nan_points_stay_nan():
    m = crop_transform((5, 5), 10, 30, 20)
    out = invert_points(np.array([[np.nan, np.nan], [1.0, 2.0]]), m)
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()


def _blob(h, w, x, y, sigma=3.0):
    """Gaussian blob centred on (x, y) in corner-origin coordinates."""
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    return np.exp(-((xx - x) ** 2 + (yy[..., None][..., 0] - y) ** 2) / (2 * sigma**2)).astype(np.float32)


def _centroid(img):
    yy, xx = np.mgrid[0 : img.shape[0], 0 : img.shape[1]] + 0.5
    return np.array([(img * xx).sum(), (img * yy).sum()]) / img.sum()


@pytest.mark.parametrize("rot, scale", [(0, 1.0), (0, 0.5), (30, 1.7), (-75, 0.8)])
def test_rendered_dot_lands_where_predicted(rot, scale):
    p = np.array([157.3, 92.6])
    img = _blob(240, 320, *p, sigma=4.0)
    assert np.allclose(_centroid(img), p, atol=0.01)
    m = crop_transform((150.2, 100.9), (96 / scale, 128 / scale), rot, (96, 128))
    crop = warp(img, m, (96, 128))
    assert np.abs(_centroid(crop) - apply_transform(p, m)).max() < 0.5
    # without the half-pixel shift OpenCV would be off by ~(1 - scale)/2 px (0 at scale 1)
    naive = cv2.warpAffine(img, m, (96, 128))
    assert np.abs(_centroid(naive) - apply_transform(p, m)).max() > 0.2 or scale == 1.0


def test_pixel_centres_map_exactly_under_integer_scaling():
    img = np.zeros((4, 4), np.float32)
    img[1, 2] = 1.0  # centre (2.5, 1.5)
    m = crop_transform((2, 2), 4, 0, 8)  # scale 2: the pixel becomes a 2x2 block at x 4..6, y 2..4
    out = warp(img, m, 8, interpolation=cv2.INTER_NEAREST)
    assert np.argwhere(out > 0).tolist() == [[2, 4], [2, 5], [3, 4], [3, 5]]
    assert np.allclose(to_opencv(np.array([[1.0, 0, 0], [0, 1, 0]])), [[1, 0, 0], [0, 1, 0]])


def test_warp_border_value():
    img = np.full((10, 10, 3), 50, np.uint8)
    out = warp(img, crop_transform((0, 0), 10, 0, 10), 10, border_value=(1, 2, 3))
    assert tuple(out[0, 0]) == (1, 2, 3) and tuple(out[9, 9]) == (50, 50, 50)


@pytest.mark.parametrize(
    "hw, size", [((100, 200), (128, 128)), ((300, 50), (64, 96)), ((33, 47), (320, 320))]
)
def test_letterbox(hw, size):
    h, w = hw
    p = np.array([w * 0.3, h * 0.7])
    img = _blob(h, w, *p, sigma=max(h, w) / 30)
    out, m = letterbox(img, size)
    assert out.shape == (size[1], size[0])
    assert np.abs(_centroid(out) - apply_transform(p, m)).max() < 0.5
    corners = apply_transform([[0, 0], [w, h]], m)
    assert corners.min() >= -1e-9 and corners[1, 0] <= size[0] + 1e-9 and corners[1, 1] <= size[1] + 1e-9
    assert math.isclose(corners[1, 0] - corners[0, 0], size[0], abs_tol=1) or math.isclose(
        corners[1, 1] - corners[0, 1], size[1], abs_tol=1
    )
    out3, _ = letterbox(np.zeros((h, w, 3), np.uint8), size, pad_value=114)
    assert out3.shape == (size[1], size[0], 3)


def test_box_helpers():
    b = np.array([10.0, 20.0, 30.0, 60.0])
    c, wh = box_center_size(b)
    assert c.tolist() == [20, 40] and wh.tolist() == [20, 40]
    assert box_to_square(b).tolist() == [0, 20, 40, 60]
    assert expand_box(b, 1.5).tolist() == [5, 10, 35, 70]
    assert fix_aspect_ratio(b, 1.0).tolist() == [0, 20, 40, 60]
    assert fix_aspect_ratio(b, 0.25).tolist() == [10, 0, 30, 80]
    many = np.stack([b, b + 5])
    assert box_to_square(many).shape == (2, 4) and expand_box(many, (2, 1)).shape == (2, 4)
