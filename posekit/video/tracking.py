"""Poses through a video: per-frame estimation, identities, smoothing, as a generator.

    tracker = VideoPoseTracker("blazepose")
    for result in tracker.track("clip.mp4"):
        result.index, result.time, result.poses.track_ids

Frames are decoded in a background thread (`PrefetchReader`) while the models run, so decoding and
inference use both cores. Memory stays bounded: a few decoded frames are queued, nothing else grows
with the video's length (except with `smooth="savgol"`, which keeps every frame's `Poses`, not the
images, until the end: see `posekit.video.offline`).
"""

from __future__ import annotations

import copy
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from tqdm import tqdm

from posekit.errors import InputError
from posekit.io.video import Frame, FrameSource, PrefetchReader, open_source
from posekit.io.video.pyav_source import PyAVSource
from posekit.io.video.yuv import YuvFrame
from posekit.pipeline.base import RoiPipeline
from posekit.pipeline.presets import build_pipeline, pipeline_settings
from posekit.pipeline.settings import BlazePoseSettings
from posekit.results import FrameResult, Poses
from posekit.smooth import PoseSmoother
from posekit.track import Tracker, TrackerConfig
from posekit.video.follow import RoiFollower

SMOOTH_METHODS = ("one_euro", "savgol", "none")
Postprocess = Callable[[Sequence[Poses], Sequence[float]], list[Poses]]


