"""Named pipelines: `--model` takes a preset name or a zoo model name; both resolve to settings here.

A preset is a record like a zoo model's: a name, a description and a settings object (a frozen
dataclass from `posekit.pipeline.settings`) whose class names the registered pipeline that builds it.
A zoo model's record names its pipeline itself. Presets come first when a name is looked up.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from posekit.errors import ModelError
from posekit.pipeline.base import Pipeline
from posekit.pipeline.registry import build, settings_for_model
from posekit.pipeline.settings import (
    BlazePose3DSettings,
    BlazePoseSettings,
    DetectorSettings,
    MultiPoseSettings,
    PipelineSettings,
    Runtime,
    TopDownSettings,
)
from posekit.zoo import get_record, model_names

DEFAULT = "default"


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    settings: PipelineSettings


PRESETS: tuple[Preset, ...] = (
    Preset(
        "default",
        "CenterNet person boxes → MoveNet Thunder on each crop (multi-person, COCO-17)",
        # Boxes below 0.2 add 0.005 AP on the dev set (noise) for 3× the Thunder runs: left to "accurate".
        # CenterNet at the image's own aspect (DetectorSettings.long_side=512) is 1.26× faster on the
        # dev images, but its scores drop (padding is context it was trained with): in video half the
        # confident people are lost to the 0.3 track threshold (docs/performance.md). So: 512×512.
        TopDownSettings(
            pose="movenet-thunder",
            detectors=(DetectorSettings("centernet", min_score=0.2),),
            min_box_score=0.2,
        ),
    ),
    Preset(
        "fast",
        "MoveNet MultiPose, long side 384: one network pass for everyone (COCO-17)",
        MultiPoseSettings(model="movenet-multipose", long_side=384),
    ),
    Preset(
        "accurate",
        "CenterNet boxes → MoveNet Thunder at 3 crop scales, median-fused (COCO-17; ~3× slower)",
        TopDownSettings(
            pose="movenet-thunder",
            detectors=(DetectorSettings("centernet", min_score=0.05),),
            box_scale=(1.1, 1.25, 1.4),
        ),
    ),
    Preset(
        "blazepose",
        "BlazePose detector → BlazePose full: 33 landmarks + 3D world, every person",
        BlazePoseSettings(landmarks="blazepose-full", detector="blazepose-detector"),
    ),
    Preset(
        "blazepose-pip",
        "BlazePose full from the MediaPipe wheel (no npm needed): 33 landmarks + 3D",
        BlazePoseSettings(landmarks="mediapipe-pose-landmark-full", detector="mediapipe-pose-detector"),
    ),
    Preset(
        "blazepose-3d",
        "BlazePose full + heavy, each crop also mirrored: better 3D for 4× the landmark runs",
        BlazePose3DSettings(),
    ),
)

_BY_NAME = {p.name: p for p in PRESETS}


def preset_names() -> list[str]:
    return list(_BY_NAME)


def describe_presets() -> dict[str, str]:
    return {p.name: p.description for p in PRESETS}


def get_preset(name: str) -> Preset:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ModelError(_unknown(name)) from None


def pipeline_settings(model: str | None = None) -> PipelineSettings:
    """The settings behind a preset or zoo model name (None: the default preset)."""
    name = model or DEFAULT
    if name in _BY_NAME:
        return _BY_NAME[name].settings
    if name not in model_names():
        raise ModelError(_unknown(name))
    try:
        return settings_for_model(get_record(name))
    except ModelError as exc:  # a detector: say which names do work
        raise ModelError(f"{exc} ({', '.join(_BY_NAME)})") from None


def build_pipeline(model: str | None = None, device: str = "cpu", threads: int | None = None) -> Pipeline:
    """The pipeline for a preset or zoo model name, its models on `device` with `threads` each."""
    return build(pipeline_settings(model), Runtime(device, threads))


def pose_model_names() -> list[str]:
    """Zoo models that work as `--model` on their own (detectors work only inside a preset)."""
    return [n for n in model_names() if get_record(n).task not in ("person-detector", "pose-detector")]


def _unknown(name: str) -> str:
    """One line: close matches first, then the presets (what most people want), then the models."""
    close = difflib.get_close_matches(name, [*_BY_NAME, *model_names()], n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return (
        f"unknown model {name!r}.{hint} Presets: {', '.join(_BY_NAME)}; "
        f"zoo pose models: {', '.join(pose_model_names())} (see `posekit models list`)"
    )
