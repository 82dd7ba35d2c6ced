"""API keys: every `/v1` route needs the server's key when it has one; `/healthz` and the page do not.

The key comes in the `X-API-Key` header (or `Authorization: Bearer KEY`). Browsers cannot set headers
on a WebSocket, so `/v1/live` also takes it in the first message (see `posekit.serve.live`). Keys are
compared in constant time so response timing says nothing about how much of a guess was right.
"""

from __future__ import annotations

import hmac
import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

HEADER = "X-API-Key"
MISSING = f"missing or wrong API key (send it in the {HEADER} header)"


def key_from_headers(headers: Headers) -> str | None:
    key = headers.get(HEADER)
    if key is None:
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            key = auth[7:].strip()
    return key


def key_matches(expected: str | None, given: str | None) -> bool:
    """True when no key is configured, or `given` equals it (constant time)."""
    if expected is None:
        return True
    if given is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


class KeyGate:
    """Answer 401 to `/v1` HTTP requests without the key before anything reads their body: FastAPI parses
    (and spools to disk) a whole multipart upload before it runs a route's dependencies, so without this
    anyone could make the server read and store up to the body limit. The WebSocket checks its own key."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app, self.api_key = app, api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith("/v1/")
            or key_matches(self.api_key, key_from_headers(Headers(scope=scope)))
        ):
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": MISSING}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b"Bearer"),
        ]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
