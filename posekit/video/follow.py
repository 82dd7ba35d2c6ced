"""Follow people from frame to frame so the detector runs only now and then.

A pipeline with `detect_rois(image)` and `run_rois(image, rois) -> (poses, next_rois)` (BlazePose,
top-down) is run on the regions its own previous output predicts. The detector runs again:
- every `redetect_every` frames, to pick up people who walked in;
- after a followed person was lost (their confidence dropped), once `min_gap` frames have passed
  since the last detection: in a crowd, someone's confidence dips below the follow threshold on
  most frames, and re-detecting on each dip ran the detector on half the frames (docs/video.md);
- on every frame while nobody is followed.
On a detection frame the detector's regions win (they are fresh); a followed region is kept only
where the detector found nobody (it missed someone it found before), so two crops that drifted
onto the same person are pulled apart again.
"""

from __future__ import annotations

import numpy as np

from posekit.io.video.yuv import YuvFrame
from posekit.ops.boxes import box_iou
from posekit.pipeline.base import RoiPipeline
from posekit.pipeline.roi import Roi
from posekit.results import Poses


def merge_rois(detected: list[Roi], followed: list[Roi], iou: float = 0.4) -> list[Roi]:
    if not detected or not followed:
        return list(detected) + list(followed)
    overlaps = box_iou(np.array([f.square for f in followed]), np.array([d.square for d in detected]))
    return list(detected) + [f for f, o in zip(followed, overlaps) if o.max() < iou]


class RoiFollower:
    """Runs a ROI pipeline on video. `plan` → `work` → `finish` are split so that `work`, which holds
    all the model runs, can go to a thread pool for several frames at once (see `track_pipelined`):
    then frame t is cropped from the skeletons of frame t − k, k frames in flight."""

    def __init__(
        self,
        pipeline: RoiPipeline,
        redetect_every: int = 15,
        min_gap: int = 5,
        follow_pipeline: RoiPipeline | None = None,
        min_score: float = 0.0,
    ):
        """follow_pipeline: runs the frames without detection (e.g. top-down with a lighter pose
        model); the detection frames, where new people come in, run `pipeline`.
        min_score: detections scoring less are not looked at. A person's score is at most their box's,
        so below the tracker's `min_score` they could never start a track: in a street scene, half
        the boxes of the default preset's detector (0.2 to 0.3), each a pose model run."""
        if not isinstance(pipeline, RoiPipeline):
            raise TypeError(f"{type(pipeline).__name__} cannot follow regions of interest")
        self.pipeline = pipeline
        self.follow_pipeline = follow_pipeline or pipeline
        self.min_score = float(min_score)
        self.redetect_every = max(1, int(redetect_every))
        self.min_gap = max(1, min(int(min_gap), self.redetect_every))
        self.reset()

    def reset(self) -> None:
        self.rois: list[Roi] = []
        self.since_detection = self.redetect_every
        self.lost = False  # someone followed was lost since the last detection
        self.detections = 0  # how often the detector ran (for the benchmark)

    def plan(self) -> tuple[list[Roi], bool]:
        """Regions for the next frame, and whether the detector must run on it."""
        detect = (
            not self.rois
            or self.since_detection >= self.redetect_every
            or (self.lost and self.since_detection >= self.min_gap)
        )
        if detect:
            self.since_detection = 0
            self.lost = False
            self.detections += 1
        self.since_detection += 1
        return list(self.rois), detect

    def work(
        self, image: np.ndarray | YuvFrame, rois: list[Roi], detect: bool
    ) -> tuple[Poses, list[Roi], int]:
        """The model runs for one frame (thread-safe: touches no state). A `YuvFrame` is only given
        to pipelines whose `accepts_yuv` is true (the tracker's choice)."""
        if detect:
            found = self.pipeline.detect_rois(image)  # type: ignore[arg-type]
            rois = merge_rois([r for r in found if r.score >= self.min_score], rois)
        pipeline = self.pipeline if detect else self.follow_pipeline
        poses, next_rois = pipeline.run_rois(image, rois)  # type: ignore[arg-type]
        return poses, next_rois, len(rois)

    def finish(self, next_rois: list[Roi], used: int) -> None:
        # fewer people came out than went in (or than were followed): someone was lost, look again
        expected = min(used, len(self.rois)) if self.rois else used
        if len(next_rois) < expected:
            self.lost = True
        self.rois = next_rois

    def __call__(self, image: np.ndarray | YuvFrame) -> Poses:
        rois, detect = self.plan()
        poses, next_rois, used = self.work(image, rois, detect)
        self.finish(next_rois, used)
        return poses
