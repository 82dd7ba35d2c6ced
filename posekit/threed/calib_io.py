"""Calibration files: the TOML of Pose2Sim/anipose (read + write), Qualisys .qca.txt and
OpenCV-style YAML/JSON (EasyMocap's intri.yml + extri.yml) conversions.

TOML layout (one table per camera, then `[metadata]`)::

    [cam_01]
    name = "cam_01"
    size = [1088.0, 1920.0]            # width, height (pixels)
    matrix = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]
    distortions = [k1, k2, p1, p2]
    rotation = [rx, ry, rz]            # Rodrigues, world -> camera
    translation = [tx, ty, tz]         # metres, world -> camera
    fisheye = false

See posekit/threed/camera.py for the frames.
"""

from __future__ import annotations

import contextlib
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import atomic_path, atomic_write
from posekit.io.messages import one_line
from posekit.threed.camera import Calibration, Camera

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def read_calibration(path: str | os.PathLike, extrinsics: str | os.PathLike | None = None) -> Calibration:
    """Read a calibration file, choosing the reader by file name.

    `.toml`: Pose2Sim/anipose; `.qca.txt`/`.qca`: Qualisys; `.yml`/`.yaml`/`.json` (+ optional
    `extrinsics` file): OpenCV FileStorage as EasyMocap writes it (`names`, `K_<cam>`, `dist_<cam>`,
    `R_<cam>` or `Rot_<cam>`, `T_<cam>`).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: calibration file not found")
    name = p.name.lower()
    if name.endswith(".toml"):
        return read_toml(p)
    if name.endswith((".qca.txt", ".qca")):
        return read_qca(p)
    if name.endswith((".yml", ".yaml", ".json")):
        return read_opencv(p, extrinsics)
    raise InputError(f"{p}: unknown calibration format (expected .toml, .qca.txt, .yml/.yaml or .json)")


@contextlib.contextmanager
def _about(path: Path, what: str) -> Iterator[None]:
    """Errors while reading `path` as InputErrors naming it: a camera's own checks (which do not know the
    file) get the path in front; what the parsers below raise on a damaged file becomes one line."""
    try:
        yield
    except InputError as e:
        if str(path) in str(e):
            raise
        raise InputError(f"{path}: {one_line(e)}") from None
    except (
        cv2.error,
        SystemError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        LookupError,
        OverflowError,
    ) as e:
        raise InputError(f"{path}: malformed {what} ({type(e).__name__}: {one_line(e)})") from None


def _arr(table: dict, key: str, shape: tuple, where: str) -> np.ndarray:
    if key not in table:
        raise InputError(f"{where}: missing {key!r}")
    try:
        a = np.asarray(table[key], dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{where}: {key!r} is not numeric") from None
    if shape and a.size != int(np.prod(shape)):
        raise InputError(f"{where}: {key!r} must have {int(np.prod(shape))} values, got {a.size}")
    return a.reshape(shape) if shape else a


def read_toml(path: str | os.PathLike) -> Calibration:
    p = Path(path)
    with _about(p, "calibration TOML"):
        return _read_toml(p)


def _read_toml(p: Path) -> Calibration:
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{p}: cannot read calibration TOML ({one_line(exc)})") from None
    cams = []
    for key, t in data.items():
        if key == "metadata" or not isinstance(t, dict):
            continue
        where = f"{p} [{key}]"
        dist = _arr(t, "distortions", (), where).reshape(-1)
        cams.append(
            Camera(
                name=str(t.get("name", key)),
                size=tuple(_arr(t, "size", (2,), where)),
                matrix=_arr(t, "matrix", (3, 3), where),
                distortions=dist,
                rotation=_arr(t, "rotation", (3,), where),
                translation=_arr(t, "translation", (3,), where),
                fisheye=bool(t.get("fisheye", False)),
            )
        )
    if not cams:
        raise InputError(f"{p}: no camera tables in calibration TOML")
    meta = data.get("metadata", {})
    return Calibration(cams, dict(meta) if isinstance(meta, dict) else {})


def write_toml(path: str | os.PathLike, calib: Calibration) -> None:
    """Write `calib` as Pose2Sim/anipose TOML, atomically."""
    import tomli_w

    doc: dict[str, Any] = {}
    for i, c in enumerate(calib.cameras):
        key = c.name if c.name.replace("_", "").isalnum() else f"cam_{i + 1:02d}"
        doc[key] = {
            "name": c.name,
            "size": [float(c.size[0]), float(c.size[1])],
            "matrix": c.matrix.tolist(),
            "distortions": c.distortions.tolist(),
            "rotation": c.rotation.tolist(),
            "translation": c.translation.tolist(),
            "fisheye": bool(c.fisheye),
        }
    meta = {k: v for k, v in calib.metadata.items() if isinstance(v, (str, int, float, bool, list, dict))}
    doc["metadata"] = meta or {"adjusted": False, "error": 0.0}
    text = tomli_w.dumps(doc)
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(text)


def read_qca(path: str | os.PathLike, binning: int = 1, pose2sim_distortions: bool = False) -> Calibration:
    """Convert a Qualisys `.qca.txt` calibration (Miqus video cameras) to our frames.

    Qualisys stores intrinsics in sub-pixel sensor units (1/64 px), the camera *pose* in the world
    (rotation, position in mm) and a camera frame with y up and z backwards. We divide by 64,
    invert the pose (world → camera) and turn the camera 180° about its x axis (y down, z forward).
    Distortion coefficients are dimensionless and kept as they are. Pose2Sim's converter divides them
    by 64 as well (its shipped `Calib_qualisys.toml`); `pose2sim_distortions=True` reproduces that.
    Evidence for leaving them: calibrating Pose2Sim's own checkerboard images gives k1 ≈ -0.05,
    k2 ≈ 0.15 for cam01/02, next to the file's raw -0.046/0.140, not -0.0007/0.0022 (docs/3d.md).
    """
    p = Path(path)
    with _about(p, "Qualisys calibration"):
        return _read_qca(p, binning, pose2sim_distortions)


def _read_qca(p: Path, binning: int, pose2sim_distortions: bool) -> Calibration:
    try:
        root = ET.parse(p).getroot()
    except (OSError, ET.ParseError, LookupError, UnicodeError) as exc:  # LookupError: a bad encoding name
        raise InputError(f"{p}: cannot parse Qualisys calibration ({one_line(exc)})") from None
    cams: list[Camera] = []
    flip = np.diag([1.0, -1.0, -1.0])
    for tag in root.findall("cameras/camera"):
        name = tag.get("serial") or f"cam_{len(cams) + 1:02d}"
        fov, intr, tr = tag.find("fov_video"), tag.find("intrinsic"), tag.find("transform")
        if fov is None or intr is None or tr is None:
            raise InputError(f"{p}: camera {name} lacks fov_video, intrinsic or transform")
        try:
            left, top = float(fov.get("left", 0)), float(fov.get("top", 0))
            w = (float(fov.get("right", 0)) - left + 1) / binning
            h = (float(fov.get("bottom", 0)) - top + 1) / binning
            s = 64.0 * binning
            fu, fv = float(intr.get("focalLengthU", 0)) / s, float(intr.get("focalLengthV", 0)) / s
            cu = float(intr.get("centerPointU", 0)) / s - left
            cv = float(intr.get("centerPointV", 0)) / s - top
            ds = s if pose2sim_distortions else 1.0
            dist = [
                float(intr.get(k, 0)) / ds
                for k in (
                    "radialDistortion1",
                    "radialDistortion2",
                    "tangentalDistortion1",
                    "tangentalDistortion2",
                )
            ]
            rq = np.array([[float(tr.get(f"r{i}{j}", 0)) for j in (1, 2, 3)] for i in (1, 2, 3)])
            pos = np.array([float(tr.get(k, 0)) for k in "xyz"]) / 1000.0
        except ValueError:
            raise InputError(f"{p}: camera {name} has a non-numeric field") from None
        r_wc = (
            flip @ rq
        )  # rq is camera → world by columns, i.e. world → camera by rows; then y down, z forward
        t_wc = -r_wc @ pos
        cams.append(
            Camera(
                name,
                (w, h),
                np.array([[fu, 0, cu], [0, fv, cv], [0, 0, 1]]),
                np.array(dist),
                cv2.Rodrigues(r_wc)[0].reshape(3),
                t_wc,
            )
        )
    if not cams:
        raise InputError(f"{p}: no cameras in Qualisys calibration")
    cams.sort(key=lambda c: c.name)
    return Calibration(cams, {"source": p.name})


def _fs_mat(fs: cv2.FileStorage, key: str) -> np.ndarray | None:
    """The matrix at `key` (an opencv-matrix map, or a plain list of numbers), read value by value:
    `FileNode.mat()` aborted the whole process on a damaged file in the fuzz campaign."""
    node = fs.getNode(key)
    if node.empty():
        return None
    if node.isSeq():
        return np.array([node.at(i).real() for i in range(node.size())], dtype=np.float64)
    if node.isReal() or node.isInt():
        return np.array([node.real()], dtype=np.float64)
    rows, cols, data = (node.getNode(k) if node.isMap() else None for k in ("rows", "cols", "data"))
    if rows is None or cols is None or data is None or not data.isSeq():
        raise InputError(f"{key!r} is not an OpenCV matrix (rows, cols, data)")
    r, c, n = rows.real(), cols.real(), data.size()
    if not (r >= 0 and c >= 0 and r * c == n):
        raise InputError(f"{key!r}: {n} values for a {r:g}x{c:g} matrix")
    return np.array([data.at(i).real() for i in range(n)], dtype=np.float64).reshape(int(r), int(c))


def read_opencv(path: str | os.PathLike, extrinsics: str | os.PathLike | None = None) -> Calibration:
    """OpenCV FileStorage YAML/JSON (EasyMocap layout). Image sizes come from `H_<cam>`/`W_<cam>` when
    present, else from twice the principal point (a guess, flagged in `metadata['size_guessed']`)."""
    with _about(Path(path), "OpenCV calibration YAML/JSON"):
        return _read_opencv(path, extrinsics)


def _read_opencv(path: str | os.PathLike, extrinsics: str | os.PathLike | None) -> Calibration:
    files = [Path(path)] + ([Path(extrinsics)] if extrinsics else [])
    storages = []
    for f in files:
        try:
            fs = cv2.FileStorage(str(f), cv2.FILE_STORAGE_READ)
        except (cv2.error, SystemError) as e:  # OpenCV's parser raises on malformed YAML/JSON
            raise InputError(f"{f}: cannot parse as OpenCV YAML/JSON ({one_line(e)})") from None
        if not fs.isOpened():
            raise InputError(f"{f}: cannot open as OpenCV YAML/JSON")
        storages.append(fs)
    names_node = storages[0].getNode("names")
    if names_node.empty():
        raise InputError(f"{path}: no 'names' list of cameras")
    names = [names_node.at(i).string() for i in range(names_node.size())]

    def find(key: str) -> np.ndarray | None:
        for fs in storages:
            m = _fs_mat(fs, key)
            if m is not None:
                return m
        return None

    def num(key: str) -> float | None:
        for fs in storages:
            node = fs.getNode(key)
            if not node.empty():
                return float(node.real())
        return None

    cams, guessed = [], False
    for n in names:
        k = find(f"K_{n}")
        if k is None:
            raise InputError(f"{path}: camera {n!r} has no K_{n}")
        dist = find(f"dist_{n}")
        rvec = find(f"R_{n}")
        rot = find(f"Rot_{n}")
        t = find(f"T_{n}")
        if t is None or (rvec is None and rot is None):
            raise InputError(f"{files[-1]}: camera {n!r} lacks extrinsics (R_{n}/Rot_{n} and T_{n})")
        if rvec is not None and rvec.size == 3:
            r = rvec.reshape(3)
        elif rot is not None:
            r = cv2.Rodrigues(rot.reshape(3, 3))[0]
        else:
            raise InputError(f"{files[-1]}: camera {n!r} has a malformed rotation")
        w, h = num(f"W_{n}"), num(f"H_{n}")
        if w is None or h is None:
            w, h, guessed = 2 * k[0, 2], 2 * k[1, 2], True
        d = np.zeros(4) if dist is None else dist.reshape(-1)
        cams.append(Camera(n, (w, h), k, d[:5] if d.size >= 5 else d, np.asarray(r).reshape(3), t.reshape(3)))
    return Calibration(cams, {"source": Path(path).name, "size_guessed": guessed})


def write_opencv(intri_path: str | os.PathLike, extri_path: str | os.PathLike, calib: Calibration) -> None:
    """Write EasyMocap-style intri.yml / extri.yml (via a temporary file, then renamed)."""
    for path, kind in ((intri_path, "intri"), (extri_path, "extri")):
        with atomic_path(path, suffix=".yml", what="a calibration") as tmp:
            _write_opencv_file(tmp, kind, calib)


def _write_opencv_file(tmp: Path, kind: str, calib: Calibration) -> None:
    fs = cv2.FileStorage(str(tmp), cv2.FILE_STORAGE_WRITE)
    fs.startWriteStruct("names", cv2.FileNode_SEQ)
    for c in calib.cameras:
        fs.write("", c.name)
    fs.endWriteStruct()
    for c in calib.cameras:
        if kind == "intri":
            fs.write(f"K_{c.name}", c.matrix)
            fs.write(f"dist_{c.name}", c.distortions.reshape(1, -1))
            fs.write(f"W_{c.name}", float(c.size[0]))
            fs.write(f"H_{c.name}", float(c.size[1]))
        else:
            fs.write(f"R_{c.name}", c.rotation.reshape(3, 1))
            fs.write(f"Rot_{c.name}", c.R)
            fs.write(f"T_{c.name}", c.translation.reshape(3, 1))
    fs.release()
