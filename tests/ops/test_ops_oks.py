import numpy as np
import pytest
from pycocotools.cocoeval import COCOeval

from posekit.layouts import COCO17
from posekit.ops import oks, oks_nms
from posekit.results import Poses

SIG = COCO17.sigmas_array


def person(x0, y0, s=100.0, seed=0):
    rng = np.random.default_rng(seed)
    return np.array([x0, y0]) + rng.uniform(0, s, (17, 2))


def test_oks_identity_shapes_and_falloff():
    a = person(0, 0)
    assert oks(a, a, 1e4, SIG) == pytest.approx(1.0)
    m = oks(np.stack([a, a + 500]), np.stack([a, a + 1, a + 500]), [1e4, 1e4], SIG)
    assert m.shape == (2, 3) and m[0, 0] == pytest.approx(1) and m[1, 2] == pytest.approx(1)
    assert 0.5 < m[0, 1] < 1 and m[0, 2] < 1e-6
    assert oks(a, np.stack([a, a + 2]), 1e4, SIG).shape == (2,)
    vis = np.zeros(17, bool)
    vis[:3] = True
    b = a.copy()
    b[3:] += 1000  # only invisible keypoints are off
    assert oks(a[None], b[None], 1e4, SIG, vis[None])[0, 0] == pytest.approx(1.0)
    assert oks(a, np.full((17, 2), np.nan), 1e4, SIG) == 0.0
    assert oks(a[None], a[None], 1e4, SIG, np.zeros((1, 17), bool))[0, 0] == 0.0


def test_oks_matches_pycocotools():
    rng = np.random.default_rng(3)
    g = person(10, 20, 150, seed=1)
    dts = g + rng.normal(0, 6, (5, 17, 2))
    area, vis = 9000.0, rng.uniform(size=17) > 0.3
    ev = COCOeval(iouType="keypoints")
    ev._gts = {
        (1, 1): [{"keypoints": np.c_[g, vis * 2].ravel().tolist(), "area": area, "bbox": [0, 0, 1, 1]}]
    }
    ev._dts = {(1, 1): [{"keypoints": np.c_[d, np.ones(17)].ravel().tolist(), "score": 1.0} for d in dts]}
    ref = ev.computeOks(1, 1)[:, 0]  # (dets, gts)
    assert np.allclose(oks(g[None], dts, area, SIG, vis[None])[0], ref, atol=1e-12)


def test_oks_nms_removes_near_duplicate_keeps_distinct_people():
    a, b = person(0, 0, seed=1), person(300, 0, seed=2)
    kps = np.stack([a, a + 1.5, b, a + 60])
    boxes = np.array([[0, 0, 100, 100]] * 2 + [[300, 0, 400, 100], [60, 60, 160, 160]], float)
    poses = Poses(kps, np.ones((4, 17)), boxes, [0.8, 0.9, 0.7, 0.6], "coco17", (500, 500))
    keep = oks_nms(poses, 0.9)
    assert keep.tolist() == [1, 2, 3]  # 0 duplicates the better-scored 1; 3 is shifted far enough
    assert len(oks_nms(poses[[]], 0.9)) == 0


def test_oks_nms_blazepose_uses_coco_subset():
    kps = np.zeros((2, 33, 2))
    kps[0] = person(0, 0, seed=4).mean(0) + np.random.default_rng(5).uniform(-50, 50, (33, 2))
    kps[1] = kps[0] + 0.5
    poses = Poses(kps, np.ones((2, 33)), [[0, 0, 100, 100]] * 2, [0.5, 0.6], "blazepose33", (200, 200))
    assert oks_nms(poses, 0.8).tolist() == [1]
