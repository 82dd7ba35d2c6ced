"""TF.js element-wise ops (the plain unary/binary tables and the rest), activations, casts, softmax.

All keep their input's layout (`Converter.eltwise` lays constant operands out at conversion time).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from posekit.convert.core.layout import NCHW
from posekit.convert.ops import elementwise
from posekit.convert.tfjs.converter import Converter, Handler, T, handlers_of
from posekit.convert.tfjs.reader import attr, np_dtype

UNARY = {
    "Relu": "Relu",
    "Sigmoid": "Sigmoid",
    "Tanh": "Tanh",
    "Exp": "Exp",
    "Log": "Log",
    "Sqrt": "Sqrt",
    "Abs": "Abs",
    "Neg": "Neg",
    "Floor": "Floor",
    "Ceil": "Ceil",
    "Round": "Round",
    "Sign": "Sign",
    "Reciprocal": "Reciprocal",
    "Inv": "Reciprocal",
    "Elu": "Elu",
    "Selu": "Selu",
    "Softplus": "Softplus",
    "Softsign": "Softsign",
    "Erf": "Erf",
    "Sin": "Sin",
    "Cos": "Cos",
    "Tan": "Tan",
    "Asin": "Asin",
    "Acos": "Acos",
    "Atan": "Atan",
    "Sinh": "Sinh",
    "Cosh": "Cosh",
    "LogicalNot": "Not",
    "IsNan": "IsNaN",
}
BINARY = {
    "Add": "Add",
    "AddV2": "Add",
    "Sub": "Sub",
    "Mul": "Mul",
    "RealDiv": "Div",
    "Div": "Div",
    "Maximum": "Max",
    "Minimum": "Min",
    "Pow": "Pow",
    "Equal": "Equal",
    "Greater": "Greater",
    "GreaterEqual": "GreaterOrEqual",
    "Less": "Less",
    "LessEqual": "LessOrEqual",
    "LogicalAnd": "And",
    "LogicalOr": "Or",
    "BiasAdd": "Add",
}
PASS = {"Identity", "StopGradient", "Snapshot", "PreventGradient", "IdentityN", "EnsureShape"}


def _pass(c: Converter, node: dict, ins: list[T]) -> T | list[T]:
    return ins if node["op"] == "IdentityN" else ins[0]


def _unary(c: Converter, node: dict, ins: list[T]) -> T:
    attrs: dict[str, Any] = {"alpha": 1.0} if node["op"] == "Elu" else {}
    return T(c.emit(UNARY[node["op"]], [ins[0].name], **attrs), ins[0].perm)


def _binary(c: Converter, node: dict, ins: list[T]) -> T:
    if node["op"] == "BiasAdd" and attr(node, "data_format", "NHWC") == "NCHW":
        ins = [ins[0], T(c.const(c.cval(ins[1], "bias").reshape(-1, 1, 1), "bias"))]
    return c.eltwise(BINARY[node["op"]], ins)


def op_AddN(c: Converter, node: dict, ins: list[T]) -> T:
    y = ins[0]
    for t in ins[1:]:  # chained Add: ONNX Sum has no integer kernels in onnxruntime
        y = c.eltwise("Add", [y, t])
    return y


def op_SquaredDifference(c: Converter, node: dict, ins: list[T]) -> T:
    perm, (a, b) = c.operands(ins)
    return T(elementwise.squared_difference(c.emit, a, b), perm)


def op_Square(c: Converter, node: dict, ins: list[T]) -> T:
    return T(c.emit("Mul", [ins[0].name, ins[0].name]), ins[0].perm)


def op_Rsqrt(c: Converter, node: dict, ins: list[T]) -> T:
    return T(elementwise.rsqrt(c.emit, ins[0].name), ins[0].perm)


def op_NotEqual(c: Converter, node: dict, ins: list[T]) -> T:
    e = c.eltwise("Equal", ins)
    return T(c.emit("Not", [e.name]), e.perm)


def op_FloorDiv(c: Converter, node: dict, ins: list[T]) -> T:
    if np.issubdtype(c.dtype(ins[0]), np.floating):
        d = c.eltwise("Div", ins)
        return T(c.emit("Floor", [d.name]), d.perm)
    m = c.eltwise("Mod", ins, fmod=0)  # sign of the divisor, like Python / TF
    a = c.eltwise("Sub", [ins[0], m])
    return c.eltwise("Div", [a, ins[1]])


def op_FloorMod(c: Converter, node: dict, ins: list[T]) -> T:
    if np.issubdtype(c.dtype(ins[0]), np.floating):
        q = op_FloorDiv(c, node, ins)
        p = c.eltwise("Mul", [q, ins[1]])
        return c.eltwise("Sub", [ins[0], p])
    return c.eltwise("Mod", ins, fmod=0)


def op_Relu6(c: Converter, node: dict, ins: list[T]) -> T:
    x = ins[0]
    dt = c.dtype(x)
    return T(c.emit("Clip", [x.name, c.scalar(0, dt), c.scalar(6, dt)]), x.perm)


def op_LeakyRelu(c: Converter, node: dict, ins: list[T]) -> T:
    return T(c.emit("LeakyRelu", [ins[0].name], alpha=float(attr(node, "alpha", 0.2))), ins[0].perm)


def op_Prelu(c: Converter, node: dict, ins: list[T]) -> T:
    return c.eltwise("PRelu", ins)


def op_ClipByValue(c: Converter, node: dict, ins: list[T]) -> T:
    x, lo, hi = ins
    if c.is_const(lo) and c.is_const(hi) and c.val(lo).size == 1 and c.val(hi).size == 1:
        dt = c.dtype(x)
        return T(
            c.emit("Clip", [x.name, c.scalar(c.val(lo).item(), dt), c.scalar(c.val(hi).item(), dt)]), x.perm
        )
    return c.eltwise("Max", [c.eltwise("Min", [x, hi]), lo])


def op_Select(c: Converter, node: dict, ins: list[T]) -> T:
    cond, x, y = ins
    rc, rx = c.rank(cond), c.rank(x)
    if node["op"] == "Select" and rc == 1 and rx is not None and rx > 1:
        # TF1 Select with a vector condition picks whole rows: give the condition trailing axes.
        cond = T(c.emit("Unsqueeze", [c.tf(cond), c.const(np.arange(1, rx, dtype=np.int64), "axes")]))
    return c.eltwise("Where", [cond, x, y])


op_SelectV2 = op_Select
op_Where3 = op_Select


def op_Cast(c: Converter, node: dict, ins: list[T]) -> T:
    dt = np_dtype(attr(node, "DstT", "DT_FLOAT"), node["name"])
    return T(c.cast(ins[0].name, dt), ins[0].perm)


def op_Softmax(c: Converter, node: dict, ins: list[T], op: str = "Softmax") -> T:
    x = ins[0]
    axis = 1 if x.perm == NCHW else -1
    return T(c.emit(op, [x.name], axis=axis), x.perm)


def op_LogSoftmax(c: Converter, node: dict, ins: list[T]) -> T:
    return op_Softmax(c, node, ins, "LogSoftmax")


def op_FusedBatchNorm(c: Converter, node: dict, ins: list[T]) -> T:
    x, scale, offset, mean, var = ins[:5]
    eps = float(attr(node, "epsilon", 1e-3))
    s = c.cval(scale, "scale") / np.sqrt(c.cval(var, "variance") + eps)
    o = c.cval(offset, "offset") - c.cval(mean, "mean") * s
    if attr(node, "data_format", "NHWC") == "NCHW":
        s, o = s.reshape(-1, 1, 1), o.reshape(-1, 1, 1)
    y = c.eltwise("Mul", [x, T(c.const(s.astype(np.float32), "bn_scale"))])
    return c.eltwise("Add", [y, T(c.const(o.astype(np.float32), "bn_offset"))])


op_FusedBatchNormV2 = op_FusedBatchNorm
op_FusedBatchNormV3 = op_FusedBatchNorm

HANDLERS: dict[str, Handler] = {
    **{op: _pass for op in PASS},
    **{op: _unary for op in UNARY},
    **{op: _binary for op in BINARY},
    **handlers_of(globals()),
}
