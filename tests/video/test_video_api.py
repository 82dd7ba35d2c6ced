"""posekit.video without models: offline Savitzky–Golay in VideoPoseTracker, the one-second id rule,
track_video's files, and the renderer's labels. A fake pipeline reads the frame index from the
pixels and returns one person walking right with a fixed, seeded jitter."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from posekit.errors import InputError
from posekit.io.tracks import load_tracks
from posekit.io.video import Frame, FrameSource
from posekit.results import Poses
from posekit.smooth import jitter, smooth_tracks
from posekit.video import VideoPoseTracker, VideoRenderer, track_video, tracking

H, W = 120, 160
OFFSETS = np.random.default_rng(1).uniform(-20, 20, (17, 2))


class WalkingPerson:
    """The pipeline: the frame index is the image's top-left pixel value."""

    def __call__(self, image: np.ndarray) -> Poses:
        t = int(image[0, 0, 0])
        noise = np.random.default_rng(100 + t).normal(0, 1.5, (17, 2))
        kp = np.array([40 + 2.0 * t, 60.0]) + OFFSETS + noise
        box = [kp[:, 0].min(), kp[:, 1].min(), kp[:, 0].max(), kp[:, 1].max()]
        return Poses(kp[None], np.full((1, 17), 0.9), [box], [0.9], "coco17", (H, W))


class Synthetic(FrameSource):
    def __init__(self, n: int, fps: float = 10.0, break_after: int | None = None, name: str = "synthetic"):
        super().__init__()
        self.name, self.fps, self.size, self.frame_count = name, fps, (W, H), n
        self.break_after = break_after

    def _frames(self) -> Iterator[Frame]:
        for i in range(self.frame_count or 0):
            if i == self.break_after:
                raise InputError(f"{self.name}: video is truncated or corrupt after frame {i - 1}")
            yield Frame(i, i / self.fps, np.full((H, W, 3), i, np.uint8))


@pytest.fixture(autouse=True)
def fake_pipeline(monkeypatch):
    monkeypatch.setattr(tracking, "build_pipeline", lambda *a, **k: WalkingPerson())


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "frames"
    d.mkdir()
    for i in range(20):
        cv2.imwrite(str(d / f"{i:03d}.png"), np.full((H, W, 3), i, np.uint8))  # PNG: the index survives
    return d


def nose_track(results) -> np.ndarray:
    return np.array([r.poses.keypoints[0] for r in results])


def test_savgol_tracker_yields_the_whole_track_smoothed(folder):
    raw = list(VideoPoseTracker(smooth="none").track(folder))
    smooth = list(VideoPoseTracker(smooth="savgol", smooth_params={"window": 7}).track(folder))
    assert [r.index for r in smooth] == list(range(20)) == [r.index for r in raw]
    assert all(r.image is None for r in smooth)
    expected = smooth_tracks([r.poses for r in raw], "savgol", window=7)
    np.testing.assert_allclose(nose_track(smooth), np.array([p.keypoints[0] for p in expected]), atol=1e-4)
    tracked = [r.poses.track_ids[0] >= 0 for r in smooth]
    assert jitter(nose_track(smooth)[tracked]) < 0.5 * jitter(nose_track(raw)[tracked])


def test_savgol_with_images_reads_the_file_a_second_time(folder):
    results = list(VideoPoseTracker(smooth="savgol").track(folder, keep_images=True, max_frames=12))
    assert [r.index for r in results] == list(range(12))
    assert all(r.image is not None and int(r.image[0, 0, 0]) == r.index for r in results)


def test_savgol_with_images_refuses_a_live_source():
    with pytest.raises(InputError, match="read twice"):
        live = Synthetic(10, name="rtsp://camera/stream")
        list(VideoPoseTracker(smooth="savgol").track(live, keep_images=True))


def test_track_video_refuses_savgol_rendering_of_a_live_source_before_any_work(tmp_path):
    with pytest.raises(InputError, match="second reading"):
        track_video(
            VideoPoseTracker(smooth="savgol"),
            Synthetic(10, name="rtsp://camera/stream"),
            out=tmp_path / "r.jsonl",
            render=tmp_path / "r.mp4",
            progress=False,
        )
    assert not list(tmp_path.iterdir())


