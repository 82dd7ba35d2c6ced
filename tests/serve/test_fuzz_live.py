"""Hypothesis fuzz of `WS /v1/live`: garbage text and binary frames, wrong JSON shapes, deeply nested JSON,
frames over the limit, bad query strings and fast disconnects. Every message gets a JSON reply of a known
type or is dropped as stale; the stream goes on, and the server keeps serving afterwards."""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import pytest

pytest.importorskip("hypothesis", reason="fuzz tests need hypothesis: pip install posekit[test]")
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.websockets import WebSocketDisconnect

pytestmark = pytest.mark.models

FUZZ = settings(
    max_examples=int(os.environ.get("POSEKIT_FUZZ_EXAMPLES", "20")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
LIMIT = 300_000  # the client fixture's max_frame_bytes

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
shaped = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries({"type": st.sampled_from(["ping", "pong", "frame", "", "PING"])}).map(json.dumps),
    st.fixed_dictionaries({"api_key": st.one_of(st.text(max_size=20), st.integers())}).map(json.dumps),
    st.integers(100, 5000).map(lambda n: "[" * n),  # deep nesting: the parser's recursion limit
    st.integers(100, 5000).map(lambda n: '{"a":' * n),
)
messages = st.lists(
    st.one_of(
        st.text(max_size=200).map(lambda t: ("text", t)),
        shaped.map(lambda t: ("text", t)),
        st.binary(max_size=2000).map(lambda b: ("bytes", b)),
        st.sampled_from([b"\xff\xd8\xff\xe0" + b"\0" * 50, b"\x89PNG\r\n\x1a\n" + b"\0" * 50, b"GIF89a"]).map(
            lambda b: ("bytes", b)
        ),
    ),
    min_size=1,
    max_size=8,
)

KNOWN = {"error", "pong", "poses"}


def read_until_pong(ws: Any, texts: int = 0) -> list[dict[str, Any]]:
    """Replies until the server answers our ping, after one reply to each of `texts` text messages sent
    before it (text replies come in order; frame replies carry a `seq` and may come at any time)."""
    ws.send_text('{"type": "ping"}')
    replies, answered = [], 0
    while answered < texts + 1:
        reply = ws.receive_json()
        assert isinstance(reply, dict) and reply.get("type") in KNOWN, reply
        if reply["type"] == "error":
            assert isinstance(reply["error"], str) and "\n" not in reply["error"], reply
        replies.append(reply)
        answered += "seq" not in reply
    assert replies[-1] == {"type": "pong"}, replies
    return replies


@given(msgs=messages)
@FUZZ
def test_live_survives_garbage_messages(client: TestClient, msgs: list[tuple[str, Any]]) -> None:
    with client.websocket_connect("/v1/live") as ws:
        assert ws.receive_json()["type"] == "ready"
        texts = 0
        for kind, payload in msgs:
            if kind == "text":
                ws.send_text(payload)
                texts += 1
            else:
                ws.send_bytes(payload)
        read_until_pong(ws, texts)  # every text message is answered, in order, then our own ping


def test_live_refuses_oversize_messages_and_goes_on(client: TestClient, astronaut_jpeg: bytes) -> None:
    with client.websocket_connect("/v1/live") as ws:
        ws.receive_json()
        ws.send_bytes(b"\0" * (LIMIT + 1))
        assert "limit" in ws.receive_json()["error"]
        ws.send_text("x" * (LIMIT + 1))
        assert "limit" in ws.receive_json()["error"]
        ws.send_text("[" * 100_000)  # crashed the stream before: RecursionError escaped the receive loop
        assert ws.receive_json()["type"] == "error"
        ws.send_bytes(astronaut_jpeg)
        assert ws.receive_json()["type"] == "poses"


@given(
    query=st.dictionaries(
        st.sampled_from(["model", "min_score", "min_keypoint_score", "x"]),
        st.one_of(st.text(max_size=12), st.sampled_from(["nan", "inf", "-1", "1e309", "0.5", ""])),
        max_size=3,
    )
)
@FUZZ
def test_live_bad_query_strings_get_an_error_and_a_close(client: TestClient, query: dict[str, str]) -> None:
    import urllib.parse

    with client.websocket_connect("/v1/live?" + urllib.parse.urlencode(query)) as ws:
        first = ws.receive_json()
        assert first["type"] in ("ready", "error"), first
        if first["type"] == "error":
            with pytest.raises(WebSocketDisconnect) as exc:
                ws.receive_json()
            assert exc.value.code == 1008


def test_fast_disconnects_leave_no_threads_behind(client: TestClient, astronaut_jpeg: bytes) -> None:
    bare = TestClient(client.app)

    def disconnects(n: int) -> int:
        for i in range(n):
            if i % 2:
                with client.websocket_connect("/v1/live") as ws:
                    if i % 4 == 1:
                        ws.send_bytes(astronaut_jpeg)  # gone while its frame is processed
            else:
                with bare.websocket_connect("/v1/live"):
                    pass  # gone before sending the key
        return threading.active_count()

    # The worker-thread pool grows to its working size in the first round; a leak grows with every call
    # (before the fix, each left frame held a worker thread queued for an inference: +25 threads here).
    first = disconnects(20)
    assert disconnects(60) <= first + 8
    with client.websocket_connect("/v1/live") as ws:
        ws.receive_json()
        assert read_until_pong(ws)[-1] == {"type": "pong"}
    assert client.get("/healthz").status_code == 200
