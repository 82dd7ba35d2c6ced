"""Monocular 3D and motion-capture exports, all figures of issue 9 in one run (Markdown on stdout).

    python benchmarks/mono3d.py [--opensim-python PATH] [--pose2sim-python PATH] [--skip-samples] [--only-ik-nwb]

1. PA-MPJPE on Pose2Sim's demo: BlazePose's raw world landmarks against posekit's refined 3D, per camera
   and mean, with the scale error (`pose2sim==0.10.49` videos cam01–04, reference
   `Demo/opensim/Balancing_for_IK.trc` of `pose2sim==0.4.15`, 17 shared joints, per-frame Procrustes
   with scale). BlazePose runs once per video and model; its raw output is cached in
   ~/.cache/posekit/mono3d so later runs take seconds.
2. Root translation from the 2D keypoints: depth error of the hip centre with the demo's calibrated
   intrinsics, and with intrinsics assumed from a 60° field of view.
3. samples_3d.json (Human3.6M, MPI-INF-3DHP): MPJPE (root-relative), PA-MPJPE, scale error, root depth.
4. Exports of the demo's cam01 motion, read back: BVH (bvhio forward kinematics, Blender import when
   Debian's `blender` is installed), C3D (ezc3d and c3d), TRC, NWB (pynwb validator), OpenPose JSON;
   NWB MultiCameraPoseEstimation of the reference triangulation with the demo's calibrated cameras.
   OpenSim IK (with `opensim` importable, or --opensim-python) on the reference TRC, and on the TRC that
   Pose2Sim 0.8.4 itself makes from its demo (--pose2sim-python: a Python with pose2sim==0.8.4), against
   Pose2Sim's own IK result (`pose2sim==0.8.4`). `--only-ik-nwb` runs just these two checks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from posekit.layouts.blazepose33 import NAMES
from posekit.threed import demo_data
from posekit.threed.mono.metrics import mpjpe, pa_mpjpe, scale_error

SHARED = ROOT.parent / "shared" / "data"
CACHE = Path(os.environ.get("POSEKIT_CACHE", Path.home() / ".cache" / "posekit")) / "mono3d"
# pose2sim 0.8.4 ships the scaled OpenSim model, IK setup and Pose2Sim's own IK result.
demo_data.POSE2SIM_WHEELS.setdefault(
    "0.8.4", "d16e9bbbc38cdd210ff7ce7c4dea91ce4274012f05a27951dd33d4db95588e81"
)
# Reference marker (TRC) → BlazePose landmark.
PAIRS = {
    "Nose": "nose",
    "RShoulder": "right_shoulder",
    "RElbow": "right_elbow",
    "RWrist": "right_wrist",
    "LShoulder": "left_shoulder",
    "LElbow": "left_elbow",
    "LWrist": "left_wrist",
    "RHip": "right_hip",
    "RKnee": "right_knee",
    "RAnkle": "right_ankle",
    "RHeel": "right_heel",
    "RBigToe": "right_foot_index",
    "LHip": "left_hip",
    "LKnee": "left_knee",
    "LAnkle": "left_ankle",
    "LHeel": "left_heel",
    "LBigToe": "left_foot_index",
}
BI = [NAMES.index(v) for v in PAIRS.values()]
CAMS = (1, 2, 3, 4)


def run_blazepose(model: str, video: Path, out: Path) -> dict[str, np.ndarray]:
    """The highest-scoring person of every frame, as `posekit track` sees it (following, no smoothing)."""
    if not out.exists():
        from posekit.video.tracking import VideoPoseTracker

        kp, sc, w, rd, t, size = [], [], [], [], [], (0, 0)
        for r in VideoPoseTracker(model, smooth="none").track(str(video)):
            p, size = r.poses, r.poses.image_size
            n_read = p.extra["world_readings"].shape[2] if "world_readings" in p.extra else 1
            if len(p):
                i = int(np.argmax(p.person_scores))
                kp.append(p.keypoints[i]), sc.append(p.scores[i]), w.append(p.world[i])
                rd.append(p.extra["world_readings"][i] if n_read > 1 else p.world[i][:, None])
            else:
                (
                    kp.append(np.full((33, 2), np.nan)),
                    sc.append(np.zeros(33)),
                    w.append(np.full((33, 3), np.nan)),
                )
                rd.append(np.full((33, n_read, 3), np.nan))
            t.append(r.time)
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            out,
            keypoints=np.array(kp, np.float32),
            scores=np.array(sc, np.float32),
            world=np.array(w, np.float32),
            readings=np.array(rd, np.float32),
            time=np.array(t),
            image_size=np.array(size),
        )
    z = np.load(out)
    return {k: z[k] for k in z.files}


def load_reference() -> tuple[np.ndarray, list[str], np.ndarray]:
    from posekit.export.trc import read_trc

    trc = read_trc(demo_data.pose2sim_demo("0.4.15") / "Pose2Sim/Demo/opensim/Balancing_for_IK.trc")
    return trc.positions, trc.marker_names, np.array([trc.marker_names.index(k) for k in PAIRS])


def calibration(cam: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import cv2
    import tomllib

    path = demo_data.pose2sim_demo("0.4.15") / "Pose2Sim/Demo/calibration/Calib_qualisys.toml"
    c = tomllib.loads(path.read_text())[f"cam_0{cam}"]
    return np.array(c["matrix"]), cv2.Rodrigues(np.array(c["rotation"]))[0], np.array(c["translation"])


def refined(raw: dict[str, np.ndarray], height: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    from posekit.threed.mono import MonoConfig, refine_world
    from posekit.threed.mono.refine import SWAP

    fps = 1.0 / np.median(np.diff(raw["time"]))
    res = refine_world(raw["world"], fps, MonoConfig(height=height))
    kp = raw["keypoints"].copy()
    kp[res.flipped] = kp[res.flipped][:, SWAP]
    return res.world, kp


def section_demo() -> dict[str, dict[str, np.ndarray]]:
    ref, _, gi = load_reference()
    gt = ref[:, gi]
    videos = demo_data.pose2sim_demo("0.10.49") / "Pose2Sim/Demo_SinglePerson/videos"
    runs = {
        m: {c: run_blazepose(m, videos / f"cam0{c}.mp4", CACHE / f"{m}_cam0{c}.npz") for c in CAMS}
        for m in ("blazepose-full", "blazepose-3d", "blazepose-heavy")
    }
    from posekit.threed.mono import MonoConfig, refine_world

    def row(name: str, model: str, fn) -> tuple[str, np.ndarray, np.ndarray]:
        pe, se = [], []
        for c in CAMS:
            w = fn(runs[model][c])
            pe.append(pa_mpjpe(w[:, BI], gt) * 1000)
            se.append(scale_error(w[:, BI], gt) * 100)
        return name, np.array(pe), np.array(se)

    fps = 60.0
    rows = [
        row("BlazePose full, raw world landmarks", "blazepose-full", lambda r: r["world"]),
        row(
            "  + left/right turn-around fix only",
            "blazepose-full",
            lambda r: refine_world(r["world"], fps, MonoConfig(median_s=0, smooth_s=0)).world,
        ),
        row(
            "  + fix, median 0.2 s, Gaussian 0.05 s (refine_world)",
            "blazepose-full",
            lambda r: refine_world(r["world"], fps).world,
        ),
        row(
            "  + that and constant bone lengths",
            "blazepose-full",
            lambda r: refine_world(r["world"], fps, MonoConfig(bones=True)).world,
        ),
        row(
            "blazepose-3d (full + heavy, crop + mirror: mean of 4 readings)",
            "blazepose-3d",
            lambda r: r["world"],
        ),
        row(
            "**posekit: blazepose-3d + refine_world**",
            "blazepose-3d",
            lambda r: refine_world(r["world"], fps).world,
        ),
        row("BlazePose heavy, raw world landmarks", "blazepose-heavy", lambda r: r["world"]),
        row(
            "BlazePose heavy + refine_world", "blazepose-heavy", lambda r: refine_world(r["world"], fps).world
        ),
    ]
    if "readings" in runs["blazepose-3d"][1]:
        rows.append(
            row(
                "blazepose-3d, each reading refined apart, then averaged",
                "blazepose-3d",
                lambda r: np.mean(
                    [refine_world(r["readings"][:, :, i], fps).world for i in range(r["readings"].shape[2])],
                    0,
                ),
            )
        )
    base = rows[0][1]
    print("## 1. PA-MPJPE on the Pose2Sim demo (mm; scale error in % of the reference's size)\n")
    print("| 3D | cam01 | cam02 | cam03 | cam04 | mean | vs raw full | scale error (mean) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, pe, se in rows:
        print(
            f"| {name} | " + " | ".join(f"{v:.1f}" for v in pe) + f" | {pe.mean():.1f} | "
            f"{100 * (pe.mean() / base.mean() - 1):+.1f} % | {se.mean():+.1f} % |"
        )
    best = rows[5][1]
    print(
        f"\nposekit vs raw BlazePose full: {100 * (1 - best.mean() / base.mean()):.1f} % lower mean PA-MPJPE; "
        f"worst camera change {np.max(best - base):+.1f} mm.\n"
    )
    return runs


def section_depth(runs) -> None:
    from posekit.export.trc import y_up_to_z_up
    from posekit.threed.mono.camera import intrinsics_from_fov, solve_root_translation

    ref, _, gi = load_reference()
    world_zup = y_up_to_z_up(ref)  # Pose2Sim writes TRC as Y-up (y, z, x) of its Z-up calibration frame
    print(
        "## 2. Root translation from 2D keypoints (posekit 3D, hip centre depth; 1.70 m is Pose2Sim's "
        "default participant height, the demo does not give the true one)\n"
    )
    print(
        "| camera | true depth (m) | calibrated K: mean abs error / bias (mm) | MPJPE in camera space (mm) "
        "| calibrated K, height 1.70 m given: mean abs error / bias (mm) | assumed 60° FOV: mean abs error (mm) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for c in CAMS:
        K, R, t = calibration(c)
        gt_cam = world_zup @ R.T + t
        ghip = gt_cam[:, [gi[7], gi[12]]].mean(1)  # RHip, LHip
        raw = runs["blazepose-3d"][c]
        w, kp = refined(raw)
        wh, _ = refined(raw, height=1.70)
        out = []
        for pts, k in ((w, K), (wh, K), (w, intrinsics_from_fov(tuple(raw["image_size"]), 60.0))):
            tr = solve_root_translation(pts, kp, k, raw["scores"])
            out.append(pts + tr[:, None])
        e = [o[:, [23, 24]].mean(1)[:, 2] - ghip[:, 2] for o in out]
        print(
            f"| cam0{c} | {np.nanmean(ghip[:, 2]):.2f} | {np.nanmean(np.abs(e[0])) * 1000:.0f} / "
            f"{np.nanmean(e[0]) * 1000:+.0f} | {mpjpe(out[0][:, BI], gt_cam[:, gi]) * 1000:.0f} | "
            f"{np.nanmean(np.abs(e[1])) * 1000:.0f} / {np.nanmean(e[1]) * 1000:+.0f} | "
            f"{np.nanmean(np.abs(e[2])) * 1000:.0f} |"
        )
    print()


def section_samples() -> None:
    from posekit import PoseEstimator
    from posekit.threed.mono.camera import solve_root_translation

    path = SHARED / "3d" / "samples_3d.json"
    if not path.exists():
        print("## 3. samples_3d: skipped (../shared/data/3d/samples_3d.json not found)\n")
        return
    samples = json.loads(path.read_text())["samples"]
    bp = [
        "left_hip",
        "right_hip",
        "left_knee",
        "right_knee",
        "left_ankle",
        "right_ankle",
        "left_shoulder",
        "right_shoulder",
        "left_elbow",
        "right_elbow",
        "left_wrist",
        "right_wrist",
    ]
    alias = {"left_ankle": ("left_foot", "left_ankle"), "right_ankle": ("right_foot", "right_ankle")}
    print("## 3. samples_3d.json: single images with 3D ground truth (13 joints: root + limbs)\n")
    print("| 3D | images | MPJPE root-relative (mm) | PA-MPJPE (mm) | scale error | root depth error (mm) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for model in ("blazepose-full", "blazepose-3d"):
        est = PoseEstimator(model)
        m1, m2, s1, dz, n = [], [], [], [], 0
        for s in samples:
            names = s["joint_names"]
            gi = [names.index("root")] + [
                next(names.index(a) for a in alias.get(j, (j,)) if a in names) for j in bp
            ]
            gt = np.array(s["keypoints_3d_cam"])[gi]
            gt2 = np.array(s["keypoints_2d"])[gi]
            poses = est(SHARED / "3d" / s["image"])
            if not len(poses):
                continue
            d = [
                np.nanmean(np.linalg.norm(p[[NAMES.index(j) for j in bp]] - gt2[1:], axis=1))
                for p in poses.keypoints
            ]
            i = int(np.argmin(d))
            w = poses.world[i].astype(np.float64)
            pred = np.concatenate([w[[23, 24]].mean(0, keepdims=True), w[[NAMES.index(j) for j in bp]]])
            m1.append(mpjpe(pred - pred[0], gt - gt[0]))
            m2.append(pa_mpjpe(pred, gt))
            s1.append(scale_error(pred, gt))
            cam = s["camera"]
            K = np.array([[cam["f"][0], 0, cam["c"][0]], [0, cam["f"][1], cam["c"][1]], [0, 0, 1.0]])
            tr = solve_root_translation(w[None], poses.keypoints[i][None] - 0.5, K, poses.scores[i][None])[0]
            dz.append(abs((pred[0] + tr)[2] - gt[0, 2]))
            n += 1
        print(
            f"| {model} | {n}/{len(samples)} | {np.mean(m1) * 1000:.0f} | {np.mean(m2) * 1000:.0f} | "
            f"{np.mean(s1) * 100:+.1f} % | {np.mean(dz) * 1000:.0f} |"
        )
    print(
        "\n(single images: no sequence refinement applies; blazepose-3d is the mean of its four readings)\n"
    )


def section_exports(runs, opensim_python: str | None, pose2sim_python: str | None = None) -> None:
    from posekit.export.api import export_results
    from posekit.export.bvh import BVH_JOINTS, solve_bvh
    from posekit.export.c3d import read_c3d
    from posekit.export.motion import motions_from_frames, y_up
    from posekit.export.nwb import validate_nwb
    from posekit.export.openpose import read_openpose
    from posekit.export.trc import read_trc
    from posekit.results import Poses
    from posekit.threed.mono.skeleton import JOINTS, skeleton_from_blazepose

    raw = runs["blazepose-3d"][1]
    frames = []
    for i, t in enumerate(raw["time"]):
        ok = np.isfinite(raw["world"][i]).all()
        kp = raw["keypoints"][i][None]
        p = Poses(
            kp,
            raw["scores"][i][None],
            np.array([[*np.nanmin(kp[0], 0), *np.nanmax(kp[0], 0)]]),
            np.ones(1),
            "blazepose33",
            tuple(int(v) for v in raw["image_size"]),
            world=raw["world"][i][None],
            track_ids=np.zeros(1, np.int64),
        )
        frames.append((i, float(t), p if ok else p[[]]))
    m = motions_from_frames(frames)[0]
    tmp = Path(tempfile.mkdtemp(prefix="posekit-mono3d-"))
    print("## 4. Exports of the demo's cam01 motion, read back by other readers\n")
    print("| format | check | result |")
    print("| --- | --- | --- |")
    try:
        t0 = time.perf_counter()
        bvh = export_results(frames, "bvh", tmp / "demo.bvh")
        solved = solve_bvh(y_up(skeleton_from_blazepose(m.positions), m.frame))
        import bvhio

        root = bvhio.readAsHierarchy(str(bvh))
        err = 0.0
        for t in range(len(m)):
            root.loadPose(t)
            for name, sk, _, _ in BVH_JOINTS:
                p = np.array(root.filter(name)[0].PositionWorld)
                err = max(err, float(np.linalg.norm(p - solved.joints[t, JOINTS.index(sk)])))
        print(
            f"| BVH | bvhio forward kinematics vs posekit skeleton, max over {len(m)} frames × "
            f"{len(BVH_JOINTS)} joints | {err * 1000:.4f} mm |"
        )
        print(f"| BVH | written in | {time.perf_counter() - t0:.2f} s |")
        print(f"| BVH | Blender import (Debian blender, headless) | {blender_check(bvh, solved)} |")
        pts, _, _ = read_c3d(export_results(frames, "c3d", tmp / "demo.c3d"))
        import c3d as c3dlib

        with open(tmp / "demo.c3d", "rb") as f:
            other = np.array([p[:, :3] for _, p, _ in c3dlib.Reader(f).read_frames()]) / 1000
        want = y_up(m.positions, m.frame)
        print(
            f"| C3D | ezc3d / c3d read back vs input, max abs | {np.nanmax(np.abs(pts - want)) * 1000:.4f} / "
            f"{np.nanmax(np.abs(other - want)) * 1000:.4f} mm |"
        )
        trc = read_trc(export_results(frames, "trc", tmp / "demo.trc"))
        print(
            f"| TRC | read_trc vs input, max abs | {np.nanmax(np.abs(trc.positions - want)) * 1000:.4f} mm |"
        )
        errors = validate_nwb(export_results(frames, "nwb", tmp / "demo.nwb"))
        print(f"| NWB | pynwb validator | {'valid' if not errors else '; '.join(errors[:3])} |")
        op = read_openpose(export_results(frames, "openpose", tmp / "op"))
        print(f"| OpenPose | files / people read back | {len(op)} / {sum(len(k) for _, k, _ in op)} |")
        export_results(frames, "mot", tmp / "demo.mot")
        print("| MOT | geometric joint angles written | yes |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    nwb_multicamera()
    opensim_ik(opensim_python, pose2sim_python)


def blender_check(bvh: Path, solved) -> str:
    exe = shutil.which("blender")
    if exe is None:
        return "not run: no `blender` on PATH (apt-get install blender)"
    script = (
        "import bpy, builtins, json\n"
        "_o = builtins.open\n"
        # Debian's Blender 3.4 BVH importer opens files with mode 'rU', which Python 3.11 refuses.
        "builtins.open = lambda f, mode='r', *a, **k: _o(f, mode.replace('U', ''), *a, **k)\n"
        "bpy.ops.wm.read_factory_settings(use_empty=True)\n"
        f"bpy.ops.import_anim.bvh(filepath={str(bvh)!r}, axis_forward='-Z', axis_up='Y')\n"
        "arm = [o for o in bpy.context.scene.objects if o.type == 'ARMATURE'][0]\n"
        "out = {}\n"
        "for f in (1, 40, 80):\n"
        "    bpy.context.scene.frame_set(f)\n"
        "    out[f] = {b.name: list(arm.matrix_world @ b.head) for b in arm.pose.bones}\n"
        "print('POSEKIT_JSON' + json.dumps(out))\n"
    )
    res = subprocess.run(
        [exe, "-b", "--factory-startup", "--python-expr", script],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next((ln for ln in res.stdout.splitlines() if ln.startswith("POSEKIT_JSON")), None)
    if line is None:
        return "import failed: " + (res.stderr.strip().splitlines() or ["no output"])[-1]
    from posekit.export.bvh import BVH_JOINTS
    from posekit.threed.mono.skeleton import JOINTS

    data = json.loads(line[len("POSEKIT_JSON") :])
    err = 0.0
    for f, bones in data.items():
        for name, sk, _, _ in BVH_JOINTS:
            x, y, z = solved.joints[int(f) - 1, JOINTS.index(sk)]
            err = max(err, float(np.linalg.norm(np.array(bones[name]) - [x, -z, y])))  # Blender is Z-up
    return f"imports; bone heads vs posekit joints max {err * 1000:.3f} mm ({len(data)} frames)"


IK_COORDS = (
    "hip_flexion_r",
    "hip_flexion_l",
    "knee_angle_r",
    "knee_angle_l",
    "ankle_angle_r",
    "ankle_angle_l",
)


def nwb_multicamera() -> None:
    """The reference triangulation (TRC) with the demo's calibration as ndx-pose MultiCameraPoseEstimation."""
    from posekit.export import export_results
    from posekit.export.nwb import validate_nwb
    from posekit.export.nwb_multiview import read_multiview_nwb
    from posekit.export.trc import read_trc, y_up_to_z_up
    from posekit.threed.calib_io import read_calibration

    demo = demo_data.pose2sim_demo("0.4.15") / "Pose2Sim/Demo"
    trc = demo / "opensim/Balancing_for_IK.trc"
    calib = read_calibration(demo / "calibration/Calib_qualisys.toml")
    out = Path(tempfile.mkdtemp()) / "tri.nwb"
    export_results(trc, "nwb", out, calibration=calib)
    errors = validate_nwb(out)
    people, cams = read_multiview_nwb(out)
    ref = read_trc(trc)
    d = people["MultiCameraPoseEstimation_person0"]
    back = np.stack([d[n] for n in ref.marker_names], 1)
    diff = np.nanmax(np.abs(back - y_up_to_z_up(ref.positions)))
    k = max(float(np.abs(cams[c.name]["intrinsic_matrix"] - c.matrix).max()) for c in calib.cameras)
    print(
        f"NWB MultiCameraPoseEstimation of the reference triangulation with the demo's {len(cams)} calibrated "
        f"cameras: validator {errors or 'valid'}; 3D read back vs input max {diff * 1000:.4f} mm; "
        f"intrinsics read back max abs diff {k:.2e}\n"
    )
    shutil.rmtree(out.parent, ignore_errors=True)


