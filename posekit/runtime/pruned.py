"""Graphs cut down to some of their outputs, cached on disk so a process does not rebuild them.

Cutting BlazePose's landmark graph to the outputs the pipeline uses needs the `onnx` package (importing
it and extracting the graph: ~0.15 s of a `posekit track` start-up). The result depends only on the
model's bytes and the outputs kept, so it is written once to `<cache>/pruned/` under a name made of
both, with the SHA-256 of its own bytes in the name as well: a file that was damaged later is noticed
when it is read, and rebuilt. Files are written to a temporary name and renamed into place, so a
reader never sees a partial one. A cache folder that cannot be written only costs the rebuild.

The cache folder is posekit's model cache (`$POSEKIT_CACHE`, default `~/.cache/posekit`); this module
sits below the zoo, so it reads the variable itself rather than importing `posekit.zoo.store`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from posekit.errors import ModelError

log = logging.getLogger("posekit.runtime")


def cache_root() -> Path:
    return Path(os.environ.get("POSEKIT_CACHE") or Path.home() / ".cache" / "posekit") / "pruned"


def prune(path: str | Path, outputs: list[str]) -> bytes:
    """The serialized graph of the ONNX file `path` with only `outputs` and the nodes they need."""
    import onnx
    from onnx.utils import Extractor

    graph = onnx.load(str(path))  # (with its external data, if any: a bytes-only load would lose it)
    known = [o.name for o in graph.graph.output]
    missing = [o for o in outputs if o not in known]
    if missing:
        raise ModelError(f"{path}: no output(s) {', '.join(missing)} (it has {', '.join(known)})")
    inputs = [i.name for i in graph.graph.input]
    return Extractor(graph).extract_model(inputs, list(outputs)).SerializeToString()


def cache_key(model: bytes, outputs: list[str]) -> str:
    """Names the pruned graph: the model's SHA-256 and the outputs, in order (the graph's order)."""
    digest = hashlib.sha256(model).hexdigest()
    kept = hashlib.sha256("\n".join(outputs).encode()).hexdigest()
    return f"{digest[:32]}-{kept[:12]}"


def _read_valid(folder: Path, key: str) -> bytes | None:
    """The cached graph for `key` if one is there and its bytes match the hash in its name."""
    for path in sorted(folder.glob(f"{key}.*.onnx")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest()[:32] == path.name.split(".")[1]:
            return data
        log.warning("%s: damaged cached graph, rebuilding it", path)
        with contextlib.suppress(OSError):
            path.unlink()
    return None


def _write(folder: Path, key: str, data: bytes) -> None:
    path = folder / f"{key}.{hashlib.sha256(data).hexdigest()[:32]}.onnx"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:  # read-only or full cache: the graph is used from memory this time
        log.info("cannot cache the pruned graph in %s (%s)", folder, exc)


def pruned(path: str | Path, outputs: list[str], cache: Path | None = None) -> bytes:
    """The graph of the ONNX file `path` cut down to `outputs`, from the cache when it is there."""
    try:
        model = Path(path).read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}") from None
    folder = cache_root() if cache is None else Path(cache)
    key = cache_key(model, outputs)
    data = _read_valid(folder, key)
    if data is None:
        data = prune(path, outputs)
        _write(folder, key, data)
    return data
