"""API keys: every `/v1` route needs the server's key when it has one; `/healthz` and the page do not.

The key comes in the `X-API-Key` header (or `Authorization: Bearer KEY`). Browsers cannot set headers
on a WebSocket, so `/v1/live` also takes it in the first message (see `posekit.serve.live`). Keys are
compared in constant time so response timing says nothing about how much of a guess was right.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers

HEADER = "X-API-Key"


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
