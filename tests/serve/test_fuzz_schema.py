"""Schema fuzz of the OpenAPI spec with schemathesis against a real server on 127.0.0.1: every operation,
valid and invalid inputs, with and without the API key. Zero 5xx; every 4xx is a one-line JSON error.

CI runs a few examples per operation; the longer campaign is the same test with POSEKIT_FUZZ_EXAMPLES=200
(and POSEKIT_FUZZ_LOG=file.jsonl to count the requests and statuses), see docs/reliability/service.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip(
    "schemathesis", reason="schema fuzz needs schemathesis: pip install posekit[test]"
)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from posekit.serve.app import create_app  # noqa: E402
from posekit.serve.engine import ModelPool, ServeConfig  # noqa: E402

from .conftest import KEY, config, serving  # noqa: E402

pytestmark = pytest.mark.models

EXAMPLES = int(os.environ.get("POSEKIT_FUZZ_EXAMPLES", "6"))  # per operation and mode
LIMITS: dict[str, Any] = dict(
    max_image_bytes=300_000, max_video_bytes=2_000_000, max_pixels=4_000_000, max_frame_bytes=300_000
)

# The spec does not depend on the models or the data folder: build it once, without starting the app.
SCHEMA = schemathesis.openapi.from_dict(create_app(ServeConfig(data_dir=Path("unused"))).openapi())
OPERATIONS = [op.ok() for op in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pool: ModelPool) -> Iterator[str]:
    with serving(config(tmp_path_factory.mktemp("fuzz"), **LIMITS), pool) as url:
        yield url


@pytest.fixture(scope="module")
def done_job(server: str, small_video: Path) -> str:
    """A finished job (rendered, no analysis), so the job routes are fuzzed past their 404."""
    import httpx

    headers = {"X-API-Key": KEY}
    with httpx.Client(base_url=server, headers=headers, timeout=60) as c:
        r = c.post("/v1/jobs", files={"file": ("clip.mp4", small_video.read_bytes(), "video/mp4")})
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        deadline = time.monotonic() + 120
        while (status := c.get(f"/v1/jobs/{job_id}").json()["status"]) in ("queued", "running"):
            assert time.monotonic() < deadline, "job did not finish"
            time.sleep(0.1)
        assert status == "done"
    return str(job_id)


def check_response(status: int, headers: Any, text: str) -> None:
    """No 5xx; a client error says what is wrong as `{"error": "one line"}`."""
    assert status < 500, (status, text[:500])
    if status >= 400:
        ctype = headers.get("content-type")
        ctype = ctype[0] if isinstance(ctype, list) else ctype
        assert ctype and ctype.startswith("application/json"), (status, ctype, text[:200])
        import json

        error = json.loads(text)["error"]
        assert isinstance(error, str) and error and "\n" not in error, (status, text[:200])
        assert "Traceback" not in error


def test_spec_covers_every_route() -> None:
    paths = {op.path for op in OPERATIONS}
    assert {"/v1/pose", "/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/results", "/healthz"} <= paths


@pytest.mark.parametrize("with_key", [True, False], ids=["key", "nokey"])
@pytest.mark.parametrize("op", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS])
def test_schema_fuzz_no_server_errors(server: str, done_job: str, op: Any, with_key: bool) -> None:
    strategy = op.as_strategy(generation_mode=GenerationMode.POSITIVE) | op.as_strategy(
        generation_mode=GenerationMode.NEGATIVE
    )
    headers = {"X-API-Key": KEY} if with_key else {}
    statuses: list[int] = []

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        if "{job_id}" in op.path and op.method != "delete" and len(statuses) % 2:
            case.path_parameters = {
                **(case.path_parameters or {}),
                "job_id": done_job,
            }  # a real job, half the time
        r = case.call(base_url=server, headers=headers, timeout=60)
        statuses.append(r.status_code)
        check_response(r.status_code, r.headers, r.content.decode("utf-8", "replace"))
        if not with_key and op.path.startswith("/v1/"):
            assert r.status_code == 401, r.status_code

    run()
    assert statuses  # the strategy produced requests
    log_statuses(f"{op.method.upper()} {op.path} {'key' if with_key else 'nokey'}", statuses)


def log_statuses(name: str, statuses: list[int]) -> None:
    """With POSEKIT_FUZZ_LOG set, append how many requests got each status (the docs' counts)."""
    path = os.environ.get("POSEKIT_FUZZ_LOG")
    if path:
        import json
        from collections import Counter

        with open(path, "a", encoding="utf-8") as f:
            f.write(
                json.dumps({"test": name, "statuses": dict(Counter(statuses))}) + "\n"
            )  # the strategy produced requests
