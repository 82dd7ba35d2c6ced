"""Per-model ONNX forward latency on this machine: median of N runs (default 50) at T threads.

    .venv/bin/python benchmarks/model_latency.py [--runs 50] [--threads 2] [NAMES...]

Inputs are random data of each model's input shape and dtype (latency does not depend on values).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from posekit.runtime import OnnxModel
from posekit.zoo import get_record, model_names, model_path

_TYPES = {"tensor(float)": np.float32, "tensor(int32)": np.int32}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'model':30s} {'input':>18s} {'median ms':>10s} {'p90 ms':>8s} {'MB':>6s}")
    for name in args.names or model_names():
        path = model_path(name)
        model = OnnxModel(path, threads=args.threads)
        inp = model.inputs[model.input_name]
        rec = get_record(name)
        shape = [1 if not isinstance(d, int) else d for d in inp.shape]
        if rec.input_size is None:  # MultiPose: any size; measure at long side 512 (4:3)
            shape = [1, 384, 512, 3]
        x = (rng.random(shape) * 255).astype(_TYPES[inp.type])
        for _ in range(5):
            model(x)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
        times.sort()
        print(
            f"{name:30s} {'x'.join(map(str, shape)):>18s} {statistics.median(times):10.2f} "
            f"{times[int(0.9 * len(times))]:8.2f} {path.stat().st_size / 1e6:6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
