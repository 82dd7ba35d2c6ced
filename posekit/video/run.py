"""`track_video`: a whole video to a results file and an annotated video (what `posekit track` does).

    summary = track_video(VideoPoseTracker("blazepose"), "clip.mp4", out="poses.parquet",
                          render="annotated.mp4")

Results are written as frames come (with `smooth="savgol"`, once the whole video was tracked), so a
video that breaks off leaves a valid file with every frame before the break.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from dataclasses import dataclass

from posekit.errors import InputError
from posekit.io.tracks import TrackWriter
from posekit.io.video import FrameSource, open_source
from posekit.io.video_writer import VideoWriter
from posekit.video.offline import reopenable
from posekit.video.render import VideoRenderer
from posekit.video.tracking import VideoPoseTracker

PathLike = str | os.PathLike


@dataclass
class TrackSummary:
    frames: int  # frames processed
    track_ids: int  # distinct track ids given
    seconds: float  # wall time, models' start-up excluded
    out: str | None = None  # the results file written
    render: str | None = None  # the annotated video written
    error: str | None = None  # why the video ended early (on_error="stop"), else None

    @property
    def frames_per_s(self) -> float:
        return self.frames / max(self.seconds, 1e-9)


def track_video(
    tracker: VideoPoseTracker,
    source: PathLike | FrameSource,
    *,
    out: PathLike | None = None,
    render: PathLike | None = None,
    max_frames: int | None = None,
    on_error: str = "raise",
    progress: bool = True,
) -> TrackSummary:
    """Track `source` and write the results to `out` (.parquet, .csv, .jsonl or .json) and an
    annotated H.264 video to `render` (.mp4), both optional.

    on_error: what to do when the video breaks off after some frames (truncated file, stream cut):
        "raise" the `InputError` (files hold every frame before the break) or "stop" and return the
        summary with `error` set. Inputs that cannot be opened at all always raise.
    """
    if on_error not in ("raise", "stop"):
        raise ValueError(f"on_error must be 'raise' or 'stop', got {on_error!r}")
    if render and tracker.offline and reopenable(source) is None:  # say so before any work
        raise InputError(
            f"{source}: offline smoothing (savgol) or 3D refinement renders in a second reading "
            "of the video, which a live source does not allow; record the stream first"
        )
    src = source if isinstance(source, FrameSource) else open_source(source)
    fps = src.fps or 30.0
    renderer = VideoRenderer()
    ids: set[int] = set()
    n, t0 = 0, time.perf_counter()
    error: InputError | None = None
    with ExitStack() as stack:
        writer = stack.enter_context(TrackWriter(out)) if out else None
        video = None
        try:
            for r in tracker.track(src, keep_images=bool(render), max_frames=max_frames, progress=progress):
                n += 1
                if r.poses.track_ids is not None:
                    ids.update(int(t) for t in r.poses.track_ids if t >= 0)
                if writer:
                    writer.write(r.index, r.time, r.poses)
                if render and r.image is not None:
                    if video is None:
                        h, w = r.image.shape[:2]
                        video = stack.enter_context(VideoWriter(render, fps, (w, h)))
                    video.write(renderer(r.image, r.poses))
        except InputError as exc:  # close both files normally (they keep every frame so far), then say so
            error = exc
    if error is not None and on_error == "raise":
        raise error
    return TrackSummary(
        n,
        len(ids),
        time.perf_counter() - t0,
        None if out is None else str(out),
        None if render is None else str(render),
        None if error is None else str(error),
    )
