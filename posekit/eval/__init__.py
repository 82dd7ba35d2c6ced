"""Evaluation: COCO keypoint AP (+ bootstrap interval), PCK, OKS and OKS-NMS."""

from posekit.eval.coco import STAT_NAMES, bootstrap_ap, evaluate_keypoints, pck
from posekit.eval.oks import oks, oks_nms

__all__ = ["STAT_NAMES", "bootstrap_ap", "evaluate_keypoints", "oks", "oks_nms", "pck"]
