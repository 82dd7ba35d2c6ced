"""Where a pipeline's time goes, per stage, on the dev images: ms per image for each stage; and speed
ratios between pipelines measured image by image, interleaved.

    .venv/bin/python benchmarks/profile_pipeline.py [--threads 2] [--repeat 3] [PIPELINES...]
    .venv/bin/python benchmarks/profile_pipeline.py --compare [--repeat 3] [PIPELINES...]

`--compare` runs every pipeline on each image in turn (so load on a shared machine hits all alike) and
prints each one's wall and process-CPU ms per image and its speed relative to the last pipeline named
(default: `movenet-multipose`). `default-before` is today's `default` as it was before issue 11
(square 512×512 CenterNet input): the same code path, so the same predictions as the old code.
Variants for the parallel-crops question (issue 11, part P): `default` runs an image's crops side by
side on `--threads` one-thread sessions (`parallel_crops`); `default-serial` runs them in turn on one
session of `--threads` threads (the code before part P, same predictions); `default-det1` is `default`
with CenterNet on 1 thread; `movenet-multipose-1t` runs MultiPose on 1 thread. `--street` runs the
street clip through the video tracker: 2 frames in flight (as shipped) against frame by frame with the
crops in turn or side by side, and `movenet-multipose`. `--memory` prints the resident memory each extra
Thunder session costs.

Each stage is a function of the pipeline wrapped by a timer that counts its time *exclusive* of the
other wrapped functions it calls, so the stages add up to the whole; "glue" is what the pipeline's own
Python code spends around them. Images are decoded once, before timing (as `posekit eval` does).
The best of `--repeat` passes per stage is printed (the machine is shared: the minimum is the least noisy).
Needs ../shared/data/posebench-dev.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from interleave import interleaved_ms

from posekit.io.images import load_image
from posekit.pipeline import detectors, models, movenet, topdown
from posekit.pipeline.presets import build_pipeline, pipeline_settings
from posekit.pipeline.registry import build, build_detector
from posekit.pipeline.settings import DetectorSettings, Runtime, TopDownSettings
from posekit.runtime import session

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "posebench-dev"


class StageTimer:
    """Exclusive wall time per stage label: a wrapped call's time minus that of wrapped calls inside it."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[float] = []  # time spent in nested wrapped calls, per open call

    def wrap(self, fn: Callable[..., Any], label: str | Callable[..., str]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                nested = self._stack.pop()
                name = label(*args) if callable(label) else label
                self.total[name] += dt - nested
                self.calls[name] += 1
                if self._stack:
                    self._stack[-1] += dt

        return timed


def _onnx_label(model: session.OnnxModel, *_: Any) -> str:
    return f"{model.path.stem} ONNX"


def _input_label(model: models.ZooModel, *_: Any) -> str:
    return f"{model.name} input tensor"


# (owner, attribute, stage label): attributes a version of the code lacks are skipped
STAGES: list[tuple[Any, str, str | Callable[..., str]]] = [
    (detectors, "letterbox", "detector pre-process (resize, pad)"),
    (detectors.CenterNetDetector, "__call__", "detector decode (filter, NMS, to image)"),
    (detectors, "nms_boxes", "detector decode (filter, NMS, to image)"),
    (models.ZooModel, "__call__", _input_label),
    (models.ZooModel, "batch", _input_label),
    (session.OnnxModel, "__call__", _onnx_label),
    (movenet, "crop_transform", "crops (affine, warp)"),
    (movenet, "warp", "crops (affine, warp)"),
    (movenet, "crop_batch", "crops (affine, warp)"),
    (movenet.MoveNetCropModel, "__call__", "pose post-process (to image)"),
    (movenet.MoveNetCropModel, "batch", "pose post-process (to image)"),
    (topdown, "oks_nms", "OKS-NMS"),
    (topdown.TopDown, "__call__", "top-down glue (Python)"),
    (movenet.MoveNetMultiPose, "__call__", "MultiPose pre/post-process (resize, pad, decode)"),
]


# `default` before issue 11, for old-vs-new ratios in one process
BEFORE = {
    "default-before": TopDownSettings(
        pose="movenet-thunder", detectors=(DetectorSettings("centernet", min_score=0.2),), min_box_score=0.2
    )
}


def _build(name: str, threads: int) -> Callable[[np.ndarray], Any]:
    if name in BEFORE:
        return build(BEFORE[name], Runtime("cpu", threads))
    if name == "default-serial":
        return _topdown(threads, parallel_crops=False)
    if name == "default-det1":
        pipeline = _topdown(threads, parallel_crops=True)
        settings = pipeline_settings("default")
        assert isinstance(settings, TopDownSettings)
        pipeline.detectors = [build_detector(d, Runtime("cpu", 1)) for d in settings.detectors]
        return pipeline
    if name == "movenet-multipose-1t":
        return build_pipeline("movenet-multipose", threads=1)
    return build_pipeline(name, threads=threads)


def _topdown(threads: int, parallel_crops: bool) -> Any:
    settings = pipeline_settings("default")
    assert isinstance(settings, TopDownSettings)
    return build(dataclasses.replace(settings, parallel_crops=parallel_crops), Runtime("cpu", threads))


def _rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory(images: list[np.ndarray], n: int | None = None) -> None:
    """Resident memory of a Thunder crop model with n one-thread sessions, after a crop on each: each n
    in a fresh process (a freed model's pages stay with the allocator and would hide the next one's)."""
    if n is None:
        print("\n| Thunder sessions | resident MiB added (after one run each) |\n|---|---|")
        for k in (1, 2, 4):
            subprocess.run([sys.executable, __file__, "--memory", str(k)], check=True)
        return
    h, w = images[0].shape[:2]
    movenet.MoveNetCropModel("movenet-lightning", "cpu", 1, sessions=1)  # ONNX Runtime's own start-up
    before = _rss_mib()
    model = movenet.MoveNetCropModel("movenet-thunder", "cpu", n, sessions=n)
    model.crops(images[0], [((w / 2, h / 2), min(h, w))] * n)
    print(f"| {n} | {_rss_mib() - before:.0f} |", flush=True)
    model.close()


def compare(names: list[str], images: list[np.ndarray], threads: int, repeat: int) -> None:
    pipelines = [(n, _build(n, threads)) for n in names]
    for image in images[:5]:
        for _, p in pipelines:
            p(image)
    wall, cpu = interleaved_ms(dict(pipelines), images, repeat)
    ref = names[-1]
    w_ref, c_ref = min(wall[ref]), min(cpu[ref])
    print(f"\n{len(images)} dev images, {threads} threads, best of {repeat} interleaved passes")
    print(f"| pipeline | wall ms/image | images/s | × {ref} | CPU ms/image | × {ref} (CPU) |")
    print("|---|---|---|---|---|---|")
    for n in names:
        w, c = min(wall[n]), min(cpu[n])
        print(f"| {n} | {w:.1f} | {1e3 / w:.1f} | {w_ref / w:.2f} | {c:.1f} | {c_ref / c:.2f} |", flush=True)


def profile(name: str, images: list[np.ndarray], threads: int, repeat: int) -> dict[str, float]:
    timer = StageTimer()
    saved = []
    for owner, attr, label in STAGES:
        if attr in vars(owner):
            saved.append((owner, attr, vars(owner)[attr]))
            setattr(owner, attr, timer.wrap(vars(owner)[attr], label))
    try:
        pipeline = _build(name, threads)
        for image in images[:5]:  # warm-up: first runs allocate
            pipeline(image)
        best: dict[str, float] = {}
        for _ in range(repeat):
            timer.total.clear()
            t0 = time.perf_counter()
            for image in images:
                pipeline(image)
            whole = time.perf_counter() - t0
            stages = {k: v * 1e3 / len(images) for k, v in timer.total.items()}
            stages["outside the pipeline (estimator, calls)"] = whole * 1e3 / len(images) - sum(
                stages.values()
            )
            stages["whole"] = whole * 1e3 / len(images)
            best = {k: min(v, best.get(k, v)) for k, v in stages.items()}
        return best
    finally:
        for owner, attr, fn in reversed(saved):
            setattr(owner, attr, fn)


STREET = ROOT.parent / "shared" / "data" / "video" / "openpose_street_1280x720.avi"

# (label, VideoPoseTracker keywords, crops in turn on one session)
STREET_VARIANTS: list[tuple[str, dict[str, Any], bool]] = [
    ("default, 2 frames in flight, 1 thread per model (as shipped)", {"workers": 2}, False),
    ("default, frame by frame, 2 threads, crops in turn", {"workers": 1, "threads": 2}, True),
    ("default, frame by frame, CenterNet 2 threads, crops on 1+1", {"workers": 1, "threads": 2}, False),
    (
        "movenet-multipose, 2 frames in flight (as shipped)",
        {"model": "movenet-multipose", "workers": 2},
        False,
    ),
]


def street(repeat: int) -> None:
    """The street clip through `VideoPoseTracker` (what `posekit track` runs), variants alternated."""
    from posekit.video import VideoPoseTracker

    wall: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    people: dict[str, float] = {}
    for _ in range(repeat):
        for label, kwargs, serial in STREET_VARIANTS:
            tracker = VideoPoseTracker(**{"model": "default", **kwargs})
            if serial:
                # the follower runs this same pipeline object: its pose model is swapped for both
                tracker.pipeline.pose = movenet.MoveNetCropModel("movenet-thunder", "cpu", 2, sessions=1)
            w0, c0 = time.perf_counter(), time.process_time()
            results = list(tracker.track(STREET))
            wall[label].append(len(results) / (time.perf_counter() - w0))
            cpu[label].append((time.process_time() - c0) * 1e3 / len(results))
            people[label] = float(np.mean([(r.poses.person_scores >= 0.3).sum() for r in results]))
    ref = STREET_VARIANTS[-1][0]
    print(f"\nstreet clip, best of {repeat} alternated runs in one process")
    print(
        "| variant | frames/s | × multipose | CPU ms / frame | people ≥ 0.3 / frame |\n|---|---|---|---|---|"
    )
    for label, _, _ in STREET_VARIANTS:
        fps, ms = max(wall[label]), min(cpu[label])
        print(
            f"| {label} | {fps:.2f} | {fps / max(wall[ref]):.2f} | {ms:.1f} | {people[label]:.2f} |",
            flush=True,
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("pipelines", nargs="*")
    ap.add_argument("--compare", action="store_true", help="interleaved speed ratios instead of stages")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--street", action="store_true", help="the street clip's video variants, then exit")
    ap.add_argument("--memory", nargs="?", type=int, const=0, help="memory per Thunder session, then exit")
    args = ap.parse_args()
    if args.street:
        street(args.repeat)
        return 0
    if not DEV.exists():
        print(f"no dev set at {DEV}", file=sys.stderr)
        return 1
    gt = json.loads((DEV / "annotations" / "person_keypoints.json").read_text())
    images = [load_image(DEV / "images" / info["file_name"]) for info in gt["images"]]
    if args.memory is not None:
        memory(images, args.memory or None)
        return 0
    if args.compare:
        compare(
            args.pipelines or ["default-before", "default", "fast", "movenet-multipose"],
            images,
            args.threads,
            args.repeat,
        )
        return 0
    for name in args.pipelines or ["default-before", "default", "movenet-multipose"]:
        stages = profile(name, images, args.threads, args.repeat)
        whole = stages.pop("whole")
        print(f"\n{name}: {whole:.1f} ms per image ({1e3 / whole:.1f} images/s), {len(images)} dev images")
        print("| stage | ms per image | share |\n|---|---|---|")
        for stage, ms in sorted(stages.items(), key=lambda kv: -kv[1]):
            print(f"| {stage} | {ms:.2f} | {100 * ms / whole:.0f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
