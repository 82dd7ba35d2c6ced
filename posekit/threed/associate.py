"""Person association across cameras (per frame), then over time (3D tracks with stable ids).

Across cameras: for every pair of cameras and every pair of people (one per camera) we triangulate the
joints both see from those two views and measure the mean reprojection error in pixels. Pairs below a
threshold are merged greedily, cheapest first, into groups holding at most one person per camera
whose joints, triangulated from all its views, reproject within the threshold. A group seen by two or more cameras is a person.

Over time: groups are triangulated roughly and matched to the tracks of earlier frames by the mean 3D
distance of their joints (Hungarian assignment); a group that matches no track starts a new one, and a
track unseen for `max_missing` frames ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from posekit.threed.camera import Calibration
from posekit.threed.triangulate import dlt, reprojection_errors


@dataclass
class AssociationParams:
    """Attributes:
    max_error: pixel reprojection error under which two views are taken as the same person.
    min_score: 2D confidence a joint needs to count.
    min_joints: joints two views must share to be compared.
    max_distance: metres a track may move (mean over joints) between the frames it is seen in.
    max_missing: frames a track survives unseen.
    """

    max_error: float = 20.0
    min_score: float = 0.3
    min_joints: int = 4
    max_distance: float = 0.5
    max_missing: int = 30


def _pair_costs(
    calib: Calibration,
    norm: list[np.ndarray],
    pix: list[np.ndarray],
    ok: list[np.ndarray],
    a: int,
    b: int,
    min_joints: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(Pa, Pb) mean two-view reprojection error (pixels), inf where fewer than min_joints are shared,
    and the (Pa, Pb, K, 3) two-view 3D joints."""
    pa, pb = pix[a].shape[0], pix[b].shape[0]
    K = pix[a].shape[1]
    if pa == 0 or pb == 0:
        return np.full((pa, pb), np.inf), np.full((pa, pb, K, 3), np.nan)
    sub = calib.subset([a, b])
    ext = np.stack([calib[a].extrinsics, calib[b].extrinsics])
    na = np.broadcast_to(norm[a][:, None], (pa, pb, K, 2)).reshape(-1, 2)
    nb = np.broadcast_to(norm[b][:, None].transpose(1, 0, 2, 3), (pa, pb, K, 2)).reshape(-1, 2)
    both = (ok[a][:, None] & ok[b][None]).reshape(-1)
    w = np.stack([both, both]).astype(np.float64)
    pts = dlt(ext, np.stack([na, nb]), w)
    xa = np.broadcast_to(pix[a][:, None], (pa, pb, K, 2)).reshape(-1, 2)
    xb = np.broadcast_to(pix[b][None], (pa, pb, K, 2)).reshape(-1, 2)
    err = reprojection_errors(sub, pts, np.stack([xa, xb])).mean(axis=0)
    err = np.where(both & np.isfinite(err), err, 0.0).reshape(pa, pb, K)
    n = both.reshape(pa, pb, K).sum(-1)
    cost = err.sum(-1) / np.maximum(n, 1)
    return np.where(n >= min_joints, cost, np.inf), pts.reshape(pa, pb, K, 3)


def _support(
    calib: Calibration,
    pix: list[np.ndarray],
    ok: list[np.ndarray],
    pts: np.ndarray,
    pair: tuple[int, int],
    p: AssociationParams,
) -> int:
    """How many other cameras hold a person whose joints lie within max_error of `pts` (K, 3) reprojected."""
    n = 0
    for c in range(len(calib)):
        if c in pair or pix[c].shape[0] == 0:
            continue
        proj = calib[c].project(pts)
        d = np.linalg.norm(pix[c] - proj[None], axis=-1)  # (P_c, K)
        d = np.where(ok[c] & np.isfinite(d), d, np.nan)
        n += int((_row_median(d, p.min_joints) < p.max_error).any())
    return n


