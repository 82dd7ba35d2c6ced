"""Where `posekit track` spends its time, per stage, in ms per frame (docs/performance.md, "Video").

    .venv/bin/python benchmarks/profile_video.py [--frames 150] [--models blazepose,default]

For each model and clip, frames run one at a time with one thread per model (so stages add up and
do not overlap), each stage's CPU time measured separately (CPU time, not wall time: on a shared,
loaded machine it is what stays stable, and with both cores busy it is what limits frames/s):
- start-up: importing posekit.video (the track command's imports) and building the pipeline;
- decode: PyAV decoding to RGB (a separate pass over the same frames); for BlazePose also to YUV
  planes, as the track loop decodes for it (crops converted by the pipeline, `posekit.io.video.yuv`);
- detector / pose model: the ONNX Runtime runs alone, and their pre/post-processing (crops,
  letterbox, decoding outputs) as what the pipeline call took beyond the network;
- tracking (ids) and smoothing; "other" is what the frame loop took beyond all of these.
Then the whole loop as `posekit track` runs it (2 frames in flight, decoding in its own thread),
frames/s. How often the detector ran is printed too: following people skips it on most frames.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT.parent / "shared" / "data" / "video"
CLIPS = {
    "blazepose": "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi",
    "default": "openpose_street_1280x720.avi",
    "movenet-multipose": "openpose_street_1280x720.avi",
}


class Timers:
    def __init__(self) -> None:
        self.ms: dict[str, float] = collections.defaultdict(float)
        self.calls: dict[str, int] = collections.defaultdict(int)

    def wrap(self, label: str, fn: Any) -> Any:
        def timed(*a: Any, **k: Any) -> Any:
            t0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                self.ms[label] += (time.process_time() - t0) * 1e3
                self.calls[label] += 1

        return timed


class _TimedSession:
    """Stands in for an onnxruntime.InferenceSession, timing `run`."""

    def __init__(self, session: Any, timers: Timers, label: str) -> None:
        self._s, self.run = session, timers.wrap(label, session.run)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s, name)


def _onnx_models(obj: Any, path: str = "", seen: set[int] | None = None) -> list[tuple[str, Any]]:
    """(attribute path, OnnxModel) for every model reachable from a pipeline's attributes."""
    from posekit.runtime import OnnxModel

    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, OnnxModel):
        return [(path, obj)]
    found = []
    items = enumerate(obj) if isinstance(obj, (list, tuple)) else getattr(obj, "__dict__", {}).items()
    for key, child in items:
        if isinstance(child, (list, tuple)) or hasattr(child, "__dict__"):
            found += _onnx_models(child, f"{path}.{key}", seen)
    return found


def startup_seconds() -> float:
    """A fresh interpreter importing what `posekit track` imports (seconds, median of 3)."""
    code = "import time; t = time.process_time(); import posekit.video; print(time.process_time() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout)
        for _ in range(3)
    ]
    return sorted(runs)[1]


def profile(model: str, clip: Path, frames: int) -> dict[str, float]:
    from posekit.io.video import open_source
    from posekit.video.tracking import VideoPoseTracker

    row: dict[str, float] = {}
    t0 = time.process_time()
    tracker = VideoPoseTracker(model, workers=1, threads=1)
    row["build pipeline (s)"] = time.process_time() - t0

    t = Timers()
    src = open_source(str(clip))
    t0 = time.process_time()
    images = [f.image for _, f in zip(range(frames), src)]
    src.close()
    row["decode"] = (time.process_time() - t0) * 1e3 / len(images)
    if getattr(tracker.pipeline, "accepts_yuv", False):  # how `posekit track` decodes for it: planes only
        src = open_source(str(clip))
        src.yuv = True  # type: ignore[attr-defined]
        t0 = time.process_time()
        n = sum(1 for _ in zip(range(frames), src))
        src.close()
        row["decode to YUV planes (track loop)"] = (time.process_time() - t0) * 1e3 / n

    pipe = tracker.pipeline
    light = tracker.follower.follow_pipeline if tracker.follower else pipe
    for label, m in _onnx_models(pipe):
        m.session = _TimedSession(m.session, t, "network " + label.strip(".").split(".")[0].rstrip("s"))
    if light is not pipe:  # Lightning on the frames between detections
        light.pose.model.onnx.session = _TimedSession(light.pose.model.onnx.session, t, "network follow pose")
        light.run_rois = t.wrap("pose step", light.run_rois)
    if hasattr(pipe, "detect_rois"):
        pipe.detect_rois = t.wrap("detector step", pipe.detect_rois)
        pipe.run_rois = t.wrap("pose step", pipe.run_rois)
    tracker.tracker.update = t.wrap("tracking", tracker.tracker.update)  # type: ignore[method-assign]
    tracker.reset()
    tracker.tracker.update = t.wrap("tracking", tracker.tracker.update)  # type: ignore[method-assign]
    tracker.smoother.update = t.wrap("smoothing", tracker.smoother.update)  # type: ignore[method-assign]
    t0 = time.process_time()
    for i, img in enumerate(images):
        tracker.process(img, i, i / 30)
    total = (time.process_time() - t0) * 1e3 / len(images)
    per = {k: v / len(images) for k, v in t.ms.items()}
    nets = {k: v for k, v in per.items() if k.startswith("network")}
    for k, v in sorted(nets.items()):
        row[k] = v
    if "detector step" in per:
        det_net = sum(v for k, v in nets.items() if "detector" in k)
        row["detector pre/post"] = per["detector step"] - det_net
        row["pose pre/post"] = per["pose step"] - (sum(nets.values()) - det_net)
    row["tracking"] = per.get("tracking", 0.0)
    row["smoothing"] = per.get("smoothing", 0.0)
    inner = sum(per.get(k, 0.0) for k in ("detector step", "pose step", "tracking", "smoothing"))
    if "detector step" not in per:
        inner = sum(nets.values()) + row["tracking"] + row["smoothing"]
    row["other (Python)"] = total - inner
    row["total, one frame at a time"] = total + row["decode"]
    row["detector runs per 100 frames"] = 100 * t.calls.get("detector step", len(images)) / len(images)

    # the loop as `posekit track` runs it: 2 frames in flight, decoding in a background thread
    fast = VideoPoseTracker(model)
    t0, c0 = time.perf_counter(), time.process_time()
    n = sum(1 for _ in fast.track(str(clip), max_frames=frames))
    row["track loop, CPU ms per frame (all threads)"] = (time.process_time() - c0) * 1e3 / n
    row["track loop frames/s (wall)"] = n / (time.perf_counter() - t0)
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--models", default="blazepose,default")
    ap.add_argument("--clip", default=None, help="a file under shared/data/video for every model")
    args = ap.parse_args()
    if not VIDEO.exists():
        print(f"no videos at {VIDEO}", file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT))
    print(f"start-up: importing posekit.video takes {startup_seconds():.2f} s of CPU", flush=True)
    rows = {}
    for model in args.models.split(","):
        rows[model] = profile(model, VIDEO / (args.clip or CLIPS[model]), args.frames)
        print(model, {k: round(v, 2) for k, v in rows[model].items()}, flush=True)
    keys = list(dict.fromkeys(k for r in rows.values() for k in r))
    print("\n| stage (ms per frame) | " + " | ".join(f"{m} ({CLIPS[m].split('_')[0]})" for m in rows) + " |")
    print("|---" * (len(rows) + 1) + "|")
    for k in keys:
        print(f"| {k} | " + " | ".join(f"{rows[m].get(k, float('nan')):.1f}" for m in rows) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
