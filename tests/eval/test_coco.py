import copy
import json
import time
from pathlib import Path

import numpy as np
import pytest

from posekit.eval import bootstrap_ap, evaluate_keypoints, pck
from posekit.eval.coco import _ap_for_images, _coco_gt, _cocoeval, _per_image_tables

GT_PATH = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "posebench-dev"
    / "annotations"
    / "person_keypoints.json"
)
needs_gt = pytest.mark.skipif(
    not GT_PATH.exists(), reason=f"posebench-dev ground truth not found at {GT_PATH}"
)


def gt_as_detections(gt, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    dets = []
    for a in gt["annotations"]:
        if a.get("iscrowd") or a["num_keypoints"] == 0:
            continue
        k = np.asarray(a["keypoints"], float).reshape(-1, 3)
        k[:, :2] += rng.normal(0, noise, (17, 2)) * np.sqrt(a["area"]) / 10
        k[:, 2] = 1.0
        dets.append(
            {
                "image_id": a["image_id"],
                "category_id": 1,
                "keypoints": k.ravel().tolist(),
                "score": float(rng.uniform(0.5, 1)),
            }
        )
    return dets


@pytest.fixture(scope="module")
def gt():
    return json.loads(GT_PATH.read_text())


@needs_gt
def test_ground_truth_against_itself_is_perfect(gt):
    dets = gt_as_detections(gt)
    r = evaluate_keypoints(GT_PATH, dets)
    assert r["AP"] == pytest.approx(1.0) and r["AP50"] == pytest.approx(1.0) and r["AR"] == pytest.approx(1.0)
    assert pck(gt, dets) == pytest.approx(1.0)


@needs_gt
def test_perturbed_keypoints_lower_ap_and_pck(gt):
    ap = [evaluate_keypoints(gt, gt_as_detections(gt, noise))["AP"] for noise in (0.0, 0.5, 1.5)]
    assert ap[0] > ap[1] > ap[2]
    assert pck(gt, gt_as_detections(gt, 1.5)) < 0.95
    d = pck(gt, gt_as_detections(gt, 0.5), return_details=True)
    assert (
        set(d) == {"pck", "per_keypoint", "keypoints", "persons", "persons_skipped"}
        and len(d["per_keypoint"]) == 17
    )
    assert pck(gt, [], ref="bbox") == 0.0


@needs_gt
def test_empty_detections_give_zeros(gt):
    r = evaluate_keypoints(gt, [])
    assert r["AP"] == 0.0 and r["AR"] == 0.0 and len(r) == 10
    assert bootstrap_ap(gt, [], n=5) == (0.0, 0.0)


def _renamed(gt, dets, image_index):
    """Explicit resampled set: image i of the resample becomes id i + 1, its anns/dets copied."""
    ids = [img["id"] for img in sorted(gt["images"], key=lambda i: i["id"])]
    images, anns, out = [], [], []
    for new, i in enumerate(image_index, start=1):
        old = ids[i]
        images.append({**next(im for im in gt["images"] if im["id"] == old), "id": new})
        anns += [{**a, "image_id": new} for a in gt["annotations"] if a["image_id"] == old]
        out += [{**d, "image_id": new} for d in dets if d["image_id"] == old]
    anns = [{**a, "id": i} for i, a in enumerate(copy.deepcopy(anns), start=1)]
    return {**gt, "images": images, "annotations": anns}, out


@needs_gt
def test_resampling_matches_pycocotools_on_renamed_images(gt):
    dets = gt_as_detections(gt, 0.8, seed=2)
    ev = _cocoeval(_coco_gt(gt), dets, None)
    tables, rec = _per_image_tables(ev), np.asarray(ev.params.recThrs)
    n = len(ev.params.imgIds)
    assert _ap_for_images(tables, np.arange(n), rec) == pytest.approx(
        evaluate_keypoints(gt, dets)["AP"], abs=1e-12
    )
    rng = np.random.default_rng(7)
    for _ in range(3):
        idx = rng.integers(0, n, n)
        g2, d2 = _renamed(gt, dets, idx)
        assert _ap_for_images(tables, idx, rec) == pytest.approx(evaluate_keypoints(g2, d2)["AP"], abs=1e-9)


@needs_gt
def test_bootstrap_interval_is_fast_and_brackets_ap(gt):
    dets = gt_as_detections(gt, 0.8, seed=2)
    ap = evaluate_keypoints(gt, dets)["AP"]
    t0 = time.perf_counter()
    low, high, samples = bootstrap_ap(GT_PATH, dets, n=300, seed=0, return_samples=True)
    assert time.perf_counter() - t0 < 30
    assert low < ap < high and 0 < high - low < 0.3 and len(samples) == 300
    assert bootstrap_ap(gt, dets, n=50, seed=0) == bootstrap_ap(gt, dets, n=50, seed=0)


def test_small_synthetic_set_without_shared_data():
    kp = np.array([[50 + 5 * i, 40 + 8 * i, 2] for i in range(17)], float)
    gt = {
        "images": [{"id": 1, "width": 200, "height": 200}, {"id": 2, "width": 200, "height": 200}],
        "categories": [{"id": 1, "name": "person"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "keypoints": kp.ravel().tolist(),
                "num_keypoints": 17,
                "area": 5000.0,
                "bbox": [50, 40, 80, 128],
                "iscrowd": 0,
            }
        ],
    }
    good = {
        "image_id": 1,
        "category_id": 1,
        "keypoints": np.c_[kp[:, :2], np.ones(17)].ravel().tolist(),
        "score": 0.9,
    }
    fp = {**good, "image_id": 2, "score": 0.95}
    assert evaluate_keypoints(gt, [good])["AP"] == pytest.approx(1.0)
    assert evaluate_keypoints(gt, [good, fp])["AP"] < 1.0
    assert pck(gt, [good]) == 1.0
    with pytest.raises(Exception, match="not in the ground truth"):
        evaluate_keypoints(gt, [{**good, "image_id": 99}])
