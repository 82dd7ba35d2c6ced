"""Settings of the "blazepose-3d" pipeline (`posekit.threed.mono.ensemble`), registered with the
pipeline registry. Light on purpose: importing it loads no model and no OpenCV."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from posekit.pipeline.base import Pipeline
from posekit.pipeline.registry import register_pipeline
from posekit.pipeline.settings import Runtime


@dataclass(frozen=True)
class BlazePose3DSettings:
    """BlazePose with several landmark models, each on the crop and (mirrored) its mirror image."""

    pipeline: ClassVar[str] = "blazepose-3d"
    landmarks: tuple[str, ...] = ("blazepose-full", "blazepose-heavy")
    mirrored: bool = True
    detector: str = "blazepose-detector"
    max_people: int = 10
    min_presence: float = 0.5
    roi_scale: float = 1.25

    @classmethod
    def for_model(cls, record: Any) -> BlazePose3DSettings:
        return cls(landmarks=(record.name,))


@register_pipeline(BlazePose3DSettings)  # type: ignore[arg-type]
def _build(s: BlazePose3DSettings, rt: Runtime) -> Pipeline:
    from posekit.threed.mono.ensemble import BlazePoseEnsemble

    return BlazePoseEnsemble(
        s.landmarks, s.mirrored, s.detector, s.max_people, s.min_presence, s.roi_scale, rt.device, rt.threads
    )
