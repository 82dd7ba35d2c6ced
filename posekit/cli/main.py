"""The `posekit` command. Each sub-command mirrors a Python API call; see README."""

from __future__ import annotations

import argparse
import sys

from posekit.errors import PosekitError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="posekit", description="Human pose estimation on the CPU.")
    sub = parser.add_subparsers(dest="command", required=True)
    from posekit.cli import analyze, batch, calibrate, export, models, predict, serve, track, triangulate

    models.add_parser(sub)
    predict.add_parsers(sub)
    track.add_parser(sub)
    calibrate.add_parser(sub)
    triangulate.add_parser(sub)
    export.add_parser(sub)
    serve.add_parser(sub)
    batch.add_parser(sub)
    analyze.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PosekitError as exc:
        _close_progress_bars()
        print(f"posekit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("posekit: interrupted", file=sys.stderr)
        return 130


def _close_progress_bars() -> None:
    """A progress bar cut short by the error would leave the message on the bar's line: close it first
    (tqdm ends the line)."""
    tqdm = sys.modules.get("tqdm")  # only if some command has used it
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", None) or []):
        bar.close()


if __name__ == "__main__":
    sys.exit(main())
