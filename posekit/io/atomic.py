"""Write files atomically: readers see the old file or the complete new one, never a partial one.

One mechanism for every writer in posekit: `AtomicFile` is a temporary file next to the target
(same folder, so the final rename stays on one file system); `commit()` fsyncs it, renames it onto
the target and fsyncs the folder, `discard()` removes it. `atomic_write` wraps it for a `with`
block; writers that hand a path to a library (PyAV, pyarrow) or keep a file open across calls
(`TrackWriter`, `VideoWriter`) use `AtomicFile` directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from posekit.errors import InputError


class AtomicFile:
    """A temporary file `tmp` next to `path`, created on construction; `commit()` publishes it.

    Args:
        path: the file to write.
        suffix: the temporary file's suffix (libraries that pick a format from the name need the
            real one, e.g. ".partial.mp4").
        what: what is written, for the error message when `path` is a folder ("a file", "results").
    """

    def __init__(self, path: str | os.PathLike, *, suffix: str = ".tmp", what: str = "a file") -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise InputError(f"{self.path}: is a directory, cannot write {what} there")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{self.path}: cannot create its folder ({exc.strerror})") from None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=suffix, dir=self.path.parent)
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write {what} ({exc.strerror or exc})") from None
        os.close(fd)
        self.tmp = Path(tmp)
        self.done = False

    def commit(self) -> None:
        """fsync the temporary file, give it the old file's mode (else 0644: mkstemp makes 0600),
        rename it onto `path` and fsync the folder. The temporary file is removed on failure."""
        if self.done:
            raise ValueError(f"AtomicFile({self.path}): already committed or discarded")
        self.done = True
        try:
            fd = os.open(self.tmp, os.O_RDWR)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            with contextlib.suppress(OSError):
                os.chmod(self.tmp, stat.S_IMODE(self.path.stat().st_mode) if self.path.exists() else 0o644)
            os.replace(self.tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename itself durable (POSIX only)
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def discard(self) -> None:
        """Remove the temporary file; `path` is left as it was. Safe to call more than once."""
        self.done = True
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file next to `path` for writing; on success fsync it and `os.replace` it
    onto `path`. If the block raises, the temporary file is removed and `path` is untouched.

        with atomic_write("out.json", "w") as f:
            f.write(text)
    """
    if "r" in mode or "a" in mode or "+" in mode:
        raise ValueError(f"atomic_write: mode must be a write mode ('w' or 'wb'), got {mode!r}")
    out = AtomicFile(path)
    try:
        with open(out.tmp, mode, encoding=encoding if "b" not in mode else None) as f:
            yield f
    except BaseException:
        out.discard()
        raise
    out.commit()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str = ".tmp", what: str = "a file") -> Iterator[Path]:
    """A temporary path next to `path` for a library that writes files by name itself (HDF5, C3D,
    OpenCV's FileStorage, OpenSim); published onto `path` when the block succeeds, removed if it raises.
    `suffix` keeps the real extension for libraries that pick the format from the name.

        with atomic_path("trial.c3d", suffix=".c3d") as tmp:
            c3d.write(str(tmp))
    """
    out = AtomicFile(path, suffix=suffix, what=what)
    try:
        yield out.tmp
    except BaseException:
        out.discard()
        raise
    out.commit()


def write_json_atomic(path: str | os.PathLike, obj: Any, *, indent: int | None = 2, **kwargs: Any) -> None:
    """json.dump `obj` to `path` atomically (UTF-8, trailing newline)."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False, **kwargs)
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def write_image_atomic(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write an RGB (HxWx3), RGBA (HxWx4) or gray (HxW) uint8/uint16 image as PNG, atomically."""
    import cv2  # here, not at the top: the zoo writes through this module and must not load OpenCV

    a = np.asarray(image)
    if a.dtype not in (np.uint8, np.uint16) or not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (1, 3, 4))):
        raise InputError(f"{path}: cannot write image of shape {a.shape} dtype {a.dtype} as PNG")
    if a.ndim == 3 and a.shape[2] == 3:
        a = cv2.cvtColor(a, cv2.COLOR_RGB2BGR)
    elif a.ndim == 3 and a.shape[2] == 4:
        a = cv2.cvtColor(a, cv2.COLOR_RGBA2BGRA)
    ok, buf = cv2.imencode(".png", a)
    if not ok:
        raise InputError(f"{path}: PNG encoding failed")
    with atomic_write(path, "wb") as f:
        f.write(buf.tobytes())
