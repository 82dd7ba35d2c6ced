"""The one tabular schema: column names of people in tables (CSV, Parquet, DataFrames, batch datasets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from posekit.layouts import Layout, get_layout

BOX_COLUMNS = ("x1", "y1", "x2", "y2")
WORLD_SUFFIXES = ("wx", "wy", "wz")


def keypoint_columns(layout: str | Layout, *, world: bool = False, extra: Sequence[str] = ()) -> list[str]:
    """The per-keypoint column names of posekit's tables, keypoint by keypoint: `<name>_x`, `<name>_y`,
    `<name>_score`, then `<name>_wx/_wy/_wz` with `world`, then `<name>_<key>` for each `extra` key."""
    suffixes = ["x", "y", "score", *(WORLD_SUFFIXES if world else ()), *extra]
    return [f"{name}_{s}" for name in get_layout(layout).keypoint_names for s in suffixes]


def person_columns(layout: str | Layout, *, world: bool = False, extra: Sequence[str] = ()) -> list[str]:
    """The columns of `Poses.to_columns`: `score`, `x1`, `y1`, `x2`, `y2`, then `keypoint_columns`."""
    return ["score", *BOX_COLUMNS, *keypoint_columns(layout, world=world, extra=extra)]


def extra_keys(columns: Mapping[str, Any] | Sequence[str], layout: str | Layout) -> list[str]:
    """The `Poses.extra` keys stored in a table: suffixes `key` with a `<name>_<key>` column for every
    keypoint name, other than x, y, score and the world ones (in the order of the first keypoint's)."""
    names = get_layout(layout).keypoint_names
    present = set(columns)
    first = f"{names[0]}_"
    base = {"x", "y", "score", *WORLD_SUFFIXES}
    keys = [c[len(first) :] for c in columns if c.startswith(first) and c[len(first) :] not in base]
    return [k for k in keys if all(f"{n}_{k}" in present for n in names)]
