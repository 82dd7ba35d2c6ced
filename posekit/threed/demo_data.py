"""Pose2Sim's demo data, fetched from the package registry into the cache for tests and benchmarks.

Pose2Sim's wheels ship its demo trials (OpenPose JSON, calibration, videos, checkerboard images, and
Pose2Sim's own TRC results). We download a pinned wheel with `pip download --no-deps`, check its
SHA-256 and unpack it under ~/.cache/posekit/thirdparty/. Nothing is copied into the repository.
Pose2Sim is BSD-3-Clause; its demo is used here for testing only.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from posekit.errors import InputError

#: Wheels we test against, with the SHA-256 we recorded when first fetching them.
POSE2SIM_WHEELS: dict[str, str] = {
    "0.4.15": "9325774a2789355229acb5753ff468e8f9dd57bd2e396a192a5e2a0c1d10008c",
    "0.10.49": "403e0dc4065898ba6a595e72a8970950310979253d60e24c2e00b16b36bf21e1",
}


def thirdparty_dir() -> Path:
    root = Path(os.environ.get("POSEKIT_CACHE", Path.home() / ".cache" / "posekit"))
    return root / "thirdparty"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pose2sim_demo(version: str) -> Path:
    """Folder holding the unpacked `Pose2Sim/` package of pose2sim==`version` (download on first use).

    Raises InputError when the wheel cannot be downloaded or its SHA-256 differs from the record.
    """
    if version not in POSE2SIM_WHEELS:
        raise InputError(f"pose2sim=={version}: no recorded SHA-256; known: {', '.join(POSE2SIM_WHEELS)}")
    cache = thirdparty_dir()
    out = cache / f"pose2sim-{version}-unpacked"  # our own folder: other tools may unpack the wheel too
    if (out / ".complete").exists():
        return out
    wheel = cache / f"pose2sim-{version}-py3-none-any.whl"
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--timeout",
            "20",
            "--retries",
            "1",
            f"pose2sim=={version}",
            "-d",
            str(cache),
        ]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0 or not wheel.exists():
            tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["no output"]
            raise InputError(f"pose2sim=={version}: download failed ({tail[0]})")
    digest = _sha256(wheel)
    if digest != POSE2SIM_WHEELS[version]:
        raise InputError(f"{wheel}: SHA-256 {digest} differs from the recorded {POSE2SIM_WHEELS[version]}")
    # Unpack into a private folder, then rename: concurrent test runs never see a half-written demo.
    import shutil
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=f".pose2sim-{version}-", dir=cache))
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp, [m for m in z.namelist() if m.startswith("Pose2Sim/")])
    (tmp / ".complete").write_text(digest + "\n")
    if out.exists() and not (out / ".complete").exists():
        shutil.rmtree(out, ignore_errors=True)  # our own folder, left unfinished by an interrupted run
    try:
        tmp.rename(out)
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
    return out
