"""Fuzzed results files in every format `read_tracks` reads (jsonl, json, csv, parquet)."""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from fuzz_harness import FUZZ, check, mutated_bytes, mutated_tree, scratch
from hypothesis import example, given
from hypothesis import strategies as st

from posekit.io import TrackWriter, load_tracks
from posekit.results import FrameResult, Poses

FORMATS = [".jsonl", ".json", ".csv", ".parquet"]


def frames() -> list[tuple[int, float, Poses]]:
    """Three frames of two COCO-17 people with track ids (one frame empty)."""
    rng = np.random.default_rng(1)
    out = []
    for f in range(3):
        n = 0 if f == 1 else 2
        kp = rng.uniform(0, 100, (n, 17, 2))
        boxes = np.concatenate([kp.min(1), kp.max(1)], 1) if n else np.zeros((0, 4))
        poses = Poses(kp, rng.uniform(0.2, 1, (n, 17)), boxes, np.full(n, 0.9), "coco17", (120, 160))
        poses.track_ids = np.arange(n, dtype=np.int64)
        out.append((f, f / 30, poses))
    return out


def valid_file(suffix: str) -> bytes:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"valid{suffix}"
        with TrackWriter(path) as w:
            for f, t, p in frames():
                w.write(f, t, p)
        return path.read_bytes()


def _has_arrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


VALID = {s: valid_file(s) for s in FORMATS if s != ".parquet" or _has_arrow()}


def _read(blob: bytes, suffix: str) -> None:
    with scratch() as d:
        path = d / f"results{suffix}"
        path.write_bytes(blob)
        got = check("tracks " + suffix, path.name, lambda: load_tracks(path))
        for fr in got or []:
            assert isinstance(fr, FrameResult) and isinstance(fr.poses, Poses)


def _cases() -> st.SearchStrategy[tuple[str, bytes]]:
    return st.sampled_from(sorted(VALID)).flatmap(lambda s: st.tuples(st.just(s), mutated_bytes(VALID[s])))


def _set_byte(data: bytes, pos: int, value: int) -> bytes:
    b = bytearray(data)
    b[pos] = value
    return bytes(b)


def _corrupt_page(data: bytes) -> bytes:
    """The Parquet file with bytes inside its first data page overwritten."""
    b = bytearray(data)
    b[40:48] = b"\x11" * 8
    return bytes(b)


@FUZZ
@given(case=_cases())
@example(case=(".jsonl", b"\x80"))  # bug: UnicodeDecodeError escaped
@example(case=(".csv", VALID[".csv"].replace(b"\r\n0,", b"\r\n\x000,", 1)))  # bug: ValueError (int column)
@example(case=(".parquet", _corrupt_page(VALID[".parquet"])))  # bug: OSError from pyarrow escaped
@example(case=(".parquet", _set_byte(VALID[".parquet"], -8, 0x0F)))  # bug: pyarrow's message had a newline
def test_mutated_bytes(case: tuple[str, bytes]) -> None:
    _read(case[1], case[0])


JSON_FRAMES = json.loads(VALID[".json"])


@FUZZ
@given(obj=mutated_tree(JSON_FRAMES))
@example(obj=[{**JSON_FRAMES[0], "image_size": [math.nan, 10]}])  # NaN image size: ValueError on int()
def test_mutated_json_fields(obj: object) -> None:
    _read(json.dumps(obj).encode(), ".json")
    _read("\n".join(json.dumps(o) for o in (obj if isinstance(obj, list) else [obj])).encode(), ".jsonl")


CSV_ROWS = list(csv.reader(io.StringIO(VALID[".csv"].decode())))
BAD_CELLS = ["", "x", "nan", "-1", "1e400", "inf", "-9223372036854775809", "99999999999999999999", "coco1"]


@FUZZ
@given(
    edits=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 999), st.sampled_from(BAD_CELLS)), max_size=4)
)
@example(edits=[(1, 0, "")])  # bug: an empty frame number raised ValueError
def test_mutated_csv_cells(edits: list[tuple[int, int, str]]) -> None:
    rows = [list(r) for r in CSV_ROWS]
    for i, j, bad in edits:
        row = rows[i % len(rows)]
        row[j % len(row)] = bad
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    _read(buf.getvalue().encode(), ".csv")


PARQUET_COLUMNS = list(CSV_ROWS[0])


@pytest.mark.skipif(not _has_arrow(), reason="pyarrow is not installed")
@FUZZ
@given(
    name=st.sampled_from(PARQUET_COLUMNS),
    kind=st.sampled_from(["drop", "strings", "nulls", "nan", "negative", "huge", "floats"]),
)
@example(name="frame", kind="drop")  # bug: KeyError 'frame' escaped
def test_mutated_parquet_columns(name: str, kind: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = pq.read_table(io.BytesIO(VALID[".parquet"])).to_pydict()
    n = len(cols[name])
    if kind == "drop":
        del cols[name]
    else:
        value = {"strings": "x", "nulls": None, "nan": math.nan, "negative": -5, "huge": 2**62, "floats": 1.5}
        cols[name] = [value[kind]] * n
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf)
    _read(buf.getvalue(), ".parquet")
