"""The local engine end to end: dataset, failures, summary, re-runs, chunking, and a SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from batch_helpers import CHUNK_S, VIDEO, read_rows

from posekit.batch import run_batch
from posekit.batch.inputs import expand_inputs
from posekit.batch.worker import ItemProcessor

pytestmark = pytest.mark.models
REPO = Path(__file__).resolve().parents[2]


def test_dataset_failures_and_summary(local_run: Path, batch_inputs: list[str]) -> None:
    rows = read_rows(local_run)
    assert set(rows["source"]) == {batch_inputs[0], batch_inputs[1], batch_inputs[3]}
    video = rows[rows["source"] == str(VIDEO)]
    assert sorted(set(video["frame"])) == [0, 1, 2, 3, 4]
    assert (video["track_id"] > 0).any()  # tracked
    images = rows[rows["source"] != str(VIDEO)]
    assert (images["frame"] == 0).all() and images["track_id"].isna().all()  # images have no ids
    failures = pq.read_table(local_run / "failures.parquet").to_pylist()
    assert [(f["input"], f["kind"]) for f in failures] == [(batch_inputs[2], "image")]
    assert "truncated" in failures[0]["error"]
    s = json.loads((local_run / "summary.json").read_text())
    assert (s["items"], s["processed"], s["failures"], s["unfinished"]) == (4, 4, 1, 0)
    assert s["frames"] == 2 + 5 and s["people"] == len(rows)
    assert s["throughput"]["video_frames_per_s"] > 0
    # other readers agree (pandas over the folder; the chunk files of the video are separate partitions)
    assert len(pd.read_parquet(local_run / "poses")) == len(rows)
    assert len(list((local_run / "poses").glob("*-c*.parquet"))) >= 2


def test_rerun_skips_everything_and_changes_nothing(local_run: Path, batch_inputs: list[str]) -> None:
    before = {p.name: p.read_bytes() for p in (local_run / "poses").iterdir()}
    s = run_batch(batch_inputs, local_run, engine="local", workers=2, chunk_seconds=CHUNK_S, progress=False)
    assert (s.done_before, s.processed, s.failures) == (4, 0, 1)
    assert {p.name: p.read_bytes() for p in (local_run / "poses").iterdir()} == before


def test_chunks_give_the_rows_of_an_uncut_video(
    local_run: Path, tmp_path: Path, batch_inputs: list[str]
) -> None:
    """Tracking state carried across chunks: one chunk per frame = the whole video in one piece."""
    item = expand_inputs([str(VIDEO)])[0]
    settings = json.loads((local_run / "_state" / "run.json").read_text())
    from posekit.batch.worker import BatchSettings

    whole = BatchSettings(out=str(tmp_path), **{**settings, "chunk_seconds": 1e6})
    rec = ItemProcessor(whole).run(item)
    assert rec["chunks"] == 1 and rec["frames"] == 5
    cut = read_rows(local_run)
    cut = cut[cut["source"] == str(VIDEO)].reset_index(drop=True)
    pd.testing.assert_frame_equal(read_rows(tmp_path), cut, check_exact=True)
    assert replace(whole, chunk_seconds=CHUNK_S).dataset_settings() == settings


def test_sigkill_mid_video_then_rerun_gives_the_same_dataset(
    local_run: Path, tmp_path: Path, batch_inputs: list[str]
) -> None:
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "posekit.cli.main",
        "batch",
        *batch_inputs,
        "--out",
        str(out),
        "--workers",
        "1",
        "--chunk-seconds",
        str(CHUNK_S),
        "--no-progress",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    state = out / "_state"
    deadline = time.monotonic() + 120
    try:
        # kill the run (driver and worker) once the video has a checkpoint: it is mid-item by then
        while not list(state.glob("posetrack*.ckpt")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    assert not list(state.glob("posetrack*.done.json")), "the kill came too late: the video was finished"
    s = run_batch(batch_inputs, out, engine="local", workers=1, chunk_seconds=CHUNK_S, progress=False)
    assert s.unfinished == 0 and s.failures == 1
    assert not list(out.rglob(".*.tmp"))  # what the kill left half-written is gone
    video = json.loads(next(state.glob("posetrack*.done.json")).read_text())
    assert video["resumed"] is True  # picked up at its checkpoint, not from frame 0
    pd.testing.assert_frame_equal(read_rows(out), read_rows(local_run), check_exact=True)
    assert pq.read_table(out / "failures.parquet").equals(pq.read_table(local_run / "failures.parquet"))
