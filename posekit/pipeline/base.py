"""The contracts between pipelines and their users (`PoseEstimator`, the video tracker).

A pipeline is anything that turns one image (H×W×3 RGB uint8) into `Poses`. A `RoiPipeline` can
also be split in two, so video can skip its detector on most frames: `detect_rois` finds regions
of interest, `run_rois` estimates poses in given regions and predicts the regions for the next
frame. Both are `typing.Protocol`s checked at run time with `isinstance`, never with `hasattr`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

import numpy as np

from posekit.pipeline.roi import Roi
from posekit.results import Poses

if TYPE_CHECKING:
    from posekit.pipeline.models import ZooModel


@runtime_checkable
class Pipeline(Protocol):
    def __call__(self, image: np.ndarray) -> Poses: ...


class RoiPoses(NamedTuple):
    """What `RoiPipeline.run_rois` returns: the poses found, and where to look on the next frame."""

    poses: Poses
    next_rois: list[Roi]


@runtime_checkable
class RoiPipeline(Pipeline, Protocol):
    def detect_rois(self, image: np.ndarray) -> list[Roi]: ...

    def run_rois(self, image: np.ndarray, rois: Sequence[Roi]) -> RoiPoses: ...


class Detections(NamedTuple):
    """Person boxes from a detector: (N, 4) xyxy float32 in image pixels and (N,) scores, best first."""

    boxes: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32))


@runtime_checkable
class PersonDetector(Protocol):
    def __call__(self, image: np.ndarray) -> Detections: ...


class CropPose(NamedTuple):
    """A single-person model's answer for one crop: (K, 2) keypoints in image pixels, (K,) scores."""

    keypoints: np.ndarray
    scores: np.ndarray


class CropModel(Protocol):
    """A single-person model on square crops, as `TopDown` runs it (MoveNet, or a user's heatmap /
    SimCC model): `crops` gives one `CropPose` per (center, side), in order; `close` ends any threads."""

    model: ZooModel

    def crops(
        self, image: np.ndarray, squares: Sequence[tuple[Sequence[float], float]]
    ) -> list[CropPose]: ...

    def close(self) -> None: ...
