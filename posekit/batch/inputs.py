"""What a batch run works on: files, folders, globs and manifests expanded to `WorkItem`s.

Every item has a stable `key` (a readable stem plus a hash of its absolute path and options): its
partition files and its state files are named after it, which is what makes a re-run find the work
it already did. Inputs that name nothing (a missing path, a folder without images or videos, a glob
without matches, a manifest without a `path` column) raise `InputError` at once: they are mistakes in
the command, not bad files in a collection. Bad *files* fail later, one by one, into failures.parquet.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from posekit.errors import InputError
from posekit.io.images import IMAGE_EXTENSIONS
from posekit.io.video import VIDEO_EXTENSIONS

Kind = Literal["image", "video"]
MANIFEST_EXTENSIONS = (".csv", ".parquet")
#: Per-item options a manifest may set in columns next to `path` (empty cells mean "not set").
ITEM_OPTIONS = ("kind", "max_frames")


@dataclass(frozen=True)
class WorkItem:
    """One image or video of a run."""

    source: str  # the path as the user gave it (or as found in a folder / glob / manifest)
    kind: Kind
    key: str  # file-name-safe, unique in the run, the same in every run with the same inputs
    max_frames: int | None = None  # videos: stop after this many frames
    options: dict[str, Any] = field(default_factory=dict, compare=False)


def kind_of(path: str) -> Kind:
    """The kind of a file by its extension: image extensions give "image" (except .gif: a video
    here), anything else "video" (a file that is no video then fails into failures.parquet)."""
    ext = os.path.splitext(path)[1].lower()
    return "image" if ext in IMAGE_EXTENSIONS and ext != ".gif" else "video"


def item_key(path: str, options: dict[str, Any]) -> str:
    """`<stem>-<12 hex>`: readable, safe in file names, and never starting with "." or "_" (files
    that Parquet readers skip)."""
    ident = json.dumps([os.path.abspath(path), sorted(options.items())], default=str)
    digest = hashlib.sha1(ident.encode("utf-8")).hexdigest()[:12]
    stem = re.sub(r"[^A-Za-z0-9.-]+", "-", Path(path).stem).strip(".-")[:40] or "item"
    return f"{stem}-{digest}"


def _media_files(folder: Path) -> list[str]:
    exts = IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [
            os.path.join(root, f)
            for f in sorted(files)
            if not f.startswith(".") and os.path.splitext(f)[1].lower() in exts
        ]
    return found


def _manifest_rows(path: Path) -> list[dict[str, Any]]:
    try:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        table = pq.read_table(path) if path.suffix.lower() == ".parquet" else pacsv.read_csv(path)
    except Exception as exc:
        raise InputError(f"{path}: not a readable manifest ({type(exc).__name__}: {exc})") from None
    if "path" not in table.column_names:
        raise InputError(f"{path}: a manifest needs a `path` column (has {', '.join(table.column_names)})")
    rows = table.to_pylist()
    base = path.parent
    out = []
    for i, row in enumerate(rows):
        p = row.get("path")
        if not isinstance(p, str) or not p:
            raise InputError(f"{path}: row {i + 1} has no path")
        row["path"] = p if os.path.isabs(p) else str(base / p)
        out.append(row)
    return out


def _make_item(path: str, row: dict[str, Any] | None = None) -> WorkItem:
    opts = {
        k: v for k, v in (row or {}).items() if k in ITEM_OPTIONS and v is not None and v == v and v != ""
    }
    kind = opts.get("kind", kind_of(path))
    if kind not in ("image", "video"):
        raise InputError(f"{path}: manifest kind must be image or video, got {kind!r}")
    max_frames = opts.get("max_frames")
    if max_frames is not None:
        try:
            max_frames = int(max_frames)
        except (TypeError, ValueError):
            raise InputError(f"{path}: manifest max_frames must be an integer, got {max_frames!r}") from None
    # the key hangs on what the item *is* (effective kind and frame limit), not on how it was written
    return WorkItem(path, kind, item_key(path, {"kind": kind, "max_frames": max_frames}), max_frames, opts)


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[WorkItem]:
    """The items of `inputs` in order (folders walked recursively and sorted, globs sorted), each
    file once. A .csv or .parquet *file* is read as a manifest: a `path` column (relative paths are
    relative to the manifest's folder) and optional `kind` / `max_frames` columns."""
    items: list[WorkItem] = []
    seen: set[str] = set()

    def add(item: WorkItem) -> None:
        if item.key not in seen:
            seen.add(item.key)
            items.append(item)

    for raw in inputs:
        s = os.fspath(raw)
        p = Path(s)
        if p.is_file() and p.suffix.lower() in MANIFEST_EXTENSIONS:
            for row in _manifest_rows(p):
                add(_make_item(row["path"], row))
        elif p.is_file():
            add(_make_item(s))
        elif p.is_dir():
            files = _media_files(p)
            if not files:
                raise InputError(f"{s}: folder contains no images or videos")
            for f in files:
                add(_make_item(f))
        elif any(c in s for c in "*?["):
            files = sorted(f for f in glob.glob(s, recursive=True) if os.path.isfile(f))
            if not files:
                raise InputError(f"{s}: pattern matches no files")
            for f in files:
                add(_make_item(f))
        elif p.exists():
            raise InputError(f"{s}: not a regular file or folder")
        else:
            raise InputError(f"{s}: no such file or folder")
    if not items:
        raise InputError("no inputs given")
    return items
