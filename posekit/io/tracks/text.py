"""How frames become text: the JSON object of a frame (JSON, JSONL) and each CSV column's formatter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from posekit.io.tracks.schema import INT_COLUMNS
from posekit.results import Poses


def frame_json(frame: int, time: float, poses: Poses) -> str:
    obj = {
        "frame": int(frame),
        "time": float(time),
        "image_size": list(poses.image_size),
        "layout": poses.layout.name,
        "people": poses.to_dicts(),
    }
    return json.dumps(obj, allow_nan=False, separators=(",", ":"))


def _fmt_f32(v: Any) -> str:
    v = float(v)
    return format(v, ".9g") if v == v and abs(v) != float("inf") else ("" if v != v else repr(v))


def _fmt_id(v: Any) -> str:
    return "" if v != v else str(int(v))  # NaN: the poses carry no track ids


def csv_formatter(column: str) -> Callable[[Any], str]:
    if column in INT_COLUMNS:
        return lambda v: str(int(v))
    if column == "track_id":
        return _fmt_id
    if column == "time":
        return lambda v: repr(float(v))
    if column == "layout":
        return str
    return _fmt_f32
