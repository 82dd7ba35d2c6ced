"""Every export format written from a results file and read back by an independent reader."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posekit.errors import InputError
from posekit.export.api import export_results
from posekit.export.motion import motions_from_tracks, y_up


def test_bvh_forward_kinematics_with_bvhio(results_file, tmp_path):
    bvhio = pytest.importorskip("bvhio")
    from posekit.export.bvh import BVH_JOINTS, write_bvh
    from posekit.threed.mono.skeleton import JOINTS, skeleton_from_blazepose

    m = motions_from_tracks(results_file)[0]
    joints = y_up(skeleton_from_blazepose(m.positions), m.frame)
    out = tmp_path / "a.bvh"
    solved = write_bvh(out, joints, m.fps)
    root = bvhio.readAsHierarchy(str(out))
    err = []
    for t in (0, 7, len(m) - 1):
        root.loadPose(t)
        for name, sk, _, _ in BVH_JOINTS:
            p = np.array(root.filter(name)[0].PositionWorld)
            err.append(np.linalg.norm(p - solved.joints[t, JOINTS.index(sk)]))
    assert max(err) < 1e-3  # 1 mm
    # the solved skeleton is the input with constant bones: close to it
    assert np.abs(solved.joints - joints).max() < 0.05
    text = out.read_text()
    assert f"Frames: {len(m)}" in text and "Frame Time: 0.03333333" in text


def test_c3d_round_trip_with_two_readers(results_file, tmp_path):
    pytest.importorskip("ezc3d")
    c3d = pytest.importorskip("c3d")
    from posekit.export.c3d import read_c3d

    out = export_results(results_file, "c3d", tmp_path / "a.c3d")
    m = motions_from_tracks(results_file)[0]
    pts, labels, rate = read_c3d(out)
    assert labels == list(m.names) and rate == pytest.approx(m.fps)
    np.testing.assert_allclose(pts, y_up(m.positions, m.frame), atol=1e-6)
    with open(out, "rb") as f:
        r = c3d.Reader(f)
        first = next(iter(r.read_frames()))[1]
    np.testing.assert_allclose(first[:, :3] / 1000, y_up(m.positions, m.frame)[0], atol=1e-6)


def test_trc_and_mot(results_file, tmp_path):
    from posekit.export.mot import ANGLES, read_mot
    from posekit.export.trc import read_trc

    trc = read_trc(export_results(results_file, "trc", tmp_path / "a.trc"))
    m = motions_from_tracks(results_file)[0]
    np.testing.assert_allclose(trc.positions, y_up(m.positions, m.frame), atol=2e-6)
    times, cols = read_mot(export_results(results_file, "mot", tmp_path / "a.mot"))
    assert list(cols) == list(ANGLES) and len(times) == len(m)
    assert np.all(np.abs(cols["knee_flexion_r"]) < 60) and np.isfinite(cols["hip_flexion_l"]).all()


def test_joint_angles_of_a_known_pose():
    from posekit.export.mot import joint_angles
    from posekit.threed.mono.skeleton import JOINTS

    j = np.zeros((1, len(JOINTS), 3))
    pos = {
        "pelvis": (0, 0, 0),
        "left_hip": (0.1, 0, 0),
        "right_hip": (-0.1, 0, 0),
        "neck": (0, 0.5, 0),
        "left_knee": (0.1, -0.4, 0),
        "left_ankle": (0.1, -0.8, 0),
        "left_toe": (0.1, -0.8, 0.2),
        "right_knee": (-0.1, -0.4 * np.cos(0.5), 0.4 * np.sin(0.5)),
        "left_shoulder": (0.2, 0.5, 0),
        "left_elbow": (0.2, 0.2, 0),
        "left_wrist": (0.2, 0.2, 0.3),
    }
    for k, v in pos.items():
        j[0, JOINTS.index(k)] = v
    j[0, JOINTS.index("right_ankle")] = j[0, JOINTS.index("right_knee")] + (0, -0.4, 0)
    a = joint_angles(j)
    assert a["hip_flexion_l"][0] == pytest.approx(0, abs=1e-6)
    assert a["hip_flexion_r"][0] == pytest.approx(np.degrees(0.5), abs=1e-6)  # thigh forward (+z faces front)
    assert a["knee_flexion_l"][0] == pytest.approx(0, abs=1e-6)
    assert a["ankle_dorsiflexion_l"][0] == pytest.approx(0, abs=1e-6)
    assert a["elbow_flexion_l"][0] == pytest.approx(90, abs=1e-6)


def test_nwb_validated_and_read_back(results_file, tmp_path):
    pytest.importorskip("ndx_pose")
    from posekit.export.nwb import read_nwb, validate_nwb

    out = export_results(results_file, "nwb", tmp_path / "a.nwb")
    assert validate_nwb(out) == []
    m = motions_from_tracks(results_file)[0]
    d = read_nwb(out)["PoseEstimation_person0"]
    np.testing.assert_allclose(d["left_knee"], m.positions[:, 25], atol=1e-6)
    np.testing.assert_allclose(d["timestamps"], m.times)
    np.testing.assert_allclose(d["nose/confidence"], m.scores[:, 0], atol=1e-6)


def test_openpose_and_coco(tmp_path, make_frames):
    from posekit.export.openpose import read_openpose

    frames = make_frames(n=5, people=2, world=False)
    folder = export_results(frames, "openpose", tmp_path / "op")
    back = read_openpose(folder)
    assert [f for f, _, _ in back] == list(range(5))
    _, kp, ids = back[2]
    p = frames[2][2]
    assert kp.shape == (2, 25, 3) and list(ids) == [0, 1]
    np.testing.assert_allclose(kp[:, 0, :2], p.keypoints[:, 0] - 0.5, atol=1e-3)  # nose
    np.testing.assert_allclose(kp[:, 1, :2], p.keypoints[:, [11, 12]].mean(1) - 0.5, atol=1e-3)  # neck
    assert (kp[:, 20] == 0).all()  # no small toe in BlazePose
    coco = json.loads(export_results(frames, "coco", tmp_path / "r.json").read_text())
    assert len(coco) == 10 and len(coco[0]["keypoints"]) == 51
    from pycocotools.coco import COCO  # independent reader: loadRes needs a ground-truth index

    gt = COCO()
    gt.dataset = {
        "images": [{"id": i, "width": 640, "height": 480} for i in range(5)],
        "annotations": [],
        "categories": [{"id": 1, "name": "person"}],
    }
    gt.createIndex()
    assert len(gt.loadRes(str(tmp_path / "r.json")).anns) == 10


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables(tmp_path, fmt, frames):
    from posekit.io.tracks import read_tracks

    out = export_results(frames, fmt, tmp_path / f"a.{fmt}")
    back = list(read_tracks(out))
    assert len(back) == len(frames)
    np.testing.assert_allclose(back[3].poses.world, frames[3][2].world, atol=1e-6)


def test_bad_inputs_give_clear_errors_and_no_file(tmp_path, results_file, make_frames):
    flat = make_frames(n=5, world=False)
    for fmt in ("bvh", "trc", "c3d", "mot"):
        with pytest.raises(InputError, match="needs 3D"):
            export_results(flat, fmt, tmp_path / f"x.{fmt}")
        assert not (tmp_path / f"x.{fmt}").exists()
    empty = [(i, i / 30, f[2][[]]) for i, f in enumerate(flat)]
    with pytest.raises(InputError, match="no people"):
        export_results(empty, "bvh", tmp_path / "e.bvh")
    with pytest.raises(InputError, match="unknown export format"):
        export_results(results_file, "fbx", tmp_path / "x.fbx")
    with pytest.raises(InputError, match="no such file"):
        export_results(tmp_path / "missing.jsonl", "bvh", tmp_path / "m.bvh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tracks.jsonl"]


def test_cli_export(results_file, tmp_path, capsys):
    from posekit.cli.main import main

    assert main(["export", str(results_file), "--to", "bvh", "--out", str(tmp_path / "a.bvh")]) == 0
    assert (tmp_path / "a.bvh").read_text().startswith("HIERARCHY")
    assert (
        main(["export", str(tmp_path / "nope.jsonl"), "--to", "trc", "--out", str(tmp_path / "b.trc")]) == 2
    )
    assert "posekit: error:" in capsys.readouterr().err and not (tmp_path / "b.trc").exists()


def test_triangulated_results(tmp_path):
    """A triangulation result (TRC, or the long table of `posekit triangulate`) to C3D, NWB and TRC."""
    pytest.importorskip("ezc3d")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from posekit.export.c3d import read_c3d
    from posekit.export.nwb import read_nwb, validate_nwb
    from posekit.export.trc import read_trc, write_trc
    from posekit.layouts import get_layout

    names = list(get_layout("coco17").keypoint_names)
    rng = np.random.default_rng(3)
    pos = rng.normal(size=(6, 17, 3))
    pos[2, 4] = np.nan
    write_trc(tmp_path / "tri.trc", pos, names, 50.0)
    pts, labels, rate = read_c3d(export_results(tmp_path / "tri.trc", "c3d", tmp_path / "tri.c3d"))
    assert labels == names and rate == 50.0
    np.testing.assert_allclose(pts, pos, atol=1e-6)
    out = export_results(tmp_path / "tri.trc", "nwb", tmp_path / "tri.nwb")
    assert validate_nwb(out) == []
    np.testing.assert_allclose(read_nwb(out)["PoseEstimation_person0"]["left_ear"], pos[:, 3], atol=1e-6)
    # the long table: frame, time, person, joint, x, y, z in the calibration's Z-up world
    f, k = np.meshgrid(np.arange(6), np.arange(17), indexing="ij")
    table = {
        "frame": f.ravel(),
        "time": f.ravel() / 50.0,
        "person": np.zeros(f.size, np.int64),
        "joint": [names[i] for i in k.ravel()],
        "x": pos[..., 0].ravel(),
        "y": pos[..., 1].ravel(),
        "z": pos[..., 2].ravel(),
    }
    pq.write_table(pa.table(table), tmp_path / "tri.parquet")
    trc = read_trc(export_results(tmp_path / "tri.parquet", "trc", tmp_path / "from_table.trc"))
    np.testing.assert_allclose(trc.positions, pos[..., [1, 2, 0]], atol=2e-6)  # Z-up world → OpenSim Y-up
    with pytest.raises(InputError, match="no 2D keypoints"):
        export_results(tmp_path / "tri.trc", "openpose", tmp_path / "op")
    with pytest.raises(InputError, match="BlazePose-33"):
        export_results(tmp_path / "tri.trc", "bvh", tmp_path / "tri.bvh")
    assert not (tmp_path / "op").exists() and not (tmp_path / "tri.bvh").exists()


def test_unconfirmed_people_are_left_out_of_tracked_results(make_frames):
    """A tracker's tentative detections (id -1) beside confirmed tracks are not people to export."""
    from dataclasses import replace

    from posekit.export.motion import motions_from_frames

    frames = make_frames(n=20, people=2)
    frames = [(f, t, replace(p, track_ids=np.array([0, -1 if f % 3 else 1]))) for f, t, p in frames]
    motions = motions_from_frames(frames)
    assert sorted(m.track_id for m in motions) == [0, 1]
    untracked = [(f, t, replace(p, track_ids=np.array([-1, -1]))) for f, t, p in frames]
    with pytest.raises(InputError, match="untracked"):
        motions_from_frames(untracked)
