"""Run a pipeline over every image of a COCO keypoint ground truth and measure it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from posekit.errors import InputError


def run_eval(
    gt: str | Path,
    images: str | Path,
    model: str | None = None,
    device: str = "cpu",
    threads: int | None = None,
    n_bootstrap: int = 200,
    detections_out: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run `model` over every image of a COCO keypoint ground truth `gt` (file names relative to
    `images`) and measure it. Figures: AP, AP50, AP75, APm, APl, AR (pycocotools), AP_ci_low/high
    (95% bootstrap over images), PCK@0.2 of the torso, images_per_s (pipeline time only, images
    decoded beforehand), images, model. `detections_out`: also write the COCO-results detections."""
    # Imported here: `posekit.eval` is imported by low-level code (OKS) and must stay light.
    from posekit.estimator import PoseEstimator
    from posekit.eval.coco import bootstrap_ap, evaluate_keypoints, pck
    from posekit.io import load_image, write_json_atomic

    gt_path, root = Path(gt), Path(images)
    try:
        gt_data = json.loads(gt_path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{gt}: cannot read COCO keypoint ground truth ({exc})") from None
    if not root.is_dir():
        raise InputError(f"{images}: no such folder")
    estimator = PoseEstimator(model, layout="coco17", device=device, threads=threads)

    detections: list[dict[str, Any]] = []
    busy = 0.0
    for info in tqdm(
        gt_data.get("images", []), desc="eval", unit="img", disable=not progress, dynamic_ncols=True
    ):
        image = load_image(root / info["file_name"])
        t0 = time.perf_counter()
        poses = estimator(image)
        busy += time.perf_counter() - t0
        detections += poses.to_coco(info["id"])
    n = len(gt_data.get("images", []))
    figures: dict[str, Any] = dict(evaluate_keypoints(gt_data, detections))
    low, high = bootstrap_ap(gt_data, detections, n=n_bootstrap, seed=0)
    figures.update(
        {
            "AP_ci_low": low,
            "AP_ci_high": high,
            "PCK@0.2": pck(gt_data, detections, alpha=0.2),
            "images_per_s": n / busy if busy else 0.0,
            "images": n,
            "model": model or "default",
        }
    )
    if detections_out:
        write_json_atomic(detections_out, detections)
    return figures
