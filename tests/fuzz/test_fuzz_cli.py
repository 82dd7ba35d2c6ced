"""Generated command lines for `posekit`: no traceback ever; bad input exits 2 with a one-line message.

Options and choices come from the parser itself, values from a pool of bad ones (missing, empty, garbage
and folder paths, negative/huge/NaN numbers, unknown names). `serve` (starts a server), `models` (changes
the shared model cache) and the Ray engine are left out: they are not input readers.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
from pathlib import Path

from fuzz_harness import FUZZ, check, scratch
from hypothesis import example, given
from hypothesis import strategies as st

from posekit.cli.main import build_parser, main

SKIP_COMMANDS = {"serve", "models"}
SKIP_OPTIONS = {"--address", "--engine", "--device"}  # a Ray cluster address; device names reach ORT


def _commands() -> dict[str, list[argparse.Action]]:
    out: dict[str, list[argparse.Action]] = {}
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        if name not in SKIP_COMMANDS:
            out[name] = [
                a for a in p._actions if a.dest != "help" and not set(a.option_strings) & SKIP_OPTIONS
            ]
    return out


COMMANDS = _commands()
NUMBERS = ["-1", "0", "1e309", "nan", "-inf", "99999999999999999999", "1.5", "x", ""]
FILES = ["missing.mp4", "empty.jpg", "garbage.parquet", "garbage.toml", "folder", "out.xyz", "-", "a b/c"]


class CliEscape(AssertionError):
    """The command line misbehaved: a traceback, an unexpected exit code or a multi-line error."""


def run_cli(argv: list[str]) -> int:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as e:  # argparse: 2 on a usage error, 0 for --help
            code = e.code if isinstance(e.code, int) else 2
    text = err.getvalue()
    if "Traceback" in text:
        raise CliEscape(f"traceback printed for {argv}")
    if code not in (0, 2) and not (code == 1 and argv[0] == "predict"):  # predict: 1 = some inputs skipped
        raise CliEscape(f"exit code {code} for {argv}")
    if code == 2:
        errors = [ln for ln in text.splitlines() if re.match(r"^posekit[\w -]*: error: ", ln)]
        if len(errors) != 1 or not errors[0].strip():
            raise CliEscape(f"expected one 'posekit: error:' line for {argv}, got {text[-300:]!r}")
    return code


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    cmd = draw(st.sampled_from(sorted(COMMANDS)))
    argv = [cmd]
    actions = COMMANDS[cmd]
    for a in actions:
        if a.option_strings and draw(st.integers(0, 3)) != 0:
            continue  # each option used one time in four
        if not a.option_strings and draw(st.integers(0, 5)) == 0:
            continue  # a positional left out now and then
        flag = [draw(st.sampled_from(a.option_strings))] if a.option_strings else []
        if a.nargs == 0:
            argv += flag
            continue
        count = {
            None: 1,
            "?": draw(st.integers(0, 1)),
            "*": draw(st.integers(0, 2)),
            "+": draw(st.integers(1, 2)),
        }
        n = a.nargs if isinstance(a.nargs, int) else count[a.nargs]
        for _ in range(n):
            if a.choices and draw(st.booleans()):
                flag.append(draw(st.sampled_from(list(a.choices))))
            elif a.type in (int, float):
                flag.append(draw(st.sampled_from(NUMBERS)))
            else:
                flag.append(draw(st.sampled_from(FILES + NUMBERS[-2:])))
        argv += flag
    if draw(st.integers(0, 9)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(["--bogus", "-x", "--help"])))
    return argv


@FUZZ
@given(argv=argvs())
@example(argv=["analyze", "garbage.parquet"])
@example(argv=["export", "garbage.parquet", "--to", "trc", "--out", "out.xyz"])  # bug: ArrowInvalid escaped
@example(argv=["batch", "folder", "--out", "out.xyz", "--chunk-seconds", "0"])  # bug: ValueError escaped
@example(
    argv=["predict", "--samples", "--out", "garbage.parquet", "--per-image-json", "garbage.parquet"]
)  # bug: the
# error was printed on the line of the progress bar it interrupted
@example(argv=["calibrate", "--convert", "garbage.toml", "--out", "out.xyz"])
def test_generated_command_lines(argv: list[str]) -> None:
    with scratch() as d:
        (d / "empty.jpg").write_bytes(b"")
        (d / "garbage.parquet").write_bytes(os.urandom(64))
        (d / "garbage.toml").write_bytes(b"[cam_01]\nmatrix = 'x'\n")
        (d / "folder").mkdir()
        old = Path.cwd()
        os.chdir(d)  # relative output paths land in the scratch folder
        try:
            check("cli", "posekit", lambda: run_cli(argv))
        finally:
            os.chdir(old)
