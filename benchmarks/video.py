"""Video benchmarks, all in one run, printed as Markdown and saved to out/video_bench.json.

    .venv/bin/python benchmarks/video.py [--skip-mediapipe]

1. Single person, BlazePose full: whole-process frames/s of `posekit track` against MediaPipe
   0.10.21's `mp.solutions.pose` (video mode, model_complexity=1) on the same looped clips. MediaPipe
   runs in its own virtual environment, .venv-mediapipe, created here on first use.
2. Multi-person frames/s (default preset) with the mean number of people per frame; and the street
   clip through whole `posekit track` processes, `default` (as shipped, and with Lightning following)
   against `movenet-multipose` (runs alternated, median of --repeats).
3. Peak memory of `posekit track` on the street clip and on the same clip looped 10×.
4. Track ids per shared video: ids that last more than one second, and all ids.
5. Jitter (mean keypoint acceleration, px/frame²) without and with One Euro smoothing, and the lag
   it adds, on the slowly moving NTU person.
6. `chains`: BlazePose with two frames in flight against frame by frame (jitter, speed); `decode`:
   BlazePose on frames decoded as it goes against the same frames decoded beforehand (what decoding
   beside the network costs);
   `yuv`: BlazePose cropping from the decoder's YUV planes against whole RGB frames, runs alternated
   in one process (CPU ms per frame, frames/s, and how far the skeletons move); `startup`: CPU and
   wall seconds of `posekit track --max-frames 1` processes (import, pipeline build, one frame).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT.parent / "shared" / "data" / "video"
OUT = ROOT / "out" / "bench"
MP_VENV = ROOT / ".venv-mediapipe"
PY = sys.executable


def looped(name: str, times: int) -> Path:
    """The clip repeated `times`× as an H.264 MP4 (CRF 18), made once and cached under out/bench."""
    import av

    path = OUT / f"{Path(name).stem}_x{times}.mp4"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    with av.open(str(VIDEO / name)) as src:
        frames = [f.to_ndarray(format="rgb24") for f in src.decode(video=0)]
        fps = float(src.streams.video[0].average_rate or 30)
    tmp = path.with_suffix(".tmp.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=round(fps))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt, stream.options = "yuv420p", {"crf": "18", "preset": "veryfast"}
        for _ in range(times):
            for f in frames:
                out.mux(stream.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        out.mux(stream.encode())
    tmp.rename(path)
    return path


def timed(cmd: list[str]) -> tuple[float, str, int]:
    """Wall seconds, stdout+stderr, and peak RSS (KiB) of a whole child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out[-2000:]}")
    return wall, out, usage.ru_maxrss


def ensure_mediapipe() -> Path:
    py = MP_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(MP_VENV)], check=True)
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "mediapipe==0.10.21", "opencv-python-headless"],
            check=True,
        )
    return py


def posekit_track(clip: Path, model: str, *extra: str) -> dict:
    wall, out, rss = timed([PY, "-m", "posekit", "track", str(clip), "--model", model, *extra])
    m = re.search(r"(\d+) frames in ([\d.]+) s \(([\d.]+) frames/s\), (\d+) track ids", out)
    frames = int(m.group(1))
    return {
        "frames": frames,
        "process_fps": frames / wall,
        "loop_fps": float(m.group(3)),
        "peak_rss_mb": rss / 1024,
    }


def speed_vs_mediapipe(skip_mediapipe: bool, repeats: int = 1) -> list[dict]:
    """Whole processes, posekit and MediaPipe alternated `repeats` times per clip; medians."""
    rows = []
    for name, times in (
        ("mmhuman3d_single_person_1080x1920.mp4", 10),
        ("ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi", 4),
    ):
        clip = looped(name, times)
        ours_runs, mp_runs = [], []
        for _ in range(repeats):
            ours_runs.append(posekit_track(clip, "blazepose"))
            if not skip_mediapipe:
                py = ensure_mediapipe()
                wall, out, _ = timed(
                    [str(py), str(ROOT / "benchmarks" / "mediapipe_baseline.py"), str(clip), "1"]
                )
                mp = json.loads(out.strip().splitlines()[-1])
                mp_runs.append({"process_fps": mp["frames"] / wall, "loop_fps": mp["loop_fps"]})
        row = {
            "clip": f"{name} ×{times}",
            "frames": ours_runs[0]["frames"],
            "posekit_fps": float(np.median([r["process_fps"] for r in ours_runs])),
            "posekit_loop_fps": float(np.median([r["loop_fps"] for r in ours_runs])),
        }
        if mp_runs:
            row["mediapipe_fps"] = float(np.median([r["process_fps"] for r in mp_runs]))
            row["mediapipe_loop_fps"] = float(np.median([r["loop_fps"] for r in mp_runs]))
            row["ratio"] = row["posekit_fps"] / row["mediapipe_fps"]
        rows.append(row)
        print(row, flush=True)
    return rows


