"""Reading results files back as `FrameResult`s, one reader per format."""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from posekit.errors import InputError
from posekit.io.messages import one_line
from posekit.io.tracks.schema import INT_COLUMNS, empty_columns, frame_from_rows, track_suffix
from posekit.results import FrameResult, Poses

log = logging.getLogger("posekit.io.tracks")


def read_tracks(path: str | os.PathLike) -> Iterator[FrameResult]:
    """Yield a `FrameResult` (index, time, poses; it unpacks as that tuple) for each frame stored in a
    results file of any format."""
    path = Path(path)
    fmt = track_suffix(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
    try:
        yield from READERS[fmt](path)
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not a text file (invalid UTF-8 at byte {e.start})") from None
    except (OSError, ValueError, KeyError, TypeError, IndexError, ArithmeticError) as e:
        # the readers check what they expect; this catches what a damaged file breaks below them
        # (pyarrow's OSError on a corrupt page, numpy's on a bad value, ...)
        raise InputError(
            f"{path}: not a valid {fmt[1:]} results file ({type(e).__name__}: {one_line(e)})"
        ) from None


def load_tracks(path: str | os.PathLike) -> list[FrameResult]:
    """All of `read_tracks(path)` as a list."""
    return list(read_tracks(path))


def _from_obj(obj: Any, path: Path, where: str) -> FrameResult:
    try:
        return FrameResult(
            int(obj["frame"]),
            float(obj["time"]),
            Poses.from_dicts(obj["people"], obj["layout"], tuple(obj["image_size"])),
        )
    except Exception as e:
        raise InputError(
            f"{path}: {where} is not a valid frame record ({type(e).__name__}: {one_line(e)})"
        ) from None


def _read_json(path: Path) -> Iterator[FrameResult]:
    try:
        objs = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a valid JSON results file ({e})") from None
    if not isinstance(objs, list):
        raise InputError(f"{path}: expected a JSON array of frames")
    for i, obj in enumerate(objs):
        yield _from_obj(obj, path, f"item {i}")


def _read_jsonl(path: Path) -> Iterator[FrameResult]:
    with open(path, encoding="utf-8") as f:
        lines = iter(f)
        line = next(lines, None)
        number = 1
        while line is not None:
            nxt = next(lines, None)
            if line.strip():
                try:
                    obj = json.loads(line)
                except ValueError:
                    if nxt is None and not line.endswith("\n"):  # the writer was cut off mid-line
                        log.warning("%s: skipping the incomplete last line %d", path, number)
                        return
                    raise InputError(f"{path}: line {number} is not valid JSON") from None
                yield _from_obj(obj, path, f"line {number}")
            line, number = nxt, number + 1


def _csv_blocks(path: Path, block: int = 4096) -> Iterator[dict[str, np.ndarray]]:
    head = empty_columns()[:-3]
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header or header[: len(head)] != head:
            raise InputError(f"{path}: not a posekit tracks CSV (expected columns {', '.join(head)}, ...)")
        torn = _ends_mid_line(path)
        rows: list[list[str]] = []
        row: list[str] = []
        for row in reader:
            if len(row) != len(header):
                log.warning(
                    "%s: skipping row %d with %d fields (expected %d)",
                    path,
                    reader.line_num,
                    len(row),
                    len(header),
                )
                continue
            rows.append(row)
            if len(rows) >= block and not torn:
                yield _csv_columns(header, rows, path, reader.line_num)
                rows = []
        if torn:
            _drop_torn_frame(rows, row, path)
        if rows:
            yield _csv_columns(header, rows, path, reader.line_num)


def _ends_mid_line(path: Path) -> bool:
    """The writer ends every row with a newline, so a file that does not was cut off mid-write (a kill)."""
    with open(path, "rb") as f:
        if f.seek(0, os.SEEK_END) == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"  # rows end with "\r\n": a lone "\r" is a cut too


def _drop_torn_frame(rows: list[list[str]], last: list[str], path: Path) -> None:
    """Remove the frame whose write was cut off: its last row may have the right number of fields with
    its final number shortened, and its people written before the cut would make the frame look whole."""
    if rows and rows[-1] is last:
        rows.pop()
    frame = last[0] if last else None
    while rows and rows[-1][0] == frame:
        rows.pop()
    log.warning("%s: skipping frame %s, cut off by an interrupted write", path, frame)


def _csv_columns(header: list[str], rows: list[list[str]], path: Path, line: int) -> dict[str, np.ndarray]:
    out = {}
    for j, c in enumerate(header):
        vals = [r[j] for r in rows]
        try:
            if c == "layout":
                out[c] = np.array(vals, dtype=object)
            elif c in INT_COLUMNS:
                out[c] = np.array(vals, dtype=np.int64)
            else:  # floats, and track_id (empty: no ids)
                out[c] = np.array([v if v else "nan" for v in vals], dtype=np.float64)
        except (ValueError, OverflowError):
            bad = next((v for v in vals if not _parses(v, c in INT_COLUMNS)), "?")
            raise InputError(
                f"{path}: column {c!r} has {bad[:20]!r}, not a number (rows up to line {line})"
            ) from None
    return out


def _parses(v: str, integer: bool) -> bool:
    try:
        np.array([v], dtype=np.int64) if integer else float(v or "nan")
    except (ValueError, OverflowError):
        return False
    return True


def _parquet_blocks(path: Path) -> Iterator[dict[str, np.ndarray]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("reading .parquet results needs pyarrow: pip install pyarrow") from None
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:
        raise InputError(f"{path}: not a readable Parquet file ({one_line(e)})") from None
    missing = sorted(set(_REQUIRED) - set(pf.schema_arrow.names))
    if missing:
        raise InputError(f"{path}: not a posekit tracks Parquet file (no column {', '.join(missing)})")
    for batch in pf.iter_batches(batch_size=8192):
        cols = {c: batch.column(c).to_numpy(zero_copy_only=False) for c in batch.schema.names}
        if "track_id" in cols:  # nulls (no ids) as NaN, as in CSV
            cols["track_id"] = batch.column("track_id").to_numpy(zero_copy_only=False).astype(np.float64)
        yield cols


_REQUIRED = ("frame", "time", "track_id", "layout", "image_w", "image_h")


def _group(blocks: Iterator[dict[str, np.ndarray]], path: Path) -> Iterator[FrameResult]:
    """Rows (in column blocks) → one FrameResult per run of rows with the same frame number."""
    carry: dict[str, np.ndarray] | None = None
    for b in blocks:
        if carry is not None:
            b = {c: np.concatenate([carry[c], b[c]]) for c in b}
        frames = b["frame"]
        starts = np.flatnonzero(np.r_[True, frames[1:] != frames[:-1]])
        ends = np.r_[starts[1:], len(frames)]
        for s, e in zip(starts[:-1], ends[:-1]):
            yield frame_from_rows({c: v[s:e] for c, v in b.items()}, path)
        carry = {c: v[starts[-1] :] for c, v in b.items()} if len(frames) else None
    if carry is not None and len(carry["frame"]):
        yield frame_from_rows(carry, path)


def _read_csv(path: Path) -> Iterator[FrameResult]:
    return _group(_csv_blocks(path), path)


def _read_parquet(path: Path) -> Iterator[FrameResult]:
    return _group(_parquet_blocks(path), path)


#: The reader of each results format (by file suffix).
READERS: dict[str, Callable[[Path], Iterator[FrameResult]]] = {
    ".jsonl": _read_jsonl,
    ".json": _read_json,
    ".csv": _read_csv,
    ".parquet": _read_parquet,
}
