"""Per-model ONNX forward latency on this machine: median of N runs (default 50) at T threads.

    .venv/bin/python benchmarks/model_latency.py [--runs 50] [--threads 2] [NAMES...]
    .venv/bin/python benchmarks/model_latency.py --options [--runs 20] [NAMES...]

Inputs are random data of each model's input shape and dtype (latency does not depend on values).
`--options` compares ONNX Runtime session settings against posekit's own (the first row), interleaved
run by run in one process so that load on a shared machine hits them alike; it prints the median wall
time and the median process CPU time (all threads) per run, and each one's ratio to posekit's settings.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort

from posekit.runtime import OnnxModel
from posekit.zoo import get_record, model_names, model_path

_TYPES = {"tensor(float)": np.float32, "tensor(int32)": np.int32}


def _input(model: OnnxModel, name: str, rng: np.random.Generator) -> np.ndarray:
    inp = model.inputs[model.input_name]
    shape = [1 if not isinstance(d, int) else d for d in inp.shape]
    if get_record(name).input_size is None:  # MultiPose: any size; measure at long side 512 (4:3)
        shape = [1, 384, 512, 3]
    return (rng.random(shape) * 255).astype(_TYPES[inp.type])


def latency(names: list[str], runs: int, threads: int) -> None:
    rng = np.random.default_rng(0)
    print(f"{'model':30s} {'input':>18s} {'median ms':>10s} {'p90 ms':>8s} {'MB':>6s}")
    for name in names:
        path = model_path(name)
        model = OnnxModel(path, threads=threads)
        x = _input(model, name, rng)
        for _ in range(5):
            model(x)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
        times.sort()
        print(
            f"{name:30s} {'x'.join(map(str, x.shape)):>18s} {statistics.median(times):10.2f} "
            f"{times[int(0.9 * len(times))]:8.2f} {path.stat().st_size / 1e6:6.1f}",
            flush=True,
        )


def _session(path: Path, threads: int, tweak: Callable[[ort.SessionOptions], None]) -> ort.InferenceSession:
    """A session with posekit's settings (runtime/session.py), then `tweak` applied."""
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    tweak(opts)
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _set(**attrs: object) -> Callable[[ort.SessionOptions], None]:
    def tweak(opts: ort.SessionOptions) -> None:
        for k, v in attrs.items():
            setattr(opts, k, v)

    return tweak


def _config(key: str, value: str) -> Callable[[ort.SessionOptions], None]:
    return lambda opts: opts.add_session_config_entry(key, value)


def _saved_optimised(path: Path, threads: int, folder: Path) -> ort.InferenceSession:
    """Optimise once into a file (`optimized_model_filepath`), then load that file with optimisation off."""
    target = folder / f"{path.stem}.opt.onnx"
    _session(path, threads, _set(optimized_model_filepath=str(target)))
    return _session(
        target, threads, _set(graph_optimization_level=ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    )


def options(names: list[str], runs: int, threads: int) -> None:
    rng = np.random.default_rng(0)
    level = ort.GraphOptimizationLevel
    variants: list[tuple[str, Callable[[Path, int], ort.InferenceSession]]] = [
        ("posekit (ALL, no spinning)", lambda p, t: _session(p, t, _set())),
        (
            "optimisation EXTENDED",
            lambda p, t: _session(p, t, _set(graph_optimization_level=level.ORT_ENABLE_EXTENDED)),
        ),
        (
            "optimisation BASIC",
            lambda p, t: _session(p, t, _set(graph_optimization_level=level.ORT_ENABLE_BASIC)),
        ),
        ("spinning on", lambda p, t: _session(p, t, _config("session.intra_op.allow_spinning", "1"))),
        ("memory pattern off", lambda p, t: _session(p, t, _set(enable_mem_pattern=False))),
        ("CPU arena off", lambda p, t: _session(p, t, _set(enable_cpu_mem_arena=False))),
        ("1 thread", lambda p, t: _session(p, 1, _set())),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        variants.append(("saved optimised model", lambda p, t: _saved_optimised(p, t, Path(tmp))))
        for name in names:
            path = model_path(name)
            x = _input(OnnxModel(path, threads=threads), name, rng)
            sessions = []
            for label, make in variants:
                t0 = time.perf_counter()
                s = make(path, threads)
                sessions.append((label, s, time.perf_counter() - t0))
            feeds = {sessions[0][1].get_inputs()[0].name: x}
            for _, s, _ in sessions:
                s.run(None, feeds)
            wall: dict[str, list[float]] = {label: [] for label, _, _ in sessions}
            cpu: dict[str, list[float]] = {label: [] for label, _, _ in sessions}
            for _ in range(runs):
                for label, s, _ in sessions:
                    w0, c0 = time.perf_counter(), time.process_time()
                    s.run(None, feeds)
                    wall[label].append((time.perf_counter() - w0) * 1e3)
                    cpu[label].append((time.process_time() - c0) * 1e3)
            ref_w, ref_c = statistics.median(wall[sessions[0][0]]), statistics.median(cpu[sessions[0][0]])
            print(f"\n{name} ({threads} threads, {runs} interleaved runs)")
            print(
                "| session setting | load s | wall ms | × posekit | CPU ms | × posekit |\n|---|---|---|---|---|---|"
            )
            for label, _, load in sessions:
                w, c = statistics.median(wall[label]), statistics.median(cpu[label])
                print(
                    f"| {label} | {load:.2f} | {w:.1f} | {w / ref_w:.2f} | {c:.1f} | {c / ref_c:.2f} |",
                    flush=True,
                )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--options", action="store_true", help="compare ONNX Runtime session settings")
    args = ap.parse_args()
    if args.options:
        options(
            args.names or ["centernet", "movenet-thunder", "movenet-multipose"], args.runs or 20, args.threads
        )
    else:
        latency(args.names or model_names(), args.runs or 50, args.threads)


if __name__ == "__main__":
    main()
