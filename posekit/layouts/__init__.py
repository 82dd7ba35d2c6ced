"""Keypoint layouts as plain data: names, skeletons, flip pairs, colors, OKS sigmas.

>>> from posekit.layouts import get_layout
>>> get_layout("coco17").index("left_wrist")
9
"""

from posekit.layouts.base import GROUP_COLORS, Layout, LayoutError
from posekit.layouts.blazepose33 import BLAZEPOSE33
from posekit.layouts.coco17 import COCO17
from posekit.layouts.registry import (
    BLAZEPOSE33_TO_COCO17,
    get_layout,
    get_mapping,
    list_layouts,
    register_layout,
    register_mapping,
)

__all__ = [
    "BLAZEPOSE33",
    "BLAZEPOSE33_TO_COCO17",
    "COCO17",
    "GROUP_COLORS",
    "Layout",
    "LayoutError",
    "get_layout",
    "get_mapping",
    "list_layouts",
    "register_layout",
    "register_mapping",
]
