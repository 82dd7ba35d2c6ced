"""A user ONNX model (`posekit models add`) served by name like a zoo model: `POST /v1/pose` answers with
exactly the pose the tiny model puts in its output (see tests/zoo/test_user_models.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from user_onnx_models import ALL, tiny_onnx

from posekit.cli.main import main
from posekit.decode import yolo_pose
from posekit.serve.app import create_app
from posekit.serve.engine import ModelPool

from .conftest import KEY, config


def test_pose_route_serves_a_user_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, astronaut_jpeg: bytes
) -> None:
    monkeypatch.setenv("POSEKIT_CACHE", str(tmp_path / "cache"))  # the user model goes to a cache of its own
    # one person in the 640×640 letterboxed input; the 512×512 astronaut is scaled by 1.25 to fill it
    kps_in = np.array([[320 + 10 * np.cos(i), 200 + 20 * i] for i in range(17)], np.float64)
    box = np.array([250, 150, 400, 560], np.float64)
    out = yolo_pose.render_yolo_pose(box[None], kps_in[None], ALL[None], num_anchors=8400)
    onnx_file = tiny_onnx(tmp_path / "tiny-pose.onnx", "images", [1, 3, 640, 640], {"output0": out})
    assert main(["models", "add", str(onnx_file), "--name", "my-yolo", "--kind", "yolo-pose"]) == 0

    cfg = config(tmp_path, models=("my-yolo",))  # what `posekit serve --model my-yolo` builds
    with TestClient(create_app(cfg, ModelPool(cfg)), headers={"X-API-Key": KEY}) as client:
        assert client.get("/healthz").json()["models"] == ["my-yolo"]
        r = client.post("/v1/pose", files={"file": ("a.jpg", astronaut_jpeg, "image/jpeg")})
        assert r.status_code == 200, r.text
        res = r.json()
        assert res["layout"] == "coco17" and res["image_size"] == [512, 512] and len(res["people"]) == 1
        got = np.array(res["people"][0]["keypoints"], np.float64)
        np.testing.assert_allclose(got, kps_in / 1.25, atol=1e-3)
        r = client.post("/v1/pose?model=fast", files={"file": ("a.jpg", astronaut_jpeg, "image/jpeg")})
        assert r.status_code == 400 and "my-yolo" in r.json()["error"]  # only what this server loaded
