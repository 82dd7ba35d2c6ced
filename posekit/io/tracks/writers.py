"""`TrackWriter` and one writer class per results format behind one interface (`FormatWriter`)."""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from posekit.errors import InputError, OutputError
from posekit.io.atomic import AtomicFile, output_error
from posekit.io.tracks.journal import JOURNAL_SECONDS, JournaledParquet
from posekit.io.tracks.schema import (
    arrow_schema,
    empty_columns,
    frame_columns,
    track_columns,
    track_suffix,
)
from posekit.io.tracks.text import csv_formatter as _csv_formatter
from posekit.io.tracks.text import frame_json as _frame_json
from posekit.layouts import Layout, get_layout
from posekit.results import Poses

log = logging.getLogger("posekit.io.tracks")


class FormatWriter:
    """What a results format implements: `write` one frame, `close` (finish and publish the file),
    `discard` (after an error in `close`: drop what cannot be finished). `TrackWriter` does the rest."""

    def __init__(
        self,
        path: Path,
        *,
        layout: Layout | None,
        world: bool | None,
        extra: Sequence[str] | None,
        row_group_frames: int,
    ) -> None:
        self.path = path

    def write(self, frame: int, time: float, poses: Poses) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def discard(self) -> None:
        raise NotImplementedError


def _open_text(path: Path) -> IO[str]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8", newline="")
    except OSError as e:
        raise output_error(e, path, "results") or InputError(f"{path}: cannot write results ({e})") from None


def _discard_in_place(f: IO[str], path: Path, good: int) -> None:
    """After a failed write (disk full): cut a file written in place back to its last complete frame,
    so that it stays valid (truncating needs no space)."""
    with contextlib.suppress(Exception):
        f.close()
    with contextlib.suppress(OSError):
        os.truncate(path, good) if good else os.unlink(path)  # no complete frame: no file


class JsonlWriter(FormatWriter):
    """One JSON object per line, written in place and flushed per frame (readable while written)."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self._f = _open_text(path)
        self._good = 0  # bytes up to the end of the last complete frame

    def write(self, frame: int, time: float, poses: Poses) -> None:
        self._f.write(_frame_json(frame, time, poses) + "\n")
        self._f.flush()
        self._good = self._f.tell()

    def close(self) -> None:
        self._f.close()

    def discard(self) -> None:
        _discard_in_place(self._f, self.path, self._good)


class JsonWriter(FormatWriter):
    """A JSON array of frame objects, in a temporary file renamed onto `path` by `close`."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self._out = AtomicFile(path, what="results")
        self._f = _open_text(self._out.tmp)
        self._f.write("[")
        self._count = 0

    def write(self, frame: int, time: float, poses: Poses) -> None:
        self._f.write(("\n" if self._count == 0 else ",\n") + _frame_json(frame, time, poses))
        self._count += 1

    def close(self) -> None:
        self._f.write("\n]\n" if self._count else "]\n")
        self._f.close()
        self._out.commit()

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self._f.close()
        self._out.discard()


