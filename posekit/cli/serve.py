"""`posekit serve`: the web service and browser page (posekit.serve; needs `pip install posekit[serve]`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="web service: REST API, video jobs, live WebSocket and a browser page")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", default="posekit-data", help="jobs, their files and the SQLite database")
    p.add_argument(
        "--api-key",
        default=None,
        help="require this key on every /v1 route (header X-API-Key); default: $POSEKIT_API_KEY",
    )
    p.add_argument(
        "--model",
        action="append",
        default=None,
        help="a model to serve (repeat for several; the first is the default): default 'default'",
    )
    p.add_argument("--workers", type=int, default=1, help="video jobs run at once")
    p.add_argument("--max-upload-mb", type=float, default=20, help="largest image upload")
    p.add_argument("--max-video-mb", type=float, default=500, help="largest video upload")
    p.add_argument("--max-pixels", type=float, default=40, help="largest image, megapixels")
    p.add_argument("--threads", type=int, default=None, help="ONNX Runtime threads per model")
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    from posekit.errors import InputError
    from posekit.serve import require_serve

    require_serve()
    import uvicorn

    from posekit.serve.app import create_app
    from posekit.serve.engine import ModelPool, ServeConfig

    if not 0 < args.port < 65536:
        raise InputError(f"--port {args.port}: expected 1–65535")
    config = ServeConfig(
        data_dir=Path(args.data_dir),
        api_key=args.api_key or os.environ.get("POSEKIT_API_KEY") or None,
        models=tuple(args.model or ["default"]),
        job_workers=args.workers,
        max_image_bytes=int(args.max_upload_mb * 2**20),
        max_video_bytes=int(args.max_video_mb * 2**20),
        max_pixels=int(args.max_pixels * 1e6),
        threads=args.threads,
        device=args.device,
    )
    pool = ModelPool(config)  # load models before listening: a bad --model fails here, with one line
    print(
        f"posekit: serving {', '.join(pool.names())} on http://{args.host}:{args.port}/ "
        f"(API docs /docs; data in {config.data_dir})",
        flush=True,
    )
    uvicorn.run(
        create_app(config, pool),
        host=args.host,
        port=args.port,
        log_level="warning",
        ws_max_size=config.max_frame_bytes + 65536,  # a bigger live message is refused before it is buffered
    )
    return 0
