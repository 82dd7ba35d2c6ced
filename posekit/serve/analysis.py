"""The optional analysis of a video job: options checked when the job is created, run after tracking.

The analysis is `posekit analyze` on the job's results file; its files (per-frame CSVs, summary.json,
report.html) go into the job's `analysis/` folder.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from posekit.analysis.options import AnalysisChoice, choose_analyses


def parse_analysis(
    analyze: str | None, ergonomics: str | None, exercise: str | None
) -> dict[str, Any] | None:
    """The job's analysis options from the form fields, or None when none was asked for.

    `exercise` implies `reps` and `ergonomics` implies the ergonomics analysis (as `posekit analyze
    --reps squat --ergonomics reba` does); raises InputError naming the field when a value is unknown.
    """
    choice = choose_analyses((analyze or "").split(","), ergonomics=ergonomics, exercise=exercise)
    return asdict(choice) if choice.asked() else None


def run_analysis(
    results: Path, out_dir: Path, options: dict[str, Any], video: Path | None = None
) -> dict[str, Any]:
    """Analyse a job's results file into `out_dir`; returns the summary (also in out_dir/summary.json).
    video: the job's input, whose frames become the report's key frames."""
    from posekit.analysis import analyze

    kwargs = AnalysisChoice.from_dict(options).analyze_kwargs()
    return analyze(results, out=out_dir, video=video, **kwargs).summary
