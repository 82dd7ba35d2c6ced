"""Low-level geometry shared by the pipelines, the tracker and the evaluation: boxes and OKS.

NumPy only. This package sits low in the import graph: it imports `posekit.layouts` and nothing
else of posekit, so pipelines, tracking and evaluation all import it downwards.
"""

from posekit.ops.boxes import (
    box_center_size,
    box_iou,
    box_to_square,
    box_to_z,
    expand_box,
    fix_aspect_ratio,
    nms_boxes,
    weighted_nms,
    z_to_box,
)
from posekit.ops.oks import oks, oks_nms

__all__ = [
    "box_center_size",
    "box_iou",
    "box_to_square",
    "box_to_z",
    "expand_box",
    "fix_aspect_ratio",
    "nms_boxes",
    "oks",
    "oks_nms",
    "weighted_nms",
    "z_to_box",
]
