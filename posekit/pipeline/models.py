"""Zoo models as the pipelines see them: the record's preprocessing and output roles around an ONNX model.

A pipeline never hard-codes a model's input size, normalisation or output names: it loads a
`ZooModel`, feeds it RGB uint8 pixels already cropped or letterboxed to `model.size`, and reads the
outputs by role (`"landmarks"`, `"detections"`, …) as the record names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from posekit.errors import ModelError
from posekit.runtime import OnnxModel
from posekit.zoo import get_record, model_path
from posekit.zoo.schema import ModelRecord, Normalisation, Size


def load_model(
    name: str, device: str = "cpu", threads: int | None = None, outputs: list[str] | None = None
) -> OnnxModel:
    """The bare ONNX model of a zoo entry (fetched and converted on first use)."""
    return OnnxModel(model_path(name), device=device, threads=threads, outputs=outputs)


def to_input(pixels: np.ndarray, norm: Normalisation) -> np.ndarray:
    """A batch of one model input from RGB uint8 pixels (H×W×3): channel order, (x − mean) / std,
    dtype and tensor layout as the record's `Normalisation` says."""
    x = pixels[..., ::-1] if norm.channels == "BGR" else pixels
    if norm.dtype == "int32":
        x = x.astype(np.int32)
    elif norm.identity:
        x = x.astype(np.float32)
    else:
        x = x.astype(np.float32)
        mean, std = norm.mean, norm.std
        if len(set(mean)) == 1 and len(set(std)) == 1:  # one value for all channels: scalar, in place
            if mean[0]:  # (10x faster than broadcasting a (3,) array over the image)
                x -= np.float32(mean[0])
            x /= np.float32(std[0])
        else:
            x -= np.array(mean, np.float32)
            x /= np.array(std, np.float32)
    if norm.layout == "NCHW":
        x = np.ascontiguousarray(x.transpose(2, 0, 1))
    return x[None]


class ZooModel:
    """A zoo model ready for a pipeline: `model(pixels) -> {role: array}`.

    roles: the output roles the pipeline uses (default: all). With `prune=True` the graph is cut down
    to them: ONNX Runtime computes every node whatever a run asks for, so an unused head costs time.
    onnx_path: run this ONNX file (a model derived from the record's) instead of the zoo's own.
    """

    def __init__(
        self,
        name: str,
        device: str = "cpu",
        threads: int | None = None,
        roles: Sequence[str] | None = None,
        prune: bool = False,
        onnx_path: Path | None = None,
    ):
        self.record: ModelRecord = get_record(name)
        self.roles = tuple(roles) if roles is not None else self.record.roles
        names = [self.record.output(r) for r in self.roles]
        outputs = names if prune else None
        if onnx_path is None:
            self.onnx = load_model(name, device, threads, outputs=outputs)
        else:  # a model derived from this one (posekit.pipeline.derived): same record, edited graph
            self.onnx = OnnxModel(onnx_path, device=device, threads=threads, outputs=outputs)
        self._names = dict(zip(self.roles, names))

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def size(self) -> Size:
        """The fixed input size (width, height)."""
        if self.record.input_size is None:
            raise ModelError(f"{self.name} takes any input size; the pipeline chooses it")
        return self.record.input_size

    def __call__(self, pixels: np.ndarray) -> dict[str, np.ndarray]:
        """Run on one RGB uint8 image (H×W×3) of the model's input size; outputs by role."""
        outs = self.onnx({self.onnx.input_name: to_input(pixels, self.record.normalisation)})
        return {role: outs[name] for role, name in self._names.items()}
