"""Multi-person tracking by detection for video.

>>> from posekit.track import Tracker
>>> tracker = Tracker(max_age=30)
>>> for i, poses in enumerate(frames):          # doctest: +SKIP
...     poses = tracker.update(poses, frame_index=i)   # poses.track_ids set, -1 = not tracked yet
"""

from posekit.ops.boxes import box_iou, box_to_z, z_to_box
from posekit.track.kalman import BoxKalman
from posekit.track.tracker import UNTRACKED, Track, Tracker, TrackerConfig

__all__ = ["UNTRACKED", "BoxKalman", "Track", "Tracker", "TrackerConfig", "box_iou", "box_to_z", "z_to_box"]
