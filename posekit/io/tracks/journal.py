"""The journal that lets a killed Parquet writer's frames be recovered.

A Parquet file is only readable once its footer is written, at `close()`: a process killed before
that leaves nothing usable. So while `ParquetWriter` writes `k.parquet` (into a temporary file), it
also puts each batch of rows, as soon as it has them (every row group, and at least every
`JOURNAL_SECONDS`), into a small complete Parquet file in a journal folder next to it:

    .k.parquet.pk<pid>-<random>.journal/000000.parquet, 000001.parquet, ...

Each segment is written under a temporary name and renamed, so a segment is whole or absent. A normal
`close()` publishes `k.parquet` and deletes the journal. After a kill the journal stays, and
`recover_parquet(folder)` (run by every new Parquet writer in that folder, and by
`posekit.io.tracks.recover`) joins its segments into an ordinary Parquet file: `k.parquet` when
there is none, else `k.recovered.parquet` (`k.recovered-2.parquet`, ...), so a complete file from
an earlier run is never replaced. A journal whose owner still runs (pid alive or its flock held) is
never touched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from posekit.errors import InputError
from posekit.io.atomic import TEMP_NAME, AtomicFile, lock_fd, output_error, stale_temps, temp_prefix

log = logging.getLogger("posekit.io.tracks")

#: A slow pipeline still journals its frames this often (seconds), whatever the row group size.
JOURNAL_SECONDS = 2.0
_SUFFIX = ".journal"


class ParquetJournal:
    """The journal folder of one Parquet file being written; `append(table)` adds a segment."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.folder = Path(tempfile.mkdtemp(prefix=temp_prefix(path), suffix=_SUFFIX, dir=path.parent))
        self._lock = lock_fd(self.folder)  # held until close: sweepers leave a live journal alone
        self._count = 0

    def append(self, table: Any) -> None:
        import pyarrow.parquet as pq

        final = self.folder / f"{self._count:06d}.parquet"
        part = final.with_suffix(".part")
        pq.write_table(table, str(part))
        os.replace(part, final)
        self._count += 1

    def remove(self) -> None:
        """Delete the journal (after `k.parquet` is published, or when the writer gives up)."""
        if self._lock is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock)
            self._lock = None
        shutil.rmtree(self.folder, ignore_errors=True)


class JournaledParquet:
    """`path` being written: its temporary file (one pyarrow ParquetWriter) and its journal."""

    def __init__(self, path: Path) -> None:
        self.out = AtomicFile(path, what="results")
        try:
            recover_parquet(path.parent)  # what killed runs left here, before this run adds its own
        except Exception as e:  # the journal stays for a later try; this run goes on
            log.warning("%s: could not recover the journal of a killed run (%s)", path.parent, e)
        try:
            self.journal = ParquetJournal(path)
        except OSError as e:
            self.out.discard()
            raise output_error(e, path, "results") or InputError(
                f"{path}: cannot write results ({e.strerror or e})"
            ) from None
        self._pq: Any = None

    def start(self, schema: Any) -> None:
        import pyarrow.parquet as pq

        self._pq = pq.ParquetWriter(str(self.out.tmp), schema)

    def write_group(self, table: Any, unjournaled: Any | None) -> None:
        """A row group into the file; `unjournaled` (its rows not in the journal yet) into the journal."""
        self._pq.write_table(table)
        if unjournaled is not None:
            self.journal.append(unjournaled)

    def commit(self) -> None:
        if self._pq is not None:
            self._pq.close()
        self.out.commit()
        self.journal.remove()  # only now: a kill before the rename above still has the journal

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self._pq.close()
        self.out.discard()
        self.journal.remove()


def _segments(folder: Path) -> list[Any]:
    """The readable segments of a journal, in order, up to the first damaged one (a power loss can
    leave a renamed segment unwritten; SIGKILL cannot)."""
    import pyarrow.parquet as pq

    tables = []
    for seg in sorted(folder.glob("[0-9]*.parquet")):
        try:
            tables.append(pq.read_table(str(seg)))
        except Exception as e:  # pyarrow raises several types for a damaged file
            log.warning("%s: stopping the recovery at a damaged segment (%s)", seg, e)
            break
    return tables


def _free_name(path: Path) -> Path:
    if not path.exists():
        return path
    for i in range(1, 10000):
        tag = "recovered" if i == 1 else f"recovered-{i}"
        candidate = path.with_name(f"{path.stem}.{tag}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"{path}: too many recovered files next to it")


def recover_parquet(folder: str | os.PathLike) -> list[Path]:
    """Turn the journals that killed writers left in `folder` into Parquet files; returns the files
    written. Journals without a complete segment are just removed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = []
    for journal, m in stale_temps(Path(folder)):
        if m["suffix"] != _SUFFIX or journal.is_symlink() or not journal.is_dir():
            continue
        # take the journal's lock ourselves, so two processes never recover the same one twice
        fd = lock_fd(journal)
        if fd is None:
            continue  # another process is recovering it
        try:
            # the journal of a temporary file (an export writes through one) has nothing to recover into
            tables = [] if TEMP_NAME.match(m["name"]) else _segments(journal)
            if tables:
                target = _free_name(journal.parent / m["name"])
                table = pa.concat_tables(tables)
                out = AtomicFile(target, what="recovered results")
                try:
                    pq.write_table(table, str(out.tmp))
                except BaseException:
                    out.discard()
                    raise
                out.commit()
                written.append(target)
                log.warning(
                    "recovered %d rows of a killed run into %s (from %s)",
                    table.num_rows,
                    target,
                    journal.name,
                )
            shutil.rmtree(journal, ignore_errors=True)
        finally:
            os.close(fd)
    return written
