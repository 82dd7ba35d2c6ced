"""A frame's Thunder crops side by side on one-thread sessions (issue 11, part P;
`TopDownSettings.parallel_crops`): the same skeletons as one session running them in turn, one session for
a budget of one thread, no threads left behind, and errors raised as the one-by-one loop raises them."""

from __future__ import annotations

import dataclasses
import gc
import json
import threading
import time

import numpy as np
import pytest
from shared_data import shared_path
from skimage import data

from posekit.pipeline.movenet import MoveNetCropModel, session_split
from posekit.pipeline.presets import build_pipeline, pipeline_settings
from posekit.pipeline.registry import build
from posekit.pipeline.settings import Runtime, TopDownSettings
from posekit.pipeline.topdown import TopDown

pytestmark = pytest.mark.models

DEV = shared_path("posebench-dev")


def _crop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("posekit-crop")]


def _wait_gone(timeout: float = 5.0) -> list[threading.Thread]:
    end = time.monotonic() + timeout
    while _crop_threads() and time.monotonic() < end:
        time.sleep(0.02)
    return _crop_threads()


def _build(preset: str, threads: int, parallel: bool) -> TopDown:
    settings = pipeline_settings(preset)
    assert isinstance(settings, TopDownSettings)
    pipeline = build(dataclasses.replace(settings, parallel_crops=parallel), Runtime("cpu", threads))
    assert isinstance(pipeline, TopDown)
    return pipeline


def _images() -> list[np.ndarray]:
    images = [data.astronaut()]
    if DEV.exists():  # a few dev photos, one of them crowded (14 people): the bundled one has one person
        from posekit.io.images import load_image

        gt = json.loads((DEV / "annotations" / "person_keypoints.json").read_text())
        images += [load_image(DEV / "images" / info["file_name"]) for info in gt["images"][:6]]
    return images


def test_presets_split_the_thread_budget():
    for preset in ("default", "accurate"):
        pipeline = build_pipeline(preset, threads=2)
        assert isinstance(pipeline, TopDown) and len(pipeline.pose.models) == 2
        assert all(
            m.onnx.session.get_session_options().intra_op_num_threads == 1 for m in pipeline.pose.models
        )


def test_thread_budget_split():
    assert session_split(1) == (1, 1)
    assert session_split(2) == (2, 1)
    assert session_split(3) == (3, 1)
    assert session_split(8) == (4, 2)  # capped: each session is a copy of the weights
    assert session_split(2, "cuda") == (1, 2)


@pytest.mark.parametrize("preset", ["default", "accurate"])
def test_same_skeletons_as_one_session_in_turn(preset):
    parallel = _build(preset, 2, True)
    serial = _build(preset, 2, False)
    assert len(serial.pose.models) == 1 and len(parallel.pose.models) == 2
    images = _images() if preset == "default" else _images()[:3]  # accurate: 3 crops a person
    crops = 0
    for image in images:
        rois = parallel.detect_rois(image)
        crops += len(rois)
        a, next_a = parallel.run_rois(image, rois)
        b, next_b = serial.run_rois(image, rois)
        assert len(a) == len(b) and len(next_a) == len(next_b)
        np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-3)
        np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)
        np.testing.assert_allclose(a.person_scores, b.person_scores, atol=1e-5)
        for ra, rb in zip(next_a, next_b):
            np.testing.assert_allclose(ra.center, rb.center, atol=1e-3)
    assert crops >= 2  # several crops did go through the pool
    parallel.close()
    serial.close()


def test_budget_of_one_thread_keeps_one_session_and_no_pool():
    pipeline = _build("default", 1, True)
    assert len(pipeline.pose.models) == 1
    image = data.astronaut()
    side = float(min(image.shape[:2]))
    out = pipeline.pose.crops(image, [((256.0, 256.0), side), ((200.0, 200.0), side / 2)])
    assert len(out) == 2
    assert pipeline.pose._pool is None and not _crop_threads()


def test_one_crop_runs_in_the_calling_thread():
    model = MoveNetCropModel("movenet-thunder", "cpu", 2, sessions=None)
    image = data.astronaut()
    (pose,) = model.crops(image, [((256.0, 256.0), 512.0)])
    same = model(image, (256.0, 256.0), 512.0)
    np.testing.assert_array_equal(pose.keypoints, same.keypoints)
    assert model._pool is None


def test_pool_ends_with_close_and_with_garbage_collection():
    assert not _wait_gone()
    image = data.astronaut()
    squares = [((256.0, 256.0), 512.0), ((230.0, 150.0), 300.0), ((300.0, 300.0), 200.0)]
    pipeline = _build("default", 2, True)
    pipeline.pose.crops(image, squares)
    assert len(_crop_threads()) == 2
    pipeline.close()
    assert not _crop_threads()  # close() waits for them
    pipeline.pose.crops(image, squares)  # usable again after close: a new pool
    assert _crop_threads()
    del pipeline
    gc.collect()
    assert not _wait_gone(), "crop threads outlived their pipeline"


def test_errors_raise_as_in_turn_and_leave_the_sessions_usable():
    image = data.astronaut()
    good, bad = ((256.0, 256.0), 400.0), ((100.0, 100.0), 0.0)
    serial = MoveNetCropModel("movenet-thunder", "cpu", 2)
    parallel = MoveNetCropModel("movenet-thunder", "cpu", 2, sessions=None)
    for squares in ([good, bad, good], [bad, good]):
        with pytest.raises(ValueError) as in_turn:
            serial.crops(image, squares)
        with pytest.raises(ValueError) as side_by_side:
            parallel.crops(image, squares)
        assert str(side_by_side.value) == str(in_turn.value)
    with pytest.raises(Exception) as in_turn_onnx:  # the model itself refuses a grey image
        serial.crops(image[..., 0], [good, good])
    with pytest.raises(type(in_turn_onnx.value)):
        parallel.crops(image[..., 0], [good, good])
    # every session went back to the free list: a full batch still runs
    out = parallel.crops(image, [good] * 4)
    assert len(out) == 4 and parallel._free.qsize() == len(parallel.models)
    parallel.close()
