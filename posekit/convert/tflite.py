"""TFLite flatbuffer → ONNX, without TensorFlow.

The model is read with the `tflite` flatbuffer schema bindings and rebuilt op by op on the shared
`GraphBuilder` (whose eager constant folding turns weight re-layouts and dequantisation into plain
initializers).

Layout: convert NHWC → NCHW once
--------------------------------
TFLite activations are NHWC; ONNX Conv/Pool/Resize/DepthToSpace want NCHW. Instead of wrapping each
op in a transpose pair, every converted tensor remembers the *layout* it is stored in, a permutation
`perm` with ``stored = transpose(tflite_tensor, perm)`` (identity = TFLite's own layout, NCHW =
``(0, 3, 1, 2)``). A tensor may be available in several layouts; `_Converter.get(idx, perm)` returns
the wanted one and inserts a Transpose only the first time a layout is asked for (cached afterwards).

* Spatial ops (CONV_2D, DEPTHWISE_CONV_2D, pools, resizes, DEPTH_TO_SPACE, SPACE_TO_DEPTH) ask for
  NCHW and produce NCHW, so a chain of them transposes the network input once.
* Layout-agnostic ops keep whatever layout their input has: unary activations, PAD/PADV2 (pads are
  permuted), binary elementwise ops (constants are broadcast to full rank and permuted at conversion
  time), CONCATENATION (axis remapped), SOFTMAX (axis remapped), reductions (axes remapped), and
  TRANSPOSE, which costs nothing: it only relabels the layout of its input.
* Shape-sensitive ops (RESHAPE, SQUEEZE, EXPAND_DIMS, FULLY_CONNECTED) and the graph outputs ask for
  TFLite's own layout, so a transpose back appears only there.

Inputs and outputs keep TFLite's names (sanitised to ``[A-Za-z0-9_]``), dtypes and NHWC shapes, so
results compare directly with LiteRT's. The batch dimension is made symbolic (``batch``) when every op
provably keeps it as a per-sample dimension; otherwise conversion is redone with the static shape.

Semantics kept exactly: SAME padding puts the odd extra pixel at the end (explicit pads computed from
the static shapes), RESIZE_BILINEAR/NEAREST align_corners and half_pixel_centers map onto ONNX
coordinate transformation modes, DEPTHWISE_CONV_2D with a depth multiplier becomes a grouped Conv
(TFLite's output channel c*M+m is ONNX group c, filter m), and TFLite DEPTH_TO_SPACE's channel order
is ONNX's DCR mode. Fused activations RELU, RELU6 and RELU_N1_TO_1 become Relu/Clip; a fused TANH is
kept a no-op, as LiteRT's float kernels execute it (they only clamp to an activation range).

Constant weights: float16 → float32 (DEQUANTIZE), int8/uint8 per-tensor or per-channel affine
dequantisation, and sparse tensors (TFLite sparsity: traversal order, block map, DENSE/SPARSE_CSR
dimension metadata) are densified in NumPy at conversion time, so the ONNX graph only has dense
float32 initializers. Anything else unsupported raises `ConversionError` naming the op and tensor.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import onnx

from posekit.convert.graph import GraphBuilder, onnx_dtype
from posekit.errors import ConversionError

CONVERTER_VERSION = "1.0"

NCHW = (0, 3, 1, 2)

# TensorType enum → NumPy dtype (types we can read as constants or carry as activations).
_TFL_DTYPES = {
    0: np.float32,
    1: np.float16,
    2: np.int32,
    3: np.uint8,
    4: np.int64,
    6: np.bool_,
    7: np.int16,
    9: np.int8,
    10: np.float64,
    15: np.uint32,
    16: np.uint16,
    12: np.uint64,
}
_TFL_TYPE_NAMES = {
    0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING", 6: "BOOL",
    7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64", 11: "COMPLEX128", 12: "UINT64",
    13: "RESOURCE", 14: "VARIANT", 15: "UINT32", 16: "UINT16", 17: "INT4", 18: "BFLOAT16",
}
_RUNTIME_DTYPES = {0, 2, 4, 6}  # activation types the converted graph computes in

# DimensionType / SparseIndexVector enums
_DENSE, _SPARSE_CSR = 0, 1


class _StaticBatch(Exception):
    """Raised internally when the batch dimension cannot be made symbolic exactly."""


def sanitize(name: str) -> str:
    """A TFLite tensor name as an ONNX-friendly identifier (chars outside [A-Za-z0-9_] → '_')."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return out or "t"


def _short(name: str) -> str:
    """A readable ONNX name for an intermediate tensor (TFLite joins fused names with ';')."""
    return sanitize(name.split(";")[0])[-80:]


