"""Tensor layouts: how a source (NHWC) tensor is stored in the ONNX graph.

Source graphs (TF.js, TFLite) are NHWC; ONNX convolutions, pools, resizes and depth/space ops want
NCHW. Instead of wrapping every such op in a pair of transposes, each converted tensor carries a
*layout*: a permutation ``perm`` with ``stored = transpose(source_value, perm)``. The identity is the
source's own layout; ``NCHW = (0, 3, 1, 2)`` is a rank-4 NHWC value stored channels-first.

Spatial ops ask for NCHW and produce NCHW; layout-agnostic ops (element-wise, pads, concat, softmax,
reductions, transposes) keep whatever layout their input has, with their axes, pads and constant
operands remapped *at conversion time*; shape-sensitive ops and graph outputs ask for the source
layout. A tensor asked for in another layout gets one Transpose, made once and remembered
(`LayoutTable`), so a convolutional trunk costs one transpose where it starts and one where it
leaves the 4-D world.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np

Perm = tuple[int, ...]

NCHW: Perm = (0, 3, 1, 2)  # NHWC source stored channels-first
NHWC: Perm = (0, 2, 3, 1)  # the inverse: NCHW-stored → source order; also source axis → stored axis


def identity(rank: int) -> Perm:
    return tuple(range(rank))


def inverse(perm: Sequence[int]) -> Perm:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


def relayout(src: Sequence[int], dst: Sequence[int]) -> list[int]:
    """The Transpose ``perm`` turning a tensor stored in layout `src` into layout `dst`."""
    inv = inverse(src)
    return [inv[p] for p in dst]


def stored_axis(perm: Sequence[int], axis: int) -> int:
    """Where source axis `axis` lies in a tensor stored in layout `perm`."""
    return list(perm).index(axis)


def permute_pads(pads: np.ndarray, perm: Sequence[int]) -> list[int]:
    """Source pads (rank × [begin, end]) as ONNX ``pads`` of the stored tensor: all begins, then ends."""
    pads = np.asarray(pads).reshape(-1, 2)
    return [int(pads[p, 0]) for p in perm] + [int(pads[p, 1]) for p in perm]


def broadcast_const(value: np.ndarray, rank: int, perm: Sequence[int]) -> np.ndarray:
    """A constant operand of lower or equal rank, ready to broadcast against a rank-`rank` tensor
    stored in layout `perm` (NumPy broadcasting aligns trailing axes, so pad with leading ones)."""
    v = np.asarray(value)
    v = v.reshape((1,) * (rank - v.ndim) + tuple(v.shape))
    return np.ascontiguousarray(np.transpose(v, tuple(perm)))


def after_transpose(perm: Sequence[int], t: Sequence[int]) -> Perm:
    """Layout of ``transpose(x, t)`` when x is stored in layout `perm`: the stored data is unchanged,
    only its labels move, so a source Transpose costs no node."""
    tinv = inverse(t)
    return tuple(tinv[p] for p in perm)


def after_reduce(perm: Sequence[int], axes: Sequence[int], keep: bool) -> Perm:
    """Layout of a reduction's result over source `axes` of x stored in layout `perm`."""
    if keep:
        return tuple(perm)
    rest = [p for p in perm if p not in axes]
    order = sorted(rest)
    return tuple(order.index(p) for p in rest)


class LayoutTable:
    """Which layouts each converted tensor is available in: key → {perm: ONNX name}.

    The first entry is the layout the tensor was produced in; `get` makes any other layout with one
    Transpose (through the front-end's `transpose(src_name, perm, dst_layout)`) and remembers it.
    """

    def __init__(self) -> None:
        self._at: dict[Hashable, dict[Perm, str]] = {}

    def __contains__(self, key: Hashable) -> bool:
        return key in self._at

    def put(self, key: Hashable, name: str, perm: Perm) -> None:
        self._at[key] = {perm: name}

    def add(self, key: Hashable, name: str, perm: Perm) -> None:
        """Record one more layout of `key` (e.g. a constant laid out at conversion time)."""
        self._at.setdefault(key, {})[perm] = name

    def produced(self, key: Hashable) -> tuple[Perm, str]:
        """(layout, name) the tensor was produced in."""
        return next(iter(self._at[key].items()))

    def layouts(self, key: Hashable) -> dict[Perm, str]:
        return self._at.get(key, {})

    def has(self, key: Hashable, perm: Perm) -> bool:
        return perm in self._at.get(key, {})

    def get(self, key: Hashable, perm: Perm, transpose: Callable[[str, list[int], Perm], str]) -> str:
        have = self._at[key]
        if perm not in have:
            src_perm, src = next(iter(have.items()))
            have[perm] = transpose(src, relayout(src_perm, perm), perm)
        return have[perm]
