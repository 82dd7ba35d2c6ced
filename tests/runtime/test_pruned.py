"""The pruned-graph cache: built once, then read back; a damaged file is rebuilt, a read-only cache is
not an error."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from posekit.convert.core.graph import GraphBuilder
from posekit.errors import ModelError
from posekit.runtime import OnnxModel
from posekit.runtime import pruned as pruned_mod


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("POSEKIT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "pruned"


def _count_prunes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = pruned_mod.prune

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(pruned_mod, "prune", counting)
    return calls


def test_miss_builds_and_writes_then_hit_reads(two_heads, cache, monkeypatch):
    calls = _count_prunes(monkeypatch)
    first = OnnxModel(two_heads, outputs=["kept"])
    assert len(calls) == 1
    files = list(cache.glob("*.onnx"))
    assert len(files) == 1 and not list(cache.glob(".*"))  # no temporary file left behind
    second = OnnxModel(two_heads, outputs=["kept"])
    assert len(calls) == 1  # read from the cache
    data = np.random.default_rng(0).random((2, 3), dtype=np.float32)
    np.testing.assert_array_equal(first(data)["kept"], second(data)["kept"])
    assert second.output_names == ["kept"]


def test_key_follows_the_model_bytes_and_outputs(two_heads, cache, monkeypatch):
    calls = _count_prunes(monkeypatch)
    pruned_mod.pruned(two_heads, ["kept"])
    pruned_mod.pruned(two_heads, ["dropped"])  # other outputs: another graph
    assert len(calls) == 2
    g = GraphBuilder("two_heads")  # same outputs, other weights: another graph
    x = g.input("x", np.float32, ["N", 3])
    g.output(g.node("Mul", [x, g.const(np.array([3, 2, 1], np.float32))]), "kept")
    g.output(g.node("Exp", [x]), "dropped")
    two_heads.write_bytes(g.build().SerializeToString())
    model = OnnxModel(two_heads, outputs=["kept"])
    assert len(calls) == 3
    np.testing.assert_array_equal(model(np.ones((1, 3), np.float32))["kept"], [[3, 2, 1]])
    assert len(list(cache.glob("*.onnx"))) == 3


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_damaged_file_is_rebuilt(two_heads, cache, monkeypatch, damage):
    pruned_mod.pruned(two_heads, ["kept"])
    (path,) = cache.glob("*.onnx")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else data[:-1] + bytes([data[-1] ^ 1]))
    calls = _count_prunes(monkeypatch)
    model = OnnxModel(two_heads, outputs=["kept"])
    assert len(calls) == 1
    np.testing.assert_array_equal(model(np.ones((1, 3), np.float32))["kept"], [[1, 2, 3]])
    (again,) = cache.glob("*.onnx")
    assert again.read_bytes() == data


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_cache_still_loads(two_heads, cache):
    cache.parent.mkdir(parents=True)
    cache.parent.chmod(0o500)
    try:
        model = OnnxModel(two_heads, outputs=["kept"])
        assert model.output_names == ["kept"]
    finally:
        cache.parent.chmod(0o700)


def test_unwritable_cache_still_loads(two_heads, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("POSEKIT_CACHE", str(blocker))  # <file>/pruned cannot be made
    model = OnnxModel(two_heads, outputs=["kept"])
    assert model.output_names == ["kept"]


def test_unknown_output_is_named(two_heads, cache):
    with pytest.raises(ModelError, match="no output"):
        OnnxModel(two_heads, outputs=["nope"])
    assert not cache.exists() or not list(cache.glob("*.onnx"))
