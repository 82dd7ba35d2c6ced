"""Shared inputs and one reference run of the local engine, computed once per session (models load
in every worker process, which is the slow part of these tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_helpers import ANALYSIS, CHUNK_S, FRAMES, SHARED, VIDEO

from posekit.batch import run_batch


@pytest.fixture(scope="session")
def batch_inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Two images, a truncated JPEG (made in a temp folder, never in the repo) and a short video."""
    if not VIDEO.exists() or not FRAMES.is_dir():
        pytest.skip(f"test data not found at {SHARED} (../shared is absent)")
    tmp = tmp_path_factory.mktemp("inputs")
    corrupt = tmp / "corrupt.jpg"
    corrupt.write_bytes((FRAMES / "000002.jpg").read_bytes()[:4000])
    return [str(FRAMES / "000000.jpg"), str(FRAMES / "000001.jpg"), str(corrupt), str(VIDEO)]


@pytest.fixture(scope="session")
def local_run(batch_inputs: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    run_batch(
        batch_inputs, out, engine="local", workers=2, chunk_seconds=CHUNK_S, progress=False, analyze=ANALYSIS
    )
    return out
