"""Video files decoded by OpenCV (the fallback when PyAV cannot open one)."""

from __future__ import annotations

import logging
from collections.abc import Generator

import cv2
import numpy as np

from posekit.errors import InputError
from posekit.io.video.base import Frame, FrameSource, check_frame_size

log = logging.getLogger("posekit.io.video")


class OpenCVSource(FrameSource):
    """A video file decoded by OpenCV (used when PyAV cannot open it). OpenCV's frame count is an
    estimate for some formats, so a shortfall is reported only when over 1 frame."""

    def __init__(self, path: str, *, on_corrupt: str = "raise") -> None:
        super().__init__()
        self.name, self._on_corrupt = path, on_corrupt
        self._cap = cv2.VideoCapture(path)
        if not self._cap.isOpened():
            raise InputError(f"{path}: not a video or unsupported format (OpenCV cannot open it)")
        try:
            w, h = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
            check_frame_size(path, w, h)
        except BaseException:
            self._cap.release()
            raise
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or 30.0
        n = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frame_count = n if n > 0 else None
        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            self._cap.release()
            raise InputError(f"{path}: video has no frames")
        self._first: tuple[np.ndarray, float] | None = (bgr, self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0)
        self.size = (bgr.shape[1], bgr.shape[0])

    def _frames(self) -> Generator[Frame, None, None]:
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
                msg = (
                    f"{self.name}: video is truncated or corrupt after frame {index - 1} "
                    f"({index} of {self.frame_count} frames decoded)"
                )
                if self._on_corrupt == "raise":
                    raise InputError(msg)
                log.warning("%s", msg)
        finally:
            self._cap.release()

    def close(self) -> None:
        super().close()
        self._cap.release()
