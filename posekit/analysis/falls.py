"""Falls from 2D keypoints of one tracked person.

Falls and activity states (activity.py) use the trunk's tilt from vertical (mid-hip -> mid-shoulder against image "up", 0 upright, 90 lying)
and speeds in torso lengths per second, so they do not depend on image size or distance.

A fall is: upright (tilt <= 35 deg) for at least `upright_s`, then lying (tilt >= 60 deg) reached within
`max_fall_s`, the hips dropping by at least half a torso length (lowest point within `stay_down_s`), and still not upright
`stay_down_s` later (a flip or a quick bend comes back up). Confidence grows with how fast and how far
the person went down (see docs/analysis.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posekit.layouts import Layout, get_layout

UPRIGHT, LYING = 35.0, 60.0


@dataclass
class FallEvent:
    track_id: int
    time: float  # seconds: the moment the person reached lying
    start_time: float  # the last upright moment before it
    frame: int
    confidence: float

    def to_dict(self) -> dict:
        return {
            "track_id": self.track_id,
            "time": self.time,
            "start_time": self.start_time,
            "frame": self.frame,
            "confidence": round(self.confidence, 3),
        }


def _mid(kp: np.ndarray, lay: Layout, a: str, b: str) -> np.ndarray:
    return (kp[:, lay.index(a), :2] + kp[:, lay.index(b), :2]) / 2


def trunk_tilt(keypoints: np.ndarray, layout: str | Layout = "blazepose33") -> tuple[np.ndarray, np.ndarray]:
    """(tilt degrees, torso length pixels), each (T,)."""
    lay = get_layout(layout)
    kp = np.asarray(keypoints, dtype=np.float64)
    v = _mid(kp, lay, "left_shoulder", "right_shoulder") - _mid(kp, lay, "left_hip", "right_hip")
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(np.abs(v[:, 0]), -v[:, 1])), np.linalg.norm(v, axis=1)


def detect_falls(
    keypoints: np.ndarray,
    time: np.ndarray,
    layout: str | Layout = "blazepose33",
    track_id: int = 0,
    *,
    upright_s: float = 0.3,
    max_fall_s: float = 1.5,
    stay_down_s: float = 1.0,
) -> list[FallEvent]:
    lay = get_layout(layout)
    t = np.asarray(time, dtype=np.float64)
    tilt, torso = trunk_tilt(keypoints, lay)
    hips = _mid(np.asarray(keypoints, dtype=np.float64), lay, "left_hip", "right_hip")[:, 1]
    scale = float(np.nanmedian(torso[tilt <= UPRIGHT])) if np.any(tilt <= UPRIGHT) else np.nan
    events: list[FallEvent] = []
    if not np.isfinite(scale):
        return events
    up_since, last_up = None, None
    i = 0
    while i < len(t):
        if tilt[i] <= UPRIGHT:
            if last_up is None or last_up != i - 1:  # a new upright run starts
                up_since = t[i] if last_up is None or t[i] - t[last_up] > max_fall_s else up_since
            up_since = t[i] if up_since is None else up_since
            last_up = i
        elif not np.isfinite(tilt[i]):
            pass
        elif (
            tilt[i] >= LYING
            and last_up is not None
            and up_since is not None
            and t[last_up] - up_since >= upright_s
        ):
            dt = t[i] - t[last_up]
            later = (t > t[i]) & (t <= t[i] + stay_down_s)
            # how far the hips went down, from the last upright frame to the lowest point soon after
            drop = (np.nanmax(np.append(hips[later], hips[i])) - hips[last_up]) / scale
            stays = (
                later.any()
                and t[later][-1] - t[i] >= 0.8 * stay_down_s
                and not np.any(tilt[later] <= UPRIGHT)
            )
            if dt <= max_fall_s and drop >= 0.5 and stays:
                conf = float(np.clip(0.5 * min(1.0, 0.5 / max(dt, 1e-3)) + 0.5 * min(1.0, drop / 1.5), 0, 1))
                events.append(FallEvent(track_id, float(t[i]), float(t[last_up]), i, conf))
                up_since, last_up = None, None
                while i < len(t) and not tilt[i] <= UPRIGHT:  # one event per fall
                    i += 1
                continue
            up_since, last_up = None, None  # went down, but not a fall: wait for the next upright run
        i += 1
    return events
