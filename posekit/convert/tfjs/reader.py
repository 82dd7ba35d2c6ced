"""Reading a TF.js graph model: the ``model.json`` topology, its weight shards and node attributes.

The GraphDef is JSON encoded (proto3 JSON: attribute values base64 or lists, default scalars
omitted); weights are decoded as TF.js' ``decodeWeights`` does (float16 and uint8/uint16 affine
quantisation included).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posekit.errors import ConversionError

TF_DTYPES = {
    "DT_FLOAT": np.float32,
    "DT_HALF": np.float16,
    "DT_INT32": np.int32,
    "DT_INT64": np.int64,
    "DT_BOOL": np.bool_,
    "DT_UINT8": np.uint8,
    "DT_INT8": np.int8,
    "DT_DOUBLE": np.float32,  # TF.js computes in float32 anyway
}
_MANIFEST_DTYPES = {"float32": "<f4", "int32": "<i4", "bool": "|b1", "int64": "<i8", "uint8": "u1"}


@dataclass
class TfjsModel:
    """A TF.js graph model as read from disk."""

    spec: dict  # the parsed model.json
    weights: dict[str, np.ndarray]
    source_sha256: str  # of model.json and every shard, in manifest order


def read_model(model_json: str | Path) -> TfjsModel:
    path = Path(model_json)
    try:
        raw = path.read_bytes()
        spec = json.loads(raw)
    except (OSError, ValueError) as e:
        raise ConversionError(f"cannot read TF.js model {path}: {' '.join(str(e).split())}") from e
    if (
        not isinstance(spec, dict)
        or not isinstance(spec.get("modelTopology"), dict)
        or "node" not in spec["modelTopology"]
    ):
        raise ConversionError(f"{path} is not a TF.js graph model (no modelTopology.node)")
    try:
        weights = read_weights(spec.get("weightsManifest", []), path.parent)
        hasher = hashlib.sha256(raw)
        for group in spec.get("weightsManifest", []):
            for p in group.get("paths", []):
                hasher.update((path.parent / p).read_bytes())
    except ConversionError as e:
        raise ConversionError(f"{path}: {e}") from None
    except (OSError, TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError) as e:
        # a damaged manifest: wrong types, negative or huge shapes, shards shorter than it says, ...
        msg = " ".join(str(e).split())[:200]
        raise ConversionError(f"{path}: malformed weights manifest ({type(e).__name__}: {msg})") from None
    return TfjsModel(spec, weights, hasher.hexdigest())


def read_weights(manifest: list, folder: Path) -> dict[str, np.ndarray]:
    """Decode the weight shards of a TF.js weights manifest (float16 and uint8/uint16 affine
    quantisation included, as TF.js' ``decodeWeights`` does)."""
    chunks = []
    for group in manifest:
        for p in group.get("paths", []):
            f = folder / p
            if not f.is_file():
                raise ConversionError(
                    f"weight shard {p} named in the weights manifest is missing next to the model JSON ({f})"
                )
            chunks.append(f.read_bytes())
    buf = b"".join(chunks)
    out: dict[str, np.ndarray] = {}
    offset = 0
    for group in manifest:
        for w in group.get("weights", []):
            shape = [int(s) for s in w.get("shape", [])]
            n = int(np.prod(shape)) if shape else 1
            dtype = w.get("dtype", "float32")
            q = w.get("quantization")
            if q:
                qd = q.get("dtype")
                if qd == "float16":
                    arr = np.frombuffer(buf, "<f2", n, offset).astype(np.float32)
                    offset += 2 * n
                elif qd in ("uint8", "uint16"):
                    raw = np.frombuffer(buf, "u1" if qd == "uint8" else "<u2", n, offset)
                    offset += raw.nbytes
                    vals = raw.astype(np.float64) * float(q["scale"]) + float(q["min"])
                    arr = np.round(vals).astype(np.int32) if dtype == "int32" else vals.astype(np.float32)
                else:
                    raise ConversionError(f"weight {w.get('name')}: unsupported quantization dtype {qd!r}")
            else:
                if dtype not in _MANIFEST_DTYPES:
                    raise ConversionError(f"weight {w.get('name')}: unsupported weight dtype {dtype!r}")
                arr = np.frombuffer(buf, _MANIFEST_DTYPES[dtype], n, offset)
                offset += arr.nbytes
                arr = arr.astype(np.bool_) if dtype == "bool" else arr.copy()
            if offset > len(buf):
                raise ConversionError(f"weight shards are too short for weight {w.get('name')}")
            out[w["name"]] = arr.reshape(shape)
    return out


# --------------------------------------------------------------------------------------------
# attributes
# --------------------------------------------------------------------------------------------
def attr(node: dict, key: str, default: Any = None) -> Any:
    a = (node.get("attr") or {}).get(key)
    if a is None:
        return default
    if "list" in a:
        lst = a["list"]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        if "s" in lst:
            return [base64.b64decode(v).decode() for v in lst["s"]]
        return []
    if "s" in a:
        return base64.b64decode(a["s"]).decode()
    if "i" in a:
        return int(a["i"])
    if "f" in a:
        return float(a["f"])
    if "b" in a:
        return bool(a["b"])
    if "type" in a:
        return a["type"]
    if "shape" in a:
        return a["shape"]
    if "tensor" in a:
        return a["tensor"]
    # proto3 JSON omits default scalar values
    return default if default is not None else 0


def shape_dims(shape_proto: Any) -> list | None:
    if not shape_proto or shape_proto.get("unknownRank"):
        return None
    return [int(d.get("size", 0)) for d in shape_proto.get("dim", [])]


def np_dtype(tf_type: Any, node_name: str = "?") -> np.dtype:
    if tf_type not in TF_DTYPES:
        raise ConversionError(f"node {node_name!r}: unsupported TF dtype {tf_type}")
    return np.dtype(TF_DTYPES[tf_type])


def tensor_attr(t: dict, node_name: str) -> np.ndarray:
    dt = np_dtype(t.get("dtype", "DT_FLOAT"), node_name)
    shape = shape_dims(t.get("tensorShape", {})) or []
    if "tensorContent" in t:
        arr = np.frombuffer(base64.b64decode(t["tensorContent"]), dtype=dt).copy()
    else:
        for key in ("floatVal", "intVal", "int64Val", "boolVal", "halfVal"):
            if key in t:
                arr = np.asarray(t[key]).astype(dt)
                break
        else:
            arr = np.zeros([1], dt)
    n = int(np.prod(shape)) if shape else 1
    if arr.size == 1 and n != 1:
        arr = np.full(n, arr.reshape(-1)[0], dt)
    return arr.reshape(shape)


# --------------------------------------------------------------------------------------------
# converter
# --------------------------------------------------------------------------------------------


def node_key(ref: str) -> str:
    """A node input reference as ``name:index`` (TF omits ``:0``)."""
    return ref if re.search(r":\d+$", ref) else ref + ":0"


def toposort(nodes: dict[str, dict]) -> list[str]:
    """Node names, every node after the nodes it reads (iterative DFS: graphs can be deep)."""
    order: list[str] = []
    state: dict[str, int] = {}
    for root in nodes:
        if root in state:
            continue
        stack = [(root, False)]
        while stack:
            n, done = stack.pop()
            if done:
                if state.get(n) != 2:
                    state[n] = 2
                    order.append(n)
                continue
            if state.get(n):
                continue
            state[n] = 1
            stack.append((n, True))
            for ref in reversed(nodes[n].get("input", [])):
                dep = ref.lstrip("^")
                dep = dep[: dep.rfind(":")] if re.search(r":\d+$", dep) else dep
                if dep not in nodes:
                    raise ConversionError(f"node {n!r} refers to unknown node {dep!r}")
                if not state.get(dep):
                    stack.append((dep, False))
    return order
