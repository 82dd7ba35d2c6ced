"""`posekit batch`: the CLI side of `posekit.batch.run_batch` (collections → a Parquet dataset)."""

from __future__ import annotations

import argparse
import sys

from posekit.cli.argtypes import positive_float, positive_int


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="poses of many images and videos into a Parquet dataset (local or Ray)")
    p.add_argument(
        "inputs", nargs="+", help="files, folders, globs, or manifests (.csv/.parquet with a path column)"
    )
    p.add_argument("--out", required=True, help="output folder: poses/, failures.parquet, summary.json")
    p.add_argument("--engine", default="local", choices=["local", "ray"])
    p.add_argument("--address", default=None, help="Ray cluster address (default: a local Ray for this run)")
    p.add_argument(
        "--workers", type=positive_int, default=None, help="worker processes / actors (default: one per CPU)"
    )
    p.add_argument("--model", default=None, help="preset or model name (see `posekit models list`)")
    p.add_argument("--layout", default=None, help="coco17 or blazepose33 (default: the model's)")
    p.add_argument(
        "--chunk-seconds",
        type=positive_float,
        default=60.0,
        help="videos are checkpointed every this many seconds of video (tracking state carried)",
    )
    p.add_argument("--smooth", default="one_euro", choices=["one_euro", "none"])
    p.add_argument("--threads", type=positive_int, default=1, help="ONNX Runtime threads per worker")
    p.add_argument(
        "--analyze",
        default=None,
        metavar="LIST",
        help="per video, once its rows are written: comma-separated angles, reps (or reps=EXERCISE), "
        "falls, activity, gait; into DIR/analysis/<item>/ (summary.json, per-frame CSV)",
    )
    p.add_argument(
        "--ergonomics", choices=["reba", "rula"], default=None, help="per video: posture risk score"
    )
    p.add_argument("--report", action="store_true", help="with --analyze: also each video's report.html")
    p.add_argument(
        "--analysis-min-frames",
        type=int,
        default=10,
        metavar="N",
        help="with --analyze: tracks seen in fewer frames are not analysed (default 10)",
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_batch)


def cmd_batch(args: argparse.Namespace) -> int:
    from posekit.batch import run_batch
    from posekit.batch.analysis import parse_analyses

    analysis = parse_analyses(
        args.analyze, ergonomics=args.ergonomics, report=args.report, min_frames=args.analysis_min_frames
    )
    s = run_batch(
        args.inputs,
        args.out,
        engine=args.engine,
        address=args.address,
        workers=args.workers,
        model=args.model,
        layout=args.layout,
        chunk_seconds=args.chunk_seconds,
        smooth=args.smooth,
        threads=args.threads,
        progress=not args.no_progress,
        analyze=analysis,
    )
    print(
        f"{s.items} items ({s.done_before} done before, {s.processed} now), {s.frames} frames, {s.people} people, "
        f"{s.failures} failures; {s.wall_s:.1f} s ({s.images_per_s:.2f} images/s, "
        f"{s.video_frames_per_s:.2f} video frames/s); dataset: {args.out}/poses"
        + (f"; {s.analysed} videos analysed: {args.out}/analysis" if analysis else "")
    )
    if s.unfinished:
        print(
            f"posekit: error: {s.unfinished} items unfinished (see failures.parquet); run again to resume",
            file=sys.stderr,
        )
        return 1
    return 1 if s.failures else 0
