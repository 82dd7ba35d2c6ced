"""API-key bypass attempts on every `/v1` route, keys only where documented, constant-time comparison, and
requests without the key refused before their body is read."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from posekit.serve import auth

from .conftest import KEY

pytestmark = pytest.mark.models

JOB = "0" * 32


def v1_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI spec under /v1, with a well-formed job id."""
    spec = client.get("/openapi.json").json()
    return [
        (method.upper(), path.replace("{job_id}", JOB))
        for path, ops in spec["paths"].items()
        if path.startswith("/v1/")
        for method in ops
    ]


BAD_HEADERS: list[dict[str, Any]] = [
    {},
    {"X-API-Key": ""},
    {"X-API-Key": "wrong"},
    {"X-API-Key": KEY.upper()},  # keys are case-sensitive
    {"X-API-Key": KEY[:-1]},  # a prefix
    {"X-API-Key": KEY + "4"},
    {"X-API-Key": KEY[::-1]},
    {"X-API-Key": ("é" + KEY).encode("latin-1")},  # a byte that is not ASCII
    {"X-API-Key": b"\xff\xfe"},
    {"X-API-Keys": KEY},  # another header name
    {"Api-Key": KEY},
    {"Authorization": KEY},  # no scheme
    {"Authorization": f"Basic {KEY}"},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Bearer{KEY}"},
    {"Authorization": f"Token {KEY}"},
    {"Cookie": f"X-API-Key={KEY}; api_key={KEY}"},
]
GOOD_HEADERS: list[dict[str, str]] = [
    {"X-API-Key": KEY},
    {"x-api-key": KEY},  # HTTP header names are case-insensitive
    {"Authorization": f"Bearer {KEY}"},
    {"Authorization": f"bearer {KEY}"},  # so is the auth scheme
]


@pytest.fixture
def bare(client: TestClient) -> Iterator[TestClient]:
    with TestClient(client.app) as c:  # no default key header
        yield c


def test_every_v1_route_refuses_bad_keys(bare: TestClient) -> None:
    routes = v1_routes(bare)
    assert len(routes) >= 8
    for method, path in routes:
        for headers in BAD_HEADERS:
            r = bare.request(method, path, headers=headers)
            assert r.status_code == 401, (method, path, headers, r.status_code, r.text[:200])
            assert "API key" in r.json()["error"] and r.headers["www-authenticate"] == "Bearer"
        for query in ("api_key", "X-API-Key", "key", "token", "access_token"):  # not a documented place
            r = bare.request(method, f"{path}?{query}={KEY}")
            assert r.status_code == 401, (method, path, query)
        for headers in GOOD_HEADERS:
            r = bare.request(method, path, headers=headers)
            assert r.status_code != 401, (method, path, headers, r.text[:200])


def test_open_routes_need_no_key(bare: TestClient) -> None:
    for path in ("/healthz", "/", "/layouts/coco17", "/openapi.json", "/docs"):
        assert bare.get(path).status_code == 200, path


def test_keys_are_compared_in_constant_time(bare: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every check goes through hmac.compare_digest (no early exit on the first differing byte)."""
    calls: list[tuple[bytes, bytes]] = []
    real = auth.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    for headers in ({"X-API-Key": "x"}, {"X-API-Key": KEY[:-1] + "x"}, {"X-API-Key": KEY}):
        bare.get(f"/v1/jobs/{JOB}", headers=headers)
    assert len(calls) >= 3 and all(a == KEY.encode() for a, _ in calls)
    assert auth.key_matches(KEY, KEY) and not auth.key_matches(KEY, None) and not auth.key_matches(KEY, "")
    assert auth.key_matches(
        None, None
    )  # a server without a key is open by choice (the default binds 127.0.0.1)


def counted_body(chunks: int, seen: list[int], size: int = 65536) -> Iterator[bytes]:
    yield b'--zz\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n'
    yield b"Content-Type: video/mp4\r\n\r\n"
    for _ in range(chunks):
        seen[0] += 1
        yield b"\0" * size


@pytest.mark.parametrize("route", ["/v1/jobs", "/v1/pose"])
def test_no_key_is_refused_before_the_body_is_read(bare: TestClient, route: str) -> None:
    """Without the key, nothing of an upload is parsed or spooled to disk: 401 at once."""
    seen = [0]
    r = bare.post(
        route,
        content=counted_body(25, seen),  # 1.6 MB: under the fixture's video limit
        headers={"Content-Type": "multipart/form-data; boundary=zz", "X-API-Key": "wrong"},
    )
    assert r.status_code == 401, r.text
    assert seen[0] <= 1, f"{seen[0]} chunks of the body were read before the key was checked"
