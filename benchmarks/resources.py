"""Resource bounds at full scale: one run prints every figure of docs/reliability/resources.md.

    python benchmarks/resources.py                      # full scale (~15 min on a quiet 2-core machine)
    python benchmarks/resources.py --tracker-frames 20000 --stream-frames 1000 --jobs 30   # smaller

1. crowds: one image with 1..256 people through the `default` pipeline: time, people found (max_people);
2. the tracker alone with 10..400 people per frame: time per frame (similarity is N x M);
3. the tracker on a 100,000-frame synthetic stream of detections: RSS sampled along it, slope, fds, threads;
4. `VideoPoseTracker` (model `fast`) on a stream of frames generated on the fly: the same figures;
5. 1,000 `PoseEstimator` calls, 100 service jobs, 500 video open/close: fds, threads, RSS before and after.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import numpy as np
from resource_probe import Probe, SyntheticFrames, crowd_of_crops, synthetic_people

from posekit.estimator import PoseEstimator
from posekit.track.tracker import Tracker


def show(title: str, rows: list[dict]) -> None:
    print(f"\n## {title}")
    if not rows:
        return
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")


def crowds(threads: int) -> None:
    est = PoseEstimator("default", threads=threads)
    est(np.zeros((64, 64, 3), np.uint8))  # warm-up: sessions, arenas
    rows = []
    for cols, lines, tile in ((1, 1, (96, 192)), (4, 2, (96, 192)), (10, 5, (96, 192)), (12, 6, (96, 192)),
                              (16, 8, (64, 128)), (20, 10, (48, 96)), (30, 15, (32, 64))):  # fmt: skip
        image = crowd_of_crops(cols, lines, tile)
        if image is None:
            print("\n## Crowds: skipped, needs ../shared/data/posebench-dev")
            return
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            poses = est(image)
            times.append(time.perf_counter() - t0)
        rows.append(
            {
                "people in image": cols * lines,
                "image": f"{image.shape[1]}x{image.shape[0]}",
                "people found": len(poses),
                "time s (min of 2)": round(min(times), 2),
            }
        )
    show("Crowds of real people (tiled) through `default` (max_people 40)", rows)


def tracker_scaling() -> None:
    rows = []
    for n in (10, 40, 100, 200, 400):
        frames = [synthetic_people(n, f) for f in range(40)]
        tr = Tracker()
        for f in range(10):  # tracks confirmed first
            tr.update(frames[f], f)
        t0 = time.perf_counter()
        for f in range(10, 40):
            tr.update(frames[f], f)
        ms = (time.perf_counter() - t0) / 30 * 1000
        rows.append({"people": n, "ms/frame": round(ms, 2), "ms per person": round(ms / n, 3)})
    show("Tracker alone, people per frame", rows)


def tracker_stream(frames: int) -> None:
    tr, probe = Tracker(), Probe()
    every = max(1, frames // 50)
    most = 0
    t0 = time.perf_counter()
    for f in range(frames):
        tr.update(synthetic_people(6, f), f)
        most = max(most, len(tr.tracks))
        if f % every == 0:
            probe.sample(f)
    probe.sample(frames)
    dt = time.perf_counter() - t0
    out = {"frames": frames, "ms/frame": round(dt / frames * 1000, 3), "most tracks alive": most}
    out.update(probe.summary())
    show("Tracker on a synthetic stream (6 people, some leaving and coming back)", [out])
    print(
        "RSS MiB along the run:",
        " ".join(f"{v:.0f}" for v in probe.column(1)[:: max(1, len(probe.samples) // 12)]),
    )


def pipeline_stream(frames: int, threads: int) -> None:
    from posekit.video import VideoPoseTracker

    vt = VideoPoseTracker("fast", threads=threads, workers=1)
    probe = Probe()
    every = max(1, frames // 25)
    people = 0
    t0 = time.perf_counter()
    for r in vt.track(SyntheticFrames(frames)):
        people += len(r.poses)
        if r.index % every == 0:
            probe.sample(r.index)
    probe.sample(frames)
    dt = time.perf_counter() - t0
    out = {
        "frames": frames,
        "ms/frame": round(dt / frames * 1000, 2),
        "people/frame": round(people / frames, 2),
    }
    out.update(probe.summary())
    show("VideoPoseTracker `fast` on frames generated on the fly (192x192)", [out])


def many_calls(n_predict: int, n_video: int, n_jobs: int, threads: int) -> None:
    from posekit.io.video import open_source
    from posekit.io.video_writer import VideoWriter

    rows = []
    est = PoseEstimator("fast", threads=threads)
    image = next(iter(SyntheticFrames(1))).image
    est(image)
    probe = Probe()
    probe.sample(0)
    for i in range(1, n_predict + 1):
        est(image)
        if i % max(1, n_predict // 10) == 0:
            probe.sample(i)
    rows.append({"what": f"{n_predict} PoseEstimator calls", **_deltas(probe)})

    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        with VideoWriter(clip, 10.0, (192, 192)) as vw:
            for fr in SyntheticFrames(8):
                vw.write(fr.image)
        for backend in ("pyav", "opencv"):
            probe = Probe()
            with open_source(clip, backend=backend) as src:
                next(iter(src))
            probe.sample(0)
            for i in range(1, n_video + 1):
                with open_source(clip, backend=backend) as src:
                    for k, _ in enumerate(src):
                        if k == 2:
                            break
                if i % max(1, n_video // 10) == 0:
                    probe.sample(i)
            rows.append({"what": f"{n_video} video open/read/close ({backend})", **_deltas(probe)})
        rows.append({"what": f"{n_jobs} service jobs", **_service_jobs(clip, n_jobs, threads, Path(tmp))})
    show("Many calls: file handles, threads and memory before and after", rows)


def _deltas(probe: Probe) -> dict:
    s = probe.summary(per=100)
    return {
        "RSS MiB start→end": f"{s['rss_start_mb']}→{s['rss_end_mb']}",
        "slope MiB/100 calls": s["rss_slope_mb_per_100"],
        "fds start→end": f"{s['fds_start']}→{s['fds_end']}",
        "threads start→end": f"{s['threads_start']}→{s['threads_end']}",
        "OS threads start→end": f"{s['os_threads_start']}→{s['os_threads_end']}",
    }


def _service_jobs(clip: Path, n: int, threads: int, tmp: Path) -> dict:
    from fastapi.testclient import TestClient

    from posekit.serve.app import create_app
    from posekit.serve.engine import ModelPool, ServeConfig

    cfg = ServeConfig(data_dir=tmp / "data", models=("fast",), threads=threads)
    data = clip.read_bytes()
    probe = Probe()
    with TestClient(create_app(cfg, ModelPool(cfg))) as client:

        def one() -> None:
            job = client.post("/v1/jobs?render=false", files={"file": ("c.mp4", data, "video/mp4")}).json()
            while (j := client.get(f"/v1/jobs/{job['id']}").json())["status"] in ("queued", "running"):
                time.sleep(0.02)
            assert j["status"] == "done", j
            assert client.get(f"/v1/jobs/{job['id']}/results").status_code == 200
            assert client.delete(f"/v1/jobs/{job['id']}").status_code == 200

        one()
        probe.sample(0)
        for i in range(1, n + 1):
            one()
            if i % max(1, n // 10) == 0:
                probe.sample(i)
    print("RSS MiB along the service jobs:", " ".join(f"{v:.0f}" for v in probe.column(1)))
    return _deltas(probe)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tracker-frames", type=int, default=100_000)
    ap.add_argument("--stream-frames", type=int, default=5_000)
    ap.add_argument("--predict-calls", type=int, default=1_000)
    ap.add_argument("--video-opens", type=int, default=500)
    ap.add_argument("--jobs", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads per model")
    ap.add_argument("--only", nargs="*", default=None, help="crowds tracker stream pipeline calls")
    args = ap.parse_args()
    parts = set(args.only or ["crowds", "tracker", "stream", "pipeline", "calls"])
    print(
        json.dumps({k: v for k, v in vars(args).items()}), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    )
    if "crowds" in parts:
        crowds(args.threads)
    if "tracker" in parts:
        tracker_scaling()
    if "stream" in parts:
        tracker_stream(args.tracker_frames)
    if "pipeline" in parts:
        pipeline_stream(args.stream_frames, args.threads)
    if "calls" in parts:
        many_calls(args.predict_calls, args.video_opens, args.jobs, args.threads)


if __name__ == "__main__":
    main()
