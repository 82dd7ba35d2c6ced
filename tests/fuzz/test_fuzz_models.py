"""Fuzzed model files: TF.js model.json + weight shard (converter input) and user ONNX models."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from fuzz_harness import FUZZ, check, mutated_bytes, mutated_tree, scratch
from hypothesis import example, given
from hypothesis import strategies as st
from user_onnx_models import tiny_onnx

from posekit.convert.tfjs.reader import TfjsModel, read_model
from posekit.zoo.user import Graph, inspect_onnx

SHARD = "group1-shard1of1.bin"
TFJS = {
    "format": "graph-model",
    "modelTopology": {
        "node": [
            {"name": "input", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"}}},
            {"name": "w", "op": "Const", "attr": {"dtype": {"type": "DT_FLOAT"}}},
            {"name": "out", "op": "MatMul", "input": ["input", "w"]},
        ]
    },
    "weightsManifest": [
        {
            "paths": [SHARD],
            "weights": [
                {"name": "w", "shape": [2, 3], "dtype": "float32"},
                {
                    "name": "q",
                    "shape": [4],
                    "dtype": "float32",
                    "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0},
                },
            ],
        }
    ],
}
WEIGHTS = np.arange(6, dtype="<f4").tobytes() + bytes([0, 1, 2, 255])


def _read_tfjs(spec_bytes: bytes, shard: bytes) -> None:
    with scratch() as d:
        (d / SHARD).write_bytes(shard)
        path = d / "model.json"
        path.write_bytes(spec_bytes)
        m = check("tfjs model.json", path.name, lambda: read_model(path))
        if m is not None:
            assert isinstance(m, TfjsModel) and all(isinstance(v, np.ndarray) for v in m.weights.values())


@FUZZ
@given(spec=mutated_tree(TFJS))
@example(spec=[])  # a JSON array, not an object
@example(
    spec={**TFJS, "weightsManifest": [{"paths": [SHARD], "weights": [{"name": "w", "shape": [-2, 3]}]}]}
)  # bug
# (ValueError: a negative shape read the whole buffer, then failed to reshape)
@example(spec={**TFJS, "weightsManifest": [{"paths": [SHARD], "weights": [{"shape": [2]}]}]})  # bug: KeyError
def test_mutated_tfjs_manifest(spec: object) -> None:
    _read_tfjs(json.dumps(spec).encode(), WEIGHTS)


@FUZZ
@given(
    case=st.one_of(
        st.tuples(mutated_bytes(json.dumps(TFJS).encode()), st.just(WEIGHTS)),
        st.tuples(st.just(json.dumps(TFJS).encode()), mutated_bytes(WEIGHTS)),
    )
)
@example(case=(json.dumps(TFJS).encode(), WEIGHTS[:10]))  # bug: a short shard, ValueError from numpy
def test_mutated_tfjs_bytes(case: tuple[bytes, bytes]) -> None:
    _read_tfjs(*case)


def _valid_onnx() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        path = tiny_onnx(Path(d) / "m.onnx", "image", [1, 3, 64, 48], {"heatmaps": np.zeros((1, 17, 16, 12))})
        return path.read_bytes()


ONNX = _valid_onnx()


@FUZZ
@given(blob=mutated_bytes(ONNX))
def test_mutated_onnx(blob: bytes) -> None:
    with scratch() as d:
        path = d / "user.onnx"
        path.write_bytes(blob)
        g = check("user onnx", path.name, lambda: inspect_onnx(path))
        assert g is None or isinstance(g, Graph)
