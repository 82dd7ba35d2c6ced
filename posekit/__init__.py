"""posekit: human pose estimation on the CPU, with models from package registries.

import posekit
poses = posekit.PoseEstimator()("photo.jpg")
"""

from __future__ import annotations

from typing import Any

from posekit.errors import ConversionError, InputError, ModelError, PosekitError

__version__ = "0.1.0"

__all__ = [
    "ConversionError",
    "InputError",
    "ModelError",
    "PoseEstimator",
    "PosekitError",
    "Poses",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # Lazy: `import posekit` stays cheap for the CLI and for code that only needs the zoo.
    if name == "PoseEstimator":
        from posekit.estimator import PoseEstimator

        return PoseEstimator
    if name == "Poses":
        from posekit.results import Poses

        return Poses
    raise AttributeError(f"module 'posekit' has no attribute {name!r}")
