"""RoiFollower's schedule (when the detector runs, which model runs) and the fast paths of video, on
fake pipelines: no models needed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from posekit.pipeline.base import RoiPoses
from posekit.pipeline.blazepose import detector_input
from posekit.pipeline.roi import Roi
from posekit.pipeline.transforms import apply_transform, letterbox, warp
from posekit.results import Poses
from posekit.track.tracker import _assign
from posekit.video.follow import RoiFollower


class FakePipeline:
    """Detects `found` people; follows each roi unless the frame number is in `drop_on`."""

    layout = "coco17"

    def __init__(self, found: list[Roi], drop_on: Sequence[int] = ()) -> None:
        self.found, self.drop_on = found, set(drop_on)
        self.frame, self.runs = 0, 0

    def __call__(self, image: np.ndarray) -> Poses:
        return self.run_rois(image, self.detect_rois(image))[0]

    def detect_rois(self, image: np.ndarray) -> list[Roi]:
        return list(self.found)

    def run_rois(self, image: np.ndarray, rois: Sequence[Roi]) -> RoiPoses:
        self.frame += 1
        self.runs += 1
        keep = [] if self.frame in self.drop_on else list(rois)
        return RoiPoses(Poses.empty("coco17", image.shape[:2]), keep)


def roi(x: float, score: float = 0.9) -> Roi:
    return Roi((x, 50.0), 40.0, 0.0, score)


def detection_frames(follower: RoiFollower, frames: int) -> list[int]:
    image = np.zeros((100, 300, 3), np.uint8)
    out = []
    for i in range(frames):
        rois, detect = follower.plan()
        poses, next_rois, used = follower.work(image, rois, detect)
        follower.finish(next_rois, used)
        if detect:
            out.append(i)
    return out


def test_detector_runs_every_n_frames_while_everyone_is_followed():
    f = RoiFollower(FakePipeline([roi(50), roi(150)]), redetect_every=5)  # type: ignore[arg-type]
    assert detection_frames(f, 12) == [0, 5, 10]


def test_a_loss_brings_the_detector_back_after_min_gap_frames_not_at_once():
    # a person is lost on every frame (as people at the edge of a crowd are): the detector runs every
    # min_gap frames, not on every frame
    pipe = FakePipeline([roi(50), roi(150)], drop_on=range(2, 100, 1))
    f = RoiFollower(pipe, redetect_every=15, min_gap=4)  # type: ignore[arg-type]
    # frame 1 loses everyone: with nobody followed, the detector runs on every frame, gap or not
    assert detection_frames(f, 4) == [0, 2, 3]
    pipe2 = FakePipeline([roi(50), roi(150)])
    pipe2.run_rois = _lose_one(pipe2)  # type: ignore[method-assign]
    f2 = RoiFollower(pipe2, redetect_every=15, min_gap=4)  # type: ignore[arg-type]
    # frame 0 loses one of two people: the detector comes back at frame 4 (min_gap), not at frame 1
    assert detection_frames(f2, 12) == [0, 4]


def _lose_one(pipe: FakePipeline):
    def run(image: np.ndarray, rois: Sequence[Roi]) -> RoiPoses:
        pipe.runs += 1
        return RoiPoses(Poses.empty("coco17", image.shape[:2]), list(rois)[: max(1, len(rois) - 1)])

    return run


def test_follow_pipeline_runs_the_frames_without_detection_and_low_boxes_are_skipped():
    full = FakePipeline([roi(50), roi(150, score=0.1)])
    light = FakePipeline([])
    f = RoiFollower(full, redetect_every=3, follow_pipeline=light, min_score=0.3)  # type: ignore[arg-type]
    assert detection_frames(f, 6) == [0, 3]
    assert (full.runs, light.runs) == (2, 4)
    assert [r.center[0] for r in f.rois] == [50]  # the 0.1 box was never looked at


@pytest.mark.parametrize("shape", [(1, 4), (5, 1), (1, 1)])
def test_single_row_or_column_assignment_is_the_argmax(shape):
    from scipy.optimize import linear_sum_assignment

    sim = np.random.default_rng(0).random(shape)
    rows, cols = _assign(sim)
    r2, c2 = linear_sum_assignment(-sim)
    assert rows.tolist() == r2.tolist() and cols.tolist() == c2.tolist()


def test_detector_input_of_a_large_frame_maps_points_like_the_area_resize():
    image = np.random.default_rng(1).integers(0, 255, (1080, 1920, 3), np.uint8)
    out, m = detector_input(image, (224, 224))
    ref, m_ref = letterbox(image, (224, 224))
    p = np.array([[0.0, 0.0], [1920.0, 1080.0], [700.5, 333.25]])
    np.testing.assert_allclose(apply_transform(p, m), apply_transform(p, m_ref), atol=0.1)
    assert out.shape == (224, 224, 3) and out[:40].max() == 0 and out[-40:].max() == 0  # padded bands
    # on noise, the worst case for aliasing, about half the difference of one bilinear warp (18 vs 40 levels)
    diff = np.abs(out.astype(int) - ref.astype(int))[50:170].mean()
    warp_diff = np.abs(warp(image, m_ref, (224, 224)).astype(int) - ref.astype(int))[50:170].mean()
    assert diff < 0.6 * warp_diff


@pytest.mark.models
def test_auto_follow_model_is_lightning_for_thunder_presets_only():
    from posekit.video.tracking import VideoPoseTracker

    fast = VideoPoseTracker("default", follow_model="auto", threads=1)
    assert fast.follower is not None
    assert fast.follower.pipeline.pose.model.name == "movenet-thunder"  # type: ignore[attr-defined]
    assert fast.follower.follow_pipeline.pose.model.name == "movenet-lightning"  # type: ignore[attr-defined]
    same = VideoPoseTracker("blazepose", follow_model="auto", threads=1).follower
    assert same is not None and same.follow_pipeline is same.pipeline
    with pytest.raises(ValueError, match="top-down"):
        VideoPoseTracker("blazepose", follow_model="movenet-lightning", threads=1)
