"""Convolutions, pools, resizes and depth/space ops on NCHW-stored tensors (TF semantics kept)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posekit.convert.ops import Emit


def hwio_to_oihw(w: np.ndarray) -> np.ndarray:
    """A TF Conv2D filter [KH, KW, Cin, Cout] as an ONNX Conv weight [Cout, Cin, KH, KW]."""
    return w.transpose(3, 2, 0, 1)


def depthwise_to_grouped(w: np.ndarray) -> np.ndarray:
    """A TF depthwise filter [KH, KW, C, M] as grouped-Conv weight [C*M, 1, KH, KW] (group C): TF's
    output channel c*M + m is ONNX group c, filter m."""
    kh, kw, c, m = w.shape
    return w.reshape(kh, kw, c * m).transpose(2, 0, 1).reshape(c * m, 1, kh, kw)


def conv(
    emit: Emit,
    x: str,
    w: str,
    b: str | None,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    pads: dict,
    group: int,
    name: str | None = None,
) -> str:
    """2-D Conv; `pads` is ``{"pads": [t, l, b, r]}`` or ``{"auto_pad": "SAME_UPPER"}``."""
    inputs = [x, w] + ([b] if b else [])
    return emit(
        "Conv",
        inputs,
        name=name,
        kernel_shape=list(kernel),
        strides=list(strides),
        dilations=list(dilations),
        group=int(group),
        **pads,
    )


def pool(
    emit: Emit,
    op: str,
    x: str,
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: dict,
    name: str | None = None,
) -> str:
    """MaxPool / AveragePool; TF averages over the valid pixels only (count_include_pad=0)."""
    extra = {"count_include_pad": 0} if op == "AveragePool" else {}
    return emit(op, [x], name=name, kernel_shape=list(kernel), strides=list(strides), **pads, **extra)


def resize_attrs(mode: str, align_corners: bool, half_pixel: bool) -> dict:
    """ONNX Resize attributes reproducing TF's ResizeBilinear / ResizeNearestNeighbor."""
    if mode == "linear":
        ctm = "align_corners" if align_corners else ("half_pixel" if half_pixel else "asymmetric")
        return {"mode": "linear", "coordinate_transformation_mode": ctm}
    # TF: in = align ? round((out + off) * s) : floor((out + off) * s), off = 0.5 with half-pixel centres.
    if align_corners:
        attrs = {"coordinate_transformation_mode": "align_corners", "nearest_mode": "round_prefer_ceil"}
    elif half_pixel:
        attrs = {"coordinate_transformation_mode": "tf_half_pixel_for_nn", "nearest_mode": "floor"}
    else:
        attrs = {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    attrs["mode"] = "nearest"
    return attrs


def resize(
    emit: Emit, x: str, sizes: str, mode: str, align_corners: bool, half_pixel: bool, name: str | None = None
) -> str:
    return emit("Resize", [x, "", "", sizes], name=name, **resize_attrs(mode, align_corners, half_pixel))


def depth_space(emit: Emit, op: str, x: str, blocksize: int, name: str | None = None) -> str:
    """DepthToSpace / SpaceToDepth; TF's channel order (i*b + j)*C_out + c is ONNX's DCR mode."""
    extra = {"mode": "DCR"} if op == "DepthToSpace" else {}
    return emit(op, [x], name=name, blocksize=int(blocksize), **extra)
