"""Resource bounds at CI scale (benchmarks/resources.py runs the full scale and prints the figures):
crowds respect max_people, the tracker's state and memory stay flat on a long stream, and repeated
calls (predictions, video open/close, a stream through VideoPoseTracker, service jobs) leak no file
handles or threads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from resource_probe import Probe, SyntheticFrames, crowd_of_crops, fd_count, os_threads, synthetic_people

from posekit.track.tracker import Tracker


def handles_after(work: Callable[[int], None], rounds: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """(fds, OS threads) after one warm-up round (pools and sessions start) and after `rounds` more."""
    work(0)
    first = (fd_count(), os_threads())
    for i in range(1, rounds + 1):
        work(i)
    return first, (fd_count(), os_threads())


def test_tracker_state_and_memory_stay_flat_on_a_long_stream() -> None:
    tr, probe = Tracker(), Probe()
    most = 0
    for f in range(1500):
        tr.update(synthetic_people(6, f), f)
        most = max(most, len(tr.tracks))
        if f % 125 == 0:
            probe.sample(f)
    probe.sample(1500)
    # people leave and come back all along: lost tracks are deleted after max_age, so the state is bounded
    assert most <= 6 * 2, most
    assert abs(probe.rss_slope()) < 1.0, probe.samples  # MiB per 1000 frames
    assert probe.samples[-1][2] == probe.samples[0][2]  # fds


@pytest.mark.models
def test_a_crowd_of_72_respects_max_people() -> None:
    from posekit.estimator import PoseEstimator

    image = crowd_of_crops(12, 6)  # 72 real people, 1152x1152
    if image is None:
        pytest.skip("needs ../shared/data/posebench-dev (real people to tile)")
    poses = PoseEstimator("default", threads=2)(image)
    assert 20 <= len(poses) <= 40, len(poses)  # many found, never more than the preset's max_people


@pytest.mark.models
def test_many_predictions_leak_no_handles_or_threads() -> None:
    from posekit.estimator import PoseEstimator

    est = PoseEstimator("fast", threads=2)
    image = next(iter(SyntheticFrames(1))).image
    first, last = handles_after(lambda i: est(image), 25)
    assert last == first, (first, last)


def test_video_open_and_close_leak_no_handles_or_threads(tmp_path: Path) -> None:
    from posekit.io.video import open_source
    from posekit.io.video_writer import VideoWriter

    clip = tmp_path / "clip.mp4"
    with VideoWriter(clip, 10.0, (192, 192)) as vw:
        for fr in SyntheticFrames(8):
            vw.write(fr.image)

    def open_read_close(i: int) -> None:
        backend = "pyav" if i % 2 else "opencv"
        with open_source(clip, backend=backend) as src:
            for k, _ in enumerate(src):
                if k == i % 4:  # closed before the end: FFmpeg's decoder threads leaked here before
                    break

    first, last = handles_after(open_read_close, 60)
    assert last[0] == first[0] and last[1] <= first[1] + 1, (first, last)


@pytest.mark.models
def test_video_stream_through_the_tracker_is_flat() -> None:
    from posekit.video import VideoPoseTracker

    vt = VideoPoseTracker("fast", threads=2, workers=1)
    probe = Probe()
    for r in vt.track(SyntheticFrames(50)):
        if r.index % 10 == 0:
            probe.sample(r.index)
    fds, threads = probe.column(2), probe.column(4)
    assert fds[-1] == fds[1] and threads[-1] <= threads[1] + 1, probe.samples
    assert len(vt.tracker.tracks) <= 4


@pytest.mark.models
def test_service_jobs_leak_no_handles_or_threads(tmp_path: Path) -> None:
    pytest.importorskip("fastapi", reason="the web service needs the serve extra: pip install posekit[serve]")
    import time

    from fastapi.testclient import TestClient

    from posekit.io.video_writer import VideoWriter
    from posekit.serve.app import create_app
    from posekit.serve.engine import ModelPool, ServeConfig

    clip = tmp_path / "clip.mp4"
    with VideoWriter(clip, 10.0, (192, 192)) as vw:
        for fr in SyntheticFrames(4):
            vw.write(fr.image)
    data = clip.read_bytes()
    cfg = ServeConfig(data_dir=tmp_path / "data", models=("fast",), threads=1)
    with TestClient(create_app(cfg, ModelPool(cfg))) as client:

        def job(i: int) -> None:
            created = client.post(
                "/v1/jobs?render=false", files={"file": ("c.mp4", data, "video/mp4")}
            ).json()
            while (j := client.get(f"/v1/jobs/{created['id']}").json())["status"] in ("queued", "running"):
                time.sleep(0.02)
            assert j["status"] == "done", j
            assert client.get(f"/v1/jobs/{j['id']}/results").status_code == 200
            assert client.delete(f"/v1/jobs/{j['id']}").status_code == 200

        first, last = handles_after(job, 4)
    assert last[0] == first[0] and last[1] <= first[1] + 2, (first, last)
    assert list((tmp_path / "data" / "jobs").iterdir()) == []  # deleted jobs leave no folders
