"""Write files atomically: readers see the old file or the complete new one, never a partial one.

One mechanism for every writer in posekit: `AtomicFile` is a temporary file next to the target
(same folder, so the final rename stays on one file system); `commit()` fsyncs it, renames it onto
the target and fsyncs the folder, `discard()` removes it. `atomic_write` wraps it for a `with`
block; writers that hand a path to a library (PyAV, pyarrow) or keep a file open across calls
(`TrackWriter`, `VideoWriter`) use `AtomicFile` directly.

A killed process cannot remove its temporary file, so each one is named after its owner
(`.NAME.pk<pid>-<random><suffix>`) and is locked while it is written (`lock_fd`). `sweep_stale(folder)`, which
every new `AtomicFile` runs on its folder, removes the temporary files whose owner is gone: the pid
no longer runs *and* nobody holds the lock (the second test covers pid reuse and other pid
namespaces sharing the folder). Nothing else is ever removed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from posekit.errors import InputError, OutputError

try:  # POSIX; elsewhere the pid test alone decides
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

#: Our temporary names: `.NAME.pk<pid>-<8 random chars><suffix>` (a file, or a `.journal` folder).
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.pk(?P<pid>\d+)-[a-z0-9_]{8}(?P<suffix>\..*)?$")
#: The names of posekit versions before the pid was in the name; swept only when a day old.
_LEGACY_TEMP = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")
_LEGACY_AGE_S = 86400.0
_SWEEP_EVERY_S = 60.0
_swept: dict[str, float] = {}  # folder -> when it was last swept by this process


_WRITE_ERRORS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EFBIG: "the file is larger than this file system or the process's limit allows",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def output_error(exc: OSError, path: str | os.PathLike, what: str) -> OutputError | None:
    """The one-line `OutputError` for an OSError that means "cannot write here" (None for others)."""
    reason = _WRITE_ERRORS.get(exc.errno or 0)
    return None if reason is None else OutputError(f"{path}: cannot write {what}: {reason}")


@contextlib.contextmanager
def write_errors(path: str | os.PathLike, what: str = "a file") -> Iterator[None]:
    """Turn a full disk, a read-only folder and the like, met inside the block, into `OutputError`."""
    try:
        yield
    except OSError as exc:
        err = output_error(exc, path, what)
        if err is None:
            raise
        raise err from None


def temp_prefix(path: Path) -> str:
    """The prefix of a temporary name for `path` owned by this process."""
    return f".{path.name}.pk{os.getpid()}-"


def lock_fd(path: str | os.PathLike) -> int | None:
    """Lock `path` for as long as the returned descriptor stays open (the kernel drops the lock when
    the process dies, however it dies); None when another process holds it or locks are unavailable.

    A folder gets an flock. A file gets a POSIX record lock instead: libraries that write a file by
    name take their own flock on it (HDF5 does), which an flock of ours would make fail."""
    if fcntl is None:  # pragma: no cover
        return None
    folder = os.path.isdir(path)
    try:
        fd = os.open(path, os.O_RDONLY if folder else os.O_RDWR)
    except OSError:
        return None
    try:
        if folder:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held by another process (or a file system without locks)
        os.close(fd)
        return None
    return fd


def owner_alive(path: Path, pid: int | None) -> bool:
    """Whether a live process may still own the temporary `path` (True when unsure): its pid runs,
    or it holds the lock of `lock_fd` (which covers pid reuse and other pid namespaces)."""
    if pid is not None:
        if pid == os.getpid():
            return True
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            pass
        except OSError:  # EPERM: it runs, as another user
            return True
    if fcntl is None:  # pragma: no cover
        return pid is None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False  # gone already
    try:
        if os.path.isdir(path):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # a shared lock is refused while another process holds the exclusive one
            fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)  # (closing drops only this process's locks: the owner is another process)


def stale_temps(folder: Path) -> Iterator[tuple[Path, re.Match[str]]]:
    """The temporary files and folders in `folder` whose owner is gone, with their name's match."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for e in entries:
        if not e.name.startswith("."):
            continue
        m = TEMP_NAME.match(e.name)
        if m is not None:
            if not owner_alive(Path(e.path), int(m["pid"])):
                yield Path(e.path), m
            continue
        m = _LEGACY_TEMP.match(e.name)
        try:
            old = (
                m is not None and e.is_file(follow_symlinks=False) and now - e.stat().st_mtime > _LEGACY_AGE_S
            )
        except OSError:
            continue
        if old and m is not None and not owner_alive(Path(e.path), None):
            yield Path(e.path), m


def sweep_stale(folder: str | os.PathLike, *, force: bool = False) -> list[Path]:
    """Remove the temporary files and folders that killed posekit processes left in `folder` (a
    Parquet `.journal` folder is left to its recovery, `posekit.io.tracks.recover_parquet`). Returns
    what was removed. Runs at most once a minute per folder per process unless `force`."""
    folder = Path(folder)
    key = str(folder.absolute())
    if not force and time.monotonic() - _swept.get(key, -1e9) < _SWEEP_EVERY_S:
        return []
    _swept[key] = time.monotonic()
    removed = []
    for p, m in stale_temps(folder):
        with contextlib.suppress(OSError):
            if p.is_dir() and not p.is_symlink():
                if m.groupdict().get("suffix") == ".journal":
                    continue
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p)
    return removed


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
        sweep_stale(self.path.parent)
        try:
            fd, tmp = tempfile.mkstemp(prefix=temp_prefix(self.path), suffix=suffix, dir=self.path.parent)
        except OSError as exc:
            raise output_error(exc, self.path, what) or InputError(
                f"{self.path}: cannot write {what} ({exc.strerror or exc})"
            ) from None
        self.what = what
        os.close(fd)
        self.tmp = Path(tmp)
        self._lock = lock_fd(self.tmp)  # tells sweepers in other processes that the file is in use
        self.done = False

    def _unlock(self) -> None:
        if getattr(self, "_lock", None) is not None:
            assert self._lock is not None
            with contextlib.suppress(OSError):
                os.close(self._lock)
            self._lock = None

    def __del__(self) -> None:
        self._unlock()

    def commit(self) -> None:
        """fsync the temporary file, give it the old file's mode (else 0644: mkstemp makes 0600),
        rename it onto `path` and fsync the folder. The temporary file is removed on failure."""
        if self.done:
            raise ValueError(f"AtomicFile({self.path}): already committed or discarded")
        self.done = True
        self._unlock()
        try:
            with write_errors(self.path, self.what):
                fd = os.open(self.tmp, os.O_RDWR)
                try:
                    os.fsync(fd)  # a full disk can show only here (delayed allocation, NFS)
                finally:
                    os.close(fd)
                with contextlib.suppress(OSError):
                    os.chmod(
                        self.tmp, stat.S_IMODE(self.path.stat().st_mode) if self.path.exists() else 0o644
                    )
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
        self._unlock()
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
        with write_errors(path), open(out.tmp, mode, encoding=encoding if "b" not in mode else None) as f:
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
        with write_errors(path, what):
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
