"""What a worker does with one item; the same code runs in a local process pool and in Ray actors,
which is why both engines write identical datasets.

Long videos are cut into chunks of `chunk_seconds`, and the tracking state (people followed, tracks,
filter state) is **carried** from chunk to chunk, not restarted on overlapping chunks: results are
then identical to an uncut run — overlapping chunks would give different track ids and different
follower crops near every cut, and compute the overlap twice. After each chunk its partition is
written, then a checkpoint of the state; a worker that dies mid-video resumes at the last finished
chunk (the frames before it are decoded again, but not estimated again). A video's chunks run in
order in one worker: a run scales over many videos, not within one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from posekit.batch.analysis import AnalysisOptions, analyze_item, needs_analysis
from posekit.batch.inputs import WorkItem
from posekit.batch.writer import (
    OutputDir,
    RowBuffer,
    person_rows,
    read_checkpoint,
    read_done,
    remove_checkpoint,
    row_schema,
    write_checkpoint,
    write_done,
    write_partition,
)
from posekit.errors import InputError
from posekit.io.images import load_image
from posekit.io.video import PrefetchReader, open_source
from posekit.results import Poses
from posekit.video.tracking import VideoPoseTracker


@dataclass(frozen=True)
class BatchSettings:
    """Everything a worker needs (small and picklable: it travels to every worker)."""

    out: str
    model: str
    layout: str  # the dataset's keypoint layout (resolved before the run)
    world: bool  # whether the dataset has world-coordinate columns
    chunk_seconds: float = 60.0
    smooth: str = "one_euro"
    threads: int = 1  # ONNX Runtime threads per worker: one worker per core scales best
    analysis: AnalysisOptions | None = None  # --analyze: run on each video once its rows are written

    def dataset_settings(self) -> dict[str, Any]:
        """The settings a dataset's rows depend on (stored in _state/run.json)."""
        d = asdict(self)
        del d["out"], d["threads"], d["analysis"]
        return d


def tracker_state(t: VideoPoseTracker) -> dict[str, Any]:
    f = t.follower
    return {
        "tracker": t.tracker,
        "smoother": t.smoother,
        "follower": None if f is None else (f.rois, f.since_detection, f.detections),
    }


def restore_tracker_state(t: VideoPoseTracker, state: dict[str, Any]) -> None:
    t.tracker, t.smoother = state["tracker"], state["smoother"]
    if t.follower is not None and state["follower"] is not None:
        t.follower.rois, t.follower.since_detection, t.follower.detections = state["follower"]


class ItemProcessor:
    """Loads the models once (on first use) and processes items one after the other."""

    def __init__(self, settings: BatchSettings) -> None:
        self.settings = settings
        self.out = OutputDir(Path(settings.out))
        self.schema = row_schema(settings.layout, settings.world)
        self._tracker: VideoPoseTracker | None = None

    @property
    def tracker(self) -> VideoPoseTracker:
        if self._tracker is None:
            s = self.settings
            self._tracker = VideoPoseTracker(
                s.model, smooth=s.smooth, layout=s.layout, threads=s.threads, workers=1
            )
        return self._tracker

    def _in_layout(self, poses: Poses) -> Poses:
        return poses.to_layout(self.settings.layout)

    def run(self, item: WorkItem) -> dict[str, Any]:
        """Process `item` unless it is done; returns its done record (`skipped` True if its poses
        were done before). An unreadable input is a finished item with `error` set; any other
        exception leaves the item unfinished (it is retried). With `--analyze`, a video is
        finished once its analysis is in the record too; the poses' record is written first, so
        a worker that dies during the analysis leaves only the analysis to redo."""
        analysis = self.settings.analysis
        record = read_done(self.out, item.key)
        skipped = record is not None
        if record is None:
            record = self._poses(item)
            write_done(self.out, item.key, record)
        if needs_analysis(item, record, analysis):
            assert analysis is not None
            record["analysis"] = analyze_item(self.out, item, record, analysis)
            write_done(self.out, item.key, record)
        return {**record, "skipped": skipped}

    def _poses(self, item: WorkItem) -> dict[str, Any]:
        t0 = time.perf_counter()
        record: dict[str, Any] = {
            "source": item.source,
            "kind": item.kind,
            "key": item.key,
            "frames": 0,
            "people": 0,
            "error": None,
        }
        try:
            record.update(self._image(item) if item.kind == "image" else self._video(item))
        except InputError as exc:
            record["error"] = str(exc)
        record["seconds"] = round(time.perf_counter() - t0, 4)
        return record

    def _image(self, item: WorkItem) -> dict[str, Any]:
        image = load_image(item.source)
        poses = self._in_layout(self.tracker.pipeline(image))
        buf = RowBuffer(self.schema)
        buf.add(person_rows(item.source, 0, 0.0, poses, self.settings.world))
        if buf.rows:
            write_partition(self.out.partition(item.key), buf.table())
        return {"frames": 1, "people": buf.rows}

    def _video(self, item: WorkItem) -> dict[str, Any]:
        src = open_source(item.source)
        tracker = self.tracker
        fps = src.fps or 30.0
        per_chunk = max(1, round(self.settings.chunk_seconds * fps))
        tracker.reset(fps)
        chunk, frames, people, resumed = 0, 0, 0, False
        ckpt = read_checkpoint(self.out, item.key)
        if ckpt is not None and ckpt.get("per_chunk") == per_chunk:
            restore_tracker_state(tracker, ckpt["state"])
            chunk, frames, people, resumed = ckpt["chunk"] + 1, ckpt["frames"], ckpt["people"], True
        start = chunk * per_chunk
        buf = RowBuffer(self.schema)
        error: str | None = None

        def finish_chunk(save_state: bool) -> None:
            if buf.rows:
                write_partition(self.out.partition(item.key, chunk), buf.table())
            if save_state:  # after the partition: a checkpoint always means "this chunk is written"
                write_checkpoint(
                    self.out,
                    item.key,
                    {
                        "chunk": chunk,
                        "per_chunk": per_chunk,
                        "frames": frames,
                        "people": people,
                        "state": tracker_state(tracker),
                    },
                )

        try:
            with src, PrefetchReader(src) as reader:
                for f in reader:
                    if f.index < start:  # decoded again to reach the resume point, not estimated again
                        continue
                    if item.max_frames is not None and f.index >= item.max_frames:
                        break
                    if f.index // per_chunk != chunk:
                        finish_chunk(save_state=True)
                        chunk, buf = f.index // per_chunk, RowBuffer(self.schema)
                    poses = tracker.process(f.image, f.index, f.time)
                    buf.add(person_rows(item.source, f.index, f.time, poses, self.settings.world))
                    frames += 1
                    people += len(poses)
        except InputError as exc:  # broke off: keep every frame before the break, and say so
            error = str(exc)
        finish_chunk(save_state=False)
        remove_checkpoint(self.out, item.key)
        return {"frames": frames, "people": people, "chunks": chunk + 1, "resumed": resumed, "error": error}
