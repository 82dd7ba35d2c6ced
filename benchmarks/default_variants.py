"""Dev AP of the cheaper variants of `default` measured for issue 11, and INT8 static quantisation.

    .venv/bin/python benchmarks/default_variants.py [VARIANTS...]        # AP and crops per image
    .venv/bin/python benchmarks/default_variants.py --int8 [--threads 2]  # quantise, then CPU time and AP

Variants: `before` (square 512×512 CenterNet), `fit512` (today's default), `fit448`, `fit384`, `fit320`,
`fit512-box0.15`, `fit512-box0.3`, `fit512-lightning`. `--int8` quantises Thunder and CenterNet with ONNX
Runtime's static QDQ quantiser (per-channel int8 weights, uint8 activations, MinMax), every op and
convolutions only, calibrated on frames of the `../shared/data/video` clips (never the dev images), into a
temporary folder; it prints each model's CPU time per run against float32 (interleaved) and the dev AP of
`before` with that model swapped in. About 10 minutes on 2 loaded cores. Needs ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from posekit.eval.coco import evaluate_keypoints
from posekit.io.images import load_image
from posekit.pipeline.registry import build
from posekit.pipeline.settings import DetectorSettings, Runtime, TopDownSettings
from posekit.pipeline.transforms import crop_transform, letterbox, warp
from posekit.runtime import OnnxModel
from posekit.zoo import model_path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DEV = DATA / "posebench-dev"
BEFORE = TopDownSettings(detectors=(DetectorSettings("centernet", min_score=0.2),), min_box_score=0.2)


def _fit(long_side: int, score: float = 0.2, pose: str = "movenet-thunder") -> TopDownSettings:
    det = DetectorSettings("centernet", min_score=score, long_side=long_side)
    return replace(BEFORE, detectors=(det,), min_box_score=score, pose=pose)


VARIANTS = {
    "before": BEFORE,
    "fit512": _fit(512),
    "fit448": _fit(448),
    "fit384": _fit(384),
    "fit320": _fit(320),
    "fit512-box0.15": _fit(512, 0.15),
    "fit512-box0.3": _fit(512, 0.3),
    "fit512-lightning": _fit(512, pose="movenet-lightning"),
}


def dev_set() -> tuple[dict[str, Any], list[tuple[int, np.ndarray]]]:
    gt = json.loads((DEV / "annotations" / "person_keypoints.json").read_text())
    return gt, [(i["id"], load_image(DEV / "images" / i["file_name"])) for i in gt["images"]]


def ap_of(pipeline: Any, gt: dict[str, Any], images: list[tuple[int, np.ndarray]]) -> tuple[float, float]:
    """Dev AP and the mean number of person boxes (= Thunder crops) per image."""
    found: list[dict[str, Any]] = []
    boxes = 0
    for image_id, image in images:
        found += pipeline(image).to_coco(image_id)
        boxes += len(pipeline.boxes(image).boxes)
    return float(evaluate_keypoints(gt, found)["AP"]), boxes / len(images)


def calibration_frames(per_clip: int = 6) -> list[np.ndarray]:
    """Evenly spaced RGB frames of every clip in ../shared/data/video: not the evaluation images."""
    frames = []
    for clip in sorted((DATA / "video").glob("*.*")):
        cap = cv2.VideoCapture(str(clip))
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        for i in range(0, n, max(1, n // per_clip)):
            cap.set(cv2.CAP_PROP_POS_FRAMES, i)
            ok, frame = cap.read()
            if ok:
                frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        cap.release()
    return frames


def quantise(folder: Path, threads: int) -> dict[tuple[str, str], Path]:
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    frames = calibration_frames()
    finder = build(BEFORE, Runtime("cpu", threads))
    crops, boxed = [], []
    for frame in frames:
        boxed.append(letterbox(frame, (512, 512))[0][None].astype(np.float32))
        for roi in finder.detect_rois(frame)[:4]:
            m = crop_transform(roi.center, roi.side * 1.25, 0.0, (256, 256))
            crops.append(warp(frame, m, (256, 256))[None].astype(np.int32))
    print(
        f"calibration: {len(crops)} person crops, {len(boxed)} letterboxed frames from {len(frames)} video frames"
    )

    class Reader(CalibrationDataReader):
        def __init__(self, name: str, xs: list[np.ndarray]):
            self.it = iter([{name: x} for x in xs])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.it, None)

    out = {}
    for name, inp, xs in (
        ("movenet-thunder", "input", crops[:80]),
        ("centernet", "tower_0_images", boxed[:40]),
    ):
        pre = folder / f"{name}.pre.onnx"
        quant_pre_process(str(model_path(name)), str(pre), skip_symbolic_shape=True)
        for kind, ops in (("every op", None), ("convolutions", ["Conv"])):
            target = folder / f"{name}.{len(out)}.onnx"
            quantize_static(
                str(pre),
                str(target),
                Reader(inp, xs),
                quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                per_channel=True,
                calibrate_method=CalibrationMethod.MinMax,
                op_types_to_quantize=ops,
            )
            out[(name, kind)] = target
    return out


def int8(threads: int) -> None:
    gt, images = dev_set()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        quantised = quantise(Path(tmp), threads)
        print("| model | quantised | CPU ms float32 | CPU ms int8 | × | dev AP (before: 0.453) |")
        print("|---|---|---|---|---|---|")
        for (name, kind), path in quantised.items():
            fp, q = OnnxModel(model_path(name), threads=threads), OnnxModel(path, threads=threads)
            shape = [1, 256, 256, 3] if name == "movenet-thunder" else [1, 512, 512, 3]
            x = (rng.random(shape) * 255).astype(np.int32 if name == "movenet-thunder" else np.float32)
            cpu: dict[int, list[float]] = {0: [], 1: []}
            for _ in range(12):
                for i, model in enumerate((fp, q)):
                    t0 = time.process_time()
                    model(x)
                    cpu[i].append(time.process_time() - t0)
            a, b = (float(np.median(cpu[i])) * 1e3 for i in (0, 1))
            pipeline = build(BEFORE, Runtime("cpu", threads))
            if name == "movenet-thunder":
                pipeline.pose.model.onnx = q
            else:
                pipeline.detectors[0].model.onnx = q
            ap, _ = ap_of(pipeline, gt, images)
            print(f"| {name} | {kind} | {a:.1f} | {b:.1f} | {b / a:.2f} | {ap:.3f} |", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("variants", nargs="*", help=", ".join(VARIANTS))
    ap.add_argument("--int8", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    if not DEV.exists():
        print(f"no dev set at {DEV}", file=sys.stderr)
        return 1
    if args.int8:
        int8(args.threads)
        return 0
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        print(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}", file=sys.stderr)
        return 2
    gt, images = dev_set()
    print("| variant | dev AP | crops / image |\n|---|---|---|")
    for name in args.variants or VARIANTS:
        ap_, crops = ap_of(build(VARIANTS[name], Runtime("cpu", args.threads)), gt, images)
        print(f"| {name} | {ap_:.3f} | {crops:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
