"""MOT (OpenSim's motion/storage text format) with joint angles computed geometrically from 3D joints.

These are angles between body segments, not the result of OpenSim's inverse kinematics (no model
scaling, no marker weighting): hip flexion (thigh in the pelvis' sagittal plane, 0 standing), knee
flexion (0 straight), ankle dorsiflexion (90° − angle between shank and foot, foot = ankle → toe),
elbow flexion (0 straight). Degrees; right and left (`_r`, `_l`).
"""

from __future__ import annotations

import os

import numpy as np

from posekit.errors import InputError
from posekit.io.atomic import atomic_write
from posekit.threed.mono.skeleton import JOINTS

ANGLES = (
    "hip_flexion_r",
    "hip_flexion_l",
    "knee_flexion_r",
    "knee_flexion_l",
    "ankle_dorsiflexion_r",
    "ankle_dorsiflexion_l",
    "elbow_flexion_r",
    "elbow_flexion_l",
)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip((_unit(a) * _unit(b)).sum(-1), -1, 1)))


def joint_angles(joints: np.ndarray) -> dict[str, np.ndarray]:
    """{angle name: (T,) degrees} from (T, 17, 3) skeleton joints (`skeleton.JOINTS` order, any axes)."""
    j = np.asarray(joints, dtype=np.float64)
    if j.ndim != 3 or j.shape[1:] != (len(JOINTS), 3):
        raise InputError(f"joint angles: expected (T, {len(JOINTS)}, 3) skeleton joints, got {j.shape}")

    def P(n: str) -> np.ndarray:
        return j[:, JOINTS.index(n)]

    across = _unit(P("left_hip") - P("right_hip"))
    up = P("neck") - P("pelvis")
    up = _unit(up - (up * across).sum(-1, keepdims=True) * across)
    forward = np.cross(across, up)
    out = {}
    for s, side in (("r", "right"), ("l", "left")):
        thigh = P(f"{side}_knee") - P(f"{side}_hip")
        out[f"hip_flexion_{s}"] = np.degrees(np.arctan2((thigh * forward).sum(-1), -(thigh * up).sum(-1)))
        out[f"knee_flexion_{s}"] = _between(thigh, P(f"{side}_ankle") - P(f"{side}_knee"))
        out[f"ankle_dorsiflexion_{s}"] = 90.0 - _between(
            P(f"{side}_knee") - P(f"{side}_ankle"), P(f"{side}_toe") - P(f"{side}_ankle")
        )
        out[f"elbow_flexion_{s}"] = _between(
            P(f"{side}_elbow") - P(f"{side}_shoulder"), P(f"{side}_wrist") - P(f"{side}_elbow")
        )
    return {k: out[k] for k in ANGLES}


def write_mot(
    path: str | os.PathLike,
    times: np.ndarray,
    columns: dict[str, np.ndarray],
    *,
    in_degrees: bool = True,
    name: str = "posekit",
) -> None:
    """An OpenSim .mot file: header, then `time` and one column per entry, tab separated, atomically."""
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or len(t) == 0:
        raise InputError(f"{path}: MOT needs at least one frame")
    cols = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
    if any(v.shape != t.shape for v in cols.values()):
        raise InputError(f"{path}: every MOT column needs {len(t)} values")
    lines = [
        name,
        "version=1",
        f"nRows={len(t)}",
        f"nColumns={len(cols) + 1}",
        f"inDegrees={'yes' if in_degrees else 'no'}",
        "endheader",
        "\t".join(["time", *cols]),
    ]
    for i in range(len(t)):
        lines.append(
            "\t".join(
                [f"{t[i]:.6f}"] + [("nan" if not np.isfinite(v[i]) else f"{v[i]:.6f}") for v in cols.values()]
            )
        )
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def read_mot(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(times, {column: values}) from an OpenSim .mot/.sto file (posekit's or OpenSim's)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    try:
        end = next(i for i, ln in enumerate(lines) if ln.strip().lower() == "endheader")
    except StopIteration:
        raise InputError(f"{path}: not a MOT file (no 'endheader' line)") from None
    if end + 1 >= len(lines) or not lines[end + 1].strip():
        raise InputError(f"{path}: no column names after 'endheader'")
    head = lines[end + 1].split("\t")
    rows = []
    for i, ln in enumerate(lines[end + 2 :], start=end + 3):
        if not ln.strip():
            continue
        cells = ln.split("\t")
        if len(cells) != len(head):
            raise InputError(f"{path}: line {i} has {len(cells)} values for {len(head)} columns")
        try:
            rows.append([float(v) for v in cells])
        except ValueError:
            raise InputError(f"{path}: line {i}: a value is not a number") from None
    data = np.array(rows, np.float64).reshape(len(rows), len(head))
    return data[:, 0], {h.strip(): data[:, i] for i, h in enumerate(head) if i > 0}
