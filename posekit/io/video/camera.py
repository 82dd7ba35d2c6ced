"""Cameras through OpenCV (`webcam:N`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator

import cv2

from posekit.errors import InputError
from posekit.io.video.base import Frame, FrameSource

log = logging.getLogger("posekit.io.video")


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
        self.size = (
            int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )

    def _frames(self) -> Generator[Frame, None, None]:
        try:
            index, t0 = 0, None
            while True:
                ok, bgr = self._cap.read()
                if not ok or bgr is None:
                    log.warning("%s: camera stopped delivering frames after %d frames", self.name, index)
                    return
                now = time.monotonic()
                t0 = now if t0 is None else t0
                yield Frame(index, now - t0, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                index += 1
        finally:
            self._cap.release()

    def close(self) -> None:
        super().close()
        self._cap.release()
