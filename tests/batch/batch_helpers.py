"""Paths and helpers of the batch tests (conftest.py holds the fixtures)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from posekit.batch import AnalysisOptions

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
VIDEO = SHARED / "video" / "posetrack18_000001_mpiinew_test_5frames.mp4"  # 5 frames @ 30 fps, 2-3 players
FRAMES = SHARED / "video" / "posetrack18_000001_mpiinew_test_frames"
CHUNK_S = 0.034  # one frame per chunk at 30 fps: every frame boundary is a chunk boundary
#: `--analyze angles,reps,falls --ergonomics reba`, tracks of 3+ frames (the clip has 5)
ANALYSIS = AnalysisOptions(angles=True, reps="any", falls=True, ergonomics="reba", min_frames=3)


def read_rows(out: Path) -> pd.DataFrame:
    """The whole dataset, files in name order and rows in file order (what every reader gives)."""
    # nullable integers: track_id is null for images, and a subset without nulls keeps the same dtype
    return pq.read_table(out / "poses").to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
