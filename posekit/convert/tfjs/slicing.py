"""TF.js slicing, gathers, top-k and scatters. Slice and StridedSlice (without shrink or new axes)
of NCHW tensors stay NCHW with remapped axes; the rest work in TF layout.
"""

from __future__ import annotations

import numpy as np

from posekit.convert.core.layout import NCHW, stored_axis
from posekit.convert.core.naming import sanitize
from posekit.convert.tfjs.converter import Converter, T, handlers_of
from posekit.convert.tfjs.reader import attr

INT_MAX = np.iinfo(np.int64).max
INT_MIN = np.iinfo(np.int64).min


def _i64(c: Converter, v: object, name: str) -> str:
    return c.const(np.asarray(v, np.int64), name)


def op_Slice(c: Converter, node: dict, ins: list[T]) -> T:
    x, begin, size = ins
    r = c.need_rank(x)
    bv, sv = (
        c.cval(begin, "begin").reshape(-1).astype(np.int64),
        c.cval(size, "size").reshape(-1).astype(np.int64),
    )
    ends = np.where(sv < 0, INT_MAX, bv + sv)
    axes = np.arange(r, dtype=np.int64)
    if x.perm == NCHW:
        xin, axes = x.name, np.asarray([stored_axis(NCHW, a) for a in range(r)], np.int64)
    else:
        xin = x.name
    return T(
        c.emit("Slice", [xin, _i64(c, bv, "starts"), _i64(c, ends, "ends"), _i64(c, axes, "axes")]), x.perm
    )


def op_StridedSlice(c: Converter, node: dict, ins: list[T]) -> T:
    x = ins[0]
    r = c.need_rank(x)
    begin = c.cval(ins[1], "begin").reshape(-1).astype(np.int64)
    end = c.cval(ins[2], "end").reshape(-1).astype(np.int64)
    strides = c.cval(ins[3], "strides").reshape(-1).astype(np.int64) if len(ins) > 3 else np.ones_like(begin)
    bm, em = attr(node, "begin_mask", 0), attr(node, "end_mask", 0)
    elm, nam, sam = (
        attr(node, "ellipsis_mask", 0),
        attr(node, "new_axis_mask", 0),
        attr(node, "shrink_axis_mask", 0),
    )
    n = len(begin)
    n_real = sum(1 for i in range(n) if not (nam >> i) & 1 and not (elm >> i) & 1)
    # dense: per input dim (start|None, end|None, stride, shrink); final: output dim -> input dim|None (new)
    dense: list[tuple[int | None, int | None, int, bool]] = []
    final: list[int | None] = []
    d = 0
    for i in range(n):
        if (elm >> i) & 1:
            for _ in range(r - n_real):
                dense.append((None, None, 1, False))
                final.append(d)
                d += 1
        elif (nam >> i) & 1:
            final.append(None)
        elif (sam >> i) & 1:
            at = int(begin[i])
            dense.append((at, at + 1 if at != -1 else None, 1, True))
            d += 1
        else:
            dense.append(
                (
                    None if (bm >> i) & 1 else int(begin[i]),
                    None if (em >> i) & 1 else int(end[i]),
                    int(strides[i]),
                    False,
                )
            )
            final.append(d)
            d += 1
    while d < r:
        dense.append((None, None, 1, False))
        final.append(d)
        d += 1
    if len(dense) != r:
        c.fail(f"slice spec does not match the input rank {r}")
    starts: list[int] = []
    ends: list[int] = []
    steps: list[int] = []
    axes: list[int] = []
    for ax, (b, e, s, _) in enumerate(dense):
        if b is None and e is None and s == 1:
            continue
        axes.append(ax)
        steps.append(s)
        starts.append(b if b is not None else (0 if s > 0 else INT_MAX))
        ends.append(e if e is not None else (INT_MAX if s > 0 else INT_MIN))
    shrink = [ax for ax, t in enumerate(dense) if t[3]]
    new = [i for i, f in enumerate(final) if f is None]
    if x.perm == NCHW and not shrink and not new:
        if not axes:
            return x
        pax = [stored_axis(NCHW, a) for a in axes]
        y = c.emit(
            "Slice",
            [
                x.name,
                _i64(c, starts, "starts"),
                _i64(c, ends, "ends"),
                _i64(c, pax, "axes"),
                _i64(c, steps, "steps"),
            ],
        )
        return T(y, NCHW)
    y = c.tf(x)
    if axes:
        y = c.emit(
            "Slice",
            [
                y,
                _i64(c, starts, "starts"),
                _i64(c, ends, "ends"),
                _i64(c, axes, "axes"),
                _i64(c, steps, "steps"),
            ],
        )
    if shrink:
        y = c.emit("Squeeze", [y, _i64(c, shrink, "axes")])
    if new:
        y = c.emit("Unsqueeze", [y, _i64(c, new, "axes")])
    if y == c.tf(x):
        y = c.emit("Identity", [y])
    return T(y)


def op_GatherV2(c: Converter, node: dict, ins: list[T]) -> T:
    p, idx = ins[0], ins[1]
    r = c.need_rank(p)
    axis = int(np.asarray(c.cval(ins[2], "axis")).reshape(-1)[0]) % r if len(ins) > 2 else 0
    if int(attr(node, "batch_dims", 0)):
        c.fail("batch_dims != 0 is not supported")
    return T(c.emit("Gather", [c.tf(p), c.tf(idx)], axis=axis))


op_Gather = op_GatherV2


def op_GatherNd(c: Converter, node: dict, ins: list[T]) -> T:
    return T(c.emit("GatherND", [c.tf(ins[0]), c.i64(c.tf(ins[1]))]))


def op_TopKV2(c: Converter, node: dict, ins: list[T]) -> list[T]:
    x, k = ins
    kk = c.emit("Reshape", [c.i64(k), c.const(np.asarray([1], np.int64), "shape")])
    v, i = c.emit("TopK", [c.tf(x), kk], n_out=2, axis=-1, largest=1, sorted=1)
    return [T(v), T(c.cast(i, np.int32))]


def op_SparseToDense(c: Converter, node: dict, ins: list[T]) -> T:
    idx, shape, vals, default = ins
    if all(c.is_const(t) for t in ins):
        sh = [int(v) for v in c.val(shape).reshape(-1)]
        out = np.full(sh, c.val(default), dtype=c.val(vals).dtype)
        rows = (
            c.val(idx).reshape(len(c.val(idx)) if c.val(idx).ndim else 1, -1)
            if len(sh) > 1
            else c.val(idx).reshape(-1, 1)
        )
        values = np.broadcast_to(c.val(vals), (rows.shape[0],))
        for row, v in zip(rows, values):
            out[tuple(int(z) for z in row)] = v
        return T(c.const(out, sanitize(c.cur)))
    base = c.emit("Expand", [c.tf(default), c.i64(shape)])
    iv = c.i64(c.tf(idx))
    if c.rank(idx) == 1:
        iv = c.emit("Unsqueeze", [iv, c.const(np.asarray([1], np.int64), "axes")])
    n = c.emit("Shape", [iv], start=0, end=1)
    vv = c.emit("Expand", [c.tf(vals), n])
    return T(c.emit("ScatterND", [base, iv, vv]))


HANDLERS = handlers_of(globals())
