"""TFLite shape-level ops: concatenation, reshapes, transposes, reductions and fully connected.

A TRANSPOSE only relabels its input's layout (no node); reshapes and FULLY_CONNECTED ask for TFLite's
own layout. With a symbolic batch, an op that would mix samples raises `StaticBatch` and the model is
converted again with the static batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from posekit.convert.core.layout import after_reduce, after_transpose, stored_axis
from posekit.convert.core.naming import short
from posekit.convert.ops.reduce import reduce as emit_reduce
from posekit.convert.tflite.reader import StaticBatch

if TYPE_CHECKING:
    from posekit.convert.tflite.converter import Converter, Handler


def concat(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "ConcatenationOptions")
    rank = c.rank(outs[0])
    axis = int(o.Axis()) if o is not None else 0
    axis = axis + rank if axis < 0 else axis
    if c.dynamic and axis == 0:
        raise StaticBatch()
    perm = c.pick_layout(ins, rank)
    y = c.g.node(
        "Concat", [c.get(i, perm) for i in ins], name=short(c.tname(outs[0])), axis=stored_axis(perm, axis)
    )
    c.put(outs[0], c.activation(y, o.FusedActivationFunction() if o is not None else 0, outs[0]), perm)


def _target_shape(c: Converter, ins: list[int], outs: list[int]) -> list[int]:
    shape = list(c.shape(outs[0]))
    if not shape and c.rank(outs[0]) == 0:
        return []
    if any(s < 0 for s in shape) or (not shape and len(ins) > 1):
        shape = [int(v) for v in c.need_const(ins[1], "the new shape").reshape(-1)]
    return shape


def reshape(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    shape = _target_shape(c, ins, outs)
    x = ins[0]
    if c.dynamic:
        in_shape = c.shape(x)
        if not (shape and in_shape and shape[0] == 1 and in_shape[0] == 1):
            raise StaticBatch()
        shape = [0] + shape[1:]  # ONNX: copy the (symbolic) batch dimension
    y = c.g.node("Reshape", [c.get(x), c.i64(shape, "shape")], name=short(c.tname(outs[0])))
    c.put(outs[0], y)


def transpose(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    t = [int(v) for v in c.need_const(ins[1], "the permutation").reshape(-1)]
    if c.dynamic and t[0] != 0:
        raise StaticBatch()
    if c.const_value(ins[0]) is not None:
        c.put(outs[0], c.g.node("Transpose", [c.get(ins[0])], perm=t))
        return
    p_in = c.layout(ins[0])
    c.put(outs[0], c.get(ins[0], p_in), after_transpose(p_in, t))


def reduce(onnx_op: str) -> Handler:
    def handler(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
        o = c.options(op, "ReducerOptions")
        keep = bool(o.KeepDims()) if o is not None else False
        rank = c.rank(ins[0])
        axes = sorted({int(a) % rank for a in c.need_const(ins[1], "the reduction axes").reshape(-1)})
        if c.dynamic and 0 in axes:
            raise StaticBatch()
        perm = c.layout(ins[0])
        stored_axes = [stored_axis(perm, a) for a in axes]
        x = c.get(ins[0], perm)
        y = emit_reduce(c.emit, c.g.const, onnx_op, x, stored_axes, keep, name=short(c.tname(outs[0])))
        c.put(outs[0], y, after_reduce(perm, axes, keep))

    return handler


def fully_connected(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "FullyConnectedOptions")
    if o is not None and o.WeightsFormat() != 0:
        raise c.err("shuffled FULLY_CONNECTED weights are not supported", ins[1])
    keep = bool(o.KeepNumDims()) if o is not None else False
    x_idx, w_idx = ins[0], ins[1]
    b_idx = ins[2] if len(ins) > 2 else -1
    _, k = c.shape(w_idx)
    in_shape = c.shape(x_idx)
    x = c.get(x_idx)
    if c.dynamic and not (in_shape[-1] == k if keep else int(np.prod(in_shape[1:])) == k):
        raise StaticBatch()  # rows of the matrix product would not be samples
    if len(in_shape) != 2 or in_shape[1] != k:
        x = c.g.node("Reshape", [x, c.i64([-1, k], "shape")])
    w = c.g.node("Transpose", [c.get(w_idx)], perm=[1, 0])
    inputs = [x, w] + ([c.get(b_idx)] if b_idx >= 0 else [])
    y = c.g.node("Gemm", inputs, name=short(c.tname(outs[0])))
    y = c.activation(y, o.FusedActivationFunction() if o is not None else 0, outs[0])
    out_shape = list(c.shape(outs[0]))
    if len(out_shape) != 2:
        if c.dynamic:
            out_shape[0] = -1
        y = c.g.node("Reshape", [y, c.i64(out_shape, "shape")])
    c.put(outs[0], y)


HANDLERS = {
    "CONCATENATION": concat,
    "RESHAPE": reshape,
    "SQUEEZE": reshape,
    "EXPAND_DIMS": reshape,
    "TRANSPOSE": transpose,
    "MEAN": reduce("ReduceMean"),
    "SUM": reduce("ReduceSum"),
    "REDUCE_MAX": reduce("ReduceMax"),
    "REDUCE_MIN": reduce("ReduceMin"),
    "FULLY_CONNECTED": fully_connected,
}
