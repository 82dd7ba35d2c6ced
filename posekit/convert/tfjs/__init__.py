"""TensorFlow.js graph model (``model.json`` + weight shards) → ONNX, built with ``onnx`` only.

Entry point: :func:`convert_tfjs`. No TensorFlow and no tf2onnx: the ``modelTopology`` GraphDef
(JSON encoded, `reader`) is read node by node and every TF op is mapped onto a few ONNX ops on the
shared core (`posekit.convert.core`), whose graph builder folds constant sub-expressions eagerly.

Layouts (`posekit.convert.core.layout`): TF graphs are NHWC, ONNX's spatial ops NCHW. A tensor is
kept either as the TF value or as a rank-4 value stored NCHW. Layout-aware ops take NCHW and give
NCHW: Conv2D / _FusedConv2D / (Fused)DepthwiseConv2dNative, MaxPool / AvgPool, Pad / PadV2 /
MirrorPad, ResizeBilinear / ResizeNearestNeighbor, DepthToSpace / SpaceToDepth (`spatial`); unary
and binary element-wise ops and activations, Softmax, BiasAdd, Prelu (`elementwise`, constants laid
out at conversion time, a non-constant rank-4 NHWC operand costs one transpose); ConcatV2 / Split /
SplitV / Tile / Slice / StridedSlice (axes remapped, no shrink/new axes; `shape`, `slicing`); Mean /
Sum / Max / Min / Prod (`reduce`); Shape (``Shape`` + ``Gather``; static shapes fold to a constant)
and Transpose (the input's layout is folded into the permutation). Every other op (Reshape, Squeeze,
GatherNd, TopKV2, ArgMax, ...) asks for TF layout: one Transpose per tensor, made once. Graph outputs
are returned in TF layout (NHWC), so they compare directly with TF.js.

The output is deterministic: converting the same files twice gives byte-identical models.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from posekit.convert import CONVERTER_VERSION
from posekit.convert.core.naming import sanitize
from posekit.convert.tfjs.reader import read_weights

if TYPE_CHECKING:
    import onnx

__all__ = ["convert_tfjs", "read_weights", "sanitize"]


def convert_tfjs(model_json: str | Path, *, name: str = "tfjs_model") -> onnx.ModelProto:
    """Convert a TF.js graph model (``model.json`` plus the weight shards it names) to ONNX.

    Inputs keep TF's names (the Placeholder's name, as TF.js' ``model.inputs`` reports it,
    sanitised), dtypes and NHWC layout (batch -1 and other unknown dims become symbolic); outputs
    are named by the sanitised ``signature.outputs`` keys.
    Raises :class:`ConversionError` for unsupported ops or attributes.
    """
    from posekit.convert.tfjs.converter import Converter
    from posekit.convert.tfjs.handlers import HANDLERS
    from posekit.convert.tfjs.reader import read_model

    model = read_model(model_json)
    meta = {
        "source_format": "tfjs-graph-model",
        "source_sha256": model.source_sha256,
        "source_generated_by": str(model.spec.get("generatedBy", "")),
        "source_converted_by": str(model.spec.get("convertedBy", "")),
        "converter": "posekit.convert.tfjs",
        "converter_version": CONVERTER_VERSION,
    }
    return Converter(model.spec, model.weights, name, HANDLERS).run(meta)
