"""The web service: REST API, video jobs that survive restarts, a live WebSocket and a browser page.

    posekit serve --data-dir ./posekit-data --api-key SECRET

`create_app(ServeConfig(...))` builds the FastAPI application (see docs/service.md). The web stack is
an optional extra: `pip install posekit[serve]`.
"""

from __future__ import annotations

from posekit.errors import PosekitError


def require_serve() -> None:
    """Raise a one-line error naming the extra when FastAPI/uvicorn are missing."""
    try:
        import fastapi  # noqa: F401
        import multipart  # noqa: F401  (python-multipart: FastAPI's form parser)
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise PosekitError(f"the web service needs {exc.name}: pip install posekit[serve]") from None
