"""TFLite element-wise ops, activations, softmax, casts and constant dequantisation/densifying.

All keep the layout their input already has: constants are broadcast and permuted at conversion time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import onnx

from posekit.convert.core.graph import onnx_dtype
from posekit.convert.core.layout import stored_axis
from posekit.convert.core.naming import short
from posekit.convert.ops import elementwise
from posekit.convert.tflite.weights import dequantize

if TYPE_CHECKING:
    from posekit.convert.tflite.converter import Converter, Handler


def binary(onnx_op: str, opts_cls: str | None = None) -> Handler:
    def handler(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
        rank = c.rank(outs[0])
        perm = c.pick_layout(ins, rank)
        a, b = (c.operand(i, perm, rank) for i in ins[:2])
        name = short(c.tname(outs[0]))
        if onnx_op == "SquaredDifference":
            y = elementwise.squared_difference(c.emit, a, b, name=name)
        else:
            y = c.g.node(onnx_op, [a, b], name=name)
        if opts_cls:
            y = c.activation(y, c.fused(op, opts_cls), outs[0])
        c.put(outs[0], y, perm)

    return handler


def unary(onnx_op: str, **attrs: Any) -> Handler:
    def handler(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
        perm = c.layout(ins[0])
        x = c.get(ins[0], perm)
        name = short(c.tname(outs[0]))
        if onnx_op == "Relu6":
            y = c.g.node("Clip", [x, c.f32(0.0, "min"), c.f32(6.0, "max")], name=name)
        elif onnx_op == "ReluN1To1":
            y = c.g.node("Clip", [x, c.f32(-1.0, "min"), c.f32(1.0, "max")], name=name)
        elif onnx_op == "Rsqrt":
            y = elementwise.rsqrt(c.emit, x, name=name)
        elif onnx_op == "LeakyRelu":
            o = c.options(op, "LeakyReluOptions")
            y = c.g.node("LeakyRelu", [x], name=name, alpha=float(o.Alpha()) if o is not None else 0.2)
        else:
            y = c.g.node(onnx_op, [x], name=name, **attrs)
        c.put(outs[0], y, perm)

    return handler


def prelu(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    rank = c.rank(outs[0])
    perm = c.pick_layout(ins[:1], rank)
    y = c.g.node("PRelu", [c.get(ins[0], perm), c.operand(ins[1], perm, rank)], name=short(c.tname(outs[0])))
    c.put(outs[0], y, perm)


def softmax(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    o = c.options(op, "SoftmaxOptions")
    beta = float(o.Beta()) if o is not None else 1.0
    perm = c.layout(ins[0])
    x = c.get(ins[0], perm)
    if beta != 1.0:
        x = c.g.node("Mul", [x, c.f32(beta, "beta")])
    rank = len(perm)
    y = c.g.node("Softmax", [x], name=short(c.tname(outs[0])), axis=stored_axis(perm, rank - 1))
    c.put(outs[0], y, perm)


def cast(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    perm = c.layout(ins[0])
    to = onnx_dtype(c.np_dtype(outs[0]))
    c.put(outs[0], c.g.node("Cast", [c.get(ins[0], perm)], name=short(c.tname(outs[0])), to=to), perm)


def dequantize_op(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    x = ins[0]
    v = c.raw_const(x) if x not in c.vals else None
    q = c.quant(x)
    if v is not None:
        if v.dtype != np.float16 and q is None:
            raise c.err("integer tensor without quantisation parameters", x)
        try:
            deq = dequantize(v, q[0] if q else None, q[1] if q else None, q[2] if q else 0)
        except ValueError as e:
            raise c.err(f"cannot dequantise: {e}", x) from e
        c.consts[outs[0]] = deq
        return
    perm = c.layout(x)
    xin = c.get(x, perm)
    if c.t(x).Type() == 1:
        c.put(outs[0], c.g.node("Cast", [xin], name=short(c.tname(outs[0])), to=onnx.TensorProto.FLOAT), perm)
        return
    if q is None or c.t(x).Type() not in (3, 9):
        raise c.err("only float16 and int8/uint8 tensors can be dequantised", x)
    dtype = c.np_dtype(x)
    scale, zp, axis = q
    attrs = {"axis": stored_axis(perm, axis)} if scale.size > 1 else {}
    zp = zp.astype(dtype) if scale.size > 1 else zp.reshape(-1)[:1].reshape(()).astype(dtype)
    scale = scale if scale.size > 1 else scale.reshape(-1)[:1].reshape(())
    y = c.g.node(
        "DequantizeLinear",
        [xin, c.f32(scale, "scale"), c.g.const(zp, "zero_point")],
        name=short(c.tname(outs[0])),
        **attrs,
    )
    c.put(outs[0], y, perm)


def densify_op(c: Converter, op: Any, ins: list[int], outs: list[int]) -> None:
    v = c.raw_const(ins[0])
    if v is None:
        raise c.err("only constant sparse tensors can be densified", ins[0])
    c.consts[outs[0]] = v


HANDLERS = {
    "ADD": binary("Add", "AddOptions"),
    "SUB": binary("Sub", "SubOptions"),
    "MUL": binary("Mul", "MulOptions"),
    "DIV": binary("Div", "DivOptions"),
    "MAXIMUM": binary("Max"),
    "MINIMUM": binary("Min"),
    "POW": binary("Pow"),
    "SQUARED_DIFFERENCE": binary("SquaredDifference"),
    "LOGISTIC": unary("Sigmoid"),
    "TANH": unary("Tanh"),
    "RELU": unary("Relu"),
    "RELU6": unary("Relu6"),
    "RELU_N1_TO_1": unary("ReluN1To1"),
    "LEAKY_RELU": unary("LeakyRelu"),
    "HARD_SWISH": unary("HardSwish"),
    "ELU": unary("Elu"),
    "EXP": unary("Exp"),
    "LOG": unary("Log"),
    "ABS": unary("Abs"),
    "NEG": unary("Neg"),
    "SQRT": unary("Sqrt"),
    "RSQRT": unary("Rsqrt"),
    "PRELU": prelu,
    "SOFTMAX": softmax,
    "CAST": cast,
    "DEQUANTIZE": dequantize_op,
    "DENSIFY": densify_op,
}
