"""Settings of each kind of pipeline, as frozen dataclasses: what a preset is made of.

A settings object names its models by their zoo names and holds the pipeline's own thresholds; the
models' input sizes, normalisation and outputs come from their records, never from here. Each class
says which registered pipeline builds it (`pipeline`) and how to make settings for a zoo model given
as `--model` (`for_model`). Changing one value of a preset:

    from dataclasses import replace
    settings = replace(pipeline_settings("default"), min_box_score=0.1)
    pipeline = build(settings)

This module imports no model code, so listing presets stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from posekit.zoo.schema import ModelRecord


@dataclass(frozen=True)
class Runtime:
    """Where the models run: an ONNX Runtime device and intra-op threads per model (None: all cores)."""

    device: str = "cpu"
    threads: int | None = None


@dataclass(frozen=True)
class DetectorSettings:
    """A person detector of the zoo (its record's `pipeline` names the decoder) and its thresholds."""

    model: str = "centernet"
    min_score: float = 0.1
    iou: float = 0.6  # non-maximum suppression
    long_side: int | None = None  # CenterNet only: None = its 512×512 input; else fit the image's aspect


@dataclass(frozen=True)
class TopDownSettings:
    """Person boxes from one or more detectors → a single-pose model on each box's square crop."""

    pipeline: ClassVar[str] = "topdown"
    pose: str = "movenet-thunder"
    detectors: tuple[DetectorSettings, ...] = (DetectorSettings(),)
    box_scale: tuple[float, ...] = (1.25,)  # crop side / longest box side; several: median-fused
    min_box_score: float = 0.05
    max_people: int = 40
    nms_oks: float = 0.7
    follow_min_score: float = 0.3  # on video, people below this are found again by the detector
    # a frame's crops side by side on one-thread sessions (the runtime's threads split between them):
    # Thunder keeps one thread busy better than two (dev images 1.06-1.10x faster, docs/performance.md)
    parallel_crops: bool = True

    @classmethod
    def for_model(cls, record: ModelRecord) -> TopDownSettings:
        return cls(pose=record.name)


@dataclass(frozen=True)
class SinglePoseSettings:
    """One person on the whole image, then on a crop refined from the first pass."""

    pipeline: ClassVar[str] = "movenet-single"
    model: str = "movenet-thunder"
    refine: bool = True
    min_score: float = 0.2  # keypoints that count when refining the crop

    @classmethod
    def for_model(cls, record: ModelRecord) -> SinglePoseSettings:
        return cls(model=record.name)


@dataclass(frozen=True)
class MultiPoseSettings:
    """A one-stage multi-person model on the whole image resized to `long_side`."""

    pipeline: ClassVar[str] = "movenet-multipose"
    model: str = "movenet-multipose"
    long_side: int = 512
    min_score: float = 0.05

    @classmethod
    def for_model(cls, record: ModelRecord) -> MultiPoseSettings:
        return cls(model=record.name)


@dataclass(frozen=True)
class BlazePoseSettings:
    """Pose detector → rotated region of interest → landmark model, for every person."""

    pipeline: ClassVar[str] = "blazepose"
    landmarks: str = "blazepose-full"
    detector: str | None = None  # None: the detector the landmark model's record names
    max_people: int = 10
    min_presence: float = 0.5
    roi_scale: float = 1.25
    detector_min_score: float = 0.5
    detector_iou: float = 0.3

    @classmethod
    def for_model(cls, record: ModelRecord) -> BlazePoseSettings:
        return cls(landmarks=record.name, detector=record.detector)


@dataclass(frozen=True)
class BlazePose3DSettings:
    """BlazePose with several landmark models, each on the crop and (mirrored) its mirror image, averaged:
    better 3D for four landmark runs per person (`posekit.pipeline.blazepose3d`)."""

    pipeline: ClassVar[str] = "blazepose-3d"
    landmarks: tuple[str, ...] = ("blazepose-full", "blazepose-heavy")
    mirrored: bool = True
    detector: str = "blazepose-detector"
    max_people: int = 10
    min_presence: float = 0.5
    roi_scale: float = 1.25

    @classmethod
    def for_model(cls, record: ModelRecord) -> BlazePose3DSettings:
        return cls(landmarks=(record.name,))


PipelineSettings = (
    TopDownSettings | SinglePoseSettings | MultiPoseSettings | BlazePoseSettings | BlazePose3DSettings
)
SETTINGS_TYPES: tuple[type[PipelineSettings], ...] = (
    TopDownSettings,
    SinglePoseSettings,
    MultiPoseSettings,
    BlazePoseSettings,
    BlazePose3DSettings,
)
