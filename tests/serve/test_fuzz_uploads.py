"""Hypothesis fuzz of uploads: random bytes, wrong and odd content types, empty files, path traversal,
absolute paths and NUL bytes in file names, many files and fields, malformed multipart bodies, and
bodies over the limit. Every answer is a 4xx with a one-line JSON error (or 200/202 for a real image or
video), and nothing is ever written outside the server's data folder or under a client's name.

The service takes single image and video files only: no archives, so there are no archive members to
unpack (docs/reliability/service.md)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hypothesis", reason="fuzz tests need hypothesis: pip install posekit[test]")
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

pytestmark = pytest.mark.models

FUZZ = settings(
    max_examples=int(os.environ.get("POSEKIT_FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

EVIL_NAMES = [
    "../../x",
    "../../../../../../etc/passwd",
    "/etc/passwd",
    "/tmp/../tmp/x.jpg",
    "C:\\Windows\\win.ini",
    "..\\..\\x.jpg",
    "\\\\server\\share\\x.jpg",
    "a\x00b.jpg",
    "x.jpg\x00.txt",
    "..",
    ".",
    "",
    "~/.ssh/authorized_keys",
    "jobs.sqlite3",
    "%2e%2e%2f%2e%2e%2fx",
    "x" * 5000,
    "\u202etxt.jpg",  # right-to-left override
    "a\r\nX-Injected: 1",
]
names = st.one_of(st.sampled_from(EVIL_NAMES), st.text(max_size=60))
ctypes = st.one_of(
    st.sampled_from(
        [
            "image/jpeg",
            "image/png",
            "application/octet-stream",
            "video/mp4",
            "text/plain",
            "text/html",
            "multipart/form-data",
            "image/svg+xml",
            "IMAGE/JPEG",
            "",
            "image/jpeg; charset=\x00",
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


def a_jpeg(side: int = 64) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((side, side, 3), 128, np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


bodies = st.one_of(
    st.binary(max_size=4000),
    st.just(b""),
    st.just(a_jpeg()),
    st.integers(1, 600).map(lambda n: a_jpeg()[:n]),  # truncated
    st.binary(min_size=1, max_size=64).map(lambda b: a_jpeg()[:200] + b + a_jpeg()[200:]),  # corrupted
)


def multipart(
    parts: list[tuple[bytes, bytes | None, bytes | None, bytes]], boundary: bytes = b"fuzz"
) -> bytes:
    """A multipart body written by hand, so names and headers go out as the raw bytes we chose."""
    out = []
    for field, filename, ctype, data in parts:
        disp = b'Content-Disposition: form-data; name="' + field + b'"'
        if filename is not None:
            disp += b'; filename="' + filename + b'"'
        out.append(b"--" + boundary + b"\r\n" + disp + b"\r\n")
        if ctype is not None:
            out.append(b"Content-Type: " + ctype + b"\r\n")
        out.append(b"\r\n" + data + b"\r\n")
    out.append(b"--" + boundary + b"--\r\n")
    return b"".join(out)


def post_raw(client: TestClient, route: str, body: bytes, boundary: str = "fuzz"):
    return client.post(
        route, content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )


def check(r, allowed: set[int]) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code in allowed, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json")
    if r.status_code >= 400:
        error = r.json()["error"]
        assert isinstance(error, str) and error and "\n" not in error and "Traceback" not in error


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def sandbox(client: TestClient, tmp_path: Path) -> Iterator[Path]:
    """The test's folder: the data folder is `data/` inside it; a sentinel folder beside it must stay empty."""
    (tmp_path / "outside").mkdir()
    yield tmp_path
    assert files_under(tmp_path / "outside") == set()
    assert {p.name for p in tmp_path.iterdir()} <= {"data", "outside"}, os.listdir(tmp_path)
    data = {p for p in files_under(tmp_path / "data") if not p.startswith("jobs/")}
    assert data <= {"jobs", "jobs.sqlite3", "jobs.sqlite3-wal", "jobs.sqlite3-shm"}, data


@given(name=names, ctype=ctypes, data=bodies)
@FUZZ
def test_pose_uploads(client: TestClient, sandbox: Path, name: str, ctype: str, data: bytes) -> None:
    raw = name.encode("utf-8", "surrogatepass")
    body = multipart([(b"file", raw, ctype.encode("latin-1"), data)])
    r = post_raw(client, "/v1/pose", body)
    check(r, {200, 400, 413, 415, 422})
    if r.status_code == 200:
        assert set(r.json()) == {"layout", "image_size", "people"}
    assert files_under(sandbox / "data" / "jobs") == set()  # an image leaves nothing on disk


@given(name=names, ctype=ctypes, data=bodies)
@FUZZ
def test_job_uploads_that_are_not_videos(
    client: TestClient, sandbox: Path, name: str, ctype: str, data: bytes
) -> None:
    body = multipart([(b"file", name.encode("utf-8", "surrogatepass"), ctype.encode("latin-1"), data)])
    r = post_raw(client, "/v1/jobs", body)
    check(r, {400, 413, 415, 422})
    assert files_under(sandbox / "data" / "jobs") == set()  # refused uploads leave no job folder or temp file
    assert not [p for p in (sandbox / "data").iterdir() if p.name.startswith(".upload-")]


