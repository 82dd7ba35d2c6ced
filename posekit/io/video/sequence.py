"""Image sequences (a folder, a glob or one image) as frames at a fixed rate."""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

from posekit.io.images import iter_image_paths, load_image
from posekit.io.video.base import Frame, FrameSource


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

    def _frames(self) -> Generator[Frame, None, None]:
        for i, p in enumerate(self._paths):
            img = self._first if i == 0 and self._first is not None else load_image(p)
            self._first = None
            yield Frame(i, i / self.fps, img)
