"""`Motion`: one person's keypoints through a recording, the input of every motion-capture writer.

`motions_from_tracks(path)` reads a posekit results file (`posekit track --out`) and gives one Motion
per track id, frames without that person filled with NaN. For BlazePose results, `refined=True` (the
default) replaces the raw world landmarks with `posekit.threed.mono.refine_world`'s (see docs/3d.md);
`refined=False` keeps the model's own.

World frame of a Motion (`positions`): metres, the frame named in `frame`:
* "blazepose": origin at the hip centre, x to the image's right, y down, z away from the camera;
* "camera": the same axes with the origin at the camera centre (after `place_in_camera`);
* "world": a calibrated world frame (triangulated results), usually Z up;
* "y-up": positions read from a TRC file, already Y up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.io.tracks import read_tracks
from posekit.layouts import Layout


@dataclass
class Motion:
    """positions: (T, K, 3) metres or None for 2D-only results; keypoints: (T, K, 2) pixels; scores: (T, K);
    times: (T,) seconds; frames: (T,) video frame indices; fps; layout; image_size (h, w); track_id;
    frame: the name of the 3D frame (see the module docstring); raw_positions: the model's own 3D when
    `positions` were refined."""

    keypoints: np.ndarray
    scores: np.ndarray
    times: np.ndarray
    frames: np.ndarray
    fps: float
    layout: Layout
    image_size: tuple[int, int]
    positions: np.ndarray | None = None
    track_id: int = -1
    frame: str = "blazepose"
    raw_positions: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.keypoints.shape[0])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.layout.keypoint_names)

    def need_3d(self, what: str) -> np.ndarray:
        """The 3D positions, or an InputError naming `what` needs them."""
        if self.positions is None or not np.isfinite(self.positions).any():
            raise InputError(
                f"{what} needs 3D (world) coordinates, and these results have none "
                "(track with --model blazepose, or triangulate several cameras)"
            )
        return self.positions


def _fps(times: np.ndarray) -> float:
    d = np.diff(times)
    d = d[d > 0]
    return float(1.0 / np.median(d)) if d.size else 30.0


def motions_from_frames(
    frames: list, *, refined: bool = True, height: float | None = None, source: str = "results"
) -> list[Motion]:
    """One Motion per confirmed track id from [(frame_index, time, Poses), ...]; untracked results
    (no id ≥ 0 anywhere) only when a single person is in every frame, as id -1."""
    if not frames:
        raise InputError(f"{source}: no frames")
    layout = next((p.layout for _, _, p in frames if len(p)), None)
    if layout is None:
        raise InputError(f"{source}: no person in any frame")
    ids: list[int] = []
    # Tracked results: people without a confirmed id (-1: a tentative track, or a one-frame false
    # detection) are left out. Untracked results: one person per frame is that person throughout.
    tracked = any(p.track_ids is not None and (p.track_ids >= 0).any() for _, _, p in frames)
    for _, _, p in frames:
        if p.layout.name != layout.name:
            raise InputError(f"{source}: mixed layouts {layout.name!r} and {p.layout.name!r}")
        tid = p.track_ids if p.track_ids is not None else np.full(len(p), -1)
        if tracked:
            tid = tid[tid >= 0]
        elif len(p) > 1:
            raise InputError(
                f"{source}: several untracked people in one frame; track them first (posekit track)"
            )
        ids += [int(t) for t in tid if int(t) not in ids]
    if refined and layout.name == "blazepose33" and not any("world_raw" in p.extra for _, _, p in frames):
        from posekit.threed.mono import MonoConfig
        from posekit.threed.mono.sequence import refine_tracks

        poses = refine_tracks([p for _, _, p in frames], [t for _, t, _ in frames], MonoConfig(height=height))
        frames = [(f, t, p) for (f, t, _), p in zip(frames, poses)]
    t_all = np.array([t for _, t, _ in frames], np.float64)
    f_all = np.array([f for f, _, _ in frames], np.int64)
    k = len(layout)
    out = []
    for tid in ids:
        kp = np.full((len(frames), k, 2), np.nan, np.float32)
        sc = np.zeros((len(frames), k), np.float32)
        wd = np.full((len(frames), k, 3), np.nan, np.float32)
        has_world = marked = False
        raw = np.full((len(frames), k, 3), np.nan, np.float32)
        for i, (_, _, p) in enumerate(frames):
            sel = np.nonzero((p.track_ids if p.track_ids is not None else np.full(len(p), -1)) == tid)[0]
            if sel.size:
                j = int(sel[0])
                kp[i], sc[i] = p.keypoints[j], p.scores[j]
                if p.world is not None:
                    wd[i], has_world = p.world[j], True
                if "world_raw" in p.extra:  # already refined by `posekit track`
                    raw[i], marked = p.extra["world_raw"][j], True
        h, w = frames[0][2].image_size
        m = Motion(kp, sc, t_all, f_all, _fps(t_all), layout, (h, w), wd if has_world else None, tid)
        if marked:
            m.raw_positions = raw
            if not refined:
                m.positions = raw
        out.append(m)
    return out


def read_frames(path: str | os.PathLike) -> list:
    """All frames of a results file (InputError on a missing or malformed file)."""
    try:
        return list(read_tracks(path))
    except InputError:
        raise
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"{path}: not a posekit results file ({e})") from None


def motions_from_tracks(
    path: str | os.PathLike, *, refined: bool = True, height: float | None = None
) -> list[Motion]:
    return motions_from_frames(read_frames(path), refined=refined, height=height, source=str(Path(path)))


def pick(motions: list[Motion], track_id: int | None) -> Motion:
    """The Motion of `track_id`, or (None) the one seen in most frames."""
    if track_id is None:
        return max(motions, key=lambda m: int(np.isfinite(m.keypoints).all(axis=(1, 2)).sum()))
    for m in motions:
        if m.track_id == track_id:
            return m
    raise InputError(f"no track id {track_id}; ids: {', '.join(str(m.track_id) for m in motions)}")


def y_up(positions: np.ndarray, frame: str) -> np.ndarray:
    """Positions turned to a Y-up frame (BVH, OpenSim): BlazePose/camera frames (y down, z away) are
    rotated 180° about x → x right, y up, z towards the camera; Z-up worlds become (y, z, x); "y-up"
    positions (read from a TRC) stay as they are."""
    p = np.asarray(positions, dtype=np.float64)
    if frame == "y-up":
        return p
    if frame in ("blazepose", "camera"):
        return p * np.array([1.0, -1.0, -1.0])
    return p[..., [1, 2, 0]]
