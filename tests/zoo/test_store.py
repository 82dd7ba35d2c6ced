"""The model cache: verification, atomic installs, concurrency and clear errors."""

from __future__ import annotations

import errno
import hashlib
import io
import multiprocessing
import tarfile
from pathlib import Path

import pytest

from posekit.errors import ModelError
from posekit.zoo import fetch, maintenance, store
from posekit.zoo.records import SourcePackage

FILES = {"models/a.json": b'{"hello": 1}', "models/a.bin": bytes(range(256)) * 100}
WANTED = {k: hashlib.sha256(v).hexdigest() for k, v in FILES.items()}
PKG = SourcePackage(
    client="npm",
    name="@test/pkg",
    version="1.0.0",
    licence="none",
    archive_sha256="0" * 64,
    archive_name="test-pkg-1.0.0.tgz",
    archive_bytes=0,
    member_prefix="package/",
)


def make_tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo("package/" + name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POSEKIT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_install_verifies_and_is_complete(tmp_path, cache):
    archive = make_tarball(tmp_path / "ok.tgz", FILES)
    out = store.install_archive(archive, PKG, WANTED)
    assert (out / ".complete").exists()
    for name, data in FILES.items():
        assert (out / name).read_bytes() == data


def test_checksum_mismatch_leaves_nothing(tmp_path, cache):
    bad = dict(FILES, **{"models/a.bin": b"tampered"})
    archive = make_tarball(tmp_path / "bad.tgz", bad)
    with pytest.raises(ModelError, match=r"checksum mismatch for models/a\.bin"):
        store.install_archive(archive, PKG, WANTED)
    sources = cache / "sources"
    assert not store.package_installed(PKG)
    assert [p.name for p in sources.iterdir()] == []  # no staging leftovers


def test_missing_member_is_reported(tmp_path, cache):
    archive = make_tarball(tmp_path / "part.tgz", {"models/a.json": FILES["models/a.json"]})
    with pytest.raises(ModelError, match=r"lacks models/a\.bin"):
        store.install_archive(archive, PKG, WANTED)


def test_not_an_archive(tmp_path):
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"not a tarball at all")
    with pytest.raises(ModelError, match="not a readable npm archive"):
        store.install_archive(junk, PKG, WANTED)


def test_disk_full_is_a_clear_error(tmp_path, cache, monkeypatch):
    archive = make_tarball(tmp_path / "ok.tgz", FILES)

    def no_space(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.shutil, "copyfileobj", no_space)
    with pytest.raises(ModelError, match="disk full"):
        store.install_archive(archive, PKG, WANTED)
    assert not store.package_installed(PKG)
    assert list((cache / "sources").iterdir()) == []


def _install_in_child(args):
    archive, cache_path = args
    import os

    os.environ["POSEKIT_CACHE"] = cache_path
    from posekit.zoo import store as child_store

    return str(child_store.install_archive(Path(archive), PKG, WANTED))


def test_concurrent_installs_do_not_corrupt(tmp_path, cache):
    archive = make_tarball(tmp_path / "ok.tgz", FILES)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        outs = pool.map(_install_in_child, [(str(archive), str(cache))] * 8)
    assert len(set(outs)) == 1
    final = Path(outs[0])
    assert sorted(p.name for p in (cache / "sources").iterdir()) == [final.name]
    for name, data in FILES.items():
        assert (final / name).read_bytes() == data


def test_missing_npm_names_the_remedy(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch.shutil, "which", lambda name: None)
    with pytest.raises(ModelError, match=r"npm, which is not installed.*models import"):
        fetch.download(PKG, tmp_path)


@pytest.mark.skipif(not fetch.npm_available(), reason="npm is not installed")
def test_unreachable_registry_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))  # no cached copy to fall back on
    with pytest.raises(ModelError, match="unreachable"):
        fetch.download(PKG, tmp_path)


