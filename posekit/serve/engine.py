"""What the service computes: models loaded once and shared, checked uploads, and a video job's work.

Uploads are checked before any heavy work: image headers give the size before pixels are decoded (so a
small file that would expand to gigabytes, a decompression bomb, is refused), and videos are probed
for their frame size before the first frame is decoded.
"""

from __future__ import annotations

import io
import shutil
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from posekit import __version__
from posekit.errors import InputError, PosekitError
from posekit.estimator import PoseEstimator
from posekit.io.images import decode_image
from posekit.results import Poses
from posekit.serve.analysis import run_analysis

DEFAULT_MAX_PIXELS = 40_000_000  # 40 MP: larger than any phone photo, far below what would exhaust memory


@dataclass
class ServeConfig:
    """Settings of one server (the `posekit serve` options)."""

    data_dir: Path = Path("posekit-data")
    api_key: str | None = None
    models: tuple[str, ...] = ("default",)  # loaded at start; the first is the default of every route
    max_image_bytes: int = 20 * 2**20
    max_video_bytes: int = 500 * 2**20
    max_frame_bytes: int = 4 * 2**20  # one live WebSocket frame
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_video_pixels: int = 4096 * 2304  # a 4K frame
    job_workers: int = 1  # videos processed at once
    inference_slots: int = 2  # images processed at once (more would only share the same cores)
    threads: int | None = None  # ONNX Runtime threads per model
    device: str = "cpu"


class ModelPool:
    """One `PoseEstimator` per served model, built at start and shared by every request. ONNX Runtime
    sessions may run from several threads; a semaphore bounds how many images run at once."""

    def __init__(self, config: ServeConfig) -> None:
        if not config.models:
            raise InputError("--model: give at least one model")
        self.config = config
        self.default = config.models[0]
        self.estimators = {
            m: PoseEstimator(m, device=config.device, threads=config.threads) for m in config.models
        }
        self._slots = threading.Semaphore(max(1, config.inference_slots))

    def names(self) -> list[str]:
        return list(self.estimators)

    def get(self, model: str | None) -> PoseEstimator:
        name = model or self.default
        if name not in self.estimators:
            raise InputError(f"model {name!r} is not served here; served: {', '.join(self.estimators)}")
        return self.estimators[name]

    def estimate(
        self,
        image: np.ndarray,
        model: str | None = None,
        *,
        min_score: float = 0.0,
        min_keypoint_score: float = 0.0,
        layout: str | None = None,
        abandoned: Callable[[], bool] | None = None,
    ) -> Poses:
        """Poses of one image; `abandoned()` is asked once a slot is free, so work for a client that left
        while waiting for one is skipped (raises `Abandoned`) instead of queued up behind the others."""
        est = self.get(model)
        with self._slots:
            if abandoned is not None and abandoned():
                raise Abandoned
            poses = est(image)
        if min_score > 0 or min_keypoint_score > 0:
            poses = poses.filter(min_score, min_keypoint_score=min_keypoint_score)
        return poses.to_layout(layout) if layout else poses

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "models": self.names(), "default_model": self.default}


