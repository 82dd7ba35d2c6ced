import numpy as np
import pytest

from posekit.results import Poses
from posekit.smooth import PoseSmoother, jitter, smooth_tracks

SIZE = (720, 1280)


def frame(centers, ids, rng, noise=2.0, world=True):
    n = len(centers)
    kp = np.zeros((n, 17, 2))
    for i, (cx, cy) in enumerate(centers):
        kp[i] = np.stack([np.full(17, cx), cy + np.linspace(-150, 150, 17)], axis=1)
    kp += rng.normal(0, noise, kp.shape)
    boxes = np.array([[cx - 75, cy - 150, cx + 75, cy + 150] for cx, cy in centers]).reshape(n, 4)
    w = kp[..., None, 0].repeat(3, axis=2) / 200 if world else None
    return Poses(
        kp,
        np.full((n, 17), 0.9),
        boxes,
        np.full(n, 0.9),
        "coco17",
        SIZE,
        world=w,
        track_ids=np.array(ids, dtype=np.int64),
    )


def test_smooths_each_track_separately():
    rng = np.random.default_rng(0)
    frames = [frame([(200 + 4 * t, 300), (900, 400)], [1, 2], rng) for t in range(120)]
    sm = PoseSmoother()
    out = [sm.update(f, t / 30) for t, f in enumerate(frames)]
    for j in range(2):
        raw = np.stack([f.keypoints[j] for f in frames])
        smooth = np.stack([f.keypoints[j] for f in out])
        assert jitter(smooth[20:]) < 0.4 * jitter(raw[20:])
        wr, ws = np.stack([f.world[j] for f in frames]), np.stack([f.world[j] for f in out])
        assert jitter(ws[20:]) < 0.5 * jitter(wr[20:])
    assert abs(out[-1].keypoints[1].mean(axis=0) - (900, 400)).max() < 2
    assert out[0].keypoints.dtype == np.float32 and sm.track_ids == [1, 2]


def test_reset_after_gap_and_state_dropped():
    rng = np.random.default_rng(1)
    sm = PoseSmoother(reset_after=0.2)
    for t in range(30):
        sm.update(frame([(200, 300)], [1], rng), t / 30)
    # one missed frame: state kept, the jump is smoothed
    out = sm.update(frame([(260, 300)], [1], rng, noise=0), 31 / 30)
    assert out.keypoints[0, :, 0].mean() < 255
    # gone for 0.5 s: state dropped, the id restarts where it is now
    sm.update(frame([], [], rng), 36 / 30)
    assert sm.track_ids == [1]
    sm.update(frame([], [], rng), 48 / 30)
    assert sm.track_ids == []
    out = sm.update(frame([(600, 300)], [1], rng, noise=0), 50 / 30)
    assert np.allclose(out.keypoints[0, :, 0], 600)


def test_untracked_nan_and_errors():
    rng = np.random.default_rng(2)
    sm = PoseSmoother()
    f = frame([(200, 300), (500, 300)], [-1, 3], rng)
    f.keypoints[1, 4] = np.nan
    out = sm.update(f, 0.0)
    assert np.array_equal(out.keypoints, f.keypoints, equal_nan=True)
    out = sm.update(frame([(210, 300), (500, 300)], [-1, 3], rng), 1 / 30)
    assert np.isfinite(out.keypoints).all()
    with pytest.raises(ValueError, match="before"):
        sm.update(f, 0.0)
    with pytest.raises(ValueError, match="track_ids"):
        sm.update(Poses.empty("coco17", SIZE), 1.0)
    with pytest.raises(ValueError, match="duplicate"):
        sm.update(frame([(1, 1), (2, 2)], [4, 4], rng), 1.0)
    with pytest.raises(TypeError):
        PoseSmoother(min_cutof=1.0)
    with pytest.raises(ValueError):
        PoseSmoother("kalman")
    assert PoseSmoother("none").update(f, 5.0) is f


def test_smooth_tracks_offline():
    rng = np.random.default_rng(3)
    frames = [
        frame(
            [(200 + 4 * t, 300)] + ([(800, 300)] if t % 20 < 15 else []),
            [1] + ([2] if t % 20 < 15 else []),
            rng,
        )
        for t in range(100)
    ]
    for method in ("savgol", "one_euro"):
        out = smooth_tracks(frames, method, **({"window": 11} if method == "savgol" else {}))
        assert len(out) == 100 and [len(o) for o in out] == [len(f) for f in frames]
        raw = np.stack([f.keypoints[0] for f in frames])
        sm = np.stack([o.keypoints[0] for o in out])
        assert jitter(sm[20:]) < 0.5 * jitter(raw[20:])
        assert np.array_equal(out[7].track_ids, frames[7].track_ids)
        assert out[7].world is not None
    assert smooth_tracks(frames, "none") == frames
    with pytest.raises(ValueError):
        smooth_tracks([Poses.empty("coco17", SIZE)])
    with pytest.raises(TypeError):
        smooth_tracks(frames, beta=1.0)


def test_with_tracker_on_blazepose_with_world():
    """The live pipeline: Tracker then PoseSmoother, BlazePose-33 with world coordinates."""
    from posekit.track import Tracker

    rng = np.random.default_rng(4)
    tracker, sm = Tracker(), PoseSmoother()
    raw, smooth = [], []
    for t in range(60):
        cx = 200 + 5 * t
        kp = np.stack([np.full(33, cx), 300 + np.linspace(-140, 140, 33)], axis=1) + rng.normal(0, 2, (33, 2))
        p = Poses(
            kp[None],
            np.full((1, 33), 0.9),
            [[cx - 70, 150, cx + 70, 450]],
            [0.9],
            "blazepose33",
            SIZE,
            world=rng.normal(0, 0.01, (1, 33, 3)),
        )
        out = sm.update(tracker.update(p, t), t / 30)
        assert out.track_ids.tolist() == ([-1] if t < 2 else [1])
        raw.append(p.keypoints[0])
        smooth.append(out.keypoints[0])
    raw, smooth = np.stack(raw), np.stack(smooth)
    assert jitter(smooth[10:]) < 0.5 * jitter(raw[10:])