class TabularWriter(FormatWriter):
    """Rows of `track_columns`; the layout, world and extra columns are fixed by the arguments or by
    the first frame with people. Subclasses store the rows (`_start` once, then `_append`)."""

    def __init__(
        self,
        path: Path,
        *,
        layout: Layout | None,
        world: bool | None,
        extra: Sequence[str] | None,
        row_group_frames: int,
    ) -> None:
        super().__init__(path, layout=layout, world=world, extra=extra, row_group_frames=row_group_frames)
        self._layout, self._world, self._extra = layout, world, None if extra is None else tuple(extra)
        self.columns: list[str] | None = None
        self._warned: set[str] = set()

    def _fix_columns(self, poses: Poses | None) -> list[str]:
        if self.columns is None:
            if poses is None and self._layout is None:
                self.columns = empty_columns()
            else:
                self._layout = self._layout or (poses.layout if poses is not None else None)
                if self._world is None:
                    self._world = poses is not None and poses.world is not None
                if self._extra is None:  # the per-keypoint arrays (BlazePose's visibility, presence)
                    self._extra = (
                        ()
                        if poses is None
                        else tuple(
                            k for k, v in poses.extra.items() if v.ndim == 2 and v.dtype.kind in "biuf"
                        )
                    )
                self.columns = track_columns(self._layout, bool(self._world), self._extra)  # type: ignore[arg-type]
            self._start(self.columns)
        return self.columns

    def _warn_once(self, what: str, frame: int) -> None:
        if what not in self._warned:
            self._warned.add(what)
            log.warning(
                "%s: %s from frame %d on are not stored (the file has no such columns)",
                self.path,
                what,
                frame,
            )

    def write(self, frame: int, time: float, poses: Poses) -> None:
        if not len(poses):
            return  # a table has no row for a frame without people
        self._fix_columns(poses)
        assert self._layout is not None and self._extra is not None
        if poses.layout.name != self._layout.name:
            raise ValueError(
                f"TrackWriter({self.path}): frame {frame} has layout {poses.layout.name!r}, "
                f"the file has {self._layout.name!r}"
            )
        if poses.world is not None and not self._world:
            self._warn_once("world coordinates", frame)
        if set(poses.extra) - set(self._extra):
            self._warn_once(f"extra arrays {sorted(set(poses.extra) - set(self._extra))}", frame)
        self._append(frame_columns(frame, time, poses, world=bool(self._world), extra=self._extra))

    def close(self) -> None:
        self._fix_columns(None)
        self._finish()

    def _start(self, columns: list[str]) -> None:
        raise NotImplementedError

    def _append(self, cols: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError


class CsvWriter(TabularWriter):
    """CSV written in place, flushed per frame; the header comes with the first frame with people, and
    the file appears (renamed from a temporary one) only then: a CSV without its header never exists."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self._out: AtomicFile | None = AtomicFile(path, what="results")
        self._f = _open_text(self._out.tmp)
        self._csv = csv.writer(self._f)
        self._good = 0  # bytes up to the end of the last complete frame

    def _start(self, columns: list[str]) -> None:
        self._csv.writerow(columns)
        self._fmt = [_csv_formatter(c) for c in columns]

    def _append(self, cols: dict[str, np.ndarray]) -> None:
        assert self.columns is not None
        data = [cols[c] for c in self.columns]
        for i in range(len(cols["frame"])):
            self._csv.writerow([f(col[i]) for f, col in zip(self._fmt, data)])
        self._f.flush()
        self._good = self._f.tell()
        if self._out is not None:  # the header and a first frame: publish, then go on in place
            self._out.commit()
            self._out = None

    def _finish(self) -> None:
        self._f.close()
        if self._out is not None:
            self._out.commit()

    def discard(self) -> None:
        if self._out is not None:
            _discard_in_place(self._f, self._out.tmp, 0)
            self._out.discard()
        else:
            _discard_in_place(self._f, self.path, self._good)


class ParquetWriter(TabularWriter):
    """Parquet (pyarrow), a row group every `row_group_frames` frames, renamed onto `path` by `close`;
    the rows are journaled as they come (`posekit.io.tracks.journal`) so a kill loses at most the
    last `JOURNAL_SECONDS` of them."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        try:
            import pyarrow  # noqa: F401  fail early with a clear message
        except ImportError:
            raise ImportError("writing .parquet results needs pyarrow: pip install pyarrow") from None
        super().__init__(path, **kwargs)
        self._group = max(1, int(kwargs["row_group_frames"]))
        self._pending: list[dict[str, np.ndarray]] = []
        self._journaled = 0  # how many of `_pending` are in the journal already
        self._journal_time = time.monotonic()
        self._out = JournaledParquet(path)

    def _start(self, columns: list[str]) -> None:
        self._schema = arrow_schema(columns)
        self._out.start(self._schema)

    def _append(self, cols: dict[str, np.ndarray]) -> None:
        self._pending.append(cols)
        if len(self._pending) >= self._group:
            self._flush()
        elif time.monotonic() - self._journal_time > JOURNAL_SECONDS:  # a slow source: journal anyway
            self._out.journal.append(self._table(self._pending[self._journaled :]))
            self._journaled = len(self._pending)
            self._journal_time = time.monotonic()

    def _table(self, blocks: list[dict[str, np.ndarray]]) -> Any:
        import pyarrow as pa

        arrays = []
        for c in self._schema.names:
            data = np.concatenate([b[c] for b in blocks])
            if c == "track_id":  # NaN = no ids: a null
                arrays.append(
                    pa.array(np.nan_to_num(data).astype(np.int64), mask=np.isnan(data), type=pa.int64())
                )
            else:
                arrays.append(pa.array(data, type=self._schema.field(c).type))
        return pa.table(arrays, schema=self._schema)

    def _flush(self) -> None:
        if not self._pending:
            return
        new = self._pending[self._journaled :]
        self._out.write_group(self._table(self._pending), self._table(new) if new else None)
        self._pending, self._journaled = [], 0
        self._journal_time = time.monotonic()

    def _finish(self) -> None:
        self._flush()
        self._out.commit()

    def discard(self) -> None:
        self._out.discard()


#: The writer class of each results format (by file suffix).
WRITERS: dict[str, type[FormatWriter]] = {
    ".jsonl": JsonlWriter,
    ".json": JsonWriter,
    ".csv": CsvWriter,
    ".parquet": ParquetWriter,
}


class TrackWriter:
    """`TrackWriter(path)`; `write(frame_index, time, poses)` per frame; `close()` (or a `with`
    block, which closes on errors too). The format follows the suffix (`WRITERS`). `layout`,
    `world` and `extra` (the `Poses.extra` keys to store) fix the tabular columns up front (else
    the first frame with people decides); `row_group_frames` is the Parquet row group size."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        layout: str | Layout | None = None,
        world: bool | None = None,
        extra: Sequence[str] | None = None,
        row_group_frames: int = 100,
    ) -> None:
        self.path = Path(path)
        self.format = track_suffix(self.path)
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a directory, cannot write results there")
        self._writer = WRITERS[self.format](
            self.path,
            layout=None if layout is None else get_layout(layout),
            world=world,
            extra=extra,
            row_group_frames=row_group_frames,
        )
        self._closed = False
        self.frames_written = 0

    def write(self, frame_index: int, time: float, poses: Poses) -> None:
        """Append one frame's results (any number of people, none included)."""
        if self._closed:
            raise ValueError(f"TrackWriter({self.path}): write after close")
        if not isinstance(poses, Poses):
            raise TypeError(f"TrackWriter.write: expected Poses, got {type(poses).__name__}")
        try:
            self._writer.write(int(frame_index), float(time), poses)
        except OSError as exc:
            self._fail(exc)
        self.frames_written += 1

    def _fail(self, exc: OSError) -> None:
        """A full disk or the like: drop what cannot be finished (an in-place file goes back to its
        last complete frame) and say so in one line."""
        self._closed = True
        self._writer.discard()
        err = output_error(exc, self.path, "results")
        if err is None:
            raise exc
        kept = self.format in (".jsonl", ".csv") and self.path.exists()
        raise OutputError(f"{err}" + ("; it keeps the frames written before" if kept else "")) from None

    def close(self) -> None:
        """Finish the file (the temporary file becomes `path` for .json/.parquet)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._writer.close()
        except OSError as exc:
            self._closed = False
            self._fail(exc)
        except BaseException:
            self._writer.discard()
            raise

    def __enter__(self) -> TrackWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()  # on errors too: what was written so far stays a valid file
