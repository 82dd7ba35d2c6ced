"""What every frame source is: `Frame`s from an iterator with `fps`, `size` and `frame_count`."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from posekit.errors import InputError

#: Video file extensions (lower case); other existing files are tried as videos too.
VIDEO_EXTENSIONS = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".mpg",
        ".mpeg",
        ".ts",
        ".mts",
        ".m2ts",
        ".wmv",
        ".flv",
        ".3gp",
        ".ogv",
        ".gif",
    }
)
#: Largest frame we decode (pixels; 16K UHD is 133 M), checked from the container's header before decoding
#: frames, so a file declaring absurd dimensions is refused. Env POSEKIT_MAX_VIDEO_PIXELS overrides it.
MAX_FRAME_PIXELS = 150_000_000

STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://", "srt://")


def check_frame_size(name: str, width: int, height: int) -> None:
    """Refuse a video whose declared frame size is over the limit (InputError naming the file and limit)."""
    env = os.environ.get("POSEKIT_MAX_VIDEO_PIXELS", "").strip()
    try:
        limit = max(1, int(float(env))) if env else MAX_FRAME_PIXELS
    except ValueError:
        raise InputError(f"{name}: POSEKIT_MAX_VIDEO_PIXELS={env!r} is not a number of pixels") from None
    if width * height > limit:
        what = f"{limit // 1_000_000} MP" if limit % 1_000_000 == 0 else f"{limit}-pixel"
        raise InputError(
            f"{name}: video frames are {width}x{height}, over the {what} limit; "
            "set POSEKIT_MAX_VIDEO_PIXELS to raise it"
        )


@dataclass(frozen=True)
class Frame:
    """One decoded frame: `index` counts from 0 in display order, `time` is seconds since the first
    frame (from the container's timestamps where there are any), `image` is HxWx3 uint8 RGB."""

    index: int
    time: float
    image: np.ndarray


class FrameSource:
    """Base class: subclasses set name/fps/size/frame_count and implement `_frames()`."""

    name: str = ""
    fps: float = 30.0
    size: tuple[int, int] = (0, 0)
    frame_count: int | None = None

    def __init__(self) -> None:
        self._it: Generator[Frame, None, None] | None = None
        self._closed = False

    def _frames(self) -> Generator[Frame, None, None]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Frame]:
        return self

    def __next__(self) -> Frame:
        if self._closed:
            raise StopIteration
        if self._it is None:
            self._it = self._frames()
        return next(self._it)

    def close(self) -> None:
        self._closed = True
        if self._it is not None:
            self._it.close()  # runs the generator's finally blocks

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        w, h = self.size
        return f"{type(self).__name__}({self.name!r}, {w}x{h} @ {self.fps:g} fps, frames={self.frame_count})"
