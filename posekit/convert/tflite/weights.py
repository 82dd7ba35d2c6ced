"""TFLite constant tensors in NumPy: sparse tensors densified, quantised ones dequantised.

Both run at conversion time, so the ONNX graph only holds dense float32 initializers.
"""

from __future__ import annotations

import numpy as np

# DimensionType enum
_DENSE, _SPARSE_CSR = 0, 1


def densify(values, shape, traversal_order, block_map, dim_metadata) -> np.ndarray:
    """Expand a TFLite sparse tensor to a dense NumPy array.

    values: the stored (non-zero) values in traversal order. shape: the dense shape (rank n).
    traversal_order: n + k expanded dimensions in storage order (0..n-1 original, n+j = block dim j).
    block_map: k original dimensions that are blocked (block dim j splits original dim block_map[j]).
    dim_metadata: per traversal level, (format, dense_size, array_segments, array_indices) with
    format 0 = DENSE (dense_size entries) or 1 = SPARSE_CSR (segments/indices as in CSR).
    """
    values = np.asarray(values).reshape(-1)
    shape = [int(s) for s in shape]
    n = len(shape)
    block_map = [int(b) for b in (block_map if block_map is not None else [])]
    k = len(block_map)
    order = (
        [int(t) for t in traversal_order]
        if traversal_order is not None and len(traversal_order)
        else list(range(n + k))
    )
    if sorted(order) != list(range(n + k)) or len(dim_metadata) != n + k:
        raise ValueError(
            f"inconsistent sparsity: traversal_order {order}, {len(dim_metadata)} dim_metadata, rank {n}, {k} block dims"
        )
    block_size = {}
    for j, d in enumerate(block_map):
        block_size[d] = int(dim_metadata[order.index(n + j)][1])
        if block_size[d] <= 0 or shape[d] % block_size[d]:
            raise ValueError(f"block size {block_size[d]} does not divide dimension {d} of size {shape[d]}")
    pos = np.zeros(1, np.int64)  # position within the current level's storage
    coords = np.zeros((1, n), np.int64)
    for level, d in enumerate(order):
        fmt, dense_size, segments, indices = dim_metadata[level]
        if fmt == _DENSE:
            s = int(dense_size)
            sub = np.tile(np.arange(s, dtype=np.int64), len(pos))
            pos = np.repeat(pos, s) * s + sub
            coords = np.repeat(coords, s, axis=0)
            v = sub
        elif fmt == _SPARSE_CSR:
            seg = np.asarray(segments, np.int64)
            idx = np.asarray(indices, np.int64)
            if len(pos) and pos.max() + 1 >= len(seg):
                raise ValueError(f"array_segments too short at level {level}")
            starts, counts = seg[pos], seg[pos + 1] - seg[pos]
            rep = np.repeat(np.arange(len(pos)), counts)
            offs = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
                np.cumsum(counts) - counts, counts
            )
            pos = starts[rep] + offs
            coords = coords[rep]
            v = idx[pos]
        else:
            raise ValueError(f"unknown dimension format {fmt} at level {level}")
        if d < n:
            coords[:, d] += v * block_size.get(d, 1)
        else:
            coords[:, block_map[d - n]] += v
    if len(pos) != values.size:
        raise ValueError(f"sparsity metadata describes {len(pos)} values but the buffer holds {values.size}")
    if len(pos) and (coords.min() < 0 or np.any(coords.max(axis=0) >= np.array(shape))):
        raise ValueError("sparse indices fall outside the dense shape")
    out = np.zeros(shape, values.dtype)
    if len(pos):
        out[tuple(coords.T)] = values
    return out


def dequantize(values: np.ndarray, scale, zero_point, axis: int = 0) -> np.ndarray:
    """TFLite DEQUANTIZE of a constant: float16 → float32, or (q - zero_point) * scale."""
    values = np.asarray(values)
    if values.dtype == np.float16:
        return values.astype(np.float32)
    scale = np.asarray(scale, np.float64).reshape(-1)
    zp: np.ndarray = np.asarray(zero_point if zero_point is not None else 0, np.int64).reshape(-1)
    if scale.size > 1 or zp.size > 1:
        bshape = [1] * values.ndim
        bshape[axis] = -1
        scale = scale.reshape(bshape)
        zp = zp.reshape(bshape) if zp.size > 1 else zp.reshape(())
    return (scale * (values.astype(np.int64) - zp)).astype(np.float32)
