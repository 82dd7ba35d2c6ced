"""3D from several cameras: every figure of docs/3d.md (## Multi-view) in one run.

    python benchmarks/threed.py                 # targets 1 and 3 (+ calibration), a minute or two
    python benchmarks/threed.py --video         # + targets 2 and 4: posekit 2D on Pose2Sim's videos (slow)

1. Same 2D in: Pose2Sim 0.4.15 demo JSON → our TRC vs Pose2Sim's TRC, per marker; reprojection errors.
2. Video in: Pose2Sim 0.10.49 Demo_SinglePerson videos → our 2D, association, triangulation vs the same TRC.
3. Ground-truth geometry: Campus, Shelf, CMU Panoptic 3D projected into their cameras with noise,
   outliers and missing views; MPJPE with and without refinement; PCP on Campus/Shelf.
4. Multi-person: Demo_MultiPerson videos, people per frame and id stability.
5. Intrinsics from Pose2Sim's checkerboard images against the shipped calibration.
Data: Pose2Sim wheels are downloaded into ~/.cache/posekit/thirdparty (pinned SHA-256); the ground truth
is read from ../shared/data (internal testing only).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from posekit.export.trc import read_trc, y_up_to_z_up
from posekit.threed.calib_io import read_calibration
from posekit.threed.demo_data import pose2sim_demo
from posekit.threed.pipeline import ReconstructParams, View2D, reconstruct

SHARED_JOINTS = (
    "right_hip",
    "left_hip",
    "right_knee",
    "left_knee",
    "right_ankle",
    "left_ankle",
    "right_heel",
    "left_heel",
    "right_big_toe",
    "left_big_toe",
    "right_shoulder",
    "left_shoulder",
    "right_elbow",
    "left_elbow",
    "right_wrist",
    "left_wrist",
    "nose",
)


def p2s_name(name: str) -> str:
    special = {"Neck": "neck", "Head": "head_top", "Nose": "nose"}
    if name in special:
        return special[name]
    side = {"R": "right_", "L": "left_"}[name[0]]
    return side + re.sub(r"(?<!^)([A-Z])", r"_\1", name[1:]).lower()


def load() -> str:
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return "load unknown"


def reprojection_of(
    calib, positions: np.ndarray, view_pix: np.ndarray, view_sc: np.ndarray, min_score: float = 0.3
) -> tuple[float, np.ndarray]:
    """Mean pixel distance between (F, K, 3) positions projected and (C, F, K, 2) 2D points (score ≥ min)."""
    errs = []
    for c, cam in enumerate(calib.cameras):
        d = np.linalg.norm(cam.project(positions) - view_pix[c], axis=-1)
        errs.append(np.where(view_sc[c] >= min_score, d, np.nan))
    e = np.stack(errs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmean(e)), np.nanmean(e, axis=(1, 2))


def compare_to_trc(res, ref_trc, joints=None) -> dict[str, float]:
    ref = y_up_to_z_up(ref_trc.positions)
    out = {}
    for i, n in enumerate(ref_trc.marker_names):
        ours = p2s_name(n)
        if joints is not None and ours not in joints:
            continue
        if ours not in res.joint_names:
            continue
        n = min(len(ref), res.positions.shape[0])
        d = np.linalg.norm(res.positions[:n, 0, res.joint_names.index(ours)] - ref[:n, i], axis=-1)
        out[ours] = float(np.nanmean(d) * 1000)
    return out


def main_person_2d(res, views) -> tuple[np.ndarray, np.ndarray]:
    C = len(views)
    F, _, K, _ = views[0].keypoints.shape
    pix, sc = np.full((C, F, K, 2), np.nan), np.zeros((C, F, K))
    for c, v in enumerate(views):
        idx = res.views[:, 0, c]
        has = idx >= 0
        pix[c, has] = v.keypoints[np.flatnonzero(has), idx[has]]
        sc[c, has] = v.scores[np.flatnonzero(has), idx[has]]
    return pix, sc


def target1() -> None:
    from posekit.io.openpose import read_openpose_folder

    print("\n## Target 1: same 2D in (Pose2Sim 0.4.15 demo, OpenPose BODY_25B JSON, 4 cameras, 100 frames)")
    demo = pose2sim_demo("0.4.15") / "Pose2Sim/Demo"
    calib = read_calibration(demo / "calibration/Calib_qualisys.toml")
    views = []
    for c in range(1, 5):
        o = read_openpose_folder(demo / f"pose/cam{c}_json")
        views.append(View2D(o.keypoints, o.scores, o.layout, f"cam{c}"))
    ref = read_trc(demo / "opensim/Balancing_for_IK.trc")
    for refine in (False, True):
        t0 = time.perf_counter()
        res = reconstruct(calib, views, 60.0, ReconstructParams(refine=refine))
        dt = time.perf_counter() - t0
        table = compare_to_trc(res, ref)
        pix, sc = main_person_2d(res, views)
        ours_e, ours_c = reprojection_of(calib, res.positions[:, 0], pix, sc)
        p2s_e, p2s_c = reprojection_of(
            calib,
            y_up_to_z_up(ref.positions),
            pix[:, :, [res.joint_names.index(p2s_name(n)) for n in ref.marker_names]],
            sc[:, :, [res.joint_names.index(p2s_name(n)) for n in ref.marker_names]],
        )
        s = res.summary()
        label = "with refinement" if refine else "default (no refinement)"
        print(f"\n### {label}: {dt:.1f} s ({load()}); people found: {res.positions.shape[1]}")
        print(
            f"mean distance to Pose2Sim's TRC over its {len(table)} markers: {np.mean(list(table.values())):.2f} mm"
        )
        print(
            f"reprojection error of the final (filtered) 3D against the 2D (score >= 0.3, all 4 cameras): "
            f"posekit {ours_e:.2f} px, Pose2Sim {p2s_e:.2f} px"
        )
        print(
            "  per camera posekit / Pose2Sim (px): "
            + ", ".join(f"{n} {a:.2f}/{b:.2f}" for n, a, b in zip(calib.names, ours_c, p2s_c))
        )
        print(
            f"triangulation (raw, cameras used): mean {s['mean_error_px']:.2f} px, {s['mean_cameras']:.2f} cameras"
        )
        if not refine:
            print("\n| marker | mm |\n| --- | --- |")
            for k, v in table.items():
                print(f"| {k} | {v:.1f} |")


def _synthetic_views(gt, frames_people, sigma, outliers, drop, rng):
    """Project ground-truth people into each camera with noise, outliers, missing views; shuffled order."""
    K = len(gt.layout)
    F = len(frames_people)
    P = max(len(p) for p in frames_people)
    w, h = gt.image_size
    views = []
    for cam in gt.calib.cameras:
        kp = np.full((F, P, K, 2), np.nan)
        sc = np.zeros((F, P, K))
        for f, people in enumerate(frames_people):
            order = rng.permutation(len(people))
            for slot, i in enumerate(order):
                if rng.random() < drop:
                    continue  # this camera misses this person
                x = cam.project(people[i]) + rng.normal(0, sigma, (K, 2))
                far = rng.random(K) < outliers
                ang = rng.uniform(0, 2 * np.pi, far.sum())
                x[far] += (
                    rng.uniform(0.1, 0.3, (far.sum(), 1))
                    * max(w, h)
                    * np.column_stack([np.cos(ang), np.sin(ang)])
                )
                inside = (
                    np.isfinite(x).all(-1) & (x[:, 0] >= 0) & (x[:, 0] < w) & (x[:, 1] >= 0) & (x[:, 1] < h)
                )
                kp[f, slot, inside] = x[inside]
                sc[f, slot, inside] = rng.uniform(0.5, 1.0, inside.sum())
        views.append(View2D(kp, sc, gt.layout, cam.name, None))
    return views


def target3(trials: int) -> None:
    from scipy.optimize import linear_sum_assignment

    from posekit.threed.datasets import load_campus, load_panoptic, load_shelf, pcp

    print("\n## Target 3: ground-truth geometry (3D joints projected into the real calibrations)")
    if not (DATA / "3d").exists():
        print(f"skipped: {DATA / '3d'} absent")
        return
    sets = [
        load_campus(DATA),
        load_shelf(DATA),
        load_panoptic(DATA, "160906_band1"),
        load_panoptic(DATA, "160906_band2"),
    ]
    settings = [
        ("σ 0", 0, 0, 0),
        ("σ 2 px", 2, 0, 0),
        ("σ 5 px", 5, 0, 0),
        ("σ 10 px", 10, 0, 0),
        ("σ 2 + 10% outliers", 2, 0.1, 0),
        ("σ 2 + 30% views missing", 2, 0, 0.3),
        ("σ 5 + 10% outliers + 30% missing", 5, 0.1, 0.3),
    ]
    print(
        f"{trials} random trials per setting; all people of every frame; association included "
        "(people shuffled per camera); MPJPE over ground-truth joints matched to a found person."
    )
    print(
        "\n| data (cameras, frames×people) | setting | MPJPE mm | + refinement mm | people found | PCP | PCP + ref. |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for gt in sets:
        n_people = sum(len(p) for p in gt.frames)
        for label, sigma, out, drop in settings:
            rng = np.random.default_rng(0)
            errs = {False: [], True: []}
            pcps = {False: [], True: []}
            found = []
            for _ in range(trials):
                views = _synthetic_views(gt, gt.frames, sigma, out, drop, rng)
                for refine in (False, True):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        params = ReconstructParams(refine=refine, refine_smooth=0.0, max_gap=0, filter="none")
                        res = reconstruct(gt.calib, views, 30.0, params)
                    for f, people in enumerate(gt.frames):
                        pred = res.positions[f]  # (T, K, 3)
                        if not people:
                            continue
                        cost = np.full((len(people), max(1, pred.shape[0])), 1e3)
                        for i, g in enumerate(people):
                            for t in range(pred.shape[0]):
                                d = np.linalg.norm(pred[t] - g, axis=-1)
                                if np.isfinite(d).sum() >= 3:
                                    cost[i, t] = np.nanmean(d)
                        rows, cols = linear_sum_assignment(cost)
                        hit = 0
                        for i, t in zip(rows, cols):
                            if cost[i, t] < 0.5:
                                hit += 1
                                d = np.linalg.norm(pred[t] - people[i], axis=-1)
                                errs[refine].extend(d[np.isfinite(d)].tolist())
                                if gt.layout.name == "campus14":
                                    pcps[refine].append(np.mean(list(pcp(pred[t], people[i]).values())))
                            elif gt.layout.name == "campus14":
                                pcps[refine].append(0.0)
                        if gt.layout.name == "campus14":
                            pcps[refine].extend([0.0] * (len(people) - len(rows)))
                        if not refine:
                            found.append(hit / len(people))
            pc = (
                f"{100 * np.mean(pcps[False]):.1f} | {100 * np.mean(pcps[True]):.1f}"
                if pcps[False]
                else "– | –"
            )
            print(
                f"| {gt.name} ({len(gt.calib)}, {n_people}) | {label} | {1000 * np.mean(errs[False]):.1f} | "
                f"{1000 * np.mean(errs[True]):.1f} | {100 * np.mean(found):.0f}% | {pc} |"
            )


def _trc_slice(trc, frames: int):
    """The first `frames` frames of a TrcData (for comparisons after an offset shortened our result)."""
    from dataclasses import replace

    return replace(
        trc,
        positions=trc.positions[:frames],
        times=trc.times[:frames],
        frame_numbers=trc.frame_numbers[:frames],
    )


def target2(model: str) -> None:
    from posekit.threed.inputs import load_view

    print(
        f"\n## Target 2: video in (Pose2Sim 0.10.49 Demo_SinglePerson, 4 videos, posekit 2D model {model!r})"
    )
    root = pose2sim_demo("0.10.49") / "Pose2Sim/Demo_SinglePerson"
    demo04 = pose2sim_demo("0.4.15") / "Pose2Sim/Demo"
    calib = read_calibration(demo04 / "calibration/Calib_qualisys.toml")
    ref = read_trc(demo04 / "opensim/Balancing_for_IK.trc")
    print(f"machine: {load()} at start")
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        views = [load_view(root / f"videos/cam0{c}.mp4", model=model, progress=False) for c in range(1, 5)]
        t2d = time.perf_counter() - t0
        res = reconstruct(calib, views, 60.0, ReconstructParams())
    total = time.perf_counter() - t0
    for w in caught:
        if "calibrated at" in str(w.message):
            print(f"warning: {w.message}")
    table = compare_to_trc(res, ref, SHARED_JOINTS)
    s = res.summary()
    print(
        f"time: {total:.1f} s for 4×{views[0].num_frames} frames (2D {t2d:.1f} s, 3D {total - t2d:.1f} s); "
        f"machine: {load()} at end"
    )
    print(
        f"mean distance to Pose2Sim's TRC over {len(table)} joints: {np.mean(list(table.values())):.1f} mm; "
        f"reprojection {s['mean_error_px']:.1f} px; people found {res.positions.shape[1]}"
    )
    print("| joint | mm |\n| --- | --- |")
    for k, v in table.items():
        print(f"| {k} | {v:.1f} |")
    # Time alignment: the 0.10.49 videos and the 0.4.15 JSON/TRC may not start on the same frame.
    ref_z = y_up_to_z_up(ref.positions)
    pairs = [
        (res.joint_names.index(p2s_name(n)), i)
        for i, n in enumerate(ref.marker_names)
        if p2s_name(n) in SHARED_JOINTS and p2s_name(n) in res.joint_names
    ]
    ours = res.positions[:, 0, [a for a, _ in pairs]]
    theirs = ref_z[:, [i for _, i in pairs]]
    n = min(len(ours), len(theirs))
    shifts = {}
    for k in range(-3, 4):
        a, b_ = (ours[k:n], theirs[: n - k]) if k >= 0 else (ours[: n + k], theirs[-k:n])
        shifts[k] = float(np.nanmean(np.linalg.norm(a - b_, axis=-1)) * 1000)
    print(
        "mean distance (mm) when our frame f + k is compared with Pose2Sim's frame f: "
        + ", ".join(f"k={k}: {v:.1f}" for k, v in shifts.items())
    )
    best = min(shifts, key=lambda k: shifts[k])
    if best:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r1 = reconstruct(calib, views, 60.0, ReconstructParams(), offsets=[best] * 4)
        t1 = compare_to_trc(r1, _trc_slice(ref, r1.positions.shape[0]), SHARED_JOINTS)
        print(
            f"with --offsets {best},{best},{best},{best}: mean {np.mean(list(t1.values())):.1f} mm; per joint "
            + ", ".join(f"{k} {v:.0f}" for k, v in t1.items())
        )
    # Which image width fits? The calibration says 1088, cam01/02 videos are 1080 wide.
    for shift in (0.0, -4.0):
        import copy

        c2 = copy.deepcopy(calib)
        for i in (0, 1):
            c2.cameras[i].matrix[0, 2] += shift
        r2 = reconstruct(c2, views, 60.0, ReconstructParams())
        print(
            f"cx of cam01/02 shifted by {shift:+.0f} px (0: padding at the right; -4: centred crop): "
            f"reprojection {r2.summary()['mean_error_px']:.2f} px, per camera "
            + ", ".join(f"{v:.2f}" for v in r2.summary()["per_camera_px"].values())
        )


def target4(model: str) -> None:
    from posekit.threed.inputs import load_view

    root = pose2sim_demo("0.10.49") / "Pose2Sim/Demo_MultiPerson"
    calib = read_calibration(root / "calibration/Calib.qca.txt")
    print(
        f"\n## Target 4: multi-person (Pose2Sim 0.10.49 Demo_MultiPerson, 4 videos, model {model!r}, "
        f"calibration converted from its Calib.qca.txt)"
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        views = [load_view(root / f"videos/cam0{c}.mp4", model=model, progress=False) for c in range(1, 5)]
        res = reconstruct(calib, views, 60.0, ReconstructParams())
    dt = time.perf_counter() - t0
    F, T = res.positions.shape[:2]
    seen = (res.views >= 0).sum(axis=2) >= 2  # (F, T): track triangulated from >= 2 cameras that frame
    per_frame = seen.sum(axis=1)
    frames_per_track = seen.sum(axis=0)
    print(f"{F} frames in {dt:.1f} s ({load()}); tracks: {T}; frames per track: {frames_per_track.tolist()}")
    print(
        f"frames with exactly 2 people: {int((per_frame == 2).sum())}/{F}; with ≥ 2: {int((per_frame >= 2).sum())}; "
        f"with 1: {int((per_frame == 1).sum())}; with 0: {int((per_frame == 0).sum())}"
    )
    for t in range(T):
        centre = np.nanmedian(res.positions[:, t].reshape(-1, 3), axis=0)
        print(
            f"  track {t}: {int(frames_per_track[t])} frames, {np.nanmean(res.n_cameras[:, t][res.n_cameras[:, t] > 0]):.2f} "
            f"cameras per joint, reprojection {np.nanmean(res.errors[:, t]):.2f} px, median position "
            f"({centre[0]:.2f}, {centre[1]:.2f}, {centre[2]:.2f}) m"
        )
    two = np.array([0, 1])[:T]  # tracks are sorted by views held: the two most-seen people
    both = seen[:, two].all(axis=1)
    print(
        f"the two main tracks (ids {two.tolist()}) are both present in {int(both.sum())}/{F} frames; "
        f"other tracks hold {int(frames_per_track.sum() - frames_per_track[two].sum())} person-frames"
    )
    if T >= 2:
        d = np.nanmean(np.linalg.norm(res.positions[:, two[0]] - res.positions[:, two[1]], axis=-1), axis=1)
        print(f"distance between the two people: min {np.nanmin(d):.2f} m, median {np.nanmedian(d):.2f} m")
    steps = np.linalg.norm(np.diff(np.nanmean(res.positions[:, two], axis=2), axis=0), axis=-1)
    print(
        f"largest frame-to-frame jump of a main track's centre: {np.nanmax(steps):.3f} m (an id switch would "
        "show as a jump of about the distance between the people)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--video", action="store_true", help="also targets 2 and 4 (posekit 2D on the videos)")
    ap.add_argument("--model", default="default")
    ap.add_argument("--trials", type=int, default=10)
    args = ap.parse_args()
    print(f"# posekit 3D benchmark ({load()})")
    target1()
    target3(args.trials)
    if args.video:
        target2(args.model)
        target4(args.model)


if __name__ == "__main__":
    main()
