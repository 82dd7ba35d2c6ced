"""User models: ONNX files of other projects' pose models (OpenPose, HRNet/ViTPose, RTMPose, YOLO-pose)
that the user has and posekit cannot ship, recorded in the same cache as the zoo's models.

`posekit models add FILE --name NAME --kind KIND` checks that the graph fits the kind (inputs and
outputs inspected), copies the file into the cache as `models/<NAME>.onnx` and writes the record
beside it as `models/<NAME>.json` (SHA-256, kind, layout, input size, normalisation, output names,
licence). The record is a `ModelRecord` like the zoo's, so `--model NAME` works everywhere; `models
verify` re-hashes the file, `models remove NAME` deletes it. The defaults follow how those projects
export (see docs/models.md):

- heatmap (mmpose HRNet/ViTPose/SimpleBaseline): 192×256 input, ImageNet mean/std on RGB 0–255, NCHW;
  one output (1, 17, 64, 48);
- simcc (RTMPose, mmdeploy/rtmlib): same input; outputs simcc_x (1, 17, 384) and simcc_y (1, 17, 512);
- yolo-pose (Ultralytics): 640×640 letterboxed RGB / 255, NCHW; one output (1, 56, 8400);
- openpose (Caffe models converted to ONNX): BGR, (x − 128) / 256, any size (height 368 by
  default, sides multiples of 16) unless the graph fixes it; one output (1, 78 or 57, H/8, W/8).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posekit.errors import InputError, ModelError
from posekit.zoo.schema import ModelRecord, Normalisation, Output, Size, SourceFile, SourcePackage

KINDS = ("heatmap", "simcc", "yolo-pose", "openpose")
TOPDOWN_KINDS = ("heatmap", "simcc")
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class KindDefaults:
    input_size: Size | None
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    channels: str
    layouts: tuple[str, ...]  # the first is the default
    description: str


DEFAULTS = {
    "heatmap": KindDefaults(
        (192, 256),
        IMAGENET_MEAN,
        IMAGENET_STD,
        "RGB",
        ("coco17",),
        "top-down heatmaps (HRNet / ViTPose / SimpleBaseline), DARK decoding",
    ),
    "simcc": KindDefaults(
        (192, 256), IMAGENET_MEAN, IMAGENET_STD, "RGB", ("coco17",), "top-down SimCC (RTMPose), split ratio 2"
    ),
    "yolo-pose": KindDefaults(
        (640, 640),
        (0.0, 0.0, 0.0),
        (255.0, 255.0, 255.0),
        "RGB",
        ("coco17",),
        "one-stage YOLO-pose (Ultralytics), letterboxed",
    ),
    "openpose": KindDefaults(
        None,
        (128.0, 128.0, 128.0),
        (256.0, 256.0, 256.0),
        "BGR",
        ("body25", "coco18"),
        "bottom-up OpenPose: heatmaps + part affinity fields",
    ),
}


@dataclass(frozen=True, kw_only=True)
class UserModelRecord(ModelRecord):
    """A zoo record for a user's ONNX file; `kind` picks the decoder, `net_layout` the network's own
    keypoint layout (the pipelines always give COCO-17)."""

    kind: str
    net_layout: str = "coco17"
    udp: bool = False
    split_ratio: float = 2.0
    added: str = ""


@dataclass(frozen=True)
class Tensor:
    name: str
    shape: tuple[int | str, ...]  # a str: a symbolic (dynamic) dimension
    dtype: str


@dataclass(frozen=True)
class Graph:
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]


def inspect_onnx(path: str | Path) -> Graph:
    """The graph's inputs and outputs (initialisers excluded), without loading external weights."""
    import onnx
    from onnx import helper

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, ValueError, … for a file that is not ONNX
        raise InputError(f"{path}: not a readable ONNX model ({type(exc).__name__})") from None
    inits = {i.name for i in model.graph.initializer}

    def tensors(values: Any) -> tuple[Tensor, ...]:
        out = []
        for v in values:
            if v.name in inits:
                continue
            t = v.type.tensor_type
            dims = tuple(
                d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim
            )
            out.append(Tensor(v.name, dims, helper.tensor_dtype_to_np_dtype(t.elem_type).name))
        return tuple(out)

    return Graph(tensors(model.graph.input), tensors(model.graph.output))


def _static(d: int | str) -> int | None:
    return d if isinstance(d, int) and d > 0 else None


