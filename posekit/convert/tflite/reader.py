"""Reading a TFLite flatbuffer: tensors' names, shapes, dtypes, quantisation and constant values.

Uses the `tflite` flatbuffer schema bindings (no TensorFlow). `Reader` is the base of the converter;
the op handlers read operator options through `options`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from posekit.convert.tflite.weights import densify
from posekit.errors import ConversionError

# TensorType enum → NumPy dtype (types we can read as constants or carry as activations).
TFL_DTYPES = {
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
TFL_TYPE_NAMES = {
    0: "FLOAT32",
    1: "FLOAT16",
    2: "INT32",
    3: "UINT8",
    4: "INT64",
    5: "STRING",
    6: "BOOL",
    7: "INT16",
    8: "COMPLEX64",
    9: "INT8",
    10: "FLOAT64",
    11: "COMPLEX128",
    12: "UINT64",
    13: "RESOURCE",
    14: "VARIANT",
    15: "UINT32",
    16: "UINT16",
    17: "INT4",
    18: "BFLOAT16",
}
RUNTIME_DTYPES = {0, 2, 4, 6}  # activation types the converted graph computes in


class StaticBatch(Exception):
    """Raised internally when the batch dimension cannot be made symbolic exactly."""


class Reader:
    """Tensor metadata and constants of the first subgraph of a TFLite model."""

    def __init__(self, data: bytes) -> None:
        import tflite  # the flatbuffer schema bindings

        self.tfl: Any = tflite
        self.data = data
        self.model = tflite.Model.GetRootAs(data, 0)
        if self.model.SubgraphsLength() < 1:
            raise ConversionError("TFLite model has no subgraph")
        self.sg = self.model.Subgraphs(0)
        self.consts: dict[int, np.ndarray] = {}  # tensor index -> value (TFLite layout)
        self.opcodes: list[str] = []
        for i in range(self.model.OperatorCodesLength()):
            oc = self.model.OperatorCodes(i)
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            if code == 32:  # CUSTOM
                self.opcodes.append("CUSTOM:" + (oc.CustomCode() or b"?").decode(errors="replace"))
            else:
                self.opcodes.append(tflite.utils.BUILTIN_OPCODE2NAME.get(code, f"BUILTIN_{code}"))
        self.op = "?"  # current op name, for error messages

    # --- tensor metadata ----------------------------------------------------------------------
    def t(self, idx: int) -> Any:
        return self.sg.Tensors(idx)

    def tname(self, idx: int) -> str:
        return self.t(idx).Name().decode(errors="replace")

    def shape(self, idx: int) -> tuple:
        t = self.t(idx)
        return tuple(int(s) for s in t.ShapeAsNumpy()) if t.ShapeLength() else ()

    def rank(self, idx: int) -> int:
        return self.t(idx).ShapeLength()

    def err(self, msg: str, idx: int | None = None) -> ConversionError:
        where = f" (tensor '{self.tname(idx)}')" if idx is not None and idx >= 0 else ""
        return ConversionError(f"TFLite {self.op}{where}: {msg}")

    def np_dtype(self, idx: int) -> Any:
        ttype = self.t(idx).Type()
        if ttype not in TFL_DTYPES:
            raise self.err(f"tensor type {TFL_TYPE_NAMES.get(ttype, ttype)} is not supported", idx)
        return TFL_DTYPES[ttype]

    def quant(self, idx: int) -> tuple[np.ndarray, np.ndarray, int] | None:
        """(scale, zero_point, quantized_dimension) or None."""
        q = self.t(idx).Quantization()
        if q is None or q.ScaleLength() == 0:
            return None
        zp = q.ZeroPointAsNumpy() if q.ZeroPointLength() else np.zeros(1, np.int64)
        return np.asarray(q.ScaleAsNumpy(), np.float32), np.asarray(zp, np.int64), q.QuantizedDimension()

    def options(self, op: Any, cls_name: str) -> Any:
        """The op's builtin options table as `tflite.<cls_name>`, or None."""
        table = op.BuiltinOptions()
        if table is None:
            return None
        opts = getattr(self.tfl, cls_name)()
        opts.Init(table.Bytes, table.Pos)
        return opts

    # --- constants ----------------------------------------------------------------------------
    def raw_const(self, idx: int) -> np.ndarray | None:
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
            raw = self.data[buf.Offset() : buf.Offset() + buf.Size()]
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

    def _densify(self, idx: int, values: np.ndarray, sp: Any) -> np.ndarray:
        metas = []
        for lvl in range(sp.DimMetadataLength()):
            dm = sp.DimMetadata(lvl)
            segs = self._index_vector(dm.ArraySegmentsType(), dm.ArraySegments(), idx)
            inds = self._index_vector(dm.ArrayIndicesType(), dm.ArrayIndices(), idx)
            metas.append((dm.Format(), dm.DenseSize(), segs, inds))
        order = sp.TraversalOrderAsNumpy() if sp.TraversalOrderLength() else None
        bmap = sp.BlockMapAsNumpy() if sp.BlockMapLength() else None
        try:
            return densify(values, self.shape(idx), order, bmap, metas)
        except ValueError as e:
            raise self.err(f"cannot densify sparse tensor: {e}", idx) from e

    def _index_vector(self, vtype: int, table: Any, idx: int) -> np.ndarray | None:
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
