"""Camera calibration from a checkerboard: intrinsics per camera (OpenCV), extrinsics from the board
seen by several cameras at once, refined by bundle adjustment (scipy least squares, robust loss).

Board specs: "checkerboard:COLSxROWS:SQUARE" with the number of *inner* corners per row and column and
the square size in metres, e.g. "checkerboard:7x4:0.06" (Pose2Sim's demo board: 4×7 corners, 60 mm);
"charuco:COLSxROWS:SQUARE:MARKER[:DICT]" with the number of *squares*, square and marker sizes in metres
and an OpenCV ArUco dictionary (default DICT_4X4_50), e.g. "charuco:5x7:0.04:0.03". A ChArUco board is
found even when partly hidden: observations are (corner ids, pixels).
The world frame of the extrinsics is the board's, in the first board pose seen by the most cameras:
origin at its first corner, x along its rows, y along its columns, z = x × y (into the board, OpenCV).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy.optimize import least_squares

from posekit.errors import InputError
from posekit.threed.camera import HALF_PIXEL, Calibration, Camera

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
_VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm")


@dataclass(frozen=True)
class Board:
    cols: int
    rows: int
    square: float
    kind: str = "checkerboard"
    marker: float = 0.0
    dictionary: str = "DICT_4X4_50"

    @property
    def object_points(self) -> np.ndarray:
        """(N, 3) corner positions in the board frame (metres), OpenCV's corner order and ids."""
        if self.kind == "charuco":
            return np.asarray(self.charuco().getChessboardCorners(), dtype=np.float64).reshape(-1, 3)
        g = np.mgrid[0 : self.cols, 0 : self.rows].T.reshape(-1, 2)
        return np.column_stack([g * self.square, np.zeros(len(g))]).astype(np.float64)

    def charuco(self) -> cv2.aruco.CharucoBoard:
        d = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, self.dictionary))
        return cv2.aruco.CharucoBoard((self.cols, self.rows), self.square, self.marker, d)


def parse_board(spec: str) -> Board:
    if spec.startswith("charuco:"):
        parts = spec.split(":")
        try:
            cols, rows = (int(v) for v in parts[1].lower().split("x"))
            square, marker = float(parts[2]), float(parts[3])
            dictionary = parts[4] if len(parts) > 4 else "DICT_4X4_50"
        except (ValueError, IndexError):
            raise InputError(
                f"--board {spec!r}: expected charuco:COLSxROWS:SQUARE:MARKER[:DICT], e.g. "
                "charuco:5x7:0.04:0.03"
            ) from None
        if not hasattr(cv2.aruco, dictionary):
            raise InputError(f"--board {spec!r}: unknown ArUco dictionary {dictionary!r}")
        if cols < 3 or rows < 3 or not 0 < marker < square:
            raise InputError(f"--board {spec!r}: need at least 3x3 squares and 0 < marker < square")
        return Board(cols, rows, square, "charuco", marker, dictionary)
    try:
        kind, dims, size = spec.split(":")
        cols, rows = (int(v) for v in dims.lower().split("x"))
        square = float(size)
    except ValueError:
        raise InputError(
            f"--board {spec!r}: expected checkerboard:COLSxROWS:SQUARE_METRES, e.g. checkerboard:7x4:0.06"
        ) from None
    if kind != "checkerboard":
        raise InputError(
            f"--board {spec!r}: expected checkerboard:COLSxROWS:SQUARE or "
            "charuco:COLSxROWS:SQUARE:MARKER[:DICT]"
        )
    if cols < 2 or rows < 2 or not square > 0:
        raise InputError(f"--board {spec!r}: need at least 2x2 inner corners and a positive square size")
    return Board(cols, rows, square)


def _images(source: str | os.PathLike, every: int = 1) -> list[tuple[str, np.ndarray]]:
    """(name, gray image) of an image folder, or every `every`-th frame of a video."""
    p = Path(source)
    out = []
    if p.is_dir():
        for f in sorted(q for q in p.iterdir() if q.suffix.lower() in _IMAGE_SUFFIXES):
            img = cv2.imread(str(f), cv2.IMREAD_GRAYSCALE)
            if img is None:
                raise InputError(f"{f}: cannot read image")
            out.append((f.name, img))
    elif p.is_file() and p.suffix.lower() in _VIDEO_SUFFIXES:
        cap = cv2.VideoCapture(str(p))
        i = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if i % every == 0:
                out.append((f"{p.name}#{i}", cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)))
            i += 1
        cap.release()
    elif p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES:
        img = cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise InputError(f"{p}: cannot read image")
        out.append((p.name, img))
    else:
        raise InputError(f"{p}: not an image folder, image or video")
    if not out:
        raise InputError(f"{p}: no images")
    return out