def test_import_rejects_unknown_files(tmp_path):
    f = tmp_path / "something-else-1.0.tgz"
    make_tarball(f, FILES)
    with pytest.raises(ModelError, match="not a known model package"):
        store.import_archive(f)
    with pytest.raises(ModelError, match="no such file"):
        store.import_archive(tmp_path / "missing.tgz")


def test_verify_detects_corruption(tmp_path, cache):
    models = cache / "models"
    models.mkdir(parents=True)
    (models / "m.onnx").write_bytes(b"abc")
    (models / "m.json").write_text(f'{{"sha256": "{hashlib.sha256(b"abc").hexdigest()}"}}')
    assert maintenance.verify() == []
    (models / "m.onnx").write_bytes(b"abd")
    assert any("m.onnx: corrupt" in p for p in maintenance.verify())


def _fake_model(cache: Path, name: str, data: bytes = b"onnx") -> Path:
    models = cache / "models"
    models.mkdir(parents=True, exist_ok=True)
    (models / f"{name}.onnx").write_bytes(data)
    (models / f"{name}.json").write_text(f'{{"sha256": "{hashlib.sha256(data).hexdigest()}"}}')
    return models


def test_verify_names_the_remove_command(cache):
    models = _fake_model(cache, "movenet-lightning")
    (models / "movenet-lightning.onnx").write_bytes(b"corrupt")
    [problem] = maintenance.check()
    assert "movenet-lightning.onnx: corrupt" in problem.message
    assert problem.remedy == "posekit models remove movenet-lightning"


def test_remove_model_takes_both_files_and_leaves_nothing(cache):
    models = _fake_model(cache, "movenet-lightning")
    _fake_model(cache, "movenet-thunder")
    removed = maintenance.remove_model("movenet-lightning")
    assert sorted(p.name for p in removed) == ["movenet-lightning.json", "movenet-lightning.onnx"]
    assert sorted(p.name for p in models.iterdir()) == ["movenet-thunder.json", "movenet-thunder.onnx"]
    assert maintenance.remove_model("movenet-lightning") == []  # nothing left: not an error
    with pytest.raises(ModelError, match="Did you mean movenet-thunder"):
        maintenance.remove_model("movenet-thundr")


def test_remove_model_waits_for_a_conversion_in_progress(cache):
    """Removal takes the lock a conversion holds, so it never deletes a model half written."""
    import threading

    _fake_model(cache, "nanodet")
    done = threading.Event()
    with store.locked("model-nanodet"):

        def remove() -> None:
            maintenance.remove_model("nanodet")
            done.set()

        worker = threading.Thread(target=remove)
        worker.start()
        assert not done.wait(0.5)
        assert (cache / "models" / "nanodet.onnx").exists()
    worker.join(10)
    assert done.is_set() and not (cache / "models" / "nanodet.onnx").exists()


def test_remove_package(tmp_path, cache):
    out = store.install_archive(make_tarball(tmp_path / "ok.tgz", FILES), PKG, WANTED)
    assert maintenance.remove_package(PKG) == [out]
    assert not store.package_installed(PKG)
    assert list((cache / "sources").iterdir()) == []  # no staging or trash left
    assert maintenance.remove_package(PKG) == []


def test_cli_remove_and_verify(cache):
    import subprocess
    import sys

    models = _fake_model(cache, "centernet")
    (models / "centernet.onnx").write_bytes(b"corrupt")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "posekit", "models", *args], capture_output=True, text=True
        )

    bad = run("verify")
    assert bad.returncode == 1 and "posekit models remove centernet" in bad.stdout
    out = run("remove", "centernet")
    assert out.returncode == 0 and "removed centernet.json, centernet.onnx" in out.stdout
    assert run("verify").returncode == 0
    typo = run("remove", "centernt")
    assert typo.returncode != 0 and "Did you mean centernet" in typo.stderr and "Traceback" not in typo.stderr
