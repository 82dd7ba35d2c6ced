"""ONNX-friendly names for source tensors and nodes (both converters name things the same way)."""

from __future__ import annotations

import re

_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]")


def sanitize(name: str) -> str:
    """Every character outside [A-Za-z0-9_] becomes ``_`` (``Identity:0`` → ``Identity_0``)."""
    return _NOT_IDENT.sub("_", name) or "t"


def short(name: str, limit: int = 80) -> str:
    """A readable name for an intermediate tensor: TFLite joins the names of fused ops with ';', so
    keep the first and at most `limit` characters."""
    return sanitize(name.split(";")[0])[-limit:]
