import subprocess
import sys

import numpy as np
import pytest

from posekit.ops import (
    box_center_size,
    box_iou,
    box_to_square,
    box_to_z,
    expand_box,
    fix_aspect_ratio,
    nms_boxes,
    weighted_nms,
    z_to_box,
)


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
    with pytest.raises(ValueError, match="x1, y1, x2, y2"):
        box_center_size(np.zeros(3))


def test_kalman_state_round_trip():
    b = np.array([[10.0, 20.0, 50.0, 120.0], [0, 0, 1, 1]])
    assert box_to_z(b).tolist() == [[30, 70, 40, 100], [0.5, 0.5, 1, 1]]
    assert np.array_equal(z_to_box(box_to_z(b)), b)
    assert np.array_equal(
        z_to_box(np.r_[box_to_z(b[0]), 5.0, 6.0, 0, 0][:4]), b[0]
    )  # state's first 4 entries


def test_iou():
    a = np.array([[0, 0, 10, 10]])
    iou = box_iou(a, np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30], [3, 3, 3, 3]]))
    assert iou.shape == (1, 4) and np.allclose(iou, [[1, 1 / 3, 0, 0]])
    assert box_iou(np.zeros((1, 4)), np.zeros((1, 4)))[0, 0] == 0  # two empty boxes: 0, not NaN
    assert box_iou(np.zeros((0, 4)), a).shape == (0, 1)


def test_nms_keeps_best_of_overlapping_and_separate_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [0, 0, 10, 20]], float)
    scores = np.array([0.5, 0.9, 0.3, 0.8])
    keep = nms_boxes(boxes, scores, 0.6)
    assert keep.dtype == np.int64 and keep.tolist() == [1, 3, 2]  # 0 overlaps 1 by 0.82; 3 by 0.5
    assert nms_boxes(boxes, scores, 0.4).tolist() == [1, 2]
    assert nms_boxes(np.zeros((0, 4)), np.zeros(0), 0.5).tolist() == []


def test_weighted_nms_averages_points_by_score():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [5, 5, 5, 5]], float)
    pts = np.array([[[0, 0]], [[4, 8]], [[50, 50]], [[5, 5]]], float)
    scores = np.array([0.25, 0.75, 0.5, 0.1])
    out = weighted_nms(boxes, pts, scores, 0.3)
    assert [s for s, _ in out] == [0.75, 0.5, 0.1]  # the zero-area box stands for itself
    assert np.allclose(out[0][1], [[3, 6]]) and np.allclose(out[1][1], [[50, 50]])


def test_ops_import_nothing_high():
    code = (
        "import sys, posekit.ops; bad = [m for m in sys.modules if m.startswith('posekit.') and "
        "m.split('.')[1] not in ('ops', 'layouts', 'errors')]; assert not bad, bad; "
        "assert 'cv2' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
