"""`create_app(config)`: the FastAPI application of `posekit serve` (routes: docs/service.md).

Every error is a JSON body `{"error": "…"}` with a 4xx status for bad requests; nothing a client
sends can stop the server. Request bodies are limited before they are read (see `BodyLimit`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from posekit.analysis.options import ANALYSES
from posekit.errors import InputError, PosekitError
from posekit.layouts import get_layout
from posekit.serve.analysis import parse_analysis
from posekit.serve.auth import MISSING, KeyGate, key_from_headers, key_matches
from posekit.serve.engine import (
    JOB_OPTIONS,
    ModelPool,
    PixelLimitError,
    ServeConfig,
    VideoWork,
    check_image,
    probe_video,
)
from posekit.serve.jobs import JobRunner, JobStore, WorkerPool
from posekit.serve.live import live_endpoint

IMAGE_TYPES = ("image/", "application/octet-stream")
VIDEO_TYPES = ("video/", "application/octet-stream")


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over a limit with 413: at once when Content-Length says so, else as soon
    as the streamed body passes it (so an endless upload never fills the disk)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _send_json(send, 413, f"request body over the {limit} byte limit for {scope['path']}")
            return
        seen, refused, started = 0, False, False

        async def counted() -> Message:
            nonlocal seen, refused
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit and not refused and not started:
                    # Answer now: the app may turn the exception below into its own error (FastAPI makes
                    # body-parsing failures a 400), which `guarded` then drops.
                    refused = True
                    await _send_json(
                        send, 413, f"request body over the {limit} byte limit for {scope['path']}"
                    )
                if refused:
                    raise BodyTooLarge
            return msg

        async def guarded(msg: Message) -> None:
            nonlocal started
            if not refused:
                started = True
                await send(msg)

        with contextlib.suppress(BodyTooLarge):  # already answered with 413
            await self.app(scope, counted, guarded)


async def _send_json(send: Send, status: int, error: str) -> None:
    body = json.dumps({"error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _upload_name(file: UploadFile) -> str:
    """The client's file name for messages only (never a path here): its last part, printable, short."""
    name = os.path.basename((file.filename or "upload").replace("\\", "/"))
    name = "".join(c for c in name if c.isprintable())[:100]
    return name or "upload"


def _check_type(file: UploadFile, allowed: tuple[str, ...], what: str) -> None:
    ctype = (file.content_type or "application/octet-stream").lower()
    if not ctype.startswith(allowed):
        raise HTTPException(415, f"{_upload_name(file)}: content type {ctype!r} is not {what}")


