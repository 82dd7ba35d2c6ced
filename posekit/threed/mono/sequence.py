"""Refine every tracked person's BlazePose world landmarks through a recording (`refine_tracks`).

Used by `posekit track` (default `--world refined`) and by `posekit export`. Each person's raw world
landmarks stay available as `Poses.extra["world_raw"]` (JSON/JSONL results keep `extra`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from posekit.results import Poses
from posekit.threed.mono.refine import SWAP, MonoConfig, refine_world


def _fps(times: np.ndarray) -> float:
    d = np.diff(times)
    d = d[d > 0]
    return float(1.0 / np.median(d)) if d.size else 30.0


def refine_tracks(
    poses: Sequence[Poses], times: Sequence[float], config: MonoConfig | None = None
) -> list[Poses]:
    """The same frames with each tracked person's `world` refined by `refine_world` (BlazePose-33 with world
    only; other results come back unchanged). Frames where a person's left and right were relabelled have
    their 2D keypoints, scores and extras relabelled too, so 2D and 3D agree."""
    frames = list(poses)
    if not frames or not any(
        p.world is not None and p.layout.name == "blazepose33" and len(p) for p in frames
    ):
        return frames
    fps = _fps(np.asarray(times, dtype=np.float64))
    out = [
        replace(p, extra={**p.extra, "world_raw": p.world.copy()}) if p.world is not None else p
        for p in frames
    ]
    ids_of = [p.track_ids if p.track_ids is not None else np.full(len(p), -1) for p in frames]
    single = all(len(p) <= 1 for p in frames)  # untracked (-1) people are one person only then
    ids = sorted({int(t) for tids in ids_of for t in tids if t >= 0 or single})
    for tid in ids:
        where = [
            (i, int(np.nonzero(tids == tid)[0][0]))
            for i, (p, tids) in enumerate(zip(frames, ids_of))
            if p.world is not None and (tids == tid).any()
        ]
        if len(where) < 2:
            continue
        first, last = where[0][0], where[-1][0]
        seq = np.full((last - first + 1, 33, 3), np.nan, np.float32)
        for i, j in where:
            seq[i - first] = np.asarray(frames[i].world)[j]
        if np.isfinite(seq).all(axis=(1, 2)).sum() < 2:
            continue
        res = refine_world(seq, fps, config)
        for i, j in where:
            p = out[i]
            world = np.array(p.world)
            world[j] = res.world[i - first]
            kp, sc = p.keypoints.copy(), p.scores.copy()
            extra = {k: v.copy() for k, v in p.extra.items()}
            if res.flipped[i - first]:
                kp[j], sc[j] = kp[j][SWAP], sc[j][SWAP]
                for k, v in extra.items():
                    if k != "world_raw":
                        v[j] = v[j][SWAP]
            out[i] = replace(p, keypoints=kp, scores=sc, world=world, extra=extra)
    return out


def refine_and_smooth(
    poses: Sequence[Poses], times: Sequence[float], smooth: str, config: MonoConfig | None = None
) -> list[Poses]:
    """`posekit track`'s offline pass with refined 3D: refine the raw world landmarks first (smoothing
    them before would blend turned-around frames with good ones), then smooth the 2D keypoints with
    `smooth` ("savgol", "one_euro" or "none"); the world coordinates stay the refined ones."""
    from posekit.smooth import PoseSmoother, smooth_tracks

    refined = refine_tracks(poses, times, config)
    if smooth == "savgol":
        smoothed = smooth_tracks(refined, "savgol")
    elif smooth == "one_euro":
        smoother = PoseSmoother("one_euro")
        smoothed = [smoother.update(p, float(t)) for p, t in zip(refined, times)]
    else:
        return refined
    return [replace(s, world=r.world) for s, r in zip(smoothed, refined)]
