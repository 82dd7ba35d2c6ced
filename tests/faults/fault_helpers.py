"""Helpers of the fault-injection tests and of benchmarks/faults.py: run a posekit command in a child
process, SIGKILL it at a chosen moment, and check what it left behind."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from posekit.results import Poses

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("fault_child.py")
LAYOUT_SIZE = (48, 64)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child posekit: this checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    env.update(extra)
    return env


def posekit_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "posekit.cli.main", *args]


def run(
    cmd: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 300, fsize: int | None = None
):
    """Run `cmd` to its end; `fsize` caps the size of any file it writes (RLIMIT_FSIZE; SIGXFSZ is
    ignored so that a write past it fails with EFBIG, as on a full disk, instead of killing)."""
    return subprocess.run(
        list(cmd),
        cwd=REPO,
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=None if fsize is None else _limit_fsize(fsize),
    )


def _limit_fsize(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def kill_during(
    cmd: Sequence[str],
    *,
    when: Callable[[], bool] | None = None,
    delay: float = 0.0,
    env: dict[str, str] | None = None,
    max_wait: float = 120.0,
) -> tuple[float, int | None]:
    """Start `cmd` and SIGKILL its whole process group `delay` seconds after `when()` first holds
    (or after `delay` alone). Returns (seconds from start to the kill, its exit code if it ended
    before the kill, else None)."""
    proc = subprocess.Popen(
        list(cmd),
        cwd=REPO,
        env=env or child_env(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    t0 = time.monotonic()
    try:
        while when is not None and not when() and proc.poll() is None and time.monotonic() - t0 < max_wait:
            time.sleep(0.01)
        end = time.monotonic() + delay
        while proc.poll() is None and time.monotonic() < end:
            time.sleep(0.005)
        finished = proc.poll()
        if finished is None:
            os.killpg(proc.pid, signal.SIGKILL)
        return time.monotonic() - t0, finished
    finally:
        proc.wait(30)


def temp_litter(folder: Path) -> list[Path]:
    """Hidden files and folders under `folder`, recursively: posekit writes none that stay, except a
    source package's `.complete` mark (and a Parquet journal, which the caller recovers first)."""
    return sorted(p for p in folder.rglob(".*") if p.name != ".complete" and not p.name.startswith(".nfs"))


def frame_poses(i: int, n: int = 2) -> Poses:
    """The synthetic poses the child writes as frame `i` (deterministic, so the parent can compare)."""
    rng = np.random.default_rng(i)
    kp = rng.uniform(0, 60, (n, 17, 2)).astype(np.float32)
    boxes = np.concatenate([kp.min(axis=1), kp.max(axis=1)], axis=1)
    return Poses(
        kp, rng.uniform(0, 1, (n, 17)).astype(np.float32), boxes, rng.uniform(0, 1, n), "coco17", LAYOUT_SIZE
    )


def assert_prefix(frames: list, *, first: int = 0) -> int:
    """`frames` (read back) are frames first, first+1, ... exactly as written; returns how many."""
    for j, fr in enumerate(frames):
        want = frame_poses(first + j)
        assert fr.index == first + j, f"frame {fr.index} where {first + j} was expected"
        np.testing.assert_array_equal(fr.poses.keypoints, want.keypoints)
        np.testing.assert_array_equal(fr.poses.scores, want.scores)
    return len(frames)


@contextlib.contextmanager
def small_filesystem(where: Path, size: str = "256k", *, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` (root only; the test is skipped elsewhere)."""
    import pytest

    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    opts = f"size={size}" + (",ro" if read_only else "")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


REAL_CACHE = Path.home() / ".cache" / "posekit"
MEDIAPIPE_SOURCES = REAL_CACHE / "sources" / "pip-mediapipe-0.10.21"


def stage_mediapipe_archive(dest: Path) -> Path:
    """A wheel-shaped zip of the two MediaPipe pose models, from the real cache: what a registry
    download would give, without the network (the files are checked against the pinned SHA-256)."""
    import zipfile

    import pytest

    if not (MEDIAPIPE_SOURCES / ".complete").exists():
        pytest.skip(f"the MediaPipe sources are not in {REAL_CACHE} (run `posekit models fetch` once)")
    archive = dest / "mediapipe-0.10.21-staged.whl"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for f in sorted(MEDIAPIPE_SOURCES.rglob("*.tflite")):
            zf.write(f, str(f.relative_to(MEDIAPIPE_SOURCES)))
    return archive


def offline_download(archive: Path) -> Callable[..., Path]:
    """A stand-in for posekit.zoo.fetch.download that copies the staged `archive`."""

    def download(package, dest: Path, timeout: float = 900) -> Path:
        return Path(shutil.copy(archive, dest / archive.name))

    return download
