"""Evaluation: COCO keypoint AP (+ bootstrap interval), PCK, OKS and OKS-NMS, and `run_eval`, which
runs a model over a COCO keypoint ground truth (what `posekit eval` does)."""

from posekit.eval.coco import STAT_NAMES, bootstrap_ap, evaluate_keypoints, pck
from posekit.eval.oks import oks, oks_nms
from posekit.eval.run import run_eval

__all__ = ["STAT_NAMES", "bootstrap_ap", "evaluate_keypoints", "oks", "oks_nms", "pck", "run_eval"]
