"""The files of a batch run's output folder, each written atomically.

    DIR/poses/<key>.parquet            an image's people (no file when it has none)
    DIR/poses/<key>-c<chunk>.parquet   a video chunk's people (no file for a chunk without people)
    DIR/failures.parquet               input, kind, error: one row per item that failed
    DIR/summary.json                   items, frames, people, failures, wall time, throughput
    DIR/analysis/<key>/                with --analyze: a video's analysis (see posekit.batch.analysis)
    DIR/_state/run.json                the settings the dataset was made with (a re-run must match)
    DIR/_state/<key>.done.json         written after an item's last partition: the item is finished
    DIR/_state/<key>.ckpt              a video's progress: last finished chunk and tracking state

`poses/` is a plain Parquet dataset (one schema, flat files): `pandas.read_parquet(DIR/poses)`,
`pyarrow.dataset.dataset(...)`, DuckDB `FROM 'DIR/poses/*.parquet'` and Spark `read.parquet` all
read it. Temporary files start with "." (every one of those readers skips them), so a crash never
leaves a half-written partition that a reader would see.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from posekit.errors import InputError
from posekit.io.atomic import atomic_write, write_json_atomic
from posekit.io.tracks import track_columns
from posekit.io.tracks.schema import arrow_schema, frame_columns
from posekit.results import Poses


def row_schema(layout: str, world: bool) -> pa.Schema:
    """`source`, then the shared tabular columns of `posekit.io.tracks` (frame, time, track_id,
    score, box, keypoints, world when the model gives it, layout, image size)."""
    cols = ["source", *track_columns(layout, world)]
    return arrow_schema(cols)


def person_rows(source: str, frame: int, time: float, poses: Poses, world: bool) -> dict[str, np.ndarray]:
    """One row per person of one frame, by column: `source`, then the shared tabular row of
    `posekit.io.tracks` (built on `Poses.to_columns`; `track_id` is float with NaN for "no ids",
    written as a null)."""
    return {
        "source": np.full(len(poses), source, object),
        **frame_columns(frame, time, poses, world=world, extra=()),
    }


class RowBuffer:
    """Rows of one partition, gathered frame by frame."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.blocks: list[dict[str, np.ndarray]] = []
        self.rows = 0

    def add(self, cols: dict[str, np.ndarray]) -> None:
        n = len(cols["frame"])
        if n:
            self.blocks.append(cols)
            self.rows += n

    def table(self) -> pa.Table:
        names = self.schema.names
        data = {c: np.concatenate([b[c] for b in self.blocks]) if self.blocks else np.zeros(0) for c in names}
        arrays = []
        for c in names:
            if c == "track_id":  # NaN = no ids (images, untracked pipelines): a null, as results files have
                ids = np.asarray(data[c], dtype=np.float64)
                arrays.append(
                    pa.array(np.nan_to_num(ids).astype(np.int64), mask=np.isnan(ids), type=pa.int64())
                )
            else:
                arrays.append(pa.array(data[c], type=self.schema.field(c).type))
        return pa.table(arrays, schema=self.schema)


@dataclass(frozen=True)
class OutputDir:
    """Paths of a run's output folder (see the module docstring)."""

    root: Path

    @property
    def poses(self) -> Path:
        return self.root / "poses"

    @property
    def state(self) -> Path:
        return self.root / "_state"

    def partition(self, key: str, chunk: int | None = None) -> Path:
        return self.poses / (f"{key}.parquet" if chunk is None else f"{key}-c{chunk:05d}.parquet")

    def done_file(self, key: str) -> Path:
        return self.state / f"{key}.done.json"

    def checkpoint_file(self, key: str) -> Path:
        return self.state / f"{key}.ckpt"

    def prepare(self, settings: dict[str, Any]) -> None:
        """Create the folders, remove temporary files a crash left, and refuse a folder made with other
        settings (its rows would not match)."""
        try:
            self.poses.mkdir(parents=True, exist_ok=True)
            self.state.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{self.root}: cannot create the output folder ({exc.strerror})") from None
        # temporary files of writers killed mid-write: nobody will finish them (one run per folder)
        for folder in (self.root, self.poses, self.state):
            for tmp in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
        run_file = self.state / "run.json"
        if run_file.exists():
            old = json.loads(run_file.read_text(encoding="utf-8"))
            if old != settings:
                diff = ", ".join(
                    f"{k}: {old.get(k)!r} → {settings.get(k)!r}"
                    for k in settings
                    if old.get(k) != settings.get(k)
                )
                raise InputError(f"{self.root}: was written with other settings ({diff}); use a new --out")
        else:
            write_json_atomic(run_file, settings)


def write_partition(path: Path, table: pa.Table) -> None:
    """The table as one Parquet file, atomically (readers see no file or the whole file)."""
    with atomic_write(path, "wb") as f:
        pq.write_table(table, f, compression="zstd")


def read_done(out: OutputDir, key: str) -> dict[str, Any] | None:
    """The done record of an item, or None if the item is not finished."""
    try:
        return dict(json.loads(out.done_file(key).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def write_done(out: OutputDir, key: str, record: dict[str, Any]) -> None:
    write_json_atomic(out.done_file(key), record)


def read_checkpoint(out: OutputDir, key: str) -> dict[str, Any] | None:
    """A video's saved progress. It is pickled tracking state that this run's own workers wrote
    into the output folder; an unreadable one (an older posekit) is ignored: the video restarts."""
    try:
        with open(out.checkpoint_file(key), "rb") as f:
            return dict(pickle.load(f))
    except Exception:  # missing, or unreadable
        return None


def write_checkpoint(out: OutputDir, key: str, state: dict[str, Any]) -> None:
    with atomic_write(out.checkpoint_file(key), "wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)


def remove_checkpoint(out: OutputDir, key: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(out.checkpoint_file(key))


FAILURE_SCHEMA = pa.schema([("input", pa.string()), ("kind", pa.string()), ("error", pa.string())])


def write_failures(out: OutputDir, failures: list[dict[str, str]]) -> Path:
    """DIR/failures.parquet: one row per failed item (written even when empty, so its absence never
    has to be interpreted)."""
    table = pa.Table.from_pylist(
        [{k: f[k] for k in FAILURE_SCHEMA.names} for f in failures], schema=FAILURE_SCHEMA
    )
    path = out.root / "failures.parquet"
    write_partition(path, table)
    return path


def write_summary(out: OutputDir, summary: dict[str, Any]) -> Path:
    path = out.root / "summary.json"
    write_json_atomic(path, summary)
    return path
