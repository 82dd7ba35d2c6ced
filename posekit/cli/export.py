"""`posekit export RESULTS --to FORMAT --out PATH`: results to motion-capture and interchange formats."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    from posekit.export.api import FORMATS

    p = sub.add_parser(
        "export", help="convert a results file to BVH, TRC, MOT, C3D, NWB, OpenPose JSON, COCO, ..."
    )
    p.add_argument("results", help="a results file of `posekit track` (.parquet, .csv, .jsonl, .json)")
    p.add_argument("--to", required=True, choices=FORMATS, help="output format")
    p.add_argument("--out", required=True, help="output file (openpose: a new folder)")
    p.add_argument(
        "--track",
        type=int,
        default=None,
        help="person (track id) for one-person formats "
        "(bvh, trc, mot, c3d); default: the one seen in most frames",
    )
    p.add_argument(
        "--raw", action="store_true", help="BlazePose's own world landmarks, not posekit's refined 3D"
    )
    p.add_argument("--height", type=float, default=None, help="the person's height in metres (scales the 3D)")
    p.add_argument("--body", default="body25", choices=["body25", "coco18"], help="OpenPose keypoint order")
    p.add_argument(
        "--calibration", default=None, help="nwb of a triangulation result: its cameras (TOML, ...)"
    )
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from posekit.export.api import export_results

    out = export_results(
        args.results,
        args.to,
        args.out,
        track_id=args.track,
        refined=not args.raw,
        height=args.height,
        body=args.body,
        calibration=args.calibration,
    )
    print(f"wrote {out}")
    return 0
