"""Synthetic BlazePose-like results: one or two people moving smoothly, with 2D and 3D (no model run)."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.results import Poses

# A standing person in BlazePose's world frame (metres, hip centre origin, x right, y down, z away).
_BASE = {
    "nose": (0, -0.62, -0.08),
    "left_shoulder": (0.18, -0.48, 0),
    "right_shoulder": (-0.18, -0.48, 0),
    "left_elbow": (0.22, -0.2, 0),
    "right_elbow": (-0.22, -0.2, 0),
    "left_wrist": (0.24, 0.05, -0.02),
    "right_wrist": (-0.24, 0.05, -0.02),
    "left_hip": (0.1, 0, 0),
    "right_hip": (-0.1, 0, 0),
    "left_knee": (0.11, 0.42, -0.02),
    "right_knee": (-0.11, 0.42, -0.02),
    "left_ankle": (0.11, 0.82, 0.02),
    "right_ankle": (-0.11, 0.82, 0.02),
    "left_heel": (0.11, 0.87, 0.06),
    "right_heel": (-0.11, 0.87, 0.06),
    "left_foot_index": (0.12, 0.88, -0.12),
    "right_foot_index": (-0.12, 0.88, -0.12),
}


def synthetic_frames(n: int = 40, people: int = 1, fps: float = 30.0, world: bool = True) -> list:
    from posekit.layouts import get_layout

    layout = get_layout("blazepose33")
    names = layout.keypoint_names
    base = np.zeros((33, 3))
    for i, name in enumerate(names):
        src = (
            name
            if name in _BASE
            else ("left_" if "left" in name else "right_" if "right" in name else "")
            + ("wrist" if any(h in name for h in ("pinky", "index", "thumb")) else "shoulder")
        )
        if name.startswith(("left_eye", "right_eye", "left_ear", "right_ear", "mouth")):
            src = "nose"
        base[i] = _BASE[src]
    rng = np.random.default_rng(0)
    frames = []
    for t in range(n):
        people_poses = []
        for p in range(people):
            w = base.copy()
            ph = 2 * np.pi * t / n
            leg = 0.12 * np.sin(ph + p)
            for side, s in (("left", 1), ("right", -1)):
                for j in ("knee", "ankle", "heel", "foot_index"):
                    w[names.index(f"{side}_{j}"), 2] += s * leg * (1 if j == "knee" else 2)
                w[names.index(f"{side}_wrist"), 2] -= s * leg
            w += rng.normal(0, 0.004, w.shape)
            kp = w[:, :2] * 300 + np.array([320 + 150 * p, 240])
            people_poses.append(
                Poses(
                    kp[None],
                    np.full((1, 33), 0.9),
                    np.array([[*kp.min(0), *kp.max(0)]]),
                    np.array([0.95]),
                    "blazepose33",
                    (480, 640),
                    world=w[None] if world else None,
                    track_ids=np.array([p]),
                )
            )
        frames.append((t, t / fps, Poses.concat(people_poses)))
    return frames


@pytest.fixture
def make_frames():
    return synthetic_frames


@pytest.fixture
def frames():
    return synthetic_frames()


@pytest.fixture
def results_file(tmp_path, frames):
    from posekit.io.tracks import TrackWriter

    path = tmp_path / "tracks.jsonl"
    with TrackWriter(path) as w:
        for f, t, p in frames:
            w.write(f, t, p)
    return path
