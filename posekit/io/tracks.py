"""Per-frame pose results written incrementally (`TrackWriter`) and read back (`read_tracks`).

The format follows the file suffix:

* `.jsonl` — one JSON object per frame and line, flushed after each frame:
  `{"frame", "time", "image_size": [h, w], "layout", "people": Poses.to_dicts()}`.
  Written in place; a crash leaves every complete line (a cut-off last line is skipped on reading).
* `.json` — a JSON array of those objects.
* `.csv` — one row per person per frame, columns below; written in place, flushed per frame.
* `.parquet` — the same columns (needs pyarrow), a row group every `row_group_frames` frames.

`.json` and `.parquet` are written to a temporary file next to `path` and renamed onto it by
`close()`, which the context manager calls on success *and* when the block raises, so `path` always
holds a valid file with every frame written so far.

Tabular columns (CSV and Parquet), in this order:
    frame (int), time (float, seconds), track_id (int, -1 when untracked), score (person score),
    x1, y1, x2, y2 (box), then for each keypoint name of the layout: <name>_x, <name>_y,
    <name>_score, and <name>_wx, <name>_wy, <name>_wz when the file has world coordinates,
    then layout (layout name), image_w, image_h (original image size in pixels).
Coordinates are float32 (CSV: 9 significant digits, exact for float32; NaN is an empty field).
The layout and world columns are fixed by the first frame with people (or the `layout`/`world`
arguments); later frames without world coordinates get NaN there. `Poses.extra` is not stored in
tabular files (JSON keeps it).

Reading tabular files: frames without people have no rows, so they are absent; `track_ids` is None
for a frame whose ids are all -1, and `world` is None when the file has no world columns or the
frame's world values are all NaN. JSON/JSONL files give every frame written, empty ones included.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.layouts import Layout, get_layout
from posekit.results import Poses

log = logging.getLogger(__name__)

TRACK_FORMATS = (".parquet", ".csv", ".jsonl", ".json")
_HEAD = ("frame", "time", "track_id", "score", "x1", "y1", "x2", "y2")
_TAIL = ("layout", "image_w", "image_h")
_INT_COLS = ("frame", "track_id", "image_w", "image_h")


def track_columns(layout: str | Layout, world: bool = False) -> list[str]:
    """The tabular column names for a layout (see the module docstring)."""
    kp = []
    for name in get_layout(layout).keypoint_names:
        kp += [f"{name}_x", f"{name}_y", f"{name}_score"] + ([f"{name}_w{a}" for a in "xyz"] if world else [])
    return [*_HEAD, *kp, *_TAIL]


def _suffix(path: Path) -> str:
    s = path.suffix.lower()
    if s not in TRACK_FORMATS:
        raise InputError(f"{path}: unsupported results file type {s or '(none)'!r}; use one of {', '.join(TRACK_FORMATS)}")
    return s


def _temp_next_to(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return tmp


def _publish(tmp: str, path: Path) -> None:
    with contextlib.suppress(OSError):
        os.chmod(tmp, 0o644)
    os.replace(tmp, path)


class TrackWriter:
    """`TrackWriter(path)`; `write(frame_index, time, poses)` per frame; `close()` (or a `with`
    block, which closes on errors too). `layout`/`world` fix the tabular columns up front (else
    the first frame with people decides); `row_group_frames` is the Parquet row group size."""

    def __init__(self, path: str | os.PathLike, *, layout: str | Layout | None = None, world: bool | None = None,
                 row_group_frames: int = 100) -> None:
        self.path = Path(path)
        self.format = _suffix(self.path)
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a directory, cannot write results there")
        self._layout = None if layout is None else get_layout(layout)
        self._world, self._group = world, max(1, int(row_group_frames))
        self._pending: list[dict[str, np.ndarray]] = []
        self._columns: list[str] | None = None
        self._pq = self._csv = None
        self._warned_world = False
        self._closed = False
        self.frames_written = 0
        try:
            if self.format in (".json", ".parquet"):
                self._tmp = _temp_next_to(self.path)
            if self.format == ".parquet":
                import pyarrow  # noqa: F401  fail early with a clear message
            if self.format != ".parquet":
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._f = open(self._tmp if self.format == ".json" else self.path, "w", encoding="utf-8", newline="")
                if self.format == ".json":
                    self._f.write("[")
                elif self.format == ".csv":
                    self._csv = csv.writer(self._f)
        except ImportError:
            self._discard()
            raise ImportError("writing .parquet results needs pyarrow: pip install pyarrow") from None
        except OSError as e:
            self._discard()
            raise InputError(f"{self.path}: cannot write results ({e.strerror or e})") from None

    # ------------------------------------------------------------------ writing
    def write(self, frame_index: int, time: float, poses: Poses) -> None:
        """Append one frame's results (any number of people, none included)."""
        if self._closed:
            raise ValueError(f"TrackWriter({self.path}): write after close")
        if not isinstance(poses, Poses):
            raise TypeError(f"TrackWriter.write: expected Poses, got {type(poses).__name__}")
        if self.format in (".json", ".jsonl"):
            obj = {"frame": int(frame_index), "time": float(time), "image_size": list(poses.image_size),
                   "layout": poses.layout.name, "people": poses.to_dicts()}
            text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
            if self.format == ".jsonl":
                self._f.write(text + "\n")
                self._f.flush()
            else:
                self._f.write(("\n" if self.frames_written == 0 else ",\n") + text)
        elif len(poses):
            self._write_rows(self._rows(int(frame_index), float(time), poses))
        self.frames_written += 1

    def _rows(self, frame: int, time: float, p: Poses) -> dict[str, np.ndarray]:
        if self._columns is None:
            self._layout = self._layout or p.layout
            self._world = p.world is not None if self._world is None else self._world
            self._columns = track_columns(self._layout, self._world)
            if self._csv is not None:
                self._csv.writerow(self._columns)
        if p.layout.name != self._layout.name:
            raise ValueError(f"TrackWriter({self.path}): frame {frame} has layout {p.layout.name!r}, "
                             f"the file has {self._layout.name!r}")
        if p.world is not None and not self._world and not self._warned_world:
            log.warning("%s: world coordinates from frame %d on are not stored (the file has no world columns)",
                        self.path, frame)
            self._warned_world = True
        n, (h, w) = len(p), p.image_size
        cols: dict[str, np.ndarray] = {"frame": np.full(n, frame, np.int64), "time": np.full(n, time),
                                       "track_id": np.full(n, -1, np.int64) if p.track_ids is None else p.track_ids,
                                       "score": p.person_scores}
        for j, c in enumerate(("x1", "y1", "x2", "y2")):
            cols[c] = p.boxes[:, j]
        world = p.world if p.world is not None else np.full((n, len(p.layout), 3), np.nan, np.float32)
        for k, name in enumerate(p.layout.keypoint_names):
            cols[f"{name}_x"], cols[f"{name}_y"] = p.keypoints[:, k, 0], p.keypoints[:, k, 1]
            cols[f"{name}_score"] = p.scores[:, k]
            if self._world:
                for j, a in enumerate("xyz"):
                    cols[f"{name}_w{a}"] = world[:, k, j]
        cols["layout"] = np.full(n, p.layout.name, object)
        cols["image_w"], cols["image_h"] = np.full(n, w, np.int64), np.full(n, h, np.int64)
        return cols

    def _write_rows(self, cols: dict[str, np.ndarray]) -> None:
        if self._csv is not None:
            n = len(cols["frame"])
            fmt = [_fmt_int if c in _INT_COLS else _fmt_f64 if c == "time" else str if c == "layout" else _fmt_f32
                   for c in self._columns]
            for i in range(n):
                self._csv.writerow([f(cols[c][i]) for f, c in zip(fmt, self._columns)])
            self._f.flush()
        else:
            self._pending.append(cols)
            if len(self._pending) >= self._group:
                self._flush_parquet()

    def _schema(self):
        import pyarrow as pa

        cols = self._columns or list(_HEAD + _TAIL)
        typ = {"frame": pa.int64(), "time": pa.float64(), "track_id": pa.int64(), "layout": pa.string(),
               "image_w": pa.int32(), "image_h": pa.int32()}
        return pa.schema([(c, typ.get(c, pa.float32())) for c in cols])

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = self._schema()
        if self._pq is None:
            self._pq = pq.ParquetWriter(self._tmp, schema)
        if self._pending:
            data = {c: np.concatenate([b[c] for b in self._pending]) for c in schema.names}
            self._pq.write_table(pa.table({c: pa.array(data[c], type=schema.field(c).type) for c in schema.names},
                                          schema=schema))
            self._pending = []

    # ------------------------------------------------------------------ closing
    def close(self) -> None:
        """Finish the file (the temporary file becomes `path` for .json/.parquet)."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.format == ".parquet":
                if self._columns is None and self._layout is not None:
                    self._columns = track_columns(self._layout, bool(self._world))
                self._flush_parquet()
                self._pq.close()
            else:
                if self.format == ".json":
                    self._f.write("\n]\n" if self.frames_written else "]\n")
                elif self.format == ".csv" and self._columns is None:  # header only: a valid empty table
                    self._csv.writerow(track_columns(self._layout, bool(self._world)) if self._layout
                                       else list(_HEAD + _TAIL))
                self._f.close()
            if self.format in (".json", ".parquet"):
                _publish(self._tmp, self.path)
        except BaseException:
            self._discard()
            raise

    def _discard(self) -> None:
        with contextlib.suppress(Exception):
            self._f.close()
        with contextlib.suppress(Exception):
            self._pq.close()
        with contextlib.suppress(Exception):
            os.unlink(self._tmp)

    def __enter__(self) -> TrackWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()  # on errors too: what was written so far stays a valid file


def _fmt_f32(v) -> str:
    v = float(v)
    return format(v, ".9g") if v == v and abs(v) != float("inf") else ("" if v != v else repr(v))


def _fmt_int(v) -> str:
    return str(int(v))


# ---------------------------------------------------------------------- reading
def read_tracks(path: str | os.PathLike) -> Iterator[tuple[int, float, Poses]]:
    """Yield (frame_index, time, Poses) for each frame stored in a results file of any format."""
    path = Path(path)
    fmt = _suffix(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
    if fmt == ".jsonl":
        yield from _read_jsonl(path)
    elif fmt == ".json":
        try:
            objs = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise InputError(f"{path}: not a valid JSON results file ({e})") from None
        if not isinstance(objs, list):
            raise InputError(f"{path}: expected a JSON array of frames")
        for i, obj in enumerate(objs):
            yield _from_obj(obj, path, f"item {i}")
    elif fmt == ".csv":
        yield from _group(_csv_blocks(path), path)
    else:
        yield from _group(_parquet_blocks(path), path)


def load_tracks(path: str | os.PathLike) -> list[tuple[int, float, Poses]]:
    """All of `read_tracks(path)` as a list."""
    return list(read_tracks(path))


def _from_obj(obj, path: Path, where: str) -> tuple[int, float, Poses]:
    try:
        return (int(obj["frame"]), float(obj["time"]),
                Poses.from_dicts(obj["people"], obj["layout"], tuple(obj["image_size"])))
    except Exception as e:
        raise InputError(f"{path}: {where} is not a valid frame record ({type(e).__name__}: {e})") from None


def _read_jsonl(path: Path) -> Iterator[tuple[int, float, Poses]]:
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
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header or header[: len(_HEAD)] != list(_HEAD):
            raise InputError(f"{path}: not a posekit tracks CSV (expected columns {', '.join(_HEAD)}, ...)")
        rows: list[list[str]] = []
        for row in reader:
            if len(row) != len(header):
                log.warning("%s: skipping row %d with %d fields (expected %d)", path, reader.line_num,
                            len(row), len(header))
                continue
            rows.append(row)
            if len(rows) >= block:
                yield _csv_columns(header, rows)
                rows = []
        if rows:
            yield _csv_columns(header, rows)


def _csv_columns(header: list[str], rows: list[list[str]]) -> dict[str, np.ndarray]:
    out = {}
    for j, c in enumerate(header):
        vals = [r[j] for r in rows]
        if c == "layout":
            out[c] = np.array(vals, dtype=object)
        elif c in _INT_COLS:
            out[c] = np.array(vals, dtype=np.int64)
        else:
            out[c] = np.array([v if v else "nan" for v in vals], dtype=np.float64)
    return out


def _parquet_blocks(path: Path) -> Iterator[dict[str, np.ndarray]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError("reading .parquet results needs pyarrow: pip install pyarrow") from None
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:
        raise InputError(f"{path}: not a readable Parquet file ({e})") from None
    for batch in pf.iter_batches(batch_size=8192):
        yield {c: batch.column(c).to_numpy(zero_copy_only=False) for c in batch.schema.names}


def _group(blocks: Iterator[dict[str, np.ndarray]], path: Path) -> Iterator[tuple[int, float, Poses]]:
    """Rows (in column blocks) → one Poses per run of rows with the same frame number."""
    carry: dict[str, np.ndarray] | None = None
    for b in blocks:
        if carry is not None:
            b = {c: np.concatenate([carry[c], b[c]]) for c in b}
        frames = b["frame"]
        starts = np.flatnonzero(np.r_[True, frames[1:] != frames[:-1]])
        ends = np.r_[starts[1:], len(frames)]
        for s, e in zip(starts[:-1], ends[:-1]):
            yield _poses_from_rows({c: v[s:e] for c, v in b.items()}, path)
        carry = {c: v[starts[-1]:] for c, v in b.items()} if len(frames) else None
    if carry is not None and len(carry["frame"]):
        yield _poses_from_rows(carry, path)


def _poses_from_rows(r: dict[str, np.ndarray], path: Path) -> tuple[int, float, Poses]:
    try:
        layout = get_layout(str(r["layout"][0]))
    except Exception as e:
        raise InputError(f"{path}: unknown layout {r['layout'][0]!r} ({e})") from None
    names = layout.keypoint_names
    col = lambda c: np.asarray(r[c], dtype=np.float32)  # noqa: E731
    try:
        kp = np.stack([np.stack([col(f"{n}_x"), col(f"{n}_y")], axis=1) for n in names], axis=1)
        scores = np.stack([col(f"{n}_score") for n in names], axis=1)
        world = None
        if f"{names[0]}_wx" in r:
            world = np.stack([np.stack([col(f"{n}_w{a}") for a in "xyz"], axis=1) for n in names], axis=1)
            world = None if np.isnan(world).all() else world
    except KeyError as e:
        raise InputError(f"{path}: column {e.args[0]} missing for layout {layout.name!r}") from None
    ids = np.asarray(r["track_id"], dtype=np.int64)
    boxes = np.stack([col(c) for c in ("x1", "y1", "x2", "y2")], axis=1)
    poses = Poses(kp, scores, boxes, col("score"), layout, (int(r["image_h"][0]), int(r["image_w"][0])),
                  world=world, track_ids=None if (ids == -1).all() else ids)
    return int(r["frame"][0]), float(r["time"][0]), poses


def _fmt_f64(v) -> str:
    return repr(float(v))
