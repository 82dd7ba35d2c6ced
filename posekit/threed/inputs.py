"""Load one camera's 2D input as a `View2D`: a folder of OpenPose JSON files, a posekit track file
(.parquet/.csv/.jsonl/.json), a video, or a folder of images (2D estimated with posekit's models)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.results import Poses
from posekit.threed.pipeline import View2D

_TRACK_SUFFIXES = (".parquet", ".csv", ".jsonl", ".json")
_VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")


def _stack(frames: list[tuple[int, Poses]], name: str) -> View2D:
    if not frames:
        raise InputError(f"{name}: no frames")
    n_frames = max(f for f, _ in frames) + 1
    layout = frames[0][1].layout
    P = max(1, max(len(p.person_scores) for _, p in frames))
    K = len(layout)
    kp = np.full((n_frames, P, K, 2), np.nan)
    sc = np.zeros((n_frames, P, K))
    for f, poses in frames:
        n = len(poses.person_scores)
        if n:
            kp[f, :n] = poses.keypoints
            sc[f, :n] = np.where(np.isfinite(poses.keypoints).all(-1), poses.scores, 0.0)
    h, w = frames[0][1].image_size
    return View2D(kp, sc, layout, name, (int(w), int(h)))


def load_view(
    path: str | os.PathLike,
    *,
    model: str | None = None,
    layout: str | None = None,
    max_frames: int | None = None,
    progress: bool = True,
) -> View2D:
    """One camera's 2D people over time.

    Args:
        path: OpenPose JSON folder, track file, video file, or image folder.
        model: posekit model/preset for videos and images (default: "default").
        layout: OpenPose JSON layout ("body25", "body25b", "coco18"; guessed when None), or the layout to
            convert estimated poses to.
        max_frames: read at most this many frames.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    name = str(p)
    if p.is_dir() and any(f.suffix.lower() == ".json" for f in p.iterdir()):
        from posekit.io.openpose import read_openpose_folder

        o = read_openpose_folder(p, layout)
        k, s = o.keypoints[:max_frames], o.scores[:max_frames]
        return View2D(k, s, o.layout, name)
    if p.is_file() and p.suffix.lower() in _TRACK_SUFFIXES:
        from posekit.io.tracks import read_tracks

        frames = []
        for i, (f, _, poses) in enumerate(read_tracks(p)):
            if max_frames is not None and i >= max_frames:
                break
            frames.append((f, poses.to_layout(layout) if layout else poses))
        return _stack(frames, name)
    if p.is_dir() or p.suffix.lower() in _VIDEO_SUFFIXES:
        from tqdm import tqdm

        from posekit.estimator import PoseEstimator
        from posekit.io.video import open_source

        est = PoseEstimator(model, layout=layout)
        with open_source(p) as src:
            fps = float(src.fps) if p.is_file() else None
            total = src.frame_count
        frames = []
        bar = tqdm(
            desc=f"2D {p.name}",
            total=total if max_frames is None else max_frames,
            unit="frame",
            disable=not progress,
            dynamic_ncols=True,
        )
        # No online smoothing: triangulation and the 3D filter do better with the raw 2D.
        for i, r in enumerate(est.track(str(p), smooth="none")):
            if max_frames is not None and i >= max_frames:
                break
            frames.append((r.index, r.poses))
            bar.update(1)
        bar.close()
        v = _stack(frames, name)
        v.fps = fps
        return v
    raise InputError(f"{p}: not an OpenPose JSON folder, track file, video or image folder")
