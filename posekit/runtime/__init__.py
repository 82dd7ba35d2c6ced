"""Inference backend (ONNX Runtime)."""

from posekit.runtime.session import PROVIDERS, OnnxModel, available_devices

__all__ = ["PROVIDERS", "OnnxModel", "available_devices"]
