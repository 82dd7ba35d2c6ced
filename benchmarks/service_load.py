"""Load and restart figures of `posekit serve` (docs/service.md), on the loopback interface only.

    python benchmarks/service_load.py [--model fast] [--per-client 3] [--image PATH]

1. Starts `posekit serve` as a subprocess on a free 127.0.0.1 port.
2. For 1, 8 and 32 concurrent clients, each sends `--per-client` `POST /v1/pose` requests (bounded count,
   and `--level-timeout` seconds per level): requests/s, p50/p95/p99 latency, errors, and the server's
   resident memory before and after.
3. Restart: submits a video job, kills the server with SIGKILL while the job runs, starts it again and
   times until the job is done; checks every frame is in the results exactly once.

Clients run in this process (threads), so they share the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
KEY = "bench-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of `pid` in MiB, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


class Server:
    def __init__(self, data_dir: Path, model: str, log: Path) -> None:
        self.port = free_port()
        self.log = open(log, "ab")
        t0 = time.perf_counter()
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
                model,
            ],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.url, headers={"X-API-Key": KEY}, timeout=120)
        while True:
            try:
                if self.http.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.perf_counter() - t0 > 120:
                raise SystemExit(f"server did not start: see {log}")
            time.sleep(0.1)
        self.start_s = time.perf_counter() - t0

    def stop(self, kill: bool = False) -> None:
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.proc.wait(30)
        self.http.close()
        self.log.close()


def load_level(url: str, image: bytes, clients: int, per_client: int, timeout: float) -> dict[str, float]:
    deadline = time.perf_counter() + timeout

    def client(_: int) -> tuple[list[float], int]:
        lat, errors = [], 0
        with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=max(1.0, timeout)) as c:
            for _ in range(per_client):
                if time.perf_counter() > deadline:
                    break
                t = time.perf_counter()
                try:
                    r = c.post("/v1/pose", files={"file": ("bench.jpg", image, "image/jpeg")})
                    ok = r.status_code == 200 and "people" in r.json()
                except httpx.HTTPError:
                    ok = False
                lat.append(time.perf_counter() - t)
                errors += not ok
        return lat, errors

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as ex:
        results = list(ex.map(client, range(clients)))
    wall = time.perf_counter() - t0
    lat = np.array([x for r in results for x in r[0]]) * 1000
    return {
        "requests": len(lat),
        "errors": sum(r[1] for r in results),
        "rps": len(lat) / wall,
        "p50": float(np.percentile(lat, 50)),
        "p95": float(np.percentile(lat, 95)),
        "p99": float(np.percentile(lat, 99)),
        "wall": wall,
    }


def live(url: str, image: bytes, seconds: float, pid: int) -> None:
    """A client that sends frames as fast as the socket takes them: the server answers the newest and
    drops the rest, so replies/s is the model's rate and memory stays flat."""
    from websockets.sync.client import connect

    before, _ = rss_mb(pid)
    sent = replies = dropped = 0
    lat: list[float] = []
    with connect(url.replace("http", "ws") + "/v1/live", additional_headers={"X-API-Key": KEY}) as ws:
        ws.recv(timeout=30)  # ready
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            ws.send(image)
            sent += 1
            t_sent = time.perf_counter()
            try:  # collect whatever answers are ready without waiting for them
                while True:
                    msg = json.loads(ws.recv(timeout=0.02))
                    if msg["type"] == "poses":
                        replies, dropped = replies + 1, msg["dropped"]
                        if msg["seq"] == sent:
                            lat.append(time.perf_counter() - t_sent)
            except TimeoutError:
                pass
        wall = time.perf_counter() - t0
    after, _ = rss_mb(pid)
    print(
        f"\nlive WebSocket, one client sending as fast as it can for {wall:.0f} s: {sent} frames sent, "
        f"{replies} answered ({replies / wall:.2f}/s), {dropped} dropped as stale; "
        f"server RSS {before:.0f} → {after:.0f} MiB"
    )


