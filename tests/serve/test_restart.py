"""`posekit serve` as a real process: killed with SIGKILL in the middle of a job, started again, the job
is re-queued and completes; a finished and a queued job are not lost either."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from .conftest import KEY, MODEL, free_port, make_video

pytestmark = pytest.mark.models
REPO = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.log = open(log, "ab")  # noqa: SIM115  (open while the server runs; closed in stop())
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "posekit.cli.main",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(data_dir),
                "--api-key",
                KEY,
                "--model",
                MODEL,
                "--threads",
                "1",
            ],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=self.url, headers={"X-API-Key": KEY}, timeout=30)
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.http.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"server did not start; see {log}: {log.read_text()[-2000:]}")
            time.sleep(0.2)

    def job(self, job_id: str) -> dict[str, Any]:
        return self.http.get(f"/v1/jobs/{job_id}").json()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.http.close()
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.http.close()
        self.log.close()


def test_sigkill_mid_job_then_restart_loses_nothing(tmp_path: Path, astronaut: np.ndarray) -> None:
    data = tmp_path / "data"
    short = make_video(tmp_path / "short.mp4", np.ascontiguousarray(astronaut[::2, ::2]), frames=3)
    long = make_video(tmp_path / "long.mp4", np.ascontiguousarray(astronaut[::2, ::2]), frames=30)
    server = Server(data, tmp_path / "server.log")
    try:

        def submit(path: Path, **form: str) -> str:
            files = {"file": (path.name, path.read_bytes(), "video/mp4")}
            r = server.http.post("/v1/jobs", files=files, data=form)
            assert r.status_code == 202, r.text
            return str(r.json()["id"])

        first = submit(short)
        deadline = time.monotonic() + 60
        while server.job(first)["status"] != "done":
            assert time.monotonic() < deadline, server.job(first)
            time.sleep(0.1)
        killed, queued = submit(long, analyze="angles,falls"), submit(short)
        while not (server.job(killed)["status"] == "running" and server.job(killed)["frames"] >= 2):
            assert time.monotonic() < deadline + 60, server.job(killed)
            time.sleep(0.05)
    except BaseException:
        server.stop()
        raise
    server.kill()  # mid-job, no clean-up of any kind

    server = Server(data, tmp_path / "server.log")
    try:
        assert server.job(first)["status"] == "done"
        deadline = time.monotonic() + 120
        while server.job(queued)["status"] != "done" or server.job(killed)["status"] != "done":
            assert server.job(killed)["status"] in ("queued", "running", "done"), server.job(killed)
            assert time.monotonic() < deadline, (server.job(killed), server.job(queued))
            time.sleep(0.2)
        job = server.job(killed)
        assert job["frames"] == 30 and job["progress"] == 1.0 and job["attempts"] == 2
        lines = server.http.get(f"/v1/jobs/{killed}/results").text.splitlines()
        assert len(lines) == 30  # the interrupted attempt left nothing behind: each frame once
        assert server.http.get(f"/v1/jobs/{killed}/render").status_code == 200
        summary = server.http.get(f"/v1/jobs/{killed}/analysis").json()  # analysed once, after the restart
        assert summary["tracks"] and "angles" in summary and summary["falls"] == []
        assert len(server.http.get(f"/v1/jobs/{first}/results").text.splitlines()) == 3
        assert not (data / "jobs" / killed / "work").exists()
    finally:
        server.stop()