def test_savgol_on_a_broken_video_yields_what_was_read_then_raises():
    got = []
    with pytest.raises(InputError, match="truncated"):
        for r in VideoPoseTracker(smooth="savgol").track(Synthetic(30, break_after=12)):
            got.append(r.index)
    assert got == list(range(12))


def test_bad_savgol_parameters_fail_before_tracking():
    with pytest.raises(ValueError, match="window"):
        VideoPoseTracker(smooth="savgol", smooth_params={"window": 4})
    with pytest.raises(TypeError, match="beta"):
        VideoPoseTracker(smooth="savgol", smooth_params={"beta": 1.0})
    with pytest.raises(ValueError, match="smooth"):
        VideoPoseTracker(smooth="kalman")


@pytest.mark.parametrize(
    "fps, kwargs, max_age",
    [(10.0, {}, 10), (50.0, {}, 50), (10.0, {"keep_lost": 0.5}, 5), (10.0, {"tracker": {"max_age": 3}}, 3)],
)
def test_a_lost_person_keeps_the_id_for_one_second(fps, kwargs, max_age):
    tracker = VideoPoseTracker(**kwargs)
    next(iter(tracker.track(Synthetic(5, fps=fps))))
    assert tracker.tracker.config.max_age == max_age


def test_track_video_writes_results_and_video(folder, tmp_path):
    summary = track_video(
        VideoPoseTracker(smooth="savgol"),
        folder,
        out=tmp_path / "r.jsonl",
        render=tmp_path / "r.mp4",
        progress=False,
    )
    assert summary.frames == 20 and summary.track_ids == 1 and summary.error is None
    assert [f for f, _, _ in load_tracks(tmp_path / "r.jsonl")] == list(range(20))
    import av

    with av.open(str(tmp_path / "r.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 20


@pytest.mark.parametrize("smooth", ["one_euro", "savgol"])
def test_track_video_keeps_the_frames_before_a_break(smooth, tmp_path):
    out = tmp_path / "r.parquet"
    s = track_video(
        VideoPoseTracker(smooth=smooth),
        Synthetic(30, break_after=12),
        out=out,
        on_error="stop",
        progress=False,
    )
    assert s.frames == 12 and "truncated" in (s.error or "")
    assert [f for f, _, _ in load_tracks(out)] == list(range(12))
    with pytest.raises(InputError, match="truncated"):
        track_video(VideoPoseTracker(smooth=smooth), Synthetic(30, break_after=12), out=out, progress=False)
    assert len(load_tracks(out)) == 12  # raised, with the file complete up to the break


def person(x: float, score: float, track_id: int) -> Poses:
    kp = np.array([x, 200.0]) + OFFSETS * 4
    box = [kp[:, 0].min(), kp[:, 1].min(), kp[:, 0].max(), kp[:, 1].max()]
    return Poses(kp[None], np.full((1, 17), 0.9), [box], [score], "coco17", (360, 900), track_ids=[track_id])


def test_renderer_labels_every_drawn_track():
    """The low-scoring person (0.2: drawn, as it is over 0.1) gets an id label as well."""
    image = np.full((360, 900, 3), 128, np.uint8)
    poses = Poses.concat([person(150, 0.2, 1), person(450, 0.9, 2), person(780, 0.05, 3)])
    labelled = VideoRenderer()(image, poses)
    unlabelled = VideoRenderer()(
        image, Poses.concat([person(150, 0.2, -1), person(450, 0.9, -1), person(780, 0.05, -1)])
    )
    diff = np.abs(labelled.astype(int) - unlabelled.astype(int)).sum(axis=2) > 0
    for p in poses[:2]:
        x1, y1 = int(p.boxes[0, 0]), int(p.boxes[0, 1])
        assert diff[max(0, y1 - 30) : y1, x1 : x1 + 30].any(), "no label above a drawn track"
    skeleton_only = np.abs(VideoRenderer()(image, poses).astype(int) - image.astype(int)).sum(axis=2) > 0
    x1 = int(poses.boxes[2, 0])
    assert x1 > 600 and not skeleton_only[:, x1:].any()  # the 0.05 person is neither drawn nor labelled
