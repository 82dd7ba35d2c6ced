"""Input/output helpers: image loading with clear errors, atomic file writes, video frame sources and
writers, per-frame results files.

The names below load their module on first use (PEP 562), so `import posekit.io.atomic` (as the
model zoo does) does not pull in OpenCV, PIL or PyAV.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "posekit.io.atomic": ("AtomicFile", "atomic_write", "write_image_atomic", "write_json_atomic"),
    "posekit.io.images": ("IMAGE_EXTENSIONS", "MAX_PIXELS", "decode_image", "iter_image_paths", "load_image"),
    "posekit.io.tracks": ("TRACK_FORMATS", "TrackWriter", "load_tracks", "read_tracks", "track_columns"),
    "posekit.io.video": (
        "VIDEO_EXTENSIONS",
        "CameraSource",
        "Frame",
        "FrameSource",
        "ImageSequenceSource",
        "OpenCVSource",
        "PrefetchReader",
        "PyAVSource",
        "open_source",
    ),
    "posekit.io.video_writer": ("VideoWriter",),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "IMAGE_EXTENSIONS",
    "MAX_PIXELS",
    "TRACK_FORMATS",
    "VIDEO_EXTENSIONS",
    "AtomicFile",
    "CameraSource",
    "Frame",
    "FrameSource",
    "ImageSequenceSource",
    "OpenCVSource",
    "PrefetchReader",
    "PyAVSource",
    "TrackWriter",
    "VideoWriter",
    "atomic_write",
    "decode_image",
    "iter_image_paths",
    "load_image",
    "load_tracks",
    "open_source",
    "read_tracks",
    "track_columns",
    "write_image_atomic",
    "write_json_atomic",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'posekit.io' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what the lazy names are, for type checkers and IDEs
    from posekit.io.atomic import AtomicFile, atomic_write, write_image_atomic, write_json_atomic
    from posekit.io.images import IMAGE_EXTENSIONS, MAX_PIXELS, decode_image, iter_image_paths, load_image
    from posekit.io.tracks import TRACK_FORMATS, TrackWriter, load_tracks, read_tracks, track_columns
    from posekit.io.video import (
        VIDEO_EXTENSIONS,
        CameraSource,
        Frame,
        FrameSource,
        ImageSequenceSource,
        OpenCVSource,
        PrefetchReader,
        PyAVSource,
        open_source,
    )
    from posekit.io.video_writer import VideoWriter
