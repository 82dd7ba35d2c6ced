"""Video: poses through frames with identities and smoothing (see docs/video.md).

`VideoPoseTracker.track` yields one `FrameResult` per frame; `track_video` also writes a results file
and an annotated video (what `posekit track` runs); `VideoRenderer` draws the annotated frames.
"""

from posekit.video.follow import RoiFollower
from posekit.video.render import VideoRenderer
from posekit.video.run import TrackSummary, track_video
from posekit.video.tracking import FrameResult, VideoPoseTracker

__all__ = ["FrameResult", "RoiFollower", "TrackSummary", "VideoPoseTracker", "VideoRenderer", "track_video"]