def multi_person() -> list[dict]:
    from posekit.video.tracking import VideoPoseTracker

    rows = []
    for name in ("openpose_street_1280x720.avi", "mmaction2_demo_skeleton_two_people_1920x1080.mp4"):
        tracker = VideoPoseTracker("default")
        t0, people, n = time.perf_counter(), 0, 0
        for r in tracker.track(VIDEO / name):
            people += int((r.poses.person_scores >= 0.3).sum())
            n += 1
        rows.append(
            {"clip": name, "frames": n, "fps": n / (time.perf_counter() - t0), "people_per_frame": people / n}
        )
        print(rows[-1], flush=True)
    return rows


def street_pair(repeats: int) -> dict:
    """`posekit track` on the street clip, `default` against `movenet-multipose`, whole processes
    alternated so both see the same machine load; frames/s are medians."""
    clip = VIDEO / "openpose_street_1280x720.avi"
    runs = {
        "default": ("default",),
        "default, Lightning following": ("default", "--follow-model", "auto"),
        "movenet-multipose": ("movenet-multipose",),
    }
    fps: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, args in runs.items():
            fps[name].append(posekit_track(clip, *args)["process_fps"])
    row = {name: float(np.median(v)) for name, v in fps.items()}
    row["ratio"] = row["default"] / row["movenet-multipose"]
    row["ratio_lightning"] = row["default, Lightning following"] / row["movenet-multipose"]
    print(row, flush=True)
    return row


def memory() -> list[dict]:
    rows = []
    for times in (1, 10):
        clip = looped("openpose_street_1280x720.avi", times)
        r = posekit_track(clip, "default", "--out", str(OUT / f"street_x{times}.parquet"))
        rows.append({"clip": f"street ×{times}", "frames": r["frames"], "peak_rss_mb": r["peak_rss_mb"]})
        print(rows[-1], flush=True)
    return rows


def id_counts() -> list[dict]:
    from posekit.video.tracking import VideoPoseTracker

    rows = []
    for clip in sorted(p for p in VIDEO.iterdir() if p.suffix in (".mp4", ".avi")):
        results = list(VideoPoseTracker("default").track(clip))
        fps = max(1.0, len(results) / max(results[-1].time, 1e-6)) if len(results) > 1 else 30.0
        frames_per_id = collections.Counter(int(t) for r in results for t in r.poses.track_ids if t >= 0)
        rows.append(
            {
                "clip": clip.name,
                "frames": len(results),
                "ids_over_1s": sum(n > fps for n in frames_per_id.values()),
                "ids": len(frames_per_id),
            }
        )
        print(rows[-1], flush=True)
    return rows


def jitter_and_lag() -> list[dict]:
    from posekit.smooth import jitter, lag
    from posekit.video.tracking import VideoPoseTracker

    rows = []
    clip = VIDEO / "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi"
    for model, follow_model in (("blazepose", None), ("default", None), ("default", "auto")):
        traj = {}
        for smooth in ("none", "one_euro"):
            kps, scores = [], []
            tracker = VideoPoseTracker(model, smooth=smooth, workers=1, follow_model=follow_model)
            for r in tracker.track(clip):
                p = r.poses.to_layout("coco17")
                best = int(np.argmax(p.person_scores)) if len(p) else None
                kps.append(p.keypoints[best] if best is not None else np.full((17, 2), np.nan))
                scores.append(p.scores[best] if best is not None else np.zeros(17))
            traj[smooth] = (np.array(kps), np.array(scores))
        raw, smoothed = traj["none"], traj["one_euro"]
        rows.append(
            {
                "model": model if follow_model is None else f"{model}, Lightning following",
                "jitter_raw": jitter(*raw),
                "jitter_one_euro": jitter(*smoothed),
                "lag_frames": lag(raw[0], smoothed[0]),
            }
        )
        print(rows[-1], flush=True)
    return rows


