"""The tabular layout of results files: one row per person per frame (see `posekit.io.tracks`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from posekit.errors import InputError
from posekit.layouts import Layout, get_layout
from posekit.results import FrameResult, Poses, person_columns

TRACK_FORMATS = (".parquet", ".csv", ".jsonl", ".json")
HEAD = ("frame", "time", "track_id")
TAIL = ("layout", "image_w", "image_h")
INT_COLUMNS = ("frame", "image_w", "image_h")  # track_id is an int too, but may be empty (no ids)


def track_columns(layout: str | Layout, world: bool = False, extra: Sequence[str] = ()) -> list[str]:
    """The tabular column names for a layout (see the `posekit.io.tracks` docstring)."""
    return [*HEAD, *person_columns(layout, world=world, extra=extra), *TAIL]


def arrow_schema(columns: Sequence[str]) -> Any:
    """The Parquet (pyarrow) schema of a results table with these columns: the one place that types them
    (ids and sizes as integers, time as float64, names as strings, every measurement float32)."""
    import pyarrow as pa

    types = {
        "source": pa.string(),
        "frame": pa.int64(),
        "time": pa.float64(),
        "track_id": pa.int64(),
        "layout": pa.string(),
        "image_w": pa.int32(),
        "image_h": pa.int32(),
    }
    return pa.schema([(c, types.get(c, pa.float32())) for c in columns])


def empty_columns() -> list[str]:
    """The columns of a table that never saw a person nor a layout: a valid, empty file."""
    return [*HEAD, "score", "x1", "y1", "x2", "y2", *TAIL]


def track_suffix(path: Path) -> str:
    """The results format of `path` from its suffix; InputError for another suffix."""
    s = path.suffix.lower()
    if s not in TRACK_FORMATS:
        raise InputError(
            f"{path}: unsupported results file type {s or '(none)'!r}; use one of {', '.join(TRACK_FORMATS)}"
        )
    return s


def frame_columns(
    frame: int, time: float, poses: Poses, *, world: bool, extra: Sequence[str]
) -> dict[str, np.ndarray]:
    """One frame's rows as columns. `track_id` is float64 with NaN for "no ids" (written as empty)."""
    n, (h, w) = len(poses), poses.image_size
    ids = np.full(n, np.nan) if poses.track_ids is None else poses.track_ids.astype(np.float64)
    return {
        "frame": np.full(n, frame, np.int64),
        "time": np.full(n, time),
        "track_id": ids,
        **poses.to_columns(world=world, extra=extra),
        "layout": np.full(n, poses.layout.name, object),
        "image_w": np.full(n, w, np.int64),
        "image_h": np.full(n, h, np.int64),
    }


def frame_from_rows(rows: dict[str, np.ndarray], path: Path) -> FrameResult:
    """The FrameResult of one frame's rows (columns as read: track_id float with NaN for empty)."""
    try:
        layout = get_layout(str(rows["layout"][0]))
    except Exception as e:
        raise InputError(f"{path}: unknown layout {rows['layout'][0]!r} ({e})") from None
    ids = np.asarray(rows["track_id"], dtype=np.float64)
    try:
        poses = Poses.from_columns(
            rows,
            layout,
            (int(rows["image_h"][0]), int(rows["image_w"][0])),
            track_ids=None if np.isnan(ids).any() else ids.astype(np.int64),
        )
    except KeyError as e:
        raise InputError(f"{path}: column {e.args[0]} missing for layout {layout.name!r}") from None
    return FrameResult(int(rows["frame"][0]), float(rows["time"][0]), poses)
