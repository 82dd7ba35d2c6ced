"""The ONNX Runtime wrapper: device selection and threads."""

from __future__ import annotations

import numpy as np
import pytest

from posekit.convert.core.graph import GraphBuilder
from posekit.errors import ModelError
from posekit.runtime import OnnxModel, available_devices


@pytest.fixture
def tiny_model(tmp_path):
    g = GraphBuilder("tiny")
    x = g.input("x", np.float32, ["N", 3])
    g.output(g.node("Mul", [x, g.const(np.array([1, 2, 3], np.float32))]), "y")
    path = tmp_path / "tiny.onnx"
    path.write_bytes(g.build().SerializeToString())
    return path


def test_runs_on_cpu_with_threads(tiny_model):
    model = OnnxModel(tiny_model, threads=2)
    out = model(np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(out["y"], [[1, 2, 3], [1, 2, 3]])
    assert "cpu" in available_devices()


def test_unknown_device_is_named(tiny_model):
    with pytest.raises(ModelError, match="unknown device 'tpu'"):
        OnnxModel(tiny_model, device="tpu")


@pytest.mark.skipif("cuda" in available_devices(), reason="this ONNX Runtime has CUDA")
def test_missing_provider_is_explained(tiny_model):
    with pytest.raises(ModelError, match="CUDAExecutionProvider"):
        OnnxModel(tiny_model, device="cuda")


def test_corrupt_model_file(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00garbage")
    with pytest.raises(ModelError, match="models verify"):
        OnnxModel(bad)


def test_pruning_keeps_only_the_asked_outputs(two_heads, tmp_path, monkeypatch):
    monkeypatch.setenv("POSEKIT_CACHE", str(tmp_path / "cache"))
    path = two_heads
    full, pruned = OnnxModel(path), OnnxModel(path, outputs=["kept"])
    assert pruned.output_names == ["kept"]
    assert len(pruned.session.get_outputs()) == 1
    data = np.random.default_rng(0).random((2, 3), dtype=np.float32)
    np.testing.assert_array_equal(pruned(data)["kept"], full(data)["kept"])
    with pytest.raises(ModelError, match="no output"):
        OnnxModel(path, outputs=["nope"])
