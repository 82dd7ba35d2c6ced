"""`posekit predict` and `posekit eval`: the CLI side of `PoseEstimator` and `posekit.eval`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from posekit.errors import InputError, PosekitError
from posekit.io import atomic_write, iter_image_paths, load_image, write_image_atomic, write_json_atomic


# Overlays leave out the low-confidence people that results keep (they cost nothing in AP).
RENDER_MIN_SCORE = 0.1


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None, help="preset or model name (see `posekit models list`); default: default")
    p.add_argument("--device", default="cpu", help="cpu, cuda, tensorrt, openvino or coreml")
    p.add_argument("--threads", type=int, default=None, help="ONNX Runtime threads per model")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="estimate poses in images, folders and globs")
    p.add_argument("inputs", nargs="*", metavar="INPUT")
    p.add_argument("--samples", action="store_true", help="use scikit-image's sample photos of people")
    _common(p)
    p.add_argument("--layout", default=None, help="coco17 or blazepose33 (default: the model's own)")
    p.add_argument("--out", default=None, help="write COCO-results JSON here")
    p.add_argument("--render", default=None, metavar="DIR", help="write skeleton overlays (PNG) here")
    p.add_argument("--per-image-json", default=None, metavar="DIR", help="write one JSON per image here")
    p.add_argument("--csv", default=None, help="write one CSV row per person here")
    p.set_defaults(func=cmd_predict)

    e = sub.add_parser("eval", help="COCO OKS AP (and PCK, bootstrap interval, speed) on a keypoint ground truth")
    e.add_argument("--gt", required=True, help="COCO person_keypoints JSON")
    e.add_argument("--images", required=True, help="folder the file_name fields are relative to")
    _common(e)
    e.add_argument("--json", default=None, help="write the figures as a flat JSON object")
    e.add_argument("--detections", default=None, help="also write the COCO-results detections here")
    e.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for the AP interval")
    e.set_defaults(func=cmd_eval)


def sample_images() -> list[tuple[str, np.ndarray]]:
    """Photographs of people shipped by scikit-image (the README's default input)."""
    from skimage import data

    return [("astronaut", data.astronaut()), ("camera", data.camera())]


def cmd_predict(args: argparse.Namespace) -> int:
    from posekit.draw import draw_poses
    from posekit.estimator import PoseEstimator

    if not args.inputs and not args.samples:
        raise InputError("no input: give image files, folders or globs, or --samples")
    items: list[tuple[str, object]] = sample_images() if args.samples else []
    items += [(str(p), p) for p in iter_image_paths(args.inputs)]  # validates paths before loading models
    estimator = PoseEstimator(args.model, layout=args.layout, device=args.device, threads=args.threads)

    coco, rows, failures, people = [], [], 0, 0
    t0 = time.perf_counter()
    for image_id, (name, src) in enumerate(tqdm(items, desc="images", unit="img", dynamic_ncols=True), 1):
        try:
            image = load_image(src)
        except InputError as exc:
            tqdm.write(f"posekit: skipped: {exc}", file=sys.stderr)
            failures += 1
            continue
        poses = estimator(image)
        people += len(poses)
        stem = Path(name).stem
        for d in _coco_entries(poses, image_id):
            coco.append({**d, "file_name": name})
        rows += _csv_rows(name, poses)
        if args.per_image_json:
            write_json_atomic(Path(args.per_image_json) / f"{stem}.json",
                              {"file_name": name, "image_size": list(poses.image_size), "layout": poses.layout.name,
                               "people": poses.to_dicts()})
        if args.render:
            write_image_atomic(Path(args.render) / f"{stem}.png",
                               draw_poses(image, poses.filter(min_score=RENDER_MIN_SCORE)))
    elapsed = time.perf_counter() - t0
    if args.out:
        write_json_atomic(args.out, coco)
    if args.csv:
        _write_csv(args.csv, rows)
    n_ok = len(items) - failures
    print(f"{n_ok} image(s), {people} people, "
          f"{elapsed:.1f} s ({n_ok / max(elapsed, 1e-9):.1f} images/s)"
          + (f"; results: {args.out}" if args.out else "") + (f"; overlays: {args.render}" if args.render else ""))
    return 1 if failures else 0


def _coco_entries(poses, image_id: int) -> list[dict]:
    try:
        return poses.to_coco(image_id)
    except PosekitError:  # a layout without a COCO-17 mapping
        return []


def _csv_rows(name: str, poses) -> list[dict]:
    """One row per person: file, person, score, box, then <keypoint>_x/_y/_score columns."""
    rows = []
    for i in range(len(poses)):
        row = {"file": name, "person": i, "score": float(poses.person_scores[i])}
        row.update(zip(("x1", "y1", "x2", "y2"), map(float, poses.boxes[i])))
        for j, kp_name in enumerate(poses.layout.keypoint_names):
            row[f"{kp_name}_x"], row[f"{kp_name}_y"] = map(float, poses.keypoints[i, j])
            row[f"{kp_name}_score"] = float(poses.scores[i, j])
        rows.append(row)
    return rows


def _write_csv(path: str, rows: list[dict]) -> None:
    fields: list[str] = []
    for r in rows:
        fields += [k for k in r if k not in fields]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields or ["file"])
    writer.writeheader()
    writer.writerows(rows)
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(buf.getvalue())


def cmd_eval(args: argparse.Namespace) -> int:
    from posekit.eval.run import run_eval

    figures = run_eval(args.gt, args.images, model=args.model, device=args.device, threads=args.threads,
                       n_bootstrap=args.bootstrap, detections_out=args.detections)
    width = max(map(len, figures))
    for k, v in figures.items():
        print(f"{k.ljust(width)}  {v:.4f}" if isinstance(v, float) else f"{k.ljust(width)}  {v}")
    if args.json:
        write_json_atomic(args.json, figures)
    return 0
