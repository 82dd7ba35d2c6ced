from __future__ import annotations

import numpy as np
from multiview_rigs import make_rig, walking_person

from posekit.threed.associate import associate_frame, associate_sequence
from posekit.threed.filters import butterworth, fill_gaps
from posekit.threed.triangulate import TriangulationParams, triangulate_points


def _views(rig, pts):
    px = rig.project(pts)  # (C, N, 2)
    return px, np.ones(px.shape[:2])


def test_exact_views_give_exact_points(rig):
    pts = walking_person(5).reshape(-1, 3)
    px, sc = _views(rig, pts)
    tri = triangulate_points(rig, px, sc)
    np.testing.assert_allclose(tri.points, pts, atol=1e-6)
    assert (tri.n_cameras == 4).all() and np.nanmax(tri.error) < 1e-3


def test_outlier_camera_is_excluded_and_bad_points_dropped(rig):
    pts = walking_person(5).reshape(-1, 3)
    px, sc = _views(rig, pts)
    rng = np.random.default_rng(0)
    px = px + rng.normal(0, 1.0, px.shape)
    px[2, :10] += 150.0  # camera 3 wrong on the first 10 points
    tri = triangulate_points(rig, px, sc, TriangulationParams(max_error=15))
    assert not tri.used[2, :10].any() and tri.used[2, 10:].all()
    assert np.linalg.norm(tri.points - pts, axis=1).max() < 0.02
    # only two cameras, and they disagree: the point is marked missing rather than wrong
    two = rig.subset([0, 1])
    px2 = px[:2].copy()
    px2[1, :5] += 200
    tri2 = triangulate_points(two, px2, sc[:2])
    assert np.isnan(tri2.points[:5]).all() and np.isfinite(tri2.points[10:]).all()
    assert (tri2.n_cameras[:5] == 0).all()


def test_missing_views_and_low_confidence(rig):
    pts = walking_person(3).reshape(-1, 3)
    px, sc = _views(rig, pts)
    px[0, :4] = np.nan
    sc[1, :4] = 0.1  # under min_score
    sc[2, 4:8] = 0
    tri = triangulate_points(rig, px, sc)
    np.testing.assert_allclose(tri.points, pts, atol=1e-6)
    assert (tri.n_cameras[:4] == 2).all() and (tri.n_cameras[4:8] == 3).all()
    sc[:, :] = 0
    sc[0] = 1  # a single camera: nothing can be triangulated
    assert np.isnan(triangulate_points(rig, px, sc).points).all()


def test_association_of_two_people_with_shuffled_order():
    rig = make_rig(4)
    a = walking_person(30, seed=1, offset=(-1.0, -0.6))
    b = walking_person(30, seed=2, offset=(-1.0, 0.7))
    K = a.shape[1]
    rng = np.random.default_rng(3)
    kps, scs = [], []
    for cam in rig.cameras:
        people = np.stack([cam.project(a), cam.project(b)], axis=1)  # (F, 2, K, 2)
        people = people + rng.normal(0, 1.0, people.shape)
        order = rng.integers(0, 2, size=30)
        people[order == 1] = people[order == 1][:, ::-1]  # swap the two people in some frames
        kps.append(people)
        scs.append(np.ones((30, 2, K)))
    groups = associate_frame(rig, [k[0] for k in kps], [s[0] for s in scs])
    assert len(groups) == 2 and all((g >= 0).all() for g in groups)
    assoc = associate_sequence(rig, kps, scs)
    assert assoc.shape == (30, 2, 4) and (assoc >= 0).all()
    # each track is one person throughout: triangulate and compare with the truth
    for t in range(2):
        pix = np.stack([kps[c][np.arange(30), assoc[:, t, c]] for c in range(4)])  # (C, F, K, 2)
        tri = triangulate_points(rig, pix.reshape(4, -1, 2), np.ones((4, 30 * K)))
        p = tri.points.reshape(30, K, 3)
        truth = a if np.linalg.norm(p[0] - a[0], axis=-1).mean() < 0.1 else b
        assert np.linalg.norm(p - truth, axis=-1).mean() < 0.02


def test_gap_filling_is_bounded_and_butterworth_has_no_lag():
    t = np.arange(200) / 60.0
    x = np.stack([np.sin(2 * np.pi * 1.0 * t)] * 3, axis=-1)[:, None]  # (F, 1, 3), 1 Hz
    y = x.copy()
    y[50:55] = np.nan  # short gap: filled
    y[100:130] = np.nan  # long gap: kept
    y[:3] = np.nan  # leading gap: kept (no extrapolation)
    f = fill_gaps(y, max_gap=10)
    assert np.isfinite(f[50:55]).all() and np.isnan(f[100:130]).all() and np.isnan(f[:3]).all()
    np.testing.assert_allclose(f[50:55], x[50:55], atol=1e-3)
    noisy = x + np.random.default_rng(0).normal(0, 0.02, x.shape)
    sm = butterworth(noisy, 60.0, cutoff=6.0)
    assert np.abs(sm - x)[20:-20].max() < 0.03
    lag = np.argmax(np.correlate(sm[:, 0, 0], x[:, 0, 0], "full")) - (len(t) - 1)
    assert lag == 0


def test_refinement_lowers_error_under_noise_and_outliers():
    from posekit.layouts import get_layout
    from posekit.threed.refine import refine_track

    rig = make_rig(4)
    truth = walking_person(30, K=18, seed=3)
    rng = np.random.default_rng(0)
    px = rig.project(truth) + rng.normal(0, 5.0, (4, 30, 18, 2))
    out = rng.random((4, 30, 18)) < 0.1
    px[out] += rng.uniform(60, 200, (out.sum(), 2))
    tri = triangulate_points(rig, px.reshape(4, -1, 2), np.ones((4, 30 * 18)))
    raw = tri.points.reshape(30, 18, 3)
    ref = refine_track(rig, px, tri.used.reshape(4, 30, 18).astype(float), raw, 30.0, get_layout("coco18"))
    e_raw = np.nanmean(np.linalg.norm(raw - truth, axis=-1))
    e_ref = np.nanmean(np.linalg.norm(ref - truth, axis=-1))
    assert e_ref < 0.85 * e_raw
    assert np.array_equal(np.isnan(ref).any(-1), np.isnan(raw).any(-1))  # missing stays missing