def _fit(
    kind: str, graph: Graph, layout: str, input_size: Size | None, split_ratio: float, file: str
) -> tuple[Size | None, tuple[Output, ...], str]:
    """Check that `graph` is a model of `kind`; returns (input size, outputs by role, net layout)."""
    d = DEFAULTS[kind]
    if len(graph.inputs) != 1:
        raise InputError(
            f"{file}: a {kind} model has one image input; this one has {len(graph.inputs)} "
            f"({', '.join(t.name for t in graph.inputs)})"
        )
    inp = graph.inputs[0]
    if len(inp.shape) != 4 or inp.shape[1] != 3 or inp.dtype != "float32":
        raise InputError(
            f"{file}: input {inp.name!r} is {inp.dtype} {list(inp.shape)}; a {kind} model takes "
            "float32 (1, 3, height, width) (NCHW)"
        )
    gh, gw = _static(inp.shape[2]), _static(inp.shape[3])
    size: Size | None = input_size or d.input_size
    if gh and gw:
        if input_size and tuple(input_size) != (gw, gh):
            raise InputError(
                f"{file}: --input-size {input_size[0]} {input_size[1]} but the graph's input is "
                f"fixed at {gw}×{gh}"
            )
        size = (gw, gh)
    outs = graph.outputs
    if kind == "heatmap":
        maps = [t for t in outs if len(t.shape) == 4]
        if len(maps) != 1 or _static(maps[0].shape[1]) != 17:
            raise InputError(f"{file}: a heatmap model has one (1, 17, h, w) output; found {_shapes(outs)}")
        return size, (Output("heatmaps", maps[0].name, "(1, 17, h, w) keypoint heatmaps"),), layout
    if kind == "simcc":
        vecs = [t for t in outs if len(t.shape) == 3 and _static(t.shape[1]) in (17, None)]
        if len(vecs) != 2:
            raise InputError(
                f"{file}: an RTMPose (SimCC) model has two (1, 17, bins) outputs, simcc_x and "
                f"simcc_y; found {_shapes(outs)}"
            )
        x, y = sorted(vecs, key=lambda t: (0 if "x" in t.name.lower() else 1, outs.index(t)))
        if size is not None:
            for t, side in ((x, size[0]), (y, size[1])):
                bins = _static(t.shape[2])
                if bins is not None and bins != round(side * split_ratio):
                    raise InputError(
                        f"{file}: output {t.name!r} has {bins} bins; {side} pixels × split ratio "
                        f"{split_ratio:g} = {round(side * split_ratio)} (set --input-size or --split-ratio)"
                    )
        return (
            size,
            (
                Output("simcc_x", x.name, "(1, 17, W·r) x classification"),
                Output("simcc_y", y.name, "(1, 17, H·r) y classification"),
            ),
            layout,
        )
    if kind == "yolo-pose":
        cols = [t for t in outs if len(t.shape) == 3 and 56 in t.shape]
        if len(cols) != 1:
            raise InputError(
                f"{file}: a YOLO-pose model has one (1, 56, anchors) output (box, score, 17 × "
                f"(x, y, visibility)); found {_shapes(outs)}"
            )
        return size, (Output("output", cols[0].name, "(1, 56, anchors) boxes, scores, keypoints"),), layout
    maps = [t for t in outs if len(t.shape) == 4]
    if len(maps) != 1 or _static(maps[0].shape[1]) not in (57, 78):
        raise InputError(
            f"{file}: an OpenPose model has one (1, 78 or 57, H/8, W/8) output (heatmaps then part "
            f"affinity fields); found {_shapes(outs)}"
        )
    net = "body25" if maps[0].shape[1] == 78 else "coco18"
    if layout not in (net, "auto"):
        raise InputError(
            f"{file}: output has {maps[0].shape[1]} channels, which is {net}, not --layout {layout}"
        )
    return size, (Output("maps", maps[0].name, "(1, C, H/8, W/8) heatmaps + part affinity fields"),), net


def _shapes(tensors: tuple[Tensor, ...]) -> str:
    return ", ".join(f"{t.name} {list(t.shape)}" for t in tensors) or "no outputs"


def _models_dir() -> Path:
    from posekit.zoo.store import cache_dir

    return cache_dir() / "models"


