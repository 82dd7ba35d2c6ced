"""Batch processing of image and video collections into a Parquet dataset (see docs/batch.md).

from posekit.batch import run_batch
summary = run_batch(["clips/", "manifest.csv"], "out", engine="ray", workers=8)
"""

from posekit.batch.analysis import AnalysisOptions, parse_analyses
from posekit.batch.inputs import WorkItem, expand_inputs
from posekit.batch.run import BatchSummary, run_batch
from posekit.batch.worker import BatchSettings

__all__ = [
    "AnalysisOptions",
    "BatchSettings",
    "BatchSummary",
    "WorkItem",
    "expand_inputs",
    "parse_analyses",
    "run_batch",
]
