from __future__ import annotations

import cv2
import numpy as np
import pytest
from multiview_rigs import make_rig

from posekit.errors import InputError
from posekit.threed.board import calibrate_extrinsics, calibrate_intrinsics, parse_board


def test_parse_board():
    b = parse_board("checkerboard:7x4:0.06")
    assert (b.cols, b.rows, b.square) == (7, 4, 0.06) and b.object_points.shape == (28, 3)
    for bad in (
        "charuco:5x7:0.04",
        "aruco:5x7:0.04",
        "checkerboard:7:0.06",
        "checkerboard:1x4:0.06",
        "checkerboard:7x4:-1",
    ):
        with pytest.raises(InputError):
            parse_board(bad)


def test_extrinsics_bundle_adjustment_recovers_the_rig():
    rig = make_rig(4)
    board = parse_board("checkerboard:7x5:0.1")
    rng = np.random.default_rng(0)
    obs = {}
    poses = []
    for b in range(6):  # the board held at 6 places, tilted
        r = rng.normal(0, 0.3, 3) + np.array([np.pi / 2, 0, 0])
        t = np.array([rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5), rng.uniform(0.6, 1.4)])
        poses.append((r, t))
        pts = board.object_points @ cv2.Rodrigues(r)[0].T + t
        for c, cam in enumerate(rig.cameras):
            px = cam.project(pts)
            z = (pts @ cam.R.T + cam.translation)[:, 2]
            normal = cv2.Rodrigues(r)[0][:, 2]
            if np.isfinite(px).all() and (z > 0).all() and abs(normal @ cam.R[2]) > 0.3:
                obs[(c, b)] = px + rng.normal(0, 0.3, px.shape)
    # partly seen boards come as (corner ids, pixels), as ChArUco detection gives them
    for key in list(obs)[::3]:
        keep = np.arange(5, len(board.object_points))
        obs[key] = (keep, obs[key][keep])
    res = calibrate_extrinsics(rig.cameras, obs, board)
    assert max(res.per_camera_px.values()) < 0.6
    # world = the reference board's frame: compare relative poses of cameras (frame-independent)
    est = res.calibration
    for a in range(4):
        for b in range(a + 1, 4):
            true_rel = np.linalg.norm(rig[a].center - rig[b].center)
            est_rel = np.linalg.norm(est[a].center - est[b].center)
            assert abs(true_rel - est_rel) < 0.01
    with pytest.raises(InputError, match="share no board view"):
        calibrate_extrinsics(rig.cameras, {k: v for k, v in obs.items() if k[0] != 2}, board)
    assert res.initial_px.keys() == res.per_camera_px.keys()


def test_intrinsics_on_pose2sim_checkerboards():
    from posekit.threed.calib_io import read_calibration
    from posekit.threed.demo_data import pose2sim_demo

    try:
        root = pose2sim_demo("0.10.49") / "Pose2Sim/Demo_SinglePerson/calibration/intrinsics/int_cam01_img"
        ref = read_calibration(pose2sim_demo("0.4.15") / "Pose2Sim/Demo/calibration/Calib_qualisys.toml")[0]
    except InputError as exc:
        pytest.skip(f"Pose2Sim demo unavailable: {exc}")
    r = calibrate_intrinsics(root, parse_board("checkerboard:4x7:0.06"), "cam_01")
    assert len(r.used) >= 5 and r.rms_px < 0.5
    assert abs(r.camera.matrix[0, 0] / ref.matrix[0, 0] - 1) < 0.02  # focal within 2% of Qualisys'
    assert r.camera.size == (1088, 1920)


def test_calibrate_cli(tmp_path, capsys):
    from posekit.cli.main import main
    from posekit.threed.calib_io import read_calibration
    from posekit.threed.demo_data import pose2sim_demo

    try:
        root = pose2sim_demo("0.10.49") / "Pose2Sim/Demo_SinglePerson/calibration"
    except InputError as exc:
        pytest.skip(f"Pose2Sim demo unavailable: {exc}")
    out = tmp_path / "qca.toml"
    assert main(["calibrate", "--convert", str(root / "Calib.qca.txt"), "--out", str(out)]) == 0
    assert read_calibration(out).names == ["cam01", "cam02", "cam03", "cam04"]
    out2 = tmp_path / "int.toml"
    assert (
        main(
            [
                "calibrate",
                "--board",
                "checkerboard:4x7:0.06",
                "--intrinsics",
                str(root / "intrinsics/int_cam01_img"),
                "--out",
                str(out2),
            ]
        )
        == 0
    )
    assert "RMS reprojection error" in capsys.readouterr().out
    assert (tmp_path / "int.report.json").exists() and len(read_calibration(out2)) == 1
    assert main(["calibrate", "--board", "checkerboard:4x7:0.06", "--out", str(tmp_path / "x.toml")]) == 2
    assert (
        main(
            [
                "calibrate",
                "--board",
                "checkerboard:4x7:0.06",
                "--intrinsics",
                str(tmp_path),
                "--out",
                str(tmp_path / "y.toml"),
            ]
        )
        == 2
    )
    assert not (tmp_path / "x.toml").exists() and not (tmp_path / "y.toml").exists()


def test_charuco_intrinsics_and_partial_views(tmp_path):
    """Synthetic ChArUco views (the board image warped by known cameras) give back the focal length."""
    board = parse_board("charuco:7x5:0.04:0.03")
    assert board.kind == "charuco" and board.object_points.shape == (24, 3)
    px_per_m = 4000
    W, H = board.cols * board.square, board.rows * board.square
    img = board.charuco().generateImage((int(W * px_per_m), int(H * px_per_m)), marginSize=0)
    K = np.array([[900.0, 0, 640], [0, 900.0, 360], [0, 0, 1]])
    S = np.array([[1 / px_per_m, 0, 0], [0, 1 / px_per_m, 0], [0, 0, 1]])  # board pixels → metres
    rng = np.random.default_rng(1)
    folder = tmp_path / "views"
    folder.mkdir()
    for i in range(8):
        R = cv2.Rodrigues(rng.normal(0, 0.35, 3))[0]
        t = np.array([rng.uniform(-0.1, 0.0), rng.uniform(-0.08, 0.0), rng.uniform(0.35, 0.55)])
        Hm = K @ np.column_stack([R[:, 0], R[:, 1], t]) @ S
        view = cv2.warpPerspective(img, Hm, (1280, 720), borderValue=255)
        cv2.imwrite(str(folder / f"v{i}.png"), view)
    r = calibrate_intrinsics(folder, board, "cam")
    assert len(r.used) >= 6 and r.rms_px < 1.0
    assert abs(r.camera.matrix[0, 0] / 900.0 - 1) < 0.02 and abs(r.camera.matrix[0, 2] - 640) < 15
    with pytest.raises(InputError):
        parse_board("charuco:5x7:0.04:0.05")  # marker larger than the square
