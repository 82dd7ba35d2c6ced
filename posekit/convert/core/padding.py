"""TF/TFLite ``SAME`` and ``VALID`` padding as explicit ONNX pads (the odd extra pixel at the end)."""

from __future__ import annotations

from collections.abc import Sequence


def same_out(size: int, stride: int) -> int:
    """Output size of a ``SAME`` window: ceil(size / stride)."""
    return -(-size // stride)


def same_pads(size: int, kernel: int, stride: int, dilation: int, out: int | None = None) -> tuple[int, int]:
    """(begin, end) padding of one spatial axis, as TF computes it: the odd pixel goes at the end."""
    out = same_out(size, stride) if out is None else out
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def spatial_pads(
    same: bool,
    in_hw: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    out_hw: Sequence[int] | None = None,
) -> list[int]:
    """ONNX ``pads`` ([top, left, bottom, right]) of a 2-D window op; `same` False means VALID."""
    if not same:
        return [0, 0, 0, 0]
    (pt, pb), (pl, pr) = (
        same_pads(in_hw[i], kernel[i], strides[i], dilations[i], None if out_hw is None else out_hw[i])
        for i in range(2)
    )
    return [pt, pl, pb, pr]
