"""Synthetic side-view BlazePose people built from segment angles (known ground truth for tests)."""

from __future__ import annotations

import numpy as np

from posekit.layouts import get_layout

BP = get_layout("blazepose33")
L = 100.0  # thigh = shank length, pixels


def body(
    knee_flex: float = 0.0,
    lean: float = 0.0,
    rotate: float = 0.0,
    origin=(400.0, 700.0),
    arm_raise: float = 0.0,
) -> np.ndarray:
    """(33, 2) keypoints facing +x; knee flexion and trunk lean (deg); `rotate` turns the whole body
    (deg, about the ankles) for falls and flips; `arm_raise` lifts both arms forward (shoulder flexion)."""
    k, ln, ar = np.radians(knee_flex / 2), np.radians(lean), np.radians(arm_raise)
    ankle = np.zeros(2)
    knee = ankle + L * np.array([np.sin(k), -np.cos(k)])
    hip = knee + L * np.array([-np.sin(k), -np.cos(k)])
    neck = hip + 1.5 * L * np.array([np.sin(ln), -np.cos(ln)])
    ear = neck + 0.5 * L * np.array([np.sin(ln), -np.cos(ln)])
    elbow = neck + 0.6 * L * np.array([np.sin(ar), np.cos(ar)])
    wrist = elbow + 0.6 * L * np.array([np.sin(ar), np.cos(ar)])
    pts = {
        "ankle": ankle,
        "knee": knee,
        "hip": hip,
        "shoulder": neck,
        "ear": ear,
        "elbow": elbow,
        "wrist": wrist,
        "index": wrist + 0.15 * L * np.array([np.sin(ar), np.cos(ar)]),
        "heel": ankle + (-10, 10),
        "foot_index": ankle + (30, 10),
    }
    kp = np.full((len(BP), 2), np.nan)
    for side in ("left", "right"):
        for n, v in pts.items():
            kp[BP.index(f"{side}_{n}")] = v
    kp[BP.index("nose")] = ear + (15, 5)
    r = np.radians(rotate)
    rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
    return kp @ rot.T + np.asarray(origin)


def squats(
    n: int = 5, fps: float = 30.0, period_s: float = 2.0, depth: float = 100.0, lead_s: float = 1.0
) -> np.ndarray:
    t = np.arange(int((2 * lead_s + n * period_s) * fps)) / fps
    phase = np.clip((t - lead_s) / period_s, 0, n)
    flex = depth * (1 - np.cos(2 * np.pi * phase)) / 2
    return np.stack([body(f, lean=f * 0.3) for f in flex])


def fall(
    fps: float = 30.0, before_s: float = 2.0, fall_s: float = 0.6, after_s: float = 2.0
) -> tuple[np.ndarray, float]:
    """Standing, then rotating to lying in `fall_s`, then lying; returns keypoints and the time lying is reached."""
    t = np.arange(int((before_s + fall_s + after_s) * fps)) / fps
    ang = 90 * np.clip((t - before_s) / fall_s, 0, 1)
    return np.stack([body(rotate=a) for a in ang]), before_s + fall_s


def flip(fps: float = 30.0) -> np.ndarray:
    """A gymnast's flip: a full turn in 0.7 s around the hips, back on the feet."""
    t = np.arange(int(4 * fps)) / fps
    ang = 360 * np.clip((t - 1.5) / 0.7, 0, 1)
    out = []
    for a in ang:
        kp = body()
        c = (kp[BP.index("left_hip")] + kp[BP.index("right_hip")]) / 2
        r = np.radians(a)
        rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
        out.append((kp - c) @ rot.T + c + (0, -60 * np.sin(np.radians(a / 2))))
    return np.stack(out)


def one_person(kp: np.ndarray, image_size: tuple[int, int], track_id: int = 1):
    """A frame's `Poses` of one tracked BlazePose person with these (33, 2) keypoints, all scored 1."""
    from posekit.results import Poses

    return Poses(
        kp[None], np.ones((1, 33)), np.array([[0, 0, 9, 9]]), np.ones(1), "blazepose33", image_size,
        track_ids=np.array([track_id]),
    )  # fmt: skip
