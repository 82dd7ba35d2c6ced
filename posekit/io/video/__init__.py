"""Frame sources: video files, image sequences, cameras and network streams, one frame at a time.

One module per source (`pyav_source`, `opencv_source`, `camera`, `sequence`), `prefetch` for the
background decoding thread and `opening.open_source`, which picks the source for an input (see its
docstring for errors and corrupt files). Every source is an iterator of `Frame(index, time, image)`.
"""

from posekit.io.video.base import STREAM_SCHEMES, VIDEO_EXTENSIONS, Frame, FrameSource
from posekit.io.video.camera import CameraSource
from posekit.io.video.opencv_source import OpenCVSource
from posekit.io.video.opening import open_source
from posekit.io.video.prefetch import PrefetchReader
from posekit.io.video.pyav_source import PyAVSource
from posekit.io.video.sequence import ImageSequenceSource

__all__ = [
    "STREAM_SCHEMES",
    "VIDEO_EXTENSIONS",
    "CameraSource",
    "Frame",
    "FrameSource",
    "ImageSequenceSource",
    "OpenCVSource",
    "PrefetchReader",
    "PyAVSource",
    "open_source",
]
