"""3D poses from several synchronised, calibrated cameras (see docs/3d.md, "Multi-view").

from posekit.threed import read_calibration, load_view, reconstruct, write_result
calib = read_calibration("calib.toml")
res = reconstruct(calib, [load_view(p) for p in inputs], fps=60)
write_result("poses3d.trc", res)
"""

from __future__ import annotations

from posekit.threed.calib_io import read_calibration, write_toml
from posekit.threed.camera import Calibration, Camera
from posekit.threed.inputs import load_view
from posekit.threed.output import write_result, write_summary
from posekit.threed.pipeline import MultiViewResult, ReconstructParams, View2D, reconstruct
from posekit.threed.triangulate import TriangulationParams, triangulate_points

__all__ = [
    "Calibration",
    "Camera",
    "MultiViewResult",
    "ReconstructParams",
    "TriangulationParams",
    "View2D",
    "load_view",
    "read_calibration",
    "reconstruct",
    "triangulate_points",
    "write_result",
    "write_summary",
    "write_toml",
]
