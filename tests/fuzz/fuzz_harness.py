"""The fuzzing harness shared by tests/fuzz and benchmarks/fuzz.py.

Property checked for every reader: a call on a mutated file either returns, or raises a
`posekit.errors.PosekitError` whose message is one line naming the input. Anything else (ValueError,
KeyError, struct.error, MemoryError, a multi-line or anonymous message) is an *escape*.

Profiles (env `POSEKIT_FUZZ_PROFILE`): "ci" (default: few examples, derandomized so CI is stable) and
"campaign" (thousands, random). With env `POSEKIT_FUZZ_RECORD=<file.json>` (benchmarks/fuzz.py) escapes
are counted instead of failing the test, and per-reader counts are written to that file at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import re
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from posekit.errors import PosekitError

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("POSEKIT_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "campaign",
    max_examples=int(os.environ.get("POSEKIT_FUZZ_EXAMPLES", "2000")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = os.environ.get("POSEKIT_FUZZ_PROFILE", "ci")
FUZZ = settings.get_profile(PROFILE)
RECORD = os.environ.get("POSEKIT_FUZZ_RECORD")


# --------------------------------------------------------------------------------------------
# the property
# --------------------------------------------------------------------------------------------
@dataclass
class Tally:
    """What one reader did with the inputs it was given (for the campaign table)."""

    tried: int = 0
    ok: int = 0
    refused: int = 0
    seconds: float = 0.0
    messages: set[str] = field(default_factory=set)  # distinct refusals, numbers and names masked
    escapes: dict[str, str] = field(default_factory=dict)  # signature -> an example message


TALLIES: dict[str, Tally] = {}


def _mask(msg: str, name: str) -> str:
    msg = re.sub(r"\S*" + re.escape(name), "<input>", msg)  # the temporary folder differs each time
    return re.sub(r"\d+(\.\d+)?", "N", msg)[:120]


def check(reader: str, name: str | tuple[str, ...], call: Callable[[], Any]) -> Any:
    """Run `call`; return its result, or None when it raised a well-formed PosekitError. `name` is what
    the message must contain (usually the file's name; a tuple: one of them). Escapes raise
    AssertionError (or are recorded)."""
    names = (name,) if isinstance(name, str) else name
    name = names[0]
    tally = TALLIES.setdefault(reader, Tally())
    tally.tried += 1
    t0 = time.perf_counter()
    problem: str | None = None
    result = None
    try:
        result = call()
        tally.ok += 1
    except PosekitError as e:
        msg = str(e)
        if "\n" in msg or not msg.strip():
            problem = f"multi-line or empty message: {msg!r}"
        elif not any(n in msg for n in names):
            problem = f"message does not name the input {name!r}: {msg!r}"
        else:
            tally.refused += 1
            tally.messages.add(_mask(msg, name))
    except Exception as e:  # the point of the harness: nothing else may escape
        frames = traceback.extract_tb(e.__traceback__)
        where = next(
            (f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames) if "posekit" in f.filename),
            "?",
        )
        problem = f"{type(e).__name__} at {where}: {' '.join(str(e).split())[:200]}"
    finally:
        tally.seconds += time.perf_counter() - t0
    if problem is not None:
        at = re.match(r"\S+ at [^:]+:\d+", problem)
        sig = at.group(0) if at else _mask(problem, name)
        tally.escapes.setdefault(sig, problem)
        if not RECORD:
            raise AssertionError(f"{reader}: escape on {name}: {problem}")
    return result


def _dump() -> None:
    if RECORD:
        out = {
            k: {
                "tried": t.tried,
                "ok": t.ok,
                "refused": t.refused,
                "distinct_refusals": len(t.messages),
                "escapes": t.escapes,
                "seconds": round(t.seconds, 2),
            }
            for k, t in TALLIES.items()
        }
        Path(RECORD).write_text(json.dumps(out, indent=1), encoding="utf-8")


atexit.register(_dump)


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A fresh temporary folder per example (Hypothesis examples cannot use function-scoped fixtures)."""
    with tempfile.TemporaryDirectory(prefix="posekit-fuzz-") as d:
        yield Path(d)


# --------------------------------------------------------------------------------------------
# mutations of valid files
# --------------------------------------------------------------------------------------------
@st.composite
def mutated_bytes(draw: st.DrawFn, valid: bytes) -> bytes:
    """`valid` truncated, bit-flipped, overwritten, with bytes inserted or removed, or replaced."""
    n = len(valid)
    kind = draw(st.sampled_from(["truncate", "flip", "overwrite", "insert", "delete", "garbage", "empty"]))
    if kind == "empty" or n == 0:
        return b""
    if kind == "garbage":
        return draw(st.binary(min_size=1, max_size=512))
    if kind == "truncate":
        return valid[: draw(st.integers(1, n - 1))] if n > 1 else b""
    data = bytearray(valid)
    if kind == "flip":
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, n - 1))] ^= 1 << draw(st.integers(0, 7))
    elif kind == "overwrite":
        pos = draw(st.integers(0, n - 1))
        new = draw(st.binary(min_size=1, max_size=16))
        data[pos : pos + len(new)] = new
    elif kind == "insert":
        pos = draw(st.integers(0, n))
        data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
    else:
        pos = draw(st.integers(0, n - 1))
        del data[pos : pos + draw(st.integers(1, 64))]
    return bytes(data)


#: Values that replace a field of a structured file: wrong types, NaN, infinities, negative, huge.
BAD_VALUES = [None, "x", "", -1, 0, 1e308, -1e308, math.nan, math.inf, -math.inf, 10**30, True, [], {}, [[1]]]


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:8]):  # the first items are enough; keeps the path list short
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_tree(draw: st.DrawFn, valid: Any, values: list | None = None) -> Any:
    """A deep copy of `valid` (JSON-like) with one to three nodes replaced by a bad value or removed."""
    obj = json.loads(json.dumps(valid))
    choices = values if values is not None else BAD_VALUES
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(obj)
        path = draw(st.sampled_from(paths))
        new = draw(st.sampled_from([*choices, "<delete>"]))
        if not path:
            obj = (
                json.loads(json.dumps(new)) if new != "<delete>" else {}
            )  # a copy: BAD_VALUES stay as they are
            continue
        parent = obj
        for k in path[:-1]:
            parent = parent[k]
        if new == "<delete>":
            del parent[path[-1]]
        else:
            parent[path[-1]] = json.loads(json.dumps(new))
    return obj
