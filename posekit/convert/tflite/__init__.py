"""TFLite flatbuffer → ONNX, without TensorFlow.

The model is read with the `tflite` flatbuffer schema bindings (`reader`) and rebuilt op by op on the
shared core (`posekit.convert.core`): the graph builder's eager constant folding turns weight
re-layouts and dequantisation into plain initializers, and the layout table converts NHWC → NCHW once
(spatial handlers ask for NCHW, layout-agnostic ones keep their input's layout, shape-sensitive ones
and the outputs ask for TFLite's own). Handlers by family: `spatial`, `elementwise`, `shape`.

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
dimension metadata) are densified in NumPy at conversion time (`weights`), so the ONNX graph only has
dense float32 initializers. Anything else unsupported raises `ConversionError` naming the op and tensor.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from posekit.convert.core.naming import sanitize
from posekit.convert.tflite.handlers import SUPPORTED_OPS
from posekit.convert.tflite.weights import densify, dequantize
from posekit.errors import ConversionError

if TYPE_CHECKING:
    import onnx

__all__ = ["SUPPORTED_OPS", "convert_tflite", "densify", "dequantize", "sanitize"]


def convert_tflite(path: str | Path) -> onnx.ModelProto:
    """Convert a TFLite model file into an equivalent ONNX model (opset 17, float32)."""
    from posekit.convert.tflite.converter import Converter
    from posekit.convert.tflite.reader import StaticBatch

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConversionError(f"cannot read TFLite model {path}: {e}") from e
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ConversionError(f"{path} is not a TFLite flatbuffer (no TFL3 identifier)")
    try:
        return Converter(data, path.stem, dynamic_batch=True).run(path.name)
    except StaticBatch:
        return Converter(data, path.stem, dynamic_batch=False).run(path.name)
