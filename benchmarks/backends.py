"""ONNX Runtime against OpenVINO on every model posekit ships, interleaved in one process, 2 threads each.

    .venv/bin/python benchmarks/backends.py [--runs 30] [--threads 2] [--crops 4] [LABELS...]
    .venv/bin/python benchmarks/backends.py --pipelines [default fast movenet-multipose] [--repeat 2]

Needs the `openvino` wheel (`pip install openvino`; not onnxruntime-openvino, which replaces onnxruntime)
and ../shared/data/posebench-dev (real images, so that the outputs compared are those a pipeline sees).

For each model (the zoo's ONNX file, as posekit loads it: BlazePose's landmark graph pruned to the outputs
the pipeline reads; MultiPose and the any-size CenterNet at the sizes the presets feed them), every run
calls each backend once on the same input, in turn, cycling over a few letterboxed dev images. It prints
the median wall time and process CPU time (all threads) per inference, OpenVINO's ratio to ONNX Runtime
(< 1: OpenVINO faster), the time to load/compile, and how far the outputs are apart (largest absolute
difference over all outputs and inputs, and that over the largest |value| of the ONNX Runtime output).

OpenVINO variants: `LATENCY` (PERFORMANCE_HINT=LATENCY, INFERENCE_NUM_THREADS=T), and for models with a
dynamic input also the model reshaped to the static input shape first (`static`). A last table runs the
crops of one image through Thunder: one after another (posekit today), OpenVINO `THROUGHPUT` with 2
streams (AsyncInferQueue), and the fair ONNX Runtime counterpart (two 1-thread sessions in two threads).
`--pipelines` also runs whole presets over the 125 dev images on either backend, image by image in turn
(OpenVINO standing in for every ONNX Runtime session of the pipeline): dev AP, images/s, CPU time,
how far the predictions are apart, and `default`'s speed against `movenet-multipose` on each backend.
Figures and the decision drawn from them: docs/performance.md, "Backends".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from interleave import interleaved_ms

from posekit.pipeline.models import to_input
from posekit.pipeline.transforms import letterbox
from posekit.runtime import OnnxModel
from posekit.runtime.pruned import prune
from posekit.zoo import get_record, model_path

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "data" / "posebench-dev"
Run = Callable[[np.ndarray], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Case:
    label: str
    zoo: str  # the zoo record (normalisation, output names)
    size: tuple[int, int] | None = None  # (width, height) fed; None: the record's
    prune: tuple[str, ...] = ()  # keep only these roles' outputs, as the pipeline does
    derived: str | None = None  # a model from posekit.pipeline.derived instead of the zoo file
    topk: str | None = None  # an output of top-k rows (x1, y1, x2, y2, score, class): compared by matching


CASES = [
    Case("centernet 512x512", "centernet", topk="tower_0_detections"),
    Case(
        "centernet-any-size 512x384",
        "centernet",
        (512, 384),
        derived="centernet-any-size",
        topk="tower_0_detections",
    ),
    Case("movenet-thunder 256", "movenet-thunder"),
    Case("movenet-lightning 192", "movenet-lightning"),
    Case("movenet-multipose 512x384", "movenet-multipose", (512, 384)),
    Case("movenet-multipose 384x288", "movenet-multipose", (384, 288)),
    Case("blazepose-detector 224", "blazepose-detector"),
    Case("blazepose-full 256 (pruned)", "blazepose-full", prune=("landmarks", "world", "presence")),
    Case("nanodet 416", "nanodet"),
]


def dev_images(n: int) -> list[np.ndarray]:
    """The first `n` dev images that have labelled people, RGB."""
    data = json.loads((DEV / "annotations" / "person_keypoints.json").read_text())
    with_people = {a["image_id"] for a in data["annotations"] if a.get("num_keypoints", 0) > 0}
    files = [im["file_name"] for im in data["images"] if im["id"] in with_people][:n]
    return [cv2.cvtColor(cv2.imread(str(DEV / "images" / f)), cv2.COLOR_BGR2RGB) for f in files]


def _source(case: Case, tmp: Path) -> tuple[Path, list[str] | None]:
    """The ONNX file both backends load, and the outputs ORT keeps."""
    if case.derived:
        from posekit.pipeline.derived import derived_path

        path = derived_path(case.derived)
    else:
        path = model_path(case.zoo)
    if not case.prune:
        return path, None
    rec = get_record(case.zoo)
    outputs = [rec.output(r) for r in case.prune]
    pruned = tmp / f"{case.zoo}.pruned.onnx"  # OpenVINO reads a file; ORT prunes the same way itself
    pruned.write_bytes(prune(path, outputs))
    return path, outputs


def _openvino(path: Path, threads: int, hint: str, shape: list[int] | None = None, streams: int = 0):  # type: ignore[no-untyped-def]
    import openvino as ov

    core = ov.Core()
    model = core.read_model(str(path))
    if shape is not None:
        model.reshape({model.inputs[0].get_any_name(): shape})
    config: dict[str, object] = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": hint}
    if streams:
        config["NUM_STREAMS"] = streams
    return core.compile_model(model, "CPU", config)


def _ov_runner(compiled) -> Run:  # type: ignore[no-untyped-def]
    request = compiled.create_infer_request()
    names = [(i, o.get_names()) for i, o in enumerate(compiled.outputs)]

    def run(x: np.ndarray) -> dict[str, np.ndarray]:
        request.infer({0: x})
        return {n: request.get_output_tensor(i).data.copy() for i, ns in names for n in ns}

    return run


def _difference(
    ref: dict[str, np.ndarray], got: dict[str, np.ndarray], topk: str | None
) -> tuple[float, float]:
    """Largest absolute difference over the outputs, and that relative to the largest |reference|."""
    worst, rel = 0.0, 0.0
    for name, a in ref.items():
        b = got[name]
        if name == topk:  # row order of near-equal scores may differ: match each kept row to its nearest
            a = a[0][a[0][:, 4] >= 0.1]
            b = b[0]
            d = np.abs(a[:, None, :] - b[None, :, :]).sum(-1).argmin(1) if len(a) else np.zeros(0, int)
            diff = float(np.abs(a - b[d]).max()) if len(a) else 0.0
        else:
            diff = float(np.abs(a.astype(np.float64) - b).max())
        worst = max(worst, diff)
        rel = max(rel, diff / max(float(np.abs(a).max()), 1e-9))
    return worst, rel


def _time(runners: dict[str, Callable[[int], object]], runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall ms, CPU ms) per runner, the runners called in turn, `runs` rounds."""
    for run in runners.values():
        for i in range(3):
            run(i)
    wall: dict[str, list[float]] = {k: [] for k in runners}
    cpu: dict[str, list[float]] = {k: [] for k in runners}
    for i in range(runs):
        for label, run in runners.items():
            w0, c0 = time.perf_counter(), time.process_time()
            run(i)
            wall[label].append((time.perf_counter() - w0) * 1e3)
            cpu[label].append((time.process_time() - c0) * 1e3)
    return {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in runners}


