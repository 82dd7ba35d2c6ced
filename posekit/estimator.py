"""The facade: `PoseEstimator(model)(image) -> Poses`.

Images may be a path, a PIL image, or a NumPy array in **RGB** order (H×W×3 uint8; grayscale, RGBA,
16-bit and float arrays are converted). Pass `color="bgr"` for arrays straight from OpenCV.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
from tqdm import tqdm

from posekit.errors import InputError
from posekit.io.images import ImageSource, iter_image_paths, load_image
from posekit.pipeline.presets import build_pipeline
from posekit.results import Poses

if TYPE_CHECKING:
    from posekit.io.video import FrameSource
    from posekit.results import FrameResult

Color = Literal["rgb", "bgr"]
OnError = Literal["raise", "skip"]

#: One item of `PoseEstimator.predict`'s inputs: a file, folder or glob; an image in memory; or a
#: (name, image) pair that names an image in memory (the name is used in results and file names).
PredictInput = ImageSource | tuple[str, ImageSource]


@dataclass
class ImageResult:
    """The poses found in one image of a `predict` run."""

    name: str  # the file's path as found, or the name of an image in memory
    index: int  # position among the inputs found (0-based, skipped ones included)
    poses: Poses
    image: np.ndarray | None = None  # the decoded RGB image, with keep_images=True


@dataclass
class Skipped:
    """An image of a `predict` run that could not be read (on_error="skip")."""

    name: str
    reason: str  # the one-line InputError message

    def __str__(self) -> str:
        return self.reason if self.reason.startswith(self.name) else f"{self.name}: {self.reason}"


class Predictions:
    """What `PoseEstimator.predict` returns: iterate it (once) for an `ImageResult` per image read.

    `skipped` lists the images that could not be read, filled as the iteration reaches them, so it
    is complete once the loop is over; `total` counts the images found (read + skipped). Images are
    read one at a time: memory does not grow with the number of inputs (unless results are kept)."""

    def __init__(self, results: Iterator[ImageResult], skipped: list[Skipped], total: int) -> None:
        self._results, self.skipped, self.total = results, skipped, total

    def __iter__(self) -> Iterator[ImageResult]:
        return self._results


def collect_inputs(inputs: PredictInput | Iterable[PredictInput]) -> list[tuple[str, ImageSource]]:
    """(name, source) for every image of `inputs`: folders and globs expanded, paths checked. A path
    that names nothing (missing file, empty folder, glob without matches) raises InputError at once:
    it is a mistake in the call, not a bad image in a batch."""
    if isinstance(inputs, (str, os.PathLike, np.ndarray)) or not isinstance(inputs, Iterable):
        inputs = [inputs]
    items: list[tuple[str, ImageSource]] = []
    for i, item in enumerate(inputs):
        if isinstance(item, tuple):
            if len(item) != 2 or not isinstance(item[0], str):
                raise InputError(f"input {i}: a tuple must be (name, image), got {len(item)} items")
            items.append((item[0], item[1]))
        elif isinstance(item, (str, os.PathLike)):
            items += [(str(p), p) for p in iter_image_paths(item)]
        else:  # an array or PIL image; load_image says what is wrong with anything else
            items.append((f"image{i}", item))
    return items


class PoseEstimator:
    """Estimate the poses of every person in images.

    model: a preset ("default", "fast", "accurate", "blazepose", "blazepose-pip") or a pose model of
        the zoo ("movenet-multipose", "movenet-thunder", "blazepose-heavy", …); see `posekit models list`.
    layout: return results in this keypoint layout ("coco17" or "blazepose33"); None keeps the model's.
    device: "cpu" (default), "cuda", "tensorrt", "openvino" or "coreml" when ONNX Runtime has it.
    threads: ONNX Runtime intra-op threads per model (None: all cores).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        layout: str | None = None,
        device: str = "cpu",
        threads: int | None = None,
    ):
        self.model = model or "default"
        self.layout = layout
        self.device = device
        self.threads = threads
        self.pipeline = build_pipeline(self.model, device=device, threads=threads)

    @overload
    def __call__(self, images: ImageSource, color: Color = "rgb") -> Poses: ...

    @overload
    def __call__(
        self, images: list[ImageSource] | tuple[ImageSource, ...], color: Color = "rgb"
    ) -> list[Poses]: ...

    def __call__(
        self, images: ImageSource | list[ImageSource] | tuple[ImageSource, ...], color: Color = "rgb"
    ) -> Poses | list[Poses]:
        """Poses of one image, or a list of Poses for a list (or tuple) of images."""
        if color not in ("rgb", "bgr"):
            raise ValueError(f"color must be 'rgb' or 'bgr', got {color!r}")
        if isinstance(images, (list, tuple)):
            return [self._one(load_image(im), im, color) for im in images]
        return self._one(load_image(images), images, color)

    def _one(self, arr: np.ndarray, source: Any, color: str) -> Poses:
        if color == "bgr" and isinstance(source, np.ndarray):
            arr = np.ascontiguousarray(arr[..., ::-1])
        poses = self.pipeline(arr)
        return poses.to_layout(self.layout) if self.layout else poses

    def predict(
        self,
        inputs: PredictInput | Iterable[PredictInput],
        *,
        on_error: OnError = "raise",
        keep_images: bool = False,
        progress: bool = True,
    ) -> Predictions:
        """Poses for every image in files, folders, globs and in-memory images, with a progress bar.

        Returns `Predictions`: iterate it for an `ImageResult` (name, index, poses, image) per image.
        on_error: an image that cannot be read (corrupt, truncated, not an image): "raise" its
            `InputError`, or "skip" it and list it in `Predictions.skipped` with the reason. Paths that
            name nothing raise at once either way (see `collect_inputs`).
        keep_images: put each decoded RGB image in `ImageResult.image` (e.g. to draw on it).
        """
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        items = collect_inputs(inputs)
        skipped: list[Skipped] = []

        def run() -> Iterator[ImageResult]:
            bar = tqdm(items, desc="images", unit="img", disable=not progress, dynamic_ncols=True)
            for index, (name, src) in enumerate(bar):
                try:
                    image = load_image(src)
                except InputError as exc:
                    if on_error == "raise":
                        raise
                    skipped.append(Skipped(name, str(exc)))
                    continue
                yield ImageResult(name, index, self._one(image, src, "rgb"), image if keep_images else None)

        return Predictions(run(), skipped, len(items))

    def track(self, source: str | os.PathLike | FrameSource, **kwargs: Any) -> Iterator[FrameResult]:
        """Poses with track ids through a video, stream or image sequence: a generator of
        `FrameResult`s. Keyword arguments go to `posekit.video.VideoPoseTracker` (smooth, follow, …)
        and its `track` (keep_images, max_frames, progress); the tracker builds its own pipeline on
        this estimator's device and threads (the models are cached, so this is cheap)."""
        from posekit.video import VideoPoseTracker

        run_keys = ("keep_images", "max_frames", "prefetch", "progress")
        run = {k: kwargs.pop(k) for k in run_keys if k in kwargs}
        kwargs.setdefault("layout", self.layout)
        kwargs.setdefault("device", self.device)
        kwargs.setdefault("threads", self.threads)
        return VideoPoseTracker(self.model, **kwargs).track(source, **run)
