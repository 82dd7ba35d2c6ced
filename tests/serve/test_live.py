"""`WS /v1/live`: key check, one answer per frame processed, stale frames dropped, malformed messages."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from .conftest import KEY

pytestmark = pytest.mark.models


def test_live_answers_frames_with_poses(client: TestClient, astronaut_jpeg: bytes) -> None:
    with client.websocket_connect("/v1/live") as ws:  # key in the header (non-browser clients)
        assert ws.receive_json() == {"type": "ready", "model": "fast"}
        ws.send_bytes(astronaut_jpeg)
        reply = ws.receive_json()
        assert reply["type"] == "poses" and reply["seq"] == 1 and reply["dropped"] == 0
        assert reply["image_size"] == [512, 512] and len(reply["people"]) >= 1 and reply["infer_ms"] > 0


def test_live_key_in_the_first_message(client: TestClient, astronaut_jpeg: bytes) -> None:
    bare = TestClient(client.app)
    with bare.websocket_connect("/v1/live") as ws:
        ws.send_text(json.dumps({"api_key": KEY}))
        assert ws.receive_json()["type"] == "ready"
    with bare.websocket_connect("/v1/live") as ws:
        ws.send_text('{"api_key": "wrong"}')
        assert "API key" in ws.receive_json()["error"]
        with pytest.raises(WebSocketDisconnect) as exc:
            ws.receive_json()
        assert exc.value.code == 4401
    with bare.websocket_connect("/v1/live") as ws:
        ws.send_bytes(astronaut_jpeg)  # a frame instead of the key
        assert "API key" in ws.receive_json()["error"]


def test_live_drops_stale_frames_latest_wins(client: TestClient, astronaut_jpeg: bytes) -> None:
    n = 12
    with client.websocket_connect("/v1/live") as ws:
        ws.receive_json()
        for _ in range(n):  # far faster than the model runs
            ws.send_bytes(astronaut_jpeg)
        replies = []
        while not replies or replies[-1]["seq"] < n:
            replies.append(ws.receive_json())
    seqs = [r["seq"] for r in replies]
    assert seqs == sorted(seqs) and seqs[-1] == n, seqs  # the newest frame is always answered
    assert len(replies) < n and replies[-1]["dropped"] == n - len(replies), seqs


def test_live_malformed_messages_get_errors_and_the_stream_goes_on(
    client: TestClient, astronaut_jpeg: bytes
) -> None:
    with client.websocket_connect("/v1/live") as ws:
        ws.receive_json()
        ws.send_text("not json")
        assert "not JSON" in ws.receive_json()["error"]
        ws.send_text('{"type": "frame", "data": "AAAA"}')
        assert "unknown message" in ws.receive_json()["error"]
        ws.send_text('{"type": "ping"}')
        assert ws.receive_json() == {"type": "pong"}
        ws.send_bytes(b"\xff\xd8\xff garbage")
        err = ws.receive_json()
        assert err["type"] == "error" and err["seq"] == 1 and "frame 1" in err["error"]
        ws.send_bytes(astronaut_jpeg[:-2000])
        assert "truncated" in ws.receive_json()["error"]
        ws.send_bytes(b"\0" * 400_000)
        assert "limit" in ws.receive_json()["error"]
        ws.send_bytes(astronaut_jpeg)
        assert ws.receive_json()["type"] == "poses"
    with client.websocket_connect("/v1/live?model=unknown") as ws:
        assert "not served" in ws.receive_json()["error"]
