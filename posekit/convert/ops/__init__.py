"""ONNX emission for op families both converters share.

Every function takes the front-end's ``emit(op, inputs, name=None, **attrs) -> str`` (which adds one
node, or folds it when all its inputs are constants) and already-resolved ONNX tensor names in the
layout the op needs; `name` names the op's final node (None: the front-end's default). Layout
decisions stay with the front-end (see `posekit.convert.core.layout`).
"""

from __future__ import annotations

from typing import Any, Protocol


class Emit(Protocol):
    def __call__(self, op: str, inputs: list[str], name: str | None = None, **attrs: Any) -> Any: ...
