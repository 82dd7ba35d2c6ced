"""3D from one camera: refine BlazePose's world landmarks over a sequence, place people in camera space."""

from posekit.threed.mono.refine import MonoConfig, MonoResult, refine_world
from posekit.threed.mono.skeleton import JOINTS, PARENTS, BoneLengths, skeleton_from_blazepose

__all__ = ["JOINTS", "PARENTS", "BoneLengths", "MonoConfig", "MonoResult", "refine_world", "skeleton_from_blazepose"]
