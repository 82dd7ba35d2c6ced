"""Each decoder against the renderer it inverts, on poses made here (no shared data needed):
sub-pixel accuracy, the UDP and classic mappings, the flip test, NMS, PAF grouping in a crowd, and
clear errors for tensors of the wrong shape."""

from __future__ import annotations

import numpy as np
import pytest
from user_onnx_models import ALL, STANDING_POSE

from posekit.decode import heatmap, openpose, simcc, yolo_pose
from posekit.layouts import COCO17

# a standing person, COCO-17 order, in a 192×256 crop, inside the middle 80 % as a 1.25 crop margin leaves it
POSE = 0.85 * STANDING_POSE + [14.4, 19.2]


def _jittered(rng: np.random.Generator) -> np.ndarray:
    return POSE + rng.uniform(-6, 6, POSE.shape)


@pytest.mark.parametrize("udp", [False, True])
def test_heatmap_dark_is_subpixel(udp):
    rng = np.random.default_rng(1)
    for _ in range(5):
        pts = _jittered(rng)
        hm = heatmap.render_heatmaps(pts, ALL, (192, 256), (48, 64), udp=udp)
        got, scores = heatmap.decode_heatmaps(hm, (192, 256), udp=udp)
        assert np.abs(got - pts).max() < 0.25  # input pixels; argmax alone is off by up to 2
        assert scores.min() > 0.9
        plain, _ = heatmap.decode_heatmaps(hm, (192, 256), udp=udp, dark=False)
        assert np.abs(plain - pts).mean() > 2 * np.abs(got - pts).mean()


@pytest.mark.parametrize("udp", [False, True])
def test_heatmap_flip_test_mirrors_back(udp):
    pts = _jittered(np.random.default_rng(2))
    size, hm_size = (192, 256), (48, 64)
    plain = heatmap.render_heatmaps(pts, ALL, size, hm_size, udp=udp)
    mirrored = pts[COCO17.flip_index].copy()
    mirrored[:, 0] = size[0] - mirrored[:, 0]  # the person as the flipped crop shows it
    flipped = heatmap.render_heatmaps(mirrored, ALL, size, hm_size, udp=udp)
    got, _ = heatmap.decode_heatmaps(
        heatmap.flip_average(plain, flipped, COCO17.flip_index, udp=udp), size, udp=udp
    )
    assert np.abs(got - pts).max() < (
        0.35 if udp else 1.0
    )  # classic: mmpose's one-pixel shift is approximate


def test_simcc_round_trip_and_errors():
    pts = _jittered(np.random.default_rng(3))
    sx, sy = simcc.render_simcc(pts, ALL, (192, 256))
    assert sx.shape == (17, 384) and sy.shape == (17, 512)  # split ratio 2
    got, scores = simcc.decode_simcc(sx, sy)
    assert np.abs(got - pts).max() < 0.05
    assert scores.min() > 0.95
    vis = ALL.copy()
    vis[3] = False
    _, s = simcc.decode_simcc(*simcc.render_simcc(pts, vis, (192, 256)))
    assert s[3] == 0.0
    with pytest.raises(ValueError, match="expected"):
        simcc.decode_simcc(sx[None], sy)


def test_yolo_pose_nms_and_layouts():
    rng = np.random.default_rng(4)
    kps = POSE[None] + np.array([[[50, 100]], [[300, 120]], [[330, 140]]])  # two overlap heavily
    boxes = np.stack([np.r_[k.min(0) - 10, k.max(0) + 10] for k in kps])
    out = yolo_pose.render_yolo_pose(boxes, kps, np.ones((3, 17), bool), rng=rng)
    assert out.shape == (1, 56, 8400)
    for tensor in (out, out.transpose(0, 2, 1)):
        found = yolo_pose.decode_yolo_pose(tensor)
        assert len(found.boxes) == 3  # 9 anchors above the threshold, duplicates suppressed
        order = np.argsort(found.boxes[:, 0])
        np.testing.assert_allclose(found.keypoints[order], kps, atol=1e-3)
        assert found.keypoint_scores.min() > 0.9
    with pytest.raises(ValueError, match=r"\(1, 56, anchors\)"):
        yolo_pose.decode_yolo_pose(np.zeros((1, 57, 100)))


