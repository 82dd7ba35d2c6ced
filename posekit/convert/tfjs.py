"""TensorFlow.js graph model (``model.json`` + weight shards) → ONNX, built with ``onnx`` only.

Entry point: :func:`convert_tfjs`. No TensorFlow and no tf2onnx: the ``modelTopology`` GraphDef
(JSON encoded) is read node by node and every TF op is mapped onto a few ONNX ops through the
shared :class:`posekit.convert.graph.GraphBuilder`, which folds constant sub-expressions eagerly.

How the layout handling works
-----------------------------
TF graphs are NHWC; ONNX convolutions, pools, pads and resizes want NCHW. Instead of wrapping
every op in a pair of transposes, each converted tensor carries a *layout*:

* ``"tf"``   – the ONNX tensor holds exactly the TF value (any rank);
* ``"nchw"`` – the ONNX tensor is the rank-4 TF value (NHWC) transposed with ``[0, 3, 1, 2]``.

Layout-aware ops accept ``nchw`` inputs and produce ``nchw`` outputs: Conv2D / _FusedConv2D /
(Fused)DepthwiseConv2dNative (grouped Conv with re-laid-out filters), MaxPool / AvgPool,
Pad / PadV2 / MirrorPad (pads permuted), ResizeBilinear / ResizeNearestNeighbor, DepthToSpace /
SpaceToDepth (ONNX ``DCR`` matches TF's channel order), all unary element-wise ops and
activations, binary/n-ary element-wise ops (constants of rank <= 4 are broadcast to rank 4 and
transposed *at conversion time*; a non-constant rank-4 NHWC operand costs one transpose),
ConcatV2 / Split / SplitV / Tile / Slice / StridedSlice (axes remapped, no shrink/new axes),
Mean / Sum / Max / Min / Prod (axes remapped; ``keep_dims=False`` stays in NCHW when the
remaining axes keep TF's order, e.g. a global average pool), Softmax, BiasAdd, Prelu, Shape
(``Shape`` + ``Gather``; fully static shapes fold to a constant) and Transpose (the input's
layout is folded into the permutation; an NCHW→NHWC transpose of an NCHW-laid tensor costs
nothing).

Every other op (Reshape, Squeeze, GatherNd, TopKV2, ArgMax, ...) asks for its inputs in ``tf``
layout; the conversion ``nchw → tf`` is one Transpose, created once per tensor and cached. Graph
outputs are always returned in TF layout (NHWC), so they compare directly with TF.js. A
convolutional trunk therefore costs one transpose at its input and one where it leaves the 4-D
world (a Reshape, an output, ...).

Shapes and dtypes of ONNX tensors are tracked while building (NumPy for constants, ONNX shape
inference on each single new node otherwise); static shapes give exact TF ``SAME`` padding as
explicit pads (``SAME_UPPER`` when a spatial size is dynamic — identical to TF), fold ``Shape``
and ``Size`` of statically shaped tensors, and resolve ``Squeeze``/``Split`` sizes.

The output is deterministic: converting the same files twice gives byte-identical models.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from posekit.convert.graph import GraphBuilder, onnx_dtype
from posekit.errors import ConversionError

CONVERTER_VERSION = "1.0"

P0 = (0, 3, 1, 2)  # NHWC -> NCHW (phys = tf.transpose(P0)); also NCHW axis -> NHWC axis
Q0 = (0, 2, 3, 1)  # NCHW -> NHWC (tf = phys.transpose(Q0)); also NHWC axis -> NCHW axis
INT_MAX = np.iinfo(np.int64).max
INT_MIN = np.iinfo(np.int64).min

_TF_DTYPES = {
    "DT_FLOAT": np.float32,
    "DT_HALF": np.float16,
    "DT_INT32": np.int32,
    "DT_INT64": np.int64,
    "DT_BOOL": np.bool_,
    "DT_UINT8": np.uint8,
    "DT_INT8": np.int8,
    "DT_DOUBLE": np.float32,  # TF.js computes in float32 anyway
}
_MANIFEST_DTYPES = {"float32": "<f4", "int32": "<i4", "bool": "|b1", "int64": "<i8", "uint8": "u1"}


def sanitize(name: str) -> str:
    """Every character outside [A-Za-z0-9_] becomes ``_`` (``Identity:0`` → ``Identity_0``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def convert_tfjs(model_json: str | Path, *, name: str = "tfjs_model") -> onnx.ModelProto:
    """Convert a TF.js graph model (``model.json`` plus the weight shards it names) to ONNX.

    Inputs keep TF's names (the Placeholder's name, as TF.js' ``model.inputs`` reports it,
    sanitised), dtypes and NHWC layout (batch -1 and other unknown dims become symbolic); outputs
    are named by the sanitised ``signature.outputs`` keys.
    Raises :class:`ConversionError` for unsupported ops or attributes.
    """
    path = Path(model_json)
    try:
        raw = path.read_bytes()
        spec = json.loads(raw)
    except (OSError, ValueError) as e:
        raise ConversionError(f"cannot read TF.js model {path}: {e}") from e
    if "modelTopology" not in spec or "node" not in (spec.get("modelTopology") or {}):
        raise ConversionError(f"{path} is not a TF.js graph model (no modelTopology.node)")
    weights = read_weights(spec.get("weightsManifest", []), path.parent)
    conv = _Converter(spec, weights, name)
    hasher = hashlib.sha256(raw)
    for group in spec.get("weightsManifest", []):
        for p in group.get("paths", []):
            hasher.update((path.parent / p).read_bytes())
    meta = {
        "source_format": "tfjs-graph-model",
        "source_sha256": hasher.hexdigest(),
        "source_generated_by": str(spec.get("generatedBy", "")),
        "source_converted_by": str(spec.get("convertedBy", "")),
        "converter": "posekit.convert.tfjs",
        "converter_version": CONVERTER_VERSION,
    }
    return conv.run(meta)


# --------------------------------------------------------------------------------------------
# weights
# --------------------------------------------------------------------------------------------
def read_weights(manifest: list, folder: Path) -> dict[str, np.ndarray]:
    """Decode the weight shards of a TF.js weights manifest (float16 and uint8/uint16 affine
    quantisation included, as TF.js' ``decodeWeights`` does)."""
    chunks = []
    for group in manifest:
        for p in group.get("paths", []):
            f = folder / p
            if not f.is_file():
                raise ConversionError(f"weight shard {p} named in the weights manifest is missing next to the model JSON ({f})")
            chunks.append(f.read_bytes())
    buf = b"".join(chunks)
    out: dict[str, np.ndarray] = {}
    offset = 0
    for group in manifest:
        for w in group.get("weights", []):
            shape = [int(s) for s in w.get("shape", [])]
            n = int(np.prod(shape)) if shape else 1
            dtype = w.get("dtype", "float32")
            q = w.get("quantization")
            if q:
                qd = q.get("dtype")
                if qd == "float16":
                    arr = np.frombuffer(buf, "<f2", n, offset).astype(np.float32)
                    offset += 2 * n
                elif qd in ("uint8", "uint16"):
                    raw = np.frombuffer(buf, "u1" if qd == "uint8" else "<u2", n, offset)
                    offset += raw.nbytes
                    vals = raw.astype(np.float64) * float(q["scale"]) + float(q["min"])
                    arr = np.round(vals).astype(np.int32) if dtype == "int32" else vals.astype(np.float32)
                else:
                    raise ConversionError(f"weight {w.get('name')}: unsupported quantization dtype {qd!r}")
            else:
                if dtype not in _MANIFEST_DTYPES:
                    raise ConversionError(f"weight {w.get('name')}: unsupported weight dtype {dtype!r}")
                arr = np.frombuffer(buf, _MANIFEST_DTYPES[dtype], n, offset)
                offset += arr.nbytes
                arr = arr.astype(np.bool_) if dtype == "bool" else arr.copy()
            if offset > len(buf):
                raise ConversionError(f"weight shards are too short for weight {w.get('name')}")
            out[w["name"]] = arr.reshape(shape)
    return out


# --------------------------------------------------------------------------------------------
# attributes
# --------------------------------------------------------------------------------------------
def _attr(node: dict, key: str, default=None):
    a = (node.get("attr") or {}).get(key)
    if a is None:
        return default
    if "list" in a:
        lst = a["list"]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        if "s" in lst:
            return [base64.b64decode(v).decode() for v in lst["s"]]
        return []
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "i" in a:
        return int(a["i"])
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "type" in a:
        return a["type"]
    if "shape" in a:
        return a["shape"]
    if "tensor" in a:
        return a["tensor"]
    # proto3 JSON omits default scalar values
    return default if default is not None else 0


def _shape_dims(shape_proto) -> list | None:
    if not shape_proto or shape_proto.get("unknownRank"):
        return None
    return [int(d.get("size", 0)) for d in shape_proto.get("dim", [])]


def _np_dtype(tf_type, node_name="?") -> np.dtype:
    if tf_type not in _TF_DTYPES:
        raise ConversionError(f"node {node_name!r}: unsupported TF dtype {tf_type}")
    return np.dtype(_TF_DTYPES[tf_type])


def _tensor_attr(t: dict, node_name: str) -> np.ndarray:
    dt = _np_dtype(t.get("dtype", "DT_FLOAT"), node_name)
    shape = _shape_dims(t.get("tensorShape", {})) or []
    if "tensorContent" in t:
        arr = np.frombuffer(base64.b64decode(t["tensorContent"]), dtype=dt).copy()
    else:
        for key in ("floatVal", "intVal", "int64Val", "boolVal", "halfVal"):
            if key in t:
                arr = np.asarray(t[key]).astype(dt)
                break
        else:
            arr = np.zeros([1], dt)
    n = int(np.prod(shape)) if shape else 1
    if arr.size == 1 and n != 1:
        arr = np.full(n, arr.reshape(-1)[0], dt)
    return arr.reshape(shape)


# --------------------------------------------------------------------------------------------
# converter
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class T:
    """A converted tensor: ONNX name plus layout ('tf' or 'nchw', see module doc)."""

    name: str
    layout: str = "tf"


_UNARY = {
    "Relu": "Relu", "Sigmoid": "Sigmoid", "Tanh": "Tanh", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt",
    "Abs": "Abs", "Neg": "Neg", "Floor": "Floor", "Ceil": "Ceil", "Round": "Round", "Sign": "Sign",
    "Reciprocal": "Reciprocal", "Inv": "Reciprocal", "Elu": "Elu", "Selu": "Selu", "Softplus": "Softplus",
    "Softsign": "Softsign", "Erf": "Erf", "Sin": "Sin", "Cos": "Cos", "Tan": "Tan", "Asin": "Asin",
    "Acos": "Acos", "Atan": "Atan", "Sinh": "Sinh", "Cosh": "Cosh", "LogicalNot": "Not", "IsNan": "IsNaN",
}
_BINARY = {
    "Add": "Add", "AddV2": "Add", "Sub": "Sub", "Mul": "Mul", "RealDiv": "Div", "Div": "Div",
    "Maximum": "Max", "Minimum": "Min", "Pow": "Pow", "Equal": "Equal", "Greater": "Greater",
    "GreaterEqual": "GreaterOrEqual", "Less": "Less", "LessEqual": "LessOrEqual", "LogicalAnd": "And",
    "LogicalOr": "Or", "BiasAdd": "Add",
}
_REDUCE = {"Mean": "ReduceMean", "Sum": "ReduceSum", "Max": "ReduceMax", "Min": "ReduceMin", "Prod": "ReduceProd"}
_PASS = {"Identity", "StopGradient", "Snapshot", "PreventGradient", "IdentityN", "EnsureShape"}


class _Converter:
    def __init__(self, spec: dict, weights: dict, name: str):
        self.spec = spec
        self.weights = weights
        self.b = GraphBuilder(name)
        self.nodes = {n["name"]: n for n in spec["modelTopology"]["node"]}
        self.t: dict[str, T] = {}  # "node:idx" -> T
        self.shapes: dict[str, list | None] = {}  # onnx name -> physical shape (int | str | None dims)
        self.dtypes: dict[str, np.dtype] = {}
        self._cache: dict = {}
        self.cur = "?"  # TF node being converted (for error messages)

    # ----------------------------------------------------------------------------- bookkeeping
    def fail(self, msg: str):
        node = self.nodes.get(self.cur, {})
        raise ConversionError(f"TF.js op {node.get('op', '?')} (node {self.cur!r}): {msg}")

    def emit(self, op: str, inputs: list[str], n_out: int = 1, name: str | None = None, **attrs):
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
        except Exception as e:  # noqa: BLE001 - a malformed node is a conversion bug; say where
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
        return v.transpose(Q0) if t.layout == "nchw" else v

    def cval(self, t: T, what: str) -> np.ndarray:
        if not self.is_const(t):
            self.fail(f"{what} must be a constant (dynamic {what} is not supported)")
        return self.val(t)

    def shape(self, t: T) -> list | None:
        """TF (logical) shape."""
        s = self.shapes.get(t.name)
        if s is None:
            return None
        return [s[i] for i in Q0] if t.layout == "nchw" else list(s)

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
        if t.layout == "tf":
            return t.name
        key = (t.name, "tf")
        if key not in self._cache:
            self._cache[key] = self.emit("Transpose", [t.name], name=t.name + "_nhwc", perm=list(Q0))
        return self._cache[key]

    def nchw(self, t: T) -> str:
        if t.layout == "nchw":
            return t.name
        if self.rank(t) != 4:
            self.fail(f"expected a rank-4 tensor, got shape {self.shape(t)}")
        key = (t.name, "nchw")
        if key not in self._cache:
            self._cache[key] = self.emit("Transpose", [t.name], name=t.name + "_nchw", perm=list(P0))
        return self._cache[key]

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
    def run(self, metadata: dict) -> onnx.ModelProto:
        sig = self.spec.get("signature") or {}
        order = self._toposort()
        # inputs
        sig_in = {v.get("name", k).split(":")[0]: k for k, v in (sig.get("inputs") or {}).items()}
        sig_out = list((sig.get("outputs") or {}).items())
        if hasattr(self.b, "reserve"):
            for k, _ in sig_out:
                self.b.reserve(sanitize(k))
        else:
            self.b._names.update(sanitize(k) for k, _ in sig_out)  # keep output names free
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
                key = self._key(ref)
                if key not in self.t:
                    self.fail(f"input {ref!r} is not produced by any node")
                ins.append(self.t[key])
            outs = self._convert(op, node, ins)
            if isinstance(outs, T):
                outs = [outs]
            for i, o in enumerate(outs):
                self.t[f"{nname}:{i}"] = o
        # outputs
        if not sig_out:
            used = {self._key(r)[: self._key(r).rfind(":")] for n in self.nodes.values() for r in n.get("input", [])}
            sig_out = [(f"{n}:0", {"name": f"{n}:0"}) for n in order if n not in used and self.nodes[n]["op"] not in ("Const", "NoOp", "Placeholder")]
        if hasattr(self.b, "reserve"):
            pass
        else:
            self.b._names.difference_update(sanitize(k) for k, _ in sig_out)
        for k, v in sig_out:
            key = self._key(v.get("name", k))
            if key not in self.t:
                raise ConversionError(f"signature output {k!r} names tensor {v.get('name')!r} which the graph does not produce")
            self.cur = key
            t = self.t[key]
            out = self.tf(t)
            self.b.output(out, sanitize(k))
        doc = "Converted from a TensorFlow.js graph model by posekit.convert.tfjs"
        return self.b.build(doc=doc, metadata=metadata)

    @staticmethod
    def _key(ref: str) -> str:
        return ref if re.search(r":\d+$", ref) else ref + ":0"

    def _toposort(self) -> list[str]:
        order, state = [], {}
        for root in self.nodes:
            if root in state:
                continue
            stack = [(root, False)]
            while stack:
                n, done = stack.pop()
                if done:
                    if state.get(n) != 2:
                        state[n] = 2
                        order.append(n)
                    continue
                if state.get(n):
                    continue
                state[n] = 1
                stack.append((n, True))
                for ref in reversed(self.nodes[n].get("input", [])):
                    dep = ref.lstrip("^")
                    dep = dep[: dep.rfind(":")] if re.search(r":\d+$", dep) else dep
                    if dep not in self.nodes:
                        raise ConversionError(f"node {n!r} refers to unknown node {dep!r}")
                    if not state.get(dep):
                        stack.append((dep, False))
        return order

    def _placeholder(self, node, key):
        dt = _np_dtype(_attr(node, "dtype", "DT_FLOAT"), node["name"])
        dims = _shape_dims(_attr(node, "shape"))
        if dims is None:
            sig = (self.spec.get("signature") or {}).get("inputs", {}).get(key, {})
            dims = _shape_dims(sig.get("tensorShape"))
        if dims is None:
            self.fail("the input has an unknown rank")
        nm = sanitize(node["name"])  # the TF input's name, as TF.js' model.inputs reports it
        names = ["batch", "height", "width"] if len(dims) == 4 else ["batch"]
        shape = [d if d >= 0 else (f"{nm}_{names[i]}" if i < len(names) else f"{nm}_d{i}") for i, d in enumerate(dims)]
        name = self.b.input(nm, dt, shape)
        self.shapes[name] = shape
        self.dtypes[name] = np.dtype(dt)
        self.t[node["name"] + ":0"] = T(name)

    def _constnode(self, node):
        name = node["name"]
        if name in self.weights:
            v = self.weights[name]
        elif _attr(node, "value") is not None and isinstance(_attr(node, "value"), dict):
            v = _tensor_attr(_attr(node, "value"), name)
        else:
            self.fail("constant has no value in the weights manifest")
        dt = _attr(node, "dtype")
        if isinstance(dt, str) and dt in _TF_DTYPES:
            v = v.astype(_TF_DTYPES[dt])
        self.t[name + ":0"] = T(self.const(v, name=sanitize(name)))

    # ----------------------------------------------------------------------------- dispatch
    def _convert(self, op, node, ins):
        if op in _PASS:
            return ins if op == "IdentityN" else ins[0]
        if op in _UNARY:
            attrs = {}
            if op == "Elu":
                attrs["alpha"] = 1.0
            return T(self.emit(_UNARY[op], [ins[0].name], **attrs), ins[0].layout)
        if op in _BINARY:
            if op == "BiasAdd" and _attr(node, "data_format", "NHWC") == "NCHW":
                ins = [ins[0], T(self.const(self.cval(ins[1], "bias").reshape(-1, 1, 1), "bias"))]
            return self.eltwise(_BINARY[op], ins)
        if op in _REDUCE:
            return self.reduce(_REDUCE[op], node, ins)
        fn = getattr(self, "op_" + op.lstrip("_"), None)
        if fn is None:
            self.fail("unsupported op (posekit's TF.js converter has no mapping for it)")
        return fn(node, ins)

    # element-wise ---------------------------------------------------------------------------
    def _nchw_operand(self, t: T) -> str | None:
        """`t` as an operand of an element-wise op computed in NCHW, or None when not possible."""
        if t.layout == "nchw":
            return t.name
        r = self.rank(t)
        if r == 0:
            return t.name
        if self.is_const(t) and r is not None and r <= 4:
            key = (t.name, "nchw_b")
            if key not in self._cache:
                v = self.val(t)
                v = v.reshape([1] * (4 - r) + list(v.shape)).transpose(P0)
                self._cache[key] = self.const(np.ascontiguousarray(v), name=t.name + "_nchw")
            return self._cache[key]
        if r == 4:
            return self.nchw(t)
        return None

    def eltwise(self, op: str, ins: list[T], **attrs) -> T:
        if any(t.layout == "nchw" for t in ins):
            ops = [self._nchw_operand(t) for t in ins]
            if all(o is not None for o in ops):
                return T(self.emit(op, ops, **attrs), "nchw")
        return T(self.emit(op, [self.tf(t) for t in ins], **attrs))

    def op_AddN(self, node, ins):
        y = ins[0]
        for t in ins[1:]:  # chained Add: ONNX Sum has no integer kernels in onnxruntime
            y = self.eltwise("Add", [y, t])
        return y

    def op_SquaredDifference(self, node, ins):
        d = self.eltwise("Sub", ins)
        return T(self.emit("Mul", [d.name, d.name]), d.layout)

    def op_Square(self, node, ins):
        return T(self.emit("Mul", [ins[0].name, ins[0].name]), ins[0].layout)

    def op_Rsqrt(self, node, ins):
        return T(self.emit("Reciprocal", [self.emit("Sqrt", [ins[0].name])]), ins[0].layout)

    def op_NotEqual(self, node, ins):
        e = self.eltwise("Equal", ins)
        return T(self.emit("Not", [e.name]), e.layout)

    def op_FloorDiv(self, node, ins):
        if np.issubdtype(self.dtype(ins[0]), np.floating):
            d = self.eltwise("Div", ins)
            return T(self.emit("Floor", [d.name]), d.layout)
        m = self.eltwise("Mod", ins, fmod=0)  # sign of the divisor, like Python / TF
        a = self.eltwise("Sub", [ins[0], m])
        return self.eltwise("Div", [a, ins[1]])

    def op_FloorMod(self, node, ins):
        if np.issubdtype(self.dtype(ins[0]), np.floating):
            q = self.op_FloorDiv(node, ins)
            p = self.eltwise("Mul", [q, ins[1]])
            return self.eltwise("Sub", [ins[0], p])
        return self.eltwise("Mod", ins, fmod=0)

    def op_Relu6(self, node, ins):
        x = ins[0]
        dt = self.dtype(x)
        return T(self.emit("Clip", [x.name, self.scalar(0, dt), self.scalar(6, dt)]), x.layout)

    def op_LeakyRelu(self, node, ins):
        return T(self.emit("LeakyRelu", [ins[0].name], alpha=float(_attr(node, "alpha", 0.2))), ins[0].layout)

    def op_Prelu(self, node, ins):
        return self.eltwise("PRelu", ins)

    def op_ClipByValue(self, node, ins):
        x, lo, hi = ins
        if self.is_const(lo) and self.is_const(hi) and self.val(lo).size == 1 and self.val(hi).size == 1:
            dt = self.dtype(x)
            return T(self.emit("Clip", [x.name, self.scalar(self.val(lo).item(), dt), self.scalar(self.val(hi).item(), dt)]), x.layout)
        return self.eltwise("Max", [self.eltwise("Min", [x, hi]), lo])

    def op_Select(self, node, ins):
        c, x, y = ins
        rc, rx = self.rank(c), self.rank(x)
        if node["op"] == "Select" and rc == 1 and rx is not None and rx > 1:
            c = T(self.emit("Unsqueeze", [self.tf(c), self.const(np.arange(1, rx, dtype=np.int64), "axes")]))
        return self.eltwise("Where", [c, x, y])

    op_SelectV2 = op_Select
    op_Where3 = op_Select

    def op_Cast(self, node, ins):
        dt = _np_dtype(_attr(node, "DstT", "DT_FLOAT"), node["name"])
        return T(self.cast(ins[0].name, dt), ins[0].layout)

    def op_Softmax(self, node, ins, op="Softmax"):
        x = ins[0]
        axis = 1 if x.layout == "nchw" else -1
        return T(self.emit(op, [x.name], axis=axis), x.layout)

    def op_LogSoftmax(self, node, ins):
        return self.op_Softmax(node, ins, "LogSoftmax")

    def op_FusedBatchNorm(self, node, ins):
        x, scale, offset, mean, var = ins[:5]
        eps = float(_attr(node, "epsilon", 1e-3))
        s = self.cval(scale, "scale") / np.sqrt(self.cval(var, "variance") + eps)
        o = self.cval(offset, "offset") - self.cval(mean, "mean") * s
        if _attr(node, "data_format", "NHWC") == "NCHW":
            s, o = s.reshape(-1, 1, 1), o.reshape(-1, 1, 1)
        y = self.eltwise("Mul", [x, T(self.const(s.astype(np.float32), "bn_scale"))])
        return self.eltwise("Add", [y, T(self.const(o.astype(np.float32), "bn_offset"))])

    op_FusedBatchNormV2 = op_FusedBatchNorm
    op_FusedBatchNormV3 = op_FusedBatchNorm

    # reductions -----------------------------------------------------------------------------
    def _axes(self, t: T, rank: int) -> list[int]:
        a = np.asarray(self.cval(t, "axis")).reshape(-1)
        return sorted({int(v) % rank for v in a}) if rank else []

    def reduce(self, onnx_op: str, node, ins) -> T:
        x = ins[0]
        r = self.need_rank(x)
        axes = self._axes(ins[1], r)
        keep = bool(_attr(node, "keep_dims", False))
        if not axes:
            return x
        out_layout = "tf"
        if x.layout == "nchw":
            rest = [P0[j] for j in range(4) if P0[j] not in axes]
            if keep:
                xin, axes, out_layout = x.name, sorted(Q0[a] for a in axes), "nchw"
            elif rest == sorted(rest):
                xin, axes = x.name, sorted(Q0[a] for a in axes)
            else:
                xin = self.tf(x)
        else:
            xin = self.tf(x)
        is_bool = self.dtypes[xin] == np.bool_
        if is_bool:
            xin = self.cast(xin, np.int32)
        if onnx_op == "ReduceSum":
            y = self.emit(onnx_op, [xin, self.const(np.asarray(axes, np.int64), "axes")], keepdims=int(keep))
        else:
            y = self.emit(onnx_op, [xin], axes=axes, keepdims=int(keep))
        if is_bool:
            y = self.cast(y, np.bool_)
        return T(y, out_layout)

    def op_All(self, node, ins):
        return self.reduce("ReduceMin", node, ins)

    def op_Any(self, node, ins):
        return self.reduce("ReduceMax", node, ins)

    def op_ArgMax(self, node, ins, op="ArgMax"):
        x = ins[0]
        r = self.need_rank(x)
        axis = self._axes(ins[1], r)[0]
        y = self.emit(op, [self.tf(x)], axis=axis, keepdims=0)
        return T(self.cast(y, _np_dtype(_attr(node, "output_type", "DT_INT64"))))

    def op_ArgMin(self, node, ins):
        return self.op_ArgMax(node, ins, "ArgMin")

    # convolutions / pools -------------------------------------------------------------------
    def _spatial_pads(self, padding, in_hw, k_hw, s_hw, d_hw, node):
        if padding == "VALID":
            return {"pads": [0, 0, 0, 0]}
        if padding == "EXPLICIT":
            ep = _attr(node, "explicit_paddings", [])
            fmt = _attr(node, "data_format", "NHWC")
            hw = (1, 2) if fmt == "NHWC" else (2, 3)
            return {"pads": [ep[2 * hw[0]], ep[2 * hw[1]], ep[2 * hw[0] + 1], ep[2 * hw[1] + 1]]}
        if padding != "SAME":
            self.fail(f"unsupported padding {padding!r}")
        if not all(isinstance(v, int) for v in in_hw):
            return {"auto_pad": "SAME_UPPER"}  # ONNX SAME_UPPER puts the odd pixel at the end, as TF does
        begin, end = [], []
        for n, k, s, d in zip(in_hw, k_hw, s_hw, d_hw):
            out = -(-n // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
            begin.append(total // 2)
            end.append(total - total // 2)
        return {"pads": begin + end}

    def _conv_input(self, node, x: T):
        fmt = _attr(node, "data_format", "NHWC")
        if fmt == "NHWC":
            xin, layout, hw = self.nchw(x), "nchw", (1, 2)
        elif fmt == "NCHW":
            xin, layout, hw = self.tf(x), "tf", (2, 3)
        else:
            self.fail(f"unsupported data_format {fmt!r}")
        return xin, layout, hw

    def _conv(self, node, ins, depthwise: bool, fused: bool):
        x, w = ins[0], ins[1]
        wv = self.cval(w, "filter").astype(np.float32)
        xin, layout, hw = self._conv_input(node, x)
        strides = _attr(node, "strides", [1, 1, 1, 1])
        dil = _attr(node, "dilations", [1, 1, 1, 1]) or [1, 1, 1, 1]
        s_hw, d_hw = [strides[hw[0]], strides[hw[1]]], [dil[hw[0]], dil[hw[1]]]
        kh, kw = wv.shape[0], wv.shape[1]
        phys = self.shapes.get(xin) or [None] * 4
        cin = phys[1]
        if depthwise:
            c, m = wv.shape[2], wv.shape[3]
            wo = wv.reshape(kh, kw, c * m).transpose(2, 0, 1).reshape(c * m, 1, kh, kw)
            group = c
        else:
            wo = wv.transpose(3, 2, 0, 1)
            group = 1
            if isinstance(cin, int) and cin != wv.shape[2]:
                if cin % wv.shape[2]:
                    self.fail(f"input channels {cin} are not a multiple of the filter's {wv.shape[2]}")
                group = cin // wv.shape[2]
        bias = None
        acts = []
        if fused:
            fops = _attr(node, "fused_ops", [])
            args = ins[2:]
            if fops and fops[0] == "BiasAdd":
                bias = self.cval(args[0], "bias").astype(np.float32).reshape(-1)
                args = args[1:]
                fops = fops[1:]
            elif fops and fops[0] == "FusedBatchNorm":
                scale, offset, mean, var = (self.cval(a, "batch norm argument").astype(np.float64) for a in args[:4])
                eps = float(_attr(node, "epsilon", 1e-3))
                f = scale / np.sqrt(var + eps)
                wo = (wo * f.reshape(-1, 1, 1, 1)).astype(np.float32)
                bias = (offset - mean * f).astype(np.float32)
                args = args[4:]
                fops = fops[1:]
            acts = [(a, args) for a in fops]
        pads = self._spatial_pads(_attr(node, "padding", "VALID"), phys[2:4], (kh, kw), s_hw, d_hw, node)
        cins = [xin, self.const(np.ascontiguousarray(wo, dtype=np.float32), sanitize(self.cur) + "_W")]
        if bias is not None:
            cins.append(self.const(bias, sanitize(self.cur) + "_B"))
        y = T(self.emit("Conv", cins, kernel_shape=[kh, kw], strides=s_hw, dilations=d_hw, group=group, **pads), layout)
        return self._activations(node, y, acts)

    def _activations(self, node, y: T, acts) -> T:
        for act, args in acts:
            if act == "Relu":
                y = T(self.emit("Relu", [y.name]), y.layout)
            elif act == "Relu6":
                y = self.op_Relu6(node, [y])
            elif act == "Elu":
                y = T(self.emit("Elu", [y.name], alpha=1.0), y.layout)
            elif act == "Sigmoid":
                y = T(self.emit("Sigmoid", [y.name]), y.layout)
            elif act == "Tanh":
                y = T(self.emit("Tanh", [y.name]), y.layout)
            elif act == "LeakyRelu":
                y = T(self.emit("LeakyRelu", [y.name], alpha=float(_attr(node, "leakyrelu_alpha", 0.2))), y.layout)
            elif act == "Prelu":
                if not args:
                    self.fail("fused Prelu without an alpha argument")
                alpha = self.cval(args[0], "prelu alpha").astype(np.float32)
                if y.layout == "nchw":
                    alpha = alpha.reshape(-1, 1, 1) if alpha.size > 1 else alpha.reshape(1)
                y = T(self.emit("PRelu", [y.name, self.const(alpha, "alpha")]), y.layout)
            else:
                self.fail(f"unsupported fused activation {act!r}")
        return y

    def op_Conv2D(self, node, ins):
        return self._conv(node, ins, depthwise=False, fused=False)

    def op_FusedConv2D(self, node, ins):
        return self._conv(node, ins, depthwise=False, fused=True)

    def op_DepthwiseConv2dNative(self, node, ins):
        return self._conv(node, ins, depthwise=True, fused=False)

    def op_FusedDepthwiseConv2dNative(self, node, ins):
        return self._conv(node, ins, depthwise=True, fused=True)

    def _pool(self, node, ins, op):
        xin, layout, hw = self._conv_input(node, ins[0])
        k = _attr(node, "ksize", [1, 1, 1, 1])
        s = _attr(node, "strides", [1, 1, 1, 1])
        k_hw, s_hw = [k[hw[0]], k[hw[1]]], [s[hw[0]], s[hw[1]]]
        phys = self.shapes.get(xin) or [None] * 4
        pads = self._spatial_pads(_attr(node, "padding", "VALID"), phys[2:4], k_hw, s_hw, (1, 1), node)
        extra = {"count_include_pad": 0} if op == "AveragePool" else {}
        return T(self.emit(op, [xin], kernel_shape=k_hw, strides=s_hw, **pads, **extra), layout)

    def op_MaxPool(self, node, ins):
        return self._pool(node, ins, "MaxPool")

    def op_AvgPool(self, node, ins):
        return self._pool(node, ins, "AveragePool")

    def op_FusedMatMul(self, node, ins):
        y = self.op_MatMul(node, ins[:2])
        fops = _attr(node, "fused_ops", [])
        args = ins[2:]
        if fops and fops[0] == "BiasAdd":
            y = self.eltwise("Add", [y, args[0]])
            fops, args = fops[1:], args[1:]
        return self._activations(node, y, [(a, args) for a in fops])

    def op_MatMul(self, node, ins):
        a, b = (self.tf(t) for t in ins[:2])
        ta = _attr(node, "transpose_a", False) or _attr(node, "adj_x", False)
        tb = _attr(node, "transpose_b", False) or _attr(node, "adj_y", False)
        for flag, idx in ((ta, 0), (tb, 1)):
            if flag:
                name = (a, b)[idx]
                r = len(self.shapes[name])
                perm = list(range(r - 2)) + [r - 1, r - 2]
                t_name = self.emit("Transpose", [name], perm=perm)
                a, b = (t_name, b) if idx == 0 else (a, t_name)
        return T(self.emit("MatMul", [a, b]))

    op_BatchMatMul = op_MatMul
    op_BatchMatMulV2 = op_MatMul

    # padding / resize / depth-to-space ------------------------------------------------------
    def op_Pad(self, node, ins):
        x, p = ins[0], ins[1]
        r = self.need_rank(x)
        if self.is_const(p):
            pv = self.val(p).reshape(r, 2).astype(np.int64)
            if x.layout == "nchw":
                pv = pv[list(P0)]
            pads = self.const(np.concatenate([pv[:, 0], pv[:, 1]]), "pads")
            xin = x.name
        else:
            xin = self.tf(x)
            pads = self.emit("Reshape", [self.emit("Transpose", [self.i64(p)], perm=[1, 0]), self.const(np.asarray([-1], np.int64), "shape")])
        mode = "constant"
        if node["op"] == "MirrorPad":
            m = _attr(node, "mode", "REFLECT")
            if m != "REFLECT":
                self.fail(f"MirrorPad mode {m} is not supported (ONNX has REFLECT only)")
            mode = "reflect"
        dt = self.dtypes[xin]
        cv = self.scalar(self.cval(ins[2], "constant value").item() if len(ins) > 2 else 0, dt) if mode == "constant" else ""
        inputs = [xin, pads] + ([cv] if cv else [])
        return T(self.emit("Pad", inputs, mode=mode), x.layout if xin == x.name else "tf")

    op_PadV2 = op_Pad
    op_MirrorPad = op_Pad

    def _resize(self, node, ins, mode):
        x, size = ins
        xin = self.nchw(x)
        if not np.issubdtype(self.dtypes[xin], np.floating):
            xin = self.cast(xin, np.float32)
        phys = self.shapes.get(xin) or [None] * 4
        if self.is_const(size) and isinstance(phys[0], int) and isinstance(phys[1], int):
            sizes = self.const(np.asarray([phys[0], phys[1], *self.val(size).reshape(-1)], np.int64), "sizes")
        else:
            nc = self.emit("Shape", [xin], start=0, end=2)
            sizes = self.emit("Concat", [nc, self.i64(size)], axis=0)
        ac = bool(_attr(node, "align_corners", False))
        hp = bool(_attr(node, "half_pixel_centers", False))
        if mode == "linear":
            ctm = "align_corners" if ac else ("half_pixel" if hp else "asymmetric")
            attrs = {"mode": "linear", "coordinate_transformation_mode": ctm}
        else:
            if ac:
                attrs = {"coordinate_transformation_mode": "align_corners", "nearest_mode": "round_prefer_ceil"}
            elif hp:
                attrs = {"coordinate_transformation_mode": "tf_half_pixel_for_nn", "nearest_mode": "floor"}
            else:
                attrs = {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
            attrs["mode"] = "nearest"
        y = self.emit("Resize", [xin, "", "", sizes], **attrs)
        if node["op"] != "ResizeBilinear" and self.dtypes[y] != self.dtype(x):
            y = self.cast(y, self.dtype(x))
        return T(y, "nchw")

    def op_ResizeBilinear(self, node, ins):
        return self._resize(node, ins, "linear")

    def op_ResizeNearestNeighbor(self, node, ins):
        return self._resize(node, ins, "nearest")

    def op_DepthToSpace(self, node, ins, op="DepthToSpace"):
        if _attr(node, "data_format", "NHWC") != "NHWC":
            self.fail("only data_format NHWC is supported")
        bs = int(_attr(node, "block_size", 2))
        extra = {"mode": "DCR"} if op == "DepthToSpace" else {}
        return T(self.emit(op, [self.nchw(ins[0])], blocksize=bs, **extra), "nchw")

    def op_SpaceToDepth(self, node, ins):
        return self.op_DepthToSpace(node, ins, "SpaceToDepth")

    # shape ops ------------------------------------------------------------------------------
    def op_Shape(self, node, ins):
        x = ins[0]
        dt = _np_dtype(_attr(node, "out_type", "DT_INT32"))
        s = self.shape(x)
        if s is not None and all(isinstance(d, int) for d in s):
            return T(self.const(np.asarray(s, dt), "shape"))
        if s is None:
            self.fail("shape of a tensor of unknown rank")
        y = self.emit("Shape", [x.name])
        if x.layout == "nchw":
            y = self.emit("Gather", [y, self.const(np.asarray(Q0, np.int64), "perm")], axis=0)
        return T(self.cast(y, dt))

    def op_Size(self, node, ins):
        dt = _np_dtype(_attr(node, "out_type", "DT_INT32"))
        s = self.shape(ins[0])
        if s is not None and all(isinstance(d, int) for d in s):
            return T(self.const(np.asarray(int(np.prod(s)), dt), "size"))
        return T(self.cast(self.emit("Size", [ins[0].name]), dt))

    def op_Rank(self, node, ins):
        return T(self.const(np.asarray(self.need_rank(ins[0]), np.int32), "rank"))

    def op_Reshape(self, node, ins):
        x, s = ins
        allowzero = {}
        if self.is_const(s) and 0 in self.val(s).reshape(-1).tolist():
            allowzero = {"allowzero": 1}
        return T(self.emit("Reshape", [self.tf(x), self.i64(s)], **allowzero))

    def op_Squeeze(self, node, ins):
        x = ins[0]
        r = self.need_rank(x)
        dims = _attr(node, "squeeze_dims", None) or _attr(node, "axis", None) or []
        if dims:
            axes = sorted({d % r for d in dims})
        else:
            s = self.shape(x)
            if s is None or not all(isinstance(d, int) for d in s):
                return T(self.emit("Squeeze", [self.tf(x)]))
            axes = [i for i, d in enumerate(s) if d == 1]
        if not axes:
            return x
        return T(self.emit("Squeeze", [self.tf(x), self.const(np.asarray(axes, np.int64), "axes")]))

    def op_ExpandDims(self, node, ins):
        x = ins[0]
        r = self.need_rank(x)
        a = int(np.asarray(self.cval(ins[1], "axis")).reshape(-1)[0])
        a = a + r + 1 if a < 0 else a
        return T(self.emit("Unsqueeze", [self.tf(x), self.const(np.asarray([a], np.int64), "axes")]))

    def op_Transpose(self, node, ins):
        x = ins[0]
        p = [int(v) for v in self.cval(ins[1], "perm").reshape(-1)]
        r = len(p)
        to_tf = list(Q0) if x.layout == "nchw" else list(range(r))
        perm_tf = [to_tf[i] for i in p]  # physical -> TF output
        if perm_tf == list(range(r)):
            return T(x.name)
        if r == 4:
            perm_nchw = [perm_tf[i] for i in P0]
            if perm_nchw == list(range(4)):
                return T(x.name, "nchw")
        return T(self.emit("Transpose", [x.name], perm=perm_tf))

    def op_ConcatV2(self, node, ins):
        vals, axis_t = ins[:-1], ins[-1]
        r = self.need_rank(vals[0])
        axis = int(np.asarray(self.cval(axis_t, "axis")).reshape(-1)[0]) % r
        if len(vals) == 1:
            return vals[0]
        if r == 4 and any(v.layout == "nchw" for v in vals):
            return T(self.emit("Concat", [self.nchw(v) if not self.is_const(v) else self._nchw_operand(v) for v in vals], axis=Q0[axis]), "nchw")
        return T(self.emit("Concat", [self.tf(v) for v in vals], axis=axis))

    def op_Concat(self, node, ins):
        return self.op_ConcatV2(node, ins[1:] + ins[:1])

    def op_Pack(self, node, ins):
        r = self.need_rank(ins[0])
        axis = int(_attr(node, "axis", 0))
        axis = axis + r + 1 if axis < 0 else axis
        ax = self.const(np.asarray([axis], np.int64), "axes")
        parts = [self.emit("Unsqueeze", [self.tf(v), ax]) for v in ins]
        if len(parts) == 1:
            return T(parts[0])
        return T(self.emit("Concat", parts, axis=axis))

    def op_Unpack(self, node, ins):
        x = ins[0]
        r = self.need_rank(x)
        axis = int(_attr(node, "axis", 0)) % r
        num = int(_attr(node, "num", 0)) or (self.shape(x) or [None] * r)[axis]
        if not isinstance(num, int):
            self.fail("the number of outputs is unknown")
        ax = self.const(np.asarray([axis], np.int64), "axes")
        xin = self.tf(x)
        parts = [xin] if num == 1 else self.emit("Split", [xin, self.const(np.ones(num, np.int64), "split")], n_out=num, axis=axis)
        return [T(self.emit("Squeeze", [p, ax])) for p in parts]

    def _split(self, x: T, axis: int, sizes: list[int] | None, num: int):
        if x.layout == "nchw":
            xin, ax = x.name, Q0[axis]
        else:
            xin, ax = x.name, axis
        inputs = [xin] if sizes is None else [xin, self.const(np.asarray(sizes, np.int64), "split")]
        outs = self.emit("Split", inputs, n_out=num, axis=ax) if num > 1 else [self.emit("Identity", [xin])]
        return [T(o, x.layout) for o in outs]

    def op_Split(self, node, ins):
        axis_t, x = ins
        r = self.need_rank(x)
        axis = int(np.asarray(self.cval(axis_t, "axis")).reshape(-1)[0]) % r
        num = int(_attr(node, "num_split", 1))
        d = (self.shape(x) or [None] * r)[axis]
        sizes = [d // num] * num if isinstance(d, int) else None
        return self._split(x, axis, sizes, num)

    def op_SplitV(self, node, ins):
        x, sz, axis_t = ins
        r = self.need_rank(x)
        axis = int(np.asarray(self.cval(axis_t, "axis")).reshape(-1)[0]) % r
        sizes = [int(v) for v in self.cval(sz, "size_splits").reshape(-1)]
        if -1 in sizes:
            d = (self.shape(x) or [None] * r)[axis]
            if not isinstance(d, int):
                self.fail("size_splits has -1 but the dimension is dynamic")
            sizes[sizes.index(-1)] = d - (sum(sizes) + 1)
        return self._split(x, axis, sizes, len(sizes))

    def op_Tile(self, node, ins):
        x, m = ins
        if x.layout == "nchw" and self.is_const(m):
            mv = self.val(m).reshape(-1).astype(np.int64)[list(P0)]
            return T(self.emit("Tile", [x.name, self.const(mv, "repeats")]), "nchw")
        return T(self.emit("Tile", [self.tf(x), self.i64(m)]))

    def op_Fill(self, node, ins):
        dims, v = ins
        return T(self.emit("Expand", [self.tf(v), self.i64(dims)]))

    def op_ZerosLike(self, node, ins, value=0):
        x = ins[0]
        return T(self.emit("Mul", [x.name, self.scalar(value, self.dtype(x))]) if value == 0 else self.emit("Add", [self.emit("Mul", [x.name, self.scalar(0, self.dtype(x))]), self.scalar(1, self.dtype(x))]), x.layout)

    def op_OnesLike(self, node, ins):
        return self.op_ZerosLike(node, ins, 1)

    def op_Range(self, node, ins):
        a, lim, d = (self.tf(t) for t in ins)
        dt = self.dtypes[a]
        return T(self.emit("Range", [a, self.cast(lim, dt), self.cast(d, dt)]))

    def op_Slice(self, node, ins):
        x, begin, size = ins
        r = self.need_rank(x)
        bv, sv = self.cval(begin, "begin").reshape(-1).astype(np.int64), self.cval(size, "size").reshape(-1).astype(np.int64)
        ends = np.where(sv < 0, INT_MAX, bv + sv)
        axes = np.arange(r, dtype=np.int64)
        if x.layout == "nchw":
            xin, axes = x.name, np.asarray([Q0[a] for a in range(r)], np.int64)
        else:
            xin = x.name
        c = lambda v, n: self.const(np.asarray(v, np.int64), n)  # noqa: E731
        return T(self.emit("Slice", [xin, c(bv, "starts"), c(ends, "ends"), c(axes, "axes")]), x.layout)

    def op_StridedSlice(self, node, ins):
        x = ins[0]
        r = self.need_rank(x)
        begin = self.cval(ins[1], "begin").reshape(-1).astype(np.int64)
        end = self.cval(ins[2], "end").reshape(-1).astype(np.int64)
        strides = self.cval(ins[3], "strides").reshape(-1).astype(np.int64) if len(ins) > 3 else np.ones_like(begin)
        bm, em = _attr(node, "begin_mask", 0), _attr(node, "end_mask", 0)
        elm, nam, sam = _attr(node, "ellipsis_mask", 0), _attr(node, "new_axis_mask", 0), _attr(node, "shrink_axis_mask", 0)
        n = len(begin)
        n_real = sum(1 for i in range(n) if not (nam >> i) & 1 and not (elm >> i) & 1)
        dense, final, d = [], [], 0  # dense: per input dim (start|None, end|None, stride, shrink)
        for i in range(n):
            if (elm >> i) & 1:
                for _ in range(r - n_real):
                    dense.append((None, None, 1, False))
                    final.append(d)
                    d += 1
            elif (nam >> i) & 1:
                final.append(None)
            elif (sam >> i) & 1:
                b = int(begin[i])
                dense.append((b, b + 1 if b != -1 else None, 1, True))
                d += 1
            else:
                b = None if (bm >> i) & 1 else int(begin[i])
                e = None if (em >> i) & 1 else int(end[i])
                dense.append((b, e, int(strides[i]), False))
                final.append(d)
                d += 1
        while d < r:
            dense.append((None, None, 1, False))
            final.append(d)
            d += 1
        if len(dense) != r:
            self.fail(f"slice spec does not match the input rank {r}")
        starts, ends, steps, axes = [], [], [], []
        for ax, (b, e, s, _) in enumerate(dense):
            if b is None and e is None and s == 1:
                continue
            axes.append(ax)
            steps.append(s)
            starts.append(b if b is not None else (0 if s > 0 else INT_MAX))
            ends.append(e if e is not None else (INT_MAX if s > 0 else INT_MIN))
        shrink = [ax for ax, t in enumerate(dense) if t[3]]
        new = [i for i, f in enumerate(final) if f is None]
        c = lambda v, nm: self.const(np.asarray(v, np.int64), nm)  # noqa: E731
        if x.layout == "nchw" and not shrink and not new:
            if not axes:
                return x
            pax = [Q0[a] for a in axes]
            return T(self.emit("Slice", [x.name, c(starts, "starts"), c(ends, "ends"), c(pax, "axes"), c(steps, "steps")]), "nchw")
        y = self.tf(x)
        if axes:
            y = self.emit("Slice", [y, c(starts, "starts"), c(ends, "ends"), c(axes, "axes"), c(steps, "steps")])
        if shrink:
            y = self.emit("Squeeze", [y, c(shrink, "axes")])
        if new:
            y = self.emit("Unsqueeze", [y, c(new, "axes")])
        if y == self.tf(x):
            y = self.emit("Identity", [y])
        return T(y)

    # gathers / sorting ----------------------------------------------------------------------
    def op_GatherV2(self, node, ins):
        p, idx = ins[0], ins[1]
        r = self.need_rank(p)
        axis = int(np.asarray(self.cval(ins[2], "axis")).reshape(-1)[0]) % r if len(ins) > 2 else 0
        if int(_attr(node, "batch_dims", 0)):
            self.fail("batch_dims != 0 is not supported")
        return T(self.emit("Gather", [self.tf(p), self.tf(idx)], axis=axis))

    op_Gather = op_GatherV2

    def op_GatherNd(self, node, ins):
        return T(self.emit("GatherND", [self.tf(ins[0]), self.i64(self.tf(ins[1]))]))

    def op_TopKV2(self, node, ins):
        x, k = ins
        kk = self.emit("Reshape", [self.i64(k), self.const(np.asarray([1], np.int64), "shape")])
        v, i = self.emit("TopK", [self.tf(x), kk], n_out=2, axis=-1, largest=1, sorted=1)
        return [T(v), T(self.cast(i, np.int32))]

    def op_SparseToDense(self, node, ins):
        idx, shape, vals, default = ins
        if all(self.is_const(t) for t in ins):
            sh = [int(v) for v in self.val(shape).reshape(-1)]
            out = np.full(sh, self.val(default), dtype=self.val(vals).dtype)
            iv = self.val(idx).reshape(len(self.val(idx)) if self.val(idx).ndim else 1, -1) if len(sh) > 1 else self.val(idx).reshape(-1, 1)
            vv = np.broadcast_to(self.val(vals), (iv.shape[0],))
            for row, v in zip(iv, vv):
                out[tuple(int(z) for z in row)] = v
            return T(self.const(out, sanitize(self.cur)))
        base = self.emit("Expand", [self.tf(default), self.i64(shape)])
        iv = self.i64(self.tf(idx))
        if self.rank(idx) == 1:
            iv = self.emit("Unsqueeze", [iv, self.const(np.asarray([1], np.int64), "axes")])
        n = self.emit("Shape", [iv], start=0, end=1)
        vv = self.emit("Expand", [self.tf(vals), n])
        return T(self.emit("ScatterND", [base, iv, vv]))
