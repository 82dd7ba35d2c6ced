"""Every zoo model: fetched with its registry client, verified, converted reproducibly, loadable."""

from __future__ import annotations

import json

import pytest

from posekit.runtime import OnnxModel
from posekit.zoo import cache_dir, get_record, model_names, model_path, store, verify

pytestmark = pytest.mark.models


@pytest.mark.parametrize("name", model_names())
def test_model_converts_to_the_recorded_onnx(name):
    path = model_path(name)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["sha256"] == store.sha256_file(path)
    assert meta["sha256"] == get_record(name).onnx_sha256, "conversion is not reproducible"
    model = OnnxModel(path, threads=1)
    assert model.output_names


def test_cache_verifies_clean_and_detects_corruption(tmp_path, monkeypatch):
    model_path("movenet-lightning")
    assert verify() == []
    # corrupt a copy of the cache, never the real one
    import shutil

    copy = tmp_path / "cache"
    shutil.copytree(cache_dir(), copy, ignore=shutil.ignore_patterns("locks"))
    monkeypatch.setenv("POSEKIT_CACHE", str(copy))
    f = copy / "models" / "movenet-lightning.onnx"
    f.write_bytes(f.read_bytes()[:-10] + b"0123456789")
    src = next((copy / "sources").rglob("movenet-lightning.bin"))
    src.write_bytes(b"tampered")
    problems = verify()
    assert any("movenet-lightning.onnx: corrupt" in p for p in problems)
    assert any("movenet-lightning.bin is corrupt" in p for p in problems)


def test_stale_conversion_is_rebuilt(tmp_path, monkeypatch):
    """A model converted by an older converter (other hash) is rebuilt, not used."""
    import shutil

    model_path("movenet-lightning")
    copy = tmp_path / "cache"
    shutil.copytree(cache_dir(), copy, ignore=shutil.ignore_patterns("locks"))
    monkeypatch.setenv("POSEKIT_CACHE", str(copy))
    meta_file = copy / "models" / "movenet-lightning.json"
    meta = json.loads(meta_file.read_text())
    (copy / "models" / "movenet-lightning.onnx").write_bytes(b"old build")
    meta_file.write_text(json.dumps({**meta, "sha256": "0" * 64}))
    path = model_path("movenet-lightning")
    assert store.sha256_file(path) == get_record("movenet-lightning").onnx_sha256
