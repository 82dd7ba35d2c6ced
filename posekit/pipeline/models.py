"""Loading zoo models for the pipelines (fetched and converted on first use)."""

from __future__ import annotations

from posekit.runtime import OnnxModel
from posekit.zoo import model_path


def load_model(name: str, device: str = "cpu", threads: int | None = None,
               outputs: list[str] | None = None) -> OnnxModel:
    return OnnxModel(model_path(name), device=device, threads=threads, outputs=outputs)
