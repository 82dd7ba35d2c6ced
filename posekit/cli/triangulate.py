"""`posekit triangulate`: 3D joint positions from several synchronised, calibrated cameras."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from posekit.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "triangulate",
        help="3D poses (metres) from several calibrated cameras",
        description="Inputs per camera, in the calibration's camera order: a folder of OpenPose "
        "JSON files, a posekit track file, a video or an image folder.",
    )
    p.add_argument("inputs", nargs="+", help="one input per camera")
    p.add_argument(
        "--calib", required=True, help="calibration: .toml (Pose2Sim/anipose), .qca.txt, .yml/.json"
    )
    p.add_argument(
        "--out", required=True, help="output: .trc (OpenSim, Y up), .parquet or .csv (world frame)"
    )
    p.add_argument(
        "--fps",
        type=float,
        default=None,
        help="frame rate (needed for JSON and image folders; videos carry theirs)",
    )
    p.add_argument("--model", default=None, help="2D model for videos/images (see `posekit models list`)")
    p.add_argument(
        "--layout", default=None, help="OpenPose JSON layout: body25, body25b, coco18 (guessed if absent)"
    )
    p.add_argument(
        "--offsets", default=None, help="per-camera frame offsets, comma separated (e.g. 0,2,0,-1)"
    )
    p.add_argument("--max-frames", type=int, default=None)
    p.add_argument("--max-people", type=int, default=None, help="keep at most N people (most-seen first)")
    p.add_argument("--min-score", type=float, default=0.3, help="2D confidence needed to use a point")
    p.add_argument(
        "--max-error",
        type=float,
        default=15.0,
        help="reprojection error (px) above which cameras are excluded, then the point dropped",
    )
    p.add_argument("--min-cameras", type=int, default=2)
    p.add_argument(
        "--refine",
        action="store_true",
        help="bundle refinement: robust reprojection loss, smooth motion, constant bone lengths",
    )
    p.add_argument("--max-gap", type=int, default=10, help="fill gaps of at most N frames (0: none)")
    p.add_argument("--filter", default="butterworth", choices=["butterworth", "one_euro", "none"])
    p.add_argument("--cutoff", type=float, default=6.0, help="Butterworth cut-off frequency (Hz)")
    p.add_argument(
        "--trc-axes",
        default="y-up",
        choices=["y-up", "world"],
        help="TRC axes: y-up (OpenSim; world Z-up rotated) or the calibration's world frame",
    )
    p.add_argument("--report", default=None, help="write the reprojection summary here (.json)")
    p.add_argument("--render", default=None, help="3D skeleton picture: .gif (rotating) or .html (viewer)")
    p.add_argument(
        "--overlay",
        default=None,
        help="folder: for each video input, the 3D skeletons reprojected over it (<camera>.mp4)",
    )
    p.set_defaults(func=cmd_triangulate)


def cmd_triangulate(args: argparse.Namespace) -> int:
    from posekit.threed.associate import AssociationParams
    from posekit.threed.calib_io import read_calibration
    from posekit.threed.inputs import load_view
    from posekit.threed.output import write_result, write_summary
    from posekit.threed.pipeline import ReconstructParams, reconstruct
    from posekit.threed.triangulate import TriangulationParams

    out = Path(args.out)
    if out.suffix.lower() not in (".trc", ".parquet", ".csv", ".c3d"):
        raise InputError(f"{out}: unknown output format; use .trc, .parquet or .csv")
    calib = read_calibration(args.calib)
    if len(args.inputs) != len(calib):
        raise InputError(
            f"{len(args.inputs)} inputs for {len(calib)} cameras in {args.calib} ({', '.join(calib.names)})"
        )
    offsets = None
    if args.offsets:
        try:
            offsets = [int(v) for v in args.offsets.split(",")]
        except ValueError:
            raise InputError(f"--offsets: expected comma-separated integers, got {args.offsets!r}") from None
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        views = [
            load_view(p, model=args.model, layout=args.layout, max_frames=args.max_frames)
            for p in args.inputs
        ]
        fps = args.fps or next((v.fps for v in views if v.fps), None)
        if fps is None:
            raise InputError("these inputs carry no frame rate: pass --fps (Pose2Sim's demo: 60)")
        params = ReconstructParams(
            triangulation=TriangulationParams(args.min_score, args.max_error, args.min_cameras),
            association=AssociationParams(min_score=args.min_score),
            max_people=args.max_people,
            refine=args.refine,
            max_gap=args.max_gap,
            filter=args.filter,
            cutoff=args.cutoff,
        )
        result = reconstruct(calib, views, fps, params, offsets, progress=True)
    for w in caught:
        print(f"posekit: warning: {w.message}", file=sys.stderr)
    files = write_result(out, result, y_up=args.trc_axes == "y-up")
    if args.report:
        write_summary(args.report, result)
    if args.render:
        from posekit.threed.viewer import render_3d

        render_3d(args.render, result)
        files.append(Path(args.render))
    if args.overlay:
        from posekit.threed.viewer import render_reprojection

        for cam, src, view in zip(calib.cameras, args.inputs, views):
            if Path(src).is_file() and Path(src).suffix.lower() in (".mp4", ".avi", ".mov", ".mkv", ".webm"):
                dst = Path(args.overlay) / f"{cam.name}.mp4"
                render_reprojection(src, dst, result, cam, view, args.max_frames)
                files.append(dst)
    s = result.summary()
    F, T = result.positions.shape[:2]
    print(
        f"{F} frames, {T} people, {len(calib)} cameras in {time.perf_counter() - t0:.1f} s; "
        f"mean reprojection error {s['mean_error_px']:.2f} px, {100 * s['triangulated_share']:.0f}% of points "
        f"triangulated from {s['mean_cameras']:.2f} cameras on average"
    )
    print("per camera (px): " + ", ".join(f"{k} {v:.2f}" for k, v in s["per_camera_px"].items()))
    for f in files:
        print(f"wrote {f}")
    return 0
