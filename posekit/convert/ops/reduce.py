"""Reductions at opset 17: ReduceSum takes its axes as an input, the others as an attribute."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from posekit.convert.ops import Emit


def reduce(
    emit: Emit,
    const: Callable[[np.ndarray, str], str],
    op: str,
    x: str,
    axes: Sequence[int],
    keep: bool,
    name: str | None = None,
) -> str:
    if op == "ReduceSum":
        return emit(op, [x, const(np.asarray(axes, np.int64), "axes")], name=name, keepdims=int(keep))
    return emit(op, [x], name=name, axes=list(axes), keepdims=int(keep))
