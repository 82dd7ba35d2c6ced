"""The optional analysis of a video job: options checked when the job is created, run after tracking.

The analysis is `posekit analyze` on the job's results file; its files (per-frame CSVs, summary.json,
report.html) go into the job's `analysis/` folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from posekit.errors import InputError

#: what `analyze=` may list (comma separated)
ANALYSES = ("angles", "reps", "ergonomics", "gait", "falls", "activity")
ERGONOMICS = ("reba", "rula")


def parse_analysis(
    analyze: str | None, ergonomics: str | None, exercise: str | None
) -> dict[str, Any] | None:
    """The job's analysis options from the form fields, or None when none was asked for.

    `exercise` implies `reps` and `ergonomics` implies the ergonomics analysis (as `posekit analyze
    --reps squat --ergonomics reba` does); raises InputError naming the field when a value is unknown.
    """
    from posekit.analysis import EXERCISES

    names = [n.strip().lower() for n in (analyze or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in ANALYSES]
    if unknown:
        raise InputError(f"analyze: unknown analysis {unknown[0][:40]!r}; choose from {', '.join(ANALYSES)}")
    erg = (ergonomics or "").strip().lower() or None
    if erg is not None and erg not in ERGONOMICS:
        raise InputError(f"ergonomics: expected reba or rula, got {erg[:40]!r}")
    if "ergonomics" in names and erg is None:
        raise InputError("ergonomics: say which method (ergonomics=reba or ergonomics=rula)")
    ex = (exercise or "").strip().lower() or None
    if ex is not None and ex not in EXERCISES:
        raise InputError(f"exercise: unknown exercise {ex[:40]!r}; choose from {', '.join(EXERCISES)}")
    chosen: dict[str, Any] = {
        "angles": "angles" in names,
        "reps": ex or ("any" if "reps" in names else None),
        "ergonomics": erg,
        "gait": "gait" in names,
        "falls": "falls" in names,
        "activity": "activity" in names,
    }
    return chosen if any(chosen.values()) else None


def run_analysis(results: Path, out_dir: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Analyse a job's results file into `out_dir`; returns the summary (also in out_dir/summary.json)."""
    from posekit.analysis import analyze

    return analyze(
        results,
        out=out_dir,
        angles=bool(options.get("angles")),
        reps=options.get("reps"),
        ergonomics=options.get("ergonomics"),
        gait=bool(options.get("gait")),
        falls=bool(options.get("falls")),
        activity=bool(options.get("activity")),
    ).summary
