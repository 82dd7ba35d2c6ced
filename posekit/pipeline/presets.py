"""Named pipelines: `--model` takes a preset name or a zoo model name; both build a pipeline here.

A pipeline is any callable `image (H×W×3 RGB uint8) -> Poses`.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from posekit.errors import ModelError
from posekit.results import Poses

Pipeline = Callable[[np.ndarray], Poses]

DEFAULT = "default"

# name -> (description, factory(device, threads))
_PRESETS: dict[str, tuple[str, Callable[..., Pipeline]]] = {}


def preset(name: str, description: str):
    def register(factory):
        _PRESETS[name] = (description, factory)
        return factory

    return register


@preset("default", "CenterNet person boxes → MoveNet Thunder on each crop (multi-person, COCO-17)")
def _default(device, threads):
    from posekit.pipeline.detectors import CenterNetDetector
    from posekit.pipeline.movenet import MoveNetCropModel
    from posekit.pipeline.topdown import TopDown

    # Boxes below 0.2 add 0.005 AP on the dev set (noise) for 3× the Thunder runs: left to "accurate".
    return TopDown([CenterNetDetector(min_score=0.2, device=device, threads=threads)],
                   MoveNetCropModel("movenet-thunder", device, threads), min_box_score=0.2)


@preset("fast", "MoveNet MultiPose, long side 384: one network pass for everyone (COCO-17)")
def _fast(device, threads):
    from posekit.pipeline.movenet import MoveNetMultiPose

    return MoveNetMultiPose(long_side=384, device=device, threads=threads)


@preset("accurate", "CenterNet boxes → MoveNet Thunder at 3 crop scales, median-fused (COCO-17; ~3× slower)")
def _accurate(device, threads):
    from posekit.pipeline.detectors import CenterNetDetector
    from posekit.pipeline.movenet import MoveNetCropModel
    from posekit.pipeline.topdown import TopDown

    return TopDown([CenterNetDetector(min_score=0.05, device=device, threads=threads)],
                   MoveNetCropModel("movenet-thunder", device, threads), box_scale=(1.1, 1.25, 1.4))


@preset("blazepose", "BlazePose detector → BlazePose full: 33 landmarks + 3D world, every person")
def _blazepose(device, threads):
    from posekit.pipeline.blazepose import BlazePose

    return BlazePose("blazepose-full", device=device, threads=threads)


@preset("blazepose-3d", "BlazePose full + heavy, each crop also mirrored: better 3D for 4× the landmark runs")
def _blazepose_3d(device, threads):
    from posekit.threed.mono.ensemble import BlazePoseEnsemble

    return BlazePoseEnsemble(device=device, threads=threads)


@preset("blazepose-pip", "BlazePose full from the MediaPipe wheel (no npm needed): 33 landmarks + 3D")
def _blazepose_pip(device, threads):
    from posekit.pipeline.blazepose import BlazePose

    return BlazePose("mediapipe-pose-landmark-full", detector="mediapipe-pose-detector",
                     device=device, threads=threads)


def _for_model(name: str, device, threads) -> Pipeline:
    """A zoo model name used as --model: the natural pipeline around that model."""
    from posekit.pipeline import blazepose, movenet

    if name == "movenet-multipose":
        return movenet.MoveNetMultiPose(long_side=512, device=device, threads=threads)
    if name in ("movenet-thunder", "movenet-lightning"):
        return movenet.MoveNetSingle(name, device=device, threads=threads)
    if name in ("blazepose-lite", "blazepose-full", "blazepose-heavy"):
        return blazepose.BlazePose(name, device=device, threads=threads)
    if name == "mediapipe-pose-landmark-full":
        return _blazepose_pip(device, threads)
    raise ModelError(f"{name!r} is a detector, not a pose model; use it through a preset "
                     f"({', '.join(_PRESETS)})")


def describe_presets() -> dict[str, str]:
    return {name: desc for name, (desc, _) in _PRESETS.items()}


def build_pipeline(model: str | None = None, device: str = "cpu", threads: int | None = None) -> Pipeline:
    from posekit.zoo import get_record

    name = model or DEFAULT
    if name in _PRESETS:
        return _PRESETS[name][1](device, threads)
    get_record(name)  # unknown names get a helpful error listing the models
    return _for_model(name, device, threads)
