"""Video files and network streams decoded by PyAV (FFmpeg)."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from posekit.errors import InputError
from posekit.io.messages import one_line
from posekit.io.video.base import Frame, FrameSource, check_frame_size
from posekit.io.video.yuv import YuvFrame

log = logging.getLogger("posekit.io.video")


class PyAVSource(FrameSource):
    """A video file or network stream decoded by PyAV (FFmpeg) with threaded decoding.

    yuv: set it (before iterating) to get 4:2:0 video as `YuvFrame`s, RGB converted only on demand."""

    yuv = False

    def __init__(
        self,
        path: str,
        *,
        stream: bool = False,
        timeout: float = 10.0,
        on_corrupt: str = "raise",
        options: dict[str, str] | None = None,
    ) -> None:
        import av

        super().__init__()
        self.name, self._live, self._on_corrupt = path, stream, on_corrupt
        try:
            self._container = av.open(
                path, options=options or {}, timeout=(timeout, timeout) if stream else None
            )
        except Exception as e:  # av.error.* (InvalidDataError, HTTPError, ExitError for timeouts, ...)
            what = "cannot open stream" if stream else "not a video or unsupported format"
            raise InputError(f"{path}: {what} ({one_line(e)})") from None
        try:
            if not self._container.streams.video:
                raise InputError(f"{path}: has no video stream (no video frames)")
            self._stream = st = self._container.streams.video[0]
            cc = st.codec_context  # None when FFmpeg has no decoder for the stream's codec
            if cc is None:
                raise InputError(f"{path}: no decoder for its video stream (unknown or damaged codec)")
            check_frame_size(path, cc.width or 0, cc.height or 0)
            st.thread_type = "AUTO"
            rate = st.average_rate or st.guessed_rate or st.base_rate
            self.fps = float(rate) if rate else 30.0
            self.frame_count = None if stream else (int(st.frames) or None)
            self._tb = st.time_base or Fraction(1, 1000)
            self._t0: int | None = None  # the first frame's pts: times count from it
            # AVI stores decode order only: with B-frames its "pts" are not presentation times
            self._bad_pts = "avi" in self._container.format.name.split(",")
            self._raw = self._decode()
            self._first: np.ndarray | None = next(self._raw, None)
            if self._first is None:
                raise InputError(
                    f"{path}: video has no frames"
                    if self._problem is None
                    else f"{path}: video has no decodable frames ({self._problem})"
                )
            h, w = self._first.shape[:2]
            self.size = (w, h)
        except BaseException:
            self._container.close()
            raise

    _problem: str | None = None  # the first demux/decode error, "after frame N" in _problem_after
    _problem_after = -1
    _pts: int | None = None
    _MAX_BAD_PACKETS = 50  # consecutive undecodable packets before giving up

    def _decode(self) -> Iterator[Any]:
        """Decoded RGB frames. A packet the decoder rejects is skipped (FFmpeg conceals the damage
        in later frames); a demuxing error (or a timeout) ends decoding. Both are recorded."""
        import av

        packets = self._container.demux(self._stream)
        count, bad, ended = 0, 0, False
        while not ended:
            try:
                packet = next(packets)
            except StopIteration:  # demux() has already flushed the decoder
                return
            except Exception as e:  # a read error; av.error.ExitError when the timeout fired
                self._note(e, count)
                ended = True
                frames = self._drain()
            else:
                try:
                    frames = packet.decode()
                    bad = 0
                except (av.error.FFmpegError, ValueError) as e:
                    self._note(e, count)
                    bad += 1
                    if bad < self._MAX_BAD_PACKETS:
                        continue
                    ended = True
                    frames = self._drain()
            for fr in frames:
                self._pts = fr.pts
                rot = getattr(fr, "rotation", 0) or 0  # display matrix (phone videos)
                if self.yuv and not rot % 360 and YuvFrame.supports(fr):
                    count += 1
                    yield fr  # made a YuvFrame in _frames (its planes, no copy)
                    continue
                img = fr.to_ndarray(format="rgb24")
                if rot % 360:
                    img = np.rot90(img, k=(rot // 90) % 4)
                count += 1
                yield np.ascontiguousarray(img)

    def _drain(self) -> list:
        """The frames the (threaded) decoder still holds, after a read error."""
        try:
            return self._stream.codec_context.decode(None)
        except Exception:
            return []

    def _note(self, e: BaseException, count: int) -> None:
        if self._problem is None:
            self._problem, self._problem_after = one_line(e), count - 1

    _last_t = -1.0
    _bad_pts = False

    def _time(self, index: int) -> float:
        """Seconds from the first frame's timestamp; index / fps without timestamps, or once they
        go backwards (e.g. H.264 with B-frames in AVI)."""
        if self._pts is None or self._bad_pts:
            return index / self.fps
        if self._t0 is None:
            self._t0 = self._pts
        t = float((self._pts - self._t0) * self._tb)
        if t <= self._last_t:
            self._bad_pts = True
            log.debug("%s: timestamps go backwards at frame %d; using index / fps", self.name, index)
            return index / self.fps
        self._last_t = t
        return t

    def _expected_end(self) -> float | None:
        """Duration from the header (seconds, from the first timestamp), when it can be trusted:
        the video stream's own, or the container's when the file has no other stream."""
        st = self._stream
        if st.duration:
            return float(st.duration * self._tb)
        if self._container.duration and len(self._container.streams) == 1:
            return self._container.duration / 1e6
        return None

    def _frames(self) -> Generator[Frame, None, None]:
        try:
            index, t = 0, 0.0
            img, self._first = self._first, None
            while img is not None:
                t = self._time(index)
                yield Frame(index, t, img) if isinstance(img, np.ndarray) else YuvFrame.from_av(index, t, img)
                index += 1
                img = next(self._raw, None)
            if self._live:
                log.warning(
                    "%s: stream ended after %d frames%s",
                    self.name,
                    index,
                    f" ({self._problem})" if self._problem else "",
                )
                return
            expected, end = self.frame_count, self._expected_end()
            if self._problem:
                self._raise_or_warn(
                    f"{self.name}: video is truncated or corrupt after frame {self._problem_after} "
                    f"({self._problem}; {index} frames decoded)"
                )
            elif expected and index < expected:
                self._raise_or_warn(
                    f"{self.name}: video is truncated or corrupt after frame {index - 1} "
                    f"({index} of {expected} frames decoded)"
                )
            elif not expected and end and t + 1 / self.fps < end - 2 / self.fps - 0.1:
                self._raise_or_warn(
                    f"{self.name}: video is truncated or corrupt after frame {index - 1} "
                    f"(frames end at {t + 1 / self.fps:.2f} s of {end:.2f} s)"
                )
        finally:
            self._container.close()

    def _raise_or_warn(self, msg: str) -> None:
        if self._on_corrupt == "raise":
            raise InputError(msg)
        log.warning("%s", msg)

    def close(self) -> None:
        super().close()
        # The decode generator refers back to this source: closing it breaks the cycle, so FFmpeg's
        # decoder threads go at once, not at the next garbage collection (5 threads per video left open).
        raw = getattr(self, "_raw", None)
        if raw is not None:
            raw.close()
        self._container.close()