class VideoPoseTracker:
    """Estimate, track and smooth poses frame by frame.

    model: a preset or pose model (as `PoseEstimator`); "default" (COCO-17, top-down) if None.
    follow: between detections, crop each person from where their previous skeleton was (pipelines
        with regions of interest: top-down presets and BlazePose); others run whole every frame.
    redetect_every: frames between detector runs while following (also re-run when someone is lost).
    smooth: "one_euro" (online, default), "savgol" or "none". "savgol" (Savitzky–Golay, no lag) is
        offline: it needs a whole track, so `track()` reads the whole video first and yields every
        frame's smoothed result afterwards (with `keep_images`, from a second decoding pass of the
        same file). See `posekit.video.offline`.
    smooth_params: "one_euro": `min_cutoff`, `beta`, `d_cutoff`, `reset_after` (see
        `posekit.smooth.PoseSmoother`); "savgol": `window` (odd, frames; 9) and `order` (2).
    keep_lost: seconds a person who is no longer seen keeps their id (1.0); converted to frames with
        the video's frame rate when `track()` opens it. `tracker={"max_age": n}` (frames) overrides it.
    tracker: keyword arguments of `posekit.track.TrackerConfig`.
    postprocess: an offline step over the whole recording, `f(poses, times) -> poses` (one `Poses`
        per frame in, the same out), run before smoothing; e.g. `posekit.threed.mono.refine_tracks`
        for BlazePose's 3D. Like "savgol", it makes `track()` read the whole video first; the world
        coordinates it returns are kept as they are (smoothing then touches the 2D keypoints only).
    workers: frames processed at once while following (each model run single-threaded); 2 keeps both
        cores busy, since one frame's small crops cannot use two threads well. Frame t is then cropped
        from frame t − 2's skeletons instead of t − 1's, so even and odd frames follow a person as two
        separate chains that can drift apart in fast motion. 1 runs frame by frame with `threads` per
        model. None (default): 1 for BlazePose (one 256×256 crop a frame: its network uses two threads
        well, and the chains drifting apart quadrupled the jitter on the fast mmhuman3d clip, with no
        gain in frames/s; docs/video.md), 2 for the others.
    follow_model: a top-down pipeline's pose model on the frames where people are followed (not
        detected); detection frames, where new people are found, keep the pipeline's own. "auto":
        MoveNet Lightning (3× cheaper) where the pipeline runs Thunder, which doubles `default`'s
        frames/s on a crowded street but nearly doubles its jitter (docs/video.md); None (default):
        the pipeline's own everywhere.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        follow: bool = True,
        redetect_every: int = 15,
        smooth: str = "one_euro",
        smooth_params: dict[str, Any] | None = None,
        tracker: dict[str, Any] | None = None,
        keep_lost: float = 1.0,
        layout: str | None = None,
        device: str = "cpu",
        threads: int | None = None,
        workers: int | None = None,
        postprocess: Postprocess | None = None,
        follow_model: str | None = None,
    ):
        if smooth not in SMOOTH_METHODS:
            raise ValueError(f"smooth must be one of {', '.join(SMOOTH_METHODS)}, got {smooth!r}")
        if keep_lost < 0:
            raise ValueError(f"keep_lost must be >= 0 seconds, got {keep_lost}")
        self.smooth = smooth
        self.smooth_params = dict(smooth_params or {})
        self.postprocess = postprocess
        self.savgol_params: dict[str, int] = {}
        if smooth == "savgol":
            from posekit.video.offline import check_savgol_params

            self.savgol_params = check_savgol_params(self.smooth_params)
        self.smoother = self._pass_smoother()  # also checks smooth_params now, not after a whole video
        if workers is None:
            workers = 1 if isinstance(pipeline_settings(model), BlazePoseSettings) else 2
        self.workers = max(1, int(workers)) if follow else 1
        pipeline = build_pipeline(model, device=device, threads=1 if self.workers > 1 else threads)
        self.follower = (
            RoiFollower(
                pipeline,
                redetect_every,
                follow_pipeline=_follow_pipeline(
                    pipeline, follow_model, device, 1 if self.workers > 1 else threads
                ),
                min_score=float((tracker or {}).get("min_score", TrackerConfig.min_score)),
            )
            if follow and isinstance(pipeline, RoiPipeline)
            else None
        )
        if self.follower is None:
            if self.workers > 1 and threads != 1:
                # Frames then run one at a time: the models get the threads asked for, not one each.
                pipeline = build_pipeline(model, device=device, threads=threads)
            self.workers = 1
        self.pipeline = pipeline
        self.keep_lost = float(keep_lost)
        self.tracker_params = dict(tracker or {})
        self.tracker = Tracker(**self._tracker_config(30.0))  # for process(); track() uses the video's rate
        self.layout = layout

    def _pass_smoother(self) -> PoseSmoother:
        """The tracking pass's smoother: offline, it keeps raw keypoints (smoothing runs after the whole
        video was read)."""
        return PoseSmoother("none") if self.offline else PoseSmoother(self.smooth, **self.smooth_params)

    @property
    def offline(self) -> bool:
        """Whether `track()` reads the whole video before yielding (savgol smoothing or a postprocess)."""
        return self.smooth == "savgol" or self.postprocess is not None

    @property
    def layout_name(self) -> str:
        """The keypoint layout the pipeline gives (before `layout=` conversion)."""
        layout = getattr(self.pipeline, "layout", "")
        return layout if isinstance(layout, str) else str(getattr(layout, "name", ""))

    def _tracker_config(self, fps: float) -> dict[str, Any]:
        """Tracker settings for a video at `fps`: a lost person keeps the id for `keep_lost` seconds."""
        params = dict(self.tracker_params)
        params.setdefault("max_age", max(1, round(self.keep_lost * (fps or 30.0))))
        return params

    def reset(self, fps: float = 30.0) -> None:
        """Forget everything (people followed, tracks, filter state) before a new video at `fps`."""
        if self.follower:
            self.follower.reset()
        self.tracker = Tracker(**self._tracker_config(fps))
        self.smoother = self._pass_smoother()

    def process(self, image: np.ndarray | YuvFrame, index: int, time: float) -> Poses:
        """One frame: estimate, identify and (online) smooth. Frames must come in order. A `YuvFrame`
        goes as it is to a following pipeline that `accepts_yuv`, as RGB to others."""
        if self.follower and (
            not isinstance(image, YuvFrame) or getattr(self.pipeline, "accepts_yuv", False)
        ):
            poses = self.follower(image)
        else:  # a YuvFrame for a pipeline that takes only RGB: convert the whole frame
            poses = (self.follower or self.pipeline)(image.image if isinstance(image, YuvFrame) else image)
        return self._identify(poses, index, time)

    def _identify(self, poses: Poses, index: int, time: float) -> Poses:
        poses = self.smoother.update(self.tracker.update(poses, index), time)
        return poses.to_layout(self.layout) if self.layout else poses

    def _pipelined(self, frames: Iterable[Any], keep_images: bool) -> Iterator[FrameResult]:
        """`workers` frames in flight; results come out in frame order."""
        follower = self.follower
        assert follower is not None
        with ThreadPoolExecutor(self.workers, thread_name_prefix="posekit-frame") as pool:
            pending: deque = deque()

            def complete() -> FrameResult:
                frame, job = pending.popleft()
                poses, next_rois, used = job.result()
                follower.finish(next_rois, used)
                return FrameResult(
                    frame.index,
                    frame.time,
                    self._identify(poses, frame.index, frame.time),
                    frame.image if keep_images else None,
                )

            for frame in frames:
                rois, detect = follower.plan()
                pending.append((frame, pool.submit(follower.work, _pixels(frame), rois, detect)))
                if len(pending) >= self.workers:
                    yield complete()
            while pending:
                yield complete()

    def _online(
        self, src: FrameSource, keep_images: bool, max_frames: int | None, prefetch: int, progress: bool
    ) -> Iterator[FrameResult]:
        if isinstance(src, PyAVSource) and self.follower is not None and not keep_images:
            # frames stay in their YUV planes; the pipeline converts only its crops (posekit.io.video.yuv)
            src.yuv = bool(getattr(self.pipeline, "accepts_yuv", False))
        reader = PrefetchReader(src, depth=prefetch) if prefetch else src
        known = [n for n in (src.frame_count, max_frames) if n is not None]
        bar = tqdm(
            total=min(known) if known else None,
            desc="track",
            unit="frame",
            dynamic_ncols=True,
            disable=not progress,
        )
        try:
            frames = itertools.islice(reader, max_frames)
            if self.workers > 1:
                results: Iterator[FrameResult] = self._pipelined(frames, keep_images)
            else:
                results = (
                    FrameResult(
                        f.index,
                        f.time,
                        self.process(_pixels(f), f.index, f.time),
                        f.image if keep_images else None,
                    )
                    for f in frames
                )
            for r in results:
                bar.update()
                yield r
        finally:
            bar.close()
            reader.close()

    def track(
        self,
        source: str | os.PathLike | FrameSource,
        *,
        keep_images: bool = False,
        max_frames: int | None = None,
        prefetch: int = 4,
        progress: bool = False,
    ) -> Iterator[FrameResult]:
        """Yield a `FrameResult` per frame of `source` (a path, URL, "webcam:N" or a FrameSource).

        keep_images: put each decoded RGB frame in `FrameResult.image` (for rendering).
        progress: show a progress bar (two with `smooth="savgol"` and `keep_images`: one per pass).
        A video that breaks off raises `InputError` after the frames before the break were yielded.
        """
        src = source if isinstance(source, FrameSource) else open_source(source)
        self.reset(src.fps or 30.0)
        try:
            if not self.offline:
                yield from self._online(src, keep_images, max_frames, prefetch, progress)
                return
            from posekit.video.offline import postprocess_results, reopenable, smooth_results, with_images

            again = reopenable(source) if keep_images else None
            if keep_images and again is None:
                raise InputError(
                    f"{src.name}: offline smoothing or post-processing with images needs a video "
                    "file or image folder that can be read twice, not a live source"
                )
            results: list[FrameResult] = []
            error: InputError | None = None
            try:
                results.extend(self._online(src, False, max_frames, prefetch, progress))
            except InputError as exc:  # a video that breaks off: smooth and yield what was read, then say so
                error = exc
            if self.postprocess is not None:
                smoothed = postprocess_results(results, self.postprocess, self.smooth, self.smooth_params)
            else:
                smoothed = smooth_results(results, **self.savgol_params)
            if again is not None:
                yield from with_images(again, smoothed, fps=src.fps, progress=progress)
            else:
                yield from smoothed
            if error is not None:
                raise error
        finally:
            src.close()


def _follow_pipeline(
    pipeline: Any, follow_model: str | None, device: str, threads: int | None
) -> RoiPipeline | None:
    """The top-down pipeline with `follow_model` as its pose model (shares the detectors)."""
    from posekit.pipeline.movenet import MoveNetCropModel
    from posekit.pipeline.topdown import TopDown

    if follow_model == "auto":
        thunder = isinstance(pipeline, TopDown) and pipeline.pose.model.name == "movenet-thunder"
        follow_model = "movenet-lightning" if thunder else None
    if follow_model is None:
        return None
    if not isinstance(pipeline, TopDown):
        raise ValueError(f"follow_model needs a top-down pipeline, not {type(pipeline).__name__}")
    light = copy.copy(pipeline)
    light.pose = MoveNetCropModel(follow_model, device=device, threads=threads)
    return light


def _pixels(frame: Frame) -> np.ndarray | YuvFrame:
    """What a frame gives a pipeline: a `YuvFrame` itself (its planes), else its RGB image."""
    return frame if isinstance(frame, YuvFrame) else frame.image