def _crowd(n: int, spacing: float) -> np.ndarray:
    """`n` people side by side, `spacing` input pixels apart (less than a body width: arms overlap)."""
    return np.stack([POSE * 1.1 + [20 + i * spacing, 60 + 8 * (i % 2)] for i in range(n)])


@pytest.mark.parametrize("net", [openpose.BODY25, openpose.COCO18], ids=lambda n: n.name)
def test_openpose_groups_a_crowd(net):
    people = _crowd(6, 60.0)
    size = (496, 368)
    maps = openpose.render_openpose(people, np.ones((6, 17), bool), size, net)
    assert maps.shape == (1, net.channels, 46, 62)
    found = openpose.decode_openpose(maps, net.name)
    assert len(found.keypoints) == 6
    for k in found.keypoints:
        err = np.linalg.norm(people - k, axis=2)  # against every true person
        best = err.mean(1).argmin()
        assert err[best].max() < 2.0, "every part of a found person belongs to one true person"


def test_openpose_bridges_unlabelled_joints_between_labelled_ones():
    vis = np.zeros(17, bool)
    vis[[5, 6, 9]] = True  # both shoulders and the left wrist, no left elbow
    pts, pvis = openpose.net_parts(POSE, vis, openpose.BODY25)
    got, filled = openpose.bridge_parts(pts, pvis, openpose.BODY25)
    assert np.flatnonzero(filled).tolist() == [6]  # the left elbow, and nothing beyond the labels
    np.testing.assert_allclose(got[6], (POSE[5] + POSE[9]) / 2)
    vis = np.zeros(17, bool)
    vis[[0, 11]] = True  # nose and left hip: the neck between them on COCO-18's nose-neck-hip chain
    pts, pvis = openpose.net_parts(POSE, vis, openpose.COCO18)
    got, filled = openpose.bridge_parts(pts, pvis, openpose.COCO18)
    assert np.flatnonzero(filled).tolist() == [1]
    np.testing.assert_allclose(got[1], (POSE[0] + POSE[11]) / 2)
    # rendered, the wrist is joined to the shoulders through the virtual elbow; from the labels alone it is not
    vis = np.zeros((1, 17), bool)
    vis[0, [5, 6, 9, 11, 12]] = True
    for virtual, people in ((True, 1), (False, 2)):
        maps = openpose.render_openpose(POSE[None], vis, (192, 256), virtual_joints=virtual)
        assert len(openpose.decode_openpose(maps, "body25", min_parts=1).keypoints) == people


def test_openpose_finds_people_at_the_border():
    # the right wrist 1.4 px inside the last map pixel centre: the resize repeats the edge beyond it,
    # which made a false second wrist peak (a person of its own) 4 px outside
    people = POSE[None] + [192 - 4 - 1.4 - POSE[:, 0].max(), 0]
    maps = openpose.render_openpose(people, ALL[None], (192, 256))
    found = openpose.decode_openpose(maps, "body25", min_parts=1)
    assert len(found.keypoints) == 1
    assert np.abs(found.keypoints[0] - people[0]).max() < 2.0


def test_openpose_layout_from_channels_and_errors():
    assert openpose.layout_for_channels(78) is openpose.BODY25
    assert openpose.layout_for_channels(57) is openpose.COCO18
    with pytest.raises(ValueError, match="78 and COCO-18 has 57"):
        openpose.decode_openpose(np.zeros((1, 60, 10, 10), np.float32))
    empty = openpose.decode_openpose(np.zeros((1, 78, 10, 10), np.float32))
    assert empty.keypoints.shape == (0, 17, 2)
