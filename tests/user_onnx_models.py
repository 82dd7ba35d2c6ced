"""Tiny ONNX files with a real export's input/output names, shapes and dtypes, for the user-model tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ALL = np.ones(17, bool)  # every COCO-17 keypoint visible

# a standing person, COCO-17 order, in pixels of a 192×256 crop (the top-down input size)
STANDING_POSE = np.array(
    [
        [96, 40],
        [104, 32],
        [88, 32],
        [112, 36],
        [80, 36],
        [124, 72],
        [68, 72],
        [132, 110],
        [60, 110],
        [136, 146],
        [56, 146],
        [112, 150],
        [80, 150],
        [114, 196],
        [78, 196],
        [116, 236],
        [76, 236],
    ],
    np.float64,
)


def tiny_onnx(path: Path, input_name: str, input_shape: list, outputs: dict[str, np.ndarray]) -> Path:
    """A graph: each output = its constant + 0 × mean(input)."""
    nodes = [
        helper.make_node("ReduceMean", [input_name], ["m"], keepdims=0),
        helper.make_node("Mul", ["m", "zero"], ["z"]),
    ]
    inits = [numpy_helper.from_array(np.zeros((), np.float32), "zero")]
    outs = []
    for name, value in outputs.items():
        inits.append(numpy_helper.from_array(value.astype(np.float32), f"{name}_const"))
        nodes.append(helper.make_node("Add", [f"{name}_const", "z"], [name]))
        outs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(value.shape)))
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, input_shape)],
        outs,
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
