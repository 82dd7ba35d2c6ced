"""TF.js shape ops: Shape/Size/Rank, reshapes, transposes, concatenation, stacking, splits, tiling
and fills. Concat, Split and Tile of NCHW tensors stay NCHW (axes and multiples remapped); a Transpose
folds its input's layout into the permutation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from posekit.convert.core.layout import (
    NCHW,
    NHWC,
    after_transpose,
    identity,
    relayout,
    stored_axis,
)
from posekit.convert.tfjs.converter import Converter, T, handlers_of
from posekit.convert.tfjs.reader import attr, np_dtype


def op_Shape(c: Converter, node: dict, ins: list[T]) -> T:
    x = ins[0]
    dt = np_dtype(attr(node, "out_type", "DT_INT32"))
    s = c.shape(x)
    if s is not None and all(isinstance(d, int) for d in s):
        return T(c.const(np.asarray(s, dt), "shape"))
    if s is None:
        c.fail("shape of a tensor of unknown rank")
    y = c.emit("Shape", [x.name])
    if x.perm == NCHW:
        y = c.emit("Gather", [y, c.const(np.asarray(NHWC, np.int64), "perm")], axis=0)
    return T(c.cast(y, dt))


def op_Size(c: Converter, node: dict, ins: list[T]) -> T:
    dt = np_dtype(attr(node, "out_type", "DT_INT32"))
    s = c.shape(ins[0])
    if s is not None and all(isinstance(d, int) for d in s):
        return T(c.const(np.asarray(int(np.prod(s)), dt), "size"))
    return T(c.cast(c.emit("Size", [ins[0].name]), dt))


def op_Rank(c: Converter, node: dict, ins: list[T]) -> T:
    return T(c.const(np.asarray(c.need_rank(ins[0]), np.int32), "rank"))


def op_Reshape(c: Converter, node: dict, ins: list[T]) -> T:
    x, s = ins
    allowzero: dict[str, Any] = {}
    if c.is_const(s) and 0 in c.val(s).reshape(-1).tolist():
        allowzero = {"allowzero": 1}
    return T(c.emit("Reshape", [c.tf(x), c.i64(s)], **allowzero))


def op_Squeeze(c: Converter, node: dict, ins: list[T]) -> T:
    x = ins[0]
    r = c.need_rank(x)
    dims = attr(node, "squeeze_dims", None) or attr(node, "axis", None) or []
    if dims:
        axes = sorted({d % r for d in dims})
    else:
        s = c.shape(x)
        if s is None or not all(isinstance(d, int) for d in s):
            return T(c.emit("Squeeze", [c.tf(x)]))
        axes = [i for i, d in enumerate(s) if d == 1]
    if not axes:
        return x
    return T(c.emit("Squeeze", [c.tf(x), c.const(np.asarray(axes, np.int64), "axes")]))


def op_ExpandDims(c: Converter, node: dict, ins: list[T]) -> T:
    x = ins[0]
    r = c.need_rank(x)
    a = int(np.asarray(c.cval(ins[1], "axis")).reshape(-1)[0])
    a = a + r + 1 if a < 0 else a
    return T(c.emit("Unsqueeze", [c.tf(x), c.const(np.asarray([a], np.int64), "axes")]))


def op_Transpose(c: Converter, node: dict, ins: list[T]) -> T:
    x = ins[0]
    p = [int(v) for v in c.cval(ins[1], "perm").reshape(-1)]
    r = len(p)
    perm = after_transpose(x.perm or identity(r), p)
    if perm == identity(r):
        return T(x.name)
    if perm == NCHW:  # e.g. NCHW -> NHWC of an NCHW-laid tensor: relabel, no node
        return T(x.name, NCHW)
    return T(c.emit("Transpose", [x.name], perm=relayout(perm, identity(r))))


def op_ConcatV2(c: Converter, node: dict, ins: list[T]) -> T:
    vals, axis_t = ins[:-1], ins[-1]
    r = c.need_rank(vals[0])
    axis = int(np.asarray(c.cval(axis_t, "axis")).reshape(-1)[0]) % r
    if len(vals) == 1:
        return vals[0]
    if r == 4 and any(v.perm == NCHW for v in vals):
        parts = [c.nchw(v) if not c.is_const(v) else c.nchw_operand(v) or c.nchw(v) for v in vals]
        return T(c.emit("Concat", parts, axis=stored_axis(NCHW, axis)), NCHW)
    return T(c.emit("Concat", [c.tf(v) for v in vals], axis=axis))


def op_Concat(c: Converter, node: dict, ins: list[T]) -> T:
    return op_ConcatV2(c, node, ins[1:] + ins[:1])


def op_Pack(c: Converter, node: dict, ins: list[T]) -> T:
    r = c.need_rank(ins[0])
    axis = int(attr(node, "axis", 0))
    axis = axis + r + 1 if axis < 0 else axis
    ax = c.const(np.asarray([axis], np.int64), "axes")
    parts = [c.emit("Unsqueeze", [c.tf(v), ax]) for v in ins]
    if len(parts) == 1:
        return T(parts[0])
    return T(c.emit("Concat", parts, axis=axis))


def op_Unpack(c: Converter, node: dict, ins: list[T]) -> list[T]:
    x = ins[0]
    r = c.need_rank(x)
    axis = int(attr(node, "axis", 0)) % r
    num = int(attr(node, "num", 0)) or (c.shape(x) or [None] * r)[axis]
    if not isinstance(num, int):
        c.fail("the number of outputs is unknown")
    ax = c.const(np.asarray([axis], np.int64), "axes")
    xin = c.tf(x)
    parts = (
        [xin]
        if num == 1
        else c.emit("Split", [xin, c.const(np.ones(num, np.int64), "split")], n_out=num, axis=axis)
    )
    return [T(c.emit("Squeeze", [p, ax])) for p in parts]


def _split(c: Converter, x: T, axis: int, sizes: list[int] | None, num: int) -> list[T]:
    xin, ax = x.name, stored_axis(NCHW, axis) if x.perm == NCHW else axis
    inputs = [xin] if sizes is None else [xin, c.const(np.asarray(sizes, np.int64), "split")]
    outs = c.emit("Split", inputs, n_out=num, axis=ax) if num > 1 else [c.emit("Identity", [xin])]
    return [T(o, x.perm) for o in outs]


def op_Split(c: Converter, node: dict, ins: list[T]) -> list[T]:
    axis_t, x = ins
    r = c.need_rank(x)
    axis = int(np.asarray(c.cval(axis_t, "axis")).reshape(-1)[0]) % r
    num = int(attr(node, "num_split", 1))
    d = (c.shape(x) or [None] * r)[axis]
    sizes = [d // num] * num if isinstance(d, int) else None
    return _split(c, x, axis, sizes, num)


def op_SplitV(c: Converter, node: dict, ins: list[T]) -> list[T]:
    x, sz, axis_t = ins
    r = c.need_rank(x)
    axis = int(np.asarray(c.cval(axis_t, "axis")).reshape(-1)[0]) % r
    sizes = [int(v) for v in c.cval(sz, "size_splits").reshape(-1)]
    if -1 in sizes:
        d = (c.shape(x) or [None] * r)[axis]
        if not isinstance(d, int):
            c.fail("size_splits has -1 but the dimension is dynamic")
        sizes[sizes.index(-1)] = d - (sum(sizes) + 1)
    return _split(c, x, axis, sizes, len(sizes))


def op_Tile(c: Converter, node: dict, ins: list[T]) -> T:
    x, m = ins
    if x.perm == NCHW and c.is_const(m):
        mv = c.val(m).reshape(-1).astype(np.int64)[list(NCHW)]
        return T(c.emit("Tile", [x.name, c.const(mv, "repeats")]), NCHW)
    return T(c.emit("Tile", [c.tf(x), c.i64(m)]))


def op_Fill(c: Converter, node: dict, ins: list[T]) -> T:
    dims, v = ins
    return T(c.emit("Expand", [c.tf(v), c.i64(dims)]))


def op_ZerosLike(c: Converter, node: dict, ins: list[T], value: int = 0) -> T:
    x = ins[0]
    if value == 0:
        return T(c.emit("Mul", [x.name, c.scalar(0, c.dtype(x))]), x.perm)
    zeros = c.emit("Mul", [x.name, c.scalar(0, c.dtype(x))])
    return T(c.emit("Add", [zeros, c.scalar(1, c.dtype(x))]), x.perm)


def op_OnesLike(c: Converter, node: dict, ins: list[T]) -> T:
    return op_ZerosLike(c, node, ins, 1)


def op_Range(c: Converter, node: dict, ins: list[T]) -> T:
    a, lim, d = (c.tf(t) for t in ins)
    dt = c.dtypes[a]
    return T(c.emit("Range", [a, c.cast(lim, dt), c.cast(d, dt)]))


HANDLERS = handlers_of(globals())
