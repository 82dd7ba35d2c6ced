"""The Python API that the CLI is a thin layer over: PoseEstimator.predict (skipping bad images),
__call__, and PoseEstimator.track handing its device and threads to the models."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

import posekit.estimator as estimator_module
from posekit.errors import InputError
from posekit.estimator import PoseEstimator, collect_inputs
from posekit.results import Poses


class FakePipeline:
    """One person whose nose sits at the image's center: enough to see which image was processed."""

    def __call__(self, image: np.ndarray) -> Poses:
        h, w = image.shape[:2]
        kp = np.full((1, 17, 2), [w / 2, h / 2], np.float32)
        return Poses(kp, np.ones((1, 17)), [[0, 0, w, h]], [0.9], "coco17", (h, w))


@pytest.fixture
def estimator(monkeypatch) -> PoseEstimator:
    monkeypatch.setattr(estimator_module, "build_pipeline", lambda *a, **k: FakePipeline())
    return PoseEstimator("fast")


@pytest.fixture
def images(tmp_path):
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"this is not an image")
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), np.zeros((40, 60, 3), np.uint8))
    return good, bad, small


def test_predict_skips_bad_images_and_reports_them(estimator, images):
    good, bad, small = images
    run = estimator.predict([good, bad, small], on_error="skip", progress=False)
    results = list(run)
    assert [r.name for r in results] == [str(good), str(small)]
    assert [r.index for r in results] == [0, 2]  # positions among the inputs, the skipped one counted
    assert results[1].poses.image_size == (40, 60)
    assert run.total == 3 and [s.name for s in run.skipped] == [str(bad)]
    assert "not an image" in run.skipped[0].reason and str(bad) in str(run.skipped[0])
    assert all(r.image is None for r in results)


def test_predict_raises_on_a_bad_image_by_default(estimator, images):
    good, bad, _ = images
    run = estimator.predict([good, bad], progress=False)
    with pytest.raises(InputError, match=r"bad\.jpg"):
        list(run)


def test_predict_checks_paths_before_any_work(estimator, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        estimator.predict([tmp_path / "missing.jpg"], on_error="skip")  # at the call, not on iteration
    with pytest.raises(ValueError, match="on_error"):
        estimator.predict([], on_error="ignore")


def test_predict_takes_named_images_in_memory_and_keeps_images(estimator, images):
    good, _, _ = images
    arr = data.astronaut()
    results = list(estimator.predict([("astronaut", arr), good, arr[:100]], keep_images=True, progress=False))
    assert [r.name for r in results] == ["astronaut", str(good), "image2"]
    assert results[0].image is not None and np.array_equal(results[0].image, arr)
    assert results[2].poses.image_size == (100, 512)


def test_collect_inputs_expands_folders(images):
    good, bad, small = images
    assert [n for n, _ in collect_inputs(good.parent)] == [str(bad), str(good), str(small)]


def test_call_single_and_list(estimator, images):
    good, _, small = images
    assert isinstance(estimator(good), Poses)
    both = estimator([good, small])
    assert isinstance(both, list) and [p.image_size for p in both] == [(512, 512), (40, 60)]
    bgr = estimator(np.ascontiguousarray(data.astronaut()[..., ::-1]), color="bgr")
    assert bgr.image_size == (512, 512)
    with pytest.raises(ValueError, match="color"):
        estimator(good, color="brg")  # type: ignore[call-overload]


@pytest.mark.models
def test_track_uses_the_estimators_device_and_threads(monkeypatch, tmp_path):
    """A CUDA estimator must track on CUDA: every model the tracker loads gets the estimator's device
    and threads (recorded at OnnxModel, then run on the CPU, since this machine has no GPU)."""
    from posekit.runtime.session import OnnxModel

    seen: list[tuple[str, int | None]] = []
    real_init = OnnxModel.__init__

    def recording_init(self, path, device="cpu", threads=None, outputs=None):
        seen.append((device, threads))
        real_init(self, path, device="cpu", threads=threads, outputs=outputs)

    monkeypatch.setattr(OnnxModel, "__init__", recording_init)
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"{i:03d}.png"), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    est = PoseEstimator("fast", device="cuda", threads=2)
    assert seen == [("cuda", 2)]
    seen.clear()
    results = list(est.track(str(tmp_path), max_frames=2))
    assert len(results) == 2 and all(r.poses.track_ids is not None for r in results)
    assert seen and {d for d, _ in seen} == {"cuda"}
    assert seen[-1] == ("cuda", 2)  # the models that ran: one frame at a time, with the threads asked for
