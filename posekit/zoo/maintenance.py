"""Cache upkeep: the state of each model, re-hashing everything (`posekit models verify`), and removal
(`posekit models remove`) under the same locks as installation."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from posekit.errors import ModelError
from posekit.zoo.records import SourcePackage
from posekit.zoo.registry import get_record, model_names, packages, records_of
from posekit.zoo.store import (
    cache_dir,
    locked,
    needed_files,
    outside_cache,
    package_dir,
    package_installed,
    sha256_file,
    sweep_cache,
)

# --- status and verification --------------------------------------------------------------------


@dataclass
class ModelState:
    name: str
    source_cached: bool
    converted: bool
    onnx_bytes: int


def state(name: str) -> ModelState:
    record = get_record(name)
    onnx_file = cache_dir() / "models" / f"{name}.onnx"
    converted = onnx_file.exists() and onnx_file.with_suffix(".json").exists()
    return ModelState(
        name, package_installed(record.source), converted, onnx_file.stat().st_size if converted else 0
    )


@dataclass(frozen=True)
class Problem:
    """Something wrong in the cache, and the command that repairs it."""

    message: str
    remedy: str

    def __str__(self) -> str:
        return self.message


def check() -> list[Problem]:
    """Re-hash every cached file; the problems found, each with its remedy (empty when all is well)."""
    problems = []
    sweep_cache()  # what killed fetches left is litter, not a problem
    for package in packages():
        if not package_installed(package):
            continue
        for rel, expected in needed_files(package).items():
            f = package_dir(package) / rel
            owner = next(r.name for r in records_of(package) if any(sf.path == rel for sf in r.files))
            remedy = f"posekit models remove {owner} --source"
            if not f.exists():
                problems.append(Problem(f"{package.spec}: {rel} is missing", remedy))
            elif outside_cache(f) is not None:
                problems.append(Problem(f"{package.spec}: {rel} is a symlink out of the cache", remedy))
            elif sha256_file(f) != expected:
                problems.append(Problem(f"{package.spec}: {rel} is corrupt (checksum mismatch)", remedy))
    for onnx_file in sorted((cache_dir() / "models").glob("*.onnx")):
        meta_file = onnx_file.with_suffix(".json")
        remedy = f"posekit models remove {onnx_file.stem}"
        if outside_cache(onnx_file) is not None or outside_cache(meta_file) is not None:
            problems.append(Problem(f"{onnx_file.name}: a symlink out of the cache", remedy))
            continue
        try:
            meta = json.loads(meta_file.read_text())
        except (OSError, ValueError):
            problems.append(Problem(f"{onnx_file.name}: provenance file missing or unreadable", remedy))
            continue
        if sha256_file(onnx_file) != meta.get("sha256"):
            problems.append(
                Problem(f"{onnx_file.name}: corrupt (checksum differs from when it was converted)", remedy)
            )
    return problems


def verify() -> list[str]:
    """Re-hash every cached file; returns a list of problems (empty when all is well)."""
    return [p.message for p in check()]


# --- removal ------------------------------------------------------------------------------------


def _discard(paths: list[Path], parent: Path) -> list[Path]:
    """Move `paths` (files or folders) into a fresh folder under `parent`, then delete it: each path
    is gone in one rename, so no reader ever sees half of it."""
    present = [p for p in paths if p.exists()]
    if not present:
        return []
    trash = Path(tempfile.mkdtemp(prefix=f".removing.pk{os.getpid()}-", dir=parent))
    try:
        for i, p in enumerate(present):
            os.replace(p, trash / f"{i}-{p.name}")
    finally:
        shutil.rmtree(trash, ignore_errors=True)
    return present


def remove_model(name: str, source: bool = False) -> list[Path]:
    """Remove a converted model (and, with `source`, its whole source package, which other models
    may share) from the cache, so that it is fetched or rebuilt on next use. Returns what was removed.

    Runs under the same locks as conversion and installation: a process converting or unpacking
    this model finishes first, and never sees a half-removed one. A name no record knows is
    accepted when the cache holds a model of that name (left by an older posekit)."""
    models = cache_dir() / "models"
    onnx_file, meta_file = models / f"{name}.onnx", models / f"{name}.json"
    known = name in model_names()
    if "/" in name or "\\" in name or name.startswith(".") or not (known or onnx_file.exists()):
        get_record(name)  # raises the helpful "unknown model" error
        raise ModelError(f"{name!r} is not a model name")
    user = known and get_record(name).format == "onnx"  # a user's model has no source package
    removed: list[Path] = []
    with locked(f"model-{name}"):
        # the provenance file first: without it the model counts as not converted
        removed += _discard([meta_file, onnx_file], models) if models.exists() else []
    if source and known and not user:
        removed += remove_package(get_record(name).source)
    return removed


def remove_package(package: SourcePackage) -> list[Path]:
    """Remove a source package from the cache (under its install lock, in one rename)."""
    folder = package_dir(package)
    with locked(package.slug):
        return _discard([folder], folder.parent) if folder.parent.exists() else []
