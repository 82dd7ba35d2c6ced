"""TRC marker files (the text format OpenSim reads for marker trajectories), read and written.

Layout of a TRC file (tab separated)::

    PathFileType  4  (X/Y/Z)  <file name>
    DataRate  CameraRate  NumFrames  NumMarkers  Units  OrigDataRate  OrigDataStartFrame  OrigNumFrames
    60        60          100        21          m      60            1                   100
    Frame#  Time  RHip  <tab>  <tab>  RKnee ...
                  X1    Y1     Z1     X2    ...
    1       0.0   x     y      z      ...

Missing values (NaN) are written as empty fields, which OpenSim treats as gaps; the reader accepts empty
fields and "nan". Positions are kept in the units the file states: `write_trc` takes metres and scales
to `units` ("m" or "mm"); `read_trc` returns metres whatever the file's units.

Axes: a TRC file does not say which axis is up. OpenSim expects Y up; posekit's 3D results are in the
calibration's world frame (usually Z up), so `write_trc` can rotate Z-up to Y-up with `y_up=True`
(x, y, z) -> (y, z, x), the same permutation Pose2Sim uses, so files from both tools line up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import atomic_write

_UNIT_SCALE = {"m": 1.0, "mm": 1000.0, "cm": 100.0}


@dataclass
class TrcData:
    """Marker trajectories read from a TRC file.

    Attributes:
        positions: (frames, markers, 3) float64 positions in metres, NaN where missing.
        marker_names: one name per marker.
        fps: the file's DataRate (frames per second).
        times: (frames,) float64 times in seconds from the Time column.
        frame_numbers: (frames,) int64 values of the Frame# column.
        units: the units the file was written in ("m", "mm", ...); positions are converted to metres.
    """

    positions: np.ndarray
    marker_names: list[str]
    fps: float
    times: np.ndarray
    frame_numbers: np.ndarray
    units: str = "m"

    def marker(self, name: str) -> np.ndarray:
        """(frames, 3) positions of the marker called `name`."""
        try:
            return self.positions[:, self.marker_names.index(name)]
        except ValueError:
            raise InputError(
                f"TRC: no marker named {name!r}; markers: {', '.join(self.marker_names)}"
            ) from None


def z_up_to_y_up(positions: np.ndarray) -> np.ndarray:
    """(x, y, z) Z-up world → (y, z, x) Y-up, as OpenSim wants (a rotation: keeps handedness)."""
    p = np.asarray(positions, dtype=np.float64)
    return p[..., [1, 2, 0]]


def y_up_to_z_up(positions: np.ndarray) -> np.ndarray:
    """Inverse of `z_up_to_y_up`."""
    p = np.asarray(positions, dtype=np.float64)
    return p[..., [2, 0, 1]]


def _fmt(v: float) -> str:
    return "" if not np.isfinite(v) else f"{v:.6f}"


def write_trc(
    path: str | os.PathLike,
    positions: np.ndarray,
    marker_names: list[str] | tuple[str, ...],
    fps: float,
    *,
    units: str = "m",
    y_up: bool = False,
    start_frame: int = 1,
) -> None:
    """Write marker trajectories to a TRC file atomically.

    Args:
        path: output file.
        positions: (frames, markers, 3) positions in metres; NaN = missing (written as empty fields).
        marker_names: one name per marker (no tabs).
        fps: frame rate in Hz.
        units: "m" (default), "cm" or "mm": the file's units; values are scaled from metres.
        y_up: rotate a Z-up world to OpenSim's Y-up before writing (see `z_up_to_y_up`).
        start_frame: number of the first frame in the Frame# column (TRC counts from 1).
    """
    p = np.asarray(positions, dtype=np.float64)
    names = [str(n) for n in marker_names]
    if p.ndim != 3 or p.shape[2] != 3:
        raise InputError(f"{path}: TRC positions must have shape (frames, markers, 3), got {p.shape}")
    if p.shape[1] != len(names):
        raise InputError(f"{path}: {p.shape[1]} markers but {len(names)} marker names")
    if any(("\t" in n or "\n" in n or not n) for n in names) or len(set(names)) != len(names):
        raise InputError(f"{path}: marker names must be unique, non-empty and without tabs")
    if units not in _UNIT_SCALE:
        raise InputError(f"{path}: TRC units must be one of {sorted(_UNIT_SCALE)}, got {units!r}")
    if not (np.isfinite(fps) and fps > 0):
        raise InputError(f"{path}: TRC frame rate must be positive, got {fps}")
    if y_up:
        p = z_up_to_y_up(p)
    p = p * _UNIT_SCALE[units]
    n_frames, n_markers = p.shape[:2]
    rate = f"{fps:g}"
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{Path(path).name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate}\t{rate}\t{n_frames}\t{n_markers}\t{units}\t{rate}\t{start_frame}\t{n_frames}",
        "Frame#\tTime\t" + "\t".join(f"{n}\t\t" for n in names).rstrip("\t"),
        "\t\t" + "\t".join(f"X{i + 1}\tY{i + 1}\tZ{i + 1}" for i in range(n_markers)),
        "",
    ]
    for f in range(n_frames):
        vals = "\t".join(_fmt(v) for v in p[f].reshape(-1))
        lines.append(f"{start_frame + f}\t{f / fps:.6f}\t{vals}")
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _float(s: str) -> float:
    s = s.strip()
    return float(s) if s and s.lower() != "nan" else np.nan


def read_trc(path: str | os.PathLike) -> TrcData:
    """Read a TRC file (as written by posekit, Pose2Sim, OpenSim, Vicon, ...); positions in metres."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read TRC file ({exc.strerror})") from None
    lines = text.splitlines()
    if len(lines) < 5 or not lines[0].startswith("PathFileType"):
        raise InputError(f"{path}: not a TRC file (first line must start with PathFileType)")
    keys = lines[1].split("\t")
    vals = lines[2].split("\t")
    header = {k.strip(): v.strip() for k, v in zip(keys, vals)}
    try:
        fps = float(header.get("DataRate") or header["CameraRate"])
        n_markers = int(header["NumMarkers"])
    except (KeyError, ValueError):
        raise InputError(f"{path}: TRC header lacks a valid DataRate/NumMarkers") from None
    if n_markers < 0:
        raise InputError(f"{path}: TRC header says NumMarkers {n_markers}")
    units = header.get("Units", "m") or "m"
    if units not in _UNIT_SCALE:
        raise InputError(f"{path}: unknown TRC units {units!r}")
    names = [n.strip() for n in lines[3].split("\t")[2:] if n.strip()]
    if len(names) < n_markers:
        raise InputError(f"{path}: header names {len(names)} markers, NumMarkers says {n_markers}")
    names = names[:n_markers]
    rows: list[list[float]] = []
    frames: list[int] = []
    times: list[float] = []
    for i, line in enumerate(lines[5:], start=6):
        if not line.strip():
            continue
        cells = line.split("\t")
        try:
            frames.append(int(float(cells[0])))
            if not -(2**62) < frames[-1] < 2**62:
                raise OverflowError(frames[-1])
            times.append(float(cells[1]))
        except (ValueError, IndexError, OverflowError):  # OverflowError: int(inf)
            raise InputError(f"{path}: line {i}: expected frame number and time") from None
        cells = cells[2:] + [""] * max(0, 3 * n_markers - len(cells) + 2)
        try:
            rows.append([_float(c) for c in cells[: 3 * n_markers]])
        except ValueError:
            raise InputError(f"{path}: line {i}: a coordinate is not a number") from None
    pos = np.asarray(rows, dtype=np.float64).reshape(len(rows), n_markers, 3) / _UNIT_SCALE[units]
    return TrcData(pos, names, fps, np.asarray(times), np.asarray(frames, dtype=np.int64), units)
