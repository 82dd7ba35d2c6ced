"""Settings and registered builders of the user-model pipelines (`posekit models add`).

Kept apart from `posekit.pipeline.user_models` so that registering them loads no model code:
`posekit.pipeline.registry` imports this module, the builders import the pipelines lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, cast

from posekit.pipeline.base import Pipeline
from posekit.pipeline.registry import build_detector, register_pipeline
from posekit.pipeline.settings import DetectorSettings, Runtime
from posekit.zoo.schema import ModelRecord


@dataclass(frozen=True)
class UserTopDownSettings:
    """Person boxes → a user's heatmap (HRNet/ViTPose) or SimCC (RTMPose) model on each crop."""

    pipeline: ClassVar[str] = "user-topdown"
    pose: str = ""
    detectors: tuple[DetectorSettings, ...] = (DetectorSettings("centernet", min_score=0.2),)
    box_scale: tuple[float, ...] = (1.25,)
    min_box_score: float = 0.2
    max_people: int = 40
    nms_oks: float = 0.7
    follow_min_score: float = 0.3
    flip: bool = False  # flip test: twice the model runs

    @classmethod
    def for_model(cls, record: ModelRecord) -> UserTopDownSettings:
        return cls(pose=record.name)


@dataclass(frozen=True)
class UserBottomUpSettings:
    """A user's YOLO-pose or OpenPose model on the whole image."""

    pipeline: ClassVar[str] = "user-bottomup"
    model: str = ""
    min_score: float = 0.25  # YOLO-pose person confidence (Ultralytics' default)
    iou: float = 0.7  # YOLO-pose NMS
    peak_threshold: float = 0.1  # OpenPose part heatmaps
    min_parts: int = 3  # OpenPose: fewer parts is not a person

    @classmethod
    def for_model(cls, record: ModelRecord) -> UserBottomUpSettings:
        return cls(model=record.name)


# the registry's signature names the built-in settings union; these classes follow the same protocol
@register_pipeline(cast(Any, UserTopDownSettings))
def _user_topdown(s: UserTopDownSettings, rt: Runtime) -> Pipeline:
    from posekit.pipeline.topdown import TopDown
    from posekit.pipeline.user_models import UserCropModel

    crop_model = UserCropModel(s.pose, rt.device, rt.threads, flip=s.flip)
    return TopDown(
        [build_detector(d, rt) for d in s.detectors],
        crop_model,
        box_scale=s.box_scale,
        min_box_score=s.min_box_score,
        max_people=s.max_people,
        nms_oks=s.nms_oks,
        follow_min_score=s.follow_min_score,
    )


@register_pipeline(cast(Any, UserBottomUpSettings))
def _user_bottomup(s: UserBottomUpSettings, rt: Runtime) -> Pipeline:
    from posekit.pipeline.user_models import UserBottomUp

    return UserBottomUp(
        s.model,
        rt.device,
        rt.threads,
        min_score=s.min_score,
        iou=s.iou,
        peak_threshold=s.peak_threshold,
        min_parts=s.min_parts,
    )