def yuv_vs_rgb(repeats: int, frames: int = 300) -> list[dict]:
    """`VideoPoseTracker("blazepose")` as `posekit track` runs it, frames cropped from YUV planes or
    converted whole to RGB by FFmpeg, alternated `repeats` times on each looped clip (medians)."""
    from posekit.io.video import open_source
    from posekit.video.tracking import VideoPoseTracker

    rows = []
    for name, times in (
        ("mmhuman3d_single_person_1080x1920.mp4", 10),
        ("ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi", 4),
    ):
        clip = looped(name, times)
        tracker = VideoPoseTracker("blazepose")
        runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        kps: dict[bool, np.ndarray] = {}
        for _ in range(max(1, repeats)):
            for yuv in (False, True):
                tracker.pipeline.accepts_yuv = yuv
                c0, t0 = time.process_time(), time.perf_counter()
                out = [r.poses for r in tracker.track(open_source(str(clip)), max_frames=frames)]
                runs[yuv].append(
                    ((time.process_time() - c0) * 1e3 / len(out), len(out) / (time.perf_counter() - t0))
                )
                kps[yuv] = np.stack([p.keypoints[0] if len(p) else np.full((33, 2), np.nan) for p in out])
        moved = np.linalg.norm(kps[True] - kps[False], axis=-1)
        row = {"clip": f"{name} ×{times}", "frames": len(out)}
        for yuv, label in ((False, "rgb"), (True, "yuv")):
            row[f"{label}_cpu_ms"] = float(np.median([r[0] for r in runs[yuv]]))
            row[f"{label}_fps"] = float(np.median([r[1] for r in runs[yuv]]))
        row["keypoints_moved_mean_px"] = float(np.nanmean(moved))
        row["keypoints_moved_p95_px"] = float(np.nanpercentile(moved, 95))
        rows.append(row)
        print(row, flush=True)
    return rows


def chains(repeats: int, frames: int = 200) -> list[dict]:
    """BlazePose with two frames in flight (frame t cropped from t - 2: two chains) against frame by
    frame (the default since issue 11), alternated in one process: CPU, frames/s, raw jitter of the
    best person (no smoothing), detector runs."""
    from posekit.io.video import open_source
    from posekit.smooth import jitter
    from posekit.video.tracking import VideoPoseTracker

    rows = []
    for name, times in (
        ("mmhuman3d_single_person_1080x1920.mp4", 10),
        ("ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi", 4),
    ):
        clip = looped(name, times)
        trackers = {w: VideoPoseTracker("blazepose", smooth="none", workers=w) for w in (2, 1)}
        runs: dict[int, list[tuple[float, float]]] = {2: [], 1: []}
        row: dict = {"clip": f"{name} ×{times}"}
        for _ in range(max(1, repeats)):
            for w, tracker in trackers.items():
                kps, scores = [], []
                c0, t0 = time.process_time(), time.perf_counter()
                for r in tracker.track(open_source(str(clip)), max_frames=frames):
                    p = r.poses.to_layout("coco17")
                    best = int(np.argmax(p.person_scores)) if len(p) else None
                    kps.append(p.keypoints[best] if best is not None else np.full((17, 2), np.nan))
                    scores.append(p.scores[best] if best is not None else np.zeros(17))
                n = len(kps)
                runs[w].append(((time.process_time() - c0) * 1e3 / n, n / (time.perf_counter() - t0)))
                row[f"w{w}_jitter_raw"] = jitter(np.array(kps), np.array(scores))
                row[f"w{w}_detections"] = tracker.follower.detections if tracker.follower else n
        for w in (2, 1):
            row[f"w{w}_cpu_ms"] = float(np.median([r[0] for r in runs[w]]))
            row[f"w{w}_fps"] = float(np.median([r[1] for r in runs[w]]))
        rows.append(row)
        print(row, flush=True)
    return rows


