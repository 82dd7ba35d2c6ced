"""Models derived from a zoo model by a small graph edit, built by our code into the cache and verified.

A derived model is the recorded (converted, hash-checked) model with one documented change; the
change is deterministic, so the result has a fixed SHA-256 that is recorded here next to the edit
and checked after every build. The zoo's own files and hashes stay untouched.

- `centernet-any-size`: CenterNet with a free input height and width (multiples of 32). The converted
  graph had its 512×512 input baked into three upsampling sizes, the 128-cell grid width used to
  decode its top-100 and one reshape; these become scales and values read from the tensors' shapes.
  Letterboxing a 4:3 photo to 512×384 instead of 512×512 runs a quarter fewer pixels through the
  network for the same detections (the padding carried nothing).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from posekit.errors import ModelError
from posekit.zoo import model_path
from posekit.zoo.store import cache_dir, locked, sha256_file

if TYPE_CHECKING:
    import onnx

# name → (source zoo model, SHA-256 of the derived model's serialised bytes)
DERIVED: dict[str, tuple[str, str]] = {
    "centernet-any-size": ("centernet", "297e9ee0d0bccf1b7d6effc8ed22feff2490b5c45394755738e8ad1f07151458"),
}


def derived_path(name: str) -> Path:
    """Path of a derived model in the cache, building it from its zoo model on first use.

    Like a converted model (posekit.zoo.store), a build whose hash differs from the recorded one (another
    onnx version may serialise differently) is used with a warning rather than refused; the test suite
    checks the outputs."""
    if name not in DERIVED:
        raise ModelError(f"unknown derived model {name!r} ({', '.join(DERIVED)})")
    source, sha = DERIVED[name]
    out = cache_dir() / "models" / "derived" / f"{name}.onnx"
    meta = out.with_suffix(".json")
    if _current(out, meta, sha):
        return out
    src = model_path(source)
    with locked(f"derived-{name}"):
        if _current(out, meta, sha):
            return out
        import onnx

        from posekit.io.atomic import atomic_write, write_json_atomic

        data = _BUILDERS[name](onnx.load(str(src))).SerializeToString()
        digest = _sha(data)
        if digest != sha:
            print(
                f"posekit: warning: derived model {name} differs from the recorded build "
                f"({digest[:12]} vs {sha[:12]})",
                file=sys.stderr,
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(out) as f:
            f.write(data)
        write_json_atomic(meta, {"name": name, "source": source, "sha256": digest, "recorded": sha})
    return out


def _current(out: Path, meta: Path, sha: str) -> bool:
    """Built by this version of posekit (for the recorded hash), and the file is the one built."""
    try:
        info = json.loads(meta.read_text())
        return bool(info.get("recorded") == sha and out.exists() and sha256_file(out) == info.get("sha256"))
    except (OSError, ValueError):
        return False


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def centernet_any_size(model: onnx.ModelProto) -> onnx.ModelProto:
    """CenterNet with input (1, height, width, 3) for any multiple of 32 (see the module docstring)."""
    import onnx
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {i.name: i for i in g.initializer}
    sizes = [n for n in g.node if n.op_type == "Resize"]
    grid_width = numpy_helper.to_array(inits["tower_0_strided_slice_6"])
    if len(sizes) != 3 or int(grid_width) != 128:
        raise ModelError("centernet-any-size: the CenterNet graph is not the one this edit was written for")
    for node in sizes:  # fixed output sizes → a ×2 scale (each upsampling doubles a 16/32-stride map)
        del node.input[1:]
        node.input.extend(["", f"{node.name}_scales"])
        g.initializer.append(
            numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), f"{node.name}_scales")
        )
    flat = inits["tower_0_BatchGather_Reshape_2"]  # (16384, 4): every cell's box size
    flat.CopyFrom(numpy_helper.from_array(np.array([-1, 4], np.int64), flat.name))
    # the grid width (128 at 512 px) decodes a cell index into x, y: read it from the heatmap's shape
    g.initializer.remove(inits["tower_0_strided_slice_6"])
    g.node.insert(
        _index_of(g, "tower_0_Sigmoid_n") + 1,
        helper.make_node("Shape", ["tower_0_Sigmoid"], ["grid_shape"], start=3, end=4),
    )
    g.node.insert(
        _index_of(g, "tower_0_Sigmoid_n") + 2, helper.make_node("Squeeze", ["grid_shape"], ["grid_w"])
    )
    g.node.insert(
        _index_of(g, "tower_0_Sigmoid_n") + 3,
        helper.make_node("Cast", ["grid_w"], ["tower_0_strided_slice_6"], to=onnx.TensorProto.INT32),
    )
    dims = g.input[0].type.tensor_type.shape.dim
    dims[1].dim_param, dims[2].dim_param = "height", "width"
    for out in g.output:  # output shapes follow the input now
        for i, dim in enumerate(out.type.tensor_type.shape.dim[1:], 1):
            dim.dim_param = f"{out.name}_{i}"
    del g.value_info[:]
    onnx.checker.check_model(model)
    return model


def _index_of(graph: onnx.GraphProto, name: str) -> int:
    return next(i for i, n in enumerate(graph.node) if n.name == name)


_BUILDERS: dict[str, Callable[[onnx.ModelProto], onnx.ModelProto]] = {
    "centernet-any-size": centernet_any_size,
}