def check_image(data: bytes, *, name: str, max_pixels: int) -> np.ndarray:
    """Decode an uploaded image to RGB, refusing images over `max_pixels` from their header alone."""
    if not data:
        raise InputError(f"{name}: empty upload (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:  # reads the header only
                w, h = im.size
    except Image.DecompressionBombError:
        raise PixelLimitError(f"{name}: image is over the {max_pixels / 1e6:.0f} MP limit") from None
    except Exception:
        w = h = 0  # not an image PIL knows: decode_image says what is wrong
    if w * h > max_pixels:
        raise PixelLimitError(
            f"{name}: image is {w}x{h} ({w * h / 1e6:.0f} MP), over the {max_pixels / 1e6:.0f} MP limit"
        )
    return decode_image(data, name=name)


class Abandoned(Exception):
    """The client of this work is gone (raised by `ModelPool.estimate`)."""


class PixelLimitError(InputError):
    """An image or video frame larger than the server accepts (answered with 413)."""


def probe_video(path: Path, *, name: str, max_pixels: int) -> dict[str, Any]:
    """Check that `path` is a video we can decode, without decoding a frame larger than `max_pixels`."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError(f"{name}: has no video stream")
            fmt = container.format.name
            if fmt == "image2" or fmt.endswith("_pipe"):  # FFmpeg reads a still image as a 1-frame video
                raise InputError(f"{name}: is an image ({fmt}), not a video; send images to /v1/pose")
            st = container.streams.video[0]
            w, h = st.codec_context.width, st.codec_context.height
            frames = int(st.frames or 0)
    except InputError:
        raise
    except Exception as e:
        raise InputError(
            f"{name}: not a video or unsupported format ({' '.join(str(e).split())[:160]})"
        ) from None
    if w * h > max_pixels:
        raise PixelLimitError(f"{name}: video frames are {w}x{h}, over the {max_pixels / 1e6:.1f} MP limit")
    if w <= 0 or h <= 0:
        raise InputError(f"{name}: video stream has no frame size (corrupt header?)")
    from posekit.io.video import open_source

    with open_source(path, backend="pyav") as src:  # decodes the first frame: a broken stream fails here
        return {"width": w, "height": h, "fps": src.fps, "frames": frames or src.frame_count}


#: `posekit track` options a job accepts, with their types (checked before a job is queued).
JOB_OPTIONS: dict[str, type] = {
    "model": str,
    "smooth": str,
    "redetect_every": int,
    "no_follow": bool,
    "max_age": int,
    "max_frames": int,
    "layout": str,
    "render": bool,
    "analysis": dict,  # see posekit.serve.analysis.parse_analysis
}


@dataclass
class VideoWork:
    """Runs one job: `posekit track` with a results file (JSONL and Parquet) and an annotated MP4."""

    pool: ModelPool
    progress_bar: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self, job: Any, input_path: Path, out_dir: Path, report: Callable[[int, float], None]
    ) -> str | None:
        from posekit.io.tracks import TrackWriter
        from posekit.io.video import open_source
        from posekit.io.video_writer import VideoWriter
        from posekit.video import VideoPoseTracker, VideoRenderer

        o = job.options
        model = o.get("model") or self.pool.default
        self.pool.get(model)  # only served models: they are built (and their sessions cached) already
        tracker = VideoPoseTracker(
            model,
            follow=not o.get("no_follow", False),
            redetect_every=int(o.get("redetect_every", 15)),
            smooth=o.get("smooth", "one_euro"),
            layout=o.get("layout"),
            device=self.pool.config.device,
            threads=self.pool.config.threads,
            tracker=None if o.get("max_age") is None else {"max_age": int(o["max_age"])},
        )
        render = bool(o.get("render", True))
        analysis = o.get("analysis")
        share = 0.9 if analysis else 1.0  # of the progress bar: the analysis takes the rest
        src = open_source(input_path, backend="pyav", on_corrupt="raise")
        known = [x for x in (src.frame_count, o.get("max_frames")) if x]
        total = min(known) if known else None
        renderer = VideoRenderer()
        n = 0
        warning: str | None = None
        video = None
        with TrackWriter(out_dir / "results.jsonl") as jsonl, TrackWriter(out_dir / "results.parquet") as pq:
            try:
                for r in tracker.track(
                    src, keep_images=render, max_frames=o.get("max_frames"), progress=self.progress_bar
                ):
                    jsonl.write(r.index, r.time, r.poses)
                    pq.write(r.index, r.time, r.poses)
                    if render and r.image is not None:
                        if video is None:
                            h, w = r.image.shape[:2]
                            video = VideoWriter(out_dir / "render.mp4", src.fps or 30.0, (w, h))
                        video.write(renderer(r.image, r.poses))
                    n += 1
                    report(n, share * n / total if total else 0.5 * share)
            except InputError as exc:  # the video broke off: keep the frames before the break, say so
                if n == 0:
                    raise
                warning = f"video ended early after {n} frames: {exc}"
            except BaseException:  # cancelled or failed: no half-written video is published
                if video is not None:
                    video.abort()
                raise
            finally:
                src.close()
            if video is not None:
                video.close()
        if n == 0:
            raise InputError(f"{job.filename}: no frames decoded")
        if analysis:
            report(n, share)  # a cancel before the analysis stops here
            try:
                run_analysis(out_dir / "results.jsonl", out_dir / "analysis", analysis, video=input_path)
            except Exception as exc:  # the tracking results stand; the job says why there is no analysis
                shutil.rmtree(out_dir / "analysis", ignore_errors=True)
                why = str(exc) if isinstance(exc, PosekitError) else f"{type(exc).__name__}: {exc}"
                warning = "; ".join(w for w in (warning, f"analysis failed: {why}") if w)
        return warning
