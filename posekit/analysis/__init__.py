"""Answers from pose results: joint angles, repetitions, REBA/RULA, falls, activity; `analyze` runs them
on tracking results and writes CSV, summary.json and a self-contained report.html."""

from posekit.analysis.activity import activity_states
from posekit.analysis.analyze import AnalysisResult, TrackSeries, analyze, track_series
from posekit.analysis.angles import ANGLES, AngleSeries, compute_angles, compute_angles_3d
from posekit.analysis.falls import detect_falls
from posekit.analysis.gait import GaitResult, gait_events
from posekit.analysis.repetitions import EXERCISES, RepetitionResult, count_repetitions

__all__ = [
    "ANGLES",
    "EXERCISES",
    "AnalysisResult",
    "AngleSeries",
    "GaitResult",
    "RepetitionResult",
    "TrackSeries",
    "activity_states",
    "analyze",
    "compute_angles",
    "compute_angles_3d",
    "count_repetitions",
    "detect_falls",
    "gait_events",
    "track_series",
]