def _row_median(d: np.ndarray, min_count: int) -> np.ndarray:
    """Median of the finite values of each row (inf where fewer than min_count); faster than nanmedian."""
    cnt = np.isfinite(d).sum(axis=1)
    srt = np.sort(np.where(np.isfinite(d), d, np.inf), axis=1)  # finite values first
    mid = np.take_along_axis(srt, np.maximum((cnt - 1) // 2, 0)[:, None], axis=1)[:, 0]
    return np.where(cnt >= max(min_count, 1), mid, np.inf)


def associate_frame(
    calib: Calibration,
    keypoints: list[np.ndarray],
    scores: list[np.ndarray],
    params: AssociationParams | None = None,
) -> list[np.ndarray]:
    """Group the people of one frame across cameras.

    Args:
        keypoints: per camera (P_c, K, 2) posekit pixels.
        scores: per camera (P_c, K).
    Returns: one (C,) int array per person: the index of that person in each camera, -1 where unseen.
    """
    p = params or AssociationParams()
    C = len(calib)
    pix = [np.asarray(k, dtype=np.float64) for k in keypoints]
    ok = [np.isfinite(k).all(-1) & (np.asarray(s) >= p.min_score) for k, s in zip(pix, scores)]
    norm = [calib[c].undistort(pix[c]) for c in range(C)]
    edges = []
    for a in range(C):
        for b in range(a + 1, C):
            m, pts = _pair_costs(calib, norm, pix, ok, a, b, p.min_joints)
            for i, j in zip(*np.nonzero(m < p.max_error)):
                support = _support(calib, pix, ok, pts[i, j], (a, b), p)
                edges.append((-support, float(m[i, j]), a, int(i), b, int(j)))
    # Pairs confirmed by more other views first: two opposite cameras see two people on one epipolar
    # line, and only a third view tells the right pairing from the wrong one.
    edges.sort()
    group_of: dict[tuple[int, int], int] = {}
    groups: list[dict[int, int]] = []

    ext = np.stack([cam.extrinsics for cam in calib.cameras])

    def group_error(g: dict[int, int]) -> float:
        """Mean reprojection error (pixels) of the group's joints triangulated from all its views."""
        K = pix[0].shape[1]
        nrm = np.full((C, K, 2), np.nan)
        w = np.zeros((C, K))
        for c, i in g.items():
            nrm[c], w[c] = norm[c][i], ok[c][i]
        pts = dlt(ext, nrm, w)
        errs = [np.linalg.norm(calib[c].project(pts) - pix[c][i], axis=-1)[ok[c][i]] for c, i in g.items()]
        e = np.concatenate(errs)
        e = e[np.isfinite(e)]
        # Median: one wrong joint (a left/right swap in one view) should not split a person.
        return float(np.median(e)) if e.size >= p.min_joints else np.inf

    for _, _, a, i, b, j in edges:
        ga, gb = group_of.get((a, i)), group_of.get((b, j))
        if ga is not None and ga == gb:
            continue
        A = groups[ga] if ga is not None else {a: i}
        B = groups[gb] if gb is not None else {b: j}
        if set(A) & set(B):
            continue  # one person per camera
        merged = {**A, **B}
        if len(merged) > 2 and group_error(merged) >= p.max_error:
            continue
        gid = ga if ga is not None else gb if gb is not None else len(groups)
        if gid == len(groups):
            groups.append(merged)
        else:
            groups[gid] = merged
        other = gb if gid == ga else ga
        if other is not None and other != gid:
            groups[other] = {}
        for c, idx in merged.items():
            group_of[(c, idx)] = gid
    out = []
    for g in groups:
        if len(g) >= 2:
            v = np.full(C, -1, dtype=np.int64)
            for c, idx in g.items():
                v[c] = idx
            out.append(v)
    # Most cameras first, then the lowest camera index: a stable order.
    out.sort(key=lambda v: (-(v >= 0).sum(), tuple(v)))
    return out


def _rough_3d(
    calib: Calibration,
    keypoints: list[np.ndarray],
    scores: list[np.ndarray],
    group: np.ndarray,
    min_score: float,
) -> np.ndarray:
    C = len(calib)
    K = next(k.shape[1] for k in keypoints if k.ndim == 3)
    norm = np.full((C, K, 2), np.nan)
    w = np.zeros((C, K))
    for c in range(C):
        if group[c] >= 0:
            norm[c] = calib[c].undistort(keypoints[c][group[c]])
            s = np.asarray(scores[c][group[c]], dtype=np.float64)
            w[c] = np.where(s >= min_score, s, 0.0)
    return dlt(np.stack([cam.extrinsics for cam in calib.cameras]), norm, w)


def associate_sequence(
    calib: Calibration,
    keypoints: list[np.ndarray],
    scores: list[np.ndarray],
    params: AssociationParams | None = None,
) -> np.ndarray:
    """Associate a whole sequence.

    Args:
        keypoints: per camera (F, P_c, K, 2) posekit pixels.
        scores: per camera (F, P_c, K).
    Returns: (F, T, C) int array: for frame f and track t, the person index in each camera (-1: none).
        Tracks are ordered by how many (frame, camera) views they hold, most first.
    """
    p = params or AssociationParams()
    F = keypoints[0].shape[0]
    tracks: list[dict] = []  # {"last": (K,3), "seen": frame, "views": {frame: group}}
    for f in range(F):
        kf = [k[f] for k in keypoints]
        sf = [s[f] for s in scores]
        groups = associate_frame(calib, kf, sf, p)
        pts = [_rough_3d(calib, kf, sf, g, p.min_score) for g in groups]
        live = [t for t in tracks if f - t["seen"] <= p.max_missing]
        if groups and live:
            cost = np.full((len(groups), len(live)), 1e6)
            for i, x in enumerate(pts):
                for j, t in enumerate(live):
                    d = np.linalg.norm(x - t["last"], axis=-1)
                    d = d[np.isfinite(d)]
                    if d.size >= 3:
                        cost[i, j] = float(np.median(d))
            rows, cols = linear_sum_assignment(cost)
            matched = {r: c for r, c in zip(rows, cols) if cost[r, c] <= p.max_distance}
        else:
            matched = {}
        for i, g in enumerate(groups):
            if i in matched:
                t = live[matched[i]]
            else:
                t = {"last": pts[i], "seen": f, "views": {}}
                tracks.append(t)
            t["views"][f] = g
            t["seen"] = f
            t["last"] = np.where(np.isfinite(pts[i]), pts[i], t["last"])
    tracks.sort(key=lambda t: -sum(int((g >= 0).sum()) for g in t["views"].values()))
    out = np.full((F, len(tracks), len(calib)), -1, dtype=np.int64)
    for ti, t in enumerate(tracks):
        for f, g in t["views"].items():
            out[f, ti] = g
    return out
