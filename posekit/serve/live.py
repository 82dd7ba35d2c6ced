"""`WS /v1/live`: poses for a stream of camera frames, latest frame wins.

Protocol (JSON text from the server, one reply per frame processed):
  * connect to `/v1/live?model=…&min_score=…&min_keypoint_score=…`;
  * with an API key on the server and no `X-API-Key` header (browsers cannot set one), send
    `{"api_key": "…"}` as the first text message; a wrong key closes the socket with code 4401;
  * the server says `{"type": "ready", "model": …}`;
  * send each frame as a binary message (JPEG or PNG); the server answers
    `{"type": "poses", "seq": n, "dropped": d, "infer_ms": …, "layout": …, "image_size": …, "people": […]}`
    where `seq` counts the frames received (1-based) and `dropped` those skipped so far;
  * `{"type": "ping"}` is answered with `{"type": "pong"}`; anything else malformed gets
    `{"type": "error", "error": "…"}` and the stream goes on.

One frame is held at a time: a frame that arrives while the model is busy replaces the waiting one
(which counts as dropped), so a fast client sees fresh poses and the server's memory stays flat.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from posekit.errors import InputError, PosekitError
from posekit.serve.auth import key_from_headers, key_matches
from posekit.serve.engine import Abandoned, ModelPool, check_image

AUTH_TIMEOUT_S = 10.0


class LiveSession:
    def __init__(
        self,
        ws: WebSocket,
        pool: ModelPool,
        max_frame_bytes: int,
        model: str | None,
        min_score: float,
        min_keypoint_score: float,
    ) -> None:
        self.ws, self.pool, self.max_bytes = ws, pool, max_frame_bytes
        self.model, self.min_score, self.min_kp = model, min_score, min_keypoint_score
        self.pending: tuple[int, bytes] | None = None
        self.received = self.dropped = 0
        self.closed = False
        self.wake = asyncio.Event()
        self.send_lock = asyncio.Lock()

    async def send(self, obj: dict[str, Any]) -> None:
        async with self.send_lock:
            await self.ws.send_text(json.dumps(obj, allow_nan=False))

    async def receive_loop(self) -> None:
        try:
            while True:
                msg = await self.ws.receive()
                if msg["type"] == "websocket.disconnect":
                    return
                data, text = msg.get("bytes"), msg.get("text")
                if data is not None:
                    if len(data) > self.max_bytes:
                        await self.send(
                            {
                                "type": "error",
                                "error": f"frame of {len(data)} bytes is over the "
                                f"{self.max_bytes} byte limit",
                            }
                        )
                        continue
                    self.received += 1
                    if self.pending is not None:
                        self.dropped += 1  # the model is still busy: the older frame is stale
                    self.pending = (self.received, data)
                    self.wake.set()
                elif text is not None:
                    await self.on_text(text)
        finally:
            self.closed = True
            self.wake.set()

    async def on_text(self, text: str) -> None:
        if len(text) > self.max_bytes:
            await self.send({"type": "error", "error": f"text message over the {self.max_bytes} byte limit"})
            return
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):  # deeply nested arrays exhaust the parser's recursion
            await self.send(
                {"type": "error", "error": "text message is not JSON; send frames as binary messages"}
            )
            return
        if isinstance(obj, dict) and obj.get("type") == "ping":
            await self.send({"type": "pong"})
        else:
            await self.send(
                {
                    "type": "error",
                    "error": 'unknown message; send frames as binary JPEG/PNG messages or {"type": "ping"}',
                }
            )

    async def process_loop(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.closed:
                return
            if self.pending is None:
                continue
            seq, data = self.pending
            self.pending = None
            t0 = time.perf_counter()
            try:
                poses = await run_in_threadpool(self._estimate, data, seq)
                if self.closed:  # the client left while its frame was processed
                    return
            except Abandoned:
                return
            except PosekitError as exc:
                await self.send({"type": "error", "seq": seq, "error": str(exc)})
                continue
            except Exception as exc:  # a bug on one frame: say so, and the stream goes on
                await self.send({"type": "error", "seq": seq, "error": f"{type(exc).__name__}: {exc}"})
                continue
            reply = {
                "type": "poses",
                "seq": seq,
                "dropped": self.dropped,
                "infer_ms": round((time.perf_counter() - t0) * 1000, 1),
            }
            reply.update(json.loads(poses))
            await self.send(reply)

    def _estimate(self, data: bytes, seq: int) -> str:
        if self.closed:
            raise Abandoned
        image = check_image(data, name=f"frame {seq}", max_pixels=self.pool.config.max_pixels)
        poses = self.pool.estimate(
            image,
            self.model,
            min_score=self.min_score,
            min_keypoint_score=self.min_kp,
            abandoned=lambda: self.closed,  # many clients gone at once must not leave a queue of inferences
        )
        return poses.to_json()


async def live_endpoint(ws: WebSocket, pool: ModelPool, api_key: str | None, max_frame_bytes: int) -> None:
    await ws.accept()
    q = ws.query_params
    try:
        model = q.get("model") or None
        pool.get(model)
        min_score, min_kp = _unit(q, "min_score"), _unit(q, "min_keypoint_score")
    except InputError as exc:
        await ws.send_text(json.dumps({"type": "error", "error": str(exc)}))
        await ws.close(code=1008)
        return
    if not key_matches(api_key, key_from_headers(ws.headers)):
        given = None
        try:
            first = await asyncio.wait_for(ws.receive_text(), AUTH_TIMEOUT_S)
            obj = json.loads(first)
            given = (
                obj.get("api_key") if isinstance(obj, dict) and isinstance(obj.get("api_key"), str) else None
            )
        except (asyncio.TimeoutError, ValueError, KeyError, WebSocketDisconnect, RuntimeError):
            pass
        if not key_matches(api_key, given):
            try:
                await ws.send_text(json.dumps({"type": "error", "error": "missing or wrong API key"}))
                await ws.close(code=4401)
            except (WebSocketDisconnect, RuntimeError):
                pass
            return
    session = LiveSession(ws, pool, max_frame_bytes, model, min_score, min_kp)
    await session.send({"type": "ready", "model": model or pool.default})
    receiving = asyncio.ensure_future(session.receive_loop())
    processing = asyncio.ensure_future(session.process_loop())
    try:
        await asyncio.wait([receiving, processing], return_when=asyncio.FIRST_COMPLETED)
    finally:
        # The frame being processed is let finish (one inference) rather than cancelled: cancelling the
        # wait on its worker thread made the disconnect race the thread (CancelledError escaped the app).
        session.closed = True
        session.wake.set()
        if not receiving.done():
            receiving.cancel()
        results = await asyncio.gather(receiving, processing, return_exceptions=True)
    failed = any(isinstance(r, Exception) for r in results)
    # The client may be gone already; else it learns the stream ended (1011: our failure) instead of
    # waiting on an open socket nobody reads.
    with contextlib.suppress(Exception):
        await ws.close(code=1011 if failed else 1000)


def _unit(query: Any, name: str) -> float:
    """A score threshold from the query string: a number from 0 to 1."""
    text = query.get(name, "0")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:  # NaN fails too
        raise InputError(f"{name}: {text[:40]!r} is not a number from 0 to 1")
    return value