def decode_share(repeats: int, frames: int = 300) -> list[dict]:
    """`VideoPoseTracker("blazepose")` on frames decoded as it goes (as `posekit track` runs) against the
    same frames decoded beforehand and held in memory, alternated: what decoding beside the network
    costs on 2 cores (frames/s, and the landmark network's wall ms per call in the loop)."""
    from posekit.io.video import open_source
    from posekit.io.video.base import FrameSource
    from posekit.runtime.session import OnnxModel
    from posekit.video.tracking import VideoPoseTracker

    class Held(FrameSource):
        def __init__(self, held: list, fps: float, size: tuple[int, int]) -> None:
            super().__init__()
            self.held, self.fps, self.size, self.name, self.frame_count = held, fps, size, "memory", len(held)

        def _frames(self):  # type: ignore[override]
            yield from self.held

    spent = {"s": 0.0, "n": 0}
    call = OnnxModel.__call__

    def timed_call(self: OnnxModel, x):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = call(self, x)
        spent["s"] += time.perf_counter() - t
        spent["n"] += 1
        return out

    OnnxModel.__call__ = timed_call  # type: ignore[method-assign]
    rows = []
    try:
        for name, times in (
            ("mmhuman3d_single_person_1080x1920.mp4", 10),
            ("ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi", 4),
        ):
            clip = looped(name, times)
            src = open_source(str(clip))
            src.yuv = True  # as the tracker asks for BlazePose: crops from the YUV planes
            held = [f for _, f in zip(range(frames), src)]
            fps, size = src.fps, src.size
            src.close()
            tracker = VideoPoseTracker("blazepose")
            runs: dict[str, list[tuple[float, float]]] = {"decoding": [], "held": []}
            for _ in range(max(1, repeats)):
                for kind in runs:
                    spent.update(s=0.0, n=0)
                    source = open_source(str(clip)) if kind == "decoding" else Held(held, fps, size)
                    t0 = time.perf_counter()
                    n = sum(1 for _ in tracker.track(source, max_frames=frames))
                    runs[kind].append((n / (time.perf_counter() - t0), spent["s"] * 1e3 / max(1, spent["n"])))
            row: dict = {"clip": f"{name} ×{times}", "frames": frames}
            for kind, v in runs.items():
                row[f"{kind}_fps"] = float(np.median([r[0] for r in v]))
                row[f"{kind}_onnx_ms"] = float(np.median([r[1] for r in v]))
            rows.append(row)
            print(row, flush=True)
    finally:
        OnnxModel.__call__ = call  # type: ignore[method-assign]
    return rows


