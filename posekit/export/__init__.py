"""Export 3D results to the file formats biomechanics tools read (TRC for OpenSim, ...)."""

from __future__ import annotations

from posekit.export.trc import TrcData, read_trc, write_trc, y_up_to_z_up, z_up_to_y_up

__all__ = ["TrcData", "read_trc", "write_trc", "y_up_to_z_up", "z_up_to_y_up"]