def add_model(
    file: str | Path,
    name: str,
    kind: str,
    *,
    layout: str | None = None,
    input_size: Size | None = None,
    mean: tuple[float, float, float] | None = None,
    std: tuple[float, float, float] | None = None,
    channels: str | None = None,
    udp: bool = False,
    split_ratio: float = 2.0,
    licence: str = "",
) -> UserModelRecord:
    """Check, copy and record a user's ONNX model in the cache; returns its record."""
    from posekit.io.atomic import write_json_atomic
    from posekit.zoo.records import RECORDS
    from posekit.zoo.store import locked, sha256_file

    path = Path(file)
    if not path.is_file():
        raise InputError(f"{file}: no such file")
    if kind not in KINDS:
        raise InputError(f"--kind {kind!r}: choose one of {', '.join(KINDS)}")
    if not _NAME.match(name):
        raise InputError(f"--name {name!r}: use lower-case letters, digits, '.', '_' and '-' (at most 64)")
    if name in {r.name for r in RECORDS}:
        raise InputError(f"--name {name!r} is a zoo model; choose another name")
    d = DEFAULTS[kind]
    layout = layout or ("auto" if kind == "openpose" else d.layouts[0])
    if layout not in (*d.layouts, "auto") or (layout == "auto" and kind != "openpose"):
        raise InputError(f"--layout {layout!r}: a {kind} model gives one of {', '.join(d.layouts)}")
    size, outputs, net_layout = _fit(kind, inspect_onnx(path), layout, input_size, split_ratio, path.name)
    digest = sha256_file(path)
    norm = Normalisation(mean or d.mean, std or d.std, channels or d.channels, "float32", "NCHW")  # type: ignore[arg-type]
    meta = {
        "name": name,
        "sha256": digest,
        "bytes": path.stat().st_size,
        "user": {
            "kind": kind,
            "net_layout": net_layout,
            "file": path.name,
            "input_size": list(size) if size else None,
            "mean": list(norm.mean),
            "std": list(norm.std),
            "channels": norm.channels,
            "udp": udp,
            "split_ratio": split_ratio,
            "outputs": {o.role: o.name for o in outputs},
            "licence": licence,
            "added": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    }
    models = _models_dir()
    onnx_file, meta_file = models / f"{name}.onnx", models / f"{name}.json"
    with locked(f"model-{name}"):
        if meta_file.exists() or onnx_file.exists():
            raise InputError(f"--name {name!r} is taken in the cache; `posekit models remove {name}` first")
        models.mkdir(parents=True, exist_ok=True)
        tmp = models / f".{name}.onnx.adding"
        shutil.copyfile(path, tmp)
        if sha256_file(tmp) != digest:
            tmp.unlink()
            raise ModelError(f"{path}: changed while being copied; try again")
        tmp.replace(onnx_file)
        write_json_atomic(meta_file, meta)  # last: without it the model does not exist
    record = user_record(name)
    assert record is not None
    return record


def _record_from_meta(meta: dict[str, Any]) -> UserModelRecord:
    u = meta["user"]
    kind = u["kind"]
    package = SourcePackage(
        client="user",
        name=u["file"],
        version=meta["sha256"][:12],
        licence=u["licence"] or "as given by the user",
        archive_sha256=meta["sha256"],
        archive_name=u["file"],
        archive_bytes=int(meta["bytes"]),
    )
    return UserModelRecord(
        name=meta["name"],
        task="single-pose" if kind in TOPDOWN_KINDS else "multi-pose",
        source=package,
        files=(SourceFile(u["file"], meta["sha256"]),),
        format="onnx",
        input_size=tuple(u["input_size"]) if u["input_size"] else None,
        normalisation=Normalisation(tuple(u["mean"]), tuple(u["std"]), u["channels"], "float32", "NCHW"),
        keypoint_layout="coco17",
        licence=u["licence"] or "as given by the user",
        outputs=tuple(Output(role, out, "") for role, out in u["outputs"].items()),
        onnx_sha256=meta["sha256"],
        pipeline="user-topdown" if kind in TOPDOWN_KINDS else "user-bottomup",
        input_multiple=16 if kind == "openpose" else 1,
        description=f"user model: {DEFAULTS[kind].description}",
        kind=kind,
        net_layout=u["net_layout"],
        udp=bool(u["udp"]),
        split_ratio=float(u["split_ratio"]),
        added=u.get("added", ""),
    )


def _read_meta(meta_file: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and isinstance(meta.get("user"), dict) else None


def user_names() -> list[str]:
    """Names of the user models in the cache, sorted."""
    models = _models_dir()
    if not models.is_dir():
        return []
    return sorted(f.stem for f in models.glob("*.json") if _read_meta(f) is not None)


def user_record(name: str) -> UserModelRecord | None:
    """The record of user model `name`, or None when the cache has none of that name."""
    if not _NAME.match(name):
        return None
    meta = _read_meta(_models_dir() / f"{name}.json")
    if meta is None:
        return None
    try:
        return _record_from_meta(meta)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(
            f"user model {name!r}: its record is damaged ({exc}); `posekit models remove {name}` "
            "and add it again"
        ) from None


_VERIFIED: dict[tuple[str, int, float], bool] = {}


def user_model_path(record: ModelRecord) -> Path:
    """The cached ONNX file of a user model, checked against its SHA-256 once per process."""
    from posekit.zoo.store import sha256_file

    onnx_file = _models_dir() / f"{record.name}.onnx"
    if not onnx_file.is_file():
        raise ModelError(
            f"user model {record.name!r}: {onnx_file} is missing; add it again with `posekit models add`"
        )
    st = onnx_file.stat()
    key = (str(onnx_file), st.st_size, st.st_mtime)
    if key not in _VERIFIED:
        if sha256_file(onnx_file) != record.onnx_sha256:
            raise ModelError(
                f"user model {record.name!r}: {onnx_file.name} is corrupt (checksum mismatch); "
                f"`posekit models remove {record.name}` and add it again"
            )
        _VERIFIED[key] = True
    return onnx_file
