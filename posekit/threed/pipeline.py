"""From synchronised 2D views to 3D tracks: association, robust triangulation, refinement, filtering.

from posekit.threed import read_calibration, reconstruct, load_view
calib = read_calibration("Calib.toml")
views = [load_view(p) for p in ["cam1_json", "cam2_json", "cam3_json", "cam4_json"]]
result = reconstruct(calib, views, fps=60)
result.positions  # (frames, tracks, joints, 3) metres, world frame of the calibration
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from posekit.errors import InputError
from posekit.layouts import Layout, get_layout
from posekit.threed.associate import AssociationParams, associate_sequence
from posekit.threed.camera import Calibration
from posekit.threed.filters import butterworth, fill_gaps, one_euro
from posekit.threed.triangulate import TriangulationParams, triangulate_points


@dataclass
class View2D:
    """The 2D people of one camera over F frames.

    Attributes:
        keypoints: (F, P, K, 2) posekit pixels, NaN where missing (P = most people in a frame).
        scores: (F, P, K) confidences, 0 where missing.
        layout: keypoint layout (same for all views).
        name: where it came from (folder, video), for messages.
        image_size: (width, height) in pixels when known (videos, images), else None.
        fps: frame rate when the input carries one (videos), else None.
    """

    keypoints: np.ndarray
    scores: np.ndarray
    layout: Layout
    name: str = ""
    image_size: tuple[int, int] | None = None
    fps: float | None = None

    def __post_init__(self) -> None:
        self.layout = get_layout(self.layout)
        self.keypoints = np.asarray(self.keypoints, dtype=np.float64)
        self.scores = np.asarray(self.scores, dtype=np.float64)
        K = len(self.layout)
        if (
            self.keypoints.ndim != 4
            or self.keypoints.shape[2:] != (K, 2)
            or self.scores.shape != self.keypoints.shape[:3]
        ):
            raise InputError(
                f"{self.name}: 2D view needs keypoints (F, P, {K}, 2) and scores (F, P, {K}), "
                f"got {self.keypoints.shape} and {self.scores.shape}"
            )

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])

    def shifted(self, offset: int) -> View2D:
        """This view with its frame f moved to f - offset (drop the first `offset` frames; negative pads)."""
        if offset == 0:
            return self
        if offset > 0:
            k, s = self.keypoints[offset:], self.scores[offset:]
        else:
            pad = (-offset,) + self.keypoints.shape[1:]
            k = np.concatenate([np.full(pad, np.nan), self.keypoints])
            s = np.concatenate([np.zeros(pad[:3]), self.scores])
        return View2D(k, s, self.layout, self.name, self.image_size, self.fps)


@dataclass
class ReconstructParams:
    """Settings of `reconstruct` (defaults follow Pose2Sim's demo configuration where it has one).

    Attributes:
        triangulation: thresholds of the robust triangulation.
        association: thresholds of the person association.
        max_people: keep at most this many tracks (most-seen first); None keeps all.
        refine: run the bundle refinement (robust reprojection + smoothness + constant bones).
        refine_smooth: weight of its smoothness term (0 when frames are not consecutive).
        max_gap: fill interior gaps of at most this many frames (0: none).
        filter: "butterworth" (zero lag, offline), "one_euro" (causal, live) or "none".
        cutoff: Butterworth cut-off in Hz; order: its order.
    """

    triangulation: TriangulationParams = field(default_factory=TriangulationParams)
    association: AssociationParams = field(default_factory=AssociationParams)
    max_people: int | None = None
    refine: bool = False
    refine_smooth: float = 1.0
    max_gap: int = 10
    filter: str = "butterworth"
    cutoff: float = 6.0
    order: int = 4


@dataclass
class MultiViewResult:
    """3D tracks of a synchronised multi-camera sequence.

    Attributes:
        positions: (F, T, K, 3) world metres after gap filling and filtering; NaN where missing.
        raw_positions: (F, T, K, 3) straight from triangulation (or refinement), before filling/filtering.
        errors: (F, T, K) mean reprojection error (pixels) of the raw point over the cameras used.
        n_cameras: (F, T, K) cameras each raw point was triangulated from (0 = missing).
        camera_errors: (F, T, C, K) reprojection error of the raw point in each camera that saw it.
        used: (F, T, C, K) bool, cameras used per point.
        views: (F, T, C) index of the person in each camera's 2D input (-1: none).
        track_ids: (T,) ids, 0 = the most-seen person.
        layout, fps, camera_names: as given.
    """

    positions: np.ndarray
    raw_positions: np.ndarray
    errors: np.ndarray
    n_cameras: np.ndarray
    camera_errors: np.ndarray
    used: np.ndarray
    views: np.ndarray
    track_ids: np.ndarray
    layout: Layout
    fps: float
    camera_names: list[str]

    @property
    def joint_names(self) -> list[str]:
        return list(self.layout.keypoint_names)

    def summary(self) -> dict:
        """Mean reprojection error (pixels) per camera and per joint over the points each camera was used
        for, plus the overall mean, and the share of points triangulated."""
        e = np.where(self.used, self.camera_errors, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            per_cam = np.nanmean(np.moveaxis(e, 2, 0).reshape(e.shape[2], -1), axis=1)
            per_joint = np.nanmean(np.moveaxis(e, 3, 0).reshape(e.shape[3], -1), axis=1)
            overall = float(np.nanmean(self.errors)) if np.isfinite(self.errors).any() else float("nan")
        seen = self.views.max(axis=2) >= 0  # (F, T)
        found = np.isfinite(self.raw_positions).all(-1)
        return {
            "mean_error_px": overall,
            "per_camera_px": {n: float(v) for n, v in zip(self.camera_names, per_cam)},
            "per_joint_px": {n: float(v) for n, v in zip(self.joint_names, per_joint)},
            "triangulated_share": float(found[seen].mean()) if seen.any() else 0.0,
            "mean_cameras": float(self.n_cameras[found].mean()) if found.any() else 0.0,
            "tracks": int(self.positions.shape[1]),
        }


def _check_sizes(calib: Calibration, views: list[View2D]) -> None:
    for cam, v in zip(calib.cameras, views):
        if v.image_size is None:
            continue
        (cw, ch), (w, h) = cam.size, v.image_size
        if (cw, ch) == (w, h):
            continue
        if abs(cw - w) <= 0.02 * cw and abs(ch - h) <= 0.02 * ch:
            # e.g. Pose2Sim's demo: 1080-wide videos, 1088-wide calibration (encoders pad to 16). We keep the
            # calibration's intrinsics unchanged: the extra columns are at the right/bottom edge, which leaves
            # the principal point (measured from the top-left corner) where it was. docs/3d.md measures this.
            warnings.warn(
                f"{v.name}: image is {w}x{h} but camera {cam.name} was calibrated at {cw:g}x{ch:g}; "
                "using the calibration unchanged (padding at the right/bottom assumed)",
                stacklevel=3,
            )
        else:
            raise InputError(
                f"{v.name}: image is {w}x{h} but camera {cam.name} was calibrated at {cw:g}x{ch:g}"
            )


def align_views(views: list[View2D], offsets: list[int] | None = None) -> list[View2D]:
    """Apply per-camera frame offsets and cut all views to their common length (with a warning)."""
    if offsets:
        if len(offsets) != len(views):
            raise InputError(f"{len(offsets)} frame offsets for {len(views)} cameras")
        views = [v.shifted(o) for v, o in zip(views, offsets)]
    counts = [v.num_frames for v in views]
    n = min(counts)
    if n == 0:
        raise InputError("a camera has no frames left after its offset")
    if len(set(counts)) > 1:
        warnings.warn(
            f"inputs have different frame counts {counts}: using the first {n} frames of each", stacklevel=2
        )
        views = [View2D(v.keypoints[:n], v.scores[:n], v.layout, v.name, v.image_size, v.fps) for v in views]
    return views


def reconstruct(
    calib: Calibration,
    views: list[View2D],
    fps: float,
    params: ReconstructParams | None = None,
    offsets: list[int] | None = None,
    progress: bool = False,
) -> MultiViewResult:
    """Associate people across cameras and time, triangulate robustly, fill gaps and filter.

    Args:
        calib: C cameras, in the same order as `views`.
        views: C synchronised 2D views (same layout).
        fps: frame rate in Hz (needed by the filter and the output files).
        params: settings, see `ReconstructParams`.
        offsets: per-camera frame offsets (view c's frame f + offsets[c] is frame f).
    """
    p = params or ReconstructParams()
    if len(views) != len(calib):
        raise InputError(
            f"{len(views)} inputs but the calibration has {len(calib)} cameras ({', '.join(calib.names)})"
        )
    if len(views) < 2:
        raise InputError("3D needs at least two cameras")
    layouts = {v.layout.name for v in views}
    if len(layouts) != 1:
        raise InputError(f"inputs use different keypoint layouts: {sorted(layouts)}")
    if not (fps and fps > 0):
        raise InputError(f"frame rate must be positive, got {fps}")
    _check_sizes(calib, views)
    views = align_views(views, offsets)
    empty = [v.name for v in views if not (v.scores > 0).any()]
    if empty:
        warnings.warn(f"no detections in {', '.join(empty)}: those cameras are not used", stacklevel=2)
    layout = views[0].layout
    F, C, K = views[0].num_frames, len(views), len(layout)
    assoc = associate_sequence(calib, [v.keypoints for v in views], [v.scores for v in views], p.association)
    if p.max_people is not None:
        assoc = assoc[:, : p.max_people]
    T = assoc.shape[1]
    pix = np.full((T, C, F, K, 2), np.nan)
    sc = np.zeros((T, C, F, K))
    for t in range(T):
        for c, v in enumerate(views):
            idx = assoc[:, t, c]
            has = idx >= 0
            pix[t, c, has] = v.keypoints[np.flatnonzero(has), idx[has]]
            sc[t, c, has] = v.scores[np.flatnonzero(has), idx[has]]
    raw = np.full((F, T, K, 3), np.nan)
    err = np.full((F, T, K), np.nan)
    cam_err = np.full((F, T, C, K), np.nan)
    used = np.zeros((F, T, C, K), dtype=bool)
    for t in tqdm(range(T), desc="triangulating", unit="person", disable=not progress):
        tri = triangulate_points(calib, pix[t].reshape(C, F * K, 2), sc[t].reshape(C, F * K), p.triangulation)
        pts = tri.points.reshape(F, K, 3)
        u = tri.used.reshape(C, F, K)
        if p.refine:
            from posekit.threed.refine import refine_track

            pts = refine_track(
                calib, pix[t], np.where(u, sc[t], 0.0), pts, fps, layout, smooth=p.refine_smooth
            )
            e = np.stack([cam.project(pts) for cam in calib.cameras]) - pix[t]
            ce = np.linalg.norm(e, axis=-1)
        else:
            ce = tri.reproj.reshape(C, F, K)
        raw[:, t] = pts
        cam_err[:, t] = ce.transpose(1, 0, 2)
        used[:, t] = u.transpose(1, 0, 2)
        with np.errstate(invalid="ignore"):
            err[:, t] = np.where(u, ce, 0).sum(0) / np.maximum(u.sum(0), 1)
    err[~np.isfinite(raw).all(-1)] = np.nan
    pos = fill_gaps(raw, p.max_gap)
    if p.filter == "butterworth":
        pos = butterworth(pos, fps, p.cutoff, p.order)
    elif p.filter == "one_euro":
        pos = np.stack([one_euro(pos[:, t], fps) for t in range(T)], axis=1) if T else pos
    elif p.filter != "none":
        raise InputError(f"unknown filter {p.filter!r}; use butterworth, one_euro or none")
    return MultiViewResult(
        pos, raw, err, used.sum(2), cam_err, used, assoc, np.arange(T), layout, float(fps), calib.names
    )
