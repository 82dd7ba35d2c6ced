"""Online (frame by frame) smoothing of tracked poses."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posekit.results import Poses
from posekit.smooth.one_euro import OneEuroFilter

METHODS = ("one_euro", "none")

# Defaults for pixel keypoints with the speed measured in person heights per second (see
# PoseSmoother). On a 300 px person with 2 px keypoint noise at 30 fps they cut jitter ~8x at rest
# and ~3.5x when walking (0.4 heights/s), for a lag of ~1.5 frames at that speed and < 1 frame
# when moving fast.
ONE_EURO_DEFAULTS = {"min_cutoff": 1.0, "beta": 2.0, "d_cutoff": 1.0}


@dataclass
class _TrackState:
    keypoints: OneEuroFilter
    world: OneEuroFilter
    last_time: float


class PoseSmoother:
    """Smooths the keypoints (and world coordinates) of each tracked person over time.

    Args:
        method: "one_euro" (a `OneEuroFilter` per track) or "none" (poses pass through unchanged).
        reset_after: seconds. A track not seen for longer than this has its state dropped; if its id
            comes back it starts afresh (the first sample passes through) instead of being pulled
            towards where it was before the gap. The default 0.2 s bridges a few missed frames at
            30 fps (a short detector dropout) but not a real occlusion, after which the person has
            usually moved.
        **params: One Euro parameters `min_cutoff` (Hz), `beta`, `d_cutoff` (Hz); defaults
            `ONE_EURO_DEFAULTS`. See `posekit.smooth.one_euro` for their meaning and tuning.

    Speeds are normalised so that `beta` does not depend on resolution or distance: image
    keypoints' speed is measured in person heights per second (the person's box height), world
    coordinates' in metres per second.

    Requires `poses.track_ids` (run `posekit.track.Tracker` first). People with a negative id
    (not tracked yet) pass through unsmoothed. Boxes, scores and everything else are unchanged;
    NaN keypoints stay NaN and do not disturb the filter.
    """

    def __init__(self, method: str = "one_euro", *, reset_after: float = 0.2, **params: float) -> None:
        if method not in METHODS:
            raise ValueError(f"PoseSmoother: unknown method {method!r}; choose from {METHODS}")
        if method == "none" and params:
            raise TypeError(f"PoseSmoother: method 'none' takes no parameters, got {sorted(params)}")
        if reset_after <= 0:
            raise ValueError(f"PoseSmoother: reset_after must be > 0, got {reset_after}")
        self.method, self.reset_after = method, float(reset_after)
        self.params = {**ONE_EURO_DEFAULTS, **params} if method == "one_euro" else {}
        if method == "one_euro":
            OneEuroFilter(**self.params)  # fail now on a bad name or value
        self.reset()

    def reset(self) -> None:
        """Drop the state of every track."""
        self._states: dict[int, _TrackState] = {}
        self._time: float | None = None

    @property
    def track_ids(self) -> list[int]:
        """Ids of the tracks that currently hold filter state."""
        return sorted(self._states)

    def update(self, poses: Poses, time: float) -> Poses:
        """Smooth the people of one frame taken at `time` seconds (non-decreasing)."""
        if self.method == "none":
            return poses
        if poses.track_ids is None:
            raise ValueError("PoseSmoother.update: poses have no track_ids; run posekit.track.Tracker first")
        time = float(time)
        if self._time is not None and time < self._time:
            raise ValueError(
                f"PoseSmoother.update: time {time} is before the previous {self._time}; "
                "call reset() for a new video"
            )
        self._time = time
        self._states = {i: s for i, s in self._states.items() if time - s.last_time <= self.reset_after}
        ids = poses.track_ids
        valid = ids[ids >= 0]
        if np.unique(valid).size != valid.size:
            raise ValueError(f"PoseSmoother.update: duplicate track ids in one frame: {ids.tolist()}")
        kp = poses.keypoints.copy()
        world = None if poses.world is None else poses.world.copy()
        for i, tid in enumerate(ids.tolist()):
            if tid < 0:
                continue
            st = self._states.get(tid)
            if st is None:
                st = self._states[tid] = _TrackState(
                    OneEuroFilter(**self.params), OneEuroFilter(**self.params), time
                )
            st.last_time = time
            kp[i] = st.keypoints(poses.keypoints[i], time, scale=_person_height(poses, i))
            if world is not None:
                world[i] = st.world(world[i], time)  # still the input's values: row i is not smoothed yet
        return replace(poses, keypoints=kp, world=world)


def _person_height(poses: Poses, i: int) -> float | None:
    """Box height of person i, else the vertical extent of its keypoints, else None."""
    h = float(poses.boxes[i, 3] - poses.boxes[i, 1])
    if np.isfinite(h) and h > 1:
        return h
    y = poses.keypoints[i, :, 1]
    y = y[np.isfinite(y)]
    return float(y.max() - y.min()) if y.size > 1 and y.max() - y.min() > 1 else None
