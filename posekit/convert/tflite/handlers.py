"""Every TFLite operator the converter maps, by family."""

from __future__ import annotations

from posekit.convert.tflite import elementwise, shape, spatial

HANDLERS = {**spatial.HANDLERS, **elementwise.HANDLERS, **shape.HANDLERS}
SUPPORTED_OPS = tuple(sorted(HANDLERS))
