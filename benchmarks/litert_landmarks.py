"""BlazePose's landmark network: ONNX Runtime as posekit runs it against LiteRT (TFLite with XNNPACK, the
runtime inside MediaPipe) on the same weights, on real person crops, alternated, 1 and 2 threads.

    .venv/bin/python benchmarks/litert_landmarks.py [--runs 5] [--calls 50]

The weights: MediaPipe 0.10.21's `pose_landmark_full.tflite` (zoo record `mediapipe-pose-landmark-full`):
LiteRT runs the .tflite file itself, every head included (MediaPipe cannot drop the segmentation head);
ONNX Runtime runs posekit's conversion, pruned to the outputs the pipeline reads, as `posekit track` loads
it. LiteRT runs in its own virtual environment, .venv-litert (`ai-edge-litert`), made here on first use;
posekit never imports it. Inputs: 256×256 crops around the person of the NTU clip in ../shared/data/video.
Each run times `--calls` calls per runtime and thread count, in turn (LiteRT in a child process started
before the timing); medians of the runs. Prints wall and CPU ms per call, and how far the landmarks of
the two runtimes are apart on the same crops (a check that they run the same network).
Figures: docs/performance.md, "BlazePose in video".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-litert"
CLIP = ROOT.parent / "shared" / "data" / "video" / "ntu_rgbd_S001C001P001R001A001_rgb_1920x1080.avi"
MODEL = "mediapipe-pose-landmark-full"

CHILD = r"""
import json, sys, time
import numpy as np
from ai_edge_litert.interpreter import Interpreter
model, inputs, calls, runs = sys.argv[1], np.load(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
its = {}
for t in (1, 2):
    it = Interpreter(model_path=model, num_threads=t)
    it.allocate_tensors()
    its[t] = (it, it.get_input_details()[0]["index"], it.get_output_details())
def run(t, x):
    it, i, outs = its[t]
    it.set_tensor(i, x[None])
    it.invoke()
    return it
for t in its:
    for x in inputs[:10]:
        run(t, x)
first = {}
for t, (it, i, outs) in its.items():
    run(t, inputs[0])
    first[t] = {o["name"]: it.get_tensor(o["index"]).tolist() for o in outs}
print(json.dumps({"outputs": first[1]}), flush=True)
for _ in range(runs):
    sys.stdin.readline()  # the parent says when: runs alternate with ONNX Runtime's
    res = {}
    for t in its:
        w, c = time.perf_counter(), time.process_time()
        for k in range(calls):
            run(t, inputs[k % len(inputs)])
        res[t] = ((time.perf_counter() - w) / calls * 1e3, (time.process_time() - c) / calls * 1e3)
    print(json.dumps(res), flush=True)
"""


def ensure_venv() -> Path:
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "ai-edge-litert", "numpy"], check=True)
    return py


def person_crops(n: int = 40) -> np.ndarray:
    """(n, 256, 256, 3) float32 in [0, 1]: BlazePose's own crops of the NTU person, as its pipeline makes them."""
    import cv2

    from posekit.io.video import open_source
    from posekit.pipeline.presets import build_pipeline

    pipe = build_pipeline("blazepose")
    crops = []
    with open_source(CLIP) as src:
        for fr in src:
            if len(crops) >= n:
                break
            poses = pipe(fr.image)
            if not len(poses):
                continue
            x1, y1, x2, y2 = poses.boxes[0]
            cx, cy, s = (x1 + x2) / 2, (y1 + y2) / 2, 1.25 * max(x2 - x1, y2 - y1)
            m = np.array([[256 / s, 0, 128 - cx * 256 / s], [0, 256 / s, 128 - cy * 256 / s]])
            crops.append(cv2.warpAffine(fr.image, m, (256, 256)).astype(np.float32) / 255.0)
    return np.stack(crops)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--calls", type=int, default=50)
    args = ap.parse_args()
    if not CLIP.exists():
        print(f"needs {CLIP} (../shared/data)", file=sys.stderr)
        return 2
    import onnxruntime as ort

    from posekit.pipeline.models import ZooModel
    from posekit.zoo.store import source_path

    roles = ("landmarks", "world", "presence")
    sessions = {t: ZooModel(MODEL, threads=t, roles=roles, prune=True) for t in (1, 2)}
    name = sessions[1].onnx.input_name
    print(f"ONNX Runtime {ort.__version__}, pruned graph: {sessions[1].onnx.output_names}")
    inputs = person_crops()
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "crops.npy", inputs)
        child = subprocess.Popen(
            [
                str(ensure_venv()),
                "-c",
                CHILD,
                str(source_path(MODEL)),
                str(Path(tmp) / "crops.npy"),
                str(args.calls),
                str(args.runs),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdin is not None and child.stdout is not None
        lite_out = json.loads(child.stdout.readline())["outputs"]
        ours = sessions[1].onnx({name: inputs[:1]})
        lm_ort = np.asarray(ours[sessions[1].record.output("landmarks")]).ravel()
        lm_lite = np.asarray(lite_out[sessions[1].record.output("landmarks")]).ravel()
        diff = float(np.abs(lm_ort - lm_lite).max())
        for s in sessions.values():
            for x in inputs[:10]:
                s.onnx({name: x[None]})
        ort_runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        lite_runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for _ in range(args.runs):
            for t, s in sessions.items():
                w, c = time.perf_counter(), time.process_time()
                for k in range(args.calls):
                    s.onnx({name: inputs[k % len(inputs)][None]})
                ort_runs[t].append(
                    (
                        (time.perf_counter() - w) / args.calls * 1e3,
                        (time.process_time() - c) / args.calls * 1e3,
                    )
                )
            child.stdin.write("go\n")
            child.stdin.flush()
            for t, v in json.loads(child.stdout.readline()).items():
                lite_runs[int(t)].append(tuple(v))
        child.wait(timeout=60)
    print(
        f"\n{len(inputs)} crops, {args.runs} runs × {args.calls} calls; largest landmark difference between the runtimes: {diff:.2g} px (256-px crop)\n"
    )
    print(
        "| runtime | threads | wall ms / call | CPU ms / call | × ONNX Runtime (wall) |\n|---|---|---|---|---|"
    )
    for t in (1, 2):
        ow = statistics.median(r[0] for r in ort_runs[t])
        oc = statistics.median(r[1] for r in ort_runs[t])
        lw = statistics.median(r[0] for r in lite_runs[t])
        lc = statistics.median(r[1] for r in lite_runs[t])
        print(f"| ONNX Runtime, pruned graph (posekit) | {t} | {ow:.2f} | {oc:.2f} | 1.00 |")
        print(
            f"| LiteRT + XNNPACK, whole .tflite (MediaPipe's runtime) | {t} | {lw:.2f} | {lc:.2f} | {lw / ow:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
