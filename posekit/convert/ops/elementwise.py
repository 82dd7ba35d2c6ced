"""Element-wise ops that ONNX spells with more than one node."""

from __future__ import annotations

from posekit.convert.ops import Emit


def squared_difference(emit: Emit, a: str, b: str, name: str | None = None) -> str:
    d = emit("Sub", [a, b])
    return emit("Mul", [d, d], name=name)


def rsqrt(emit: Emit, x: str, name: str | None = None) -> str:
    return emit("Reciprocal", [emit("Sqrt", [x])], name=name)
