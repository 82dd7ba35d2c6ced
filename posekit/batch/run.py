"""`run_batch`: inputs → items → an engine → DIR/poses/, DIR/failures.parquet, DIR/summary.json.

    summary = run_batch(["videos/", "photos/*.jpg"], "out", engine="ray", workers=8)

Re-running the same call skips every finished item (its done record is on disk) and resumes videos
from their last checkpoint, so a crashed or stopped run is finished by running it again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tqdm import tqdm

from posekit.batch.analysis import AnalysisOptions, clean_temporary, needs_analysis, parse_analyses
from posekit.batch.inputs import WorkItem, expand_inputs
from posekit.batch.worker import BatchSettings
from posekit.batch.writer import OutputDir, read_done, write_failures, write_summary
from posekit.errors import InputError
from posekit.pipeline.presets import DEFAULT, pipeline_settings
from posekit.zoo.registry import get_record, model_names

ENGINES = ("local", "ray")
SMOOTHING = ("one_euro", "none")  # online only: savgol needs a whole track, which chunks do not carry


def model_schema(model: str | None, layout: str | None = None) -> tuple[str, bool]:
    """(keypoint layout, world columns?) of the rows `model` gives, from the zoo records of the
    models in its pipeline, before any model is loaded (every partition gets the same schema)."""
    settings = pipeline_settings(model)
    names = [
        v for f in fields(settings) if isinstance(v := getattr(settings, f.name), str) and v in model_names()
    ]
    records = [get_record(n) for n in names]
    pose = [r for r in records if r.keypoint_layout]
    if not pose:
        raise InputError(f"model {model!r}: no pose model with a keypoint layout in its pipeline")
    world = any(o.role == "world" for r in pose for o in r.outputs)
    return layout or str(pose[0].keypoint_layout), world


@dataclass
class BatchSummary:
    out: str
    items: int  # items of the inputs
    done_before: int  # finished by an earlier run, skipped
    processed: int  # finished by this run
    unfinished: int  # not finished (their errors are in failures.parquet); re-run to retry
    failures: int  # rows of failures.parquet
    frames: int  # frames in the dataset (images count one)
    people: int  # rows in the dataset
    run_images: int  # images this run processed
    run_video_frames: int  # video frames this run processed
    wall_s: float
    engine: str
    workers: int
    analysed: int = 0  # videos with their analysis written (--analyze), this run or before

    @property
    def images_per_s(self) -> float:
        return self.run_images / max(self.wall_s, 1e-9)

    @property
    def video_frames_per_s(self) -> float:
        return self.run_video_frames / max(self.wall_s, 1e-9)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["throughput"] = {
            "images_per_s": round(self.images_per_s, 3),
            "video_frames_per_s": round(self.video_frames_per_s, 3),
            "frames_per_s": round((self.run_images + self.run_video_frames) / max(self.wall_s, 1e-9), 3),
        }
        return d


def run_batch(
    inputs: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    engine: str = "local",
    address: str | None = None,
    workers: int | None = None,
    model: str | None = None,
    layout: str | None = None,
    chunk_seconds: float = 60.0,
    smooth: str = "one_euro",
    threads: int = 1,
    progress: bool = True,
    analyze: str | Sequence[str] | AnalysisOptions | None = None,
    ergonomics: str | None = None,
    report: bool = False,
) -> BatchSummary:
    """Poses of every image and video of `inputs` into the dataset folder `out` (see
    `posekit.batch.writer` for its files). engine: "local" (a process pool of `workers`, default
    one per core) or "ray" (actors on the cluster at `address`, or on a local Ray started for the
    run). Videos are cut into chunks of `chunk_seconds`, tracking state carried across (identical
    results; a dead worker resumes at the last chunk). analyze: "angles,reps,falls" (see
    `posekit.analysis.options.ANALYSES`; or `AnalysisOptions`), ergonomics: "reba"/"rula", report:
    also report.html: each video's analysis goes to `out/analysis/<key>/` once its rows are written."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if smooth not in SMOOTHING:
        raise ValueError(f"smooth must be one of {', '.join(SMOOTHING)} in batch runs, got {smooth!r}")
    if chunk_seconds <= 0:
        raise ValueError(f"chunk_seconds must be > 0, got {chunk_seconds}")
    t0 = time.perf_counter()
    analysis = (
        analyze
        if isinstance(analyze, AnalysisOptions)
        else parse_analyses(analyze, ergonomics=ergonomics, report=report)
    )
    items = expand_inputs(inputs)
    model = model or DEFAULT
    lay, world = model_schema(model, layout)
    settings = BatchSettings(
        str(Path(out).resolve()),
        model,
        lay,
        world,
        float(chunk_seconds),
        smooth,
        max(1, int(threads)),
        analysis,
    )
    outdir = OutputDir(Path(settings.out))
    outdir.prepare(settings.dataset_settings())
    clean_temporary(outdir)

    records: dict[str, dict[str, Any]] = {}
    for it in items:
        rec = read_done(outdir, it.key)
        if rec is not None and not needs_analysis(it, rec, analysis):
            records[it.key] = rec
    todo = [it for it in items if it.key not in records]
    done_before = len(records)
    unfinished: dict[str, tuple[WorkItem, str]] = {}
    counts = {"images": 0, "video_frames": 0}
    bar = tqdm(
        total=len(items),
        initial=done_before,
        desc=f"batch ({engine})",
        unit="item",
        dynamic_ncols=True,
        disable=not progress,
    )

    def on_item(item: WorkItem, record: dict[str, Any] | None, error: str | None) -> None:
        if record is None:
            unfinished[item.key] = (item, error or "unknown error")
        else:
            records[item.key] = record
            unfinished.pop(item.key, None)
            if not record.get("skipped"):
                counts["images" if item.kind == "image" else "video_frames"] += int(record["frames"])
        bar.update(1)
        rate = (counts["images"] + counts["video_frames"]) / max(time.perf_counter() - t0, 1e-9)
        bar.set_postfix_str(f"{rate:.1f} frames/s, {len(unfinished)} unfinished")

    nworkers = workers or 0
    try:
        if todo and engine == "local":
            from posekit.batch.engine_local import run_local

            nworkers = workers or os.cpu_count() or 1
            run_local(todo, settings, nworkers, on_item)
        elif todo:
            from posekit.batch.engine_ray import run_ray

            nworkers = run_ray(todo, settings, workers, on_item, address=address)
    finally:
        bar.close()

    failures = [
        {"input": r["source"], "kind": r["kind"], "error": err}
        for it in items
        if (r := records.get(it.key)) is not None and (err := _errors(r, analysis is not None))
    ]
    failures += [{"input": it.source, "kind": it.kind, "error": err} for it, err in unfinished.values()]
    write_failures(outdir, failures)
    finished = [records[it.key] for it in items if it.key in records]
    summary = BatchSummary(
        str(out),
        len(items),
        done_before,
        len(finished) - done_before,
        len(unfinished),
        len(failures),
        sum(int(r["frames"]) for r in finished),
        sum(int(r["people"]) for r in finished),
        counts["images"],
        counts["video_frames"],
        round(time.perf_counter() - t0, 3),
        engine,
        nworkers,
        sum(
            1
            for r in finished
            if analysis and isinstance(a := r.get("analysis"), dict) and not a.get("error")
        ),
    )
    write_summary(outdir, summary.to_dict())
    return summary


def _errors(record: dict[str, Any], analysed: bool) -> str | None:
    """An item's failure: the error of its poses (unreadable, truncated) and, when this run asks
    for analyses, of its analysis."""
    a = record.get("analysis") if analysed else None
    errs = [e for e in (record.get("error"), a.get("error") if isinstance(a, dict) else None) if e]
    return "; ".join(errs) or None
