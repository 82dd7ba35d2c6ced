"""TF.js convolutions (plain, fused, depthwise), fused activations, pools, pads, resizes and
depth/space ops: NHWC inputs are taken NCHW and results stay NCHW (see `posekit.convert.core.layout`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posekit.convert.core.layout import NCHW, identity, permute_pads
from posekit.convert.core.naming import sanitize
from posekit.convert.core.padding import spatial_pads
from posekit.convert.ops import spatial
from posekit.convert.tfjs.converter import Converter, T, handlers_of
from posekit.convert.tfjs.elementwise import op_Relu6
from posekit.convert.tfjs.reader import attr


def window_pads(
    c: Converter, node: dict, in_hw: Sequence, k_hw: Sequence[int], s_hw: Sequence[int], d_hw: Sequence[int]
) -> dict:
    """ONNX padding attributes of a TF window op (``padding`` VALID, SAME or EXPLICIT)."""
    padding = attr(node, "padding", "VALID")
    if padding == "EXPLICIT":
        ep = attr(node, "explicit_paddings", [])
        fmt = attr(node, "data_format", "NHWC")
        hw = (1, 2) if fmt == "NHWC" else (2, 3)
        return {"pads": [ep[2 * hw[0]], ep[2 * hw[1]], ep[2 * hw[0] + 1], ep[2 * hw[1] + 1]]}
    if padding not in ("SAME", "VALID"):
        c.fail(f"unsupported padding {padding!r}")
    if padding == "SAME" and not all(isinstance(v, int) for v in in_hw):
        return {"auto_pad": "SAME_UPPER"}  # ONNX SAME_UPPER puts the odd pixel at the end, as TF does
    return {"pads": spatial_pads(padding == "SAME", in_hw, k_hw, s_hw, d_hw)}


def _window_input(c: Converter, node: dict, x: T) -> tuple[str, tuple[int, ...] | None, tuple[int, int]]:
    """(input name, output layout, H and W axes of the attributes) by the op's data_format."""
    fmt = attr(node, "data_format", "NHWC")
    if fmt == "NHWC":
        return c.nchw(x), NCHW, (1, 2)
    if fmt == "NCHW":
        return c.tf(x), None, (2, 3)
    c.fail(f"unsupported data_format {fmt!r}")


def _conv(c: Converter, node: dict, ins: list[T], depthwise: bool, fused: bool) -> T:
    x, w = ins[0], ins[1]
    wv = c.cval(w, "filter").astype(np.float32)
    xin, layout, hw = _window_input(c, node, x)
    strides = attr(node, "strides", [1, 1, 1, 1])
    dil = attr(node, "dilations", [1, 1, 1, 1]) or [1, 1, 1, 1]
    s_hw, d_hw = [strides[hw[0]], strides[hw[1]]], [dil[hw[0]], dil[hw[1]]]
    kh, kw = wv.shape[0], wv.shape[1]
    phys = c.shapes.get(xin) or [None] * 4
    cin = phys[1]
    if depthwise:
        wo = spatial.depthwise_to_grouped(wv)
        group = wv.shape[2]
    else:
        wo = spatial.hwio_to_oihw(wv)
        group = 1
        if isinstance(cin, int) and cin != wv.shape[2]:
            if cin % wv.shape[2]:
                c.fail(f"input channels {cin} are not a multiple of the filter's {wv.shape[2]}")
            group = cin // wv.shape[2]
    bias = None
    acts: list[tuple[str, list[T]]] = []
    if fused:
        fops = attr(node, "fused_ops", [])
        args = ins[2:]
        if fops and fops[0] == "BiasAdd":
            bias = c.cval(args[0], "bias").astype(np.float32).reshape(-1)
            args = args[1:]
            fops = fops[1:]
        elif fops and fops[0] == "FusedBatchNorm":
            scale, offset, mean, var = (c.cval(a, "batch norm argument").astype(np.float64) for a in args[:4])
            eps = float(attr(node, "epsilon", 1e-3))
            f = scale / np.sqrt(var + eps)
            wo = (wo * f.reshape(-1, 1, 1, 1)).astype(np.float32)
            bias = (offset - mean * f).astype(np.float32)
            args = args[4:]
            fops = fops[1:]
        acts = [(a, args) for a in fops]
    pads = window_pads(c, node, phys[2:4], (kh, kw), s_hw, d_hw)
    wname = c.const(np.ascontiguousarray(wo, dtype=np.float32), sanitize(c.cur) + "_W")
    bname = c.const(bias, sanitize(c.cur) + "_B") if bias is not None else None
    y = T(spatial.conv(c.emit, xin, wname, bname, (kh, kw), s_hw, d_hw, pads, group), layout)
    return activations(c, node, y, acts)


def activations(c: Converter, node: dict, y: T, acts: list[tuple[str, list[T]]]) -> T:
    """Apply a fused op's activations (``fused_ops`` after the bias) in order."""
    for act, args in acts:
        if act == "Relu":
            y = T(c.emit("Relu", [y.name]), y.perm)
        elif act == "Relu6":
            y = op_Relu6(c, node, [y])
        elif act == "Elu":
            y = T(c.emit("Elu", [y.name], alpha=1.0), y.perm)
        elif act == "Sigmoid":
            y = T(c.emit("Sigmoid", [y.name]), y.perm)
        elif act == "Tanh":
            y = T(c.emit("Tanh", [y.name]), y.perm)
        elif act == "LeakyRelu":
            y = T(c.emit("LeakyRelu", [y.name], alpha=float(attr(node, "leakyrelu_alpha", 0.2))), y.perm)
        elif act == "Prelu":
            if not args:
                c.fail("fused Prelu without an alpha argument")
            alpha = c.cval(args[0], "prelu alpha").astype(np.float32)
            if y.perm == NCHW:
                alpha = alpha.reshape(-1, 1, 1) if alpha.size > 1 else alpha.reshape(1)
            y = T(c.emit("PRelu", [y.name, c.const(alpha, "alpha")]), y.perm)
        else:
            c.fail(f"unsupported fused activation {act!r}")
    return y


