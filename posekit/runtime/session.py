"""ONNX Runtime behind one small class: the only place that knows the backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from posekit.errors import ModelError
from posekit.runtime.pruned import pruned

PROVIDERS = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
}


def available_devices() -> list[str]:
    have = set(ort.get_available_providers())
    return [name for name, provider in PROVIDERS.items() if provider in have]


def _providers(device: str) -> list[str]:
    key = device.lower()
    if key not in PROVIDERS:
        raise ModelError(f"unknown device {device!r}; choose one of {', '.join(PROVIDERS)}")
    provider = PROVIDERS[key]
    if provider not in ort.get_available_providers():
        raise ModelError(
            f"device {device!r} needs ONNX Runtime's {provider}, which this install lacks "
            f"(available: {', '.join(available_devices())})"
        )
    # Keep the CPU as a fallback for ops the accelerator does not implement.
    return [provider] if key == "cpu" else [provider, PROVIDERS["cpu"]]


class OnnxModel:
    """A loaded ONNX model: `model(inputs) -> dict of outputs`.

    threads: intra-op threads (None = ONNX Runtime's default, all cores). Thread spinning is off:
    with several sessions in one process on few cores, spinning threads starve each other.
    outputs: keep only these outputs and the nodes they need. ONNX Runtime computes every node
        whatever outputs a run asks for, so an unused head (BlazePose's segmentation decoder
        is half its compute) costs time unless it is cut out of the graph.
    """

    def __init__(
        self,
        path: str | Path,
        device: str = "cpu",
        threads: int | None = None,
        outputs: list[str] | None = None,
    ):
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        source = pruned(path, outputs) if outputs else str(path)  # cached: see posekit.runtime.pruned
        try:
            self.session = ort.InferenceSession(source, sess_options=opts, providers=_providers(device))
        except (
            ort.capi.onnxruntime_pybind11_state.Fail,
            ort.capi.onnxruntime_pybind11_state.InvalidProtobuf,
        ) as exc:
            raise ModelError(
                f"cannot load {path}: {str(exc).splitlines()[0]}; run `posekit models verify`"
            ) from None
        self.path = Path(path)
        self.device = device
        self.inputs = {i.name: i for i in self.session.get_inputs()}
        self.output_names = [o.name for o in self.session.get_outputs()]

    @property
    def input_name(self) -> str:
        return next(iter(self.inputs))

    def __call__(self, inputs: np.ndarray | dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        feeds = inputs if isinstance(inputs, dict) else {self.input_name: inputs}
        outs = self.session.run(self.output_names, feeds)
        return dict(zip(self.output_names, outs))
