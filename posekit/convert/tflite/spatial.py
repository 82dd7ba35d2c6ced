"""TFLite convolutions, pools, resizes, depth/space and pads (NCHW in, NCHW out where spatial)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from posekit.convert.core.layout import NCHW, permute_pads
from posekit.convert.core.naming import short
from posekit.convert.core.padding import spatial_pads
from posekit.convert.ops import spatial
from posekit.convert.tflite.reader import StaticBatch

if TYPE_CHECKING:
    from posekit.convert.tflite.converter import Converter, Handler

_VALID = 1  # Padding enum: SAME = 0, VALID = 1


def conv2d(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "Conv2DOptions")
    x_idx, w_idx, b_idx = ins[0], ins[1], ins[2] if len(ins) > 2 else -1
    if c.rank(x_idx) != 4:
        raise c.err("only 4-D inputs are supported", x_idx)
    _, ih, iw, ic = c.shape(x_idx)
    _, kh, kw, wi = c.shape(w_idx)
    _, oh, ow, _ = c.shape(outs[0])
    if not wi or ic % wi:
        raise c.err(f"{ic} input channels are not a multiple of the filter depth {wi}", w_idx)
    group = ic // wi  # grouped convolution when the filter is shallower than the input
    # TFLite weight [O, KH, KW, I] stored in layout NCHW is ONNX's [O, I, KH, KW].
    _conv(c, o, x_idx, c.get(w_idx, NCHW), b_idx, outs[0], (kh, kw), (ih, iw), (oh, ow), group)


def depthwise(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "DepthwiseConv2DOptions")
    x_idx, w_idx, b_idx = ins[0], ins[1], ins[2] if len(ins) > 2 else -1
    _, ih, iw, ic = c.shape(x_idx)
    _, kh, kw, cm = c.shape(w_idx)
    _, oh, ow, _ = c.shape(outs[0])
    if cm % ic:
        raise c.err(f"filter depth {cm} is not a multiple of the {ic} input channels", w_idx)
    # TFLite weight [1, KH, KW, C*M] → ONNX [C*M, 1, KH, KW]; group = C (channel c*M+m in group c).
    _conv(c, o, x_idx, c.get(w_idx, (3, 0, 1, 2)), b_idx, outs[0], (kh, kw), (ih, iw), (oh, ow), ic)


def _conv(
    c: Converter,
    o: Any,
    x_idx: int,
    w: str,
    b_idx: int,
    out_idx: int,
    k: tuple[int, int],
    in_hw: tuple[int, int],
    out_hw: tuple[int, int],
    group: int,
) -> None:
    strides = [o.StrideH(), o.StrideW()] if o is not None else [1, 1]
    dil = [o.DilationHFactor(), o.DilationWFactor()] if o is not None else [1, 1]
    pads = spatial_pads((o.Padding() if o is not None else _VALID) != _VALID, in_hw, k, strides, dil, out_hw)
    x = c.get(x_idx, NCHW)
    b = c.get(b_idx) if b_idx >= 0 else None
    y = spatial.conv(c.emit, x, w, b, k, strides, dil, {"pads": pads}, group, name=short(c.tname(out_idx)))
    c.put(out_idx, c.activation(y, o.FusedActivationFunction() if o is not None else 0, out_idx), NCHW)


def pool(onnx_op: str) -> Handler:
    def handler(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
        o = c.options(op, "Pool2DOptions")
        _, ih, iw, _ = c.shape(ins[0])
        _, oh, ow, _ = c.shape(outs[0])
        k, s = [o.FilterHeight(), o.FilterWidth()], [o.StrideH(), o.StrideW()]
        pads = spatial_pads(o.Padding() != _VALID, (ih, iw), k, s, [1, 1], (oh, ow))
        y = spatial.pool(
            c.emit, onnx_op, c.get(ins[0], NCHW), k, s, {"pads": pads}, name=short(c.tname(outs[0]))
        )
        c.put(outs[0], c.activation(y, o.FusedActivationFunction(), outs[0]), NCHW)

    return handler


def resize(mode: str) -> Handler:
    def handler(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
        cls = "ResizeBilinearOptions" if mode == "linear" else "ResizeNearestNeighborOptions"
        o = c.options(op, cls)
        align = bool(o.AlignCorners()) if o is not None else False
        half = bool(o.HalfPixelCenters()) if o is not None else False
        size = [int(v) for v in c.need_const(ins[1], "the output size").reshape(-1)]
        x = c.get(ins[0], NCHW)
        if c.dynamic:
            nc = c.g.node("Shape", [x], name="shape", start=0, end=2)
            sizes = c.g.node("Concat", [nc, c.i64(size, "hw")], name="sizes", axis=0)
        else:
            n, _, _, ch = c.shape(ins[0])
            sizes = c.i64([n, ch] + size, "sizes")
        y = spatial.resize(c.emit, x, sizes, mode, align, half, name=short(c.tname(outs[0])))
        c.put(outs[0], y, NCHW)

    return handler


def depth_space(onnx_op: str) -> Handler:
    def handler(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
        o = c.options(op, "DepthToSpaceOptions" if onnx_op == "DepthToSpace" else "SpaceToDepthOptions")
        y = spatial.depth_space(
            c.emit, onnx_op, c.get(ins[0], NCHW), o.BlockSize(), name=short(c.tname(outs[0]))
        )
        c.put(outs[0], y, NCHW)

    return handler


def pad(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    pads = c.need_const(ins[1], "paddings").reshape(-1, 2).astype(np.int64)
    perm = c.layout(ins[0])
    if c.dynamic and pads[0].any():
        raise StaticBatch()
    if pads.min() < 0:
        raise c.err("negative padding is not supported", ins[1])
    inputs = [c.get(ins[0], perm), c.i64(permute_pads(pads, perm), "pads")]
    if len(ins) > 2 and ins[2] >= 0:  # PADV2 constant value
        inputs.append(c.g.const(c.need_const(ins[2], "the pad value").reshape(()), "pad_value"))
    if c.op == "MIRROR_PAD":
        o = c.options(op, "MirrorPadOptions")
        if o is not None and o.Mode() != 0:
            raise c.err("SYMMETRIC mirror padding is not supported", outs[0])
        y = c.g.node("Pad", inputs[:2], name=short(c.tname(outs[0])), mode="reflect")
    else:
        y = c.g.node("Pad", inputs, name=short(c.tname(outs[0])))
    c.put(outs[0], y, perm)


HANDLERS = {
    "CONV_2D": conv2d,
    "DEPTHWISE_CONV_2D": depthwise,
    "MAX_POOL_2D": pool("MaxPool"),
    "AVERAGE_POOL_2D": pool("AveragePool"),
    "RESIZE_BILINEAR": resize("linear"),
    "RESIZE_NEAREST_NEIGHBOR": resize("nearest"),
    "DEPTH_TO_SPACE": depth_space("DepthToSpace"),
    "SPACE_TO_DEPTH": depth_space("SpaceToDepth"),
    "PAD": pad,
    "PADV2": pad,
    "MIRROR_PAD": pad,
}
