"""The model cache under faults: a fetch killed at any point, files damaged, replaced or deleted while
a process has the model loaded, symlinks out of the cache. After each, `posekit models verify` passes
(or names the problem and its remedy) and the next load repairs or refuses, never uses a bad file."""

from __future__ import annotations

import random
import shutil
import sys

import pytest
from fault_helpers import (
    CHILD,
    child_env,
    kill_during,
    offline_download,
    run,
    stage_mediapipe_archive,
    temp_litter,
)

from posekit.errors import ModelError
from posekit.zoo import fetch as fetch_module
from posekit.zoo.maintenance import check
from posekit.zoo.store import model_path

NAME = "mediapipe-pose-detector"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    root.mkdir()
    monkeypatch.setenv("POSEKIT_CACHE", str(root))
    return root


@pytest.fixture
def archive(tmp_path):
    return stage_mediapipe_archive(tmp_path)


def test_kill_during_fetch(cache, archive):
    rnd = random.Random("fetch")
    env = child_env(POSEKIT_CACHE=str(cache))
    cmd = [sys.executable, str(CHILD), "fetch", str(archive), NAME]
    for _ in range(2):
        _, ended = kill_during(cmd, delay=rnd.uniform(0.5, 3.5), env=env)
        assert check() == [], "a killed fetch left a corrupt cache"
    proc = run(cmd, env=env)  # the re-run completes
    assert proc.returncode == 0, proc.stderr
    assert check() == [] and temp_litter(cache) == []
    assert (cache / "models" / f"{NAME}.onnx").exists()


@pytest.fixture
def converted(cache, archive, monkeypatch):
    monkeypatch.setattr(fetch_module, "download", offline_download(archive))
    return model_path(NAME)


def test_model_damaged_while_loaded(converted, capfd):
    import onnxruntime as ort

    session = ort.InferenceSession(str(converted), providers=["CPUExecutionProvider"])
    good = converted.read_bytes()
    with open(converted, "r+b") as f:  # truncated under the running process
        f.truncate(len(good) // 2)
    assert session.get_inputs()  # the loaded model goes on working
    assert [p.remedy for p in check()] == [f"posekit models remove {NAME}"]
    assert model_path(NAME) == converted  # the next load notices, and rebuilds
    assert "checksum mismatch" in capfd.readouterr().err
    assert converted.read_bytes() == good and check() == []


def test_model_replaced_or_deleted(converted):
    good = converted.read_bytes()
    converted.with_name("other.onnx").write_bytes(good[::-1])
    converted.with_name("other.onnx").replace(converted)  # swapped for another file
    assert model_path(NAME) == converted and converted.read_bytes() == good
    converted.unlink()
    assert model_path(NAME) == converted and converted.read_bytes() == good


def test_damaged_source_is_fetched_again(converted, cache):
    source = next((cache / "sources").rglob("pose_detection.tflite"))
    source.write_bytes(b"not a model")
    converted.unlink()
    assert [p.remedy for p in check()] == [f"posekit models remove {NAME} --source"]
    assert model_path(NAME) == converted  # a fresh download, then the conversion
    assert check() == [] and source.read_bytes() != b"not a model"


def test_symlink_out_of_the_cache_is_refused(converted, tmp_path):
    outside = tmp_path / "elsewhere.onnx"
    shutil.copyfile(converted, outside)
    converted.unlink()
    converted.symlink_to(outside)
    with pytest.raises(ModelError, match="outside the model cache"):
        model_path(NAME)
    assert [p.remedy for p in check()] == [f"posekit models remove {NAME}"]
