"""Annotated video frames: skeletons, a label on every drawn track, and trails."""

from __future__ import annotations

import numpy as np

from posekit.draw import LabelAnnotator, TrailAnnotator, draw_poses
from posekit.results import Poses

#: Person score from which a skeleton is drawn on video. Lower than the tracker's bar for starting a
#: track (0.3): a person half-hidden for a moment keeps being drawn, and keeps their id label.
RENDER_MIN_SCORE = 0.1


class VideoRenderer:
    """Draws one video's frames in order (it keeps trail state): every person scoring >= `min_score`
    gets a skeleton, and every one of them with a track id gets an "#id" label and a trail.

    People without an id (`track_id` -1: not confirmed yet) are drawn without a label."""

    def __init__(self, min_score: float = RENDER_MIN_SCORE, trail_length: int = 30) -> None:
        self.min_score = min_score
        self.labels = LabelAnnotator(fields=("id",))
        self.trail = TrailAnnotator(length=trail_length)

    def __call__(self, image: np.ndarray, poses: Poses) -> np.ndarray:
        shown = poses.filter(min_score=self.min_score)
        out = draw_poses(image, shown)
        if shown.track_ids is not None:
            out = self.labels.annotate(out, shown[shown.track_ids >= 0])
        return self.trail.annotate(out, shown)
