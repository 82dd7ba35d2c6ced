"""Activity states per frame (standing, sitting, lying, walking, running) and the time spent in each.

Uses the trunk tilt of falls.py and the hips' speed in torso lengths per second (see docs/analysis.md).
"""

from __future__ import annotations

import numpy as np

from posekit.analysis.falls import LYING, _mid, trunk_tilt
from posekit.layouts import Layout, get_layout

STATES = ("standing", "sitting", "lying", "walking", "running", "unknown")


def activity_states(
    keypoints: np.ndarray, time: np.ndarray, layout: str | Layout = "blazepose33"
) -> np.ndarray:
    """Per frame: standing, sitting, lying, walking, running or unknown (person not seen).

    lying: tilt >= 60; sitting: trunk upright-ish and thighs within 45 deg of horizontal; otherwise the
    hips' horizontal speed (median over 0.5 s) in torso lengths/s: > 0.4 walking, > 2.0 running, else standing.
    """
    from scipy.ndimage import median_filter

    lay = get_layout(layout)
    kp = np.asarray(keypoints, dtype=np.float64)
    t = np.asarray(time, dtype=np.float64)
    tilt, torso = trunk_tilt(kp, lay)
    scale = float(np.nanmedian(torso)) if np.isfinite(torso).any() else 1.0
    hips = _mid(kp, lay, "left_hip", "right_hip")
    knees = _mid(kp, lay, "left_knee", "right_knee")
    thigh = knees - hips
    with np.errstate(invalid="ignore"):
        thigh_tilt = np.degrees(np.arctan2(np.abs(thigh[:, 0]), thigh[:, 1]))  # 0 hanging down, 90 horizontal
    fps = 1.0 / np.median(np.diff(t)) if len(t) > 1 else 30.0
    w = max(1, round(0.5 * fps))
    x = hips[:, 0].copy()
    ok = np.isfinite(x)
    speed = np.full(len(t), np.nan)
    if ok.sum() > 1:
        xs = np.interp(t, t[ok], x[ok])
        v = np.abs(np.gradient(xs, t)) / scale
        speed = median_filter(v, size=w, mode="nearest")
    state = np.full(len(t), "unknown", dtype="<U8")
    seen = np.isfinite(tilt)
    state[seen] = "standing"
    state[seen & (speed > 0.4)] = "walking"
    state[seen & (speed > 2.0)] = "running"
    state[seen & (tilt < LYING) & (thigh_tilt >= 45)] = "sitting"
    state[seen & (tilt >= LYING)] = "lying"
    return state


def time_in_states(states: np.ndarray, time: np.ndarray) -> dict[str, float]:
    t = np.asarray(time, dtype=np.float64)
    dt = np.diff(t, append=t[-1] + (np.median(np.diff(t)) if len(t) > 1 else 0.0)) if len(t) else t
    return {s: float(dt[states == s].sum()) for s in STATES if np.any(states == s)}
