"""Every pipeline on real photos: scikit-image's astronaut, and the shared COCO dev set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from skimage import data

from posekit import PoseEstimator
from posekit.pipeline.presets import describe_presets

pytestmark = pytest.mark.models

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "posebench-dev"
# Eileen Collins' nose in skimage.data.astronaut(), read off the photo (pixels, corner origin).
ASTRONAUT_NOSE = np.array([224.0, 123.0])
PIPELINES = [
    "default",
    "fast",
    "accurate",
    "blazepose",
    "blazepose-pip",
    "movenet-thunder",
    "movenet-lightning",
    "movenet-multipose",
    "blazepose-lite",
    "blazepose-heavy",
]


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut()


@pytest.mark.parametrize("name", PIPELINES)
def test_finds_the_astronaut(name, astronaut):
    poses = PoseEstimator(name, threads=2)(astronaut).to_layout("coco17")
    assert len(poses) >= 1
    best = int(np.argmax(poses.person_scores))
    nose = poses.keypoints[best, 0]
    assert np.linalg.norm(nose - ASTRONAUT_NOSE) < 15, f"{name}: nose at {nose}"
    assert poses.scores.min() >= 0 and poses.scores.max() <= 1
    # shoulders below the nose, in image order left/right as COCO defines them (person's left on image right)
    assert poses.keypoints[best, 5, 1] > nose[1] and poses.keypoints[best, 6, 1] > nose[1]
    assert poses.keypoints[best, 5, 0] > poses.keypoints[best, 6, 0]


def test_blazepose_gives_33_points_visibility_and_world(astronaut):
    poses = PoseEstimator("blazepose", threads=2)(astronaut)
    assert poses.layout.name == "blazepose33" and poses.keypoints.shape[1:] == (33, 2)
    assert poses.world is not None and poses.world.shape[1:] == (33, 3)
    # world landmarks are metres around the hips: shoulders ~0.3–0.5 m apart
    shoulder_width = np.linalg.norm(poses.world[0, 11] - poses.world[0, 12])
    assert 0.2 < shoulder_width < 0.6
    assert set(poses.extra) >= {"visibility", "presence"}


def test_every_person_not_only_the_first():
    pair = np.concatenate([data.astronaut(), data.astronaut()[:, ::-1]], axis=1)  # two people side by side
    for name in ("default", "blazepose", "movenet-multipose"):
        poses = PoseEstimator(name, threads=2)(pair).filter(min_score=0.1).to_layout("coco17")
        noses = poses.keypoints[:, 0]
        left = (np.linalg.norm(noses - ASTRONAUT_NOSE, axis=1) < 20).any()
        right = (np.linalg.norm(noses - [1024 - ASTRONAUT_NOSE[0], ASTRONAUT_NOSE[1]], axis=1) < 20).any()
        assert left and right, f"{name}: noses at {noses}"


def test_batch_and_input_kinds(astronaut, tmp_path):
    from PIL import Image

    est = PoseEstimator("fast", threads=2)
    path = tmp_path / "a.png"
    Image.fromarray(astronaut).save(path)
    from_array = est(astronaut)
    from_path, from_pil = est([path, Image.fromarray(astronaut)])
    from_bgr = est(np.ascontiguousarray(astronaut[..., ::-1]), color="bgr")
    for other in (from_path, from_pil, from_bgr):
        np.testing.assert_allclose(other.keypoints, from_array.keypoints, atol=1e-3)


def test_presets_are_listed():
    assert {"default", "fast", "accurate", "blazepose", "blazepose-pip"} <= set(describe_presets())


@pytest.mark.skipif(not DEV.exists(), reason="../shared/data/posebench-dev is not present")
def test_default_pipeline_ap_on_dev_subset():
    """A real accuracy check: OKS AP of the default pipeline on the dev images that have people."""
    from posekit.eval.coco import evaluate_keypoints
    from posekit.io import load_image

    gt = json.loads((DEV / "annotations" / "person_keypoints.json").read_text())
    with_people = {a["image_id"] for a in gt["annotations"] if a.get("num_keypoints", 0) > 0}
    images = [im for im in gt["images"] if im["id"] in with_people][:30]
    ids = {im["id"] for im in images}
    sub = {**gt, "images": images, "annotations": [a for a in gt["annotations"] if a["image_id"] in ids]}
    est = PoseEstimator(threads=2)
    dets = []
    for im in images:
        dets += est(load_image(DEV / "images" / im["file_name"])).to_coco(im["id"])
    ap = evaluate_keypoints(sub, dets)["AP"]
    assert ap > 0.35, ap
