"""`posekit analyze`: angles, repetitions, ergonomics, falls and activity from a results file."""

from __future__ import annotations

import argparse

from posekit.errors import InputError

# the names only: importing posekit.analysis.gait would load SciPy for every `posekit --help`
CONTACT_METHODS = ("position", "velocity", "foot_velocity")


def add_arguments(p: argparse.ArgumentParser, prefix: str = "") -> None:
    """The analysis switches (shared with `posekit track --analyze`)."""
    p.add_argument(
        f"--{prefix}angles", action="store_true", help="joint and segment angles (Sports2D definitions)"
    )
    p.add_argument(
        f"--{prefix}reps",
        nargs="?",
        const="any",
        default=None,
        metavar="EXERCISE",
        help="count repetitions (optionally of: squat, lunge, push_up, pull_up, sit_up, biceps_curl, "
        "front_raise, jumping_jack)",
    )
    p.add_argument(f"--{prefix}ergonomics", choices=["reba", "rula"], default=None, help="posture risk score")
    p.add_argument(f"--{prefix}falls", action="store_true", help="detect falls")
    p.add_argument(f"--{prefix}activity", action="store_true", help="standing/sitting/lying/walking/running")
    p.add_argument(
        f"--{prefix}gait",
        nargs="?",
        const=True,
        default=False,
        choices=CONTACT_METHODS,
        metavar="CONTACT",
        help="gait: heel strike/toe off, cadence, stance/swing, symmetry (side view); optionally the foot-"
        f"contact definition: {', '.join(CONTACT_METHODS)} (default velocity, docs/analysis.md)",
    )
    p.add_argument(
        f"--{prefix}treadmill",
        action="store_true",
        help="gait: the person walks on a treadmill in front of a still camera (the belt is taken out)",
    )
    p.add_argument(
        f"--{prefix}height",
        type=float,
        default=None,
        metavar="METRES",
        help="gait: the person's standing height, for step length and speed in metres",
    )
    p.add_argument(
        f"--{prefix}metres-per-pixel",
        type=float,
        default=None,
        metavar="SCALE",
        help="gait: the image scale where the person walks (e.g. from a calibration), for step length and speed",
    )


def check_treadmill(treadmill: bool, gait: bool | str) -> bool:
    if treadmill and not gait:
        raise InputError("--treadmill is an option of --gait: add --gait")
    return bool(treadmill)


def check_gait_scale(args: argparse.Namespace) -> dict:
    """height_m / metres_per_pixel for `analyze`; they only serve gait, so without --gait they are refused."""
    height, mpp = getattr(args, "height", None), getattr(args, "metres_per_pixel", None)
    if (height is not None or mpp is not None) and not args.gait:
        raise InputError("--height and --metres-per-pixel are options of --gait: add --gait")
    if height is not None and mpp is not None:
        raise InputError("give --height or --metres-per-pixel, not both")
    return {"height_m": height, "metres_per_pixel": mpp}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze", help="answers from results: angles, repetitions, REBA/RULA, gait, falls, activity"
    )
    p.add_argument(
        "results",
        help="results file from `posekit track` (.parquet, .csv, .jsonl, .json) or 3D markers from "
        "`posekit triangulate` (.trc, one person)",
    )
    p.add_argument("--out", required=True, help="output folder: <analysis>.csv, summary.json, report.html")
    add_arguments(p)
    p.add_argument("--min-score", type=float, default=0.3, help="keypoints scored below this are not used")
    p.add_argument(
        "--video",
        default=None,
        help="the video the results come from: the report's key frames are then its frames with the "
        "skeleton drawn (else stick figures)",
    )
    p.set_defaults(func=cmd_analyze)


def run_analysis(results, out: str, args: argparse.Namespace) -> str:
    from posekit.analysis import analyze

    chosen = dict(
        angles=args.angles,
        reps=args.reps,
        ergonomics=args.ergonomics,
        falls=args.falls,
        activity=args.activity,
        gait=args.gait,
    )
    if not any(chosen.values()):
        chosen.update(angles=True, reps="any", falls=True, activity=True)  # nothing asked: the usual set
    treadmill = check_treadmill(args.treadmill, args.gait)
    res = analyze(
        results,
        out=out,
        video=getattr(args, "video", None),
        min_score=getattr(args, "min_score", 0.3),
        treadmill=treadmill,
        **check_gait_scale(args),
        **chosen,
    )
    n = res.summary.get("repetitions", {})
    return (
        f"{len(res.tracks)} track(s) analysed; "
        + (f"repetitions {[v['count'] for v in n.values()]}; " if n else "")
        + (f"{len(res.summary['falls'])} fall(s); " if "falls" in res.summary else "")
        + f"report: {out}/report.html"
    )


def cmd_analyze(args: argparse.Namespace) -> int:
    print(run_analysis(args.results, args.out, args))
    return 0
