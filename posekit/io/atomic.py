"""Write files atomically: readers see the old file or the complete new one, never a partial one."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np

from posekit.errors import InputError


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", *, encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file next to `path` for writing; on success fsync it and `os.replace` it
    onto `path`. If the block raises, the temporary file is removed and `path` is untouched.

        with atomic_write("out.json", "w") as f:
            f.write(text)
    """
    if "r" in mode or "a" in mode or "+" in mode:
        raise ValueError(f"atomic_write: mode must be a write mode ('w' or 'wb'), got {mode!r}")
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a directory, cannot write a file there")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot create its folder ({exc.strerror})") from None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(OSError):  # mkstemp makes 0600 files: keep the old mode, else 0644
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX only)
        dfd = os.open(path.parent or ".", os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def write_json_atomic(path: str | os.PathLike, obj: Any, *, indent: int | None = 2, **kwargs: Any) -> None:
    """json.dump `obj` to `path` atomically (UTF-8, trailing newline)."""
    text = json.dumps(obj, indent=indent, ensure_ascii=False, **kwargs)
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def write_image_atomic(path: str | os.PathLike, image: np.ndarray) -> None:
    """Write an RGB (HxWx3), RGBA (HxWx4) or gray (HxW) uint8/uint16 image as PNG, atomically."""
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
