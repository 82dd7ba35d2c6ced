"""The facade: `PoseEstimator(model)(image) -> Poses`.

Images may be a path, a PIL image, or a NumPy array in **RGB** order (H×W×3 uint8; grayscale, RGBA,
16-bit and float arrays are converted). Pass `color="bgr"` for arrays straight from OpenCV.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
from tqdm import tqdm

from posekit.io.images import ImageSource, iter_image_paths, load_image
from posekit.pipeline.presets import build_pipeline
from posekit.results import Poses


class PoseEstimator:
    """Estimate the poses of every person in images.

    model: a preset ("default", "fast", "accurate", "blazepose", "blazepose-pip") or a pose model of
        the zoo ("movenet-multipose", "movenet-thunder", "blazepose-heavy", …); see `posekit models list`.
    layout: return results in this keypoint layout ("coco17" or "blazepose33"); None keeps the model's.
    device: "cpu" (default), "cuda", "tensorrt", "openvino" or "coreml" when ONNX Runtime has it.
    threads: ONNX Runtime intra-op threads per model (None: all cores).
    """

    def __init__(self, model: str | None = None, *, layout: str | None = None, device: str = "cpu",
                 threads: int | None = None):
        self.model = model or "default"
        self.layout = layout
        self.pipeline = build_pipeline(self.model, device=device, threads=threads)

    def __call__(self, images: ImageSource | Sequence[ImageSource], color: str = "rgb") -> Poses | list[Poses]:
        if isinstance(images, (list, tuple)):
            return [self._one(im, color) for im in images]
        return self._one(images, color)

    def _one(self, image: ImageSource, color: str) -> Poses:
        arr = load_image(image)
        if color.lower() == "bgr" and isinstance(image, np.ndarray):
            arr = np.ascontiguousarray(arr[..., ::-1])
        poses = self.pipeline(arr)
        return poses.to_layout(self.layout) if self.layout else poses

    def predict(self, inputs: str | os.PathLike | Iterable[str | os.PathLike], progress: bool = True
                ) -> Iterator[tuple[Path, Poses]]:
        """Yield (path, poses) for every image in files, folders and globs, with a progress bar."""
        paths = list(iter_image_paths(inputs))
        for path in tqdm(paths, desc="images", unit="img", disable=not progress, dynamic_ncols=True):
            yield path, self._one(path, "rgb")

    def track(self, source, **kwargs):
        """Poses with track ids through a video, stream or image sequence: a generator of
        `FrameResult`s. Keyword arguments go to `posekit.video.VideoPoseTracker` (smooth, follow, …);
        the tracker builds its own pipeline (the models are cached, so this is cheap)."""
        from posekit.video import VideoPoseTracker

        kwargs.setdefault("layout", self.layout)
        return VideoPoseTracker(self.model, **kwargs).track(source)
