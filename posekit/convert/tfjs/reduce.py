"""TF.js reductions, arg max/min and matrix products.

A reduction of an NCHW tensor stays in NCHW with ``keep_dims``; without it, it stays in place when
the remaining axes keep TF's order (e.g. a global average pool), else it reads the TF layout.
"""

from __future__ import annotations

import numpy as np

from posekit.convert.core.layout import NCHW, after_reduce, identity, stored_axis
from posekit.convert.ops.reduce import reduce as emit_reduce
from posekit.convert.tfjs.converter import Converter, Handler, T, handlers_of
from posekit.convert.tfjs.reader import attr, np_dtype
from posekit.convert.tfjs.spatial import activations


def axes_of(c: Converter, t: T, rank: int) -> list[int]:
    a = np.asarray(c.cval(t, "axis")).reshape(-1)
    return sorted({int(v) % rank for v in a}) if rank else []


def reduce(c: Converter, onnx_op: str, node: dict, ins: list[T]) -> T:
    x = ins[0]
    r = c.need_rank(x)
    axes = axes_of(c, ins[1], r)
    keep = bool(attr(node, "keep_dims", False))
    if not axes:
        return x
    out_perm = None
    if x.perm == NCHW and after_reduce(NCHW, axes, keep) in (NCHW, identity(r - (0 if keep else len(axes)))):
        xin, axes = x.name, sorted(stored_axis(NCHW, a) for a in axes)
        out_perm = NCHW if keep else None
    else:
        xin = c.tf(x)
    is_bool = c.dtypes[xin] == np.bool_
    if is_bool:
        xin = c.cast(xin, np.int32)
    y = emit_reduce(c.emit, c.const, onnx_op, xin, axes, keep)
    if is_bool:
        y = c.cast(y, np.bool_)
    return T(y, out_perm)


def _reducer(onnx_op: str) -> Handler:
    def handler(c: Converter, node: dict, ins: list[T]) -> T:
        return reduce(c, onnx_op, node, ins)

    return handler


op_Mean = _reducer("ReduceMean")
op_Sum = _reducer("ReduceSum")
op_Max = _reducer("ReduceMax")
op_Min = _reducer("ReduceMin")
op_Prod = _reducer("ReduceProd")
op_All = _reducer("ReduceMin")
op_Any = _reducer("ReduceMax")


def op_ArgMax(c: Converter, node: dict, ins: list[T], op: str = "ArgMax") -> T:
    x = ins[0]
    r = c.need_rank(x)
    axis = axes_of(c, ins[1], r)[0]
    y = c.emit(op, [c.tf(x)], axis=axis, keepdims=0)
    return T(c.cast(y, np_dtype(attr(node, "output_type", "DT_INT64"))))


def op_ArgMin(c: Converter, node: dict, ins: list[T]) -> T:
    return op_ArgMax(c, node, ins, "ArgMin")


def op_MatMul(c: Converter, node: dict, ins: list[T]) -> T:
    a, b = (c.tf(t) for t in ins[:2])
    ta = attr(node, "transpose_a", False) or attr(node, "adj_x", False)
    tb = attr(node, "transpose_b", False) or attr(node, "adj_y", False)
    for flag, idx in ((ta, 0), (tb, 1)):
        if flag:
            name = (a, b)[idx]
            r = len(c.shapes[name] or [])
            perm = list(range(r - 2)) + [r - 1, r - 2]
            t_name = c.emit("Transpose", [name], perm=perm)
            a, b = (t_name, b) if idx == 0 else (a, t_name)
    return T(c.emit("MatMul", [a, b]))


op_BatchMatMul = op_MatMul
op_BatchMatMulV2 = op_MatMul


def op_FusedMatMul(c: Converter, node: dict, ins: list[T]) -> T:
    y = op_MatMul(c, node, ins[:2])
    fops = attr(node, "fused_ops", [])
    args = ins[2:]
    if fops and fops[0] == "BiasAdd":
        y = c.eltwise("Add", [y, args[0]])
        fops, args = fops[1:], args[1:]
    return activations(c, node, y, [(a, args) for a in fops])


HANDLERS = handlers_of(globals())
