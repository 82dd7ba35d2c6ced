"""`posekit calibrate`: camera calibration from a checkerboard, or conversion of a calibration file."""

from __future__ import annotations

import argparse
from pathlib import Path

from posekit.errors import InputError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="calibrate cameras from a checkerboard, or convert a calibration file to TOML",
        description="Intrinsics from per-camera board images/videos, extrinsics from the board seen by several "
        "cameras at once (frame k of every source = the same instant), refined by bundle adjustment. "
        "Or --convert a Qualisys .qca.txt / OpenCV YAML calibration to Pose2Sim/anipose TOML.",
    )
    p.add_argument(
        "--board",
        default=None,
        help="checkerboard:COLSxROWS:SQUARE_METRES (inner corners), "
        "e.g. checkerboard:4x7:0.06, or charuco:COLSxROWS:SQUARE:MARKER[:DICT] (squares), "
        "e.g. charuco:5x7:0.04:0.03",
    )
    p.add_argument("--intrinsics", nargs="+", default=None, help="one image folder or video per camera")
    p.add_argument(
        "--extrinsics",
        nargs="+",
        default=None,
        help="one synchronised image folder or video per camera (same order as --intrinsics)",
    )
    p.add_argument(
        "--names", default=None, help="camera names, comma separated (default cam_01, cam_02, ...)"
    )
    p.add_argument("--every", type=int, default=15, help="use every N-th video frame")
    p.add_argument(
        "--intrinsics-from",
        default=None,
        help="take intrinsics from this calibration file instead of --intrinsics",
    )
    p.add_argument(
        "--convert", default=None, help="calibration file to convert (.qca.txt, .yml, .json, .toml)"
    )
    p.add_argument("--convert-extrinsics", default=None, help="extri.yml to go with an intri.yml")
    p.add_argument("--out", required=True, help="calibration TOML to write")
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from posekit.io.atomic import write_json_atomic
    from posekit.threed.board import calibrate_extrinsics, calibrate_intrinsics, observe_boards, parse_board
    from posekit.threed.calib_io import read_calibration, write_toml
    from posekit.threed.camera import Calibration

    out = Path(args.out)
    if out.suffix.lower() != ".toml":
        raise InputError(f"{out}: calibrations are written as .toml")
    if args.convert:
        calib = read_calibration(args.convert, args.convert_extrinsics)
        write_toml(out, calib)
        print(f"wrote {out} ({len(calib)} cameras: {', '.join(calib.names)})")
        return 0
    if not args.board:
        raise InputError("give --board (and --intrinsics/--extrinsics), or --convert FILE")
    board = parse_board(args.board)
    report: dict = {"board": args.board}
    if args.intrinsics_from:
        cams = read_calibration(args.intrinsics_from).cameras
    elif args.intrinsics:
        names = (
            args.names.split(",") if args.names else [f"cam_{i + 1:02d}" for i in range(len(args.intrinsics))]
        )
        if len(names) != len(args.intrinsics):
            raise InputError(f"--names gives {len(names)} names for {len(args.intrinsics)} cameras")
        cams, report["intrinsics_rms_px"] = [], {}
        for n, src in zip(names, args.intrinsics):
            r = calibrate_intrinsics(src, board, n, args.every)
            cams.append(r.camera)
            report["intrinsics_rms_px"][n] = r.rms_px
            print(
                f"{n}: intrinsics from {len(r.used)} views, RMS reprojection error {r.rms_px:.3f} px, "
                f"f = {r.camera.matrix[0, 0]:.1f} px"
            )
    else:
        raise InputError("give --intrinsics (board images per camera) or --intrinsics-from CALIB")
    if args.extrinsics:
        if len(args.extrinsics) != len(cams):
            raise InputError(f"{len(args.extrinsics)} --extrinsics sources for {len(cams)} cameras")
        obs = observe_boards(args.extrinsics, board, args.every)
        res = calibrate_extrinsics(cams, obs, board)
        calib = res.calibration
        report["extrinsics_px_before_adjustment"] = res.initial_px
        report["extrinsics_px"] = res.per_camera_px
        for n in calib.names:
            print(
                f"{n}: board reprojection error {res.initial_px.get(n, float('nan')):.2f} px → "
                f"{res.per_camera_px.get(n, float('nan')):.2f} px after bundle adjustment"
            )
    else:
        calib = Calibration(cams, {"adjusted": False, "error": 0.0, "extrinsics": "none"})
        print("no --extrinsics: the file holds intrinsics only (identity poses)")
    write_toml(out, calib)
    report_path = out.with_suffix(".report.json")
    write_json_atomic(report_path, report)
    print(f"wrote {out} and {report_path}")
    return 0
