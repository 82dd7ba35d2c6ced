"""Offline smoothing of a tracked video (`VideoPoseTracker(smooth="savgol")`).

Savitzky–Golay fits each track's whole trajectory (centered windows: no lag), so it can only run
once every frame has been read. The tracker therefore works in two passes:

1. track the whole video without smoothing, keeping each frame's `Poses` (small: no images);
2. smooth every track (`posekit.smooth.smooth_tracks`) and yield the results in frame order. When
   images are wanted (rendering), the same file is decoded a second time and each frame is paired
   with its smoothed poses, so memory never holds more than a few frames.

A live source (webcam, stream) cannot be read twice: it can be smoothed offline, but not rendered.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
from tqdm import tqdm

from posekit.errors import InputError
from posekit.io.video import STREAM_SCHEMES, CameraSource, FrameSource, open_source
from posekit.results import FrameResult, Poses
from posekit.smooth import PoseSmoother, savgol_smooth, smooth_tracks

SAVGOL_DEFAULTS = {"window": 9, "order": 2}


def check_savgol_params(params: dict[str, Any]) -> dict[str, int]:
    """`window` and `order` for Savitzky–Golay (defaults 9 and 2); a bad name or value raises now,
    not after the whole video was tracked."""
    unknown = set(params) - set(SAVGOL_DEFAULTS)
    if unknown:
        raise TypeError(f"smooth='savgol' takes window and order, not {', '.join(sorted(unknown))}")
    merged = {**SAVGOL_DEFAULTS, **{k: int(v) for k, v in params.items()}}
    savgol_smooth(np.zeros((1, 1, 2)), merged["window"], merged["order"])  # validates
    return merged


def smooth_results(results: list[FrameResult], window: int = 9, order: int = 2) -> list[FrameResult]:
    """The same frames with every track's keypoints (and world coordinates) smoothed."""
    smoothed = smooth_tracks([r.poses for r in results], "savgol", window=window, order=order)
    return [replace(r, poses=p) for r, p in zip(results, smoothed)]


def postprocess_results(
    results: list[FrameResult],
    postprocess: Callable[..., list[Poses]],
    smooth: str,
    smooth_params: dict[str, Any],
) -> list[FrameResult]:
    """Run `postprocess(poses, times)` over the whole recording, then smooth the 2D keypoints with
    `smooth` in a pass over the frames in order; the world coordinates stay as `postprocess` made them
    (it owns 3D: smoothing first would blend its corrections with the raw frames)."""
    times = [r.time for r in results]
    processed = postprocess([r.poses for r in results], times)
    if len(processed) != len(results):
        raise ValueError(f"postprocess returned {len(processed)} frames for {len(results)}")
    if smooth == "savgol":
        params = check_savgol_params(smooth_params)
        smoothed = smooth_tracks(processed, "savgol", window=params["window"], order=params["order"])
    elif smooth == "none":
        smoothed = processed
    else:
        smoother = PoseSmoother(smooth, **smooth_params)
        smoothed = [smoother.update(p, t) for p, t in zip(processed, times)]
    return [replace(r, poses=replace(s, world=p.world)) for r, s, p in zip(results, smoothed, processed)]


def reopenable(source: str | os.PathLike | FrameSource) -> str | None:
    """The path to decode `source` again from, or None for a live source (camera, stream)."""
    if isinstance(source, CameraSource):
        return None
    name = source.name if isinstance(source, FrameSource) else os.fspath(source)
    if not isinstance(name, str) or name.lower().startswith(("webcam:", *STREAM_SCHEMES)):
        return None
    return name


def with_images(
    path: str, results: list[FrameResult], *, fps: float | None = None, progress: bool = False
) -> Iterator[FrameResult]:
    """Decode `path` again and yield `results` with their frames' images (the second pass).

    Exactly as many frames are decoded as the first pass read, so a video that broke off is not read
    up to its break a second time."""
    if not results:
        return
    with open_source(path, fps=fps) as src:
        frames = itertools.islice(src, len(results))
        for r, frame in tqdm(
            zip(results, frames),
            total=len(results),
            desc="render",
            unit="frame",
            dynamic_ncols=True,
            disable=not progress,
        ):
            if frame.index != r.index:
                raise InputError(
                    f"{path}: the second reading gave frame {frame.index} where the first gave "
                    f"{r.index}; the file changed while it was being processed"
                )
            yield replace(r, image=frame.image)
