"""`--analyze`: `posekit.analysis.analyze` on each video item's rows, once all its chunks are written.

    DIR/analysis/<key>/summary.json    the analysis summary (the keys asked for, per track)
    DIR/analysis/<key>/<analysis>.csv  per-frame series (angles, repetitions, ergonomics, activity)
    DIR/analysis/<key>/report.html     only with --report

The rows are read back from the item's partition files, not kept in the worker: a video resumed
from a checkpoint, or finished by an earlier run without `--analyze`, has its earlier chunks only
on disk. It is therefore exactly `posekit analyze` on the item's rows saved as a results Parquet
file (like every tabular results file, frames without people have no rows). An item's folder is
written into a hidden temporary folder and renamed into place, so a reader sees the whole folder
or none. The item's done record then gets an `analysis` entry (the options and the error, if any):
an item is finished only with that entry, so a run killed during an analysis redoes that analysis
alone, and a re-run with other analysis options redoes the analyses, never the poses.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from posekit.analysis.options import AnalysisChoice, choose_analyses
from posekit.batch.inputs import WorkItem
from posekit.batch.writer import OutputDir
from posekit.errors import InputError
from posekit.results import FrameResult


@dataclass(frozen=True)
class AnalysisOptions(AnalysisChoice):
    """The analyses run on each video item (`AnalysisChoice`) and how their results are written."""

    report: bool = False  # also write report.html
    min_score: float = 0.3
    min_frames: int = 10  # tracks seen in fewer frames are not analysed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_analyses(
    spec: str | Sequence[str] | None,
    *,
    ergonomics: str | None = None,
    report: bool = False,
    min_score: float = 0.3,
    min_frames: int = 10,
) -> AnalysisOptions | None:
    """`"angles,reps=squat,falls"` (or a list of those names) and the other switches as options;
    None when nothing is asked. Unknown names raise InputError at once, before any item runs."""
    names = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec or []) if s.strip()]
    if not names and ergonomics is None:
        if report:
            raise InputError("--report needs --analyze or --ergonomics (a report of which analyses?)")
        return None
    if min_frames < 1:
        raise InputError(f"analysis min_frames must be >= 1, got {min_frames}")
    choice = choose_analyses(names, ergonomics=ergonomics, field="--analyze", ergonomics_field="--ergonomics")
    return AnalysisOptions(**asdict(choice), report=report, min_score=min_score, min_frames=min_frames)


def needs_analysis(item: WorkItem, record: dict[str, Any], options: AnalysisOptions | None) -> bool:
    """Whether `item`, whose poses are done (`record`), still lacks the analysis `options` ask for.
    Images have none; neither has a video that could not be read at all (its error is its failure)."""
    if options is None or item.kind != "video":
        return False
    if not record.get("frames") and record.get("error"):
        return False
    done = record.get("analysis")
    return not (isinstance(done, dict) and done.get("options") == options.to_dict())


def analysis_folder(out: OutputDir, key: str) -> Path:
    return out.root / "analysis" / key


def item_frames(out: OutputDir, key: str, chunks: int) -> list[FrameResult]:
    """The item's rows read back from its chunk files, in frame order (frames without people have
    no rows)."""
    from posekit.io.tracks import load_tracks

    frames: list[FrameResult] = []
    for c in range(chunks):
        path = out.partition(key, c)
        if path.exists():  # a chunk without people has no file
            frames += load_tracks(path)
    return frames


def analyze_item(
    out: OutputDir, item: WorkItem, record: dict[str, Any], options: AnalysisOptions
) -> dict[str, Any]:
    """Run the analyses on the item's rows and write its folder; returns the `analysis` entry of
    its done record. Every error is caught into the entry: it is the item's failure, and not
    retried (the rows will not change by themselves)."""
    from posekit.analysis.analyze import analyze, write_outputs

    t0 = time.perf_counter()
    entry: dict[str, Any] = {"options": options.to_dict(), "error": None, "tracks": 0}
    try:
        if not record.get("people"):
            raise InputError("no people found in the video")
        frames = item_frames(out, item.key, int(record.get("chunks", 1)))
        res = analyze(
            frames, **options.analyze_kwargs(), min_score=options.min_score, min_frames=options.min_frames
        )
        final = analysis_folder(out, item.key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{item.key}.", suffix=".tmp", dir=final.parent))
        try:
            # the report's key frames come from the video itself (decoded up to the last of them)
            write_outputs(res, tmp, video=item.source if options.report and item.kind == "video" else None)
            if not options.report:  # write_outputs always renders it (cheap: inline SVG); not asked for
                (tmp / "report.html").unlink()
            _replace_folder(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        entry["tracks"] = len(res.tracks)
    except Exception as exc:
        text = str(exc).splitlines()[0] if str(exc) else ""
        entry["error"] = (
            f"analysis: {text}" if isinstance(exc, InputError) else f"analysis: {type(exc).__name__}: {text}"
        )
    entry["seconds"] = round(time.perf_counter() - t0, 4)
    return entry


def _replace_folder(new: Path, final: Path) -> None:
    """Rename `new` onto `final` (an older analysis of the item is moved aside first: a folder
    cannot be renamed onto a non-empty one)."""
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old.{os.getpid()}.tmp"
        os.rename(final, old)
    os.rename(new, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def clean_temporary(out: OutputDir) -> None:
    """Remove the temporary folders of analyses killed mid-write (one run per output folder)."""
    folder = out.root / "analysis"
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