def find_corners(gray: np.ndarray, board: Board) -> tuple[np.ndarray, np.ndarray] | None:
    """(corner ids, (n, 2) sub-pixel corners in posekit pixels), or None when the board is not found."""
    if board.kind == "charuco":
        det = cv2.aruco.CharucoDetector(board.charuco())
        corners, ids, _, _ = det.detectBoard(gray)
        if ids is None or len(ids) < 6:
            return None
        return ids.reshape(-1).astype(np.int64), corners.reshape(-1, 2).astype(np.float64) + HALF_PIXEL
    flags = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE
    ok, c = cv2.findChessboardCorners(gray, (board.cols, board.rows), None, flags)
    if not ok:
        return None
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_MAX_ITER, 50, 1e-3)
    c = cv2.cornerSubPix(gray, c, (11, 11), (-1, -1), crit)
    pts = c.reshape(-1, 2).astype(np.float64) + HALF_PIXEL
    return np.arange(len(pts)), pts


@dataclass
class IntrinsicsResult:
    camera: Camera  # extrinsics identity
    rms_px: float
    used: list[str]


def calibrate_intrinsics(
    source: str | os.PathLike, board: Board, name: str = "cam", every: int = 15
) -> IntrinsicsResult:
    """Intrinsics (K, k1 k2 p1 p2) of one camera from board images; RMS reprojection error in pixels."""
    imgs = _images(source, every)
    obj, img, used = [], [], []
    for n, g in imgs:
        found = find_corners(g, board)
        if found is not None:
            ids, c = found
            obj.append(board.object_points[ids].astype(np.float32))
            img.append((c - HALF_PIXEL).astype(np.float32).reshape(-1, 1, 2))
            used.append(n)
    if len(used) < 3:
        raise InputError(
            f"{source}: board {board.cols}x{board.rows} found in {len(used)} of {len(imgs)} images; "
            "need at least 3"
        )
    h, w = imgs[0][1].shape
    flags = cv2.CALIB_FIX_K3
    rms, K, D, _, _ = cv2.calibrateCamera(obj, img, (w, h), None, None, flags=flags)
    cam = Camera(name, (w, h), K, np.asarray(D).reshape(-1)[:4], np.zeros(3), np.zeros(3))
    return IntrinsicsResult(cam, float(rms), used)


@dataclass
class ExtrinsicsResult:
    calibration: Calibration
    per_camera_px: dict[str, float]  # mean reprojection error of the board corners after adjustment
    initial_px: dict[str, float]  # before bundle adjustment