def startup(repeats: int) -> dict:
    """Seconds (wall and CPU of the child) of `posekit track CLIP --model blazepose --max-frames 1`."""
    import resource

    clip = VIDEO / "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi"
    walls, cpus = [], []
    for _ in range(max(3, repeats)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, _, _ = timed(
            [PY, "-m", "posekit", "track", str(clip), "--model", "blazepose", "--max-frames", "1"]
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        walls.append(wall)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    row = {"wall_s": float(np.median(walls)), "cpu_s": float(np.median(cpus))}
    print(row, flush=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-mediapipe", action="store_true")
    ap.add_argument(
        "--parts",
        default="speed,multi,street,memory,ids,jitter,yuv,chains,decode,startup",
        help="comma-separated subset to run",
    )
    ap.add_argument("--repeats", type=int, default=3, help="whole-process runs per side (speed, street)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))  # this checkout's posekit, not another one the environment installed
    parts = set(args.parts.split(","))
    if not VIDEO.exists():
        print(f"no videos at {VIDEO}", file=sys.stderr)
        return 1
    results = {
        "speed": speed_vs_mediapipe(args.skip_mediapipe, args.repeats) if "speed" in parts else [],
        "multi_person": multi_person() if "multi" in parts else [],
        "street": street_pair(args.repeats) if "street" in parts else {},
        "memory": memory() if "memory" in parts else [],
        "ids": id_counts() if "ids" in parts else [],
        "jitter": jitter_and_lag() if "jitter" in parts else [],
        "yuv": yuv_vs_rgb(args.repeats) if "yuv" in parts else [],
        "chains": chains(args.repeats) if "chains" in parts else [],
        "decode": decode_share(args.repeats) if "decode" in parts else [],
        "startup": startup(args.repeats) if "startup" in parts else {},
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT.parent / f"video_bench_{args.parts.replace(',', '_')}.json").write_text(
        json.dumps(results, indent=2)
    )
    print(
        "\n| clip | frames | posekit fps (process) | MediaPipe fps (process) | ratio |\n|---|---|---|---|---|"
    )
    for r in results["speed"]:
        print(
            f"| {r['clip']} | {r['frames']} | {r['posekit_fps']:.1f} | {r.get('mediapipe_fps', float('nan')):.1f} | "
            f"{r.get('ratio', float('nan')):.2f} |"
        )
    print("\n| clip | frames | fps | people/frame |\n|---|---|---|---|")
    for r in results["multi_person"]:
        print(f"| {r['clip']} | {r['frames']} | {r['fps']:.1f} | {r['people_per_frame']:.1f} |")
    if results["street"]:
        st = results["street"]
        print(
            "\n| street clip, `posekit track`, whole processes (median) | frames/s | ratio |\n|---|---|---|"
        )
        print(f"| default | {st['default']:.1f} | {st['ratio']:.2f} |")
        lightning = st["default, Lightning following"]
        print(f"| default --follow-model auto | {lightning:.1f} | {st['ratio_lightning']:.2f} |")
        print(f"| movenet-multipose | {st['movenet-multipose']:.1f} | 1.00 |")
    print("\n| clip | frames | peak RSS MB |\n|---|---|---|")
    for r in results["memory"]:
        print(f"| {r['clip']} | {r['frames']} | {r['peak_rss_mb']:.0f} |")
    print("\n| clip | frames | ids lasting > 1 s | all ids |\n|---|---|---|---|")
    for r in results["ids"]:
        print(f"| {r['clip']} | {r['frames']} | {r['ids_over_1s']} | {r['ids']} |")
    print("\n| model | jitter raw | jitter One Euro | lag (frames) |\n|---|---|---|---|")
    for r in results["jitter"]:
        print(
            f"| {r['model']} | {r['jitter_raw']:.2f} | {r['jitter_one_euro']:.2f} | {r['lag_frames']:.2f} |"
        )
    if results["yuv"]:
        print(
            "\n| clip (BlazePose, in one process) | CPU ms/frame RGB | YUV | frames/s RGB | YUV "
            "| keypoints moved, mean / p95 px |\n|---|---|---|---|---|---|"
        )
        for r in results["yuv"]:
            print(
                f"| {r['clip']} | {r['rgb_cpu_ms']:.1f} | {r['yuv_cpu_ms']:.1f} | {r['rgb_fps']:.1f} | "
                f"{r['yuv_fps']:.1f} | {r['keypoints_moved_mean_px']:.2f} / {r['keypoints_moved_p95_px']:.2f} |"
            )
    if results["chains"]:
        print(
            "\n| clip (BlazePose, 200 frames, in one process) | frames in flight | CPU ms/frame | frames/s "
            "| jitter raw | detector runs |\n|---|---|---|---|---|---|"
        )
        for r in results["chains"]:
            for w in (2, 1):
                print(
                    f"| {r['clip']} | {w} | {r[f'w{w}_cpu_ms']:.1f} | {r[f'w{w}_fps']:.1f} | "
                    f"{r[f'w{w}_jitter_raw']:.1f} | {r[f'w{w}_detections']} |"
                )
    if results["decode"]:
        print(
            "\n| clip (BlazePose, in one process) | frames | decoded as it goes: frames/s | landmark ms/call "
            "| decoded beforehand: frames/s | landmark ms/call |\n|---|---|---|---|---|---|"
        )
        for r in results["decode"]:
            print(
                f"| {r['clip']} | {r['frames']} | {r['decoding_fps']:.1f} | {r['decoding_onnx_ms']:.2f} | "
                f"{r['held_fps']:.1f} | {r['held_onnx_ms']:.2f} |"
            )
    if results["startup"]:
        st = results["startup"]
        print(
            f"\n`posekit track --max-frames 1`: {st['wall_s']:.2f} s wall, {st['cpu_s']:.2f} s CPU (median)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
