"""Video jobs through the REST API, and the SQLite store that survives restarts."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from posekit.serve.jobs import JobStore

pytestmark = pytest.mark.models


def submit(
    client: TestClient, data: bytes, *, name: str = "clip.mp4", ctype: str = "video/mp4", query: str = ""
):
    return client.post("/v1/jobs" + query, files={"file": (name, data, ctype)})


def wait(client: TestClient, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        seen.add(job["status"])
        if job["status"] not in ("queued", "running"):
            job["seen"] = seen
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not finished after {timeout} s: {job}")


def test_job_runs_and_serves_results_and_video(client: TestClient, small_video: Path, tmp_path: Path) -> None:
    r = submit(client, small_video.read_bytes(), name="../../../evil/../clip.mp4")
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    assert r.json()["status"] == "queued" and r.json()["filename"] == "clip.mp4"
    early = client.get(f"/v1/jobs/{job_id}/results")
    assert early.status_code in (200, 409)  # 409 while it runs (a fast machine may already be done)
    job = wait(client, job_id)
    assert job["status"] == "done" and job["progress"] == 1.0 and job["frames"] == 6, job

    lines = client.get(f"/v1/jobs/{job_id}/results").text.splitlines()
    assert len(lines) == 6 and json.loads(lines[0])["frame"] == 0
    assert all(json.loads(line)["people"] for line in lines), "the astronaut is in every frame"
    pq = client.get(f"/v1/jobs/{job_id}/results", headers={"Accept": "application/vnd.apache.parquet"})
    assert pq.status_code == 200 and pq.content[:4] == b"PAR1"
    assert client.get(f"/v1/jobs/{job_id}/results?format=parquet").content == pq.content
    mp4 = client.get(f"/v1/jobs/{job_id}/render")
    assert mp4.status_code == 200 and mp4.headers["content-type"] == "video/mp4"
    out = tmp_path / "render.mp4"
    out.write_bytes(mp4.content)
    from posekit.io.video import open_source

    with open_source(out) as src:
        assert sum(1 for _ in src) == 6 and src.size == (256, 256)

    # the client's file name never became a path: only the job's own files exist under the data dir
    data = tmp_path / "data"
    files = sorted(str(p.relative_to(data)) for p in data.rglob("*") if p.is_file())
    assert [f for f in files if not f.startswith("jobs.sqlite3")] == [
        f"jobs/{job_id}/{n}" for n in ("input.bin", "render.mp4", "results.jsonl", "results.parquet")
    ]

    assert client.delete(f"/v1/jobs/{job_id}").json()["status"] == "cancelled"
    assert client.get(f"/v1/jobs/{job_id}/render").status_code == 409
    assert not (data / "jobs" / job_id).exists()


def test_bad_videos_and_job_ids_get_clear_4xx(
    client: TestClient, small_video: Path, astronaut_jpeg: bytes
) -> None:
    video = small_video.read_bytes()
    cases = [
        (b"not a video at all" * 10, "x.mp4", "video/mp4", 400, "not a video"),
        (video[: len(video) // 3], "cut.mp4", "video/mp4", 400, "cut.mp4"),
        (b"", "empty.mp4", "video/mp4", 400, "empty"),
        (video, "clip.mp4", "text/html", 415, "content type"),
        (b"\0" * 2_100_000, "huge.mp4", "video/mp4", 413, "limit"),
        (astronaut_jpeg, "photo.jpg", "video/mp4", 400, "photo.jpg"),
    ]
    for data, name, ctype, status, words in cases:
        r = submit(client, data, name=name, ctype=ctype)
        assert r.status_code == status, (name, r.text)
        assert words in r.json()["error"], (name, r.json())
    assert submit(client, video, query="?smooth=bogus").status_code == 422
    assert submit(client, video, query="?model=nope").status_code == 400
    for bad in ("0" * 32, "nope", "..%2F..%2Fjobs.sqlite3", "%2e%2e"):
        for suffix in ("", "/results", "/render"):
            r = client.get(f"/v1/jobs/{bad}{suffix}")
            assert r.status_code == 404 and "error" in r.json(), (bad, suffix, r.text)
        assert client.delete(f"/v1/jobs/{bad}").status_code == 404
    assert client.get("/healthz").status_code == 200


def test_delete_cancels_a_queued_job(client: TestClient, small_video: Path) -> None:
    ids = [submit(client, small_video.read_bytes()).json()["id"] for _ in range(3)]
    cancelled = client.delete(f"/v1/jobs/{ids[-1]}").json()  # one worker: the last is still queued
    assert cancelled["status"] == "cancelled"
    for job_id in ids[:-1]:
        assert wait(client, job_id)["status"] == "done"
    assert client.get(f"/v1/jobs/{ids[-1]}").json()["status"] == "cancelled"


def test_store_requeues_running_jobs_after_a_crash(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    jobs = [store.create(lambda p: p.write_bytes(b"x"), f"v{i}.mp4", {"max_frames": i}) for i in range(3)]
    store.update(jobs[0].id, status="running", progress=0.5)
    store.update(jobs[1].id, status="done", progress=1.0)
    store.close()  # the server dies here (no cleanup ran)

    again = JobStore(tmp_path)
    assert again.requeue_interrupted() == [jobs[0].id, jobs[2].id]  # oldest first
    j0 = again.get(jobs[0].id)
    assert j0 is not None and j0.status == "queued" and j0.progress == 0 and j0.options == {"max_frames": 0}
    done = again.get(jobs[1].id)
    assert done is not None and done.status == "done"
    assert again.get("../" + jobs[0].id) is None and again.get("x") is None


def test_a_job_that_cannot_run_fails_with_its_reason(
    client: TestClient, small_video: Path, tmp_path: Path
) -> None:
    r = submit(client, small_video.read_bytes(), query="?layout=blazepose33")  # 17 keypoints cannot make 33
    job = wait(client, r.json()["id"])
    assert (
        job["status"] == "failed" and "blazepose33" in job["error"] and not job["error"].startswith("Layout")
    )
    assert client.get(f"/v1/jobs/{job['id']}/results").status_code == 409
    assert not (tmp_path / "data" / "jobs" / job["id"] / "work").exists()
    assert submit(client, small_video.read_bytes(), query="?layout=nope").status_code == 400
