"""Motion-capture and interchange files from posekit results (see docs/3d.md, "One camera and exports").

from posekit.export import export_results
export_results("poses.jsonl", "bvh", "clip.bvh")      # also trc, mot, c3d, nwb, openpose, coco, csv, parquet
"""

from __future__ import annotations

from typing import Any

from posekit.export.trc import TrcData, read_trc, write_trc, y_up_to_z_up, z_up_to_y_up

__all__ = ["TrcData", "export_results", "read_trc", "write_trc", "y_up_to_z_up", "z_up_to_y_up"]


def __getattr__(name: str) -> Any:
    if name == "export_results":  # lazy: the writers pull in their optional libraries
        from posekit.export.api import export_results

        return export_results
    raise AttributeError(f"module 'posekit.export' has no attribute {name!r}")
