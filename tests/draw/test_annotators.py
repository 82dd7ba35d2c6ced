import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage.data import astronaut

from posekit.draw import (
    BoxAnnotator,
    KeypointAnnotator,
    LabelAnnotator,
    SkeletonAnnotator,
    default_radius,
    default_thickness,
    draw_poses,
)
from posekit.results import Poses

# A rough COCO-17 pose on the astronaut (512x512): head ~(260, 110), shoulders ~y 250.
KPTS = np.array([
    [262, 115], [280, 100], [245, 100], [300, 110], [225, 110],
    [340, 250], [170, 250], [390, 350], [120, 340], [400, 450], [100, 440],
    [320, 480], [200, 480], [330, 505], [190, 505], [335, 510], [185, 510],
], np.float32)  # fmt: skip


def astronaut_pose(scale=1.0, score=0.9):
    kp = KPTS * scale
    scores = np.full((1, 17), score, np.float32)
    scores[0, 4] = 0.05  # right ear: below min_score, not drawn
    box = np.array([[90, 80, 420, 511]]) * scale
    return Poses(kp[None], scores, box, [0.87], "coco17", (round(512 * scale),) * 2, track_ids=[3])


def changed(a, b):
    return np.abs(a.astype(int) - b.astype(int)).sum(axis=2) > 30


def dist_to_keypoints(shape, kps):
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]] + 0.5
    return np.min([np.hypot(xx - x, yy - y) for x, y in kps], axis=0)


def test_astronaut_render_changes_pixels_near_keypoints_only(tmp_path):
    img = astronaut()
    poses = astronaut_pose()
    out = KeypointAnnotator().annotate(img, poses)
    assert out.shape == img.shape and out.dtype == np.uint8 and out is not img
    assert np.array_equal(img, astronaut())  # input untouched
    diff = changed(out, img)
    shown = [k for k in range(17) if k != 4]
    for k in shown:
        x, y = KPTS[k]
        r = default_radius(img)
        assert diff[int(y) - 1 : int(y) + 1, int(x) - 1 : int(x) + 1].any(), f"keypoint {k} not drawn"
        assert r >= 2
    d = dist_to_keypoints(img.shape, KPTS[shown])
    assert not diff[d > default_radius(img) + 3].any()  # nothing far from the drawn keypoints
    x, y = KPTS[4]
    assert not diff[int(y) - 2 : int(y) + 2, int(x) - 2 : int(x) + 2].any()  # low-score ear skipped

    full = draw_poses(img, poses, boxes=True, labels=True)
    dfull = changed(full, img)
    assert dfull[248:252, 200:300].any()  # shoulder-shoulder line
    assert not dfull[20:60, 20:60].any() and not dfull[0:60, 450:512].any()  # far corners untouched
    if os.environ.get("POSEKIT_KEEP_RENDERS"):
        out_dir = Path(os.environ["POSEKIT_KEEP_RENDERS"])
        out_dir.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(out_dir / "astronaut_pose.png"), full[..., ::-1])


def test_subpixel_positions_follow_corner_convention():
    img = np.zeros((20, 20, 3), np.uint8)
    p = Poses(np.full((1, 17, 2), np.nan), np.zeros((1, 17)), np.zeros((1, 4)), [1], "coco17", (20, 20))
    p.keypoints[0, 0] = (10.0, 6.0)  # the corner shared by pixels cols 9-10, rows 5-6
    p.scores[0, 0] = 1
    out = KeypointAnnotator(radius=2, outline=False, scale_by_score=False).annotate(img, p)
    m = out.sum(axis=2).astype(float)
    yy, xx = np.mgrid[0:20, 0:20] + 0.5
    c = np.array([(m * xx).sum(), (m * yy).sum()]) / m.sum()
    assert np.allclose(c, (10.0, 6.0), atol=0.15)


@pytest.mark.parametrize("size", [100, 4000])
def test_overlay_scales_with_image_size(size):
    img = np.full((size, size, 3), 128, np.uint8)
    poses = astronaut_pose(scale=size / 512)
    out = draw_poses(img, poses, boxes=True, labels=True)
    frac = changed(out, img).mean()
    assert 0.005 < frac < 0.2  # visible, but not a blob covering the image
    assert default_thickness(img) == (1 if size == 100 else 16)


def test_annotators_handle_empty_nan_and_gray():
    gray = np.zeros((50, 60), np.uint8)
    empty = Poses.empty("blazepose33", (50, 60))
    for ann in (KeypointAnnotator(), SkeletonAnnotator(), BoxAnnotator(), LabelAnnotator()):
        out = ann.annotate(gray, empty)
        assert out.shape == (50, 60, 3) and not out.any()
    nan = Poses(
        np.full((1, 33, 2), np.nan), np.ones((1, 33)), np.full((1, 4), np.nan), [1], "blazepose33", (50, 60)
    )
    assert not draw_poses(gray, nan, boxes=True, labels=True).any()
    far = Poses(np.full((1, 33, 2), 1e12), np.ones((1, 33)), [[0, 0, 10, 10]], [1], "blazepose33", (50, 60))
    assert draw_poses(gray, far).shape == (50, 60, 3)


def test_label_and_box_and_score_colors():
    img = np.zeros((200, 200, 3), np.uint8)
    p = astronaut_pose(scale=200 / 512)
    assert LabelAnnotator().text(p, 0) == "#3 0.87"
    lab = LabelAnnotator().annotate(img, p)
    assert changed(lab, img)[:35].any()  # label sits above the box top (y≈31) or inside the image
    box = BoxAnnotator(thickness=1).annotate(img, p)
    x1, y1 = (p.boxes[0, :2]).astype(int)
    assert changed(box, img)[y1 + 20, x1 - 1 : x1 + 2].any()
    sc = KeypointAnnotator(color="score").annotate(img, p)
    x, y = p.keypoints[0, 0].astype(int)
    r, g, _ = sc[y, x]
    assert g > r  # high score → green
