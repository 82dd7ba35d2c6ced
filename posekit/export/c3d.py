"""C3D marker files (biomechanics' binary standard) through ezc3d (`pip install posekit[mocap]`).

Points are written in millimetres (POINT:UNITS "mm"), float32, with the point rate from the video;
a missing point (NaN) has residual −1, as C3D marks invalid samples. Axes are those of the Motion
(see `posekit.export.motion`); C3D readers take the file's axes as they are.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import atomic_path


def _ezc3d():
    try:
        import ezc3d
    except ImportError:
        raise InputError("C3D export needs ezc3d: pip install posekit[mocap]") from None
    return ezc3d


def write_c3d(
    path: str | os.PathLike, positions: np.ndarray, names: list[str] | tuple[str, ...], fps: float
) -> None:
    """(T, K, 3) positions in metres → C3D (mm), atomically."""
    ezc3d = _ezc3d()
    p = np.asarray(positions, dtype=np.float64)
    if p.ndim != 3 or p.shape[2] != 3 or p.shape[1] != len(names):
        raise InputError(f"{path}: C3D needs (frames, {len(names)}, 3) positions, got {p.shape}")
    if len(p) == 0:
        raise InputError(f"{path}: no frames to write")
    if not (np.isfinite(fps) and fps > 0):
        raise InputError(f"{path}: C3D frame rate must be positive, got {fps}")
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [float(fps)]
    c["parameters"]["POINT"]["LABELS"]["value"] = [str(n) for n in names]
    c.add_parameter("POINT", "UNITS", ["mm"])
    pts = np.ones((4, p.shape[1], p.shape[0]))
    pts[:3] = np.transpose(p * 1000.0, (2, 1, 0))
    missing = ~np.isfinite(pts[:3]).all(0)
    pts[:3][:, missing] = 0.0
    c["data"]["points"] = pts
    res = np.zeros((1, p.shape[1], p.shape[0]))
    res[0][missing] = -1.0
    c["data"]["meta_points"] = {"residuals": res, "camera_masks": np.zeros((7, p.shape[1], p.shape[0]), bool)}
    with atomic_path(path, suffix=".c3d", what="C3D") as tmp:  # ezc3d writes to a path itself
        c.write(str(tmp))


def read_c3d(path: str | os.PathLike) -> tuple[np.ndarray, list[str], float]:
    """(T, K, 3) positions in metres (NaN where the residual is negative), labels, point rate.

    ezc3d (C++) crashes the whole process on some damaged files (a segmentation fault, found by
    fuzzing), so the file is parsed in a child process, with its memory capped; a crash, an error or
    a timeout there is an InputError naming the file."""
    _ezc3d()  # the one-line error when ezc3d is missing
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file")
    problem = _header_problem(Path(path))
    if problem:
        raise InputError(f"{path}: not a readable C3D file ({problem})")
    timeout = C3D_TIMEOUT_S + Path(path).stat().st_size / 1e6  # + 1 s per MB
    with tempfile.TemporaryDirectory(prefix="posekit-c3d-") as d:
        out = Path(d) / "points.npz"
        try:
            r = subprocess.run(
                [sys.executable, "-c", _CHILD, str(path), str(out)],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise InputError(f"{path}: not a readable C3D file (parsing took over {timeout:.0f} s)") from None
        if r.returncode != 0:
            why = (
                f"the C3D parser crashed, signal {-r.returncode}"
                if r.returncode < 0
                else " ".join((r.stderr.strip().splitlines() or ["parser error"])[-1].split())[:200]
            )
            raise InputError(f"{path}: not a readable C3D file ({why})")
        with np.load(out, allow_pickle=False) as z:
            return z["points"], [str(s) for s in z["labels"]], float(z["rate"])


C3D_TIMEOUT_S = 10


def _header_problem(path: Path) -> str | None:
    """What the C3D header says is wrong with the file (None: nothing seen). Catches truncated files, the
    most common damage, before ezc3d: on some it loops for minutes. Words are 16-bit, 1-based blocks of
    512 bytes; the sizes are checked for Intel-ordered files (the parameter section's processor byte 84)."""
    with open(path, "rb") as f:
        head = f.read(512)
        size = f.seek(0, 2)
    if len(head) < 512 or head[1] != 0x50:
        return "no C3D header (too short, or its second byte is not 0x50)"
    first = head[0]
    if first < 2 or size < first * 512:
        return f"truncated: the parameter section (block {first}) is missing"
    with open(path, "rb") as f:
        f.seek((first - 1) * 512)
        params = f.read(4)
    if len(params) < 4 or params[3] != 84:
        return None  # DEC/MIPS number formats: left to ezc3d
    points, analog, f0, f1 = (int.from_bytes(head[i : i + 2], "little") for i in (2, 4, 6, 8))
    scale = float(np.frombuffer(head[12:16], "<f4")[0])
    data_block = int.from_bytes(head[16:18], "little")
    per_frame = (4 * points + analog) * (4 if scale < 0 else 2)
    need = (data_block - 1) * 512 + max(0, f1 - f0 + 1) * per_frame
    if data_block < 2 or size < need:
        return f"truncated: {size} bytes, the header needs {need}"
    return None


#: What the child runs: ezc3d only (no posekit import, so it starts fast); errors as one stderr line.
_CHILD = """
import sys
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a file declaring huge sizes: MemoryError
except Exception:
    pass
try:
    import numpy as np, ezc3d
    c = ezc3d.c3d(sys.argv[1])
    point = c["parameters"]["POINT"]
    pts = np.asarray(c["data"]["points"])[:3].transpose(2, 1, 0).astype(np.float64)
    units = str(point.get("UNITS", {"value": ["mm"]})["value"][0]).strip()
    pts = pts / {"mm": 1000.0, "cm": 100.0, "m": 1.0}.get(units, 1000.0)
    res = np.asarray(c["data"]["meta_points"]["residuals"])[0].T
    pts[res < 0] = np.nan
    labels = np.array([str(s) for s in point["LABELS"]["value"]], dtype=str)
    rate = float(point["RATE"]["value"][0])
    if labels.size != pts.shape[1]:
        raise ValueError(f"{labels.size} labels for {pts.shape[1]} points")
    np.savez(sys.argv[2], points=pts, labels=labels, rate=np.float64(rate))
except BaseException as e:
    sys.stderr.write(type(e).__name__ + ": " + " ".join(str(e).split())[:200] + "\\n")
    sys.exit(1)
"""