def _ik_table(label: str, mot: Path, theirs: dict[str, np.ndarray]) -> None:
    from posekit.export.mot import read_mot

    _, ours = read_mot(mot)
    print(f"{label}\n")
    print("| coordinate | RMSE (°) | mean difference (°) | SD of difference (°) | correlation |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for k in IK_COORDS:
        n = min(len(ours[k]), len(theirs[k]))
        d = ours[k][:n] - theirs[k][:n]
        r = np.corrcoef(ours[k][:n], theirs[k][:n])[0, 1]
        print(f"| {k} | {np.sqrt(np.mean(d**2)):.2f} | {d.mean():+.2f} | {d.std():.2f} | {r:.3f} |")
    print()


def pose2sim_trc(python: str, work: Path) -> tuple[Path, Path]:
    """Pose2Sim 0.8.4's own triangulation + Butterworth filter of its shipped demo (the balancing trial
    its IK result was named after, and the static trial for scaling), run with `python` (a Python that
    has pose2sim==0.8.4) in a scratch copy. Returns (balancing TRC, static TRC)."""
    src = demo_data.pose2sim_demo("0.8.4") / "Pose2Sim/S00_Demo_BatchSession"
    shutil.copytree(src, work / "S00_Demo_BatchSession")
    person = work / "S00_Demo_BatchSession/S00_P00_SingleParticipant"
    for old in person.glob("*/pose/*/*.old"):  # stale copies shipped next to the JSON files
        old.unlink()
    steps = "from Pose2Sim import Pose2Sim; Pose2Sim.calibration(); Pose2Sim.personAssociation(); " + (
        "Pose2Sim.triangulation(); Pose2Sim.filtering()"
    )
    for trial in ("S00_P00_T01_BalancingTrial", "S00_P00_T00_StaticTrial"):
        subprocess.run(
            [python, "-c", steps], cwd=person / trial, check=True, capture_output=True, timeout=900
        )
    return (
        person / "S00_P00_T01_BalancingTrial/pose-3d/S00_P00_T01_BalancingTrial_0-100_filt_butterworth.trc",
        person / "S00_P00_T00_StaticTrial/pose-3d/S00_P00_T00_StaticTrial_0-12_filt_butterworth.trc",
    )


def opensim_ik(python: str | None, pose2sim_python: str | None) -> None:
    from posekit.export.ik import run_ik, scale_model
    from posekit.export.mot import read_mot
    from posekit.export.trc import read_trc

    print("## 5. OpenSim inverse kinematics (opensim package) against Pose2Sim's own IK result\n")
    s = demo_data.pose2sim_demo("0.8.4") / "Pose2Sim"
    trial = s / "S00_Demo_BatchSession/S00_P00_SingleParticipant/S00_P00_OpenSim"
    model = trial / "Model_Pose2Sim_body25b_scaled.osim"
    setup = s / "OpenSim_Setup/IK_Setup_Pose2Sim_Body25b.xml"
    _, theirs = read_mot(trial / "S00_P00_T01_BalancingTrial_filt_butterworth_0-100_body25b.mot")
    inputs = [
        (
            "`Balancing_for_IK.trc` of pose2sim 0.4.15",
            demo_data.pose2sim_demo("0.4.15") / "Pose2Sim/Demo/opensim/Balancing_for_IK.trc",
        )
    ]
    work = Path(tempfile.mkdtemp())
    models: list[tuple[str, Path]] = []
    if pose2sim_python:
        try:
            t0 = time.perf_counter()
            trc, static = pose2sim_trc(pose2sim_python, work)
            new, old = read_trc(trc), read_trc(inputs[0][1])
            d = np.linalg.norm(new.positions - old.positions, axis=-1) * 1000
            legs = [i for i, n in enumerate(new.marker_names) if n[1:] in ("Hip", "Knee", "Ankle")]
            worst = int(np.argmax(d.mean(0)))
            print(
                f"Pose2Sim 0.8.4 run on its own demo trial ({time.perf_counter() - t0:.0f} s: calibration "
                "conversion, person association, triangulation, Butterworth 4th order 6 Hz) writes "
                f"`{trc.name}`. Against 0.4.15's `Balancing_for_IK.trc`: hip, knee and ankle markers differ "
                f"by at most {d[:, legs].max():.1e} mm; over all markers the mean difference is "
                f"{d.mean():.2f} mm (largest: {new.marker_names[worst]}, mean {d[:, worst].mean():.2f} mm, "
                f"max {d.max():.1f} mm).\n"
            )
            inputs.append((f"`{trc.name}` (Pose2Sim 0.8.4, regenerated)", trc))
            scaled = work / "scaled_by_posekit.osim"
            try:
                scale_model(
                    s / "OpenSim_Setup/Scaling_Setup_Pose2Sim_Body25b.xml",
                    s / "OpenSim_Setup/Model_Pose2Sim_Body25b.osim",
                    static,
                    scaled,
                    python=python,
                )
                models.append((f"the generic body25b model scaled by posekit on `{static.name}`", scaled))
            except Exception as e:  # report and go on: scaling is optional
                print(f"scaling not run: {e}\n")
        except (OSError, subprocess.SubprocessError) as e:
            print(f"Pose2Sim 0.8.4 not run: {e}\n")
    runs = [(label, trc, "the shipped scaled body25b model", model) for label, trc in inputs]
    runs += [(inputs[-1][0], inputs[-1][1], label, m) for label, m in models]
    for i, (label, trc, model_label, model_path) in enumerate(runs):
        out = work / f"ik{i}.mot"
        t0 = time.perf_counter()
        try:
            run_ik(trc, model_path, setup, out, python=python)
        except Exception as e:  # report and go on: IK is optional
            print(f"not run: {e}\n")
            return
        if i == len(inputs) - 1:
            ours = out  # the shipped model on the last input: the marker-fit comparison below
        _ik_table(
            f"IK of {label} with {model_label} and the IK setup ({time.perf_counter() - t0:.0f} s), against "
            "`S00_P00_T01_BalancingTrial_filt_butterworth_0-100_body25b.mot`:",
            out,
            theirs,
        )
    if python:  # the fit diagnostic runs on OpenSim's side
        marker_fit(python, model, inputs[-1][1], ours, trial)
    shutil.rmtree(work, ignore_errors=True)


def marker_fit(python: str, model: Path, trc: Path, ours: Path, trial: Path) -> None:
    """Marker fit of Pose2Sim's .mot and of ours on the same model and TRC; segment lengths of the model
    against Pose2Sim's body-kinematics CSV of its IK (benchmarks/ik_marker_fit.py)."""
    stem = "S00_P00_T01_BalancingTrial_filt_butterworth_0-100_body25b"
    script = str(ROOT / "benchmarks/ik_marker_fit.py")
    fits = []
    for mot in (trial / f"{stem}.mot", ours):
        cmd = [python, script, str(model), str(trc), str(mot), str(trial / f"{stem}.csv")]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        if res.returncode != 0:
            print(f"marker fit not run: {(res.stderr or 'no output').strip().splitlines()[-1]}\n")
            return
        fits.append(json.loads(res.stdout.strip().splitlines()[-1]))
    print(
        "Segment lengths (distance between body origins, mm, mean over every tenth frame): the shipped "
        "scaled model posed with Pose2Sim's angles, and Pose2Sim's body-kinematics CSV of that IK:\n"
    )
    print("| segment | model | Pose2Sim's CSV |")
    print("| --- | ---: | ---: |")
    for k, v in fits[0]["segments_mm"].items():
        print(f"| {k} | {v['model']:.1f} | {v['csv']:.1f} |")
    print(
        f"\nMarker fit on that model and `{trc.name}` (RMS model marker − TRC marker, mm; mean signed "
        "difference x, y, z in mm), Pose2Sim's .mot against posekit's:\n"
    )
    print("| marker | Pose2Sim RMS | posekit RMS | Pose2Sim mean (x, y, z) | posekit mean (x, y, z) |")
    print("| --- | ---: | ---: | --- | --- |")
    for n, v in fits[0]["markers"].items():
        w = fits[1]["markers"][n]
        fmt = ", ".join
        print(
            f"| {n} | {v['rms_mm']:.1f} | {w['rms_mm']:.1f} | {fmt(f'{x:+.0f}' for x in v['mean_mm'])} "
            f"| {fmt(f'{x:+.0f}' for x in w['mean_mm'])} |"
        )
    worse = sum(fits[0]["markers"][n]["rms_mm"] > fits[1]["markers"][n]["rms_mm"] for n in fits[0]["markers"])
    print(f"\nPose2Sim's angles fit {worse} of {len(fits[0]['markers'])} markers worse than posekit's.\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--opensim-python",
        default=os.environ.get("POSEKIT_OPENSIM_PYTHON"),
        help="a Python with the opensim package (its wheel pins its own NumPy)",
    )
    ap.add_argument(
        "--pose2sim-python",
        default=os.environ.get("POSEKIT_POSE2SIM_PYTHON"),
        help="a Python with pose2sim==0.8.4: regenerate the TRC behind Pose2Sim's IK result for section 5",
    )
    ap.add_argument("--skip-samples", action="store_true")
    ap.add_argument("--only-ik-nwb", action="store_true", help="only the multi-camera NWB and IK checks")
    args = ap.parse_args()
    if args.only_ik_nwb:
        nwb_multicamera()
        opensim_ik(args.opensim_python, args.pose2sim_python)
        return
    runs = section_demo()
    section_depth(runs)
    if not args.skip_samples:
        section_samples()
    section_exports(runs, args.opensim_python, args.pose2sim_python)


if __name__ == "__main__":
    main()
