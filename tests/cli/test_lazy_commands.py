"""`posekit <command>` registers only that command, so a start-up does not import the others' modules."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from posekit.cli.main import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[2]


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_full_parser_has_every_command():
    assert _commands(build_parser()) == set(COMMANDS)
    assert _commands(build_parser("no-such-command")) == set(COMMANDS)  # argparse then names the choices


def test_one_command_parses_as_in_the_full_parser():
    argv = ["track", "clip.mp4", "--model", "blazepose", "--max-frames", "3"]
    assert vars(build_parser("track").parse_args(argv)) == vars(build_parser().parse_args(argv))
    assert _commands(build_parser("eval")) == {"predict", "eval"}


def test_track_does_not_import_the_other_commands():
    code = (
        "import sys; from posekit.cli.main import build_parser; build_parser('track'); "
        "print(sorted(m for m in sys.modules if m.startswith(('posekit.cli.', 'posekit.export', 'posekit.zoo'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['posekit.cli.analyze', 'posekit.cli.main', 'posekit.cli.track']"
