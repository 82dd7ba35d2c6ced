"""Look up layouts by name, and index mappings between layouts."""

from __future__ import annotations

import numpy as np

from posekit.layouts.base import Layout, LayoutError
from posekit.layouts.blazepose33 import BLAZEPOSE33
from posekit.layouts.body25 import BODY25
from posekit.layouts.body25b import BODY25B
from posekit.layouts.coco17 import COCO17
from posekit.layouts.coco18 import COCO18

_LAYOUTS: dict[str, Layout] = {}
_MAPPINGS: dict[tuple[str, str], tuple[int, ...]] = {}

#: BlazePose-33 → COCO-17: COCO keypoint k is BlazePose landmark BLAZEPOSE33_TO_COCO17[k]
#: (nose 0, eyes 2/5, ears 7/8, shoulders 11/12, elbows 13/14, wrists 15/16, hips 23/24,
#: knees 25/26, ankles 27/28). The inner/outer eye, mouth, hand and foot landmarks are dropped.
BLAZEPOSE33_TO_COCO17 = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)


def register_layout(layout: Layout) -> Layout:
    """Add a layout to the registry (replacing one of the same name)."""
    _LAYOUTS[layout.name] = layout
    return layout


def register_mapping(src: str, dst: str, indices: tuple[int, ...] | list[int]) -> None:
    """Declare that keypoint k of layout `dst` is keypoint indices[k] of layout `src`."""
    s, d = get_layout(src), get_layout(dst)
    idx = tuple(int(i) for i in indices)
    if len(idx) != len(d) or not all(0 <= i < len(s) for i in idx):
        raise LayoutError(f"mapping {src}→{dst}: need {len(d)} indices in [0, {len(s)})")
    _MAPPINGS[(src, dst)] = idx


def get_layout(name: str | Layout) -> Layout:
    """The registered layout called `name` ("coco17", "blazepose33"); a Layout passes through."""
    if isinstance(name, Layout):
        return name
    try:
        return _LAYOUTS[name]
    except KeyError:
        known = ", ".join(sorted(_LAYOUTS))
        raise LayoutError(f"unknown keypoint layout {name!r}; known layouts: {known}") from None


def list_layouts() -> list[str]:
    return sorted(_LAYOUTS)


def get_mapping(src: str | Layout, dst: str | Layout) -> np.ndarray:
    """(K_dst,) indices into `src`'s keypoints giving `dst`'s keypoints; LayoutError if none exists."""
    s, d = get_layout(src).name, get_layout(dst).name
    if s == d:
        return np.arange(len(get_layout(s)), dtype=np.intp)
    try:
        return np.asarray(_MAPPINGS[(s, d)], dtype=np.intp)
    except KeyError:
        raise LayoutError(
            f"cannot convert keypoints from {s!r} to {d!r}: {d!r} has keypoints {s!r} lacks"
            if len(get_layout(d)) > len(get_layout(s))
            else f"no mapping from {s!r} to {d!r}"
        ) from None


register_layout(COCO17)
register_layout(BLAZEPOSE33)
register_mapping("blazepose33", "coco17", BLAZEPOSE33_TO_COCO17)

# OpenPose layouts (3D from several cameras reads OpenPose JSON); COCO-17 is a subset of each.
for _l in (BODY25, BODY25B, COCO18):
    register_layout(_l)
    register_mapping(_l.name, "coco17", tuple(_l.index(n) for n in COCO17.keypoint_names))
