"""A small ONNX graph builder shared by the TFJS and TFLite converters.

Converters call `const`, `node`, `input` and `output`, then `build()`. Nodes whose inputs are all
constants are evaluated at once with NumPy-backed `onnx.reference`, so shape arithmetic and weight
re-layouts never reach the runtime graph (constant folding happens while building, not afterwards).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

OPSET = 17

_NP_TO_ONNX = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float16): TensorProto.FLOAT16,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.bool_): TensorProto.BOOL,
}


def onnx_dtype(dtype) -> int:
    return _NP_TO_ONNX[np.dtype(dtype)]


@dataclass
class GraphBuilder:
    """Accumulates nodes and initializers; folds constant sub-expressions eagerly."""

    name: str
    opset: int = OPSET
    fold: bool = True
    nodes: list = field(default_factory=list)
    initializers: dict = field(default_factory=dict)  # name -> np.ndarray
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    _names: set = field(default_factory=set)
    _reserved: set = field(default_factory=set)

    def unique(self, base: str) -> str:
        base = base.replace(":", "_") or "t"
        name, i = base, 1
        while name in self._names or name in self._reserved:
            name = f"{base}__{i}"
            i += 1
        self._names.add(name)
        return name

    def reserve(self, name: str) -> str:
        """Keep `name` free for a later `output(tensor, name)` (e.g. graph outputs named up front,
        so that intermediate tensors never take the exact name an output must have)."""
        self._reserved.add(name)
        return name

    # --- constants -------------------------------------------------------------------------
    def const(self, value, name: str = "const", dtype=None) -> str:
        arr = np.asarray(value, dtype=dtype)
        out = self.unique(name)
        self.initializers[out] = arr
        return out

    def is_const(self, name: str) -> bool:
        return name in self.initializers

    def value(self, name: str) -> np.ndarray:
        """The NumPy value of a constant tensor (raises KeyError when it is not constant)."""
        return self.initializers[name]

    # --- graph edges -----------------------------------------------------------------------
    def input(self, name: str, dtype, shape) -> str:
        out = self.unique(name)
        self.inputs.append(helper.make_tensor_value_info(out, onnx_dtype(dtype), list(shape)))
        return out

    def output(self, tensor: str, name: str | None = None) -> str:
        """Expose `tensor` as a graph output called `name` (adds an Identity when renaming)."""
        if name and name != tensor:
            if name in self._reserved:
                self._reserved.discard(name)
                self._names.add(name)
            else:
                name = self.unique(name)
            self.nodes.append(helper.make_node("Identity", [tensor], [name], name=name + "_id"))
            tensor = name
        elif tensor in self.initializers:
            name = self.unique(tensor + "_out")
            self.nodes.append(helper.make_node("Identity", [tensor], [name], name=name + "_id"))
            tensor = name
        self.outputs.append(tensor)
        return tensor

    def node(self, op: str, inputs: list[str], name: str | None = None, n_out: int = 1, **attrs):
        """Add one node; returns its output name (or a list when n_out > 1).

        An empty string in `inputs` marks an omitted optional input, as in ONNX.
        """
        base = name or op.lower()
        outs = [self.unique(base if n_out == 1 else f"{base}_{i}") for i in range(n_out)]
        node = helper.make_node(op, inputs, outs, name=self.unique(base + "_n"), **attrs)
        if self.fold and all((not i) or i in self.initializers for i in inputs) and op not in _NO_FOLD:
            values = _evaluate(node, {i: self.initializers[i] for i in inputs if i}, self.opset)
            for o, v in zip(outs, values):
                self.initializers[o] = np.asarray(v)
        else:
            self.nodes.append(node)
        return outs[0] if n_out == 1 else outs

    # --- output ----------------------------------------------------------------------------
    def build(self, doc: str = "", metadata: dict[str, str] | None = None) -> onnx.ModelProto:
        used = {i for n in self.nodes for i in n.input} | set(self.outputs)
        inits = [numpy_helper.from_array(_np(v), k) for k, v in self.initializers.items() if k in used]
        outputs = [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in self.outputs]
        graph = helper.make_graph(self.nodes, self.name, self.inputs, outputs, inits)
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", self.opset)],
            producer_name="posekit",
            doc_string=doc,
        )
        model.ir_version = 8  # readable by every ONNX Runtime release since 1.14
        for k, v in sorted((metadata or {}).items()):
            model.metadata_props.add(key=k, value=str(v))
        model = onnx.shape_inference.infer_shapes(model)
        _fill_output_types(model)
        onnx.checker.check_model(model)
        return model


# Ops with random or side-effect semantics are never folded.
_NO_FOLD = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike"}


def _np(v) -> np.ndarray:
    arr = np.asarray(v)
    return arr if arr.dtype != np.float64 else arr.astype(np.float32)


def _evaluate(node, feeds: dict, opset: int) -> list:
    ins = [
        helper.make_tensor_value_info(k, onnx_dtype(np.asarray(v).dtype), np.asarray(v).shape)
        for k, v in feeds.items()
    ]
    outs = [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in node.output]
    graph = helper.make_graph([node], "fold", ins, outs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return list(ReferenceEvaluator(model).run(None, feeds))


def _fill_output_types(model: onnx.ModelProto) -> None:
    """Copy inferred element types onto graph outputs (shape inference leaves them UNDEFINED)."""
    known = {vi.name: vi for vi in list(model.graph.value_info) + list(model.graph.input)}
    known.update(
        {t.name: helper.make_tensor_value_info(t.name, t.data_type, t.dims) for t in model.graph.initializer}
    )
    for out in model.graph.output:
        if out.type.tensor_type.elem_type == TensorProto.UNDEFINED and out.name in known:
            out.CopyFrom(known[out.name])
            out.name = out.name
