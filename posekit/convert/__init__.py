"""posekit's own model converters (TF.js graph models and TFLite flatbuffers → ONNX), no TensorFlow.

Layers, lowest first:

* ``core``  — the ONNX graph builder (eager constant folding), tensor layouts (a permutation per
  stored tensor, so NHWC sources become NCHW ONNX without a transpose pair around every op), name
  sanitising and TF ``SAME`` padding;
* ``ops``   — ONNX emission for op families both front-ends share (convolution and pooling, resize
  and depth/space, element-wise composites, reductions, padding);
* ``tfjs`` and ``tflite`` — readers that map each source graph onto the core.

This module stays import-light (no ONNX): the model cache reads `CONVERTER_VERSION` from it.
"""

from __future__ import annotations

# The one version of posekit's converters. It is written into every converted model's metadata and
# into the cache's provenance file; a cached model converted by another version is rebuilt
# (posekit.zoo.store). Bump it with any change to the emitted graphs (and the recorded hashes).
CONVERTER_VERSION = "1.0"
