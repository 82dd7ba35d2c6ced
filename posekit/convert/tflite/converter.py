"""The TFLite front-end's driver: walks the operators in order and keeps every tensor's layouts.

Tensor `idx` may be stored in several layouts (`posekit.convert.core.layout`); `get(idx, perm)`
returns the wanted one, inserting a Transpose only the first time it is asked for. Spatial handlers
ask for NCHW, shape-sensitive ones and the graph outputs for TFLite's own layout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx

from posekit.convert import CONVERTER_VERSION
from posekit.convert.core.graph import GraphBuilder, onnx_dtype
from posekit.convert.core.layout import (
    LayoutTable,
    Perm,
    broadcast_const,
    identity,
    inverse,
)
from posekit.convert.core.naming import sanitize, short
from posekit.convert.tflite.reader import (
    RUNTIME_DTYPES,
    TFL_TYPE_NAMES,
    Reader,
    StaticBatch,
)


class Converter(Reader):
    """One conversion of one TFLite model (`dynamic_batch`: try a symbolic batch dimension)."""

    def __init__(self, data: bytes, name: str, dynamic_batch: bool) -> None:
        super().__init__(data)
        self.g = GraphBuilder(sanitize(name))
        self.dynamic = dynamic_batch
        self.vals = LayoutTable()  # tensor index -> {layout perm: onnx name}

    def emit(self, op: str, inputs: list[str], name: str | None = None, **attrs: Any) -> str:
        """One node (named after its op unless `name` is given); see GraphBuilder.node."""
        return self.g.node(op, inputs, name=name, **attrs)

    # --- constants ----------------------------------------------------------------------------
    def const_value(self, idx: int) -> np.ndarray | None:
        """Value of a tensor known at conversion time (in TFLite layout), else None."""
        if idx < 0:
            return None
        v = self.raw_const(idx)
        if v is not None:
            return v
        for perm, name in self.vals.layouts(idx).items():
            if self.g.is_const(name):
                return (
                    np.transpose(self.g.value(name), inverse(perm)) if len(perm) > 1 else self.g.value(name)
                )
        return None

    def need_const(self, idx: int, what: str) -> np.ndarray:
        v = self.const_value(idx)
        if v is None:
            raise self.err(f"{what} must be a constant", idx)
        return v

    # --- values and layouts -------------------------------------------------------------------
    def layout(self, idx: int) -> Perm:
        """The layout a tensor was produced in (identity for constants and inputs)."""
        if idx in self.vals:
            return self.vals.produced(idx)[0]
        return identity(self.rank(idx))

    def has_layout(self, idx: int, perm: Perm) -> bool:
        return self.vals.has(idx, perm)

    def get(self, idx: int, perm: Perm | None = None) -> str:
        """ONNX name of tensor `idx` stored in layout `perm` (default: TFLite's own layout)."""
        perm = tuple(perm) if perm is not None else identity(self.rank(idx))
        if idx not in self.vals:
            v = self.raw_const(idx)
            if v is None:
                raise self.err("tensor has no producer and no constant data", idx)
            name = self.g.const(np.transpose(v, perm) if v.ndim > 1 else v, short(self.tname(idx)))
            self.vals.add(idx, name, perm)
            return name

        def transpose(src: str, p: list[int], _: Perm) -> str:
            return self.g.node("Transpose", [src], name=short(self.tname(idx)) + "_t", perm=p)

        return self.vals.get(idx, perm, transpose)

    def put(self, idx: int, name: str, perm: Perm | None = None) -> None:
        self.vals.put(idx, name, tuple(perm) if perm is not None else identity(self.rank(idx)))

    def operand(self, idx: int, perm: Perm, rank: int) -> str:
        """Tensor `idx` ready to broadcast against a rank-`rank` tensor stored in layout `perm`."""
        r = self.rank(idx)
        if r == rank:
            return self.get(idx, perm)
        if perm == identity(rank) or r == 0:
            return self.get(idx)
        v = self.const_value(idx)
        if v is not None and r < rank:
            return self.g.const(broadcast_const(v, rank, perm), short(self.tname(idx)))
        if r > rank:
            raise self.err("operand has a higher rank than the result", idx)
        x = self.g.node(
            "Unsqueeze", [self.get(idx), self.g.const(np.arange(rank - r, dtype=np.int64), "axes")]
        )
        return self.g.node("Transpose", [x], perm=list(perm))

    def pick_layout(self, ins: list[int], rank: int) -> Perm:
        """Layout for an elementwise op: the one most of its full-rank activations already have."""
        cands = []
        for i in ins:
            if i >= 0 and self.rank(i) == rank and self.const_value(i) is None:
                cands.append(self.layout(i))
        if not cands:
            return identity(rank)
        scores = [sum(self.has_layout(i, c) for i in ins if i >= 0) for c in cands]
        return cands[scores.index(max(scores))]

    def i64(self, values: Any, name: str = "c") -> str:
        return self.g.const(np.asarray(values, np.int64), name)

    def f32(self, value: Any, name: str = "c") -> str:
        return self.g.const(np.asarray(value, np.float32), name)

    # --- fused activations --------------------------------------------------------------------
    def activation(self, y: str, fused: int, out_idx: int) -> str:
        if fused == 0:
            return y
        base = short(self.tname(out_idx))
        if fused == 1:
            return self.g.node("Relu", [y], name=base)
        if fused == 2:
            return self.g.node("Clip", [y, self.f32(-1.0, "min"), self.f32(1.0, "max")], name=base)
        if fused == 3:
            return self.g.node("Clip", [y, self.f32(0.0, "min"), self.f32(6.0, "max")], name=base)
        if fused == 4:
            # The schema calls this TANH, but LiteRT's float kernels (CONV_2D, DEPTHWISE_CONV_2D, ADD,
            # MUL, ... via CalculateActivationRange) only clamp, and have no TANH case: a fused TANH
            # leaves values unchanged there. We reproduce the runtime, not the name.
            return y
        raise self.err(f"fused activation {fused} is not supported", out_idx)

    def fused(self, op: Any, cls_name: str) -> int:
        opts = self.options(op, cls_name)
        return opts.FusedActivationFunction() if opts is not None else 0

    # --- driver -------------------------------------------------------------------------------
    def run(self, source_name: str) -> onnx.ModelProto:
        from posekit.convert.tflite.handlers import HANDLERS

        sg = self.sg
        outputs = [int(i) for i in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
        inputs = [int(i) for i in sg.InputsAsNumpy()] if sg.InputsLength() else []
        out_names = {}
        for idx in outputs:
            out_names[idx] = self.g.reserve(sanitize(self.tname(idx)))
        if self.dynamic and not all(self.rank(i) >= 1 and self.shape(i)[0] == 1 for i in inputs):
            raise StaticBatch()
        for idx in inputs:
            t = self.t(idx)
            if t.Type() not in RUNTIME_DTYPES | {1, 3, 9}:  # (u)int8 / float16 inputs: DEQUANTIZE/CAST only
                self.op = "input"
                raise self.err(f"input type {TFL_TYPE_NAMES.get(t.Type(), t.Type())} is not supported", idx)
            shape = list(self.shape(idx))
            if self.dynamic:
                shape[0] = "batch"
            self.put(idx, self.g.input(sanitize(self.tname(idx)), self.np_dtype(idx), shape))
        for j in range(sg.OperatorsLength()):
            op = sg.Operators(j)
            self.op = self.opcodes[op.OpcodeIndex()]
            handler = HANDLERS.get(self.op)
            ins = [int(i) for i in op.InputsAsNumpy()] if op.InputsLength() else []
            outs = [int(i) for i in op.OutputsAsNumpy()] if op.OutputsLength() else []
            if handler is None:
                raise self.err(
                    "operator is not supported by posekit's TFLite converter", outs[0] if outs else None
                )
            if self.op not in ("DEQUANTIZE", "DENSIFY", "CAST"):
                for i in ins + outs:
                    if i >= 0 and self.t(i).Type() not in RUNTIME_DTYPES and self.const_value(i) is None:
                        raise self.err(
                            f"{TFL_TYPE_NAMES.get(self.t(i).Type())} activations (quantised inference) are not supported",
                            i,
                        )
            handler(self, op, ins, outs)
            if self.dynamic:  # every runtime tensor must keep the batch as its leading dimension
                for o in outs:
                    if self.const_value(o) is None and (self.rank(o) < 1 or self.shape(o)[0] != 1):
                        raise StaticBatch()
        self.op = "output"
        for idx in outputs:
            self.g.output(self.get(idx), out_names[idx])
        digest = hashlib.sha256(self.data).hexdigest()
        model = self.g.build(
            doc=f"Converted from TFLite model {source_name} by posekit.convert.tflite {CONVERTER_VERSION}",
            metadata={
                "source_format": "tflite",
                "source_file": source_name,
                "source_sha256": digest,
                "converter": "posekit.convert.tflite",
                "converter_version": CONVERTER_VERSION,
                "layout": "NHWC inputs and outputs, as in the TFLite model",
                "batch": "dynamic" if self.dynamic else "static",
            },
        )
        # Declare output shapes as in the TFLite model (shape inference loses the symbolic batch
        # through Reshape).
        for out, idx in zip(model.graph.output, outputs):
            shape = list(self.shape(idx))
            if self.dynamic and shape:
                shape[0] = "batch"
            out.CopyFrom(onnx.helper.make_tensor_value_info(out.name, onnx_dtype(self.np_dtype(idx)), shape))
        return model


# An op handler: (converter, operator, input tensor indices, output tensor indices).
Handler = Callable[[Converter, Any, list[int], list[int]], None]
