"""`posekit predict` and `posekit eval`: the CLI side of `PoseEstimator` and `posekit.eval`."""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posekit.errors import InputError, PosekitError
from posekit.io import atomic_write, write_image_atomic, write_json_atomic

if TYPE_CHECKING:
    from posekit.estimator import Skipped
    from posekit.results import Poses

# Overlays leave out the low-confidence people that results keep (they cost nothing in AP).
RENDER_MIN_SCORE = 0.1


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model", default=None, help="preset or model name (see `posekit models list`); default: default"
    )
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

    e = sub.add_parser(
        "eval", help="COCO OKS AP (and PCK, bootstrap interval, speed) on a keypoint ground truth"
    )
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
    from posekit.estimator import PoseEstimator, collect_inputs

    if not args.inputs and not args.samples:
        raise InputError("no input: give image files, folders or globs, or --samples")
    items: list[Any] = list(sample_images()) if args.samples else []
    items += collect_inputs(args.inputs) if args.inputs else []  # checks the paths before models load
    estimator = PoseEstimator(args.model, layout=args.layout, device=args.device, threads=args.threads)

    coco, rows, n_ok, people = [], [], 0, 0
    t0 = time.perf_counter()
    run = estimator.predict(items, on_error="skip", keep_images=bool(args.render))
    for r in run:
        image_id = r.index + 1  # the input's position: ids stay the same when some inputs are skipped
        n_ok += 1
        people += len(r.poses)
        stem = Path(r.name).stem
        coco += [{**d, "file_name": r.name} for d in _coco_entries(r.poses, image_id)]
        rows += csv_rows(r.name, r.poses)
        if args.per_image_json:  # image_size is [height, width], as in Poses.image_size and Poses.to_json
            write_json_atomic(
                Path(args.per_image_json) / f"{stem}.json",
                {
                    "file_name": r.name,
                    "image_size": list(r.poses.image_size),
                    "layout": r.poses.layout.name,
                    "people": r.poses.to_dicts(),
                },
            )
        if args.render and r.image is not None:
            overlay = draw_poses(r.image, r.poses, min_score=RENDER_MIN_SCORE)
            write_image_atomic(Path(args.render) / f"{stem}.png", overlay)
    elapsed = time.perf_counter() - t0
    if not n_ok:  # nothing to report: say why, and leave no empty results file behind
        raise InputError(f"no image could be read: {_reasons(run.skipped)}")
    for s in run.skipped:
        print(f"posekit: skipped: {s}", file=sys.stderr)
    if args.out:
        write_json_atomic(args.out, coco)
    if args.csv:
        _write_csv(args.csv, rows)
    n_skipped = len(run.skipped)
    read = f"{n_ok} of {run.total} image(s) ({n_skipped} skipped)" if n_skipped else f"{n_ok} image(s)"
    print(
        f"{read}, {people} people, {elapsed:.1f} s ({n_ok / max(elapsed, 1e-9):.1f} images/s)"
        + (f"; results: {args.out}" if args.out else "")
        + (f"; overlays: {args.render}" if args.render else "")
    )
    return 1 if run.skipped else 0


def _reasons(skipped: list[Skipped], shown: int = 5) -> str:
    """The skipped inputs and why, on one line (the first few; the messages name the inputs)."""
    text = "; ".join(str(s) for s in skipped[:shown])
    return text + (f"; and {len(skipped) - shown} more" if len(skipped) > shown else "")


def _coco_entries(poses: Poses, image_id: int) -> list[dict[str, Any]]:
    try:
        return poses.to_coco(image_id)
    except PosekitError:  # a layout without a COCO-17 mapping
        return []


def csv_rows(name: str, poses: Poses) -> list[dict[str, Any]]:
    """One row per person: file, person, then the shared table columns (`Poses.to_columns`, no world)."""
    cols = poses.to_columns(world=False)
    return [
        {"file": name, "person": i, **{c: float(v[i]) for c, v in cols.items()}} for i in range(len(poses))
    ]


def _write_csv(path: str, rows: list[dict[str, Any]]) -> None:
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

    figures = run_eval(
        args.gt,
        args.images,
        model=args.model,
        device=args.device,
        threads=args.threads,
        n_bootstrap=args.bootstrap,
        detections_out=args.detections,
    )
    width = max(map(len, figures))
    for k, v in figures.items():
        print(f"{k.ljust(width)}  {v:.4f}" if isinstance(v, float) else f"{k.ljust(width)}  {v}")
    if args.json:
        write_json_atomic(args.json, figures)
    return 0
