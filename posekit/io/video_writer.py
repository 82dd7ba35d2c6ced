"""Write RGB frames to a video file atomically (H.264 via PyAV).

`VideoWriter` encodes into a temporary file next to `path` and renames it onto `path` on `close()`;
if the `with` block raises, the temporary file is removed and `path` is left as it was.

Encoder: libx264 (yuv420p, CRF 23, preset "veryfast"; no B-frames in .avi) for .mp4/.mov/.mkv/.avi;
VP9 for .webm.
When this PyAV build has no H.264 encoder, MPEG-4 part 2 is used instead, with a one-line
warning. yuv420p needs even sizes: an odd width or height is padded by repeating the last
column/row (the written video is then up to 1 pixel wider/taller than `size`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import AtomicFile

if TYPE_CHECKING:
    import av

log = logging.getLogger(__name__)

#: Container suffixes VideoWriter accepts (lower case).
WRITER_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm"})


def _has_encoder(name: str) -> bool:
    import av

    if name not in av.codecs_available:
        return False
    try:
        av.Codec(name, "w")
        return True
    except Exception:
        return False


def pick_encoder(suffix: str) -> str:
    """The encoder VideoWriter uses for a file suffix (".mp4", ...), warning on a fallback."""
    if suffix.lower() == ".webm":
        for name in ("libvpx-vp9", "libvpx", "libaom-av1", "libsvtav1"):
            if _has_encoder(name):
                return name
        raise InputError("cannot write .webm: this PyAV build has no VP8/VP9/AV1 encoder; use .mp4")
    if _has_encoder("libx264"):
        return "libx264"
    for name in ("libopenh264", "mpeg4"):
        if _has_encoder(name):
            log.warning("this PyAV build has no libx264 encoder; writing %s video instead", name)
            return name
    raise InputError("this PyAV build has no H.264 or MPEG-4 encoder; cannot write video")


class VideoWriter:
    """`VideoWriter(path, fps, size)` with `size` = (width, height); `write(image)` takes HxWx3
    uint8 RGB arrays (or `Frame`s) of that size. Use as a context manager, or call `close()`
    (finish and rename) / `abort()` (discard)."""

    def __init__(
        self,
        path: str | os.PathLike,
        fps: float,
        size: tuple[int, int],
        *,
        crf: int = 23,
        preset: str = "veryfast",
        codec: str | None = None,
    ) -> None:
        import av

        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in WRITER_EXTENSIONS:
            raise InputError(
                f"{self.path}: unsupported video file type {suffix or '(none)'!r}; "
                f"use one of {', '.join(sorted(WRITER_EXTENSIONS))}"
            )
        if not fps or fps <= 0:
            raise ValueError(f"VideoWriter: fps must be positive, got {fps}")
        w, h = (int(v) for v in size)
        if w <= 0 or h <= 0:
            raise ValueError(f"VideoWriter: size must be positive (width, height), got {size}")
        self.fps, self.size = float(fps), (w, h)
        self.codec = codec or pick_encoder(suffix)
        self.frames_written = 0
        self._out = AtomicFile(self.path, suffix=f".partial{suffix}", what="a video")
        self._tmp = str(self._out.tmp)
        try:
            self._container = av.open(self._tmp, mode="w")
            self._rate = rate = Fraction(self.fps).limit_denominator(1001)
            opts = {"crf": str(crf), "preset": preset} if self.codec == "libx264" else {}
            if self.codec == "libx264" and suffix == ".avi":
                opts["bf"] = "0"  # AVI has no presentation timestamps: B-frames would scramble them
            if self.codec.startswith("libvpx"):
                opts = {"crf": str(min(63, crf + 8)), "b": "0", "deadline": "realtime", "cpu-used": "8"}
            st = cast("av.VideoStream", self._container.add_stream(self.codec, rate=rate, options=opts))
            self._stream = st
            st.width, st.height = w + (w & 1), h + (h & 1)
            st.pix_fmt = "yuv420p"
            if self.codec == "mpeg4":
                st.bit_rate = max(1_000_000, int(st.width * st.height * self.fps * 0.15))
            st.thread_type = "AUTO"
        except BaseException:
            self._cleanup()
            raise
        self._closed = False

    def write(self, image) -> None:
        """Encode one frame: an HxWx3 uint8 RGB array of `size`, or a `Frame`."""
        import av

        if self._closed:
            raise ValueError(f"VideoWriter({self.path}): write after close")
        img = np.asarray(getattr(image, "image", image))
        w, h = self.size
        if img.shape != (h, w, 3) or img.dtype != np.uint8:
            raise ValueError(
                f"VideoWriter({self.path}): expected a {h}x{w}x3 uint8 RGB image, "
                f"got shape {img.shape} dtype {img.dtype}"
            )
        if (w | h) & 1:
            img = np.pad(img, ((0, h & 1), (0, w & 1), (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
        frame.pts = self.frames_written
        frame.time_base = 1 / self._rate
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder, close the file and rename it onto `path`."""
        if self._closed:
            return
        self._closed = True
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
            self._out.commit()
        except BaseException:
            self._cleanup()
            raise

    def abort(self) -> None:
        """Discard the video: close and remove the temporary file; `path` is not touched."""
        if not self._closed:
            self._closed = True
            self._cleanup()

    def _cleanup(self) -> None:
        with contextlib.suppress(Exception):
            self._container.close()
        self._out.discard()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
