"""Opening a frame source: video files, image sequences, cameras and network streams, one frame at a time.

Every source is an iterator of `Frame(index, time, image)` (image: HxWx3 uint8 RGB) with `fps`,
`size` (width, height), `frame_count` (None when unknown), `name` and `close()`; use it as a
context manager. Memory stays bounded whatever the length: frames are decoded one at a time.

    with open_source("clip.mp4") as src, PrefetchReader(src) as frames:
        for f in frames:
            ...

Errors (all `posekit.errors.InputError`, one line naming the input):
  * raised by `open_source`: missing path, empty file, not a video, no video stream, a video with
    no decodable frame (the first frame is decoded on opening, so these come before any output).
  * a truncated or corrupt video file: every decodable frame is yielded first, then iteration
    raises "<file>: video is truncated or corrupt after frame N (...)" with `on_corrupt="raise"`
    (default), or logs that line as a warning and ends with `on_corrupt="warn"`. The frames already
    handed out stay valid, so a caller using `with` blocks for its writers still gets complete
    output files for them.
  * network streams and cameras that stop or stall (no data for `timeout` seconds) end the
    iteration with a logged warning instead of hanging or raising.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from posekit.errors import InputError
from posekit.io.images import IMAGE_EXTENSIONS, is_glob_pattern
from posekit.io.video.base import STREAM_SCHEMES, FrameSource
from posekit.io.video.camera import CameraSource
from posekit.io.video.opencv_source import OpenCVSource
from posekit.io.video.pyav_source import PyAVSource
from posekit.io.video.sequence import ImageSequenceSource

log = logging.getLogger("posekit.io.video")


def open_source(
    src: str | os.PathLike | int,
    *,
    fps: float | None = None,
    timeout: float = 10.0,
    on_corrupt: str = "raise",
    backend: str = "auto",
    options: dict[str, str] | None = None,
) -> FrameSource:
    """Open a frame source.

    `src` may be a video file (decoded by PyAV, or by OpenCV when PyAV cannot open it; force one
    with `backend="pyav"` / `"opencv"`), a folder or glob of images or a single image (time =
    index / `fps`, default 30), `"webcam:N"` or an int N (OpenCV camera N), or an rtsp/rtmp/http(s)/
    udp/tcp/srt URL (PyAV; `timeout` seconds without data ends it; `options` are FFmpeg options such
    as {"rtsp_transport": "tcp"}). `fps` only applies to image sequences. See the module docstring
    for `on_corrupt` and errors.
    """
    if on_corrupt not in ("raise", "warn"):
        raise ValueError(f"on_corrupt must be 'raise' or 'warn', got {on_corrupt!r}")
    if backend not in ("auto", "pyav", "opencv"):
        raise ValueError(f"backend must be 'auto', 'pyav' or 'opencv', got {backend!r}")
    if isinstance(src, int) or (isinstance(src, str) and src.lower().startswith("webcam:")):
        return CameraSource(src if isinstance(src, int) else src.split(":", 1)[1], timeout=timeout)
    s = os.fspath(src)
    if s.lower().startswith(STREAM_SCHEMES):
        return PyAVSource(s, stream=True, timeout=timeout, options=options)
    p = Path(s)
    if (
        p.is_dir()
        or (not p.exists() and is_glob_pattern(s))
        or (p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and p.suffix.lower() != ".gif")
    ):
        return ImageSequenceSource(s, fps=fps or 30.0)
    if not p.exists():
        raise InputError(f"{s}: no such file")
    if not p.is_file():
        raise InputError(f"{s}: not a regular file")
    if p.stat().st_size == 0:
        raise InputError(f"{s}: file is empty (0 bytes)")
    if backend == "opencv":
        return OpenCVSource(s, on_corrupt=on_corrupt)
    try:
        return PyAVSource(s, on_corrupt=on_corrupt, options=options)
    except InputError as err:
        if backend == "pyav" or err.args[0].endswith("has no frames"):
            raise
        try:
            src_cv = OpenCVSource(s, on_corrupt=on_corrupt)
        except InputError:
            raise err from None
        log.warning("%s: PyAV cannot decode it (%s); using OpenCV", s, err.args[0].split(": ", 1)[-1])
        return src_cv