def create_app(config: ServeConfig, pool: ModelPool | None = None) -> FastAPI:
    """The application; `pool` lets tests share already loaded models between apps."""
    config.data_dir = Path(config.data_dir)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        models: ModelPool = pool if pool is not None else await run_in_threadpool(ModelPool, config)
        store = JobStore(config.data_dir)
        workers = WorkerPool(store, JobRunner(VideoWork(models)), workers=config.job_workers)
        workers.start()
        state.update(pool=models, store=store, workers=workers)
        try:
            yield
        finally:
            await run_in_threadpool(workers.stop)
            store.close()

    app = FastAPI(
        title="posekit",
        summary="Human pose estimation: images, video jobs and a live stream",
        lifespan=lifespan,
    )

    def limit_for(path: str) -> int:
        if path.startswith("/v1/jobs"):
            return config.max_video_bytes + 64 * 1024  # the form's own bytes around the file
        return config.max_image_bytes + 64 * 1024

    app.add_middleware(BodyLimit, limit_for=limit_for)
    app.add_middleware(KeyGate, api_key=config.api_key)  # added last: runs first, before any body is read

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]
        return JSONResponse({"error": "; ".join(parts) or "invalid request"}, status_code=422)

    @app.exception_handler(PosekitError)
    async def posekit_error(request: Request, exc: PosekitError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=413 if isinstance(exc, PixelLimitError) else 400)

    async def require_key(request: Request) -> None:
        if not key_matches(config.api_key, key_from_headers(request.headers)):
            raise HTTPException(401, MISSING, headers={"WWW-Authenticate": "Bearer"})  # KeyGate's twin

    v1 = [Depends(require_key)]

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """Liveness, version and the models this server has loaded (no API key needed)."""
        if "pool" not in state:
            raise HTTPException(503, "models are loading")
        return {**state["pool"].health(), "jobs_queued": state["workers"].queued()}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        html = resources.files("posekit.serve").joinpath("static/index.html").read_text(encoding="utf-8")
        return HTMLResponse(html, headers={"Cache-Control": "no-cache"})

    @app.get("/layouts/{name}")
    async def layout(name: str) -> dict[str, Any]:
        """Keypoint names and skeleton edges of a layout, for drawing (no API key needed)."""
        try:
            lay = get_layout(name)
        except PosekitError:
            raise HTTPException(404, f"unknown layout {name[:40]!r}") from None
        return {
            "name": lay.name,
            "keypoints": list(lay.keypoint_names),
            "skeleton": [list(e) for e in lay.skeleton],
        }

    @app.post("/v1/pose", dependencies=v1)
    async def pose(
        file: Annotated[UploadFile, File(description="an image: JPEG, PNG, WebP, BMP, TIFF, …")],
        model: str | None = Query(None, description="a served model (see /healthz); default: the first"),
        min_score: float = Query(0.0, ge=0, le=1, description="drop people scoring below this"),
        min_keypoint_score: float = Query(0.0, ge=0, le=1, description="keypoints below it count as unseen"),
        layout: str | None = Query(None, description="convert to this keypoint layout"),
    ) -> Response:
        """Poses of every person in one image: `Poses.to_json()` (`layout`, `image_size`, `people`)."""
        _check_type(file, IMAGE_TYPES, "an image")
        name = _upload_name(file)
        data = await file.read()
        if len(data) > config.max_image_bytes:
            raise HTTPException(
                413, f"{name}: {len(data)} bytes, over the {config.max_image_bytes} byte limit"
            )
        models: ModelPool = state["pool"]
        models.get(model)  # an unknown model is a 400 before any decoding

        def work() -> str:
            image = check_image(data, name=name, max_pixels=config.max_pixels)
            return models.estimate(
                image, model, min_score=min_score, min_keypoint_score=min_keypoint_score, layout=layout
            ).to_json()

        return Response(await run_in_threadpool(work), media_type="application/json")

    @app.post("/v1/jobs", dependencies=v1, status_code=202)
    async def create_job(
        file: Annotated[UploadFile, File(description="a video: MP4, AVI, WebM, MOV, …")],
        model: str | None = Query(None),
        smooth: str = Query("one_euro", pattern="^(one_euro|savgol|none)$"),
        redetect_every: int = Query(15, ge=1, le=1000),
        no_follow: bool = Query(False),
        max_age: int | None = Query(None, ge=0, le=100000),
        max_frames: int | None = Query(None, ge=1),
        layout: str | None = Query(None),
        render: bool = Query(True, description="also write the annotated MP4"),
        analyze: Annotated[
            str | None,
            Form(description=f"analyses to run after tracking, comma separated: {', '.join(ANALYSES)}"),
        ] = None,
        ergonomics: Annotated[str | None, Form(description="posture risk score: reba or rula")] = None,
        exercise: Annotated[
            str | None, Form(description="count repetitions of this exercise (e.g. squat)")
        ] = None,
    ) -> dict[str, Any]:
        """Queue a video for `posekit track`; poll `GET /v1/jobs/{id}`. Answers 202 with the job."""
        _check_type(file, VIDEO_TYPES, "a video")
        name = _upload_name(file)
        models: ModelPool = state["pool"]
        models.get(model)
        if layout:
            get_layout(layout)
        analysis = parse_analysis(analyze, ergonomics, exercise)
        options: dict[str, Any] = {
            "model": model,
            "smooth": smooth,
            "redetect_every": redetect_every,
            "no_follow": no_follow,
            "max_age": max_age,
            "max_frames": max_frames,
            "layout": layout,
            "render": render,
        }
        if analysis:
            options["analysis"] = analysis
        assert set(options) <= set(JOB_OPTIONS)
        with tempfile.NamedTemporaryFile(dir=config.data_dir, prefix=".upload-", delete=False) as tmp:
            size = 0
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                if size > config.max_video_bytes:
                    tmp.close()
                    os.unlink(tmp.name)
                    raise HTTPException(413, f"{name}: over the {config.max_video_bytes} byte limit")
                tmp.write(chunk)
        try:
            if size == 0:
                raise InputError(f"{name}: empty upload (0 bytes)")
            await run_in_threadpool(
                probe_video, Path(tmp.name), name=name, max_pixels=config.max_video_pixels
            )
            job = await run_in_threadpool(  # SQLite's synchronous commit waits on the disk
                state["store"].create, lambda dest: shutil.move(tmp.name, dest), name, options
            )
        finally:
            if os.path.exists(tmp.name):
                os.unlink(tmp.name)
        state["workers"].submit(job)
        return job.to_dict()

    def _job(job_id: str) -> Any:
        job = state["store"].get(job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id[:40]!r}")
        return job

    @app.get("/v1/jobs/{job_id}", dependencies=v1)
    async def get_job(job_id: str) -> dict[str, Any]:
        """`status` (queued, running, done, failed, cancelled), `progress` 0–1, `error` when failed."""
        return _job(job_id).to_dict()

    @app.get("/v1/jobs/{job_id}/results", dependencies=v1)
    async def job_results(
        request: Request, job_id: str, format: str | None = Query(None, pattern="^(jsonl|parquet)$")
    ) -> FileResponse:
        """The track file: JSONL (default) or Parquet (`?format=parquet` or `Accept: application/vnd.apache.parquet`)."""
        job = _finished(job_id)
        accept = request.headers.get("accept", "")
        fmt = format or ("parquet" if "parquet" in accept else "jsonl")
        path = state["store"].dir(job.id) / f"results.{fmt}"
        if not path.exists():  # removed behind the server's back: a 404, not FileResponse's 500
            raise HTTPException(404, f"job {job.id} has no results.{fmt} any more")
        media = "application/vnd.apache.parquet" if fmt == "parquet" else "application/x-ndjson"
        return FileResponse(path, media_type=media, filename=f"{job.id}.{fmt}")

    @app.get("/v1/jobs/{job_id}/render", dependencies=v1)
    async def job_render(job_id: str) -> FileResponse:
        """The annotated H.264 MP4."""
        job = _finished(job_id)
        path = state["store"].dir(job.id) / "render.mp4"
        if not path.exists():
            raise HTTPException(404, f"job {job.id} was run without render")
        return FileResponse(path, media_type="video/mp4", filename=f"{job.id}.mp4")

    def _analysis_file(job_id: str, name: str) -> Path:
        job = _finished(job_id)
        if not job.options.get("analysis"):
            raise HTTPException(404, f"job {job.id} was run without analysis (send analyze=… with the video)")
        path = state["store"].dir(job.id) / "analysis" / name
        if not path.exists():
            raise HTTPException(404, f"job {job.id} has no analysis: {job.warning or 'its files are gone'}")
        return path

    @app.get("/v1/jobs/{job_id}/analysis", dependencies=v1)
    async def job_analysis(job_id: str) -> FileResponse:
        """The analysis summary (`posekit analyze`'s summary.json) of a job created with `analyze=…`."""
        return FileResponse(_analysis_file(job_id, "summary.json"), media_type="application/json")

    @app.get("/v1/jobs/{job_id}/report", dependencies=v1)
    async def job_report(job_id: str) -> FileResponse:
        """The analysis report: one self-contained HTML page."""
        # the report has no scripts; sandboxed anyway, so it gets none of this origin's rights
        headers = {"Content-Security-Policy": "sandbox"}
        return FileResponse(_analysis_file(job_id, "report.html"), media_type="text/html", headers=headers)

    def _finished(job_id: str) -> Any:
        job = _job(job_id)
        if job.status != "done":
            raise HTTPException(409, f"job {job.id} is {job.status}, not done")
        return job

    @app.delete("/v1/jobs/{job_id}", dependencies=v1)
    async def delete_job(job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job, or delete a finished one's files."""
        _job(job_id)
        job = await run_in_threadpool(state["workers"].cancel, job_id)
        return job.to_dict()

    @app.websocket("/v1/live")
    async def live(ws: WebSocket) -> None:
        await live_endpoint(ws, state["pool"], config.api_key, config.max_frame_bytes)

    return app
