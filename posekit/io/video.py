"""Frame sources: video files, image sequences, cameras and network streams, one frame at a time.

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
import queue
import threading
import time as _time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from posekit.errors import InputError
from posekit.io.images import IMAGE_EXTENSIONS, _has_magic, iter_image_paths, load_image

log = logging.getLogger(__name__)

#: Video file extensions (lower case); other existing files are tried as videos too.
VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".ts",
                              ".mts", ".m2ts", ".wmv", ".flv", ".3gp", ".ogv", ".gif"})
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://", "srt://")


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
        self._it: Iterator[Frame] | None = None
        self._closed = False

    def _frames(self) -> Iterator[Frame]:
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

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        w, h = self.size
        return f"{type(self).__name__}({self.name!r}, {w}x{h} @ {self.fps:g} fps, frames={self.frame_count})"


def open_source(src: str | os.PathLike | int, *, fps: float | None = None, timeout: float = 10.0,
                on_corrupt: str = "raise", backend: str = "auto", options: dict[str, str] | None = None) -> FrameSource:
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
    if p.is_dir() or (not p.exists() and _has_magic(s)) or (p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
                                                            and p.suffix.lower() != ".gif"):
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


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:200] or type(e).__name__


class PyAVSource(FrameSource):
    """A video file or network stream decoded by PyAV (FFmpeg) with threaded decoding."""

    def __init__(self, path: str, *, stream: bool = False, timeout: float = 10.0, on_corrupt: str = "raise",
                 options: dict[str, str] | None = None) -> None:
        import av

        super().__init__()
        self.name, self._live, self._on_corrupt = path, stream, on_corrupt
        try:
            self._container = av.open(path, options=options or {}, timeout=(timeout, timeout) if stream else None)
        except Exception as e:  # av.error.* (InvalidDataError, HTTPError, ExitError for timeouts, ...)
            what = "cannot open stream" if stream else "not a video or unsupported format"
            raise InputError(f"{path}: {what} ({_one_line(e)})") from None
        try:
            if not self._container.streams.video:
                raise InputError(f"{path}: has no video stream (no video frames)")
            self._stream = st = self._container.streams.video[0]
            st.thread_type = "AUTO"
            rate = st.average_rate or st.guessed_rate or st.base_rate
            self.fps = float(rate) if rate else 30.0
            self.frame_count = None if stream else (int(st.frames) or None)
            self._tb = st.time_base or Fraction(1, 1000)
            self._t0: int | None = None  # the first frame's pts: times count from it
            # AVI stores decode order only: with B-frames its "pts" are not presentation times
            self._bad_pts = "avi" in self._container.format.name.split(",")
            self._raw = self._decode()
            self._first = next(self._raw, None)
            if self._first is None:
                self._raise_or_warn(f"{path}: video has no frames" if self._problem is None
                                    else f"{path}: video has no decodable frames ({self._problem})", force=True)
            h, w = self._first.shape[:2]
            self.size = (w, h)
        except BaseException:
            self._container.close()
            raise

    _problem: str | None = None  # the first demux/decode error, "after frame N" in _problem_after
    _problem_after = -1
    _pts: int | None = None
    _MAX_BAD_PACKETS = 50  # consecutive undecodable packets before giving up

    def _decode(self) -> Iterator[np.ndarray]:
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
                img = fr.to_ndarray(format="rgb24")
                rot = getattr(fr, "rotation", 0) or 0  # display matrix (phone videos)
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
            self._problem, self._problem_after = _one_line(e), count - 1

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

    def _frames(self) -> Iterator[Frame]:
        try:
            index, t = 0, 0.0
            img, self._first = self._first, None
            while img is not None:
                t = self._time(index)
                yield Frame(index, t, img)
                index += 1
                img = next(self._raw, None)
            if self._live:
                log.warning("%s: stream ended after %d frames%s", self.name, index,
                            f" ({self._problem})" if self._problem else "")
                return
            expected, end = self.frame_count, self._expected_end()
            if self._problem:
                self._raise_or_warn(f"{self.name}: video is truncated or corrupt after frame {self._problem_after} "
                                    f"({self._problem}; {index} frames decoded)")
            elif expected and index < expected:
                self._raise_or_warn(f"{self.name}: video is truncated or corrupt after frame {index - 1} "
                                    f"({index} of {expected} frames decoded)")
            elif not expected and end and t + 1 / self.fps < end - 2 / self.fps - 0.1:
                self._raise_or_warn(f"{self.name}: video is truncated or corrupt after frame {index - 1} "
                                    f"(frames end at {t + 1 / self.fps:.2f} s of {end:.2f} s)")
        finally:
            self._container.close()

    def _raise_or_warn(self, msg: str, force: bool = False) -> None:
        if force or self._on_corrupt == "raise":
            raise InputError(msg)
        log.warning("%s", msg)

    def close(self) -> None:
        super().close()
        self._container.close()


class OpenCVSource(FrameSource):
    """A video file decoded by OpenCV (used when PyAV cannot open it). OpenCV's frame count is an
    estimate for some formats, so a shortfall is reported only when over 1 frame."""

    def __init__(self, path: str, *, on_corrupt: str = "raise") -> None:
        super().__init__()
        self.name, self._on_corrupt = path, on_corrupt
        self._cap = cv2.VideoCapture(path)
        if not self._cap.isOpened():
            raise InputError(f"{path}: not a video or unsupported format (OpenCV cannot open it)")
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or 30.0
        n = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = n if n > 0 else None
        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            self._cap.release()
            raise InputError(f"{path}: video has no frames")
        self._first = (bgr, self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0)
        self.size = (bgr.shape[1], bgr.shape[0])

    def _frames(self) -> Iterator[Frame]:
        try:
            index, item = 0, self._first
            self._first = None
            while item is not None:
                bgr, t = item
                t = t if t > 0 or index == 0 else index / self.fps  # POS_MSEC is 0 for some AVIs
                yield Frame(index, t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                index += 1
                ok, bgr = self._cap.read()
                item = (bgr, self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0) if ok else None
            if self.frame_count and index < self.frame_count - 1:
                msg = (f"{self.name}: video is truncated or corrupt after frame {index - 1} "
                       f"({index} of {self.frame_count} frames decoded)")
                if self._on_corrupt == "raise":
                    raise InputError(msg)
                log.warning("%s", msg)
        finally:
            self._cap.release()

    def close(self) -> None:
        super().close()
        self._cap.release()


class CameraSource(FrameSource):
    """An OpenCV camera (`webcam:N`); time is seconds since the first frame (wall clock)."""

    def __init__(self, index: int | str, *, timeout: float = 10.0) -> None:
        super().__init__()
        try:
            self._index = int(index)
        except ValueError:
            raise InputError(f"webcam:{index}: camera index must be an integer (e.g. webcam:0)") from None
        self.name = f"webcam:{self._index}"
        self._cap = cv2.VideoCapture(self._index)
        if not self._cap.isOpened():
            raise InputError(f"{self.name}: cannot open camera {self._index} (not connected or in use?)")
        self._cap.set(cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout * 1000)
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or 30.0
        self.size = (int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))

    def _frames(self) -> Iterator[Frame]:
        try:
            index, t0 = 0, None
            while True:
                ok, bgr = self._cap.read()
                if not ok or bgr is None:
                    log.warning("%s: camera stopped delivering frames after %d frames", self.name, index)
                    return
                now = _time.monotonic()
                t0 = now if t0 is None else t0
                yield Frame(index, now - t0, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                index += 1
        finally:
            self._cap.release()

    def close(self) -> None:
        super().close()
        self._cap.release()


class ImageSequenceSource(FrameSource):
    """Images from a folder (sorted by name), a glob pattern or one file, at `fps` frames per second."""

    def __init__(self, pattern: str, *, fps: float = 30.0) -> None:
        super().__init__()
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.name, self.fps = pattern, float(fps)
        self._paths = list(iter_image_paths(pattern))
        self.frame_count = len(self._paths)
        first = load_image(self._paths[0])
        self._first: np.ndarray | None = first
        self.size = (first.shape[1], first.shape[0])

    def _frames(self) -> Iterator[Frame]:
        for i, p in enumerate(self._paths):
            img = self._first if i == 0 and self._first is not None else load_image(p)
            self._first = None
            yield Frame(i, i / self.fps, img)


_END = object()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _prefetch(source: FrameSource, q: queue.Queue, stop: threading.Event) -> None:
    """The worker; it holds no reference to the PrefetchReader, so an abandoned reader is garbage
    collected, which sets `stop` and ends this thread."""

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False

    try:
        for frame in source:
            if not put(frame):
                break
        else:
            put(_END)
    except BaseException as e:  # handed to the consumer, raised there
        put(_Failure(e))
    finally:
        if stop.is_set():
            source.close()


class PrefetchReader:
    """Decode `source` in a background thread, `depth` frames ahead, so decoding overlaps the
    consumer's work. Iterate it like the source; `fps`, `size`, `frame_count` and `name` are the
    source's. An error raised by the source is raised here after the frames decoded before it.
    `close()` (or leaving the `with` block) stops the thread and closes the source.
    """

    def __init__(self, source: FrameSource, depth: int = 4) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self.source = source
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=_prefetch, args=(source, self._q, self._stop),
                                        name=f"prefetch:{source.name}", daemon=True)
        self._thread.start()
        weakref.finalize(self, self._stop.set)

    name = property(lambda self: self.source.name)
    fps = property(lambda self: self.source.fps)
    size = property(lambda self: self.source.size)
    frame_count = property(lambda self: self.source.frame_count)

    def __iter__(self) -> PrefetchReader:
        return self

    def __next__(self) -> Frame:
        if self._done:
            raise StopIteration
        item = self._q.get()
        if item is _END:
            self._done = True
            raise StopIteration
        if isinstance(item, _Failure):
            self._done = True
            raise item.exc
        return item

    def close(self) -> None:
        self._done = True
        self._stop.set()
        while True:  # unblock the worker's put
            try:
                self._q.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout=30)
        if not self._thread.is_alive():  # else the worker closes the source when it gets there
            self.source.close()

    def __enter__(self) -> PrefetchReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
