"""Gait events and timing from a side view of a walking person (Stenum et al. 2021, PLoS Comput Biol).

Heel strike: the foot is farthest *ahead* of the pelvis (a peak of heel x − mid-hip x along the walking
direction); toe off: the foot is farthest *behind* it (a valley of toe x − mid-hip x). The walking
direction is the sign of the pelvis' median horizontal velocity. Peaks must be at least 0.5 s apart per
foot (a stride lasts ~1 s) and above 20 % of the signal's 5-95 % range in prominence.
Derived: step time (heel strike to the other foot's heel strike), stride time (to the same foot's next),
cadence (steps/min = 60 / mean step time), stance (heel strike to toe off) and swing (toe off to heel
strike) time, and symmetry index 100·|L − R| / mean(L, R) of step times. Step length and speed need a
scale: `metres_per_pixel`, or world coordinates.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from posekit.errors import InputError
from posekit.layouts import Layout, get_layout


@dataclass
class GaitResult:
    heel_strikes: dict[str, np.ndarray]  # side -> times (s)
    toe_offs: dict[str, np.ndarray]
    cadence: float | None  # steps per minute
    step_time: float | None
    stride_time: float | None
    stance_time: dict[str, float | None] = field(default_factory=dict)
    swing_time: dict[str, float | None] = field(default_factory=dict)
    step_time_symmetry: float | None = None  # percent, 0 = symmetric
    step_length: float | None = None  # metres
    speed: float | None = None  # metres per second

    def to_dict(self) -> dict:
        return {
            "heel_strikes": {k: v.tolist() for k, v in self.heel_strikes.items()},
            "toe_offs": {k: v.tolist() for k, v in self.toe_offs.items()},
            "cadence_steps_per_min": self.cadence,
            "step_time_s": self.step_time,
            "stride_time_s": self.stride_time,
            "stance_time_s": self.stance_time,
            "swing_time_s": self.swing_time,
            "step_time_symmetry_pct": self.step_time_symmetry,
            "step_length_m": self.step_length,
            "speed_m_per_s": self.speed,
        }


def _fill(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    ok = np.isfinite(v)
    return np.interp(t, t[ok], v[ok]) if ok.sum() >= 2 else np.full(len(t), np.nan)


def _mean(x: list[float] | np.ndarray) -> float | None:
    x = np.asarray(x, dtype=np.float64)
    return float(x.mean()) if x.size else None


def gait_events(
    keypoints: np.ndarray,
    time: np.ndarray,
    layout: str | Layout = "blazepose33",
    *,
    metres_per_pixel: float | None = None,
    min_stride_s: float = 0.5,
) -> GaitResult:
    """Gait from (T, K, 2) image keypoints of one person walking across the view."""
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks

    lay = get_layout(layout)
    kp = np.asarray(keypoints, dtype=np.float64)
    t = np.asarray(time, dtype=np.float64)
    if kp.ndim != 3 or kp.shape[0] != len(t) or len(t) < 10:
        raise InputError(f"gait: need (T >= 10, K, 2) keypoints with T times, got {kp.shape} and {t.shape}")
    heel = "heel" if "left_heel" in lay.keypoint_names else "ankle"
    toe = "foot_index" if "left_foot_index" in lay.keypoint_names else "ankle"
    x = lambda n: _fill(kp[:, lay.index(n), 0], t)
    pelvis = (x("left_hip") + x("right_hip")) / 2
    fps = 1.0 / float(np.median(np.diff(t)))
    direction = np.sign(np.nanmedian(np.gradient(pelvis, t))) or 1.0
    dist = max(1, int(min_stride_s * fps))
    hs, to = {}, {}
    for side in ("left", "right"):
        front = gaussian_filter1d(direction * (x(f"{side}_{heel}") - pelvis), 1.0)
        back = gaussian_filter1d(direction * (x(f"{side}_{toe}") - pelvis), 1.0)
        prom = lambda s: 0.2 * (np.percentile(s, 95) - np.percentile(s, 5))
        hs[side] = t[find_peaks(front, distance=dist, prominence=prom(front))[0]]
        to[side] = t[find_peaks(-back, distance=dist, prominence=prom(back))[0]]
    events = sorted([(v, s) for s in hs for v in hs[s]])
    steps = [b[0] - a[0] for a, b in itertools.pairwise(events) if a[1] != b[1]]
    step_by_side = {
        s: [b[0] - a[0] for a, b in itertools.pairwise(events) if a[1] != b[1] and b[1] == s]
        for s in ("left", "right")
    }
    strides = [d for s in hs for d in np.diff(hs[s])]
    stance, swing = {}, {}
    for s in hs:
        st = [
            to[s][to[s] > h][0] - h
            for h in hs[s]
            if np.any(to[s] > h) and (not np.any(hs[s] > h) or to[s][to[s] > h][0] < hs[s][hs[s] > h][0])
        ]
        sw = [hs[s][hs[s] > o][0] - o for o in to[s] if np.any(hs[s] > o)]
        stance[s], swing[s] = _mean(st), _mean(sw)
    step_time = _mean(steps)
    sl, sr = _mean(step_by_side["left"]), _mean(step_by_side["right"])
    sym = 100 * abs(sl - sr) / ((sl + sr) / 2) if sl and sr else None
    step_len = speed = None
    if metres_per_pixel:
        span = t[-1] - t[0]
        speed = float(abs(pelvis[-1] - pelvis[0]) * metres_per_pixel / span) if span > 0 else None
        step_len = speed * step_time if speed is not None and step_time else None
    return GaitResult(
        hs,
        to,
        60.0 / step_time if step_time else None,
        step_time,
        _mean(strides),
        stance,
        swing,
        sym,
        step_len,
        speed,
    )