def make_video(path: Path, image: np.ndarray, frames: int) -> None:
    from posekit.io.video_writer import VideoWriter

    h, w = image.shape[:2]
    with VideoWriter(path, 10.0, (w, h)) as vw:
        for i in range(frames):
            vw.write(np.roll(image, 2 * i, axis=1))


def restart(tmp: Path, model: str, photo: np.ndarray, frames: int) -> None:
    video = tmp / "clip.mp4"
    make_video(video, np.ascontiguousarray(photo[::2, ::2]), frames)
    data = tmp / "restart-data"
    s = Server(data, model, tmp / "restart.log")
    r = s.http.post("/v1/jobs", files={"file": ("clip.mp4", video.read_bytes(), "video/mp4")})
    job_id = r.json()["id"]
    while (j := s.http.get(f"/v1/jobs/{job_id}").json())["frames"] < frames // 3:
        time.sleep(0.05)
    print(f"\nrestart: killing the server (SIGKILL) at frame {j['frames']}/{frames} of a job ({j['status']})")
    s.stop(kill=True)
    t0 = time.perf_counter()
    s = Server(data, model, tmp / "restart.log")
    while (j := s.http.get(f"/v1/jobs/{job_id}").json())["status"] in ("queued", "running"):
        time.sleep(0.1)
    took = time.perf_counter() - t0
    lines = s.http.get(f"/v1/jobs/{job_id}/results").text.splitlines() if j["status"] == "done" else []
    frames_seen = sorted(json.loads(line)["frame"] for line in lines)
    s.stop()
    ok = j["status"] == "done" and frames_seen == list(range(frames))
    print(
        f"restart: server up again in {s.start_s:.1f} s; job {j['status']} (attempt {j['attempts']}) "
        f"{took:.1f} s after the restart; results {len(lines)} frames, each once: {ok}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="fast")
    ap.add_argument("--per-client", type=int, default=3, help="requests each client sends")
    ap.add_argument("--levels", default="1,8,32,32", help="32 twice: memory levels off rather than grows")
    ap.add_argument("--level-timeout", type=float, default=180, help="seconds per level at most")
    ap.add_argument(
        "--image", default=None, help="image to send (default: scikit-image's astronaut, 512x512)"
    )
    ap.add_argument("--restart-frames", type=int, default=30)
    ap.add_argument("--live-seconds", type=float, default=10)
    args = ap.parse_args()
    from skimage import data as skdata

    photo = skdata.astronaut()
    if args.image:
        image = Path(args.image).read_bytes()
    else:
        buf = io.BytesIO()
        Image.fromarray(photo).save(buf, "JPEG", quality=90)
        image = buf.getvalue()
    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        s = Server(tmp / "data", args.model, tmp / "server.log")
        print(
            f"posekit serve --model {args.model}: up in {s.start_s:.1f} s; {os.cpu_count()} CPU cores; "
            f"image {len(image) // 1024} KiB"
        )
        warm = load_level(s.url, image, 1, 2, 60)  # first requests pay one-off costs
        print(f"warm-up: {warm['requests']} requests")
        print(
            "| clients | requests | errors | requests/s | p50 ms | p95 ms | p99 ms | server RSS before → after (peak) MiB |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for c in (int(x) for x in args.levels.split(",")):
            before, _ = rss_mb(s.proc.pid)
            r = load_level(s.url, image, c, args.per_client, args.level_timeout)
            after, peak = rss_mb(s.proc.pid)
            print(
                f"| {c} | {r['requests']} | {r['errors']} | {r['rps']:.2f} | {r['p50']:.0f} | {r['p95']:.0f} | "
                f"{r['p99']:.0f} | {before:.0f} → {after:.0f} ({peak:.0f}) |",
                flush=True,
            )
        live(s.url, image, args.live_seconds, s.proc.pid)
        assert s.http.get("/healthz").status_code == 200
        s.stop()
        restart(tmp, args.model, photo, args.restart_frames)
    return 0


if __name__ == "__main__":
    sys.exit(main())
