"""Temporal smoothing of keypoints: One Euro online (live video), Savitzky-Golay offline.

>>> from posekit.smooth import PoseSmoother
>>> smoother = PoseSmoother("one_euro", min_cutoff=1.0, beta=2.0)
>>> poses = smoother.update(tracker.update(poses, i), time=i / fps)   # doctest: +SKIP
"""

from posekit.smooth.metrics import jitter, lag
from posekit.smooth.offline import savgol_smooth, smooth_tracks
from posekit.smooth.one_euro import OneEuroFilter, smoothing_factor
from posekit.smooth.smoother import ONE_EURO_DEFAULTS, PoseSmoother

__all__ = [
    "ONE_EURO_DEFAULTS",
    "OneEuroFilter",
    "PoseSmoother",
    "jitter",
    "lag",
    "savgol_smooth",
    "smooth_tracks",
    "smoothing_factor",
]
