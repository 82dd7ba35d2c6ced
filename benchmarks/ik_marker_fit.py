"""How well joint angles (.mot) fit markers (.trc) on a model: run with a Python that has `opensim`.

    python ik_marker_fit.py MODEL TRC MOT [BODY_KINEMATICS_CSV]

Poses the model with each tenth row of the .mot, and prints JSON: per marker, the RMS distance (mm)
between the model's marker and the TRC's, and the mean signed difference (model − TRC, mm). With
Pose2Sim's body-kinematics CSV (body origins per frame), also the distances between consecutive body
origins in the model and in the CSV (same for the same segment lengths). Used by benchmarks/mono3d.py
to tell whether an IK result came from this model and this TRC: OpenSim's IK minimises the weighted
marker error, so a result that fits worse at nearly every marker is not this problem's solution.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import opensim as osim

PAIRS = (
    ("pelvis", "femur_r"),
    ("femur_r", "tibia_r"),
    ("tibia_r", "talus_r"),
    ("talus_r", "calcn_r"),
    ("pelvis", "femur_l"),
    ("femur_l", "tibia_l"),
    ("tibia_l", "talus_l"),
    ("talus_l", "calcn_l"),
)


def main(model_path: str, trc_path: str, mot_path: str, csv_path: str | None) -> dict:
    model = osim.Model(model_path)
    state = model.initSystem()
    mot = osim.TimeSeriesTable(mot_path)
    labels = list(mot.getColumnLabels())
    trc = osim.TimeSeriesTableVec3(trc_path)
    names = list(trc.getColumnLabels())
    coords, markers = model.getCoordinateSet(), model.getMarkerSet()
    if csv_path:
        with open(csv_path, encoding="utf-8") as f:
            header = f.readline().lstrip("#").strip().split(", ")
        csv = np.loadtxt(csv_path, delimiter=",", comments="#")
    diffs: dict[str, list] = {}
    seg_model: dict[str, list] = {}
    seg_csv: dict[str, list] = {}
    for i in range(0, mot.getNumRows(), 10):
        row = mot.getRowAtIndex(i)
        for j, lab in enumerate(labels):
            if coords.contains(lab):
                c = coords.get(lab)
                rotational = c.getMotionType() == 1
                c.setValue(state, np.radians(row[j]) if rotational else row[j], False)
        model.assemble(state)
        model.realizePosition(state)
        t = trc.getRowAtIndex(i)
        for k, name in enumerate(names):
            if markers.contains(name):
                p = markers.get(name).getLocationInGround(state)
                diffs.setdefault(name, []).append([p.get(a) - t[k].get(a) for a in range(3)])
        if csv_path:
            for a, b in PAIRS:
                pa = model.getBodySet().get(a).getPositionInGround(state)
                pb = model.getBodySet().get(b).getPositionInGround(state)
                seg_model.setdefault(f"{a}-{b}", []).append(
                    np.linalg.norm([pa.get(x) - pb.get(x) for x in range(3)])
                )
                ca = csv[i, [header.index(f"{a}_{x}") for x in "xyz"]]
                cb = csv[i, [header.index(f"{b}_{x}") for x in "xyz"]]
                seg_csv.setdefault(f"{a}-{b}", []).append(np.linalg.norm(ca - cb))
    out = {
        "markers": {
            n: {
                "rms_mm": float(1000 * np.sqrt(np.mean(np.sum(np.square(v), 1)))),
                "mean_mm": [float(1000 * x) for x in np.mean(v, 0)],
            }
            for n, v in diffs.items()
        },
        "segments_mm": {
            k: {"model": float(1000 * np.mean(seg_model[k])), "csv": float(1000 * np.mean(seg_csv[k]))}
            for k in seg_model
        },
    }
    return out


if __name__ == "__main__":
    a = sys.argv[1:]
    print(json.dumps(main(a[0], a[1], a[2], a[3] if len(a) > 3 else None)))