def per_model(cases: list[Case], images: list[np.ndarray], runs: int, threads: int) -> list[dict]:
    rows = []
    print(
        "\n| model | backend | load s | wall ms | × ORT | CPU ms | × ORT | max abs diff | relative |\n"
        "|---|---|---|---|---|---|---|---|---|",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            rec = get_record(case.zoo)
            path, outputs = _source(case, Path(tmp))
            size = case.size or rec.input_size
            assert size is not None
            xs = [to_input(letterbox(im, size)[0], rec.normalisation) for im in images]
            t0 = time.perf_counter()
            ort_model = OnnxModel(path, threads=threads, outputs=outputs)
            loads = {"ORT": time.perf_counter() - t0}
            ov_path = Path(tmp) / f"{case.zoo}.pruned.onnx" if case.prune else path
            variants: dict[str, Run] = {"ORT": ort_model}
            t0 = time.perf_counter()
            variants["OpenVINO LATENCY"] = _ov_runner(_openvino(ov_path, threads, "LATENCY"))
            loads["OpenVINO LATENCY"] = time.perf_counter() - t0
            dynamic = any(not isinstance(d, int) for d in ort_model.inputs[ort_model.input_name].shape)
            if dynamic:
                t0 = time.perf_counter()
                variants["OpenVINO LATENCY static"] = _ov_runner(
                    _openvino(ov_path, threads, "LATENCY", shape=list(xs[0].shape))
                )
                loads["OpenVINO LATENCY static"] = time.perf_counter() - t0
            diffs = {}
            for label, run in variants.items():
                pairs = [_difference(ort_model(x), run(x), case.topk) for x in xs]
                diffs[label] = (max(p[0] for p in pairs), max(p[1] for p in pairs))
            times = _time({k: (lambda i, r=r, xs=xs: r(xs[i % len(xs)])) for k, r in variants.items()}, runs)
            w0, c0 = times["ORT"]
            for label, (w, c) in times.items():
                row = {
                    "model": case.label,
                    "backend": label,
                    "load_s": loads[label],
                    "wall_ms": w,
                    "cpu_ms": c,
                    "wall_ratio": w / w0,
                    "cpu_ratio": c / c0,
                    "max_abs_diff": diffs[label][0],
                    "relative_diff": diffs[label][1],
                }
                rows.append(row)
                print(
                    f"| {case.label} | {label} | {loads[label]:.2f} | {w:.1f} | {w / w0:.2f} | {c:.1f} | "
                    f"{c / c0:.2f} | {diffs[label][0]:.2g} | {diffs[label][1]:.1g} |",
                    flush=True,
                )
    return rows


def crops(images: list[np.ndarray], n: int, runs: int, threads: int) -> list[dict]:
    """`n` Thunder crops of one image: one call after another vs two in flight at a time."""
    import openvino as ov

    rec = get_record("movenet-thunder")
    path = model_path("movenet-thunder")
    xs = [
        to_input(letterbox(images[i % len(images)], rec.input_size)[0], rec.normalisation) for i in range(n)
    ]
    seq = OnnxModel(path, threads=threads)
    latency = _ov_runner(_openvino(path, threads, "LATENCY"))
    queue = ov.AsyncInferQueue(_openvino(path, threads, "THROUGHPUT", streams=2), 2)
    ones = [OnnxModel(path, threads=1), OnnxModel(path, threads=1)]
    pool = ThreadPoolExecutor(2)

    def ort_two(_: int) -> None:  # ORT releases the GIL while it runs: two sessions, one per thread
        halves = [xs[0::2], xs[1::2]]
        list(pool.map(lambda k: [ones[k](x) for x in halves[k]], (0, 1)))

    def ov_streams(_: int) -> None:
        for x in xs:
            queue.start_async({0: x})
        queue.wait_all()

    runners: dict[str, Callable[[int], object]] = {
        f"ORT, {n} calls in turn, {threads} threads": lambda _: [seq(x) for x in xs],
        f"OpenVINO LATENCY, {n} calls in turn": lambda _: [latency(x) for x in xs],
        "ORT, 2 sessions × 1 thread, 2 calls in flight": ort_two,
        "OpenVINO THROUGHPUT, 2 streams, 2 in flight": ov_streams,
    }
    times = _time(runners, runs)
    w0, c0 = next(iter(times.values()))
    print(
        f"\n| Thunder, {n} crops of one image | wall ms | × first | CPU ms | × first |\n|---|---|---|---|---|",
        flush=True,
    )
    rows = []
    for label, (w, c) in times.items():
        rows.append({"variant": label, "crops": n, "wall_ms": w, "cpu_ms": c})
        print(f"| {label} | {w:.1f} | {w / w0:.2f} | {c:.1f} | {c / c0:.2f} |", flush=True)
    pool.shutdown()
    return rows


class _OvSession:
    """Stands in for an ONNX Runtime session inside a pipeline's OnnxModel: `run(names, feeds)`.

    A dynamic input is compiled once per input shape it is fed, as a static model (measured faster than
    OpenVINO's dynamic-shape kernels: the per-model table's `static` rows); `compiles` counts them.
    """

    def __init__(self, model: OnnxModel, threads: int) -> None:
        self.path, self.threads = model.path, threads
        self.pruned = model.output_names if len(model.output_names) < len(_all_outputs(model.path)) else None
        self.compiled: dict[tuple[int, ...], Run] = {}

    def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        x = next(iter(feeds.values()))
        run = self.compiled.get(x.shape)
        if run is None:
            source = self.path
            if self.pruned:
                source = Path(tempfile.mkdtemp()) / "pruned.onnx"
                source.write_bytes(prune(self.path, self.pruned))
            run = self.compiled[x.shape] = _ov_runner(
                _openvino(source, self.threads, "LATENCY", list(x.shape))
            )
        outs = run(x)
        return [outs[n] for n in names]


def _all_outputs(path: Path) -> list[str]:
    import onnx

    return [o.name for o in onnx.load(str(path), load_external_data=False).graph.output]


def _onnx_models(obj: object, seen: set[int] | None = None) -> list[OnnxModel]:
    """Every OnnxModel reachable from a pipeline's attributes."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, (np.ndarray, str, bytes, int, float, type(None))):
        return []
    seen.add(id(obj))
    if isinstance(obj, OnnxModel):
        return [obj]
    found: list[OnnxModel] = []
    children = list(obj) if isinstance(obj, (list, tuple)) else list(getattr(obj, "__dict__", {}).values())
    for child in children:
        found += _onnx_models(child, seen)
    return found


def _matched_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Largest keypoint distance (px) with each person of `a` matched to the nearest of `b`: people of
    near-equal scores may come in another order."""
    d = np.linalg.norm(a[:, None] - b[None], axis=-1)  # (Na, Nb, K)
    nearest = d.mean(-1).argmin(1)
    return float(d[np.arange(len(a)), nearest].max())


def pipelines(names: list[str], threads: int, repeat: int) -> list[dict]:
    """Each pipeline on ONNX Runtime and on OpenVINO, image by image in turn over the dev set; how far
    their predictions are apart; `default`'s speed against `movenet-multipose` on either backend."""
    from posekit.eval.coco import evaluate_keypoints
    from posekit.io.images import load_image
    from posekit.pipeline.presets import build_pipeline

    gt = json.loads((DEV / "annotations" / "person_keypoints.json").read_text())
    images = [load_image(DEV / "images" / info["file_name"]) for info in gt["images"]]
    runs: dict[str, Callable[[np.ndarray], object]] = {}
    ov_sessions: dict[str, list[_OvSession]] = {}
    for name in names:
        runs[f"{name} ORT"] = build_pipeline(name, threads=threads)
        ov_pipe = build_pipeline(name, threads=threads)
        ov_sessions[name] = []
        for m in _onnx_models(ov_pipe):
            stand_in = _OvSession(m, threads)
            m.session = stand_in  # type: ignore[assignment]
            ov_sessions[name].append(stand_in)
        runs[f"{name} OpenVINO"] = ov_pipe
    # One untimed pass: compiles OpenVINO's per-shape models, compares the predictions, and scores them.
    worst: dict[str, float] = dict.fromkeys(names, 0.0)
    differ: dict[str, int] = dict.fromkeys(names, 0)
    dets: dict[str, list[dict]] = {k: [] for k in runs}
    for info, image in zip(gt["images"], images):
        for name in names:
            a, b = runs[f"{name} ORT"](image), runs[f"{name} OpenVINO"](image)
            dets[f"{name} ORT"] += a.to_coco(info["id"])  # type: ignore[attr-defined]
            dets[f"{name} OpenVINO"] += b.to_coco(info["id"])  # type: ignore[attr-defined]
            if len(a) != len(b):  # type: ignore[arg-type]
                differ[name] += 1
            elif len(a):  # type: ignore[arg-type]
                worst[name] = max(worst[name], _matched_difference(a.keypoints, b.keypoints))  # type: ignore[attr-defined]
    ap = {k: evaluate_keypoints(gt, d)["AP"] for k, d in dets.items()}
    wall, cpu = interleaved_ms(runs, images, repeat)
    print(
        f"\n{len(images)} dev images, {threads} threads, best of {repeat} interleaved passes\n"
        "| pipeline | backend | dev AP | wall ms/image | images/s | × ORT (wall) | CPU ms/image | × ORT (CPU) | "
        "images with another person count | largest keypoint difference px | OpenVINO compiles |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = []
    for name in names:
        w0, c0 = min(wall[f"{name} ORT"]), min(cpu[f"{name} ORT"])
        for backend in ("ORT", "OpenVINO"):
            k = f"{name} {backend}"
            w, c = min(wall[k]), min(cpu[k])
            compiles = sum(len(s.compiled) for s in ov_sessions[name]) if backend == "OpenVINO" else 0
            rows.append(
                {
                    "pipeline": name,
                    "backend": backend,
                    "AP": ap[k],
                    "wall_ms": w,
                    "cpu_ms": c,
                    "compiles": compiles,
                }
            )
            extra = f"{differ[name]} | {worst[name]:.3g} | {compiles}" if backend == "OpenVINO" else "| |"
            print(
                f"| {name} | {backend} | {ap[k]:.3f} | {w:.1f} | {1e3 / w:.1f} | {w / w0:.2f} | {c:.1f} | {c / c0:.2f} | {extra} |",
                flush=True,
            )
    if "default" in names and "movenet-multipose" in names:
        ref = min(wall["movenet-multipose ORT"])
        for backend in ("ORT", "OpenVINO"):
            d = min(wall[f"default {backend}"])
            new = min(wall[f"movenet-multipose {backend}"])
            print(
                f"default on {backend}: {ref / d:.2f}× movenet-multipose's images/s on ORT (old), "
                f"{new / d:.2f}× on {backend} (new)"
            )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="*", help="model labels (a prefix is enough); default: all")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--crops", type=int, default=4, help="Thunder crops per image in the last table")
    ap.add_argument("--images", type=int, default=4)
    ap.add_argument(
        "--pipelines",
        nargs="*",
        default=None,
        help="also whole pipelines on the dev set (default, fast, multipose)",
    )
    ap.add_argument("--repeat", type=int, default=2, help="passes over the dev set for --pipelines")
    args = ap.parse_args()
    try:
        import openvino
    except ImportError:
        print("this benchmark needs OpenVINO: pip install openvino", file=sys.stderr)
        return 1
    if not DEV.exists():
        print(f"no dev set at {DEV}", file=sys.stderr)
        return 1
    cases = [c for c in CASES if not args.labels or any(c.label.startswith(p) for p in args.labels)]
    images = dev_images(args.images)
    print(f"OpenVINO {openvino.__version__}, {args.threads} threads, {args.runs} interleaved runs")
    rows = per_model(cases, images, args.runs, args.threads)
    crop_rows = crops(images, args.crops, args.runs, args.threads) if args.crops else []
    pipe_rows = []
    if args.pipelines is not None:
        names = args.pipelines or ["default", "fast", "movenet-multipose"]
        pipe_rows = pipelines(names, args.threads, args.repeat)
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    (out / "backends.json").write_text(
        json.dumps({"models": rows, "crops": crop_rows, "pipelines": pipe_rows}, indent=1)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
