"""Fuzzed JSON inputs: OpenPose folders (posekit.io.openpose and the export read-back) and COCO ground truth."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np
from fuzz_harness import FUZZ, check, mutated_bytes, mutated_tree, scratch
from hypothesis import example, given

from posekit.eval import bootstrap_ap, evaluate_keypoints, pck
from posekit.export.openpose import read_openpose
from posekit.io.openpose import OpenPoseFrames, read_openpose_folder, write_openpose_folder


def _openpose_file() -> bytes:
    rng = np.random.default_rng(2)
    kp = rng.uniform(10, 200, (1, 2, 25, 2))
    with tempfile.TemporaryDirectory() as d:
        write_openpose_folder(d, kp, rng.uniform(0.3, 1, (1, 2, 25)))
        return next(Path(d).iterdir()).read_bytes()


OPENPOSE = _openpose_file()
OPENPOSE_DOC = json.loads(OPENPOSE)


def _read_openpose(blob: bytes) -> None:
    with scratch() as d:
        (d / "frame_000000000000_keypoints.json").write_text(json.dumps(json.loads(OPENPOSE)))  # a valid one
        bad = d / "frame_000000000001_keypoints.json"
        bad.write_bytes(blob)
        got = check("openpose (io)", (bad.name, str(d)), lambda: read_openpose_folder(d))
        if got is not None:
            assert isinstance(got, OpenPoseFrames) and got.keypoints.ndim == 4
        back = check("openpose (export read-back)", (bad.name, str(d)), lambda: read_openpose(d))
        for index, kp, ids in back or []:
            assert isinstance(index, int) and kp.ndim == 3 and kp.shape[2] == 3 and len(ids) == len(kp)


@FUZZ
@given(blob=mutated_bytes(OPENPOSE))
@example(blob=b"\xff")  # bug: UnicodeDecodeError escaped from the export read-back
def test_mutated_openpose_bytes(blob: bytes) -> None:
    _read_openpose(blob)


@FUZZ
@given(doc=mutated_tree(OPENPOSE_DOC))
@example(doc={"people": [{"pose_keypoints_2d": [1, 2]}]})  # bug: ValueError (reshape) in the read-back
@example(doc={"people": [{"pose_keypoints_2d": "x"}]})  # bug: ValueError (str to float) in the read-back
@example(doc=[])  # bug: AttributeError ('list' has no .get) in read_openpose_folder
def test_mutated_openpose_fields(doc: object) -> None:
    _read_openpose(json.dumps(doc).encode())


# --- COCO keypoint ground truth ------------------------------------------------------------------
def _coco() -> tuple[dict, list[dict]]:
    rng = np.random.default_rng(3)
    images, anns, dets = [], [], []
    for i in (1, 2):
        images.append({"id": i, "file_name": f"{i}.jpg", "width": 200, "height": 200})
        k = np.concatenate([rng.uniform(20, 180, (17, 2)), np.full((17, 1), 2.0)], 1)
        box = [float(k[:, 0].min()), float(k[:, 1].min()), 60.0, 90.0]
        anns.append(
            {
                "id": i,
                "image_id": i,
                "category_id": 1,
                "keypoints": k.ravel().tolist(),
                "num_keypoints": 17,
                "bbox": box,
                "area": 5400.0,
                "iscrowd": 0,
            }
        )
        d = k.copy()
        d[:, :2] += rng.normal(0, 2, (17, 2))
        dets.append({"image_id": i, "category_id": 1, "keypoints": d.ravel().tolist(), "score": 0.9})
    cats = [{"id": 1, "name": "person", "keypoints": [], "skeleton": []}]
    return {"images": images, "annotations": anns, "categories": cats}, dets


COCO_GT, COCO_DETS = _coco()


def _evaluate(gt_blob: bytes, dets: list) -> None:
    with scratch() as d:
        path = d / "person_keypoints.json"
        path.write_bytes(gt_blob)
        r = check(
            "coco (evaluate_keypoints)", (path.name, "detection"), lambda: evaluate_keypoints(path, dets)
        )
        if r is not None:
            assert set(r) >= {"AP", "AR"} and all(isinstance(v, float) for v in r.values())
        b = check("coco (bootstrap_ap)", (path.name, "detection"), lambda: bootstrap_ap(path, dets, n=5))
        assert b is None or len(b) == 2
        p = check("coco (pck)", (path.name, "detection"), lambda: pck(path, dets))
        assert p is None or isinstance(p, float)


@FUZZ
@given(blob=mutated_bytes(json.dumps(COCO_GT).encode()))
def test_mutated_coco_bytes(blob: bytes) -> None:
    _evaluate(blob, COCO_DETS)


@FUZZ
@given(gt=mutated_tree(COCO_GT))
@example(gt={**COCO_GT, "images": "x"})  # bug: TypeError inside pycocotools
@example(gt={**COCO_GT, "annotations": [{**COCO_GT["annotations"][0], "keypoints": [1, 2]}]})  # bug: in pck
@example(gt={**COCO_GT, "annotations": [{**COCO_GT["annotations"][0], "bbox": [math.nan] * 4}]})  # passes
def test_mutated_coco_ground_truth(gt: object) -> None:
    _evaluate(json.dumps(gt).encode(), COCO_DETS)


@FUZZ
@given(dets=mutated_tree(COCO_DETS))
@example(dets=[{**COCO_DETS[0], "keypoints": [1.0, 2.0]}])  # bug: ValueError (reshape) in pck
def test_mutated_detections(dets: object) -> None:
    _evaluate(json.dumps(COCO_GT).encode(), dets)  # type: ignore[arg-type]
