"""A video job's optional analysis: `analyze=…` form fields, checked up front, run after tracking, served
from `GET /v1/jobs/{id}/analysis` (summary.json) and `GET /v1/jobs/{id}/report` (the HTML report).

The happy path uses the first 12 frames of a shared full-body clip (the astronaut photo shows her from the
waist up at low keypoint scores, so it would have no angles to check)."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from shared_data import needs_shared, shared_path

from .conftest import make_video

pytestmark = pytest.mark.models
PERSON = ("video", "mmhuman3d_single_person_1080x1920.mp4")  # one person, full body, 12 fps


def submit(client: TestClient, video: Path, query: str = "", **form: str) -> Any:
    files = {"file": ("clip.mp4", video.read_bytes(), "video/mp4")}
    return client.post("/v1/jobs" + query, files=files, data=form)


def wait(client: TestClient, job_id: str, timeout: float = 90) -> tuple[dict[str, Any], list[float]]:
    """The finished job and every progress value seen while polling."""
    deadline, progress = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        progress.append(job["progress"])
        if job["status"] not in ("queued", "running"):
            return job, progress
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} not finished after {timeout} s")


@needs_shared(*PERSON)
def test_job_with_analysis_serves_summary_and_report(
    client: TestClient, small_video: Path, tmp_path: Path
) -> None:
    video = shared_path(*PERSON)
    r = submit(
        client,
        video,
        "?max_frames=12&render=false",
        analyze="angles, reps,falls",
        ergonomics="REBA",
        exercise="squat",
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    assert r.json()["options"]["analysis"] == {
        "angles": True,
        "reps": "squat",
        "ergonomics": "reba",
        "gait": False,
        "falls": True,
        "activity": False,
    }
    job, progress = wait(client, job_id)
    assert job["status"] == "done" and job["frames"] == 12 and "warning" not in job, job.get("error")
    assert progress == sorted(progress) and progress[-1] == 1.0, progress

    summary = client.get(f"/v1/jobs/{job_id}/analysis")
    assert summary.status_code == 200 and summary.headers["content-type"] == "application/json"
    s = summary.json()
    assert len(s["tracks"]) == 1, s["tracks"]  # the one person, tracked through all 12 frames
    tid = str(s["tracks"][0])
    assert s["fps"] == pytest.approx(12.0)
    knee = s["angles"][tid]["2d"]["right knee"]
    assert knee["valid"] > 0.5 and -90 < knee["mean"] < 90, knee  # standing: the knee is not folded
    assert (
        s["repetitions"][tid]["exercise"] == "squat" and s["repetitions"][tid]["count"] == 0
    )  # 1 s: no squat
    erg = s["ergonomics"][tid]
    assert erg["method"] == "reba" and 1 <= erg["max_score"] <= 15 and erg["time_at_level_s"], erg
    assert s["falls"] == [] and "activity" not in s and "gait" not in s

    report = client.get(f"/v1/jobs/{job_id}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert report.headers["content-security-policy"] == "sandbox"
    assert report.text.lstrip().lower().startswith("<!doctype html") and "<svg" in report.text
    assert "data:image/jpeg;base64," in report.text  # key frames: the uploaded video's own frames

    folder = tmp_path / "data" / "jobs" / job_id
    assert not (folder / "work").exists()  # published: nothing left half way
    assert sorted(p.name for p in (folder / "analysis").iterdir()) == [
        "angles.csv",
        "ergonomics.csv",
        "repetitions.csv",
        "report.html",
        "summary.json",
    ]
    rows = list(csv.DictReader(io.StringIO((folder / "analysis" / "angles.csv").read_text())))
    assert len(rows) == 12 and rows[0]["track_id"] == tid

    # a job without analysis has none to serve, and says how to ask for one
    plain = submit(client, small_video).json()
    assert "analysis" not in plain["options"]
    assert wait(client, plain["id"])[0]["status"] == "done"
    for route in ("analysis", "report"):
        r = client.get(f"/v1/jobs/{plain['id']}/{route}")
        assert r.status_code == 404 and "without analysis" in r.json()["error"], r.text


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"analyze": "angles,dance"}, "analyze: unknown analysis 'dance'"),
        ({"analyze": "ergonomics"}, "ergonomics: say which method"),
        ({"ergonomics": "owas"}, "ergonomics: expected reba or rula"),
        ({"analyze": "reps", "exercise": "yoga"}, "exercise: unknown exercise 'yoga'"),
    ],
)
def test_bad_analysis_options_are_refused_before_any_job(
    client: TestClient, small_video: Path, tmp_path: Path, form: dict[str, str], words: str
) -> None:
    r = submit(client, small_video, **form)
    assert r.status_code == 400 and words in r.json()["error"], r.text
    assert not any((tmp_path / "data" / "jobs").iterdir()), "no job was created"


def test_analysis_routes_errors(client: TestClient, small_video: Path) -> None:
    for bad in ("0" * 32, "nope", "..%2F..%2Fjobs.sqlite3"):
        for route in ("analysis", "report"):
            r = client.get(f"/v1/jobs/{bad}/{route}")
            assert r.status_code == 404 and "error" in r.json(), (bad, r.text)
            assert bad.startswith(".") or "no job" in r.json()["error"]  # a path trick matches no route
    job_id = submit(client, small_video, analyze="angles").json()["id"]
    assert client.delete(f"/v1/jobs/{job_id}").json()["status"] == "cancelled"
    for route in ("analysis", "report"):
        r = client.get(f"/v1/jobs/{job_id}/{route}")
        assert r.status_code == 409 and "not done" in r.json()["error"], r.text
    assert client.get(f"/v1/jobs/{job_id}/report", headers={"X-API-Key": "wrong"}).status_code == 401


def test_waist_up_person_gets_a_report_without_posture_scores(
    client: TestClient, astronaut: np.ndarray, tmp_path: Path
) -> None:
    # the astronaut shows no hips or knees: REBA has no frame to score, and the job still gives a report
    clip = make_video(tmp_path / "waist-up.mp4", np.ascontiguousarray(astronaut[::2, ::2]), frames=12)
    job, _ = wait(client, submit(client, clip, "?render=false", ergonomics="reba").json()["id"])
    assert job["status"] == "done" and "warning" not in job, job
    s = client.get(f"/v1/jobs/{job['id']}/analysis").json()
    assert len(s["tracks"]) == 1 and s["ergonomics"][str(s["tracks"][0])]["max_score"] is None, s
    assert "no frame showed the body parts" in client.get(f"/v1/jobs/{job['id']}/report").text


def test_a_failed_analysis_keeps_the_tracking_results(
    client: TestClient, small_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("analysis broke")

    monkeypatch.setattr("posekit.serve.engine.run_analysis", broken)
    job, progress = wait(client, submit(client, small_video, analyze="falls").json()["id"])
    assert job["status"] == "done" and job["warning"] == "analysis failed: RuntimeError: analysis broke", job
    assert progress == sorted(progress)
    assert len(client.get(f"/v1/jobs/{job['id']}/results").text.splitlines()) == 6
    r = client.get(f"/v1/jobs/{job['id']}/analysis")
    assert r.status_code == 404 and "analysis broke" in r.json()["error"], r.text
