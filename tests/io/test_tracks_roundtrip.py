"""Reading a results file gives the FrameResults that tracking yielded, in every format."""

from __future__ import annotations

import numpy as np
import pytest
from shared_data import needs_shared, shared_path

from posekit.io import TrackWriter, load_tracks
from posekit.results import FrameResult, Poses
from posekit.track import Tracker

try:
    import pyarrow  # noqa: F401

    HAS_ARROW = True
except ImportError:
    HAS_ARROW = False
FORMATS = [
    ".jsonl",
    ".json",
    ".csv",
    pytest.param(".parquet", marks=pytest.mark.skipif(not HAS_ARROW, reason="pyarrow is not installed")),
]
TABULAR = (".csv", ".parquet")


def walking_people(frames: int, layout: str) -> list[tuple[int, float, Poses]]:
    """Two people walking right (one leaves for frames 4-5), BlazePose with world and extra arrays."""
    rng = np.random.default_rng(0)
    k = 17 if layout == "coco17" else 33
    shape = rng.uniform(0, 1, (2, k, 2)) * [40, 100]
    out = []
    for f in range(frames):
        here = [0] if f in (4, 5) else [0, 1]
        if f == 7:
            here = []  # nobody
        kp = np.array([shape[p] + [100 * p + 3 * f + 10, 20] for p in here]).reshape(-1, k, 2)
        kp[:, 2] = np.nan if f == 2 else kp[:, 2]  # a keypoint the model did not give
        scores = rng.uniform(0.5, 1, (len(here), k)) * np.isfinite(kp[..., 0])
        boxes = np.concatenate([np.nanmin(kp, 1), np.nanmax(kp, 1)], 1) if here else np.zeros((0, 4))
        extra = (
            {}
            if layout == "coco17"
            else {
                "visibility": rng.uniform(0, 1, (len(here), k)).astype(np.float32),
                "presence": rng.uniform(0, 1, (len(here), k)).astype(np.float32),
            }
        )
        world = None if layout == "coco17" else rng.normal(0, 0.5, (len(here), k, 3))
        out.append(
            (
                f,
                f / 30,
                Poses(
                    kp,
                    scores,
                    boxes,
                    rng.uniform(0.5, 1, len(here)),
                    layout,
                    (240, 320),
                    world=world,
                    extra=extra,
                ),
            )
        )
    return out


def tracked(frames: list[tuple[int, float, Poses]]) -> list[FrameResult]:
    tracker = Tracker()
    return [FrameResult(i, t, tracker.update(p, i)) for i, t, p in frames]


def assert_same_frame(a: FrameResult, b: FrameResult) -> None:
    assert (a.index, a.time) == (b.index, b.time)
    pa, pb = a.poses, b.poses
    assert (pa.layout.name, pa.image_size, len(pa)) == (pb.layout.name, pb.image_size, len(pb))
    if not len(pa):
        return  # nobody: nothing else to compare (JSON has no arrays for an empty frame)
    for name in ("keypoints", "scores", "boxes", "person_scores", "world", "track_ids"):
        x, y = getattr(pa, name), getattr(pb, name)
        assert (x is None) == (y is None), name
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=name)  # exact: float32 survives every format
    assert set(pa.extra) == set(pb.extra)
    for key in pa.extra:
        np.testing.assert_array_equal(pa.extra[key], pb.extra[key], err_msg=key)


def write_and_read(path, results: list[FrameResult]) -> list[FrameResult]:
    with TrackWriter(path, row_group_frames=3) as w:
        for r in results:
            w.write(r.index, r.time, r.poses)
    return load_tracks(path)


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("layout", ["coco17", "blazepose33"])
def test_tracked_frames_round_trip(tmp_path, suffix, layout):
    results = tracked(walking_people(10, layout))
    assert (results[0].poses.track_ids == -1).all() and (
        results[3].poses.track_ids >= 1
    ).all()  # tentative first
    got = write_and_read(tmp_path / f"r{suffix}", results)
    assert all(isinstance(r, FrameResult) for r in got)
    expected = [r for r in results if len(r.poses) or suffix not in TABULAR]  # tables have no empty frames
    assert [r.index for r in got] == [r.index for r in expected]
    for a, b in zip(expected, got):
        assert_same_frame(a, b)
    index, time, poses = got[1]  # unpacks like the tuples read_tracks used to give
    assert (index, time, len(poses)) == (1, 1 / 30, 2)


@pytest.mark.parametrize("suffix", TABULAR)
def test_untracked_poses_keep_no_ids(tmp_path, suffix):
    if suffix == ".parquet" and not HAS_ARROW:
        pytest.skip("pyarrow is not installed")
    frames = [FrameResult(i, t, p) for i, t, p in walking_people(3, "coco17")]
    got = write_and_read(tmp_path / f"u{suffix}", frames)
    assert all(r.poses.track_ids is None for r in got)  # no ids (empty) is not "all untracked" (-1)
    for a, b in zip(frames, got):
        assert_same_frame(a, b)


@pytest.mark.models
@needs_shared("video")
def test_video_tracking_round_trip(tmp_path):
    """What `VideoPoseTracker` yields (BlazePose: world coordinates, visibility and presence) comes back."""
    from posekit.video import VideoPoseTracker

    clip = shared_path("video", "mmpose_demo_street_960x540_5frames.mp4")
    results = list(VideoPoseTracker("blazepose", workers=1, threads=2).track(clip, max_frames=3))
    assert any(len(r.poses) for r in results)
    for suffix in (".jsonl", ".json", ".csv", *((".parquet",) if HAS_ARROW else ())):
        got = write_and_read(tmp_path / f"v{suffix}", results)
        expected = [r for r in results if len(r.poses) or suffix not in TABULAR]
        assert [r.index for r in got] == [r.index for r in expected]
        for a, b in zip(expected, got):
            assert_same_frame(FrameResult(a.index, a.time, a.poses), b)
