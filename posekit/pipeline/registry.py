"""The pipeline registry: pipeline name → (settings type, builder), and detector name → decoder.

A zoo record names the pipeline that runs it (`ModelRecord.pipeline`); a preset is a settings
object, whose class names its pipeline. `build(settings)` looks the builder up here, so adding a
kind of pipeline is one settings class and one registered builder, with no if-chain to extend:

    @register_pipeline(MySettings)
    def _mine(s: MySettings, rt: Runtime) -> Pipeline: ...

Builders import their pipeline modules lazily: listing presets does not load OpenCV or models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from posekit.errors import ModelError
from posekit.pipeline.base import PersonDetector, Pipeline
from posekit.pipeline.settings import (
    BlazePose3DSettings,
    BlazePoseSettings,
    DetectorSettings,
    MultiPoseSettings,
    PipelineSettings,
    Runtime,
    SinglePoseSettings,
    TopDownSettings,
)
from posekit.zoo import get_record
from posekit.zoo.schema import ModelRecord


@dataclass(frozen=True)
class RegisteredPipeline:
    name: str
    settings: type[PipelineSettings]
    build: Callable[[Any, Runtime], Pipeline]


_PIPELINES: dict[str, RegisteredPipeline] = {}
_DETECTORS: dict[str, Callable[[DetectorSettings, Runtime], PersonDetector]] = {}


def register_pipeline(
    settings: type[PipelineSettings],
) -> Callable[[Callable[[Any, Runtime], Pipeline]], Callable[[Any, Runtime], Pipeline]]:
    def register(build: Callable[[Any, Runtime], Pipeline]) -> Callable[[Any, Runtime], Pipeline]:
        _PIPELINES[settings.pipeline] = RegisteredPipeline(settings.pipeline, settings, build)
        return build

    return register


def register_detector(
    name: str,
) -> Callable[
    [Callable[[DetectorSettings, Runtime], PersonDetector]],
    Callable[[DetectorSettings, Runtime], PersonDetector],
]:
    def register(
        build: Callable[[DetectorSettings, Runtime], PersonDetector],
    ) -> Callable[[DetectorSettings, Runtime], PersonDetector]:
        _DETECTORS[name] = build
        return build

    return register


def pipeline_names() -> list[str]:
    return list(_PIPELINES)


def settings_for_model(record: ModelRecord) -> PipelineSettings:
    """The settings of the pipeline a zoo model's record names, for that model."""
    if record.pipeline is None or record.pipeline not in _PIPELINES:
        what = "a person detector" if record.task == "person-detector" else f"a {record.task} model"
        raise ModelError(f"{record.name!r} is {what}, not a pose pipeline; use it through a preset")
    return _PIPELINES[record.pipeline].settings.for_model(record)


def build(settings: PipelineSettings, runtime: Runtime | None = None) -> Pipeline:
    """The pipeline that `settings` describe, its models loaded on `runtime`'s device."""
    entry = _PIPELINES.get(settings.pipeline)
    if entry is None or not isinstance(settings, entry.settings):
        raise ModelError(f"no pipeline registered for {type(settings).__name__}")
    return entry.build(settings, runtime or Runtime())


def build_detector(settings: DetectorSettings, runtime: Runtime | None = None) -> PersonDetector:
    record = get_record(settings.model)
    if record.task != "person-detector" or record.pipeline not in _DETECTORS:
        raise ModelError(f"{settings.model!r} is not a person detector (detectors: {', '.join(_DETECTORS)})")
    return _DETECTORS[record.pipeline](settings, runtime or Runtime())


def _pose_model(name: str, task: str) -> ModelRecord:
    record = get_record(name)
    if record.task != task:
        raise ModelError(f"{name!r} is a {record.task} model; this pipeline needs a {task} model")
    return record


# --- the registered detectors and pipelines -----------------------------------------------------


@register_detector("centernet")
def _centernet(s: DetectorSettings, rt: Runtime) -> PersonDetector:
    from posekit.pipeline.detectors import CenterNetDetector

    return CenterNetDetector(s.min_score, s.iou, rt.device, rt.threads, name=s.model, long_side=s.long_side)


@register_detector("nanodet")
def _nanodet(s: DetectorSettings, rt: Runtime) -> PersonDetector:
    from posekit.pipeline.detectors import NanoDetDetector

    return NanoDetDetector(s.min_score, s.iou, rt.device, rt.threads, name=s.model)


@register_pipeline(TopDownSettings)
def _topdown(s: TopDownSettings, rt: Runtime) -> Pipeline:
    from posekit.pipeline.movenet import MoveNetCropModel
    from posekit.pipeline.topdown import TopDown

    _pose_model(s.pose, "single-pose")
    return TopDown(
        [build_detector(d, rt) for d in s.detectors],
        MoveNetCropModel(s.pose, rt.device, rt.threads, sessions=None if s.parallel_crops else 1),
        box_scale=s.box_scale,
        min_box_score=s.min_box_score,
        max_people=s.max_people,
        nms_oks=s.nms_oks,
        follow_min_score=s.follow_min_score,
    )


@register_pipeline(SinglePoseSettings)
def _single(s: SinglePoseSettings, rt: Runtime) -> Pipeline:
    from posekit.pipeline.movenet import MoveNetSingle

    _pose_model(s.model, "single-pose")
    return MoveNetSingle(
        s.model, refine=s.refine, min_score=s.min_score, device=rt.device, threads=rt.threads
    )


@register_pipeline(MultiPoseSettings)
def _multi(s: MultiPoseSettings, rt: Runtime) -> Pipeline:
    from posekit.pipeline.movenet import MoveNetMultiPose

    _pose_model(s.model, "multi-pose")
    return MoveNetMultiPose(s.long_side, s.min_score, rt.device, rt.threads, name=s.model)


@register_pipeline(BlazePoseSettings)
def _blazepose(s: BlazePoseSettings, rt: Runtime) -> Pipeline:
    from posekit.pipeline.blazepose import BlazePose

    _pose_model(s.landmarks, "pose-landmarks")
    if s.detector is not None:
        _pose_model(s.detector, "pose-detector")
    return BlazePose(
        s.landmarks,
        s.detector,
        s.max_people,
        s.min_presence,
        s.roi_scale,
        rt.device,
        rt.threads,
        detector_min_score=s.detector_min_score,
        detector_iou=s.detector_iou,
    )


@register_pipeline(BlazePose3DSettings)
def _blazepose3d(s: BlazePose3DSettings, rt: Runtime) -> Pipeline:
    from posekit.pipeline.blazepose3d import BlazePoseEnsemble

    for name in s.landmarks:
        _pose_model(name, "pose-landmarks")
    return BlazePoseEnsemble(
        s.landmarks, s.mirrored, s.detector, s.max_people, s.min_presence, s.roi_scale, rt.device, rt.threads
    )


# user models (`posekit models add`): their settings and builders register themselves
from posekit.pipeline import user_settings as _user_settings  # noqa: E402, F401
