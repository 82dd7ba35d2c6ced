"""Poses through a video: per-frame estimation, identities, smoothing, as a generator.

    tracker = VideoPoseTracker("blazepose")
    for result in tracker.track("clip.mp4"):
        result.index, result.time, result.poses.track_ids

Frames are decoded in a background thread (`PrefetchReader`) while the models run, so decoding and
inference use both cores. Memory stays bounded: a few decoded frames are queued, nothing else grows
with the video's length.
"""

from __future__ import annotations

import itertools
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from posekit.io.video import FrameSource, PrefetchReader, open_source
from posekit.pipeline.presets import build_pipeline
from posekit.results import Poses
from posekit.smooth import PoseSmoother
from posekit.track import Tracker
from posekit.video.follow import RoiFollower


@dataclass
class FrameResult:
    index: int
    time: float  # seconds from the start of the video
    poses: Poses
    image: np.ndarray | None = None  # the RGB frame, when asked for (rendering)


class VideoPoseTracker:
    """Estimate, track and smooth poses frame by frame.

    model: a preset or pose model (as `PoseEstimator`); "default" (COCO-17, top-down) if None.
    follow: between detections, crop each person from where their previous skeleton was (pipelines
        with regions of interest: top-down presets and BlazePose); others run whole every frame.
    redetect_every: frames between detector runs while following (also re-run when someone is lost).
    smooth: "one_euro" (online, default), or "none". Recorded video can also be smoothed offline
        afterwards with `posekit.smooth.smooth_tracks` (Savitzky–Golay).
    tracker: keyword arguments of `posekit.track.TrackerConfig` (e.g. max_age in frames).
    workers: frames processed at once while following (each model run single-threaded); 2 keeps both
        cores busy, since one frame's small crops cannot use two threads well. Frame t is then cropped
        from frame t − 2's skeletons instead of t − 1's: a little more margin is needed for very fast
        motion. 1 runs frame by frame with `threads` per model.
    """

    def __init__(self, model: str | None = None, *, follow: bool = True, redetect_every: int = 15,
                 smooth: str = "one_euro", smooth_params: dict | None = None, tracker: dict | None = None,
                 layout: str | None = None, device: str = "cpu", threads: int | None = None,
                 workers: int = 2):
        self.workers = max(1, int(workers)) if follow else 1
        pipeline = build_pipeline(model, device=device, threads=1 if self.workers > 1 else threads)
        self.follower = RoiFollower(pipeline, redetect_every) if follow and hasattr(pipeline, "run_rois") else None
        if self.follower is None:
            self.workers = 1
        self.pipeline = pipeline
        self.tracker = Tracker(**(tracker or {}))
        if smooth not in ("one_euro", "none"):
            raise ValueError(f"smooth must be 'one_euro' or 'none' online, got {smooth!r} "
                             "(Savitzky–Golay works on whole recordings: posekit.smooth.smooth_tracks)")
        self.smoother = PoseSmoother(smooth, **(smooth_params or {}))
        self.layout = layout

    def reset(self) -> None:
        if self.follower:
            self.follower.reset()
        self.tracker.reset()
        self.smoother.reset()

    def process(self, image: np.ndarray, index: int, time: float) -> Poses:
        poses = self.follower(image) if self.follower else self.pipeline(image)
        return self._identify(poses, index, time)

    def _identify(self, poses: Poses, index: int, time: float) -> Poses:
        poses = self.smoother.update(self.tracker.update(poses, index), time)
        return poses.to_layout(self.layout) if self.layout else poses

    def _pipelined(self, frames, keep_images: bool) -> Iterator[FrameResult]:
        """`workers` frames in flight; results come out in frame order."""
        with ThreadPoolExecutor(self.workers, thread_name_prefix="posekit-frame") as pool:
            pending: deque = deque()

            def complete():
                frame, job = pending.popleft()
                poses, next_rois, used = job.result()
                self.follower.finish(next_rois, used)
                return FrameResult(frame.index, frame.time, self._identify(poses, frame.index, frame.time),
                                   frame.image if keep_images else None)

            for frame in frames:
                rois, detect = self.follower.plan()
                pending.append((frame, pool.submit(self.follower.work, frame.image, rois, detect)))
                if len(pending) >= self.workers:
                    yield complete()
            while pending:
                yield complete()

    def track(self, source: str | FrameSource, *, keep_images: bool = False, max_frames: int | None = None,
              prefetch: int = 4) -> Iterator[FrameResult]:
        """Yield a `FrameResult` per frame of `source` (a path, URL, "webcam:N" or a FrameSource)."""
        self.reset()
        src = open_source(source) if not isinstance(source, FrameSource) else source
        reader = PrefetchReader(src, depth=prefetch) if prefetch else src
        try:
            frames = itertools.islice(reader, max_frames)
            if self.workers > 1:
                yield from self._pipelined(frames, keep_images)
                return
            for frame in frames:
                poses = self.process(frame.image, frame.index, frame.time)
                yield FrameResult(frame.index, frame.time, poses, frame.image if keep_images else None)
        finally:
            reader.close()
            src.close()
