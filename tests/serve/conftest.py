"""Shared fixtures of the service tests: one model pool for the session, a fresh app per test, test media
made from scikit-image's astronaut photo (no shared data needed), and a real server on a free port."""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web service needs the serve extra: pip install posekit[serve]")
pytest.importorskip("multipart", reason="the web service needs python-multipart: pip install posekit[serve]")

from fastapi.testclient import TestClient
from PIL import Image

from posekit.serve.app import create_app
from posekit.serve.engine import ModelPool, ServeConfig

MODEL = "fast"  # one network pass per image: keeps the suite quick on two cores
KEY = "test-key-123"


@pytest.fixture(scope="session")
def pool() -> ModelPool:
    return ModelPool(ServeConfig(models=(MODEL,), threads=1))


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()  # 512x512 RGB, one person


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


@pytest.fixture(scope="session")
def astronaut_jpeg(astronaut: np.ndarray) -> bytes:
    return jpeg(astronaut)


def make_video(path: Path, image: np.ndarray, frames: int, fps: float = 10.0) -> Path:
    """A short H.264 video of `image` sliding slowly sideways (a moving person to track)."""
    from posekit.io.video_writer import VideoWriter

    h, w = image.shape[:2]
    with VideoWriter(path, fps, (w, h)) as vw:
        for i in range(frames):
            vw.write(np.roll(image, 2 * i, axis=1))
    return path


@pytest.fixture(scope="session")
def small_video(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray) -> Path:
    small = np.ascontiguousarray(astronaut[::2, ::2])  # 256x256: fast to track
    return make_video(tmp_path_factory.mktemp("media") / "clip.mp4", small, frames=6)


def config(tmp_path: Path, **kw: object) -> ServeConfig:
    kw.setdefault("api_key", KEY)
    kw.setdefault("models", (MODEL,))
    return ServeConfig(data_dir=tmp_path / "data", threads=1, **kw)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path, pool: ModelPool) -> Iterator[TestClient]:
    cfg = config(
        tmp_path,
        max_image_bytes=300_000,
        max_video_bytes=2_000_000,
        max_pixels=4_000_000,
        max_frame_bytes=300_000,
    )
    with TestClient(create_app(cfg, pool), headers={"X-API-Key": KEY}) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(cfg: ServeConfig, pool: ModelPool) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 in a thread (for the browser); yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(cfg, pool), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def live_server(tmp_path: Path, pool: ModelPool) -> Iterator[str]:
    with serving(config(tmp_path, api_key=None), pool) as url:
        yield url


@pytest.fixture
def keyed_server(tmp_path: Path, pool: ModelPool) -> Iterator[str]:
    with serving(config(tmp_path), pool) as url:
        yield url
