"""Input/output helpers: image loading with clear errors, atomic file writes, video frame sources and
writers, per-frame results files."""

from posekit.io.atomic import atomic_write, write_image_atomic, write_json_atomic
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

__all__ = [
    "TRACK_FORMATS",
    "VIDEO_EXTENSIONS",
    "CameraSource",
    "Frame",
    "FrameSource",
    "ImageSequenceSource",
    "OpenCVSource",
    "PrefetchReader",
    "PyAVSource",
    "TrackWriter",
    "VideoWriter",
    "load_tracks",
    "open_source",
    "read_tracks",
    "track_columns",
    "IMAGE_EXTENSIONS",
    "MAX_PIXELS",
    "atomic_write",
    "decode_image",
    "iter_image_paths",
    "load_image",
    "write_image_atomic",
    "write_json_atomic",
]
