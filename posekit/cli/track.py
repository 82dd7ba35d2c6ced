"""`posekit track`: the CLI side of `posekit.video.track_video` (poses with identities through a video)."""

from __future__ import annotations

import argparse
import sys

from posekit.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("track", help="poses with stable identities through a video, stream or image sequence")
    p.add_argument("input", help="video file, image folder/glob, webcam:N, or rtsp/http URL")
    p.add_argument("--model", default=None, help="preset or model name (see `posekit models list`)")
    p.add_argument(
        "--out", default=None, help="results: .parquet, .csv, .jsonl or .json (written incrementally)"
    )
    p.add_argument("--render", default=None, help="annotated H.264 video (.mp4)")
    p.add_argument(
        "--smooth",
        default="one_euro",
        choices=["one_euro", "savgol", "none"],
        help="temporal smoothing (savgol: offline, written after the whole video is read)",
    )
    p.add_argument(
        "--world",
        default="refined",
        choices=["refined", "raw"],
        help="BlazePose 3D: refined over the whole recording (offline; JSON keeps the raw as "
        "extra.world_raw) or the model's raw landmarks; live sources always get raw",
    )
    p.add_argument(
        "--redetect-every", type=int, default=15, help="frames between detector runs while following people"
    )
    p.add_argument("--no-follow", action="store_true", help="run the detector on every frame")
    p.add_argument(
        "--follow-model",
        default="same",
        help="top-down pose model on frames where people are followed, not detected: same (the "
        "preset's own), auto (MoveNet Lightning where the preset runs Thunder: ~2x frames/s in a "
        "crowd, ~1.8x the jitter), or a zoo name",
    )
    p.add_argument(
        "--max-age", type=int, default=None, help="frames a lost person keeps their id (default: 1 s)"
    )
    p.add_argument("--max-frames", type=int, default=None)
    p.add_argument("--layout", default=None, help="coco17 or blazepose33")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument(
        "--analyze", default=None, metavar="DIR", help="then run `posekit analyze` on --out into DIR"
    )
    from posekit.cli.analyze import add_arguments

    add_arguments(p, prefix="analyze-")
    p.set_defaults(func=cmd_track)


def cmd_track(args: argparse.Namespace) -> int:
    from posekit.io.video import open_source
    from posekit.video import VideoPoseTracker, track_video
    from posekit.video.offline import reopenable

    if args.analyze and not args.out:
        raise InputError("--analyze needs --out (the results file it reads)")
    if args.analyze_treadmill and not args.analyze_gait:
        raise InputError("--analyze-treadmill is an option of --analyze-gait: add --analyze-gait")
    if (
        args.analyze_height is not None or args.analyze_metres_per_pixel is not None
    ) and not args.analyze_gait:
        raise InputError(
            "--analyze-height and --analyze-metres-per-pixel are options of --analyze-gait: add --analyze-gait"
        )
    source = open_source(args.input)  # fails fast, before models load, on a bad input
    tracker = VideoPoseTracker(
        args.model,
        follow=not args.no_follow,
        redetect_every=args.redetect_every,
        smooth=args.smooth,
        layout=args.layout,
        device=args.device,
        threads=args.threads,
        tracker=None if args.max_age is None else {"max_age": args.max_age},
        follow_model=None if args.follow_model == "same" else args.follow_model,
    )
    wants_3d = bool(args.out or args.render)  # refined 3D is only worth its offline pass when written
    if (
        args.world == "refined"
        and wants_3d
        and tracker.layout_name == "blazepose33"
        and reopenable(args.input)
    ):
        from posekit.threed.mono import refine_tracks

        tracker.postprocess = refine_tracks  # 3D refined over each person's whole track (docs/3d.md)
    s = track_video(
        tracker, source, out=args.out, render=args.render, max_frames=args.max_frames, on_error="stop"
    )
    print(
        f"{s.frames} frames in {s.seconds:.1f} s ({s.frames_per_s:.1f} frames/s), {s.track_ids} track ids"
        + (f"; results: {s.out}" if s.out else "")
        + (f"; video: {s.render}" if s.render else "")
    )
    if s.error:
        print(f"posekit: error: {s.error} (results up to there are written)", file=sys.stderr)
        return 1
    if args.analyze:
        from posekit.cli.analyze import run_analysis

        ns = argparse.Namespace(
            **{k[len("analyze_") :]: v for k, v in vars(args).items() if k.startswith("analyze_")}
        )
        ns.video = reopenable(args.input)  # key frames from the video itself; None for a live source
        print(run_analysis(args.out, args.analyze, ns))
    return 0