def convert_tflite(path: str | Path) -> onnx.ModelProto:
    """Convert a TFLite model file into an equivalent ONNX model (opset 17, float32)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConversionError(f"cannot read TFLite model {path}: {e}") from e
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ConversionError(f"{path} is not a TFLite flatbuffer (no TFL3 identifier)")
    try:
        return _Converter(data, path.stem, dynamic_batch=True).run(path.name)
    except _StaticBatch:
        return _Converter(data, path.stem, dynamic_batch=False).run(path.name)


# ------------------------------------------------------------------------------------------------
# Sparsity (TFLite FormatConverter semantics, vectorised)
# ------------------------------------------------------------------------------------------------
def densify(values, shape, traversal_order, block_map, dim_metadata) -> np.ndarray:
    """Expand a TFLite sparse tensor to a dense NumPy array.

    values: the stored (non-zero) values in traversal order. shape: the dense shape (rank n).
    traversal_order: n + k expanded dimensions in storage order (0..n-1 original, n+j = block dim j).
    block_map: k original dimensions that are blocked (block dim j splits original dim block_map[j]).
    dim_metadata: per traversal level, (format, dense_size, array_segments, array_indices) with
    format 0 = DENSE (dense_size entries) or 1 = SPARSE_CSR (segments/indices as in CSR).
    """
    values = np.asarray(values).reshape(-1)
    shape = [int(s) for s in shape]
    n = len(shape)
    block_map = [int(b) for b in (block_map if block_map is not None else [])]
    k = len(block_map)
    order = [int(t) for t in traversal_order] if traversal_order is not None and len(traversal_order) else list(range(n + k))
    if sorted(order) != list(range(n + k)) or len(dim_metadata) != n + k:
        raise ValueError(f"inconsistent sparsity: traversal_order {order}, {len(dim_metadata)} dim_metadata, rank {n}, {k} block dims")
    block_size = {}
    for j, d in enumerate(block_map):
        block_size[d] = int(dim_metadata[order.index(n + j)][1])
        if block_size[d] <= 0 or shape[d] % block_size[d]:
            raise ValueError(f"block size {block_size[d]} does not divide dimension {d} of size {shape[d]}")
    pos = np.zeros(1, np.int64)  # position within the current level's storage
    coords = np.zeros((1, n), np.int64)
    for level, d in enumerate(order):
        fmt, dense_size, segments, indices = dim_metadata[level]
        if fmt == _DENSE:
            s = int(dense_size)
            sub = np.tile(np.arange(s, dtype=np.int64), len(pos))
            pos = np.repeat(pos, s) * s + sub
            coords = np.repeat(coords, s, axis=0)
            v = sub
        elif fmt == _SPARSE_CSR:
            seg = np.asarray(segments, np.int64)
            idx = np.asarray(indices, np.int64)
            if len(pos) and pos.max() + 1 >= len(seg):
                raise ValueError(f"array_segments too short at level {level}")
            starts, counts = seg[pos], seg[pos + 1] - seg[pos]
            rep = np.repeat(np.arange(len(pos)), counts)
            offs = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
            pos = starts[rep] + offs
            coords = coords[rep]
            v = idx[pos]
        else:
            raise ValueError(f"unknown dimension format {fmt} at level {level}")
        if d < n:
            coords[:, d] += v * block_size.get(d, 1)
        else:
            coords[:, block_map[d - n]] += v
    if len(pos) != values.size:
        raise ValueError(f"sparsity metadata describes {len(pos)} values but the buffer holds {values.size}")
    if len(pos) and (coords.min() < 0 or np.any(coords.max(axis=0) >= np.array(shape))):
        raise ValueError("sparse indices fall outside the dense shape")
    out = np.zeros(shape, values.dtype)
    if len(pos):
        out[tuple(coords.T)] = values
    return out


def dequantize(values: np.ndarray, scale, zero_point, axis: int = 0) -> np.ndarray:
    """TFLite DEQUANTIZE of a constant: float16 → float32, or (q - zero_point) * scale."""
    values = np.asarray(values)
    if values.dtype == np.float16:
        return values.astype(np.float32)
    scale = np.asarray(scale, np.float64).reshape(-1)
    zp = np.asarray(zero_point if zero_point is not None else 0, np.int64).reshape(-1)
    if scale.size > 1 or zp.size > 1:
        bshape = [1] * values.ndim
        bshape[axis] = -1
        scale = scale.reshape(bshape)
        zp = zp.reshape(bshape) if zp.size > 1 else zp.reshape(())
    return (scale * (values.astype(np.int64) - zp)).astype(np.float32)


def _inv(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def _ident(rank):
    return tuple(range(rank))


def _same_pads(in_size, k, stride, dilation, out_size):
    total = max((out_size - 1) * stride + (k - 1) * dilation + 1 - in_size, 0)
    return total // 2, total - total // 2


# ------------------------------------------------------------------------------------------------
class _Converter:
    def __init__(self, data: bytes, name: str, dynamic_batch: bool):
        import tflite  # the flatbuffer schema bindings

        self.tfl = tflite
        self.data = data
        self.model = tflite.Model.GetRootAs(data, 0)
        if self.model.SubgraphsLength() < 1:
            raise ConversionError("TFLite model has no subgraph")
        self.sg = self.model.Subgraphs(0)
        self.g = GraphBuilder(sanitize(name))
        self.dynamic = dynamic_batch
        self.vals: dict[int, dict[tuple, str]] = {}  # tensor index -> {layout perm: onnx name}
        self.consts: dict[int, np.ndarray] = {}  # tensor index -> value (TFLite layout)
        self.opcodes = []
        for i in range(self.model.OperatorCodesLength()):
            oc = self.model.OperatorCodes(i)
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            if code == 32:  # CUSTOM
                self.opcodes.append("CUSTOM:" + (oc.CustomCode() or b"?").decode(errors="replace"))
            else:
                self.opcodes.append(tflite.utils.BUILTIN_OPCODE2NAME.get(code, f"BUILTIN_{code}"))
        self.op = "?"  # current op name, for error messages

    # --- tensor metadata ----------------------------------------------------------------------
    def t(self, idx):
        return self.sg.Tensors(idx)

    def tname(self, idx) -> str:
        return self.t(idx).Name().decode(errors="replace")

    def shape(self, idx) -> tuple:
        t = self.t(idx)
        return tuple(int(s) for s in t.ShapeAsNumpy()) if t.ShapeLength() else ()

    def rank(self, idx) -> int:
        return self.t(idx).ShapeLength()

    def err(self, msg, idx=None) -> ConversionError:
        where = f" (tensor '{self.tname(idx)}')" if idx is not None and idx >= 0 else ""
        return ConversionError(f"TFLite {self.op}{where}: {msg}")

    def np_dtype(self, idx):
        ttype = self.t(idx).Type()
        if ttype not in _TFL_DTYPES:
            raise self.err(f"tensor type {_TFL_TYPE_NAMES.get(ttype, ttype)} is not supported", idx)
        return _TFL_DTYPES[ttype]

    def quant(self, idx):
        """(scale, zero_point, quantized_dimension) or None."""
        q = self.t(idx).Quantization()
        if q is None or q.ScaleLength() == 0:
            return None
        zp = q.ZeroPointAsNumpy() if q.ZeroPointLength() else np.zeros(1, np.int64)
        return np.asarray(q.ScaleAsNumpy(), np.float32), np.asarray(zp, np.int64), q.QuantizedDimension()

    # --- constants ----------------------------------------------------------------------------
    def raw_const(self, idx):
        """The value stored in the flatbuffer for tensor `idx` (densified), or None."""
        if idx in self.consts:
            return self.consts[idx]
        t = self.t(idx)
        buf = self.model.Buffers(t.Buffer())
        if buf is None:
            return None
        if buf.DataLength() > 0:
            raw = buf.DataAsNumpy().tobytes()
        elif buf.Offset() > 1:
            raw = self.data[buf.Offset(): buf.Offset() + buf.Size()]
        else:
            return None
        dtype = self.np_dtype(idx)
        arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)
        sp = t.Sparsity()
        if sp is not None:
            arr = self._densify(idx, arr, sp)
        else:
            shape = self.shape(idx)
            if arr.size != int(np.prod(shape, dtype=np.int64)):
                raise self.err(f"constant buffer holds {arr.size} values for shape {list(shape)}", idx)
            arr = arr.reshape(shape)
        self.consts[idx] = arr
        return arr

    def _densify(self, idx, values, sp):
        tfl = self.tfl
        metas = []
        for lvl in range(sp.DimMetadataLength()):
            dm = sp.DimMetadata(lvl)
            segs = self._index_vector(dm.ArraySegmentsType(), dm.ArraySegments(), idx)
            inds = self._index_vector(dm.ArrayIndicesType(), dm.ArrayIndices(), idx)
            metas.append((dm.Format(), dm.DenseSize(), segs, inds))
        order = sp.TraversalOrderAsNumpy() if sp.TraversalOrderLength() else None
        bmap = sp.BlockMapAsNumpy() if sp.BlockMapLength() else None
        del tfl
        try:
            return densify(values, self.shape(idx), order, bmap, metas)
        except ValueError as e:
            raise self.err(f"cannot densify sparse tensor: {e}", idx) from e

    def _index_vector(self, vtype, table, idx):
        if vtype == 0 or table is None:
            return None
        cls = {1: self.tfl.Int32Vector, 2: self.tfl.Uint16Vector, 3: self.tfl.Uint8Vector}.get(vtype)
        if cls is None:
            raise self.err(f"sparse index vector type {vtype} is not supported", idx)
        vec = cls()
        vec.Init(table.Bytes, table.Pos)
        if vec.ValuesLength() == 0:
            return np.zeros(0, np.int64)
        return np.asarray(vec.ValuesAsNumpy(), np.int64)

    def const_value(self, idx):
        """Value of a tensor known at conversion time (in TFLite layout), else None."""
        if idx < 0:
            return None
        v = self.raw_const(idx)
        if v is not None:
            return v
        for perm, name in self.vals.get(idx, {}).items():
            if self.g.is_const(name):
                return np.transpose(self.g.value(name), _inv(perm)) if len(perm) > 1 else self.g.value(name)
        return None

    def need_const(self, idx, what):
        v = self.const_value(idx)
        if v is None:
            raise self.err(f"{what} must be a constant", idx)
        return v

    # --- values and layouts -------------------------------------------------------------------
    def layout(self, idx) -> tuple:
        """The layout a tensor was produced in (identity for constants and inputs)."""
        if idx in self.vals:
            return next(iter(self.vals[idx]))
        return _ident(self.rank(idx))

    def has_layout(self, idx, perm) -> bool:
        return perm in self.vals.get(idx, {})

    def get(self, idx, perm=None) -> str:
        """ONNX name of tensor `idx` stored in layout `perm` (default: TFLite's own layout)."""
        rank = self.rank(idx)
        perm = tuple(perm) if perm is not None else _ident(rank)
        have = self.vals.get(idx)
        if have and perm in have:
            return have[perm]
        if not have:
            v = self.raw_const(idx)
            if v is None:
                raise self.err("tensor has no producer and no constant data", idx)
            name = self.g.const(np.transpose(v, perm) if v.ndim > 1 else v, _short(self.tname(idx)))
            self.vals.setdefault(idx, {})[perm] = name
            return name
        src_perm, src = next(iter(have.items()))
        inv = _inv(src_perm)
        name = self.g.node("Transpose", [src], name=_short(self.tname(idx)) + "_t", perm=[inv[p] for p in perm])
        have[perm] = name
        return name

    def put(self, idx, name, perm=None):
        perm = tuple(perm) if perm is not None else _ident(self.rank(idx))
        self.vals[idx] = {perm: name}

    def operand(self, idx, perm, rank) -> str:
        """Tensor `idx` ready to broadcast against a rank-`rank` tensor stored in layout `perm`."""
        r = self.rank(idx)
        if r == rank:
            return self.get(idx, perm)
        if perm == _ident(rank) or r == 0:
            return self.get(idx)
        v = self.const_value(idx)
        if v is not None and r < rank:
            v = np.asarray(v).reshape((1,) * (rank - r) + tuple(v.shape))
            return self.g.const(np.transpose(v, perm), _short(self.tname(idx)))
        if r > rank:
            raise self.err("operand has a higher rank than the result", idx)
        x = self.g.node("Unsqueeze", [self.get(idx), self.g.const(np.arange(rank - r, dtype=np.int64), "axes")])
        return self.g.node("Transpose", [x], perm=list(perm))

    def i64(self, values, name="c"):
        return self.g.const(np.asarray(values, np.int64), name)

    def f32(self, value, name="c"):
        return self.g.const(np.asarray(value, np.float32), name)

    # --- driver -------------------------------------------------------------------------------
    def run(self, source_name: str) -> onnx.ModelProto:
        sg = self.sg
        outputs = [int(i) for i in sg.OutputsAsNumpy()] if sg.OutputsLength() else []
        inputs = [int(i) for i in sg.InputsAsNumpy()] if sg.InputsLength() else []
        out_names = {}
        for idx in outputs:
            out_names[idx] = self.g.reserve(sanitize(self.tname(idx)))
        if self.dynamic and not all(self.rank(i) >= 1 and self.shape(i)[0] == 1 for i in inputs):
            raise _StaticBatch()
        for idx in inputs:
            t = self.t(idx)
            if t.Type() not in _RUNTIME_DTYPES | {1, 3, 9}:  # (u)int8 / float16 inputs: DEQUANTIZE/CAST only
                self.op = "input"
                raise self.err(f"input type {_TFL_TYPE_NAMES.get(t.Type(), t.Type())} is not supported", idx)
            shape = list(self.shape(idx))
            if self.dynamic:
                shape[0] = "batch"
            self.put(idx, self.g.input(sanitize(self.tname(idx)), self.np_dtype(idx), shape))
        for j in range(sg.OperatorsLength()):
            op = sg.Operators(j)
            self.op = self.opcodes[op.OpcodeIndex()]
            handler = _HANDLERS.get(self.op)
            ins = [int(i) for i in op.InputsAsNumpy()] if op.InputsLength() else []
            outs = [int(i) for i in op.OutputsAsNumpy()] if op.OutputsLength() else []
            if handler is None:
                raise self.err("operator is not supported by posekit's TFLite converter", outs[0] if outs else None)
            if self.op not in ("DEQUANTIZE", "DENSIFY", "CAST"):
                for i in ins + outs:
                    if i >= 0 and self.t(i).Type() not in _RUNTIME_DTYPES and self.const_value(i) is None:
                        raise self.err(
                            f"{_TFL_TYPE_NAMES.get(self.t(i).Type())} activations (quantised inference) are not supported", i
                        )
            handler(self, op, ins, outs)
            if self.dynamic:  # every runtime tensor must keep the batch as its leading dimension
                for o in outs:
                    if self.const_value(o) is None and (self.rank(o) < 1 or self.shape(o)[0] != 1):
                        raise _StaticBatch()
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

    # --- option helpers -----------------------------------------------------------------------
    def options(self, op, cls_name):
        table = op.BuiltinOptions()
        if table is None:
            return None
        opts = getattr(self.tfl, cls_name)()
        opts.Init(table.Bytes, table.Pos)
        return opts

    def activation(self, y, fused, out_idx):
        if fused == 0:
            return y
        base = _short(self.tname(out_idx))
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

    def fused(self, op, cls_name):
        opts = self.options(op, cls_name)
        return opts.FusedActivationFunction() if opts is not None else 0

    def pick_layout(self, ins, rank):
        """Layout for an elementwise op: the one most of its full-rank activations already have."""
        cands = []
        for i in ins:
            if i >= 0 and self.rank(i) == rank and self.const_value(i) is None:
                cands.append(self.layout(i))
        if not cands:
            return _ident(rank)
        scores = [sum(self.has_layout(i, c) for i in ins if i >= 0) for c in cands]
        return cands[scores.index(max(scores))]


# ------------------------------------------------------------------------------------------------
# Op handlers: (converter, op, input indices, output indices)
# ------------------------------------------------------------------------------------------------
def _conv2d(c: _Converter, op, ins, outs):
    o = c.options(op, "Conv2DOptions")
    x_idx, w_idx, b_idx = ins[0], ins[1], ins[2] if len(ins) > 2 else -1
    if c.rank(x_idx) != 4:
        raise c.err("only 4-D inputs are supported", x_idx)
    _, ih, iw, ic = c.shape(x_idx)
    oc_, kh, kw, wi = c.shape(w_idx)
    _, oh, ow, _ = c.shape(outs[0])
    if not wi or ic % wi:
        raise c.err(f"{ic} input channels are not a multiple of the filter depth {wi}", w_idx)
    group = ic // wi  # grouped convolution when the filter is shallower than the input
    _conv(c, op, o, x_idx, c.get(w_idx, NCHW), b_idx, outs[0], (kh, kw), (ih, iw), (oh, ow), group)


def _depthwise(c: _Converter, op, ins, outs):
    o = c.options(op, "DepthwiseConv2DOptions")
    x_idx, w_idx, b_idx = ins[0], ins[1], ins[2] if len(ins) > 2 else -1
    _, ih, iw, ic = c.shape(x_idx)
    _, kh, kw, cm = c.shape(w_idx)
    _, oh, ow, _ = c.shape(outs[0])
    if cm % ic:
        raise c.err(f"filter depth {cm} is not a multiple of the {ic} input channels", w_idx)
    # TFLite weight [1, KH, KW, C*M] → ONNX [C*M, 1, KH, KW]; group = C (channel c*M+m in group c).
    _conv(c, op, o, x_idx, c.get(w_idx, (3, 0, 1, 2)), b_idx, outs[0], (kh, kw), (ih, iw), (oh, ow), ic)


def _conv(c, op, o, x_idx, w, b_idx, out_idx, k, in_hw, out_hw, group):
    strides = [o.StrideH(), o.StrideW()] if o is not None else [1, 1]
    dil = [o.DilationHFactor(), o.DilationWFactor()] if o is not None else [1, 1]
    pads = _pads(c, o.Padding() if o is not None else 1, in_hw, k, strides, dil, out_hw)
    inputs = [c.get(x_idx, NCHW), w]
    if b_idx >= 0:
        inputs.append(c.get(b_idx))
    y = c.g.node("Conv", inputs, name=_short(c.tname(out_idx)), kernel_shape=list(k), strides=strides,
                 dilations=dil, pads=pads, group=int(group))
    c.put(out_idx, c.activation(y, o.FusedActivationFunction() if o is not None else 0, out_idx), NCHW)


def _pads(c, padding, in_hw, k, strides, dil, out_hw):
    if padding == 1:  # VALID
        return [0, 0, 0, 0]
    (pt, pb), (pl, pr) = (_same_pads(in_hw[i], k[i], strides[i], dil[i], out_hw[i]) for i in range(2))
    return [pt, pl, pb, pr]


def _pool(onnx_op):
    def handler(c: _Converter, op, ins, outs):
        o = c.options(op, "Pool2DOptions")
        _, ih, iw, _ = c.shape(ins[0])
        _, oh, ow, _ = c.shape(outs[0])
        k, s = [o.FilterHeight(), o.FilterWidth()], [o.StrideH(), o.StrideW()]
        attrs = dict(kernel_shape=k, strides=s, pads=_pads(c, o.Padding(), (ih, iw), k, s, [1, 1], (oh, ow)))
        if onnx_op == "AveragePool":
            attrs["count_include_pad"] = 0  # TFLite averages over the valid pixels only
        y = c.g.node(onnx_op, [c.get(ins[0], NCHW)], name=_short(c.tname(outs[0])), **attrs)
        c.put(outs[0], c.activation(y, o.FusedActivationFunction(), outs[0]), NCHW)

    return handler


def _resize(mode):
    def handler(c: _Converter, op, ins, outs):
        cls = "ResizeBilinearOptions" if mode == "linear" else "ResizeNearestNeighborOptions"
        o = c.options(op, cls)
        align = bool(o.AlignCorners()) if o is not None else False
        half = bool(o.HalfPixelCenters()) if o is not None else False
        size = [int(v) for v in c.need_const(ins[1], "the output size").reshape(-1)]
        x = c.get(ins[0], NCHW)
        if mode == "linear":
            ctm = "align_corners" if align else ("half_pixel" if half else "asymmetric")
            attrs = dict(mode="linear", coordinate_transformation_mode=ctm)
        else:
            # TFLite: in = align ? round((out+off)*s) : floor((out+off)*s), off = 0.5 if half-pixel.
            if align:
                attrs = dict(coordinate_transformation_mode="align_corners", nearest_mode="round_prefer_ceil")
            elif half:
                attrs = dict(coordinate_transformation_mode="tf_half_pixel_for_nn", nearest_mode="floor")
            else:
                attrs = dict(coordinate_transformation_mode="asymmetric", nearest_mode="floor")
            attrs["mode"] = "nearest"
        if c.dynamic:
            nc = c.g.node("Shape", [x], name="shape", start=0, end=2)
            sizes = c.g.node("Concat", [nc, c.i64(size, "hw")], name="sizes", axis=0)
        else:
            n, _, _, ch = c.shape(ins[0])
            sizes = c.i64([n, ch] + size, "sizes")
        y = c.g.node("Resize", [x, "", "", sizes], name=_short(c.tname(outs[0])), **attrs)
        c.put(outs[0], y, NCHW)

    return handler


def _depth_space(onnx_op):
    def handler(c: _Converter, op, ins, outs):
        o = c.options(op, "DepthToSpaceOptions" if onnx_op == "DepthToSpace" else "SpaceToDepthOptions")
        attrs = dict(blocksize=int(o.BlockSize()))
        if onnx_op == "DepthToSpace":
            attrs["mode"] = "DCR"  # TFLite/TF channel order: (i*b + j)*C_out + c
        y = c.g.node(onnx_op, [c.get(ins[0], NCHW)], name=_short(c.tname(outs[0])), **attrs)
        c.put(outs[0], y, NCHW)

    return handler


def _binary(onnx_op, opts_cls=None):
    def handler(c: _Converter, op, ins, outs):
        rank = c.rank(outs[0])
        perm = c.pick_layout(ins, rank)
        a, b = (c.operand(i, perm, rank) for i in ins[:2])
        if onnx_op == "SquaredDifference":
            d = c.g.node("Sub", [a, b])
            y = c.g.node("Mul", [d, d], name=_short(c.tname(outs[0])))
        else:
            y = c.g.node(onnx_op, [a, b], name=_short(c.tname(outs[0])))
        if opts_cls:
            y = c.activation(y, c.fused(op, opts_cls), outs[0])
        c.put(outs[0], y, perm)

    return handler


def _unary(onnx_op, **attrs):
    def handler(c: _Converter, op, ins, outs):
        perm = c.layout(ins[0])
        x = c.get(ins[0], perm)
        name = _short(c.tname(outs[0]))
        if onnx_op == "Relu6":
            y = c.g.node("Clip", [x, c.f32(0.0, "min"), c.f32(6.0, "max")], name=name)
        elif onnx_op == "ReluN1To1":
            y = c.g.node("Clip", [x, c.f32(-1.0, "min"), c.f32(1.0, "max")], name=name)
        elif onnx_op == "Rsqrt":
            y = c.g.node("Reciprocal", [c.g.node("Sqrt", [x])], name=name)
        elif onnx_op == "LeakyRelu":
            o = c.options(op, "LeakyReluOptions")
            y = c.g.node("LeakyRelu", [x], name=name, alpha=float(o.Alpha()) if o is not None else 0.2)
        else:
            y = c.g.node(onnx_op, [x], name=name, **attrs)
        c.put(outs[0], y, perm)

    return handler


def _prelu(c: _Converter, op, ins, outs):
    rank = c.rank(outs[0])
    perm = c.pick_layout(ins[:1], rank)
    y = c.g.node("PRelu", [c.get(ins[0], perm), c.operand(ins[1], perm, rank)], name=_short(c.tname(outs[0])))
    c.put(outs[0], y, perm)


def _dequantize(c: _Converter, op, ins, outs):
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
        c.put(outs[0], c.g.node("Cast", [xin], name=_short(c.tname(outs[0])), to=onnx.TensorProto.FLOAT), perm)
        return
    if q is None or c.t(x).Type() not in (3, 9):
        raise c.err("only float16 and int8/uint8 tensors can be dequantised", x)
    dtype = c.np_dtype(x)
    scale, zp, axis = q
    attrs = {"axis": perm.index(axis)} if scale.size > 1 else {}
    zp = zp.astype(dtype) if scale.size > 1 else zp.reshape(-1)[:1].reshape(()).astype(dtype)
    scale = scale if scale.size > 1 else scale.reshape(-1)[:1].reshape(())
    y = c.g.node("DequantizeLinear", [xin, c.f32(scale, "scale"), c.g.const(zp, "zero_point")],
                 name=_short(c.tname(outs[0])), **attrs)
    c.put(outs[0], y, perm)


def _densify(c: _Converter, op, ins, outs):
    v = c.raw_const(ins[0])
    if v is None:
        raise c.err("only constant sparse tensors can be densified", ins[0])
    c.consts[outs[0]] = v


def _pad(c: _Converter, op, ins, outs):
    pads = c.need_const(ins[1], "paddings").reshape(-1, 2).astype(np.int64)
    perm = c.layout(ins[0])
    if c.dynamic and pads[0].any():
        raise _StaticBatch()
    if pads.min() < 0:
        raise c.err("negative padding is not supported", ins[1])
    onnx_pads = [int(pads[p, 0]) for p in perm] + [int(pads[p, 1]) for p in perm]
    inputs = [c.get(ins[0], perm), c.i64(onnx_pads, "pads")]
    if len(ins) > 2 and ins[2] >= 0:  # PADV2 constant value
        inputs.append(c.g.const(c.need_const(ins[2], "the pad value").reshape(()), "pad_value"))
    if c.op == "MIRROR_PAD":
        o = c.options(op, "MirrorPadOptions")
        if o is not None and o.Mode() != 0:
            raise c.err("SYMMETRIC mirror padding is not supported", outs[0])
        y = c.g.node("Pad", inputs[:2], name=_short(c.tname(outs[0])), mode="reflect")
    else:
        y = c.g.node("Pad", inputs, name=_short(c.tname(outs[0])))
    c.put(outs[0], y, perm)


def _concat(c: _Converter, op, ins, outs):
    o = c.options(op, "ConcatenationOptions")
    rank = c.rank(outs[0])
    axis = int(o.Axis()) if o is not None else 0
    axis = axis + rank if axis < 0 else axis
    if c.dynamic and axis == 0:
        raise _StaticBatch()
    perm = c.pick_layout(ins, rank)
    y = c.g.node("Concat", [c.get(i, perm) for i in ins], name=_short(c.tname(outs[0])), axis=perm.index(axis))
    c.put(outs[0], c.activation(y, o.FusedActivationFunction() if o is not None else 0, outs[0]), perm)


def _target_shape(c: _Converter, ins, outs):
    shape = list(c.shape(outs[0]))
    if not shape and c.rank(outs[0]) == 0:
        return []
    if any(s < 0 for s in shape) or (not shape and len(ins) > 1):
        shape = [int(v) for v in c.need_const(ins[1], "the new shape").reshape(-1)]
    return shape


def _reshape(c: _Converter, op, ins, outs):
    shape = _target_shape(c, ins, outs)
    x = ins[0]
    if c.dynamic:
        in_shape = c.shape(x)
        if not (shape and in_shape and shape[0] == 1 and in_shape[0] == 1):
            raise _StaticBatch()
        shape = [0] + shape[1:]  # ONNX: copy the (symbolic) batch dimension
    y = c.g.node("Reshape", [c.get(x), c.i64(shape, "shape")], name=_short(c.tname(outs[0])))
    c.put(outs[0], y)


def _transpose(c: _Converter, op, ins, outs):
    t = [int(v) for v in c.need_const(ins[1], "the permutation").reshape(-1)]
    if c.dynamic and t[0] != 0:
        raise _StaticBatch()
    if c.const_value(ins[0]) is not None:
        c.put(outs[0], c.g.node("Transpose", [c.get(ins[0])], perm=t))
        return
    p_in = c.layout(ins[0])
    tinv = _inv(t)
    # stored[i] = in[p_in[i]] = out[tinv[p_in[i]]]: the same data in another layout, no node needed.
    c.put(outs[0], c.get(ins[0], p_in), tuple(tinv[p] for p in p_in))


def _softmax(c: _Converter, op, ins, outs):
    o = c.options(op, "SoftmaxOptions")
    beta = float(o.Beta()) if o is not None else 1.0
    perm = c.layout(ins[0])
    x = c.get(ins[0], perm)
    if beta != 1.0:
        x = c.g.node("Mul", [x, c.f32(beta, "beta")])
    rank = len(perm)
    y = c.g.node("Softmax", [x], name=_short(c.tname(outs[0])), axis=perm.index(rank - 1))
    c.put(outs[0], y, perm)


def _reduce(onnx_op):
    def handler(c: _Converter, op, ins, outs):
        o = c.options(op, "ReducerOptions")
        keep = bool(o.KeepDims()) if o is not None else False
        rank = c.rank(ins[0])
        axes = sorted({int(a) % rank for a in c.need_const(ins[1], "the reduction axes").reshape(-1)})
        if c.dynamic and 0 in axes:
            raise _StaticBatch()
        perm = c.layout(ins[0])
        stored_axes = [perm.index(a) for a in axes]
        x = c.get(ins[0], perm)
        name = _short(c.tname(outs[0]))
        if onnx_op == "ReduceSum":
            y = c.g.node(onnx_op, [x, c.i64(stored_axes, "axes")], name=name, keepdims=int(keep))
        else:
            y = c.g.node(onnx_op, [x], name=name, axes=stored_axes, keepdims=int(keep))
        if keep:
            c.put(outs[0], y, perm)
        else:
            rest = [p for i, p in enumerate(perm) if i not in stored_axes]
            order = sorted(rest)
            c.put(outs[0], y, tuple(order.index(p) for p in rest))

    return handler


def _fully_connected(c: _Converter, op, ins, outs):
    o = c.options(op, "FullyConnectedOptions")
    if o is not None and o.WeightsFormat() != 0:
        raise c.err("shuffled FULLY_CONNECTED weights are not supported", ins[1])
    keep = bool(o.KeepNumDims()) if o is not None else False
    x_idx, w_idx = ins[0], ins[1]
    b_idx = ins[2] if len(ins) > 2 else -1
    out_f, k = c.shape(w_idx)
    in_shape = c.shape(x_idx)
    x = c.get(x_idx)
    if c.dynamic and not (in_shape[-1] == k if keep else int(np.prod(in_shape[1:])) == k):
        raise _StaticBatch()  # rows of the matrix product would not be samples
    if len(in_shape) != 2 or in_shape[1] != k:
        x = c.g.node("Reshape", [x, c.i64([-1, k], "shape")])
    w = c.g.node("Transpose", [c.get(w_idx)], perm=[1, 0])
    inputs = [x, w] + ([c.get(b_idx)] if b_idx >= 0 else [])
    y = c.g.node("Gemm", inputs, name=_short(c.tname(outs[0])))
    y = c.activation(y, o.FusedActivationFunction() if o is not None else 0, outs[0])
    out_shape = list(c.shape(outs[0]))
    if len(out_shape) != 2:
        if c.dynamic:
            out_shape[0] = -1
        y = c.g.node("Reshape", [y, c.i64(out_shape, "shape")])
    c.put(outs[0], y)


def _cast(c: _Converter, op, ins, outs):
    perm = c.layout(ins[0])
    to = onnx_dtype(c.np_dtype(outs[0]))
    c.put(outs[0], c.g.node("Cast", [c.get(ins[0], perm)], name=_short(c.tname(outs[0])), to=to), perm)


def _hard_swish(c, op, ins, outs):
    return _unary("HardSwish")(c, op, ins, outs)


_HANDLERS = {
    "CONV_2D": _conv2d,
    "DEPTHWISE_CONV_2D": _depthwise,
    "MAX_POOL_2D": _pool("MaxPool"),
    "AVERAGE_POOL_2D": _pool("AveragePool"),
    "RESIZE_BILINEAR": _resize("linear"),
    "RESIZE_NEAREST_NEIGHBOR": _resize("nearest"),
    "DEPTH_TO_SPACE": _depth_space("DepthToSpace"),
    "SPACE_TO_DEPTH": _depth_space("SpaceToDepth"),
    "ADD": _binary("Add", "AddOptions"),
    "SUB": _binary("Sub", "SubOptions"),
    "MUL": _binary("Mul", "MulOptions"),
    "DIV": _binary("Div", "DivOptions"),
    "MAXIMUM": _binary("Max"),
    "MINIMUM": _binary("Min"),
    "POW": _binary("Pow"),
    "SQUARED_DIFFERENCE": _binary("SquaredDifference"),
    "LOGISTIC": _unary("Sigmoid"),
    "TANH": _unary("Tanh"),
    "RELU": _unary("Relu"),
    "RELU6": _unary("Relu6"),
    "RELU_N1_TO_1": _unary("ReluN1To1"),
    "LEAKY_RELU": _unary("LeakyRelu"),
    "HARD_SWISH": _hard_swish,
    "ELU": _unary("Elu"),
    "EXP": _unary("Exp"),
    "LOG": _unary("Log"),
    "ABS": _unary("Abs"),
    "NEG": _unary("Neg"),
    "SQRT": _unary("Sqrt"),
    "RSQRT": _unary("Rsqrt"),
    "PRELU": _prelu,
    "DEQUANTIZE": _dequantize,
    "DENSIFY": _densify,
    "CAST": _cast,
    "PAD": _pad,
    "PADV2": _pad,
    "MIRROR_PAD": _pad,
    "CONCATENATION": _concat,
    "RESHAPE": _reshape,
    "SQUEEZE": _reshape,
    "EXPAND_DIMS": _reshape,
    "TRANSPOSE": _transpose,
    "SOFTMAX": _softmax,
    "MEAN": _reduce("ReduceMean"),
    "SUM": _reduce("ReduceSum"),
    "REDUCE_MAX": _reduce("ReduceMax"),
    "REDUCE_MIN": _reduce("ReduceMin"),
    "FULLY_CONNECTED": _fully_connected,
}

SUPPORTED_OPS = tuple(sorted(_HANDLERS))
