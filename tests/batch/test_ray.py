"""The Ray engine on a real local Ray (one session for the module: Ray starts slowly): the same
dataset and the same analyses as the local engine, row for row and byte for byte, and an actor killed mid-video is restarted and resumed."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from batch_helpers import ANALYSIS, CHUNK_S, read_rows

from posekit.batch import run_batch

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install posekit[ray])")
pytestmark = pytest.mark.models


@pytest.fixture(scope="module", autouse=True)
def ray_session() -> Iterator[None]:
    from posekit.batch.engine_ray import runtime_env

    ray.init(
        num_cpus=2,
        object_store_memory=80 * 2**20,
        include_dashboard=False,
        runtime_env=runtime_env(),
        logging_level="WARNING",
        log_to_driver=False,
    )
    yield
    ray.shutdown()


def test_ray_and_local_engines_write_the_same_dataset(
    local_run: Path, tmp_path: Path, batch_inputs: list[str]
) -> None:
    s = run_batch(
        batch_inputs,
        tmp_path,
        engine="ray",
        workers=2,
        chunk_seconds=CHUNK_S,
        progress=False,
        analyze=ANALYSIS,
    )
    assert (s.processed, s.failures, s.unfinished, s.analysed) == (4, 1, 0, 1)
    assert sorted(p.name for p in (tmp_path / "poses").iterdir()) == sorted(
        p.name for p in (local_run / "poses").iterdir()
    )
    pd.testing.assert_frame_equal(read_rows(tmp_path), read_rows(local_run), check_exact=True)
    assert pq.read_table(tmp_path / "failures.parquet").equals(pq.read_table(local_run / "failures.parquet"))
    # --analyze: the same files, byte for byte (summary.json and the per-frame CSVs)
    ray_files = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "analysis").rglob("*.*")}
    local_files = {p.relative_to(local_run): p.read_bytes() for p in (local_run / "analysis").rglob("*.*")}
    assert any(p.name == "summary.json" for p in ray_files) and ray_files == local_files


def _actor_pids() -> list[int]:
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                cmd = Path(f"/proc/{d}/cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"ray::_Worker"):
                pids.append(int(d))
    return pids


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds Ray worker processes through /proc (Linux)")
def test_actor_killed_mid_video_is_restarted_and_resumes(
    local_run: Path, tmp_path: Path, batch_inputs: list[str]
) -> None:
    killed: list[int] = []

    def killer() -> None:  # SIGKILL the actor once the video has a checkpoint: it is mid-video then
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((tmp_path / "_state").glob("posetrack*.ckpt")):
            time.sleep(0.02)
        for pid in _actor_pids():
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    video_only = [batch_inputs[3]]
    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    s = run_batch(video_only, tmp_path, engine="ray", workers=1, chunk_seconds=CHUNK_S, progress=False)
    thread.join()
    assert killed, "no Ray worker process was found to kill"
    assert (s.processed, s.unfinished) == (1, 0)
    done = next((tmp_path / "_state").glob("posetrack*.done.json")).read_text()
    assert '"resumed": true' in done  # retried by Ray on the restarted actor, from the checkpoint
    ref = read_rows(local_run)
    ref = ref[ref["source"] == batch_inputs[3]].reset_index(drop=True)
    pd.testing.assert_frame_equal(read_rows(tmp_path), ref, check_exact=True)
