"""Video: poses through frames with identities and smoothing (see docs/video.md)."""

from posekit.video.follow import RoiFollower
from posekit.video.tracking import FrameResult, VideoPoseTracker

__all__ = ["FrameResult", "RoiFollower", "VideoPoseTracker"]
