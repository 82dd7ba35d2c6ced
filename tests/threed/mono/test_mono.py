"""Monocular 3D: metrics, left/right turn-around fix, filtering, bones, height, root translation."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.errors import InputError
from posekit.results import Poses
from posekit.threed.mono import MonoConfig, refine_world
from posekit.threed.mono.camera import intrinsics_from_fov, project, solve_root_translation
from posekit.threed.mono.metrics import mpjpe, pa_mpjpe, procrustes, scale_error
from posekit.threed.mono.refine import flip_states, mirror
from posekit.threed.mono.sequence import refine_tracks
from posekit.threed.mono.skeleton import (
    JOINTS,
    PARENTS,
    BoneLengths,
    enforce_lengths,
    skeleton_from_blazepose,
)


def _rot(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


@pytest.fixture
def seq(make_frames):
    frames = make_frames(n=90)
    w = np.stack([p.world[0] for _, _, p in frames]).astype(np.float64)
    # turn the body slowly about the vertical (y) axis so the facing direction changes smoothly
    for t in range(len(w)):
        w[t] = w[t] @ _rot(0.6 * t / len(w)).T
    return w


def test_procrustes_and_metrics():
    rng = np.random.default_rng(1)
    gt = rng.normal(size=(17, 3))
    r = _rot(0.7) @ np.array([[1, 0, 0], [0, np.cos(0.3), -np.sin(0.3)], [0, np.sin(0.3), np.cos(0.3)]])
    pred = 0.8 * gt @ r.T + np.array([1.0, 2.0, 3.0])
    aligned, k = procrustes(pred, gt)
    np.testing.assert_allclose(aligned, gt, atol=1e-9)
    assert k == pytest.approx(1 / 0.8)
    assert pa_mpjpe(pred, gt) == pytest.approx(0, abs=1e-9)
    assert scale_error(pred, gt) == pytest.approx(-0.2)
    assert mpjpe(gt + np.array([0, 0, 0.01]), gt) == pytest.approx(0.01)


def test_left_right_turn_around_is_undone(seq):
    broken = seq.copy()
    broken[30:50] = mirror(broken[30:50])  # BlazePose reading the body the other way round for 20 frames
    states = flip_states(broken, 0.05)
    assert states[30:50].all() and not states[:30].any() and not states[50:].any()
    res = refine_world(broken, 30.0, MonoConfig(median_s=0, smooth_s=0))
    np.testing.assert_allclose(res.world, seq, atol=1e-5)
    assert res.flipped.sum() == 20


def test_filtering_reduces_noise(seq):
    rng = np.random.default_rng(2)
    noisy = seq + rng.normal(0, 0.02, seq.shape)
    res = refine_world(noisy, 30.0)
    assert pa_mpjpe(res.world, seq) < 0.6 * pa_mpjpe(noisy, seq)


def test_constant_bones_and_height(seq):
    res = refine_world(seq, 30.0, MonoConfig(bones=True, height=1.80))
    j = res.skeleton
    for c, p in enumerate(PARENTS):
        if p >= 0:
            d = np.linalg.norm(j[:, c] - j[:, p], axis=-1)
            assert np.ptp(d) < 1e-6 and d[0] == pytest.approx(res.bones.lengths[c])
    assert res.bones.stature() == pytest.approx(1.80)
    lengths = BoneLengths.fit(skeleton_from_blazepose(seq))
    again = enforce_lengths(skeleton_from_blazepose(seq), lengths)
    assert (
        np.linalg.norm(
            again[:, JOINTS.index("left_knee")] - again[:, JOINTS.index("left_hip")], axis=-1
        ).std()
        < 1e-9
    )


def test_missing_frames_and_bad_input(seq):
    w = seq.copy()
    w[10:13] = np.nan
    res = refine_world(w, 30.0)
    assert np.isnan(res.world[10:13]).all() and np.isfinite(res.world[:10]).all()
    with pytest.raises(InputError, match="33, 3"):
        refine_world(np.zeros((5, 17, 3)), 30.0)
    with pytest.raises(InputError, match="no frame"):
        refine_world(np.full((5, 33, 3), np.nan), 30.0)
    with pytest.raises(InputError, match="height"):
        refine_world(seq, 30.0, MonoConfig(height=7.0))


def test_root_translation_reprojects_exactly(seq):
    K = intrinsics_from_fov((480, 640), 60.0)
    assert K[0, 0] == pytest.approx(320 / np.tan(np.radians(30)))
    t_true = np.stack(
        [np.full(len(seq), 0.3), np.linspace(-0.1, 0.1, len(seq)), np.linspace(3, 4, len(seq))], 1
    )
    uv = project(seq + t_true[:, None], K)
    t = solve_root_translation(seq, uv, K)
    np.testing.assert_allclose(t, t_true, atol=1e-9)
    with pytest.raises(InputError):
        solve_root_translation(seq, uv[:, :5], K)


def test_refine_tracks_keeps_raw_and_relabels_2d(make_frames):
    frames = make_frames(n=60)
    poses = [p for _, _, p in frames]
    w0 = poses[20].world.copy()
    for i in range(20, 30):  # a turned-around stretch
        p = poses[i]
        poses[i] = Poses(
            p.keypoints,
            p.scores,
            p.boxes,
            p.person_scores,
            p.layout,
            p.image_size,
            world=mirror(p.world.astype(np.float64)),
            track_ids=p.track_ids,
        )
    out = refine_tracks(poses, [t for _, t, _ in frames])
    assert "world_raw" in out[20].extra
    np.testing.assert_allclose(out[20].extra["world_raw"], poses[20].world)
    assert np.abs(out[20].world - w0).max() < 0.03  # fixed back (and smoothed)
    # 2D of a relabelled frame: left and right swapped so that it agrees with the 3D
    np.testing.assert_allclose(out[25].keypoints[0, 11], poses[25].keypoints[0, 12])
