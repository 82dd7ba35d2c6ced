"""REST routes in-process: poses of an image, API keys, and bad input answered with 4xx JSON."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from posekit.results import Poses
from posekit.serve.engine import ModelPool

from .conftest import KEY, MODEL, jpeg

pytestmark = pytest.mark.models


def post_image(
    client: TestClient,
    data: bytes,
    *,
    name: str = "a.jpg",
    ctype: str = "image/jpeg",
    query: str = "",
    **kw: object,
):
    return client.post("/v1/pose" + query, files={"file": (name, data, ctype)}, **kw)  # type: ignore[arg-type]


def assert_still_serving(client: TestClient, good: bytes) -> None:
    assert client.get("/healthz").status_code == 200
    assert post_image(client, good).status_code == 200


def test_healthz_needs_no_key_and_lists_models(client: TestClient) -> None:
    r = client.get("/healthz", headers={"X-API-Key": ""})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["models"] == [MODEL] and body["version"]


def test_pose_returns_the_same_json_as_poses_to_json(
    client: TestClient, pool: ModelPool, astronaut_jpeg: bytes
) -> None:
    r = post_image(client, astronaut_jpeg)
    assert r.status_code == 200, r.text
    got = Poses.from_json(r.text)
    from posekit.io.images import decode_image

    want = pool.estimate(decode_image(astronaut_jpeg), MODEL)
    assert set(r.json()) == {"layout", "image_size", "people"}
    assert got.layout.name == want.layout.name and got.image_size == (512, 512)
    assert len(got) == len(want) >= 1
    np.testing.assert_allclose(got.keypoints, want.keypoints, atol=1e-3)
    # the astronaut's head is in the upper middle of the photo
    nose = got.keypoints[int(np.argmax(got.person_scores)), 0]
    assert 150 < nose[0] < 300 and 50 < nose[1] < 200


def test_pose_thresholds_and_options(client: TestClient, astronaut_jpeg: bytes) -> None:
    assert post_image(client, astronaut_jpeg, query="?min_score=1").json()["people"] == []
    r = post_image(client, astronaut_jpeg, query="?layout=coco17")
    assert r.status_code == 200 and r.json()["layout"] == "coco17"
    r = post_image(client, astronaut_jpeg, query="?layout=blazepose33")  # 17 points cannot make 33
    assert r.status_code == 400 and "blazepose33" in r.json()["error"]
    r = post_image(client, astronaut_jpeg, query="?model=nonexistent")
    assert r.status_code == 400 and "not served" in r.json()["error"]
    r = post_image(client, astronaut_jpeg, query="?min_score=2")
    assert r.status_code == 422 and "min_score" in r.json()["error"]


@pytest.mark.parametrize(
    "headers", [{}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY + "x"}, {"Authorization": "Bearer no"}]
)
def test_v1_routes_need_the_key(client: TestClient, astronaut_jpeg: bytes, headers: dict[str, str]) -> None:
    c = TestClient(client.app)  # no default key header
    with c:
        r = post_image(c, astronaut_jpeg, headers=headers)
        assert r.status_code == 401 and "API key" in r.json()["error"]
        assert c.get("/v1/jobs/" + "0" * 32, headers=headers).status_code == 401
        assert c.get("/healthz").status_code == 200
        assert post_image(c, astronaut_jpeg, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def bomb_png(side: int = 12_000) -> bytes:
    """A 144 MP black PNG: a few kilobytes that would decode to 144 MB (432 MB as RGB)."""
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def test_bad_images_get_clear_4xx_and_the_server_keeps_serving(
    client: TestClient, astronaut_jpeg: bytes, astronaut: np.ndarray
) -> None:
    big = jpeg(np.random.default_rng(0).integers(0, 255, (700, 700, 3), dtype=np.uint8), quality=100)
    assert len(big) > 300_000
    bomb = bomb_png()
    assert len(bomb) < 300_000
    cases = [
        (big, "big.jpg", "image/jpeg", 413, "limit"),
        (astronaut_jpeg, "a.txt", "text/plain", 415, "content type"),
        (astronaut_jpeg[: len(astronaut_jpeg) // 2], "cut.jpg", "image/jpeg", 400, "truncated"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "bad.png", "image/png", 400, "bad.png"),
        (b"hello world, not an image", "x.jpg", "image/jpeg", 400, "not an image"),
        (b"", "empty.jpg", "image/jpeg", 400, "empty"),
        (bomb, "bomb.png", "image/png", 413, "MP limit"),
        (astronaut_jpeg, "../../../etc/passwd", "image/jpeg", 200, ""),
    ]
    for data, name, ctype, status, words in cases:
        r = post_image(client, data, name=name, ctype=ctype)
        assert r.status_code == status, (name, r.text)
        assert r.headers["content-type"] == "application/json"
        if status != 200:
            assert words in r.json()["error"], (name, r.json())
    r = client.post("/v1/pose", data={"notfile": "x"})
    assert r.status_code == 422 and "file" in r.json()["error"]
    r = client.post(
        "/v1/pose", content=b"x" * 10, headers={"Content-Type": "multipart/form-data; boundary=zz"}
    )
    assert 400 <= r.status_code < 500
    assert_still_serving(client, astronaut_jpeg)


def test_body_over_the_limit_is_refused_before_it_is_read(client: TestClient, astronaut_jpeg: bytes) -> None:
    def endless():  # no Content-Length: the limit applies to the bytes as they stream in
        yield b'--zz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        yield b"Content-Type: image/jpeg\r\n\r\n"
        for _ in range(100):
            yield b"\0" * 65536

    r = client.post(
        "/v1/pose", content=endless(), headers={"Content-Type": "multipart/form-data; boundary=zz"}
    )
    assert r.status_code == 413 and "limit" in r.json()["error"]
    r = client.post("/v1/pose", content=b"", headers={"Content-Length": "999999999999"})
    assert r.status_code == 413
    assert_still_serving(client, astronaut_jpeg)


def test_docs_and_page_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/pose", "/v1/jobs", "/v1/jobs/{job_id}", "/healthz"} <= set(spec["paths"])
    page = client.get("/")
    assert page.status_code == 200 and "<canvas" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing fetched from elsewhere
    lay = client.get("/layouts/coco17").json()
    assert (len(lay["keypoints"]) == 17 and [5, 7] in lay["skeleton"]) or [7, 5] in lay["skeleton"]
    assert client.get("/layouts/..%2F..%2Fetc").status_code == 404
