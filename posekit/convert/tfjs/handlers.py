"""Every TF.js op the converter maps, by family (Placeholder, Const and NoOp are the driver's)."""

from __future__ import annotations

from posekit.convert.tfjs import elementwise, reduce, shape, slicing, spatial

HANDLERS = {
    **elementwise.HANDLERS,
    **spatial.HANDLERS,
    **reduce.HANDLERS,
    **shape.HANDLERS,
    **slicing.HANDLERS,
}
SUPPORTED_OPS = tuple(sorted(set(HANDLERS) | {"Placeholder", "Const", "NoOp"}))
