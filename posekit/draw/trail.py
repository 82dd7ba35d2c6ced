"""Trails: where each tracked person has been over the last frames (video only, so it keeps state)."""

from __future__ import annotations

import itertools
from collections import deque

import cv2
import numpy as np

from posekit.draw.annotators import PALETTE, canvas, default_thickness
from posekit.results import Poses


class TrailAnnotator:
    """A fading polyline through each track's recent centers (mean of its keypoints scoring >=
    `min_keypoint_score`, else its box's corners).

    length: frames of history; tracks unseen for `length` frames are forgotten."""

    def __init__(self, length: int = 30, min_keypoint_score: float = 0.3) -> None:
        self.length, self.min_keypoint_score = length, min_keypoint_score
        self.history: dict[int, deque] = {}
        self.frame = 0

    def _center(self, poses: Poses, i: int) -> np.ndarray:
        ok = poses.scores[i] >= self.min_keypoint_score
        pts = poses.keypoints[i][ok] if ok.any() else poses.boxes[i].reshape(2, 2)
        return np.nanmean(pts, axis=0)

    def annotate(self, image: np.ndarray, poses: Poses) -> np.ndarray:
        out = canvas(image)
        self.frame += 1
        if poses.track_ids is not None:
            for i, tid in enumerate(poses.track_ids):
                if tid >= 0:
                    self.history.setdefault(int(tid), deque(maxlen=self.length)).append(
                        (self.frame, self._center(poses, i))
                    )
        thick = default_thickness(out)
        for tid in list(self.history):
            pts = [
                (f, p) for f, p in self.history[tid] if self.frame - f < self.length and np.isfinite(p).all()
            ]
            if not pts:
                del self.history[tid]
                continue
            color = PALETTE[tid % len(PALETTE)]
            for (f0, a), (_, b) in itertools.pairwise(pts):
                age = (self.frame - f0) / self.length
                cv2.line(
                    out,
                    tuple(np.round(a - 0.5).astype(int)),
                    tuple(np.round(b - 0.5).astype(int)),
                    color,
                    max(1, round(thick * (1 - age))),
                    cv2.LINE_AA,
                )
        return out
