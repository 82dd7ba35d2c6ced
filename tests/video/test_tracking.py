"""Video end to end on the shared clips: identities, outputs, broken inputs."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from posekit.io.tracks import load_tracks
from posekit.video.tracking import VideoPoseTracker

pytestmark = pytest.mark.models

VIDEO = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "video"
needs_videos = pytest.mark.skipif(not VIDEO.exists(), reason="../shared/data/video is not present")


def lasting_ids(results, fps: float) -> set[int]:
    frames = collections.Counter(int(t) for r in results for t in r.poses.track_ids if t >= 0)
    return {tid for tid, n in frames.items() if n > fps}


@needs_videos
@pytest.mark.parametrize(
    "clip, people",
    [
        ("mmaction2_demo_skeleton_two_people_1920x1080.mp4", 2),
        ("ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi", 1),
    ],
)
def test_one_lasting_id_per_person(clip, people):
    results = list(VideoPoseTracker(threads=2).track(VIDEO / clip))
    fps = 28 if "two_people" in clip else 30
    assert len(lasting_ids(results, fps)) == people


@needs_videos
def test_blazepose_video_gives_world_coordinates_and_smooth_tracks():
    results = list(
        VideoPoseTracker("blazepose", threads=2).track(
            VIDEO / "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi", max_frames=30
        )
    )
    assert len(results) == 30 and [r.index for r in results] == list(range(30))
    assert all(r.poses.world is not None for r in results)
    assert np.all(np.diff([r.time for r in results]) > 0)


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "posekit", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
        timeout=900,
    )


@needs_videos
def test_track_cli_writes_results_and_video(tmp_path):
    clip = VIDEO / "posetrack18_000001_mpiinew_test_5frames.mp4"
    res = run_cli("track", clip, "--out", tmp_path / "r.parquet", "--render", tmp_path / "r.mp4")
    assert res.returncode == 0, res.stderr
    frames = load_tracks(tmp_path / "r.parquet")
    assert {f for f, _, _ in frames} <= set(range(5)) and len(frames) >= 4
    import av

    with av.open(str(tmp_path / "r.mp4")) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name in ("h264", "libx264", "libopenh264") or stream.codec_context.name
        assert sum(1 for _ in c.decode(video=0)) == 5


@needs_videos
def test_truncated_video_keeps_results_written_so_far(tmp_path):
    data = (VIDEO / "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi").read_bytes()
    broken = tmp_path / "broken.avi"
    broken.write_bytes(data[: len(data) // 3])
    res = run_cli("track", broken, "--out", tmp_path / "r.jsonl", "--model", "fast")
    assert "Traceback" not in res.stderr
    assert res.returncode == 1 and "broken.avi" in res.stderr, res.stderr
    frames = load_tracks(tmp_path / "r.jsonl")  # valid and readable: the frames before the break
    assert 10 < len(frames) < 103


@needs_videos
def test_video_without_index_is_a_clear_error(tmp_path):
    data = (VIDEO / "mmaction2_arm_wrestling_340x256.mp4").read_bytes()
    broken = tmp_path / "cut.mp4"
    broken.write_bytes(data[: len(data) // 2])  # the MP4 index (moov) is at the end: nothing decodable
    res = run_cli("track", broken, "--out", tmp_path / "r.parquet")
    assert res.returncode == 2 and "cut.mp4" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "r.parquet").exists()


def test_zero_frame_and_missing_files(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for bad in (empty, tmp_path / "missing.mp4"):
        res = run_cli("track", bad, "--out", tmp_path / "r.parquet")
        assert res.returncode == 2 and "Traceback" not in res.stderr and bad.name in res.stderr
        assert not (tmp_path / "r.parquet").exists()


@needs_videos
def test_offline_savgol_writes_every_frame_and_renders(tmp_path):
    clip = VIDEO / "posetrack18_000001_mpiinew_test_5frames.mp4"
    res = run_cli(
        "track", clip, "--smooth", "savgol", "--out", tmp_path / "r.jsonl", "--render", tmp_path / "r.mp4"
    )
    assert res.returncode == 0, res.stderr
    assert [f for f, _, _ in load_tracks(tmp_path / "r.jsonl")] == list(range(5))
    import av

    with av.open(str(tmp_path / "r.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 5
