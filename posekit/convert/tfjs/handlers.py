"""Every TF.js op the converter maps beyond the plain unary/binary tables, by family."""

from __future__ import annotations

from posekit.convert.tfjs import elementwise, reduce, shape, slicing, spatial
from posekit.convert.tfjs.converter import BINARY, PASS, UNARY

HANDLERS = {
    **elementwise.HANDLERS,
    **spatial.HANDLERS,
    **reduce.HANDLERS,
    **shape.HANDLERS,
    **slicing.HANDLERS,
}
SUPPORTED_OPS = tuple(
    sorted(set(HANDLERS) | set(UNARY) | set(BINARY) | PASS | {"Placeholder", "Const", "NoOp"})
)