def test_real_video_under_evil_names_stays_in_its_job_folder(
    client: TestClient, sandbox: Path, small_video: Path
) -> None:
    video = small_video.read_bytes()
    for name in EVIL_NAMES[:10]:
        body = multipart([(b"file", name.encode(), b"video/mp4", video)])
        r = post_raw(client, "/v1/jobs", body)
        check(r, {202})
        job = r.json()
        assert "/" not in job["filename"] and "\\" not in job["filename"] and "\x00" not in job["filename"]
        assert files_under(sandbox / "data" / "jobs" / job["id"]) <= {"input.bin", "work"}
        check(client.delete(f"/v1/jobs/{job['id']}"), {200})


def test_many_files_and_fields(client: TestClient, sandbox: Path) -> None:
    img = a_jpeg()
    r = post_raw(client, "/v1/pose", multipart([(b"file", b"a.jpg", b"image/jpeg", img)] * 50))
    check(r, {200, 400})  # 50 files within the size limit: the first is used, or a clear refusal
    r = post_raw(
        client,
        "/v1/pose",
        multipart([(b"file", f"{i}.jpg".encode(), b"image/jpeg", b"x") for i in range(1200)]),
    )
    check(r, {400, 413})
    r = post_raw(client, "/v1/pose", multipart([(f"f{i}".encode(), None, None, b"v") for i in range(1200)]))
    check(r, {400, 413, 422})
    r = post_raw(client, "/v1/jobs", multipart([(b"file", b"a.mp4", b"video/mp4", b"\0" * 10)] * 1200))
    check(r, {400, 413})


VALID = multipart([(b"file", b"a.jpg", b"image/jpeg", a_jpeg())])


@given(
    cut=st.integers(0, len(VALID)),
    flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=6),
    boundary=st.sampled_from(["fuzz", "other", "", "a" * 200, 'fu"zz', "fuzz; x=1"]),
    insert=st.binary(max_size=300),
)
@FUZZ
def test_malformed_multipart(
    client: TestClient, sandbox: Path, cut: int, flips: list[tuple[int, int]], boundary: str, insert: bytes
) -> None:
    body = bytearray(VALID[:cut] + insert + VALID[cut:])
    for i, v in flips:
        body[i % len(body)] = v
    check(post_raw(client, "/v1/pose", bytes(body), boundary), {200, 400, 413, 415, 422})
    r = client.post("/v1/pose", content=bytes(body), headers={"Content-Type": "multipart/form-data"})
    check(r, {400, 413, 415, 422})  # no boundary at all


def test_malformed_headers_and_content_types(client: TestClient, sandbox: Path) -> None:
    for ctype in (
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
        "multipart/mixed; boundary=x",
    ):
        r = client.post("/v1/pose", content=b'{"file": "x"}', headers={"Content-Type": ctype})
        check(r, {400, 415, 422})
    for length in ("abc", "-1", "1e9", "99999999999999999999999"):
        r = client.post("/v1/pose", content=b"", headers={"Content-Length": length})
        check(r, {400, 411, 413})
    r = post_raw(
        client, "/v1/pose", b"--fuzz\r\n" + b"X" * 100_000 + b"\r\n\r\n--fuzz--\r\n"
    )  # one endless header line
    check(r, {400, 413, 422})


def send_until_answered(url: str, route: str, head: dict[str, str], total: int) -> tuple[bytes, int]:
    """POST up to `total` bytes of chunked body over a raw socket, stopping as soon as the server answers;
    returns the answer and how many body bytes went out (TestClient would read the whole body first)."""
    import select
    import socket
    from urllib.parse import urlsplit

    u = urlsplit(url)
    sent = 0
    with socket.create_connection((u.hostname, u.port), timeout=10) as sock:
        lines = [f"POST {route} HTTP/1.1", f"Host: {u.hostname}", *(f"{k}: {v}" for k, v in head.items())]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunk = b"10000\r\n" + b"\0" * 65536 + b"\r\n"
        prefix = b'--zz\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n'
        try:
            sock.sendall(f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n")
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += 65536
        except OSError:  # the server closed the connection after answering
            pass
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    return answer, sent


def test_oversize_uploads_are_refused_early(sandbox: Path, pool: object) -> None:
    """Over the limit on a real server: 413 once the limit is passed; the rest of the stream is not read
    (what the client manages to send is the limit plus the kernel's socket buffers, not 640 MB)."""
    from .conftest import KEY, config, serving

    cfg = config(sandbox, max_image_bytes=300_000, max_video_bytes=2_000_000)
    total = 10_000 * 65536
    with serving(cfg, pool) as url:  # type: ignore[arg-type]
        for route in ("/v1/pose", "/v1/jobs"):
            head = {"X-API-Key": KEY, "Content-Type": "multipart/form-data; boundary=zz"}
            answer, sent = send_until_answered(url, route, {**head, "Transfer-Encoding": "chunked"}, total)
            assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
            print(f"{route}: chunked body refused after {sent / 2**20:.1f} MB sent of {total / 2**20:.0f} MB")
            assert sent < 64 * 2**20, f"{route}: the client could send {sent / 2**20:.0f} MB"
            answer, sent = send_until_answered(url, route, {**head, "Content-Length": str(total)}, total)
            assert answer.startswith(b"HTTP/1.1 413") and sent < 64 * 2**20, (answer[:200], sent)
    assert not [p for p in (sandbox / "data").iterdir() if p.name.startswith(".upload-")]