def op_Conv2D(c: Converter, node: dict, ins: list[T]) -> T:
    return _conv(c, node, ins, depthwise=False, fused=False)


def op_FusedConv2D(c: Converter, node: dict, ins: list[T]) -> T:
    return _conv(c, node, ins, depthwise=False, fused=True)


def op_DepthwiseConv2dNative(c: Converter, node: dict, ins: list[T]) -> T:
    return _conv(c, node, ins, depthwise=True, fused=False)


def op_FusedDepthwiseConv2dNative(c: Converter, node: dict, ins: list[T]) -> T:
    return _conv(c, node, ins, depthwise=True, fused=True)


def _pool(c: Converter, node: dict, ins: list[T], op: str) -> T:
    xin, layout, hw = _window_input(c, node, ins[0])
    k = attr(node, "ksize", [1, 1, 1, 1])
    s = attr(node, "strides", [1, 1, 1, 1])
    k_hw, s_hw = [k[hw[0]], k[hw[1]]], [s[hw[0]], s[hw[1]]]
    phys = c.shapes.get(xin) or [None] * 4
    pads = window_pads(c, node, phys[2:4], k_hw, s_hw, (1, 1))
    return T(spatial.pool(c.emit, op, xin, k_hw, s_hw, pads), layout)


def op_MaxPool(c: Converter, node: dict, ins: list[T]) -> T:
    return _pool(c, node, ins, "MaxPool")


def op_AvgPool(c: Converter, node: dict, ins: list[T]) -> T:
    return _pool(c, node, ins, "AveragePool")


def op_Pad(c: Converter, node: dict, ins: list[T]) -> T:
    x, p = ins[0], ins[1]
    r = c.need_rank(x)
    if c.is_const(p):
        pv = c.val(p).reshape(r, 2).astype(np.int64)
        pads = c.const(np.asarray(permute_pads(pv, x.perm or identity(r)), np.int64), "pads")
        xin = x.name
    else:
        xin = c.tf(x)
        flat = c.emit("Transpose", [c.i64(p)], perm=[1, 0])  # TF [[b, e], ...] -> ONNX [b..., e...]
        pads = c.emit("Reshape", [flat, c.const(np.asarray([-1], np.int64), "shape")])
    mode = "constant"
    if node["op"] == "MirrorPad":
        m = attr(node, "mode", "REFLECT")
        if m != "REFLECT":
            c.fail(f"MirrorPad mode {m} is not supported (ONNX has REFLECT only)")
        mode = "reflect"
    dt = c.dtypes[xin]
    cv = (
        c.scalar(c.cval(ins[2], "constant value").item() if len(ins) > 2 else 0, dt)
        if mode == "constant"
        else ""
    )
    inputs = [xin, pads] + ([cv] if cv else [])
    return T(c.emit("Pad", inputs, mode=mode), x.perm if xin == x.name else None)


op_PadV2 = op_Pad
op_MirrorPad = op_Pad


def _resize(c: Converter, node: dict, ins: list[T], mode: str) -> T:
    x, size = ins
    xin = c.nchw(x)
    if not np.issubdtype(c.dtypes[xin], np.floating):
        xin = c.cast(xin, np.float32)
    phys = c.shapes.get(xin) or [None] * 4
    if c.is_const(size) and isinstance(phys[0], int) and isinstance(phys[1], int):
        sizes = c.const(np.asarray([phys[0], phys[1], *c.val(size).reshape(-1)], np.int64), "sizes")
    else:
        nc = c.emit("Shape", [xin], start=0, end=2)
        sizes = c.emit("Concat", [nc, c.i64(size)], axis=0)
    ac = bool(attr(node, "align_corners", False))
    hp = bool(attr(node, "half_pixel_centers", False))
    y = spatial.resize(c.emit, xin, sizes, mode, ac, hp)
    if node["op"] != "ResizeBilinear" and c.dtypes[y] != c.dtype(x):
        y = c.cast(y, c.dtype(x))
    return T(y, NCHW)


def op_ResizeBilinear(c: Converter, node: dict, ins: list[T]) -> T:
    return _resize(c, node, ins, "linear")


def op_ResizeNearestNeighbor(c: Converter, node: dict, ins: list[T]) -> T:
    return _resize(c, node, ins, "nearest")


def op_DepthToSpace(c: Converter, node: dict, ins: list[T], op: str = "DepthToSpace") -> T:
    if attr(node, "data_format", "NHWC") != "NHWC":
        c.fail("only data_format NHWC is supported")
    bs = int(attr(node, "block_size", 2))
    return T(spatial.depth_space(c.emit, op, c.nchw(ins[0]), bs), NCHW)


def op_SpaceToDepth(c: Converter, node: dict, ins: list[T]) -> T:
    return op_DepthToSpace(c, node, ins, "SpaceToDepth")


HANDLERS = handlers_of(globals())
