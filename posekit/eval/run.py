"""Run a pipeline over every image of a COCO keypoint ground truth and measure it."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm import tqdm

from posekit.errors import InputError
from posekit.io import load_image, write_json_atomic


def run_eval(gt: str | Path, images: str | Path, model: str | None = None, device: str = "cpu",
             threads: int | None = None, n_bootstrap: int = 200, detections_out: str | None = None,
             progress: bool = True) -> dict:
    """Figures: AP, AP50, AP75, APm, APl, AR (pycocotools), AP_ci_low/high (95% bootstrap over
    images), PCK@0.2 of the torso, images_per_s (pipeline time only, images decoded beforehand)."""
    from posekit.estimator import PoseEstimator
    from posekit.eval.coco import bootstrap_ap, evaluate_keypoints, pck

    gt_path, root = Path(gt), Path(images)
    try:
        gt_data = json.loads(gt_path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{gt}: cannot read COCO keypoint ground truth ({exc})") from None
    if not root.is_dir():
        raise InputError(f"{images}: no such folder")
    estimator = PoseEstimator(model, layout="coco17", device=device, threads=threads)

    detections, busy = [], 0.0
    for info in tqdm(gt_data.get("images", []), desc="eval", unit="img", disable=not progress, dynamic_ncols=True):
        image = load_image(root / info["file_name"])
        t0 = time.perf_counter()
        poses = estimator(image)
        busy += time.perf_counter() - t0
        detections += poses.to_coco(info["id"])
    n = len(gt_data.get("images", []))
    figures = dict(evaluate_keypoints(gt_data, detections))
    low, high = bootstrap_ap(gt_data, detections, n=n_bootstrap, seed=0)
    figures.update({"AP_ci_low": low, "AP_ci_high": high, "PCK@0.2": pck(gt_data, detections, alpha=0.2),
                    "images_per_s": n / busy if busy else 0.0, "images": n, "model": model or "default"})
    if detections_out:
        write_json_atomic(detections_out, detections)
    return figures
