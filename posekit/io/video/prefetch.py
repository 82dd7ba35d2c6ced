"""Decoding in a background thread, a few frames ahead of the consumer."""

from __future__ import annotations

import queue
import threading
import weakref
from typing import Any

from posekit.io.video.base import Frame, FrameSource

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
        self._thread = threading.Thread(
            target=_prefetch, args=(source, self._q, self._stop), name=f"prefetch:{source.name}", daemon=True
        )
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

    def __exit__(self, *exc: Any) -> None:
        self.close()
