"""A full disk and a read-only folder: a one-line error naming the path, a non-zero exit code, and no
partial file (the in-place formats, JSONL and CSV, keep their complete frames and nothing else)."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import pytest
from fault_helpers import CHILD, assert_prefix, frame_poses, posekit_cmd, run, small_filesystem, temp_litter
from shared_data import needs_shared, shared_path

from posekit.io.tracks import TrackWriter, load_tracks

pytest.importorskip("pyarrow")
CLIP = shared_path("video", "mmaction2_arm_wrestling_340x256.mp4")


def _one_line_error(stderr: str, path) -> str:
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("posekit: error: ") and str(path) in last, stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]
    return last


def _check_left(folder, out, fmt):
    assert temp_litter(folder) == []
    if fmt in (".jsonl", ".csv") and out.exists():
        assert_prefix(load_tracks(out))  # every complete frame before the disk filled, nothing more
    else:
        assert not out.exists()


@pytest.mark.parametrize("fmt", [".parquet", ".json", ".jsonl", ".csv"])
def test_file_size_limit(tmp_path, fmt):
    """RLIMIT_FSIZE: a write past it fails with EFBIG, as on a full disk (works without root)."""
    out = tmp_path / f"k{fmt}"
    proc = run([sys.executable, str(CHILD), "tracks", str(out), "5000", "0"], fsize=60_000)
    assert proc.returncode == 2
    assert "larger than" in _one_line_error(proc.stderr, out)
    _check_left(tmp_path, out, fmt)


@pytest.mark.parametrize("fmt", [".parquet", ".csv"])
def test_full_tmpfs(tmp_path, fmt):
    with small_filesystem(tmp_path / "small", "128k") as folder:
        out = folder / f"k{fmt}"
        proc = run([sys.executable, str(CHILD), "tracks", str(out), "5000", "0"])
        assert proc.returncode == 2
        assert "disk is full" in _one_line_error(proc.stderr, out)
        _check_left(folder, out, fmt)
        # once the user frees the space (a CSV keeps its frames, which fill the disk), a smaller run completes
        out.unlink(missing_ok=True)
        assert run([sys.executable, str(CHILD), "tracks", str(out), "20", "0"]).returncode == 0
        assert assert_prefix(load_tracks(out)) == 20 and temp_litter(folder) == []


@pytest.mark.models
@needs_shared("video", "mmaction2_arm_wrestling_340x256.mp4")
def test_track_into_read_only_folder(tmp_path):
    with small_filesystem(tmp_path / "ro", "64k", read_only=True) as folder:
        out = folder / "k.parquet"
        proc = run(posekit_cmd("track", str(CLIP), "--model", "movenet-lightning", "--out", str(out)))
        assert proc.returncode != 0
        assert "read-only" in _one_line_error(proc.stderr, out)
        assert list(folder.iterdir()) == []


def test_nwb_export_past_a_file_size_limit(tmp_path):
    """HDF5 writes into memory and the bytes are published by one Python write, so a full disk is an
    ordinary one-line error: no HDF5 messages, no crash at exit, no file."""
    pytest.importorskip("pynwb")
    results = tmp_path / "k.jsonl"
    with TrackWriter(results) as w:  # one tracked person, as `posekit track` writes
        for i in range(30):
            w.write(i, i / 30, replace(frame_poses(i, n=1), track_ids=np.array([1])))
    out = tmp_path / "k.nwb"
    proc = run(posekit_cmd("export", str(results), "--to", "nwb", "--out", str(out)), fsize=60_000)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "larger than" in _one_line_error(proc.stderr, out)
    assert "Exception ignored" not in proc.stderr and "HDF5" not in proc.stderr
    assert not out.exists() and temp_litter(tmp_path) == []
    assert run(posekit_cmd("export", str(results), "--to", "nwb", "--out", str(out))).returncode == 0
    assert out.stat().st_size > 60_000
