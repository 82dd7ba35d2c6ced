"""The `Layout` dataclass: what the K keypoints of a model are, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from posekit.errors import PosekitError

Group = Literal["left", "right", "center"]

#: RGB color per body side, used by the annotators unless told otherwise.
GROUP_COLORS: dict[str, tuple[int, int, int]] = {
    "left": (255, 140, 0),  # orange
    "right": (30, 144, 255),  # blue
    "center": (50, 205, 50),  # green
}


class LayoutError(PosekitError, ValueError):
    """A layout is unknown, malformed, or cannot be converted to another layout."""


def groups_from_names(names: tuple[str, ...]) -> tuple[Group, ...]:
    """'left_*' → left, 'right_*' → right, anything else → center."""
    return tuple(
        "left" if n.startswith("left") else "right" if n.startswith("right") else "center" for n in names
    )


def flip_pairs_from_names(names: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """Pairs (i, j), i < j, where names[i] is 'left…' and names[j] the same name with 'right…'."""
    index = {n: i for i, n in enumerate(names)}
    pairs = []
    for i, n in enumerate(names):
        if n.startswith("left"):
            j = index.get("right" + n[len("left") :])
            if j is not None:
                pairs.append((min(i, j), max(i, j)))
    return tuple(sorted(pairs))


@dataclass(frozen=True)
class Layout:
    """A keypoint layout: names, skeleton, symmetry and OKS sigmas of K keypoints.

    Attributes:
        name: registry name, e.g. "coco17".
        keypoint_names: K names, in model output order.
        skeleton: edges (i, j) between keypoint indices (0-based), for drawing.
        flip_pairs: (left, right) index pairs swapped by a horizontal flip.
        groups: per keypoint "left", "right" or "center" (body side, for colors).
        sigmas: per keypoint COCO OKS sigma, or None where the layout has no official sigmas.
    """

    name: str
    keypoint_names: tuple[str, ...]
    skeleton: tuple[tuple[int, int], ...]
    flip_pairs: tuple[tuple[int, int], ...]
    groups: tuple[Group, ...]
    sigmas: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        k = len(self.keypoint_names)
        if len(set(self.keypoint_names)) != k:
            raise LayoutError(f"layout {self.name!r}: duplicate keypoint names")
        for label, pairs in (("skeleton", self.skeleton), ("flip_pairs", self.flip_pairs)):
            for a, b in pairs:
                if not (0 <= a < k and 0 <= b < k) or a == b:
                    raise LayoutError(f"layout {self.name!r}: bad {label} pair ({a}, {b}) for K={k}")
        if len(self.groups) != k or not set(self.groups) <= {"left", "right", "center"}:
            raise LayoutError(f"layout {self.name!r}: need one of left/right/center per keypoint")
        if self.sigmas is not None and len(self.sigmas) != k:
            raise LayoutError(f"layout {self.name!r}: {len(self.sigmas)} sigmas for K={k}")

    @property
    def num_keypoints(self) -> int:
        return len(self.keypoint_names)

    def __len__(self) -> int:
        return len(self.keypoint_names)

    def index(self, name: str) -> int:
        """Index of a keypoint by name; LayoutError if absent."""
        try:
            return self.keypoint_names.index(name)
        except ValueError:
            raise LayoutError(f"layout {self.name!r} has no keypoint {name!r}") from None

    @property
    def flip_index(self) -> np.ndarray:
        """(K,) permutation: keypoint i of a flipped image is keypoint flip_index[i] of the original."""
        perm = np.arange(len(self), dtype=np.intp)
        for a, b in self.flip_pairs:
            perm[a], perm[b] = b, a
        return perm

    @property
    def colors(self) -> np.ndarray:
        """(K, 3) uint8 RGB color per keypoint, from its group."""
        return np.array([GROUP_COLORS[g] for g in self.groups], dtype=np.uint8)

    @property
    def edge_colors(self) -> np.ndarray:
        """(E, 3) uint8 RGB color per skeleton edge: the side both ends share, else center."""
        out = []
        for a, b in self.skeleton:
            ga, gb = self.groups[a], self.groups[b]
            out.append(GROUP_COLORS[ga if ga == gb else "center"])
        return np.array(out, dtype=np.uint8).reshape(-1, 3)

    @property
    def sigmas_array(self) -> np.ndarray | None:
        return None if self.sigmas is None else np.asarray(self.sigmas, dtype=np.float64)
