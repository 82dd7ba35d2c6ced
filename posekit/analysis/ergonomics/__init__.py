"""Ergonomic risk scores REBA and RULA from poses (published tables as data, see tables.py)."""

from posekit.analysis.ergonomics.posture import posture_2d, posture_3d
from posekit.analysis.ergonomics.reba import RebaParams, RebaResult, reba
from posekit.analysis.ergonomics.rula import RulaParams, RulaResult, rula

__all__ = ["RebaParams", "RebaResult", "RulaParams", "RulaResult", "posture_2d", "posture_3d", "reba", "rula"]
