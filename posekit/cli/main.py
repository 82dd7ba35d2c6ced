"""The `posekit` command. Each sub-command mirrors a Python API call; see README."""

from __future__ import annotations

import argparse
import sys

from posekit.errors import PosekitError

# command -> the module that registers it. `posekit track clip.mp4` imports only posekit.cli.track:
# the other modules pull in the zoo tools, exporters and NumPy at import time (~0.2 s of each start-up).
COMMANDS = {
    "models": "models",
    "predict": "predict",
    "eval": "predict",
    "track": "track",
    "calibrate": "calibrate",
    "triangulate": "triangulate",
    "export": "export",
    "serve": "serve",
    "batch": "batch",
    "analyze": "analyze",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or only `command`'s (its help and errors are the same)."""
    import importlib

    parser = argparse.ArgumentParser(prog="posekit", description="Human pose estimation on the CPU.")
    sub = parser.add_subparsers(dest="command", required=True)
    names = [COMMANDS[command]] if command in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in names:
        module = importlib.import_module(f"posekit.cli.{name}")
        (getattr(module, "add_parsers", None) or module.add_parser)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv else None)
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