def calibrate_extrinsics(
    cameras: list[Camera], observations: Mapping[tuple[int, int], np.ndarray | tuple], board: Board
) -> ExtrinsicsResult:
    """Camera poses from board corners (posekit pixels) seen in board poses: observations[(camera, pose)]
    is (N, 2) pixels of all corners, or (corner ids, (n, 2) pixels) for a partly seen board.

    Initial poses chain solvePnP results through shared board poses (breadth first); then a bundle
    adjustment refines all camera and board poses (intrinsics fixed) with a soft-L1 loss.
    """
    C = len(cameras)
    all_obj = board.object_points
    seen: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for key, o in observations.items():
        ids, px = o if isinstance(o, tuple) else (np.arange(len(all_obj)), o)
        if len(ids) >= 6:
            seen[key] = (np.asarray(ids), np.asarray(px, dtype=np.float64))
    pnp: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for (c, b), (ids, px) in seen.items():
        cam = cameras[c]
        ok, r, t = cv2.solvePnP(
            all_obj[ids], (px - HALF_PIXEL).reshape(-1, 1, 2), cam.matrix, cam.distortions
        )
        if ok:
            pnp[(c, b)] = (r.reshape(3), t.reshape(3))
    poses = sorted({b for _, b in pnp})
    if not poses:
        raise InputError("extrinsics: the board was not found in any camera")
    counts = {b: sum(1 for (_, bb) in pnp if bb == b) for b in poses}
    ref = max(poses, key=lambda b: (counts[b], -b))

    def mat(r: np.ndarray, t: np.ndarray) -> np.ndarray:
        m = np.eye(4)
        m[:3, :3], m[:3, 3] = cv2.Rodrigues(r)[0], t
        return m

    cam_T: dict[int, np.ndarray] = {}  # world → camera
    board_T: dict[int, np.ndarray] = {ref: np.eye(4)}  # board → world
    changed = True
    while changed:
        changed = False
        for (c, b), (r, t) in pnp.items():
            m = mat(r, t)  # board → camera
            if b in board_T and c not in cam_T:
                cam_T[c] = m @ np.linalg.inv(board_T[b])
                changed = True
            elif c in cam_T and b not in board_T:
                board_T[b] = np.linalg.inv(cam_T[c]) @ m
                changed = True
    missing = [cameras[c].name for c in range(C) if c not in cam_T]
    if missing:
        raise InputError(f"extrinsics: cameras {', '.join(missing)} share no board view with the others")
    bl = sorted(board_T)
    keys = [k for k in seen if k[0] in cam_T and k[1] in board_T]

    def pack() -> np.ndarray:
        v = []
        for c in range(C):
            v += [cv2.Rodrigues(cam_T[c][:3, :3])[0].reshape(3), cam_T[c][:3, 3]]
        for b in bl:
            if b != ref:
                v += [cv2.Rodrigues(board_T[b][:3, :3])[0].reshape(3), board_T[b][:3, 3]]
        return np.concatenate(v)

    def unpack(x: np.ndarray) -> tuple[list[tuple[np.ndarray, np.ndarray]], dict[int, np.ndarray]]:
        cams = [(x[6 * c : 6 * c + 3], x[6 * c + 3 : 6 * c + 6]) for c in range(C)]
        boards = {ref: np.eye(4)}
        o = 6 * C
        for b in bl:
            if b != ref:
                boards[b] = mat(x[o : o + 3], x[o + 3 : o + 6])
                o += 6
        return cams, boards

    def residuals(x: np.ndarray) -> np.ndarray:
        cams, boards = unpack(x)
        res = []
        for c, b in keys:
            ids, px = seen[(c, b)]
            pts = all_obj[ids] @ boards[b][:3, :3].T + boards[b][:3, 3]
            r, t = cams[c]
            proj, _ = cv2.projectPoints(pts, r, t, cameras[c].matrix, cameras[c].distortions)
            res.append((proj.reshape(-1, 2) + HALF_PIXEL - px).reshape(-1))
        return np.concatenate(res)

    def per_camera(x: np.ndarray) -> dict[str, float]:
        r = residuals(x).reshape(-1, 2)
        errs: dict[str, list[float]] = {}
        o = 0
        for c, b in keys:
            n = len(seen[(c, b)][0])
            errs.setdefault(cameras[c].name, []).extend(np.linalg.norm(r[o : o + n], axis=1).tolist())
            o += n
        return {k: float(np.mean(v)) for k, v in errs.items()}

    x0 = pack()
    before = per_camera(x0)
    sol = least_squares(residuals, x0, loss="soft_l1", f_scale=1.0, x_scale="jac", max_nfev=200)
    cams_rt, _ = unpack(sol.x)
    out = [
        Camera(
            cameras[c].name,
            cameras[c].size,
            cameras[c].matrix,
            cameras[c].distortions,
            cams_rt[c][0],
            cams_rt[c][1],
            cameras[c].fisheye,
        )
        for c in range(C)
    ]
    after = per_camera(sol.x)
    meta = {
        "adjusted": True,
        "error": float(np.mean(list(after.values()))),
        "board": f"{board.cols}x{board.rows}",
    }
    return ExtrinsicsResult(Calibration(out, meta), after, before)


def observe_boards(
    sources: list[str | os.PathLike], board: Board, every: int = 15
) -> dict[tuple[int, int], tuple]:
    """Board corners per (camera, frame index) from synchronised image folders/videos (frame k of each
    camera is the same instant: file order for folders)."""
    obs = {}
    for c, s in enumerate(sources):
        for k, (_, g) in enumerate(_images(s, every)):
            found = find_corners(g, board)
            if found is not None:
                obs[(c, k)] = found
    return obs
