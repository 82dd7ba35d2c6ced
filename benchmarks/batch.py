"""Throughput of `posekit batch`: the plain pipeline in this process, then `--engine local` and
`--engine ray` with 1 and 2 workers, on the same images and the same video frames; prints images/s,
video frames/s and Ray's overhead against the local engine and the plain pipeline.

    python benchmarks/batch.py [--images N] [--frames N] [--model default]

Images: the first N COCO images of ../shared/data/posebench-dev; video: the first N/2 frames of each
of two 1920×1080 clips of ../shared/data/video (manifest rows set max_frames). Every batch figure is
wall time of a whole run, worker start-up and model loading included (what a user waits for);
"steady" figures use the workers' own item time instead (the done records' `seconds`, summed and
shared among min(workers, items) workers), i.e. without start-up. Ray's own start-up (ray.init) is
printed apart and is not in the run figures. The machine's load average is printed before and
after: on a shared machine the figures mean little without it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
VIDEOS = (  # two 1920×1080 clips, so that two workers both have a video
    DATA / "video" / "mmaction2_demo_skeleton_two_people_1920x1080.mp4",
    DATA / "video" / "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi",
)


def plain(images: list[str], videos: list[str], frames: int, model: str) -> tuple[float, float]:
    """The pipeline in this process, one thread, no batch machinery: (images/s, video frames/s)."""
    from posekit.io.images import load_image
    from posekit.video import VideoPoseTracker

    tracker = VideoPoseTracker(model, threads=1, workers=1)
    t0 = time.perf_counter()
    for p in images:
        tracker.pipeline(load_image(p))
    t_img = time.perf_counter() - t0
    t0 = time.perf_counter()
    n = sum(1 for v in videos for _ in tracker.track(v, max_frames=frames))
    t_vid = time.perf_counter() - t0
    return len(images) / t_img, n / t_vid


def steady(out: Path, workers: int) -> float:
    """The workers' item seconds (no start-up, from the done records), shared among the workers
    that had an item."""
    seconds = [json.loads(p.read_text())["seconds"] for p in (out / "_state").glob("*.done.json")]
    return sum(seconds) / max(1, min(workers, len(seconds)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--model", default="default")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from posekit.batch import run_batch

    if not all(v.exists() for v in VIDEOS):
        print(f"test data not found at {DATA}")
        return 1
    images = sorted(str(p) for p in (DATA / "posebench-dev" / "images" / "coco").rglob("*.jpg"))[
        : args.images
    ]
    tmp = Path(tempfile.mkdtemp(prefix="posekit-batch-bench-"))
    manifest = tmp / "video.csv"
    half = args.frames // 2
    manifest.write_text("path,max_frames\n" + "".join(f"{v},{half}\n" for v in VIDEOS))
    names = " and ".join(v.name for v in VIDEOS)
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min); {os.cpu_count()} CPUs"
    )
    print(
        f"model {args.model}; {len(images)} images; {half} frames of {names} each; 1 ONNX thread per worker"
    )

    img_s, vid_s = plain(images, [str(v) for v in VIDEOS], half, args.model)
    print(f"{'plain pipeline, 1 process':32s} {img_s:7.2f} images/s  {vid_s:7.2f} video frames/s")
    results: dict[tuple[str, int], tuple[float, float]] = {}

    def bench(engine: str, workers: int) -> None:
        figures = []
        for kind, inputs, count in (("img", images, len(images)), ("vid", [str(manifest)], 2 * half)):
            out = tmp / f"{engine}{workers}-{kind}"
            s = run_batch(inputs, out, engine=engine, workers=workers, model=args.model, progress=False)
            assert s.unfinished == 0 and s.failures == 0, s
            figures.append((count / s.wall_s, count / max(steady(out, workers), 1e-9)))
        (ia, isd), (va, vsd) = figures
        results[(engine, workers)] = (ia, va)
        print(
            f"{f'--engine {engine} --workers {workers}':32s} {ia:7.2f} images/s  {va:7.2f} video frames/s"
            f"   (steady: {isd:.2f} images/s, {vsd:.2f} frames/s)"
        )

    for w in (1, 2):
        bench("local", w)
    import ray

    from posekit.batch.engine_ray import start_local_ray

    t0 = time.perf_counter()
    start_local_ray(2)
    print(f"ray.init (local, 2 CPUs): {time.perf_counter() - t0:.1f} s")
    try:
        for w in (1, 2):
            bench("ray", w)
    finally:
        ray.shutdown()
    for w in (1, 2):
        (li, lv), (ri, rv) = results[("local", w)], results[("ray", w)]
        print(
            f"Ray overhead, {w} worker(s): {100 * (li / ri - 1):+.0f}% time on images, "
            f"{100 * (lv / rv - 1):+.0f}% on video vs --engine local"
        )
    ri, rv = results[("ray", 1)]
    print(
        f"Ray (1 worker) vs plain pipeline: {100 * (img_s / ri - 1):+.0f}% time on images, "
        f"{100 * (vid_s / rv - 1):+.0f}% on video (start-up included)"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
