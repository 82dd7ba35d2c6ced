"""The published score tables, as data (indices are scores minus 1).

REBA: Hignett S, McAtamney L (2000), Rapid Entire Body Assessment, Applied Ergonomics 31:201-205.
RULA: McAtamney L, Corlett EN (1993), RULA: a survey method for the investigation of work-related upper
limb disorders, Applied Ergonomics 24(2):91-99.
"""

from __future__ import annotations

import numpy as np

# REBA table A [trunk 1-5][neck 1-3][legs 1-4]
REBA_A = np.array([
    [[1, 2, 3, 4], [1, 2, 3, 4], [3, 3, 5, 6]],
    [[2, 3, 4, 5], [3, 4, 5, 6], [4, 5, 6, 7]],
    [[2, 4, 5, 6], [4, 5, 6, 7], [5, 6, 7, 8]],
    [[3, 5, 6, 7], [5, 6, 7, 8], [6, 7, 8, 9]],
    [[4, 6, 7, 8], [6, 7, 8, 9], [7, 8, 9, 9]],
])  # fmt: skip

# REBA table B [upper arm 1-6][lower arm 1-2][wrist 1-3]
REBA_B = np.array([
    [[1, 2, 2], [1, 2, 3]],
    [[1, 2, 3], [2, 3, 4]],
    [[3, 4, 5], [4, 5, 5]],
    [[4, 5, 5], [5, 6, 7]],
    [[6, 7, 8], [7, 8, 8]],
    [[7, 8, 8], [8, 9, 9]],
])  # fmt: skip

# REBA table C [score A 1-12][score B 1-12]
REBA_C = np.array([
    [1, 1, 1, 2, 3, 3, 4, 5, 6, 7, 7, 7],
    [1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 7, 8],
    [2, 3, 3, 3, 4, 5, 6, 7, 7, 8, 8, 8],
    [3, 4, 4, 4, 5, 6, 7, 8, 8, 9, 9, 9],
    [4, 4, 4, 5, 6, 7, 8, 8, 9, 9, 9, 9],
    [6, 6, 6, 7, 8, 8, 9, 9, 10, 10, 10, 10],
    [7, 7, 7, 8, 9, 9, 9, 10, 10, 11, 11, 11],
    [8, 8, 8, 9, 10, 10, 10, 10, 10, 11, 11, 11],
    [9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12],
    [10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 12, 12],
    [11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12],
    [12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12],
])  # fmt: skip

# REBA risk levels: (lowest final score, label)
REBA_LEVELS = ((1, "negligible"), (2, "low"), (4, "medium"), (8, "high"), (11, "very high"))

# RULA table A [upper arm 1-6][lower arm 1-3][wrist 1-4][wrist twist 1-2]
RULA_A = np.array([
    [[[1, 2], [2, 2], [2, 3], [3, 3]], [[2, 2], [2, 2], [3, 3], [3, 3]], [[2, 3], [3, 3], [3, 3], [4, 4]]],
    [[[2, 3], [3, 3], [3, 4], [4, 4]], [[3, 3], [3, 3], [3, 4], [4, 4]], [[3, 4], [4, 4], [4, 4], [5, 5]]],
    [[[3, 3], [4, 4], [4, 4], [5, 5]], [[3, 4], [4, 4], [4, 4], [5, 5]], [[4, 4], [4, 4], [4, 5], [5, 5]]],
    [[[4, 4], [4, 4], [4, 5], [5, 5]], [[4, 4], [4, 4], [4, 5], [5, 5]], [[4, 4], [4, 5], [5, 5], [6, 6]]],
    [[[5, 5], [5, 5], [5, 6], [6, 7]], [[5, 6], [6, 6], [6, 7], [7, 7]], [[6, 6], [6, 7], [7, 7], [7, 8]]],
    [[[7, 7], [7, 7], [7, 8], [8, 9]], [[8, 8], [8, 8], [8, 9], [9, 9]], [[9, 9], [9, 9], [9, 9], [9, 9]]],
])  # fmt: skip

# RULA table B [neck 1-6][trunk 1-6][legs 1-2]
RULA_B = np.array([
    [[1, 3], [2, 3], [3, 4], [5, 5], [6, 6], [7, 7]],
    [[2, 3], [2, 3], [4, 5], [5, 5], [6, 7], [7, 7]],
    [[3, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 7]],
    [[5, 5], [5, 6], [6, 7], [7, 7], [7, 7], [8, 8]],
    [[7, 7], [7, 7], [7, 8], [8, 8], [8, 8], [8, 8]],
    [[8, 8], [8, 8], [8, 8], [8, 9], [9, 9], [9, 9]],
])  # fmt: skip

# RULA table C [wrist-and-arm score 1-8+][neck-trunk-leg score 1-7+]
RULA_C = np.array([
    [1, 2, 3, 3, 4, 5, 5],
    [2, 2, 3, 4, 4, 5, 5],
    [3, 3, 3, 4, 4, 5, 6],
    [3, 3, 3, 4, 5, 6, 6],
    [4, 4, 4, 5, 6, 7, 7],
    [4, 4, 5, 6, 6, 7, 7],
    [5, 5, 6, 6, 7, 7, 7],
    [5, 5, 6, 7, 7, 7, 7],
])  # fmt: skip

# RULA action levels: (lowest grand score, level, label)
RULA_LEVELS = (
    (1, 1, "acceptable"),
    (3, 2, "investigate further"),
    (5, 3, "investigate and change soon"),
    (7, 4, "investigate and change immediately"),
)


def lookup(table: np.ndarray, *scores: np.ndarray) -> np.ndarray:
    """table[s1 - 1, s2 - 1, ...] per frame, each score clipped to the table's range (the tables' last
    row/column stands for "that score or more")."""
    idx = tuple(np.clip(np.asarray(s, dtype=np.int64) - 1, 0, n - 1) for s, n in zip(scores, table.shape))
    return table[idx]
