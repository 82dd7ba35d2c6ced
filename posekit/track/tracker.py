"""Multi-person tracking by detection: Kalman-predicted boxes + OKS, Hungarian assignment."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from posekit.layouts import LayoutError
from posekit.ops import box_iou, box_to_z, oks, z_to_box
from posekit.results import Poses
from posekit.track.kalman import BoxKalman

UNTRACKED = -1
"""`track_ids` value of a person without a confirmed track (tentative, or too low-scoring to start one)."""


@dataclass
class TrackerConfig:
    """All `Tracker` parameters. Frames are counted in `frame_index` units.

    Attributes:
        n_init: frames a new track must be matched in, consecutively, before it is confirmed and
            gets an id. 3 (0.1 s at 30 fps) filters one- or two-frame false positives; 1 gives ids at once.
        max_age: frames a confirmed track may go unmatched and still re-acquire its id (30 ≈ 1 s at
            30 fps); after more it is deleted and the person, if seen again, gets a new id.
        min_score: person score below which a detection never starts a track (it can still be
            matched to an existing one, e.g. a partly occluded person).
        keypoint_min_score: keypoints scoring below this are left out of OKS.
        iou_weight: similarity = iou_weight * IoU + (1 - iou_weight) * OKS (IoU alone where either
            side has no usable keypoints or the layout has no OKS sigmas).
        min_similarity: gate for tracks seen in the previous update: pairs less similar never match.
        reentry_min_similarity: relaxed gate for lost tracks (unmatched for 1..max_age frames).
        reentry_distance: for lost tracks, a center distance (to the predicted or the last seen
            center, whichever is closer) of d track heights gives similarity max(0, 1 - d / this).
        max_scale_change: lost tracks only match boxes whose height is within this factor of theirs.
        kalman: keyword arguments of `BoxKalman` (noise levels).
    """

    n_init: int = 3
    max_age: int = 30
    min_score: float = 0.3
    keypoint_min_score: float = 0.3
    iou_weight: float = 0.5
    min_similarity: float = 0.3
    reentry_min_similarity: float = 0.1
    reentry_distance: float = 1.0
    max_scale_change: float = 1.5
    kalman: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.n_init < 1 or self.max_age < 0:
            raise ValueError(
                f"TrackerConfig: need n_init >= 1 and max_age >= 0, got {self.n_init}, {self.max_age}"
            )
        if not 0 <= self.iou_weight <= 1:
            raise ValueError(f"TrackerConfig: iou_weight must be in [0, 1], got {self.iou_weight}")


@dataclass
class Track:
    """State of one track. `track_id` is UNTRACKED (-1) while tentative."""

    track_id: int
    kalman: BoxKalman
    box: np.ndarray  # last matched detection box, x1 y1 x2 y2
    keypoints: np.ndarray  # (K, 2) last matched skeleton in the OKS view; NaN where not confident
    center: np.ndarray  # Kalman center right after the last update (keypoints are shifted from it)
    first_frame: int
    last_frame: int
    hits: int = 1
    confirmed: bool = False

    def missed(self, frame_index: int) -> int:
        """Frames since this track was last matched."""
        return frame_index - self.last_frame


class Tracker:
    """Assigns persistent `track_ids` to the people of successive frames.

    Parameters: a `TrackerConfig` and/or its fields as keywords (`Tracker(max_age=60)`); see
    `TrackerConfig` for every parameter and its default.

    Per `update`: each track's box is predicted by a constant-velocity Kalman filter; each
    (track, person) pair gets a similarity mixing IoU with the predicted box and OKS between the
    person and the track's last skeleton shifted by the predicted motion (BlazePose-33 is compared
    through its COCO-17 view); pairs are assigned by `linear_sum_assignment`, gated.

    1. Tracks matched in the previous update are assigned first (gate `min_similarity`).
    2. Lost confirmed tracks (unmatched for 1..`max_age` frames) then compete for the remaining
       people with a relaxed similarity: the best of the above against the predicted place, the
       same against the last seen box and skeleton (unshifted), and a center distance in track
       heights; gate `reentry_min_similarity`. A person who walked behind an occluder, or left and
       came back near where they left, so keeps their id.
    3. Remaining people with person score >= `min_score` start tentative tracks.

    Ids: a track gets its id (1, 2, 3, ... in order of confirmation, never reused until `reset`)
    when it has been matched in `n_init` consecutive updates; a tentative track missing once is
    dropped. People without a confirmed track get `UNTRACKED` (-1), so a new person is -1 for
    their first `n_init - 1` frames and spurious detections never consume ids.
    """

    def __init__(self, config: TrackerConfig | None = None, **overrides) -> None:
        base = config or TrackerConfig()
        unknown = set(overrides) - {f.name for f in fields(TrackerConfig)}
        if unknown:
            raise TypeError(f"Tracker: unknown parameter(s) {sorted(unknown)}")
        self.config = replace(base, **overrides)
        self.reset()

    def reset(self) -> None:
        """Forget all tracks and restart ids at 1."""
        self._tracks: list[Track] = []
        self._next_id = 1
        self._last_frame: int | None = None
        self._layout: str | None = None

    @property
    def tracks(self) -> list[Track]:
        """Active tracks (tentative, confirmed and lost-but-not-deleted), in creation order."""
        return list(self._tracks)

    # ---------------------------------------------------------------- per frame
    def update(self, poses: Poses, frame_index: int) -> Poses:
        """Track the people of frame `frame_index` (strictly increasing; gaps allowed and counted
        as missed frames). Returns `poses` with `track_ids` set (int64, UNTRACKED = -1)."""
        cfg = self.config
        if self._last_frame is not None and frame_index <= self._last_frame:
            raise ValueError(
                f"Tracker.update: frame_index {frame_index} is not after {self._last_frame}; "
                "indices must increase (call reset() for a new video)"
            )
        if self._layout not in (None, poses.layout.name):
            raise ValueError(f"Tracker.update: layout changed from {self._layout!r} to {poses.layout.name!r}")
        self._layout = poses.layout.name
        prev, dt = self._last_frame, 0 if self._last_frame is None else frame_index - self._last_frame
        self._last_frame = frame_index
        for t in self._tracks:
            t.kalman.predict(dt)

        view, sigmas = _oks_view(poses)
        det_kp = None
        if view is not None and sigmas is not None:
            det_kp = np.where((view.scores >= cfg.keypoint_min_score)[..., None], view.keypoints, np.nan)
        det_boxes = poses.boxes.astype(np.float64)
        n = len(poses)
        can_start = (poses.person_scores >= cfg.min_score) & np.isfinite(det_boxes).all(axis=1)
        can_start &= (det_boxes[:, 2:] > det_boxes[:, :2]).all(axis=1)

        recent = [t for t in self._tracks if t.last_frame == prev]
        lost = [t for t in self._tracks if t.last_frame != prev and t.confirmed]
        free = np.arange(n)
        matched: dict[int, Track] = {}  # detection index -> track
        for group, relaxed in ((recent, False), (lost, True)):
            if not group or not free.size:
                continue
            sim = self._similarity(
                group, det_boxes[free], None if det_kp is None else det_kp[free], sigmas, relaxed
            )
            sim = np.nan_to_num(sim, nan=0.0)  # a NaN box matches nothing
            rows, cols = _assign(sim)
            ok = sim[rows, cols] >= (cfg.reentry_min_similarity if relaxed else cfg.min_similarity)
            for r, c in zip(rows[ok], cols[ok]):
                matched[int(free[c])] = group[r]
            free = np.setdiff1d(free, free[cols[ok]])

        for d, t in matched.items():
            t.kalman.update(det_boxes[d])
            t.box, t.center, t.last_frame = det_boxes[d].copy(), t.kalman.mean[:2].copy(), frame_index
            if det_kp is not None:
                t.keypoints = det_kp[d].astype(np.float64)
            t.hits += 1
            self._maybe_confirm(t)

        kept = []
        for t in self._tracks:  # tentative tracks die on their first miss, confirmed ones after max_age
            if t.last_frame == frame_index:
                kept.append(t)
            elif t.confirmed and t.missed(frame_index) <= cfg.max_age:
                t.kalman.stop_size_change()
                kept.append(t)
        for d in map(int, free):
            if can_start[d]:
                k = BoxKalman(det_boxes[d], **cfg.kalman)
                kp = det_kp[d].astype(np.float64) if det_kp is not None else np.zeros((0, 2))
                t = Track(UNTRACKED, k, det_boxes[d].copy(), kp, k.mean[:2].copy(), frame_index, frame_index)
                self._maybe_confirm(t)
                kept.append(t)
                matched[int(d)] = t
        self._tracks = kept

        ids = np.array([matched[d].track_id if d in matched else UNTRACKED for d in range(n)], dtype=np.int64)
        return replace(poses, track_ids=ids)

    # ---------------------------------------------------------------- helpers
    def _maybe_confirm(self, t: Track) -> None:
        if not t.confirmed and t.hits >= self.config.n_init:
            t.confirmed, t.track_id = True, self._next_id
            self._next_id += 1

    def _similarity(
        self,
        tracks: list[Track],
        det_boxes: np.ndarray,
        det_kp: np.ndarray | None,
        sigmas: np.ndarray | None,
        relaxed: bool,
    ) -> np.ndarray:
        """(T, N) similarity in [0, 1] between tracks and detections (see the class docstring)."""
        cfg = self.config
        pred = np.stack([t.kalman.mean[:4] for t in tracks])  # predicted cx, cy, w, h
        shift = pred[:, :2] - np.stack([t.center for t in tracks])  # motion since the last match
        kp = None if det_kp is None else np.stack([t.keypoints for t in tracks])
        moved = None if kp is None else kp + shift[:, None]
        sim = self._box_kp_similarity(z_to_box(pred), moved, det_boxes, det_kp, sigmas)
        if not relaxed:
            return sim
        last_boxes = np.stack([t.box for t in tracks])
        sim = np.maximum(sim, self._box_kp_similarity(last_boxes, kp, det_boxes, det_kp, sigmas))
        last = box_to_z(last_boxes)
        det = box_to_z(det_boxes)
        height = np.maximum(last[:, 3], 1.0)[:, None]
        dist = (
            np.minimum(
                np.linalg.norm(det[None, :, :2] - pred[:, None, :2], axis=2),
                np.linalg.norm(det[None, :, :2] - last[:, None, :2], axis=2),
            )
            / height
        )
        sim = np.maximum(sim, np.clip(1 - dist / cfg.reentry_distance, 0, 1))
        ratio = det[None, :, 3] / height
        same_size = (ratio <= cfg.max_scale_change) & (ratio >= 1 / cfg.max_scale_change)
        return np.where(same_size, sim, 0.0)

    def _box_kp_similarity(self, boxes, kp, det_boxes, det_kp, sigmas) -> np.ndarray:
        iou = box_iou(boxes, det_boxes)
        if kp is None or sigmas is None or not kp.shape[1]:
            return iou
        wh = boxes[:, 2:] - boxes[:, :2]
        area = np.maximum(wh[:, 0] * wh[:, 1], 1.0)
        o = np.atleast_2d(oks(kp, det_kp, area, sigmas))
        usable = (
            np.isfinite(kp).all(axis=2).any(axis=1)[:, None]
            & np.isfinite(det_kp).all(axis=2).any(axis=1)[None]
        )
        w = self.config.iou_weight
        return np.where(usable, w * iou + (1 - w) * o, iou)


def _oks_view(poses: Poses) -> tuple[Poses | None, np.ndarray | None]:
    """The poses in a layout with OKS sigmas (their own, else COCO-17) and the sigmas; (None, None)
    when there is none (then tracking uses IoU only)."""
    if poses.layout.sigmas is None:
        try:
            poses = poses.to_layout("coco17")
        except LayoutError:
            return None, None
    return poses, poses.layout.sigmas_array


def _assign(sim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the maximum-similarity assignment. One track or one person (single-person
    video) is an argmax: scipy.optimize, which takes ~1 s to import, is then never loaded."""
    if sim.shape[0] == 1:
        return np.zeros(1, np.intp), np.array([np.argmax(sim[0])])
    if sim.shape[1] == 1:
        return np.array([np.argmax(sim[:, 0])]), np.zeros(1, np.intp)
    from scipy.optimize import linear_sum_assignment

    return linear_sum_assignment(-sim)
