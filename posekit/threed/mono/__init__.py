"""3D from one camera: refine BlazePose's world landmarks over a sequence, place people in camera space.

Names are imported lazily, so that importing the package stays cheap. The "blazepose-3d" pipeline, which
averages several landmark readings of each person, is inference: `posekit.pipeline.blazepose3d`.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "MonoConfig": "refine",
    "MonoResult": "refine",
    "refine_world": "refine",
    "JOINTS": "skeleton",
    "PARENTS": "skeleton",
    "BoneLengths": "skeleton",
    "skeleton_from_blazepose": "skeleton",
    "refine_tracks": "sequence",
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module 'posekit.threed.mono' has no attribute {name!r}")
    return getattr(importlib.import_module(f"posekit.threed.mono.{_NAMES[name]}"), name)
