"""`posekit track`: poses with identities through a video, written as it goes."""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack

from tqdm import tqdm

from posekit.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("track", help="poses with stable identities through a video, stream or image sequence")
    p.add_argument("input", help="video file, image folder/glob, webcam:N, or rtsp/http URL")
    p.add_argument("--model", default=None, help="preset or model name (see `posekit models list`)")
    p.add_argument("--out", default=None, help="results: .parquet, .csv, .jsonl or .json (written incrementally)")
    p.add_argument("--render", default=None, help="annotated H.264 video (.mp4)")
    p.add_argument("--smooth", default="one_euro", choices=["one_euro", "savgol", "none"],
                   help="temporal smoothing (savgol: offline, written after the whole video is read)")
    p.add_argument("--redetect-every", type=int, default=15, help="frames between detector runs while following people")
    p.add_argument("--no-follow", action="store_true", help="run the detector on every frame")
    p.add_argument("--max-age", type=int, default=None, help="frames a lost person keeps their id (default ≈ 1 s)")
    p.add_argument("--max-frames", type=int, default=None)
    p.add_argument("--layout", default=None, help="coco17 or blazepose33")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--analyze", default=None, metavar="DIR", help="then run `posekit analyze` on --out into DIR")
    from posekit.cli.analyze import add_arguments

    add_arguments(p, prefix="analyze-")
    p.set_defaults(func=cmd_track)


def cmd_track(args: argparse.Namespace) -> int:
    from posekit.draw import LabelAnnotator, TrailAnnotator, draw_poses
    from posekit.io.tracks import TrackWriter
    from posekit.io.video import open_source
    from posekit.io.video_writer import VideoWriter
    from posekit.smooth import smooth_tracks
    from posekit.video.tracking import VideoPoseTracker

    source = open_source(args.input)  # fails fast, before models load, on a bad input
    max_age = args.max_age if args.max_age is not None else max(1, round(source.fps or 30))
    tracker = VideoPoseTracker(args.model, follow=not args.no_follow, redetect_every=args.redetect_every,
                               smooth="none" if args.smooth == "savgol" else args.smooth,
                               tracker={"max_age": max_age}, layout=args.layout, device=args.device,
                               threads=args.threads)
    labels, trail = LabelAnnotator(fields=("id",), min_score=0.3), TrailAnnotator()

    def render(image, poses):
        shown = poses.filter(min_score=0.1)
        return trail.annotate(labels.annotate(draw_poses(image, shown), shown[shown.track_ids >= 0]), shown)

    offline = args.smooth == "savgol"
    frames, ids, t0, n, error = [], set(), time.perf_counter(), 0, None
    bar = tqdm(total=source.frame_count, desc="track", unit="frame", dynamic_ncols=True, file=sys.stderr)
    with ExitStack() as stack:
        out = stack.enter_context(TrackWriter(args.out)) if args.out and not offline else None
        video = None
        try:
            for r in tracker.track(source, keep_images=bool(args.render) and not offline, max_frames=args.max_frames):
                n += 1
                ids.update(int(t) for t in r.poses.track_ids if t >= 0)
                if offline:
                    frames.append(r)
                    bar.update()
                    continue
                if out:
                    out.write(r.index, r.time, r.poses)
                if args.render:
                    if video is None:
                        h, w = r.image.shape[:2]
                        video = stack.enter_context(VideoWriter(args.render, source.fps or 30, (w, h)))
                    video.write(render(r.image, r.poses))
                bar.update()
        except InputError as exc:  # a video that breaks off: keep what was written, then say so
            error = exc
        bar.close()
        if offline and frames:
            smoothed = smooth_tracks([f.poses for f in frames], "savgol")
            if args.out:
                with TrackWriter(args.out) as w:
                    for f, p in zip(frames, smoothed):
                        w.write(f.index, f.time, p)
            if args.render:
                _render_again(args.input, args.render, frames, smoothed, source.fps or 30, render)
    elapsed = time.perf_counter() - t0
    print(f"{n} frames in {elapsed:.1f} s ({n / max(elapsed, 1e-9):.1f} frames/s), {len(ids)} track ids"
          + (f"; results: {args.out}" if args.out else "") + (f"; video: {args.render}" if args.render else ""))
    if error:
        print(f"posekit: error: {error} (results up to there are written)", file=sys.stderr)
        return 1
    if args.analyze:
        from posekit.cli.analyze import run_analysis

        if not args.out:
            raise InputError("--analyze needs --out (the results file it reads)")
        ns = argparse.Namespace(**{k[len("analyze_"):]: v for k, v in vars(args).items() if k.startswith("analyze_")})
        print(run_analysis(args.out, args.analyze, ns))
    return 0


def _render_again(path, render_path, frames, smoothed, fps, render) -> None:
    """Second decoding pass for offline smoothing: draw the smoothed poses on the same frames."""
    from posekit.io.video import open_source
    from posekit.io.video_writer import VideoWriter

    by_index = {f.index: p for f, p in zip(frames, smoothed)}
    with open_source(path) as src, ExitStack() as stack:
        video = None
        for frame in src:
            if frame.index not in by_index:
                break
            if video is None:
                h, w = frame.image.shape[:2]
                video = stack.enter_context(VideoWriter(render_path, fps, (w, h)))
            video.write(render(frame.image, by_index[frame.index]))
