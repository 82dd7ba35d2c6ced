"""The TF.js front-end's driver: node bookkeeping, shapes and dtypes, layouts, and the main loop.

Each converted tensor is a `T`: an ONNX name plus its layout (`posekit.convert.core.layout`), here
either the TF value itself (``perm`` None, any rank) or a rank-4 NHWC value stored NCHW
(``perm == NCHW``). Layout-aware handlers take NCHW inputs and give NCHW outputs; every other op asks
for its inputs in TF layout (`Converter.tf`), which costs one Transpose, made once per tensor and
remembered. Graph outputs are returned in TF layout (NHWC), so they compare directly with TF.js.

Shapes and dtypes of ONNX tensors are tracked while building (NumPy for constants, ONNX shape
inference on each single new node otherwise); static shapes give exact TF ``SAME`` padding, fold
``Shape`` and ``Size`` of statically shaped tensors, and resolve ``Squeeze``/``Split`` sizes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import onnx
from onnx import TensorProto, helper

from posekit.convert.core.graph import GraphBuilder, onnx_dtype
from posekit.convert.core.layout import (
    NCHW,
    LayoutTable,
    Perm,
    broadcast_const,
    identity,
    inverse,
)
from posekit.convert.core.naming import sanitize
from posekit.convert.tfjs.reader import (
    TF_DTYPES,
    attr,
    node_key,
    np_dtype,
    shape_dims,
    tensor_attr,
    toposort,
)
from posekit.errors import ConversionError


@dataclass(frozen=True)
class T:
    """A converted tensor: ONNX name plus layout (None: the TF value itself; NCHW: see module doc)."""

    name: str
    perm: Perm | None = None


Handler = Callable[..., "T | list[T]"]


class Converter:
    def __init__(self, spec: dict, weights: dict, name: str, handlers: dict[str, Handler]) -> None:
        self.spec = spec
        self.weights = weights
        self.handlers = handlers
        self.b = GraphBuilder(name)
        self.nodes = {n["name"]: n for n in spec["modelTopology"]["node"]}
        self.t: dict[str, T] = {}  # "node:idx" -> T
        self.shapes: dict[str, list | None] = {}  # onnx name -> physical shape (int | str | None dims)
        self.dtypes: dict[str, np.dtype] = {}
        self.layouts = LayoutTable()  # (name, perm) of a T -> its other layouts
        self._cache: dict = {}
        self.cur = "?"  # TF node being converted (for error messages)

    # ----------------------------------------------------------------------------- bookkeeping
    def fail(self, msg: str) -> NoReturn:
        node = self.nodes.get(self.cur, {})
        raise ConversionError(f"TF.js op {node.get('op', '?')} (node {self.cur!r}): {msg}")

    def emit(self, op: str, inputs: list[str], name: str | None = None, n_out: int = 1, **attrs: Any) -> Any:
        outs = self.b.node(op, inputs, name=name or sanitize(self.cur), n_out=n_out, **attrs)
        outs_l = outs if n_out > 1 else [outs]
        if all(o in self.b.initializers for o in outs_l):
            for o in outs_l:
                self._record_const(o)
        else:
            self._infer(self.b.nodes[-1], inputs)
        return outs

    def const(self, value, name: str = "c", dtype=None) -> str:
        out = self.b.const(np.asarray(value, dtype=dtype), name=name)
        self._record_const(out)
        return out

    def _record_const(self, name: str):
        v = np.asarray(self.b.initializers[name])
        if v.dtype == np.float64:
            v = v.astype(np.float32)
            self.b.initializers[name] = v
        self.shapes[name] = list(v.shape)
        self.dtypes[name] = v.dtype

    def _infer(self, node, inputs):
        ins, inits = [], []
        for i in dict.fromkeys(x for x in inputs if x):
            if i in self.b.initializers and self.b.initializers[i].size <= 64:
                inits.append(onnx.numpy_helper.from_array(np.asarray(self.b.initializers[i]), i))
            shape = self.shapes.get(i)
            ins.append(helper.make_tensor_value_info(i, onnx_dtype(self.dtypes[i]), shape))
        outs = [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in node.output]
        g = helper.make_graph([node], "n", ins, outs, inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", self.b.opset)])
        try:
            inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
        except Exception as e:
            self.fail(f"ONNX shape inference failed for the emitted {node.op_type}: {e}")
        found = {vi.name: vi for vi in list(inferred.graph.value_info) + list(inferred.graph.output)}
        for o in node.output:
            vi = found.get(o)
            tt = vi.type.tensor_type if vi is not None else None
            if tt is None or tt.elem_type == TensorProto.UNDEFINED:
                self.fail(f"could not infer the type of {o}")
            self.dtypes[o] = np.dtype(helper.tensor_dtype_to_np_dtype(tt.elem_type))
            if tt.HasField("shape"):
                self.shapes[o] = [
                    d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tt.shape.dim
                ]
            else:
                self.shapes[o] = None

    def is_const(self, t: T) -> bool:
        return t.name in self.b.initializers

    def val(self, t: T) -> np.ndarray:
        """TF-layout NumPy value of a constant tensor."""
        v = np.asarray(self.b.initializers[t.name])
        return v.transpose(inverse(t.perm)) if t.perm else v

    def cval(self, t: T, what: str) -> np.ndarray:
        if not self.is_const(t):
            self.fail(f"{what} must be a constant (dynamic {what} is not supported)")
        return self.val(t)

    def shape(self, t: T) -> list | None:
        """TF (logical) shape."""
        s = self.shapes.get(t.name)
        if s is None:
            return None
        return [s[i] for i in inverse(t.perm)] if t.perm else list(s)

    def rank(self, t: T) -> int | None:
        s = self.shapes.get(t.name)
        return None if s is None else len(s)

    def need_rank(self, t: T) -> int:
        r = self.rank(t)
        if r is None:
            self.fail("the input rank is unknown")
        return r

    def dtype(self, t: T) -> np.dtype:
        return self.dtypes[t.name]

    def tf(self, t: T) -> str:
        """`t` in TF layout."""
        if t.perm is None:
            return t.name
        return self._relaid(t, identity(4))

    def nchw(self, t: T) -> str:
        """`t` (rank 4) stored NCHW."""
        if t.perm == NCHW:
            return t.name
        if self.rank(t) != 4:
            self.fail(f"expected a rank-4 tensor, got shape {self.shape(t)}")
        return self._relaid(t, NCHW)

    def _relaid(self, t: T, perm: Perm) -> str:
        key = (t.name, t.perm)
        if key not in self.layouts:
            self.layouts.put(key, t.name, t.perm or identity(4))
        return self.layouts.get(key, perm, self._transpose)

    def _transpose(self, src: str, perm: list[int], dst: Perm) -> str:
        return self.emit("Transpose", [src], name=src + ("_nchw" if dst == NCHW else "_nhwc"), perm=perm)

    def i64(self, t: T | str) -> str:
        name = t.name if isinstance(t, T) else t
        if self.dtypes[name] == np.int64:
            return name
        key = (name, "i64")
        if key not in self._cache:
            self._cache[key] = self.emit("Cast", [name], to=TensorProto.INT64)
        return self._cache[key]

    def cast(self, name: str, dtype) -> str:
        if self.dtypes[name] == np.dtype(dtype):
            return name
        return self.emit("Cast", [name], to=onnx_dtype(dtype))

    def scalar(self, value, dtype) -> str:
        key = ("scalar", float(value), np.dtype(dtype).str)
        if key not in self._cache:
            self._cache[key] = self.const(np.asarray(value, dtype=dtype), name="k")
        return self._cache[key]

    # ----------------------------------------------------------------------------- main loop
    # ----------------------------------------------------------------------------- main loop
    def run(self, metadata: dict) -> onnx.ModelProto:
        sig = self.spec.get("signature") or {}
        order = toposort(self.nodes)
        # inputs
        sig_in = {v.get("name", k).split(":")[0]: k for k, v in (sig.get("inputs") or {}).items()}
        sig_out = list((sig.get("outputs") or {}).items())
        for k, _ in sig_out:
            self.b.reserve(sanitize(k))  # keep output names free
        for nname in order:
            node = self.nodes[nname]
            self.cur = nname
            op = node["op"]
            if op == "Placeholder":
                self._placeholder(node, sig_in.get(nname, nname))
                continue
            if op == "Const":
                self._constnode(node)
                continue
            if op == "NoOp":
                continue
            ins = []
            for ref in node.get("input", []):
                if ref.startswith("^"):
                    continue
                key = node_key(ref)
                if key not in self.t:
                    self.fail(f"input {ref!r} is not produced by any node")
                ins.append(self.t[key])
            outs = self._convert(op, node, ins)
            for i, o in enumerate([outs] if isinstance(outs, T) else outs):
                self.t[f"{nname}:{i}"] = o
        # outputs
        if not sig_out:
            used = {
                node_key(r)[: node_key(r).rfind(":")] for n in self.nodes.values() for r in n.get("input", [])
            }
            sig_out = [
                (f"{n}:0", {"name": f"{n}:0"})
                for n in order
                if n not in used and self.nodes[n]["op"] not in ("Const", "NoOp", "Placeholder")
            ]
        for k, v in sig_out:
            key = node_key(v.get("name", k))
            if key not in self.t:
                raise ConversionError(
                    f"signature output {k!r} names tensor {v.get('name')!r} which the graph does not produce"
                )
            self.cur = key
            self.b.output(self.tf(self.t[key]), sanitize(k))
        doc = "Converted from a TensorFlow.js graph model by posekit.convert.tfjs"
        return self.b.build(doc=doc, metadata=metadata)

    def _placeholder(self, node: dict, key: str) -> None:
        dt = np_dtype(attr(node, "dtype", "DT_FLOAT"), node["name"])
        dims = shape_dims(attr(node, "shape"))
        if dims is None:
            sig = (self.spec.get("signature") or {}).get("inputs", {}).get(key, {})
            dims = shape_dims(sig.get("tensorShape"))
        if dims is None:
            self.fail("the input has an unknown rank")
        nm = sanitize(node["name"])  # the TF input's name, as TF.js' model.inputs reports it
        names = ["batch", "height", "width"] if len(dims) == 4 else ["batch"]
        shape = [
            d if d >= 0 else (f"{nm}_{names[i]}" if i < len(names) else f"{nm}_d{i}")
            for i, d in enumerate(dims)
        ]
        name = self.b.input(nm, dt, shape)
        self.shapes[name] = shape
        self.dtypes[name] = np.dtype(dt)
        self.t[node["name"] + ":0"] = T(name)

    def _constnode(self, node: dict) -> None:
        name = node["name"]
        if name in self.weights:
            v = self.weights[name]
        elif attr(node, "value") is not None and isinstance(attr(node, "value"), dict):
            v = tensor_attr(attr(node, "value"), name)
        else:
            self.fail("constant has no value in the weights manifest")
        dt = attr(node, "dtype")
        if isinstance(dt, str) and dt in TF_DTYPES:
            v = v.astype(TF_DTYPES[dt])
        self.t[name + ":0"] = T(self.const(v, name=sanitize(name)))

    # ----------------------------------------------------------------------------- dispatch
    def _convert(self, op: str, node: dict, ins: list[T]) -> T | list[T]:
        fn = self.handlers.get(op.lstrip("_"))
        if fn is None:
            self.fail("unsupported op (posekit's TF.js converter has no mapping for it)")
        return fn(self, node, ins)

    # ----------------------------------------------------------------------------- element-wise
    def nchw_operand(self, t: T) -> str | None:
        """`t` as an operand of an element-wise op computed in NCHW, or None when not possible."""
        if t.perm == NCHW:
            return t.name
        r = self.rank(t)
        if r == 0:
            return t.name
        if self.is_const(t) and r is not None and r <= 4:
            key = (t.name, "nchw_b")
            if key not in self._cache:
                self._cache[key] = self.const(broadcast_const(self.val(t), 4, NCHW), name=t.name + "_nchw")
            return self._cache[key]
        if r == 4:
            return self.nchw(t)
        return None

    def operands(self, ins: list[T]) -> tuple[Perm | None, list[str]]:
        """Layout and operands of an element-wise op: NCHW when an input is NCHW and every operand
        can follow (constants are laid out at conversion time), else the TF layout."""
        if any(t.perm == NCHW for t in ins):
            ops = [self.nchw_operand(t) for t in ins]
            if all(o is not None for o in ops):
                return NCHW, [o for o in ops if o is not None]
        return None, [self.tf(t) for t in ins]

    def eltwise(self, op: str, ins: list[T], **attrs: Any) -> T:
        perm, ops = self.operands(ins)
        return T(self.emit(op, ops, **attrs), perm)


def handlers_of(namespace: dict[str, Any]) -> dict[str, Handler]:
    """The ``op_<TF op>(c, node, ins)`` functions of a handler module, keyed by TF op name."""
    return {k[3:]: v for k, v in namespace.items() if k.startswith("op_") and callable(v)}
